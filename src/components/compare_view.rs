use headroom_engine::protocol::Command;
use leptos::prelude::*;

use super::CompareSide;
use crate::animation::use_motion_clock;
use crate::compare::{beside, side_name, FIGURES};
use crate::knobs::Settings;
use crate::link::EngineLink;
use crate::page_link::{base, link_from};
use crate::query::PageQuery;

/// Two designs side by side: the page's stage and the next, on the same load and seed, each in
/// an engine of its own, with the differences between the figures the two sides show. Loaded
/// only for a link with `compare=1` (`src/bin/compare.rs`).
#[component]
pub fn CompareView(
    /// The page as its address has it.
    current: Signal<PageQuery>,
) -> impl IntoView {
    let a = Memo::new(move |_| current.with(|p| p.settings.clone()));
    let with = Memo::new(move |_| current.with(|p| p.view.compare_with));
    let b = Memo::new(move |_| a.with(|a| beside(a, with.get())));
    let speed = Memo::new(move |_| current.with(|p| p.speed));
    // Running unless the link opens paused; the button here pauses and plays both.
    let playing = RwSignal::new(current.with_untracked(|p| p.view.autoplay));
    let first = a.get_untracked();
    let other = b.get_untracked().unwrap_or_else(|| first.clone());
    let start = |s: &Settings| {
        EngineLink::start(
            &s.scenario(),
            s.seed,
            playing.get_untracked(),
            speed.get_untracked(),
        )
    };
    let (link_a, link_b) = (start(&first), start(&other));
    // Both start afresh together whenever the page's settings change, so they stay comparable.
    Effect::new(move |previous: Option<(Settings, Option<Settings>)>| {
        let (sa, sb) = (a.get(), b.get());
        let unchanged = previous
            .as_ref()
            .is_none_or(|(pa, pb)| *pa == sa && *pb == sb);
        if !unchanged {
            let sb_or_a = sb.clone().unwrap_or_else(|| sa.clone());
            for (link, s) in [(link_a, &sa), (link_b, &sb_or_a)] {
                link.send(Command::Reset {
                    scenario: s.scenario(),
                    seed: s.seed,
                });
            }
        }
        (sa, sb)
    });
    Effect::new(move |_| {
        let (playing, speed) = (playing.get(), speed.get());
        for link in [link_a, link_b] {
            link.send(Command::Play { playing, speed });
        }
    });
    let other_settings = Signal::derive(move || b.get().unwrap_or_else(|| a.get()));
    let clock =
        |link: EngineLink| use_motion_clock(link, move || playing.get_untracked(), speed.into());
    let (since_a, since_b) = (clock(link_a), clock(link_b));
    let difference = move |f: crate::compare::Figure| {
        link_a.reading.with(|ra| {
            link_b.reading.with(|rb| match (ra, rb) {
                (Some(ra), Some(rb)) => f.difference(f.of(ra), f.of(rb)),
                _ => String::new(),
            })
        })
    };

    // The same page with one design.
    let alone = move || {
        current.with(|p| {
            let mut p = p.clone();
            p.view.compare = false;
            link_from(&base(), &p)
        })
    };

    // Each side's name: its stage, or, when one knob is what differs, that knob's value on it.
    let knob_on = move |s: &Settings| {
        with.get()
            .map(|(knob, _)| (knob, knob.value(&s.scenario()) as u32))
    };
    let short = move |s: &Settings| match knob_on(s) {
        Some((knob, value)) => knob.value_text(f64::from(value)),
        None => side_name(s, None),
    };
    let (short_a, short_b) = (
        move || a.with(|s| short(s)),
        move || other_settings.with(|s| short(s)),
    );
    let title = move |s: &Settings| match knob_on(s) {
        Some(on) => side_name(s, Some(on)),
        None => format!("{}: {}", side_name(s, None), s.stage.stage().title),
    };
    let lead = move || match with.get() {
        Some((knob, _)) => format!(
            "The stage in the link beside itself with another {}, on the same load and the \
             same seed, each running in its own engine. ",
            knob.label().to_lowercase()
        ),
        None => "The stage in the link beside the next one, on the same load and the same \
                 seed, each running in its own engine. "
            .to_owned(),
    };

    view! {
        <div class="compare">
            <p class="compare-lead">
                {lead}
                <button
                    type="button"
                    class="action"
                    data-testid="compare-play"
                    on:click=move |_| playing.update(|p| *p = !*p)
                >
                    {move || if playing.get() { "Pause both" } else { "Play both" }}
                </button>
                " "
                <a href=alone data-testid="compare-leave">"Show one design"</a>
            </p>
            <Show when=move || b.with(Option::is_none)>
                <p class="note" data-testid="compare-last">
                    "This is the last stage: there is no next stage to set beside it."
                </p>
            </Show>
            <div class="compare-sides">
                <CompareSide
                    settings=a.into()
                    title=Signal::derive(move || a.with(|s| title(s)))
                    link=link_a
                    side="a"
                    motion_since_s=since_a
                />
                <CompareSide
                    settings=other_settings
                    title=Signal::derive(move || other_settings.with(|s| title(s)))
                    link=link_b
                    side="b"
                    motion_since_s=since_b
                />
            </div>
            <table class="panel compare-table" data-testid="compare-table">
                <caption>
                    {move || format!("{} against {}, at the same load and seed", short_b(), short_a())}
                </caption>
                <thead>
                    <tr>
                        <th scope="col">"Figure"</th>
                        <th scope="col">{short_a}</th>
                        <th scope="col">{short_b}</th>
                        <th scope="col">"Difference"</th>
                    </tr>
                </thead>
                <tbody>
                    {FIGURES
                        .iter()
                        .map(|&f| {
                            let shown = move |link: EngineLink| {
                                link.reading.with(|r| f.shown(r.as_ref()))
                            };
                            view! {
                                <tr>
                                    <th scope="row">{f.label()}</th>
                                    <td>{move || shown(link_a)}</td>
                                    <td>{move || shown(link_b)}</td>
                                    <td data-testid=format!("compare-delta-{}", f.key())>
                                        {move || difference(f)}
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}
