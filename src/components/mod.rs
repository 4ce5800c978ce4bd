//! The app's components, one per file.

mod cost_breakdown;
mod deploy_button;
mod header;
mod offered_load;
mod stage_stepper;
mod stage_story;
mod traffic_diagram;
mod users_slider;

pub use cost_breakdown::CostBreakdown;
pub use deploy_button::DeployButton;
pub use header::Header;
pub use offered_load::OfferedLoad;
pub use stage_stepper::StageStepper;
pub use stage_story::StageStory;
pub use traffic_diagram::TrafficDiagram;
pub use users_slider::UsersSlider;
