//! Headroom's web app: a Leptos client-side-rendered shell around the simulation engine.

pub mod animation;
mod app;
pub mod chart_painter;
mod chart_width;
pub mod charts;
pub mod compare;
pub mod components;
pub mod diagram_export;
pub mod diagram_layout;
pub mod diagram_route;
pub mod dots;
mod download;
pub mod export;
pub mod faults;
pub mod flow;
pub mod format;
pub mod knobs;
pub mod lazy_module;
pub mod lesson;
pub mod link;
mod listen;
pub mod live_hooks;
pub mod log_scale;
mod orientation;
pub mod page_link;
mod parent_commands;
mod parent_events;
pub mod query;
pub mod shortcuts;
mod started_worker;
pub mod summary;
#[cfg(test)]
mod test_support;
pub mod timeline;
mod trials;
mod visibility;

pub use app::App;
