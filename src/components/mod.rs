//! The app's components, one per file.

mod cost_breakdown;
mod cost_chart;
mod design_controls;
mod dot_legend;
mod fault_buttons;
mod header;
mod knob_slider;
mod latency_chart;
mod live_metrics;
mod node_details;
mod offered_load;
mod playback_controls;
mod stage_stepper;
mod stage_story;
mod timeline_chart;
mod traffic_diagram;
mod users_slider;
mod what_breaks;

pub use cost_breakdown::CostBreakdown;
pub use cost_chart::CostChart;
pub use design_controls::DesignControls;
pub use dot_legend::DotLegend;
pub use fault_buttons::FaultButtons;
pub use header::Header;
pub use knob_slider::KnobSlider;
pub use latency_chart::LatencyChart;
pub use live_metrics::LiveMetrics;
pub use node_details::NodeDetails;
pub use offered_load::OfferedLoad;
pub use playback_controls::{PlaybackControls, SPEEDS};
pub use stage_stepper::StageStepper;
pub use stage_story::StageStory;
pub use timeline_chart::TimelineChart;
pub use traffic_diagram::TrafficDiagram;
pub use users_slider::UsersSlider;
pub use what_breaks::WhatBreaks;
