//! coreshard-engine: a shared-nothing, thread-per-core key-value engine with
//! Redis 7 semantics.
//!
//! An [`Engine`] runs one pinned thread per shard, each with its own monoio
//! event loop (io_uring, or epoll where io_uring is unavailable). Keys are
//! routed to shards by Redis Cluster hash slot ([`keyslot`]); a [`Shard`]
//! owns its slice of the keyspace and is only ever touched by its own thread,
//! through `&mut`, so there are no locks on the data path. Other threads
//! reach a shard with messages: a [`Handle`] works from any thread (async or
//! blocking), and [`ShardCtx`] gives tasks running on a shard direct access
//! to it. Multi-key operations are atomic even when their keys live on
//! different shards (see `docs/architecture.md`).
//!
//! Each Redis type's operations are methods on [`Shard`] (see [`types`]),
//! shared by embedded users and the Redis-compatible server. Every write,
//! expiry and eviction is also published on the shard's ordered
//! [`mutation`] stream, which persistence consumes.
//!
//! ```
//! use coreshard_engine::{Engine, Error};
//!
//! let engine = Engine::builder().shards(2).build()?;
//! let h = engine.handle();
//!
//! h.set(b"greeting", "hello").wait()?;
//! assert_eq!(h.get(b"greeting").wait()?.as_deref(), Some(&b"hello"[..]));
//!
//! // Atomic across shards: no reader ever sees only one of the two keys.
//! h.mset(&[("{a}x", "1"), ("b", "2")]).wait()?;
//! assert_eq!(h.exists(&["{a}x", "b"]).wait()?, 2);
//!
//! // Any shard operation, run on the shard that owns the key.
//! let key = b"queue".to_vec();
//! let len = h.call_key(b"queue", move |shard| shard.rpush(0, &key, &["job".into()])).wait()?;
//! assert_eq!(len, 1);
//! assert_eq!(h.incr_by(b"greeting", 1).wait(), Err(Error::NotInteger));
//!
//! // Shard-local code: direct `&mut Shard` access, no synchronisation.
//! let per_shard = engine.run_on_all(|ctx| async move { Ok(ctx.with(|s| s.dbsize(0)).await) })?;
//! assert_eq!(per_shard.iter().sum::<usize>(), 4);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod clock;
pub mod error;
pub mod eviction;
pub mod glob;
mod item;
mod keyspace;
pub mod mutation;
pub mod numbers;
pub mod propagate;
pub mod route;
pub mod routing;
pub mod runtime;
mod shard;
pub mod snapshot;
pub mod stats;
pub mod types;
pub mod value;

pub use clock::Clock;
pub use error::{ArgError, Error, OptionConflict, Result};
pub use eviction::{EvictionPolicy, KeyspaceView, PolicyKind};
pub use mutation::{Event, Mutation, MutationSink, OwnedEvent, OwnedMutation};
pub use route::{Placement, Route, RouteBuilder};
pub use routing::{keyslot, Router};
pub use runtime::{CoreLocal, Engine, EngineBuilder, Handle, IoBackend, Pending, ShardCtx, Txn};
pub use shard::{IntoBytes, Shard, ShardConfig, DEFAULT_DATABASES};
pub use snapshot::{SnapshotSink, Step};
pub use stats::ShardStats;
pub use value::{Kind, Value, ValueRef};
