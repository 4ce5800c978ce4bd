use leptos::prelude::*;

use crate::query::ViewOptions;

/// The id of the element the lesson mounts into.
pub const LESSON_ROOT: &str = "lesson-root";

/// Lessons on or off (`lesson=1`): the lesson loads the first time it is switched on.
#[component]
pub fn LessonSwitch(
    /// How the page is shown.
    view_options: RwSignal<ViewOptions>,
) -> impl IntoView {
    view! {
        <label class="lesson-switch">
            <input
                type="checkbox"
                role="switch"
                data-testid="lesson-switch"
                prop:checked=move || view_options.with(|v| v.lesson)
                on:change=move |ev| {
                    let on = event_target_checked(&ev);
                    view_options.update(|v| v.lesson = on);
                }
            />
            " Lesson: guess, run, fix"
        </label>
    }
}
