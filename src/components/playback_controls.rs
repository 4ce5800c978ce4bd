use leptos::prelude::*;

use crate::format;
use crate::query::SPEEDS;

/// Simulated seconds one press of "Step" advances.
pub const STEP_S: f64 = 0.1;

/// Play and pause, a single step, the speed, the seed and Reset all, with the simulated clock
/// and how fast the browser really manages to run it.
#[component]
pub fn PlaybackControls(
    /// Running (not paused).
    playing: RwSignal<bool>,
    /// Simulated seconds per second asked for.
    speed: RwSignal<u32>,
    /// Advances a paused simulation by one step.
    on_step: Callback<()>,
    /// Puts every setting back to how the app opened.
    on_reset: Callback<()>,
    /// The simulation's seed.
    seed: Signal<u64>,
    /// Called with a new seed.
    on_seed: Callback<u64>,
    /// Simulated time, seconds.
    sim_time: Signal<f64>,
    /// Simulated seconds per second the browser achieved lately.
    pace: Signal<f64>,
) -> impl IntoView {
    let seed_error = RwSignal::new(None::<String>);
    let behind = move || {
        let (asked, got) = (speed.get(), pace.get());
        (playing.get() && got < 0.8 * f64::from(asked)).then(|| {
            format!(
                "This browser keeps up with {}× of the {}× asked for.",
                format::rate(got),
                asked
            )
        })
    };

    view! {
        <section class="panel playback" aria-label="Playback">
            <div class="playback-row">
                <button
                    type="button"
                    class="action"
                    data-testid="play-pause"
                    on:click=move |_| playing.update(|p| *p = !*p)
                >
                    {move || if playing.get() { "Pause" } else { "Play" }}
                </button>
                <button
                    type="button"
                    class="action"
                    data-testid="step"
                    disabled=move || playing.get()
                    title=format!(
                        "Advance a paused simulation by {} simulated seconds",
                        format::decimal(STEP_S)
                    )
                    on:click=move |_| on_step.run(())
                >
                    {format!("Step {} s", format::decimal(STEP_S))}
                </button>
                <fieldset class="speeds">
                    <legend>"Speed"</legend>
                    {SPEEDS
                        .iter()
                        .map(|&s| {
                            view! {
                                <label class="speed">
                                    <input
                                        type="radio"
                                        name="speed"
                                        data-testid=format!("speed-{s}")
                                        prop:checked=move || speed.get() == s
                                        on:change=move |_| speed.set(s)
                                    />
                                    {format!("{s}×")}
                                </label>
                            }
                        })
                        .collect_view()}
                </fieldset>
                <label class="seed">
                    "Seed "
                    <input
                        type="number"
                        min=0
                        step=1
                        inputmode="numeric"
                        data-testid="seed"
                        prop:value=move || seed.get().to_string()
                        aria-invalid=move || seed_error.get().is_some().to_string()
                        aria-describedby="seed-error"
                        on:change=move |ev| {
                            match event_target_value(&ev).trim().parse::<u64>() {
                                Ok(s) => {
                                    seed_error.set(None);
                                    on_seed.run(s);
                                }
                                Err(_) => {
                                    seed_error
                                        .set(
                                            Some(
                                                "A seed is a whole number from 0 up; the last one stays."
                                                    .to_owned(),
                                            ),
                                        );
                                }
                            }
                        }
                    />
                </label>
                <button
                    type="button"
                    class="action"
                    data-testid="reset"
                    on:click=move |_| on_reset.run(())
                >
                    "Reset all"
                </button>
            </div>
            <p class="hint" id="seed-error" role="status">{move || seed_error.get()}</p>
            <p class="clock" data-testid="sim-time">
                {move || format!("Simulated time {} s", format::fixed(sim_time.get(), 1))}
                {move || behind().map(|b| view! { <span class="behind">" · " {b}</span> })}
            </p>
        </section>
    }
}
