use headroom_engine::{cost, scenario::Scenario, StageId};
use leptos::prelude::*;

use crate::format;

/// What the current stage costs a month at the current number of users, per component and
/// per unit of use, from the engine's cost model and price table.
#[component]
pub fn CostBreakdown(
    /// The stage being shown.
    stage: RwSignal<StageId>,
    /// Daily active users.
    users: RwSignal<f64>,
) -> impl IntoView {
    let cost =
        Memo::new(move |_| cost::monthly(&Scenario::for_stage(stage.get().number(), users.get())));
    let dollars = |x: f64| {
        if x < 100.0 {
            format!("${x:.2}")
        } else {
            format!("${}", format::grouped(x))
        }
    };

    view! {
        <section class="panel cost" aria-labelledby="cost-title">
            <h2 id="cost-title">"What it costs"</h2>
            <p class="cost-total">
                <strong data-testid="cost-total">{move || dollars(cost.get().monthly_usd)}</strong>
                " a month"
            </p>
            <table>
                <caption>"Monthly cost by component"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Component"</th>
                        <th scope="col">"USD a month"</th>
                    </tr>
                </thead>
                <tbody>
                    {move || {
                        cost.get()
                            .components
                            .into_iter()
                            .map(|(name, usd)| {
                                view! {
                                    <tr>
                                        <th scope="row">{name}</th>
                                        <td>{dollars(usd)}</td>
                                    </tr>
                                }
                            })
                            .collect_view()
                    }}
                </tbody>
            </table>
            <p class="cost-units">
                <span data-testid="cost-per-million">
                    {move || dollars(cost.get().per_million_requests_usd)}
                </span>
                " per million requests · "
                <span data-testid="cost-per-1k-users">
                    {move || dollars(cost.get().per_1k_users_usd)}
                </span>
                " per 1,000 users"
            </p>
        </section>
    }
}
