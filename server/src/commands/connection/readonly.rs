//! READONLY, READWRITE and ASKING: cluster connection modes. Every shard
//! serves reads and writes for the keys it owns and forwards the rest, so
//! these only record the mode; outside cluster mode they fail as in Redis.

use crate::commands::cluster::{cluster_enabled, CLUSTER, CLUSTER_DISABLED};
use crate::commands::prelude::*;

/// `READONLY`.
pub const READONLY: Command = CLUSTER
    .command("readonly", 1, Run::Conn(readonly))
    .flags(Flags::LOADING.union(Flags::STALE).union(Flags::FAST))
    .doc("3.0.0", "Enables read-only queries for a connection to a Redis Cluster replica node.");

/// `READWRITE`.
pub const READWRITE: Command = CLUSTER
    .command("readwrite", 1, Run::Conn(readwrite))
    .flags(Flags::LOADING.union(Flags::STALE).union(Flags::FAST))
    .doc("3.0.0", "Disables read-only queries for a connection to a Redis Cluster replica node.");

/// `ASKING`.
pub const ASKING: Command = CLUSTER
    .command("asking", 1, Run::Conn(asking))
    .flags(Flags::FAST)
    .doc("3.0.0", "Signals that a cluster client is following an -ASK redirect.");

fn set_readonly(conn: &mut Conn, on: bool) -> CmdResult {
    if !cluster_enabled(conn) {
        return Err(CLUSTER_DISABLED);
    }
    conn.readonly = on;
    conn.out.ok();
    Ok(())
}

fn readonly(conn: &mut Conn, _args: &[Bytes]) -> CmdResult {
    set_readonly(conn, true)
}

fn readwrite(conn: &mut Conn, _args: &[Bytes]) -> CmdResult {
    set_readonly(conn, false)
}

fn asking(conn: &mut Conn, _args: &[Bytes]) -> CmdResult {
    // Slots never migrate between shards, so no -ASK is ever sent and the
    // flag has nothing to change.
    if !cluster_enabled(conn) {
        return Err(CLUSTER_DISABLED);
    }
    conn.out.ok();
    Ok(())
}
