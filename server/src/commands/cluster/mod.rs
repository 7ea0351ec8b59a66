//! Cluster emulation: every shard presents itself as a Redis Cluster master
//! node on its own port, owning its contiguous slot range, so cluster-aware
//! clients send each key straight to the core that owns it.
//!
//! The nodes are the shards: shard `i` is a master listening on
//! `shard-port-base + i`, owning the `Router`'s slot range `i`, with the
//! node id `ServerState::node_ids[i]`. Its address is the one the client
//! reached this server on. With shard ports off, the main port is the one
//! node, owning every slot.

use bytes::Bytes;

use crate::cmd::{flags, CmdResult, Command, KeySpec, LocalFuture, ReplyError, Run};
use crate::commands::{find_subcommand, reply_help};
use crate::conn::Conn;
use crate::server::PortKind;

mod slots;
mod topology;

use slots::{countkeysinslot, getkeysinslot, keyslot_cmd};
use topology::{info, myid, nodes, shards, slots};

/// The family's commands.
pub const COMMANDS: &[&Command] = &[&CLUSTER];

/// CLUSTER's subcommands.
pub const CLUSTER_SUBCOMMANDS: &[&Command] = SUBCOMMANDS;

/// Redis's answer to cluster commands on a standalone server.
pub const CLUSTER_DISABLED: ReplyError = ReplyError::text("ERR This instance has cluster support disabled");

/// Whether this connection talks to a cluster node: shard ports always
/// are; the main port only with `main-port-cluster`.
pub fn cluster_enabled(conn: &Conn) -> bool {
    matches!(conn.client.port, PortKind::Shard(_)) || conn.server.settings().main_port_cluster
}

/// `CLUSTER subcommand ...`.
pub const CLUSTER: Command = Command {
    name: "cluster",
    arity: -2,
    flags: 0,
    keys: KeySpec::None,
    run: Run::Async(run),
    group: "cluster",
    summary: "A container for Redis Cluster commands.",
    since: "3.0.0",
};

/// CLUSTER's subcommands.
const SUBCOMMANDS: &[&Command] =
    &[&SLOTS_CMD, &SHARDS, &NODES, &INFO, &MYID, &KEYSLOT, &COUNTKEYSINSLOT, &GETKEYSINSLOT, &HELP];

const fn sub(
    name: &'static str,
    arity: i32,
    flags: u32,
    run: Run,
    summary: &'static str,
    since: &'static str,
) -> Command {
    Command { name, arity, flags, keys: KeySpec::None, run, group: "cluster", summary, since }
}

const SLOTS_CMD: Command =
    sub("cluster|slots", 2, flags::STALE, Run::Conn(slots), "Returns the mapping of cluster slots to nodes.", "3.0.0");
const SHARDS: Command = sub(
    "cluster|shards",
    2,
    flags::STALE,
    Run::Conn(shards),
    "Returns the mapping of cluster slots to shards.",
    "7.0.0",
);
const NODES: Command =
    sub("cluster|nodes", 2, flags::STALE, Run::Conn(nodes), "Returns the cluster configuration for a node.", "3.0.0");
const INFO: Command =
    sub("cluster|info", 2, flags::STALE, Run::Conn(info), "Returns information about the state of a node.", "3.0.0");
const MYID: Command = sub("cluster|myid", 2, flags::STALE, Run::Conn(myid), "Returns the ID of a node.", "3.0.0");
const KEYSLOT: Command =
    sub("cluster|keyslot", 3, flags::STALE, Run::Conn(keyslot_cmd), "Returns the hash slot for a key.", "3.0.0");
const COUNTKEYSINSLOT: Command = sub(
    "cluster|countkeysinslot",
    3,
    flags::STALE,
    Run::Async(countkeysinslot),
    "Returns the number of keys in a hash slot.",
    "3.0.0",
);
const GETKEYSINSLOT: Command = sub(
    "cluster|getkeysinslot",
    4,
    flags::STALE,
    Run::Async(getkeysinslot),
    "Returns the key names in a hash slot.",
    "3.0.0",
);
const HELP: Command = sub(
    "cluster|help",
    2,
    flags::LOADING | flags::STALE,
    Run::Conn(help),
    "Returns helpful text about the different subcommands.",
    "5.0.0",
);

fn run(conn: &mut Conn, args: Vec<Bytes>) -> LocalFuture<'_> {
    Box::pin(async move {
        let cmd = find_subcommand(SUBCOMMANDS, &args)?;
        if !cluster_enabled(conn) {
            return Err(CLUSTER_DISABLED);
        }
        conn.client.last_cmd.set(cmd.name);
        match cmd.run {
            Run::Conn(f) => f(conn, &args),
            Run::Async(f) => f(conn, args).await,
            Run::Shard(_) | Run::Keyed { .. } | Run::Blocking { .. } => {
                Err(ReplyError::text("ERR subcommand cannot run on the connection"))
            }
        }
    })
}

fn help(conn: &mut Conn, args: &[Bytes]) -> CmdResult {
    reply_help(
        &mut conn.out,
        &args[0],
        &[
            "COUNTKEYSINSLOT <slot>",
            "    Return the number of keys in <slot>.",
            "GETKEYSINSLOT <slot> <count>",
            "    Return key names stored by current node in a slot.",
            "INFO",
            "    Return information about the cluster.",
            "KEYSLOT <key>",
            "    Return the hash slot for <key>.",
            "MYID",
            "    Return the node id.",
            "NODES",
            "    Return cluster configuration seen by node. Output format:",
            "    <id> <ip:port> <flags> <master> <pings> <pongs> <epoch> <link> <slot> ...",
            "SLOTS",
            "    Return information about slots range mappings. Each range is made of:",
            "    start, end, master and replicas IP addresses, ports and ids",
            "SHARDS",
            "    Return information about slot range mappings and the nodes associated with them.",
        ],
    );
    Ok(())
}
