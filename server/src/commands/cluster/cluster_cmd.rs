//! CLUSTER: finds the subcommand, refuses it on a standalone server, and
//! runs it; HELP lists the subcommands.

use super::slots::{COUNTKEYSINSLOT, GETKEYSINSLOT, KEYSLOT};
use super::topology::{INFO, MYID, NODES, SHARDS, SLOTS_CMD};
use super::{cluster_enabled, CLUSTER_DISABLED};
use crate::commands::prelude::*;
use crate::commands::{find_subcommand, reply_help, run_found_subcommand};

/// `CLUSTER subcommand ...`.
// `super::CLUSTER` is the family, named like its container.
pub const CLUSTER: Command =
    super::CLUSTER.command("cluster", -2, Run::Async(run)).doc("3.0.0", "A container for Redis Cluster commands.");

/// CLUSTER's subcommands.
pub(super) const SUBCOMMANDS: &[&Command] =
    &[&SLOTS_CMD, &SHARDS, &NODES, &INFO, &MYID, &KEYSLOT, &COUNTKEYSINSLOT, &GETKEYSINSLOT, &HELP];

const HELP: Command = super::CLUSTER
    .command("cluster|help", 2, Run::Conn(help))
    .flags(Flags::LOADING.union(Flags::STALE))
    .doc("5.0.0", "Returns helpful text about the different subcommands.");

fn run(conn: &mut Conn, args: Vec<Bytes>) -> LocalFuture<'_> {
    Box::pin(async move {
        let cmd = find_subcommand(SUBCOMMANDS, &args)?;
        if !cluster_enabled(conn) {
            return Err(CLUSTER_DISABLED);
        }
        run_found_subcommand(conn, cmd, args).await
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
