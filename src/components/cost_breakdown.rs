use headroom_engine::cost::Cost;
use leptos::prelude::*;

use crate::format;

/// What the running system costs a month at the current load, per line and per unit of use:
/// its machines, and the traffic the engine measured it serving, from the price table.
#[component]
pub fn CostBreakdown(
    /// What the running system costs, from the engine's reading.
    cost: Signal<Option<Cost>>,
) -> impl IntoView {
    let dollars = format::usd;

    view! {
        <section class="panel cost" aria-labelledby="cost-title">
            <h2 id="cost-title">"What it costs"</h2>
            <p class="cost-total">
                <strong data-testid="cost-total">{move || dollars(cost.with(|c| c.as_ref().map_or(0.0, |c| c.monthly_usd)))}</strong>
                " a month"
            </p>
            <table>
                <caption>"Monthly cost, largest first"</caption>
                <thead>
                    <tr>
                        <th scope="col">"For"</th>
                        <th scope="col">"USD a month"</th>
                    </tr>
                </thead>
                <tbody>
                    {move || {
                        cost.with(|c| {
                            c.iter()
                                .flat_map(|c| &c.lines)
                                .map(|(line, usd)| {
                                    view! {
                                        <tr>
                                            <th scope="row">{line.label()}</th>
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
                    {move || dollars(cost.with(|c| c.as_ref().map_or(0.0, |c| c.per_million_requests_usd)))}
                </span>
                " per million requests · "
                <span data-testid="cost-per-1k-users">
                    {move || dollars(cost.with(|c| c.as_ref().map_or(0.0, |c| c.per_1k_users_usd)))}
                </span>
                " per 1,000 users"
            </p>
        </section>
    }
}
