use leptos::prelude::*;

use crate::knobs::Knob;

/// A labelled slider for one design knob, with its value in words.
#[component]
pub fn KnobSlider(
    /// Which knob.
    knob: Knob,
    /// Its current value, in its units.
    value: Signal<f64>,
    /// Called with a new value while the learner moves the slider.
    on_change: Callback<f64>,
) -> impl IntoView {
    let id = format!("knob-{}", knob.key());
    let range = knob.range();
    let value_text = move || knob.value_text(value.get());

    view! {
        <div class="slider knob">
            <label for=id.clone()>{knob.label()}</label>
            <input
                id=id.clone()
                type="range"
                data-testid=id.clone()
                min=range.min
                max=range.max
                step=range.step
                prop:value=move || value.get()
                aria-valuetext=value_text
                on:input=move |ev| {
                    // The browser parses the number: no float parser in the wasm.
                    let v = event_target::<web_sys::HtmlInputElement>(&ev).value_as_number();
                    if v.is_finite() {
                        on_change.run(v);
                    }
                }
            />
            <output for=id.clone() data-testid=format!("{id}-value")>
                {value_text}
            </output>
        </div>
    }
}
