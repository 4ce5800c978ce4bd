use leptos::prelude::*;

/// The page header: the product's name and what it is for.
#[component]
pub fn Header() -> impl IntoView {
    view! {
        <header class="site-header">
            <h1>"Headroom"</h1>
            <p class="tagline">"See how a web system scales, one stage at a time."</p>
        </header>
    }
}
