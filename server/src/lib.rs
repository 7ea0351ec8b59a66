//! coreshard-server: a Redis-compatible server on the coreshard engine.
//!
//! Every shard's core runs its own listeners on its own monoio loop: the
//! main port (shared by all cores through SO_REUSEPORT) and the shard's own
//! port, which cluster-aware clients use to reach the core owning a key
//! directly. A connection lives on the core that accepted it; commands for
//! keys of other shards hop over the engine's mesh, batched per pipeline.
//!
//! ```no_run
//! use coreshard_server::{Config, Server};
//!
//! let server = Server::start(Config { port: 6380, ..Config::default() })?;
//! server.wait(); // until SHUTDOWN or a signal
//! server.shutdown();
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod blocking;
pub mod client;
pub mod cmd;
pub mod commands;
pub mod config;
pub mod conn;
pub mod core_state;
pub mod error;
pub mod keyevents;
pub mod listener;
mod persist;
pub mod pubsub;
pub mod resp;
pub mod server;
pub mod slowlog;

pub use config::{Cli, Config};
pub use server::{Server, ServerState, StartError};
