//! Cluster emulation: every shard presents itself as a Redis Cluster master
//! node on its own port, owning its contiguous slot range, so cluster-aware
//! clients send each key straight to the core that owns it.

use crate::cmd::{Command, ReplyError};
use crate::conn::Conn;
use crate::server::PortKind;

mod cluster;

/// The family's commands.
pub const COMMANDS: &[&Command] = &[&cluster::CLUSTER];

/// CLUSTER's subcommands.
pub const CLUSTER_SUBCOMMANDS: &[&Command] = cluster::SUBCOMMANDS;

/// Redis's answer to cluster commands on a standalone server.
pub const CLUSTER_DISABLED: ReplyError = ReplyError::text("ERR This instance has cluster support disabled");

/// Whether this connection talks to a cluster node: shard ports always
/// are; the main port only with `main-port-cluster`.
pub fn cluster_enabled(conn: &Conn) -> bool {
    matches!(conn.port, PortKind::Shard(_)) || conn.server.config.read().is_ok_and(|c| c.main_port_cluster)
}
