use headroom_engine::cost::Cost;
use leptos::prelude::*;

use crate::format;

/// What the running system costs a month at the current number of users, per component and
/// per unit of use, from the engine's cost model and price table.
#[component]
pub fn CostBreakdown(
    /// What the running system costs, from the engine's cost model.
    cost: Signal<Cost>,
) -> impl IntoView {
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
                <strong data-testid="cost-total">{move || dollars(cost.with(|c| c.monthly_usd))}</strong>
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
                        cost.with(|c| {
                            c.components
                                .iter()
                                .map(|(name, usd)| {
                                    view! {
                                        <tr>
                                            <th scope="row">{name.clone()}</th>
                                            <td>{dollars(*usd)}</td>
                                        </tr>
                                    }
                                })
                                .collect_view()
                        })
                    }}
                </tbody>
            </table>
            <p class="cost-units">
                <span data-testid="cost-per-million">
                    {move || dollars(cost.with(|c| c.per_million_requests_usd))}
                </span>
                " per million requests · "
                <span data-testid="cost-per-1k-users">
                    {move || dollars(cost.with(|c| c.per_1k_users_usd))}
                </span>
                " per 1,000 users"
            </p>
        </section>
    }
}
