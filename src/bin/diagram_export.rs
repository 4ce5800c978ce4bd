//! The diagram's files (SVG and PNG, [`headroom::diagram_export`]), made by a module of their
//! own that the page loads the first time a learner asks for one ([`headroom::lazy_module`]),
//! so making them costs the page's first load nothing. Trunk builds it with the workers'
//! classic-script glue (`data-type="worker"` in index.html), and the page starts it on its own
//! thread.

#[cfg(target_arch = "wasm32")]
fn main() {
    console_error_panic_hook::set_once();
    headroom::diagram_export::serve();
}

/// Natively there is nothing to serve (the file's text is tested in the library).
#[cfg(not(target_arch = "wasm32"))]
fn main() {}
