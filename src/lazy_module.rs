//! Parts of the page that load only when a learner or a teacher asks for them, so they cost
//! the first load nothing: each is a wasm module of its own (a binary in `src/bin/`, which
//! Trunk builds with wasm-bindgen's classic-script glue, as it builds the workers), fetched
//! the first time it is needed, from the same folder, at the build's version. Its `main`
//! mounts its view into the page and reads the page's state from the address
//! ([`crate::page_link::ADDRESS_CHANGED`]).

use leptos::prelude::*;
use leptos::wasm_bindgen::{closure::Closure, JsCast, JsValue};
use leptos::web_sys;

/// The statement that starts module `name`'s wasm at `version`, once its glue has loaded (the
/// glue declares `wasm_bindgen` in the page's global scope, where only a script can see it).
pub fn start_statement(name: &str, version: &str) -> String {
    format!(
        "wasm_bindgen({{ module_or_path: \"./{name}_bg.wasm?v={version}\" }}).catch((e) => \
         console.warn(\"Headroom: {name} could not start:\", e));"
    )
}

/// Loads module `name` (`./{name}.js` and `./{name}_bg.wasm`); calls `failed` if its glue
/// cannot be fetched.
pub fn load(name: &'static str, failed: impl FnOnce() + 'static) -> Result<(), JsValue> {
    let document = document();
    let version = document
        .query_selector("meta[name=\"headroom-build\"]")?
        .and_then(|m| m.get_attribute("content"))
        .unwrap_or_default();
    let glue = document.create_element("script")?;
    glue.set_attribute("src", &format!("./{name}.js?v={version}"))?;
    let start = start_statement(name, &version);
    let on_load = Closure::once_into_js(move || {
        let document = leptos::prelude::document();
        if let (Ok(script), Some(body)) = (document.create_element("script"), document.body()) {
            script.set_text_content(Some(&start));
            let _ = body.append_child(&script);
        }
    });
    let on_error = Closure::once_into_js(failed);
    let target: &web_sys::EventTarget = glue.unchecked_ref();
    target.add_event_listener_with_callback("load", on_load.unchecked_ref())?;
    target.add_event_listener_with_callback("error", on_error.unchecked_ref())?;
    document
        .body()
        .ok_or_else(|| JsValue::from_str("no body"))?
        .append_child(&glue)?;
    Ok(())
}

/// For a module's `main`: adds its `style` sheet to the page (a module's style is not part of
/// the first load either) and mounts `view` into the page's element `root` (in place of what
/// the page put there while it loaded), given the page's state as its address has it, read
/// again each time the page writes it. The module lives as long as the page, so its view and
/// its listener are kept for good.
pub fn mount_beside_the_page<V: IntoView + 'static>(
    root: &str,
    style: &str,
    view: impl FnOnce(Signal<crate::query::PageQuery>) -> V + 'static,
) {
    let document = document();
    let Some(root) = document.get_element_by_id(root) else {
        return;
    };
    if let (Ok(sheet), Some(body)) = (document.create_element("style"), document.body()) {
        sheet.set_text_content(Some(style));
        let _ = body.append_child(&sheet);
    }
    let read = || crate::query::parse(&window().location().search().unwrap_or_default()).0;
    let current = RwSignal::new(read());
    let on_address = Closure::<dyn FnMut()>::new(move || current.set(read()));
    let _ = window().add_event_listener_with_callback(
        crate::page_link::ADDRESS_CHANGED,
        on_address.as_ref().unchecked_ref(),
    );
    on_address.forget();
    root.set_inner_html("");
    let root: web_sys::HtmlElement = root.unchecked_into();
    leptos::mount::mount_to(root, move || view(current.into())).forget();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_module_starts_from_its_own_file_at_the_builds_version() {
        assert_eq!(
            start_statement("customize", "abc123"),
            "wasm_bindgen({ module_or_path: \"./customize_bg.wasm?v=abc123\" }).catch((e) => \
             console.warn(\"Headroom: customize could not start:\", e));"
        );
    }
}
