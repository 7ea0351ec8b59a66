//! Cluster emulation: every shard presents itself as a Redis Cluster master
//! node on its own port, owning its contiguous slot range, so cluster-aware
//! clients send each key straight to the core that owns it.
//!
//! The nodes are the shards: shard `i` is a master listening on
//! `shard-port-base + i`, owning the `Router`'s slot range `i`, with the
//! node id `ServerState::node_ids[i]`. Its address is the one the client
//! reached this server on. With shard ports off, the main port is the one
//! node, owning every slot.

use crate::cmd::{Command, Family, ReplyError};
use crate::conn::Conn;
use crate::server::PortKind;

mod cluster_cmd;
mod slots;
mod topology;

/// The family's defaults, also those of the cluster connection modes (READONLY, ...).
pub(crate) const CLUSTER: Family = Family::new("cluster");

/// The family's commands.
pub const COMMANDS: &[&Command] = &[&cluster_cmd::CLUSTER];

/// CLUSTER's subcommands.
pub const CLUSTER_SUBCOMMANDS: &[&Command] = cluster_cmd::SUBCOMMANDS;

/// Redis's answer to cluster commands on a standalone server.
pub const CLUSTER_DISABLED: ReplyError = ReplyError::text("ERR This instance has cluster support disabled");

/// Whether this connection talks to a cluster node: shard ports always
/// are; the main port only with `main-port-cluster`.
pub fn cluster_enabled(conn: &Conn) -> bool {
    matches!(conn.client.port, PortKind::Shard(_)) || conn.server.settings().main_port_cluster
}
