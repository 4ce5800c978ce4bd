//! The app's components, one per file.

mod header;
mod offered_load;
mod stage_stepper;
mod users_slider;

pub use header::Header;
pub use offered_load::OfferedLoad;
pub use stage_stepper::StageStepper;
pub use users_slider::UsersSlider;
