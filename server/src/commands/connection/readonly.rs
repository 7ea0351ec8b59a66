//! READONLY, READWRITE and ASKING: cluster connection modes. Every shard
//! serves reads and writes for the keys it owns and forwards the rest, so
//! these only record the mode; outside cluster mode they fail as in Redis.

use bytes::Bytes;

use crate::cmd::{flags, CmdResult, Command, KeySpec, Run};
use crate::commands::cluster::{cluster_enabled, CLUSTER_DISABLED};
use crate::conn::Conn;

/// `READONLY`.
pub const READONLY: Command = Command {
    name: "readonly",
    arity: 1,
    flags: flags::LOADING | flags::STALE | flags::FAST,
    keys: KeySpec::None,
    run: Run::Conn(readonly),
    group: "cluster",
    summary: "Enables read-only queries for a connection to a Redis Cluster replica node.",
    since: "3.0.0",
};

/// `READWRITE`.
pub const READWRITE: Command = Command {
    name: "readwrite",
    arity: 1,
    flags: flags::LOADING | flags::STALE | flags::FAST,
    keys: KeySpec::None,
    run: Run::Conn(readwrite),
    group: "cluster",
    summary: "Disables read-only queries for a connection to a Redis Cluster replica node.",
    since: "3.0.0",
};

/// `ASKING`.
pub const ASKING: Command = Command {
    name: "asking",
    arity: 1,
    flags: flags::FAST,
    keys: KeySpec::None,
    run: Run::Conn(asking),
    group: "cluster",
    summary: "Signals that a cluster client is following an -ASK redirect.",
    since: "3.0.0",
};

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
