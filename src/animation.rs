//! A `requestAnimationFrame` loop that cleans up after itself and skips hidden tabs.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use leptos::prelude::*;
use leptos::wasm_bindgen::{closure::Closure, JsCast};

/// The longest frame step passed on, seconds: after a long pause (a hidden tab, a debugger)
/// the loop resumes from where it was instead of catching up in one burst.
pub const MAX_FRAME_S: f64 = 0.1;

/// The browser's handle on the per-frame closure, kept so each frame can ask for the next.
type FrameCallback = Closure<dyn FnMut(f64)>;

/// Calls `on_frame(dt)` once per animation frame with the seconds since the last frame
/// (capped at [`MAX_FRAME_S`]) while the page is visible. Stops when the owner is disposed.
pub fn use_animation_frame(on_frame: impl FnMut(f64) + 'static) {
    let alive = Arc::new(AtomicBool::new(true));
    let on_frame = Rc::new(RefCell::new(on_frame));
    let last = Rc::new(Cell::new(None::<f64>));
    let callback: Rc<RefCell<Option<FrameCallback>>> = Rc::new(RefCell::new(None));
    let schedule = {
        let callback = Rc::clone(&callback);
        move || {
            if let Some(cb) = callback.borrow().as_ref() {
                let _ = window().request_animation_frame(cb.as_ref().unchecked_ref());
            }
        }
    };
    *callback.borrow_mut() = Some(Closure::new({
        let alive = Arc::clone(&alive);
        let schedule = schedule.clone();
        move |now_ms: f64| {
            if !alive.load(Ordering::Relaxed) {
                return;
            }
            if document().hidden() {
                last.set(None); // no catch-up burst on return
            } else {
                let dt = last
                    .get()
                    .map_or(0.0, |t| ((now_ms - t) / 1e3).clamp(0.0, MAX_FRAME_S));
                last.set(Some(now_ms));
                (on_frame.borrow_mut())(dt);
            }
            schedule();
        }
    }));
    schedule();
    on_cleanup(move || alive.store(false, Ordering::Relaxed));
}
