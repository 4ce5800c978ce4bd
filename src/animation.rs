//! A `requestAnimationFrame` loop that skips hidden tabs and cleans up after itself: when its
//! owner goes, the pending frame is cancelled and the loop's closure is dropped.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use leptos::prelude::*;
use leptos::wasm_bindgen::{closure::Closure, JsCast};
use send_wrapper::SendWrapper;

use crate::live_hooks::{Hook, Live};

/// The longest frame step passed on, seconds: after a long pause (a hidden tab, a debugger)
/// the loop resumes from where it was instead of catching up in one burst.
pub const MAX_FRAME_S: f64 = 0.1;

/// The browser's handle on the per-frame closure, kept so each frame can ask for the next.
type FrameCallback = Closure<dyn FnMut(f64)>;

/// The loop's state: its closure (which asks for the next frame, counted while it lives) and
/// the frame it asked for.
struct Loop {
    callback: RefCell<Option<(FrameCallback, Live)>>,
    pending: Cell<Option<i32>>,
}

impl Loop {
    fn schedule(&self) {
        if let Some((cb, _)) = self.callback.borrow().as_ref() {
            self.pending.set(
                window()
                    .request_animation_frame(cb.as_ref().unchecked_ref())
                    .ok(),
            );
        }
    }

    fn stop(&self) {
        if let Some(id) = self.pending.take() {
            let _ = window().cancel_animation_frame(id);
        }
        // Dropping the closure breaks the loop's reference to itself.
        self.callback.borrow_mut().take();
    }
}

/// Calls `on_frame(dt)` once per animation frame with the seconds since the last frame
/// (capped at [`MAX_FRAME_S`]) while the page is visible. Stops when the owner is disposed.
pub fn use_animation_frame(on_frame: impl FnMut(f64) + 'static) {
    let state = Rc::new(Loop {
        callback: RefCell::new(None),
        pending: Cell::new(None),
    });
    let on_frame = RefCell::new(on_frame);
    let last = Cell::new(None::<f64>);
    // The closure holds the loop weakly: only the owner's cleanup keeps it alive.
    let weak = Rc::downgrade(&state);
    let callback: FrameCallback = Closure::new(move |now_ms: f64| {
        let Some(state) = weak.upgrade() else {
            return;
        };
        state.pending.set(None);
        if document().hidden() {
            last.set(None); // no catch-up burst on return
        } else {
            let dt = last
                .get()
                .map_or(0.0, |t| ((now_ms - t) / 1e3).clamp(0.0, MAX_FRAME_S));
            last.set(Some(now_ms));
            (on_frame.borrow_mut())(dt);
        }
        state.schedule();
    });
    *state.callback.borrow_mut() = Some((callback, Live::new(Hook::Frame)));
    state.schedule();
    let state = SendWrapper::new(state);
    on_cleanup(move || state.stop());
}

/// Simulated seconds since `link`'s latest motion was taken, for the dots to move on by between
/// motion updates: the wall time since it came, times `speed`, taken every frame while
/// `moving()` holds, and never more than two frames' worth (so a late frame is not a jump).
pub fn use_motion_clock(
    link: crate::link::EngineLink,
    moving: impl Fn() -> bool + 'static,
    speed: Signal<u32>,
) -> Signal<f64> {
    let frame_ms = RwSignal::new(0.0);
    use_animation_frame(move |_| {
        if moving() {
            frame_ms.set(crate::link::now_ms());
        }
    });
    Signal::derive(move || {
        let elapsed = (frame_ms.get() - link.motion_at.get()).max(0.0) / 1e3;
        elapsed.min(MAX_FRAME_S * 2.0) * f64::from(speed.get())
    })
}
