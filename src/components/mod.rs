//! The app's components, one per file.

mod cost_breakdown;
mod cost_chart;
mod deploy_button;
mod header;
mod latency_chart;
mod offered_load;
mod stage_stepper;
mod stage_story;
mod timeline_chart;
mod traffic_diagram;
mod users_slider;

pub use cost_breakdown::CostBreakdown;
pub use cost_chart::CostChart;
pub use deploy_button::DeployButton;
pub use header::Header;
pub use latency_chart::LatencyChart;
pub use offered_load::OfferedLoad;
pub use stage_stepper::StageStepper;
pub use stage_story::StageStory;
pub use timeline_chart::TimelineChart;
pub use traffic_diagram::TrafficDiagram;
pub use users_slider::UsersSlider;
