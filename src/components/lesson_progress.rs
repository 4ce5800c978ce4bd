use headroom_engine::stages::STAGES;
use leptos::prelude::*;

use crate::lesson::Progress;

/// Which lessons the learner has finished, kept in this browser, each a link to its lesson.
#[component]
pub fn LessonProgress(
    /// The finished lessons.
    progress: Signal<Progress>,
    /// The lesson shown.
    current: Signal<headroom_engine::StageId>,
    /// The link to stage `n`'s lesson.
    lesson_link: Callback<u8, String>,
) -> impl IntoView {
    let done = move || progress.with(|p| p.stages().count());
    view! {
        <nav class="lesson-progress" aria-label="Lessons" data-testid="lesson-progress">
            <span data-testid="lesson-done">
                {move || format!("Lessons finished: {} of {}", done(), STAGES.len())}
            </span>
            <ol>
                {STAGES
                    .iter()
                    .map(|s| {
                        let n = s.id.number();
                        let finished = move || progress.with(|p| p.finished(s.id));
                        view! {
                            <li>
                                <a
                                    href=move || lesson_link.run(n)
                                    data-finished=move || finished().then_some("")
                                    aria-current=move || (current.get() == s.id).then_some("page")
                                    aria-label=move || {
                                        format!(
                                            "Stage {n}'s lesson{}",
                                            if finished() { ", finished" } else { "" },
                                        )
                                    }
                                >
                                    {move || if finished() { format!("✓ {n}") } else { n.to_string() }}
                                </a>
                            </li>
                        }
                    })
                    .collect_view()}
            </ol>
        </nav>
    }
}
