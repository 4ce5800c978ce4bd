use leptos::prelude::*;

use crate::format;
use crate::knobs::Knob;

/// A labelled slider for one design knob, with its value in words; a knob that is a switch
/// (the index) is a checkbox.
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

    if knob.is_switch() {
        let toggle = move |ev: web_sys::Event| {
            let on = event_target::<web_sys::HtmlInputElement>(&ev).checked();
            on_change.run(f64::from(u8::from(on)));
        };
        return view! {
            <div class="switch knob">
                <input
                    id=id.clone()
                    type="checkbox"
                    data-testid=id.clone()
                    prop:checked=move || { value.get() >= 0.5 }
                    on:change=toggle
                />
                <label for=id.clone()>{knob.label()}</label>
                ": "
                <output for=id.clone() data-testid=format!("{id}-value")>{value_text}</output>
            </div>
        }
        .into_any();
    }
    view! {
        <div class="slider knob">
            <label for=id.clone()>{knob.label()}</label>
            <input
                id=id.clone()
                type="range"
                data-testid=id.clone()
                min=format::decimal(range.min)
                max=format::decimal(range.max)
                step=format::decimal(range.step)
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
    .into_any()
}
