//! Handing the learner a file the page made: no server, no request.

use leptos::prelude::*;
use leptos::wasm_bindgen::{JsCast, JsValue};
use leptos::web_sys;

/// Offers `text` as a file called `name` of media type `mime`, as a download (from a `data:`
/// address: the file is small, and nothing is left to free afterwards).
pub fn download(name: &str, mime: &str, text: &str) -> Result<(), JsValue> {
    download_address(name, &data_address(mime, text))
}

/// A `data:` address holding `text` as `mime`.
pub fn data_address(mime: &str, text: &str) -> String {
    format!(
        "data:{mime};charset=utf-8,{}",
        String::from(js_sys::encode_uri_component(text))
    )
}

/// Offers the file at `address` (a `data:` address) as a download called `name`.
pub fn download_address(name: &str, address: &str) -> Result<(), JsValue> {
    let link: web_sys::HtmlElement = document().create_element("a")?.unchecked_into();
    link.set_attribute("href", address)?;
    link.set_attribute("download", name)?;
    link.click();
    Ok(())
}
