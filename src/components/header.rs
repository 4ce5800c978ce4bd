use leptos::prelude::*;

/// The page header: the product's name, what it is for, and the page's tools beside them.
#[component]
pub fn Header(
    /// The tools (sharing, keyboard help).
    children: Children,
) -> impl IntoView {
    view! {
        <header class="site-header">
            <div class="brand">
                <h1>"Headroom"</h1>
                <p class="tagline">"See how a web system scales, one stage at a time."</p>
            </div>
            <div class="toolbar">{children()}</div>
        </header>
    }
}
