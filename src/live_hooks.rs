//! How many of the page's hooks hold something of the browser's right now, by kind. Each hook
//! keeps a [`Live`] token with what it registers (an animation frame loop, a listener, an
//! observer, a worker, a timer); the token counts up when made and down when dropped, so the
//! counts show what outlived its owner. The component tests mount and unmount the app and
//! check that every count comes back to where it was.

use std::cell::Cell;

/// What is held, by kind.
#[derive(Clone, Copy)]
pub(crate) enum Hook {
    Frame,
    Listener,
    Observer,
    Worker,
    Timeout,
}

thread_local! {
    static LIVE: Cell<[u32; 5]> = const { Cell::new([0; 5]) };
}

/// The live counts, by kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LiveHooks {
    /// Animation frame loops.
    pub frames: u32,
    /// Event listeners added through `listen`.
    pub listeners: u32,
    /// Intersection observers.
    pub observers: u32,
    /// Web workers (the engine's, the charts').
    pub workers: u32,
    /// Timers waiting to fire.
    pub timeouts: u32,
}

/// What is held now.
pub fn counts() -> LiveHooks {
    let [frames, listeners, observers, workers, timeouts] = LIVE.with(Cell::get);
    LiveHooks {
        frames,
        listeners,
        observers,
        workers,
        timeouts,
    }
}

/// One thing of kind [`Hook`] held: counted while this lives.
pub(crate) struct Live(Hook);

impl Live {
    pub(crate) fn new(hook: Hook) -> Self {
        add(hook, 1);
        Self(hook)
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        add(self.0, -1);
    }
}

fn add(hook: Hook, n: i32) {
    LIVE.with(|live| {
        let mut counts = live.get();
        counts[hook as usize] = counts[hook as usize].wrapping_add_signed(n);
        live.set(counts);
    });
}
