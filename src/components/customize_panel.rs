use leptos::prelude::*;

use super::share_links::{copy_text, REFUSED};
use crate::page_link::{base, link_from};
use crate::query::{
    embed_code, embed_title, Control, PageQuery, Theme, ViewOptions, CONTROLS, EMBED_SIZE, THEMES,
};

/// Embed sizes a teacher may ask for, CSS pixels: from the smallest the page fits to a wide
/// screen.
pub const WIDTHS: (u32, u32) = (320, 1600);
/// See [`WIDTHS`].
pub const HEIGHTS: (u32, u32) = (400, 1600);

/// How long the link must stay the same before the preview loads it.
const PREVIEW_AFTER: std::time::Duration = std::time::Duration::from_millis(600);

/// What a teacher chose: how the page is shown, and the iframe's size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Choices {
    /// The view options the link carries.
    pub view: ViewOptions,
    /// The iframe's width and height, CSS pixels.
    pub size: (u32, u32),
}

impl Default for Choices {
    /// Every control, unlocked, compact for an iframe, running, the learner's theme.
    fn default() -> Self {
        Self {
            view: ViewOptions {
                embed: true,
                ..ViewOptions::default()
            },
            size: EMBED_SIZE,
        }
    }
}

impl Choices {
    /// The link to `page` (at the address `base`) shown as chosen, and the iframe that embeds
    /// it.
    pub fn outputs(&self, base: &str, page: &PageQuery) -> (String, String) {
        let page = PageQuery {
            view: self.view,
            ..page.clone()
        };
        let link = link_from(base, &page);
        let code = embed_code(&link, &embed_title(&page.settings), self.size);
        (link, code)
    }
}

/// `v` (a number the browser read, maybe not finite) within `range`, or `None`.
pub fn dimension(v: f64, (lo, hi): (u32, u32)) -> Option<u32> {
    v.is_finite()
        .then(|| v.round().max(f64::from(lo)).min(f64::from(hi)) as u32)
}

/// For teachers: a link and an iframe for a course page, starting where the page is now (its
/// stage, users, knobs and seed), with the controls, lock, layout, start, theme and size chosen
/// here, and a live preview of exactly that link. Loaded only when a teacher opens it
/// (`src/bin/customize.rs`).
#[component]
pub fn CustomizePanel(
    /// The page as it is now (from its address).
    current: Signal<PageQuery>,
) -> impl IntoView {
    // (A page that compares two designs starts a link that compares them too.)
    let mut start = Choices::default();
    start.view.compare = current.with_untracked(|p| p.view.compare);
    start.view.compare_with = current.with_untracked(|p| p.view.compare_with);
    start.view.lesson = current.with_untracked(|p| p.view.lesson);
    let choices = RwSignal::new(start);
    let here = base();
    let outputs = Memo::new(move |_| current.with(|p| choices.with(|c| c.outputs(&here, p))));
    let link = move || outputs.with(|o| o.0.clone());
    let code = move || outputs.with(|o| o.1.clone());
    // The preview follows the link once the teacher stops changing it for a moment: each
    // change reloads a whole page, and a reload cut short wastes the requests it made.
    let preview = RwSignal::new(String::new());
    let pending = StoredValue::new(None::<TimeoutHandle>);
    let cancel = move || {
        if let Some(waiting) = pending.try_update_value(Option::take).flatten() {
            waiting.clear();
        }
    };
    Effect::new(move |first: Option<()>| {
        let to = link();
        cancel();
        if first.is_none() {
            preview.set(to);
        } else {
            let handle = set_timeout_with_handle(move || preview.set(to), PREVIEW_AFTER);
            pending.set_value(handle.ok());
        }
    });
    on_cleanup(cancel);
    let status = RwSignal::new(None::<&'static str>);
    let copy = move |what: &'static str, text: String| {
        status.set(Some(what));
        copy_text(text, Box::new(move || status.set(Some(REFUSED))));
    };
    let switch = move |id: &'static str,
                       label: &'static str,
                       get: fn(&ViewOptions) -> bool,
                       set: fn(&mut ViewOptions, bool)| {
        view! {
            <label class="switch">
                <input
                    type="checkbox"
                    data-testid=id
                    prop:checked=move || choices.with(|c| get(&c.view))
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        choices.update(|c| set(&mut c.view, on));
                    }
                />
                {label}
            </label>
        }
    };
    let size = move |id: &'static str, label: &'static str, range: (u32, u32), wide: bool| {
        let get = move |c: &Choices| if wide { c.size.0 } else { c.size.1 };
        view! {
            <label>
                {label}
                " "
                <input
                    type="number"
                    data-testid=id
                    min=range.0
                    max=range.1
                    step=10
                    prop:value=move || choices.with(get)
                    on:change=move |ev| {
                        let read = event_target::<web_sys::HtmlInputElement>(&ev).value_as_number();
                        if let Some(v) = dimension(read, range) {
                            choices.update(|c| if wide { c.size.0 = v } else { c.size.1 = v });
                        }
                    }
                />
                " px"
            </label>
        }
    };

    view! {
        <p class="hint">
            "The link starts where this page is now: its stage, users, knobs and seed. Set those \
             on the page, then choose what learners see here."
        </p>
        <div class="customize-grid">
            <fieldset>
                <legend>"Controls shown"</legend>
                {CONTROLS
                    .iter()
                    .map(|&c: &Control| {
                        view! {
                            <label class="switch">
                                <input
                                    type="checkbox"
                                    data-testid=format!("customize-show-{}", c.key())
                                    prop:checked=move || choices.with(|ch| ch.view.controls.shows(c))
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        choices.update(|ch| ch.view.controls = ch.view.controls.toggled(c, on));
                                    }
                                />
                                {c.label()}
                            </label>
                        }
                    })
                    .collect_view()}
            </fieldset>
            <fieldset>
                <legend>"The page"</legend>
                {switch("customize-lock", "Lock the stage", |v| v.lock, |v, on| v.lock = on)}
                {switch("customize-embed", "Compact, for an iframe", |v| v.embed, |v, on| v.embed = on)}
                {switch("customize-paused", "Open paused", |v| !v.autoplay, |v, on| v.autoplay = !on)}
                {switch(
                    "customize-compare",
                    "The next stage beside it, on the same load",
                    |v| v.compare,
                    |v, on| v.compare = on,
                )}
                {switch(
                    "customize-lesson",
                    "The stage's lesson: guess, run, fix",
                    |v| v.lesson,
                    |v, on| v.lesson = on,
                )}
                <label>
                    "Theme "
                    <select
                        data-testid="customize-theme"
                        on:change=move |ev| {
                            let key = event_target_value(&ev);
                            choices.update(|c| c.view.theme = Theme::from_key(&key));
                        }
                    >
                        <option value="" selected=true>"The learner's system setting"</option>
                        {THEMES
                            .iter()
                            .map(|t| view! { <option value=t.key()>{t.label()}</option> })
                            .collect_view()}
                    </select>
                </label>
                {size("customize-width", "Width", WIDTHS, true)}
                {size("customize-height", "Height", HEIGHTS, false)}
            </fieldset>
        </div>
        <label class="customize-out">
            "Link"
            <input type="text" readonly data-testid="customize-link" prop:value=link/>
        </label>
        <label class="customize-out">
            "Embed code"
            <textarea readonly rows=3 data-testid="customize-code" prop:value=code></textarea>
        </label>
        <div class="share">
            {[
                ("customize-copy-link", "Copy link", "Link copied.", false),
                ("customize-copy-code", "Copy embed code", "Embed code copied.", true),
            ]
                .map(|(id, words, done, is_code)| {
                    view! {
                        <button
                            type="button"
                            class="action"
                            data-testid=id
                            on:click=move |_| copy(done, if is_code { code() } else { link() })
                        >
                            {words}
                        </button>
                    }
                })}
            <span role="status" data-testid="customize-status">{move || status.get()}</span>
        </div>
        <p class="hint">"The preview is that link, at that size:"</p>
        <iframe
            class="customize-preview"
            data-testid="customize-preview"
            title="Preview of the customized Headroom"
            src=move || preview.get()
            width=move || choices.with(|c| c.size.0)
            height=move || choices.with(|c| c.size.1)
        ></iframe>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knobs::Knob;
    use crate::query::parse;

    #[test]
    fn the_link_keeps_the_page_and_carries_the_choices() {
        let (page, _) = parse("stage=3&users=50000&machine=3&seed=7");
        let mut choices = Choices::default();
        choices.view.lock = true;
        choices.view.controls = choices
            .view
            .controls
            .toggled(Control::Faults, false)
            .toggled(Control::Knob(Knob::Writes), false);
        choices.view.theme = Some(Theme::Dark);
        choices.size = (640, 480);
        let (link, code) = choices.outputs("https://example.org/course/", &page);
        let query = link.strip_prefix("https://example.org/course/?").unwrap();
        let (back, notices) = parse(query);
        assert!(notices.is_empty(), "{notices:?}");
        // (The link writes every knob the stage has, so it reads back as the same system.)
        assert_eq!(back.settings.scenario(), page.settings.scenario());
        assert_eq!(back.settings.seed, 7);
        assert_eq!(back.view, choices.view);
        assert!(code.contains("width=\"640\" height=\"480\""), "{code}");
        assert!(code.contains("stage=3&amp;users=50000"), "{code}");
    }

    #[test]
    fn a_size_is_kept_within_what_the_page_fits() {
        assert_eq!(dimension(100.0, WIDTHS), Some(320));
        assert_eq!(dimension(640.4, WIDTHS), Some(640));
        assert_eq!(dimension(5_000.0, HEIGHTS), Some(1_600));
        assert_eq!(dimension(f64::NAN, HEIGHTS), None);
    }
}
