//! Which way the diagram runs in this window: tall on a phone held upright, wide elsewhere,
//! updated when the window is resized or turned.

use leptos::prelude::*;

use crate::diagram_layout::Orientation;
use crate::listen::listen;

/// The diagram's orientation for the window as it is now, and whenever it changes.
pub fn use_orientation() -> ReadSignal<Orientation> {
    // The viewport's size, in CSS pixels (without scroll bars).
    let measure = || {
        document()
            .document_element()
            .map_or(Orientation::Wide, |root| {
                Orientation::for_window(
                    f64::from(root.client_width()),
                    f64::from(root.client_height()),
                )
            })
    };
    let (orientation, set_orientation) = signal(measure());
    let on_resize = move |_| {
        let now = measure();
        if orientation.try_get_untracked() != Some(now) {
            let _ = set_orientation.try_set(now);
        }
    };
    listen(window().into(), "resize", Box::new(on_resize));
    orientation
}
