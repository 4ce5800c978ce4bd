//! The diagram as a file a learner can take away: SVG, or PNG drawn from that SVG. Each is a
//! picture of the diagram as the page shows it at that moment, parts, states and requests in
//! flight included, so it says what the engine's reading said then.
//!
//! The page's stylesheet does not travel with a file, so each element's style, as the browser
//! computed it (the theme's colours resolved), is written onto the element.
//!
//! The files are made by a module of their own (`src/bin/diagram_export.rs`), loaded the first
//! time a learner asks for one ([`ask`]), so making them costs the page's first load nothing.
//! The page names the picture it wants on its root element and sends [`EXPORT_ASKED`]; the
//! module ([`serve`]) makes it.

use leptos::prelude::*;
use leptos::wasm_bindgen::{JsCast, JsValue};
use leptos::web_sys;

use crate::download::{data_address, download_address};
use crate::format;

/// The properties that decide how the diagram looks, written onto each element.
const PROPERTIES: [&str; 16] = [
    "fill",
    "fill-opacity",
    "stroke",
    "stroke-width",
    "stroke-dasharray",
    "stroke-linecap",
    "stroke-linejoin",
    "stroke-opacity",
    "opacity",
    "font-family",
    "font-size",
    "font-weight",
    "text-anchor",
    "letter-spacing",
    "display",
    "visibility",
];

/// The event that asks the module for the picture named in [`ASKED`].
pub const EXPORT_ASKED: &str = "headroom-export";
/// The root element's attribute naming the picture asked for: `svg` or `png`.
const ASKED: &str = "data-export";
/// The id of the element that says when a file could not be made.
pub const EXPORT_STATUS: &str = "diagram-export-status";

thread_local! {
    /// The module has been asked for (and not failed to load).
    static REQUESTED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// For the page: asks for the diagram as `picture`, loading the module that makes it the first
/// time (a module that fails to load is tried again on the next click).
pub fn ask(picture: Picture) {
    let Some(root) = document().document_element() else {
        return;
    };
    let _ = root.set_attribute(ASKED, picture.key());
    if REQUESTED.replace(true) {
        if let Ok(asked) = web_sys::Event::new(EXPORT_ASKED) {
            let _ = window().dispatch_event(&asked);
        }
        return;
    }
    let failed = || {
        REQUESTED.set(false);
        say_failed();
    };
    if crate::lazy_module::load("diagram_export", failed).is_err() {
        failed();
    }
}

/// Says on the page that the file could not be made.
fn say_failed() {
    if let Some(status) = document().get_element_by_id(EXPORT_STATUS) {
        status.set_text_content(Some("The browser could not make the file."));
    }
}

/// For the module: makes the picture asked for now, and each one asked for later.
pub fn serve() {
    let make = || {
        let Some(root) = document().document_element() else {
            return;
        };
        let asked = root
            .get_attribute(ASKED)
            .and_then(|k| Picture::from_key(&k));
        let _ = root.remove_attribute(ASKED);
        if let Some(status) = document().get_element_by_id(EXPORT_STATUS) {
            status.set_text_content(None);
        }
        if let Some(picture) = asked {
            if save(picture, say_failed).is_err() {
                say_failed();
            }
        }
    };
    make();
    let on_asked = leptos::wasm_bindgen::closure::Closure::<dyn FnMut()>::new(make);
    let _ =
        window().add_event_listener_with_callback(EXPORT_ASKED, on_asked.as_ref().unchecked_ref());
    // The module lives as long as the page.
    on_asked.forget();
}

/// How many pixels a PNG has per unit of the diagram: sharp on a slide or a worksheet.
pub const PNG_SCALE: f64 = 2.0;

/// A file's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Picture {
    Svg,
    Png,
}

impl Picture {
    /// Its name where the page asks for it.
    pub fn key(self) -> &'static str {
        match self {
            Self::Svg => "svg",
            Self::Png => "png",
        }
    }

    /// The picture named `key`.
    pub fn from_key(key: &str) -> Option<Self> {
        [Self::Svg, Self::Png].into_iter().find(|p| p.key() == key)
    }

    /// The name the file is saved under.
    pub fn file_name(self) -> &'static str {
        match self {
            Self::Svg => "headroom-diagram.svg",
            Self::Png => "headroom-diagram.png",
        }
    }
}

/// A CSS declaration list from (property, value) pairs, leaving out those with no value.
pub fn style_text<'a>(pairs: impl IntoIterator<Item = (&'a str, String)>) -> String {
    pairs
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(p, v)| format!("{p}:{v};"))
        .collect()
}

/// The opening of a standalone SVG document `width` × `height` units, with its namespace and
/// a background in `paper`.
pub fn opening(view_box: &str, width: f64, height: f64, paper: &str) -> String {
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="{view_box}" width="{w}" height="{h}" style="background:{paper}">"#,
        w = format::coord(width),
        h = format::coord(height),
    )
}

/// The diagram `svg` as a standalone SVG document, `width` × `height` units.
pub fn standalone(svg: &web_sys::Element, width: f64, height: f64) -> Result<String, JsValue> {
    let window = window();
    let copy: web_sys::Element = svg.clone_node_with_deep(true)?.unchecked_into();
    let (from, to) = (svg.query_selector_all("*")?, copy.query_selector_all("*")?);
    for i in 0..from.length() {
        let (Some(a), Some(b)) = (from.item(i), to.item(i)) else {
            continue;
        };
        let (a, b): (web_sys::Element, web_sys::Element) = (a.unchecked_into(), b.unchecked_into());
        if let Some(computed) = window.get_computed_style(&a)? {
            let pairs = PROPERTIES
                .iter()
                .map(|&p| (p, computed.get_property_value(p).unwrap_or_default()));
            b.set_attribute("style", &style_text(pairs))?;
        }
        // Neither a part's focus ring nor its button role means anything in a file.
        b.remove_attribute("tabindex")?;
    }
    let paper = window
        .get_computed_style(&svg.parent_element().unwrap_or_else(|| svg.clone()))?
        .and_then(|c| c.get_property_value("background-color").ok())
        .unwrap_or_default();
    let view_box = svg.get_attribute("viewBox").unwrap_or_default();
    Ok(format!(
        "{}{}</svg>",
        opening(&view_box, width, height, &paper),
        copy.inner_html()
    ))
}

/// The width and height of a `viewBox` ("x y width height").
pub fn view_box_size(view_box: &str) -> Option<(f64, f64)> {
    let mut numbers = view_box.split_whitespace().skip(2).map(str::parse::<f64>);
    match (numbers.next(), numbers.next()) {
        (Some(Ok(w)), Some(Ok(h))) => Some((w, h)),
        _ => None,
    }
}

/// Saves the diagram on the page as `picture`, at its own size; calls `failed` if the file
/// cannot be made (for a PNG, that may be after this returns).
pub fn save(picture: Picture, failed: impl FnOnce() + 'static) -> Result<(), JsValue> {
    let svg = document()
        .query_selector("[data-testid=\"diagram\"]")?
        .ok_or_else(|| JsValue::from_str("no diagram"))?;
    let (width, height) = svg
        .get_attribute("viewBox")
        .as_deref()
        .and_then(view_box_size)
        .ok_or_else(|| JsValue::from_str("no size"))?;
    let text = standalone(&svg, width, height)?;
    let address = data_address("image/svg+xml", &text);
    match picture {
        Picture::Svg => download_address(picture.file_name(), &address),
        Picture::Png => {
            // The browser draws the SVG into a canvas once it has read it.
            let image = web_sys::HtmlImageElement::new()?;
            image.set_src(&address);
            let (w, h) = (width * PNG_SCALE, height * PNG_SCALE);
            // (The module mounts no view, so Leptos's executor is not set up: wasm-bindgen's
            // runs the task.)
            wasm_bindgen_futures::spawn_local(async move {
                let drawn = wasm_bindgen_futures::JsFuture::from(image.decode()).await;
                if let Err(e) = drawn.and_then(|_| draw_png(&image, w, h)) {
                    web_sys::console::warn_2(&"Headroom: the PNG could not be drawn:".into(), &e);
                    failed();
                }
            });
            Ok(())
        }
    }
}

/// Draws `image` into a `w` × `h` canvas and saves it as a PNG.
fn draw_png(image: &web_sys::HtmlImageElement, w: f64, h: f64) -> Result<(), JsValue> {
    let canvas: web_sys::HtmlCanvasElement = document().create_element("canvas")?.unchecked_into();
    canvas.set_width(w as u32);
    canvas.set_height(h as u32);
    let context: web_sys::CanvasRenderingContext2d = canvas
        .get_context("2d")?
        .ok_or_else(|| JsValue::from_str("no 2d context"))?
        .unchecked_into();
    context.draw_image_with_html_image_element_and_dw_and_dh(image, 0.0, 0.0, w, h)?;
    download_address(Picture::Png.file_name(), &canvas.to_data_url()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_style_keeps_the_properties_that_have_a_value() {
        let pairs = [
            ("fill", "rgb(1, 2, 3)".to_owned()),
            ("stroke", String::new()),
            ("font-size", "14px".to_owned()),
        ];
        assert_eq!(style_text(pairs), "fill:rgb(1, 2, 3);font-size:14px;");
    }

    #[test]
    fn a_picture_is_asked_for_by_name_and_sized_from_its_view_box() {
        for p in [Picture::Svg, Picture::Png] {
            assert_eq!(Picture::from_key(p.key()), Some(p));
        }
        assert_eq!(Picture::from_key("gif"), None);
        assert_eq!(view_box_size("0 0 640.5 300"), Some((640.5, 300.0)));
        assert_eq!(view_box_size("0 0 640"), None);
    }

    #[test]
    fn a_standalone_svg_names_its_namespace_and_size() {
        assert_eq!(
            opening("0 0 640.5 300", 640.5, 300.0, "rgb(255, 255, 255)"),
            r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 640.5 300" width="640.5" height="300.0" style="background:rgb(255, 255, 255)">"#
        );
    }
}
