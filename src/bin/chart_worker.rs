//! The chart worker: draws the page's charts to SVG off its main thread, and writes the
//! timeline's CSV and JSON files ([`Drawing::Export`](headroom::charts::drawing::Drawing)). Trunk builds it as a
//! web worker (`data-type="worker"` in index.html); the page starts it when a chart first
//! comes near the view (`src/chart_painter.rs`).
//!
//! Once it listens, the worker posts "ready". Each message is then a `Float64Array`: a chart's id, then its
//! [`Drawing`](headroom::charts::drawing::Drawing) as numbers. The answer is
//! `[id, svg, description]` (for a file, its text and its name), both empty for numbers that
//! are not a drawing.

#[cfg(target_arch = "wasm32")]
fn main() {
    use headroom::charts::drawing::{Drawing, Painter, Picture};
    use wasm_bindgen::{closure::Closure, JsCast};
    use web_sys::{js_sys, DedicatedWorkerGlobalScope, MessageEvent};

    console_error_panic_hook::set_once();
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let reply = scope.clone();
    let mut painter = Painter::new();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
        let Ok(message) = e.data().dyn_into::<js_sys::Float64Array>() else {
            return;
        };
        let numbers = message.to_vec();
        let Some((&id, drawing)) = numbers.split_first() else {
            return;
        };
        let Picture { svg, description } = Drawing::decode(drawing)
            .map(|d| painter.paint(&d))
            .unwrap_or_default();
        let answer = js_sys::Array::of3(&id.into(), &svg.into(), &description.into());
        // The page is gone if this fails: nothing to tell.
        let _ = reply.post_message(&answer);
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    // Messages that came before the handler were dropped: the page waits for this.
    let _ = scope.post_message(&"ready".into());
}

/// Natively there is nothing to serve (the charts' tests call the drawing code directly).
#[cfg(not(target_arch = "wasm32"))]
fn main() {}
