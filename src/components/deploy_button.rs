use leptos::prelude::*;

/// Starts a deploy of a new version: the engine restarts each app server in turn (draining it
/// first when a load balancer can send its traffic elsewhere).
#[component]
pub fn DeployButton(
    /// Called when the learner starts a deploy.
    on_deploy: Callback<()>,
) -> impl IntoView {
    view! {
        <div class="actions">
            <button
                type="button"
                class="action"
                data-testid="deploy"
                on:click=move |_| on_deploy.run(())
            >
                "Deploy a new version"
            </button>
            <span class="hint">
                "Restarts every app server in turn. Watch what happens to the requests."
            </span>
        </div>
    }
}
