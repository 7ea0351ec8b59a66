//! CLUSTER SLOTS, SHARDS, NODES, INFO, MYID: the shards as nodes.

use std::ops::RangeInclusive;
use std::time::{SystemTime, UNIX_EPOCH};

use coreshard_engine::routing::SLOTS;

use super::CLUSTER;
use crate::commands::prelude::*;
use crate::server::PortKind;

/// `CLUSTER SLOTS`.
pub(super) const SLOTS_CMD: Command = CLUSTER
    .command("cluster|slots", 2, Run::Conn(slots))
    .flags(Flags::STALE)
    .doc("3.0.0", "Returns the mapping of cluster slots to nodes.");

/// `CLUSTER SHARDS`.
pub(super) const SHARDS: Command = CLUSTER
    .command("cluster|shards", 2, Run::Conn(shards))
    .flags(Flags::STALE)
    .doc("7.0.0", "Returns the mapping of cluster slots to shards.");

/// `CLUSTER NODES`.
pub(super) const NODES: Command = CLUSTER
    .command("cluster|nodes", 2, Run::Conn(nodes))
    .flags(Flags::STALE)
    .doc("3.0.0", "Returns the cluster configuration for a node.");

/// `CLUSTER INFO`.
pub(super) const INFO: Command = CLUSTER
    .command("cluster|info", 2, Run::Conn(info))
    .flags(Flags::STALE)
    .doc("3.0.0", "Returns information about the state of a node.");

/// `CLUSTER MYID`.
pub(super) const MYID: Command =
    CLUSTER.command("cluster|myid", 2, Run::Conn(myid)).flags(Flags::STALE).doc("3.0.0", "Returns the ID of a node.");

/// One node of the emulated cluster.
struct Node {
    id: String,
    port: u16,
    slots: RangeInclusive<u16>,
    /// Config epoch (distinct per node, as after a cluster's creation).
    epoch: u64,
}

/// The nodes, and which one this connection is talking to.
fn topology(conn: &Conn) -> (Vec<Node>, usize) {
    let cfg = conn.server.settings();
    let ids = &conn.server.node_ids;
    if !cfg.shard_ports {
        let node =
            Node { id: ids.first().cloned().unwrap_or_default(), port: cfg.port, slots: 0..=SLOTS - 1, epoch: 1 };
        return (vec![node], 0);
    }
    let router = conn.ctx.router();
    let nodes = (0..router.shards())
        .map(|i| Node {
            id: ids.get(i).cloned().unwrap_or_default(),
            port: cfg.shard_port(i).unwrap_or(0),
            slots: router.slot_range(i),
            epoch: i as u64 + 1,
        })
        .collect();
    let me = match conn.client.port {
        PortKind::Shard(i) => i,
        PortKind::Main => conn.ctx.id(),
    };
    (nodes, me)
}

/// The address clients reach the nodes on: the one this client used.
fn node_ip(conn: &Conn) -> String {
    conn.client.laddr.ip().to_string()
}

fn slots(conn: &mut Conn, _args: &[Bytes]) -> CmdResult {
    let (nodes, _) = topology(conn);
    let ip = node_ip(conn);
    let out = &mut conn.out;
    out.array(nodes.len());
    for n in &nodes {
        out.array(3);
        out.int(i64::from(*n.slots.start()));
        out.int(i64::from(*n.slots.end()));
        out.array(4);
        out.bulk(ip.as_bytes());
        out.int(i64::from(n.port));
        out.bulk(n.id.as_bytes());
        // Networking metadata (hostname): none.
        out.map(0);
    }
    Ok(())
}

fn shards(conn: &mut Conn, _args: &[Bytes]) -> CmdResult {
    let (nodes, _) = topology(conn);
    let ip = node_ip(conn);
    let out = &mut conn.out;
    out.array(nodes.len());
    for n in &nodes {
        out.map(2);
        out.bulk(b"slots");
        out.array(2);
        out.int(i64::from(*n.slots.start()));
        out.int(i64::from(*n.slots.end()));
        out.bulk(b"nodes");
        out.array(1);
        out.map(7);
        out.bulk(b"id");
        out.bulk(n.id.as_bytes());
        out.bulk(b"port");
        out.int(i64::from(n.port));
        out.bulk(b"ip");
        out.bulk(ip.as_bytes());
        out.bulk(b"endpoint");
        out.bulk(ip.as_bytes());
        out.bulk(b"role");
        out.bulk(b"master");
        out.bulk(b"replication-offset");
        out.int(0);
        out.bulk(b"health");
        out.bulk(b"online");
    }
    Ok(())
}

/// CLUSTER NODES text: one line per node, in Redis's format
/// `<id> <ip:port@cport> <flags> <master> <ping-sent> <pong-recv> <epoch> <link> <slots>`.
fn nodes_text(nodes: &[Node], me: usize, ip: &str, now_ms: u64) -> String {
    use std::fmt::Write;
    let mut text = String::new();
    for (i, n) in nodes.iter().enumerate() {
        // The cluster bus port by Redis's convention; nothing listens there.
        let cport = u16::try_from(u32::from(n.port) + 10000).unwrap_or(0);
        let (flags, pong) = if i == me { ("myself,master", 0) } else { ("master", now_ms) };
        let _ = write!(text, "{} {}:{}@{} {} - 0 {} {} connected", n.id, ip, n.port, cport, flags, pong, n.epoch);
        if n.slots.start() == n.slots.end() {
            let _ = writeln!(text, " {}", n.slots.start());
        } else {
            let _ = writeln!(text, " {}-{}", n.slots.start(), n.slots.end());
        }
    }
    text
}

fn nodes(conn: &mut Conn, _args: &[Bytes]) -> CmdResult {
    let (nodes, me) = topology(conn);
    let now_ms = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64);
    let text = nodes_text(&nodes, me, &node_ip(conn), now_ms);
    conn.out.verbatim(text.as_bytes());
    Ok(())
}

fn info(conn: &mut Conn, _args: &[Bytes]) -> CmdResult {
    let (nodes, me) = topology(conn);
    let n = nodes.len();
    let my_epoch = nodes.get(me).map_or(0, |n| n.epoch);
    let text = format!(
        "cluster_state:ok\r\ncluster_slots_assigned:{SLOTS}\r\ncluster_slots_ok:{SLOTS}\r\ncluster_slots_pfail:0\r\n\
         cluster_slots_fail:0\r\ncluster_known_nodes:{n}\r\ncluster_size:{n}\r\ncluster_current_epoch:{n}\r\n\
         cluster_my_epoch:{my_epoch}\r\ncluster_stats_messages_sent:0\r\ncluster_stats_messages_received:0\r\n\
         total_cluster_links_buffer_limit_exceeded:0\r\n"
    );
    conn.out.verbatim(text.as_bytes());
    Ok(())
}

fn myid(conn: &mut Conn, _args: &[Bytes]) -> CmdResult {
    let (nodes, me) = topology(conn);
    let id = nodes.get(me).map_or("", |n| n.id.as_str());
    conn.out.bulk(id.as_bytes());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_lines_in_redis_format() {
        let nodes = vec![
            Node { id: "a".repeat(40), port: 7001, slots: 0..=8191, epoch: 1 },
            Node { id: "b".repeat(40), port: 7002, slots: 8192..=16383, epoch: 2 },
        ];
        let text = nodes_text(&nodes, 1, "127.0.0.1", 42);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0], format!("{} 127.0.0.1:7001@17001 master - 0 42 1 connected 0-8191", "a".repeat(40)));
        assert_eq!(
            lines[1],
            format!("{} 127.0.0.1:7002@17002 myself,master - 0 0 2 connected 8192-16383", "b".repeat(40))
        );
        assert!(text.ends_with('\n'));
        let one = vec![Node { id: "c".repeat(40), port: 60000, slots: 5..=5, epoch: 1 }];
        assert!(nodes_text(&one, 0, "::1", 0).contains(":60000@0 myself,master - 0 0 1 connected 5\n"));
    }
}
