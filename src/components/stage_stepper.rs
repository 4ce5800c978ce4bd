use headroom_engine::{StageId, STAGES};
use leptos::{ev::KeyboardEvent, prelude::*};

/// The seven stages as a row of buttons. Clicking one, or pressing the left and
/// right arrow keys while one has focus, makes it the current stage.
#[component]
pub fn StageStepper(
    /// The stage being shown.
    stage: RwSignal<StageId>,
) -> impl IntoView {
    let on_keydown = move |ev: KeyboardEvent| {
        let target = match ev.key().as_str() {
            "ArrowRight" => stage.get_untracked().next(),
            "ArrowLeft" => stage.get_untracked().previous(),
            "Home" => Some(StageId::OneVm),
            "End" => Some(StageId::ReplicasShards),
            _ => None,
        };
        if let Some(next) = target {
            ev.prevent_default();
            stage.set(next);
            focus_step(next);
        }
    };

    view! {
        <nav class="stepper" aria-label="Stages">
            <ol on:keydown=on_keydown data-own-arrows="">
                {STAGES
                    .iter()
                    .map(|s| {
                        let id = s.id;
                        let current = move || stage.get() == id;
                        view! {
                            <li>
                                <button
                                    type="button"
                                    id=step_id(id)
                                    class="step"
                                    class:current=current
                                    aria-current=move || current().then_some("step")
                                    title=s.title
                                    data-testid="stage-step"
                                    on:click=move |_| stage.set(id)
                                >
                                    <span class="step-number" aria-hidden="true">{id.number()}</span>
                                    <span class="step-name">{s.short_name}</span>
                                </button>
                            </li>
                        }
                    })
                    .collect_view()}
            </ol>
            // Where a row of seven does not fit (a phone, a small embed): previous, a list,
            // next. The page's style shows one of the two.
            <div class="stage-switch">
                {step_button(stage, "Previous stage", "stage-previous", "←", StageId::previous)}
                <select
                    aria-label="Stage"
                    data-testid="stage-select"
                    prop:value=move || stage.get().number().to_string()
                    on:change=move |ev| {
                        if let Some(s) = event_target_value(&ev)
                            .parse::<u8>()
                            .ok()
                            .and_then(StageId::from_number)
                        {
                            stage.set(s);
                        }
                    }
                >
                    {STAGES
                        .iter()
                        .map(|s| {
                            let n = s.id.number();
                            view! { <option value=n.to_string()>{format!("{n} · {}", s.short_name)}</option> }
                        })
                        .collect_view()}
                </select>
                {step_button(stage, "Next stage", "stage-next", "→", StageId::next)}
            </div>
        </nav>
    }
}

/// A button to the stage `to` gives from the current one (previous or next), disabled where
/// there is none.
fn step_button(
    stage: RwSignal<StageId>,
    name: &'static str,
    testid: &'static str,
    arrow: &'static str,
    to: fn(StageId) -> Option<StageId>,
) -> impl IntoView {
    view! {
        <button
            type="button"
            class="action"
            aria-label=name
            data-testid=testid
            disabled=move || to(stage.get()).is_none()
            on:click=move |_| {
                if let Some(s) = to(stage.get_untracked()) {
                    stage.set(s);
                }
            }
        >
            {arrow}
        </button>
    }
}

fn step_id(id: StageId) -> String {
    format!("stage-step-{}", id.number())
}

/// Moves keyboard focus to a stage's button, so arrow keys keep working from there.
fn focus_step(id: StageId) {
    use leptos::wasm_bindgen::JsCast;
    if let Some(el) = document()
        .get_element_by_id(&step_id(id))
        .and_then(|el| el.dyn_into::<leptos::web_sys::HtmlElement>().ok())
    {
        let _ = el.focus();
    }
}
