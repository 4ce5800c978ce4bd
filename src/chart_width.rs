//! The width a chart is drawn at: its container's, measured when it mounts and when the
//! window is resized.

use leptos::html::Div;
use leptos::prelude::*;

use crate::charts::{DEFAULT_WIDTH, MIN_WIDTH};
use crate::listen::listen;

/// The pixel width of `container` (at least [`MIN_WIDTH`]; [`DEFAULT_WIDTH`] until it is in
/// the page), kept up to date on window resizes.
pub fn use_chart_width(container: NodeRef<Div>) -> ReadSignal<u32> {
    let width = RwSignal::new(DEFAULT_WIDTH);
    let measure = move || {
        if let Some(el) = container.get_untracked() {
            let w = el.client_width();
            if w > 0 {
                let w = (w as u32).max(MIN_WIDTH);
                if width.get_untracked() != w {
                    width.set(w);
                }
            }
        }
    };
    Effect::new(move |_| {
        if container.get().is_some() {
            measure();
        }
    });
    listen(window().into(), "resize", Box::new(move |_| measure()));
    width.read_only()
}
