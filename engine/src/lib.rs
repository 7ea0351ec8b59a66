//! coreshard-engine: a shared-nothing, thread-per-core key-value engine.

pub mod clock;
pub mod error;
pub mod eviction;
pub mod glob;
mod item;
mod keyspace;
pub mod mutation;
pub mod routing;
pub mod runtime;
mod shard;
pub mod stats;
pub mod types;
pub mod value;

pub use clock::Clock;
pub use error::{Error, Result};
pub use eviction::{EvictionPolicy, KeyspaceView, PolicyKind};
pub use mutation::{Event, Mutation, MutationSink, OwnedEvent, OwnedMutation};
pub use routing::{keyslot, Router};
pub use runtime::{Engine, EngineBuilder, Handle, IoBackend, Pending, ShardCtx, Txn};
pub use shard::{IntoBytes, Shard, ShardConfig, DEFAULT_DATABASES};
pub use stats::ShardStats;
pub use value::{Kind, Value, ValueRef};
