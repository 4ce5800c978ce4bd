//! Headroom's simulation engine.
//!
//! A pure Rust crate with no browser dependency: it builds and tests natively,
//! and the web app calls it once per frame and reads plain data back.
#![warn(missing_docs)]

pub mod analytic;
pub mod backlog;
pub mod calibration;
pub mod cli;
pub mod core;
pub mod cost;
pub mod diagnosis;
pub mod erlang;
pub mod events;
pub mod lessons;
pub mod live;
pub mod mmc;
pub mod models;
pub mod numbers;
pub mod parts;
pub mod protocol;
pub mod reading;
pub mod replay;
pub mod resource;
pub mod rng;
pub mod run;
pub mod runner;
pub mod scenario;
pub mod sim;
pub mod slab;
pub mod stages;
pub mod stats;
pub mod topology;
pub mod traffic;
pub mod trail;
pub mod vertical;

pub use stages::{StageId, STAGES};
pub use traffic::TrafficProfile;
