//! Keyboard shortcuts for the whole page: Space plays or pauses, the left and right arrows step
//! through the stages, R resets, and ? opens the list of shortcuts.
//!
//! A shortcut never takes a key from what has the focus: not from a text or number field, not
//! from a slider (its arrows move it), not from a radio button or a checkbox, not from a
//! button's own Space, not from a widget that handles its own arrow keys (the stage stepper),
//! and not from inside a dialog. Nor does it fire with Ctrl, Alt or Meta held: those keys
//! belong to the browser and the system.

use headroom_engine::StageId;
use leptos::ev::KeyboardEvent;
use leptos::prelude::*;
use leptos::wasm_bindgen::JsCast;
use leptos::web_sys::{Element, Event};

use crate::listen::listen;

/// What a shortcut does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Play or pause the simulation.
    TogglePlay,
    /// Go to the previous stage.
    PreviousStage,
    /// Go to the next stage.
    NextStage,
    /// Put every setting back to how the app opened.
    Reset,
    /// Show the list of shortcuts.
    ShowHelp,
}

/// The shortcuts as the help lists them: the keys, and what they do.
pub const SHORTCUTS: [(&str, &str); 5] = [
    ("Space", "Play or pause the simulation"),
    ("←", "Previous stage"),
    ("→", "Next stage"),
    ("R", "Reset all settings"),
    ("?", "Show this list of shortcuts"),
];

/// What has the keyboard focus when a key is pressed, as far as shortcuts care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    /// Nothing in particular (the page, a heading, a panel).
    Page,
    /// A field that takes typed text: every key is its own.
    TextEntry,
    /// A range slider: its arrow keys move it.
    Slider,
    /// A radio button or a checkbox: Space and the arrows are its own.
    Choice,
    /// A button or a link: Space and Enter are its own.
    Button,
    /// A widget that handles the arrow keys itself (the stage stepper): Space is its own too.
    OwnsArrows,
    /// Inside a dialog: the page behind it is not in use.
    Dialog,
}

/// A key press: the key as the browser names it (`KeyboardEvent.key`), the modifiers, whether
/// it is a repeat from holding the key down, and what has the focus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyPress<'a> {
    /// `KeyboardEvent.key`: " ", "ArrowLeft", "r", "?".
    pub key: &'a str,
    /// Ctrl, Alt or Meta (Command) is held. Shift is not counted: "?" needs it.
    pub modifier: bool,
    /// The key is held down and repeating.
    pub repeat: bool,
    /// What has the focus.
    pub focus: Focus,
}

/// The action a key press asks for, if any.
pub fn action_for(press: KeyPress<'_>) -> Option<Action> {
    if press.modifier {
        return None;
    }
    let action = match press.key {
        " " | "Spacebar" => Action::TogglePlay,
        "ArrowLeft" => Action::PreviousStage,
        "ArrowRight" => Action::NextStage,
        "r" | "R" => Action::Reset,
        "?" => Action::ShowHelp,
        _ => return None,
    };
    let arrow = matches!(action, Action::PreviousStage | Action::NextStage);
    let taken = match press.focus {
        Focus::Page => false,
        Focus::TextEntry | Focus::Slider | Focus::Dialog => true,
        Focus::Choice | Focus::OwnsArrows => arrow || action == Action::TogglePlay,
        Focus::Button => action == Action::TogglePlay,
    };
    // Holding a key down steps through the stages, but does not flicker play and pause or
    // reset again and again.
    let repeated = press.repeat && !arrow;
    (!taken && !repeated).then_some(action)
}

/// What `focus` is, from its tag name, its `type` attribute (for inputs), its `role`, whether
/// it is editable, and whether it sits in a dialog or in a widget that owns the arrow keys.
pub fn focus_of(
    tag: &str,
    input_type: &str,
    role: &str,
    editable: bool,
    in_dialog: bool,
    in_arrow_widget: bool,
) -> Focus {
    let tag = tag.to_ascii_lowercase();
    let input_type = input_type.to_ascii_lowercase();
    if in_dialog {
        return Focus::Dialog;
    }
    if editable || tag == "textarea" || tag == "select" {
        return Focus::TextEntry;
    }
    if tag == "input" {
        return match input_type.as_str() {
            "range" => Focus::Slider,
            "radio" | "checkbox" => Focus::Choice,
            "button" | "submit" | "reset" | "image" | "color" | "file" => Focus::Button,
            // Text, number, search, email and every other typed field.
            _ => Focus::TextEntry,
        };
    }
    match role {
        "slider" | "spinbutton" => return Focus::Slider,
        "textbox" | "combobox" | "searchbox" => return Focus::TextEntry,
        "radio" | "checkbox" | "switch" | "menuitemradio" | "menuitemcheckbox" => {
            return Focus::Choice
        }
        _ => {}
    }
    if in_arrow_widget {
        return Focus::OwnsArrows;
    }
    if tag == "button" || tag == "a" || tag == "summary" || role == "button" || role == "link" {
        return Focus::Button;
    }
    Focus::Page
}

/// The attribute a widget that handles its own arrow keys carries.
pub const OWNS_ARROWS: &str = "data-own-arrows";

/// What the element a key event targets is.
fn focus_of_element(el: Option<Element>) -> Focus {
    let Some(el) = el else {
        return Focus::Page;
    };
    let attr = |name: &str| el.get_attribute(name).unwrap_or_default();
    let editable = el
        .dyn_ref::<leptos::web_sys::HtmlElement>()
        .is_some_and(|h| h.is_content_editable());
    let inside = |selector: &str| el.closest(selector).ok().flatten().is_some();
    // An open dialog owns the keyboard even when the focus has slipped out of it (a click on
    // its backdrop).
    let dialog_open = document()
        .query_selector("dialog[open]")
        .ok()
        .flatten()
        .is_some();
    focus_of(
        &el.tag_name(),
        &attr("type"),
        &attr("role"),
        editable,
        dialog_open || inside("dialog, [role=dialog], [role=alertdialog]"),
        inside(&format!("[{OWNS_ARROWS}]")),
    )
}

/// Listens for the shortcuts on the whole page while the calling component lives: Space toggles
/// `playing`, the arrows move `stage`, R calls `on_reset` and ? sets `help` (to open its
/// dialog).
pub fn use_shortcuts(
    stage: RwSignal<StageId>,
    locked: Signal<bool>,
    playing: RwSignal<bool>,
    on_reset: Callback<()>,
    help: RwSignal<bool>,
) {
    use_actions(move |action| match action {
        Action::TogglePlay => playing.update(|p| *p = !*p),
        // A link with lock=1 keeps the page on its stage.
        Action::PreviousStage | Action::NextStage if locked.get_untracked() => {}
        Action::PreviousStage => {
            if let Some(s) = stage.get_untracked().previous() {
                stage.set(s);
            }
        }
        Action::NextStage => {
            if let Some(s) = stage.get_untracked().next() {
                stage.set(s);
            }
        }
        Action::Reset => on_reset.run(()),
        Action::ShowHelp => help.set(true),
    });
}

/// Listens for the shortcuts on the whole page while the calling component lives, and calls
/// `on_action` for each (the key's own action, such as scrolling, is then prevented).
pub fn use_actions(on_action: impl Fn(Action) + 'static) {
    let on_key = move |ev: Event| {
        let Ok(ev) = ev.dyn_into::<KeyboardEvent>() else {
            return;
        };
        if ev.default_prevented() || ev.is_composing() {
            return;
        }
        let key = ev.key();
        let target = ev.target().and_then(|t| t.dyn_into::<Element>().ok());
        let press = KeyPress {
            key: &key,
            modifier: ev.ctrl_key() || ev.alt_key() || ev.meta_key(),
            repeat: ev.repeat(),
            focus: focus_of_element(target),
        };
        if let Some(action) = action_for(press) {
            ev.prevent_default();
            on_action(action);
        }
    };
    listen(window().into(), "keydown", Box::new(on_key));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(key: &str, focus: Focus) -> Option<Action> {
        action_for(KeyPress {
            key,
            modifier: false,
            repeat: false,
            focus,
        })
    }

    #[test]
    fn on_the_page_each_key_does_its_action() {
        assert_eq!(press(" ", Focus::Page), Some(Action::TogglePlay));
        assert_eq!(press("ArrowLeft", Focus::Page), Some(Action::PreviousStage));
        assert_eq!(press("ArrowRight", Focus::Page), Some(Action::NextStage));
        assert_eq!(press("r", Focus::Page), Some(Action::Reset));
        assert_eq!(press("R", Focus::Page), Some(Action::Reset));
        assert_eq!(press("?", Focus::Page), Some(Action::ShowHelp));
        for other in ["a", "Enter", "Escape", "ArrowUp", "Tab", "/"] {
            assert_eq!(press(other, Focus::Page), None, "{other}");
        }
    }

    #[test]
    fn typing_and_sliding_keep_their_keys() {
        for focus in [Focus::TextEntry, Focus::Slider, Focus::Dialog] {
            for key in [" ", "ArrowLeft", "ArrowRight", "r", "?"] {
                assert_eq!(press(key, focus), None, "{key} in {focus:?}");
            }
        }
    }

    #[test]
    fn a_button_keeps_its_space_and_a_stepper_its_arrows() {
        assert_eq!(press(" ", Focus::Button), None);
        assert_eq!(press("ArrowRight", Focus::Button), Some(Action::NextStage));
        assert_eq!(press("r", Focus::Button), Some(Action::Reset));
        for focus in [Focus::OwnsArrows, Focus::Choice] {
            assert_eq!(press("ArrowLeft", focus), None);
            assert_eq!(press("ArrowRight", focus), None);
            assert_eq!(press(" ", focus), None);
            assert_eq!(press("?", focus), Some(Action::ShowHelp));
        }
    }

    #[test]
    fn ctrl_alt_or_meta_leave_the_key_to_the_browser() {
        let with = |key, modifier, repeat| {
            action_for(KeyPress {
                key,
                modifier,
                repeat,
                focus: Focus::Page,
            })
        };
        assert_eq!(with("r", true, false), None, "Ctrl+R reloads");
        assert_eq!(with("ArrowLeft", true, false), None, "Alt+← goes back");
        // Held down, the arrows go on stepping; play and reset do not repeat.
        assert_eq!(with("ArrowRight", false, true), Some(Action::NextStage));
        assert_eq!(with(" ", false, true), None);
        assert_eq!(with("r", false, true), None);
    }

    #[test]
    fn the_focused_element_is_classified_by_what_it_does_with_keys() {
        let f = |tag, ty, role| focus_of(tag, ty, role, false, false, false);
        assert_eq!(f("INPUT", "range", ""), Focus::Slider);
        assert_eq!(f("INPUT", "number", ""), Focus::TextEntry);
        assert_eq!(
            f("INPUT", "", ""),
            Focus::TextEntry,
            "an input is text by default"
        );
        assert_eq!(f("INPUT", "radio", ""), Focus::Choice);
        assert_eq!(f("TEXTAREA", "", ""), Focus::TextEntry);
        assert_eq!(f("SELECT", "", ""), Focus::TextEntry);
        assert_eq!(f("BUTTON", "button", ""), Focus::Button);
        assert_eq!(f("g", "", "button"), Focus::Button, "a diagram node");
        assert_eq!(f("BODY", "", ""), Focus::Page);
        assert_eq!(f("DIV", "", "slider"), Focus::Slider);
        assert_eq!(
            focus_of("DIV", "", "", true, false, false),
            Focus::TextEntry,
            "contenteditable"
        );
        assert_eq!(
            focus_of("BUTTON", "button", "", false, false, true),
            Focus::OwnsArrows,
            "a stage step"
        );
        assert_eq!(
            focus_of("BUTTON", "button", "", false, true, false),
            Focus::Dialog
        );
    }

    #[test]
    fn the_help_lists_every_action_s_key() {
        let keys: Vec<&str> = SHORTCUTS.iter().map(|&(k, _)| k).collect();
        assert_eq!(keys, ["Space", "←", "→", "R", "?"]);
        let named = |k: &'static str| -> &'static str {
            match k {
                "Space" => " ",
                "←" => "ArrowLeft",
                "→" => "ArrowRight",
                "R" => "r",
                other => other,
            }
        };
        let mut actions: Vec<Action> = keys
            .iter()
            .filter_map(|k| press(named(k), Focus::Page))
            .collect();
        actions.dedup();
        assert_eq!(
            actions.len(),
            SHORTCUTS.len(),
            "each listed key does something"
        );
    }
}
