//! The diagram as a file a learner can take away: SVG, or PNG drawn from that SVG. Each is a
//! picture of the diagram as the page shows it at that moment, parts, states and requests in
//! flight included, so it says what the engine's reading said then.
//!
//! The page's stylesheet does not travel with a file, so each element's style, as the browser
//! computed it (the theme's colours resolved), is written onto the element.

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

/// How many pixels a PNG has per unit of the diagram: sharp on a slide or a worksheet.
pub const PNG_SCALE: f64 = 2.0;

/// A file's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Picture {
    Svg,
    Png,
}

impl Picture {
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

/// Saves the diagram on the page, `width` × `height` units, as `picture`; calls `failed` if
/// the file cannot be made (for a PNG, that may be after this returns).
pub fn save(
    picture: Picture,
    width: f64,
    height: f64,
    failed: impl FnOnce() + 'static,
) -> Result<(), JsValue> {
    let svg = document()
        .query_selector("[data-testid=\"diagram\"]")?
        .ok_or_else(|| JsValue::from_str("no diagram"))?;
    let text = standalone(&svg, width, height)?;
    let address = data_address("image/svg+xml", &text);
    match picture {
        Picture::Svg => download_address(picture.file_name(), &address),
        Picture::Png => {
            // The browser draws the SVG into a canvas once it has read it.
            let image = web_sys::HtmlImageElement::new()?;
            image.set_src(&address);
            let (w, h) = (width * PNG_SCALE, height * PNG_SCALE);
            leptos::task::spawn_local(async move {
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
    fn a_standalone_svg_names_its_namespace_and_size() {
        assert_eq!(
            opening("0 0 640.5 300", 640.5, 300.0, "rgb(255, 255, 255)"),
            r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 640.5 300" width="640.5" height="300.0" style="background:rgb(255, 255, 255)">"#
        );
    }
}
