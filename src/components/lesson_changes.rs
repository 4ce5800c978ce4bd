use headroom_engine::lessons::Outcome;
use leptos::prelude::*;

use crate::compare::Figure;
use crate::format;
use crate::lesson::{change_label, LessonRun};

/// The changes a learner may try where the system broke: each button asks the engine to run
/// that change on the same load and seed, and its row then says what the run showed, what it
/// costs, and what it leaves broken. A wrong change never ends the lesson.
#[component]
pub fn LessonChanges(
    /// The lesson so far.
    run: Signal<LessonRun>,
    /// Called with the change to try.
    on_try: Callback<usize>,
) -> impl IntoView {
    // (The list is built again only when the changes on offer change, so a button keeps focus.)
    let count = Memo::new(move |_| run.with(|r| r.changes.len()));
    let failing_cost = move || run.with(|r| r.ramp.broke().map(|(_, o)| o.usd_month));
    let result = move |o: Outcome| {
        let cost = format::usd(o.usd_month);
        let more = failing_cost()
            .map(|before| Figure::Cost.difference(before, o.usd_month))
            .unwrap_or_default();
        match o.failure {
            None => format!("✓ Cures it: meets every target, for {cost} a month ({more} on the failing system)."),
            Some(f) => format!("✗ Still failing: {}, for {cost} a month ({more} on the failing system).", f.title()),
        }
    };
    view! {
        <ul class="lesson-changes" data-testid="lesson-changes">
            {move || {
                (0..count.get())
                    .map(|i| {
                        let entry = move || run.with(|r| r.changes.get(i).copied());
                        let label = move || {
                            run.with(|r| {
                                r.changes
                                    .get(i)
                                    .map(|(c, _)| change_label(*c, r.lesson.stage))
                                    .unwrap_or_default()
                            })
                        };
                        let busy = move || run.with(|r| r.trying.is_some());
                        let outcome = move || entry().and_then(|(_, o)| o);
                        view! {
                            <li
                                data-testid=format!("lesson-change-{i}")
                                data-cures=move || outcome().map(|o| o.failure.is_none().to_string())
                            >
                                <button
                                    type="button"
                                    class="action"
                                    // (Not `disabled`: a disabled button drops the focus. A
                                    // change asked for while another runs is not taken.)
                                    aria-disabled=move || busy().then_some("true")
                                    on:click=move |_| on_try.run(i)
                                >
                                    {move || format!("Try: {}", label())}
                                </button>
                                <span
                                    class="lesson-outcome"
                                    role="status"
                                    data-testid=format!("lesson-outcome-{i}")
                                >
                                    {move || {
                                        if run.with(|r| r.trying == Some(i)) {
                                            "Running it…".to_owned()
                                        } else {
                                            outcome().map(result).unwrap_or_default()
                                        }
                                    }}
                                </span>
                            </li>
                        }
                    })
                    .collect_view()
            }}
        </ul>
    }
}
