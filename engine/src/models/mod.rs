//! The pieces of a web system the stages are built from, each a small type with its own tests.
//!
//! The resources themselves (thread pools, connection pools, cores, disks, workers) are
//! [`crate::resource::Resource`]s run by [`crate::core::Core`]; these types hold the decisions
//! around them: where a request goes, what a cache holds, how far a replica lags.

pub mod cache;
pub mod load_balancer;
pub mod replication;
pub mod request_mix;
pub mod shard_router;
pub mod thinning;

pub use cache::HotKeyCache;
pub use load_balancer::LoadBalancer;
pub use replication::ReplicaLag;
pub use request_mix::RequestMix;
pub use shard_router::ShardRouter;
pub use thinning::Thinning;
