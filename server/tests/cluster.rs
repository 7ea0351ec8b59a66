//! Cluster emulation against the real binary: every shard is a master node
//! on its own port, stock cluster clients discover them and route each key
//! to its owning core with zero hops.

mod adminkit;
mod common;

use std::collections::HashSet;
use std::process::Command;

use adminkit::{key_on, shard_conn, shards, start, ReplyExt};
use common::Reply;

fn disabled() -> String {
    "ERR This instance has cluster support disabled".into()
}

#[test]
fn main_port_is_standalone_unless_configured() {
    let s = start(&[]);
    let mut c = s.conn();
    for cmd in [
        &["CLUSTER", "SLOTS"][..],
        &["CLUSTER", "MYID"],
        &["CLUSTER", "HELP"],
        &["READONLY"],
        &["READWRITE"],
        &["ASKING"],
    ] {
        assert_eq!(c.cmd(cmd).err(), disabled(), "{cmd:?}");
    }
    // Unknown subcommands and arity are checked first, as in Redis.
    assert_eq!(c.cmd(&["CLUSTER", "foo"]).err(), "ERR unknown subcommand 'foo'. Try CLUSTER HELP.");
    assert_eq!(c.cmd(&["CLUSTER", "KEYSLOT"]).err(), "ERR wrong number of arguments for 'cluster|keyslot' command");

    let s = start(&["--main-port-cluster", "yes"]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["READONLY"]), Reply::Simple("OK".into()));
    assert_eq!(c.cmd(&["CLUSTER", "SLOTS"]).items().len(), 2);
    // The main port's node is the shard of the connection's core.
    let me = c.cmd(&["CLUSTER", "MYID"]).text();
    let nodes = c.cmd(&["CLUSTER", "NODES"]).text();
    let myself = nodes.lines().find(|l| l.contains("myself")).unwrap();
    assert!(myself.starts_with(&me));
    assert_eq!(c.cmd(&["HELLO"]).field("mode").text(), "cluster");
}

#[test]
fn topology_on_shard_ports() {
    let s = start(&[]);
    let mut n0 = shard_conn(&s, 0);
    let mut n1 = shard_conn(&s, 1);
    let id0 = n0.cmd(&["CLUSTER", "MYID"]).text();
    let id1 = n1.cmd(&["CLUSTER", "MYID"]).text();
    assert_eq!(id0.len(), 40);
    assert!(id0.chars().all(|c| c.is_ascii_hexdigit()));
    assert_ne!(id0, id1);

    for (c, me) in [(&mut n0, 0usize), (&mut n1, 1)] {
        // SLOTS: two contiguous ranges covering every slot.
        let slots = c.cmd(&["CLUSTER", "SLOTS"]).items();
        assert_eq!(slots.len(), 2);
        let mut next = 0;
        for (i, r) in slots.iter().enumerate() {
            let r = r.items();
            assert_eq!(r.len(), 3, "no replicas");
            assert_eq!(r[0].int(), next);
            next = r[1].int() + 1;
            let node = r[2].items();
            assert_eq!(node[0].text(), "127.0.0.1");
            assert_eq!(node[1].int(), i64::from(s.shard_port(i)));
            assert_eq!(node[2].text(), if i == 0 { id0.clone() } else { id1.clone() });
            assert_eq!(node[3], Reply::Array(vec![]));
        }
        assert_eq!(next, 16384);

        // NODES: one line per node, `myself` on the node asked.
        let text = c.cmd(&["CLUSTER", "NODES"]).text();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        for (i, l) in lines.iter().enumerate() {
            let f: Vec<&str> = l.split(' ').collect();
            assert_eq!(f.len(), 9, "{l}");
            // The bus port by Redis's convention (0 when it would not fit).
            let cport = u16::try_from(u32::from(s.shard_port(i)) + 10000).unwrap_or(0);
            assert_eq!(f[1], format!("127.0.0.1:{}@{cport}", s.shard_port(i)));
            assert_eq!(f[2], if i == me { "myself,master" } else { "master" });
            assert_eq!(f[3], "-");
            assert_eq!(f[7], "connected");
            assert_eq!(f[8], if i == 0 { "0-8191" } else { "8192-16383" });
        }

        // SHARDS.
        let sh = c.cmd(&["CLUSTER", "SHARDS"]).items();
        assert_eq!(sh.len(), 2);
        let s1 = &sh[1];
        assert_eq!(s1.field("slots").items(), [Reply::Integer(8192), Reply::Integer(16383)]);
        let node = s1.field("nodes").items()[0].clone();
        assert_eq!(node.field("id").text(), id1);
        assert_eq!(node.field("port").int(), i64::from(s.shard_port(1)));
        assert_eq!(node.field("ip").text(), "127.0.0.1");
        assert_eq!(node.field("role").text(), "master");
        assert_eq!(node.field("health").text(), "online");

        // INFO.
        let info = c.cmd(&["CLUSTER", "INFO"]).text();
        assert!(info.starts_with("cluster_state:ok\r\n"));
        assert!(info.contains("cluster_slots_assigned:16384\r\n"));
        assert!(info.contains("cluster_known_nodes:2\r\n"));
        assert!(info.contains(&format!("cluster_my_epoch:{}\r\n", me + 1)));
        assert_eq!(c.cmd(&["READONLY"]), Reply::Simple("OK".into()));
        assert_eq!(c.cmd(&["READWRITE"]), Reply::Simple("OK".into()));
        assert_eq!(c.cmd(&["ASKING"]), Reply::Simple("OK".into()));
    }
}

#[test]
fn slot_queries() {
    let s = start(&[]);
    let mut c = shard_conn(&s, 1);
    assert_eq!(c.cmd(&["CLUSTER", "KEYSLOT", "foo"]).int(), 12182);
    assert_eq!(c.cmd(&["CLUSTER", "KEYSLOT", "{user1000}.following"]).int(), 3443);
    for k in ["{user1000}.a", "{user1000}.b", "user1000", "foo"] {
        assert_eq!(c.cmd(&["SET", k, "v"]), Reply::Simple("OK".into()));
    }
    assert_eq!(c.cmd(&["CLUSTER", "COUNTKEYSINSLOT", "3443"]).int(), 3);
    assert_eq!(c.cmd(&["CLUSTER", "COUNTKEYSINSLOT", "12182"]).int(), 1);
    assert_eq!(c.cmd(&["CLUSTER", "COUNTKEYSINSLOT", "0"]).int(), 0);
    let keys: HashSet<String> =
        c.cmd(&["CLUSTER", "GETKEYSINSLOT", "3443", "10"]).items().iter().map(Reply::text).collect();
    assert_eq!(keys, HashSet::from(["{user1000}.a".to_string(), "{user1000}.b".into(), "user1000".into()]));
    assert_eq!(c.cmd(&["CLUSTER", "GETKEYSINSLOT", "3443", "2"]).items().len(), 2);
    assert_eq!(c.cmd(&["CLUSTER", "GETKEYSINSLOT", "3443", "0"]).items(), []);
    assert_eq!(c.cmd(&["CLUSTER", "COUNTKEYSINSLOT", "16384"]).err(), "ERR Invalid slot");
    assert_eq!(c.cmd(&["CLUSTER", "COUNTKEYSINSLOT", "-1"]).err(), "ERR Invalid slot");
    assert_eq!(c.cmd(&["CLUSTER", "COUNTKEYSINSLOT", "abc"]).err(), "ERR value is not an integer or out of range");
    assert_eq!(c.cmd(&["CLUSTER", "GETKEYSINSLOT", "3443", "-1"]).err(), "ERR Invalid slot or number of keys");
    assert_eq!(c.cmd(&["CLUSTER", "GETKEYSINSLOT", "16384", "1"]).err(), "ERR Invalid slot or number of keys");
}

#[test]
fn cluster_client_routes_every_key_to_its_owner_with_zero_hops() {
    use redis::Commands;

    let s = start(&[]);
    let client = redis::cluster::ClusterClient::new(vec![format!("redis://127.0.0.1:{}/", s.shard_port(0))])
        .expect("cluster client");
    let mut con = client.get_connection().expect("discovers the shards from one node");
    let n = 500;
    for i in 0..n {
        let _: () = con.set(format!("user:{i}"), i).unwrap();
    }
    for i in 0..n {
        let v: i64 = con.get(format!("user:{i}")).unwrap();
        assert_eq!(v, i);
    }
    let mut admin = s.conn();
    let sh = shards(&mut admin);
    assert_eq!(sh[0].keys + sh[1].keys, n as u64);
    for (i, line) in sh.iter().enumerate() {
        assert_eq!(line.hops_out, 0, "shard {i}: {sh:?}");
        assert_eq!(line.hops_in, 0, "shard {i}: {sh:?}");
        assert!(line.keys > 0, "keys spread over both shards: {sh:?}");
        assert!(line.local >= line.keys * 2, "every SET and GET of the shard's keys ran inline: {sh:?}");
    }
}

#[test]
fn commands_on_the_wrong_shard_port_hop_and_are_served() {
    let s = start(&[]);
    let mut c = shard_conn(&s, 0);
    let theirs = key_on(1, "x");
    let ours = key_on(0, "x");
    assert_eq!(c.cmd(&["SET", &theirs, "1"]), Reply::Simple("OK".into()));
    assert_eq!(c.cmd(&["SET", &ours, "2"]), Reply::Simple("OK".into()));
    assert_eq!(c.cmd(&["GET", &theirs]).text(), "1");
    let sh = shards(&mut c);
    assert_eq!((sh[0].hops_out, sh[1].hops_in), (2, 2));
    assert_eq!(sh[0].local, 1);
}

fn tool(name: &str) -> Option<Command> {
    let found = Command::new(name).arg("--version").output().is_ok_and(|o| o.status.success());
    if !found {
        eprintln!("{name} is not installed: skipping");
    }
    found.then(|| Command::new(name))
}

#[test]
fn redis_cli_in_cluster_mode() {
    let Some(_) = tool("redis-cli") else { return };
    let s = start(&[]);
    let port = s.shard_port(1).to_string();
    for (i, k) in ["alpha", "beta", "gamma", "delta"].iter().enumerate() {
        let out = Command::new("redis-cli").args(["-c", "-p", &port, "SET", k, &i.to_string()]).output().unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "OK");
        let out = Command::new("redis-cli").args(["-c", "-p", &port, "GET", k]).output().unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), i.to_string());
    }
    let out = Command::new("redis-cli").args(["-p", &port, "CLUSTER", "INFO"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("cluster_state:ok"));
}

#[test]
fn redis_benchmark_in_cluster_mode() {
    let Some(mut bench) = tool("redis-benchmark") else { return };
    let s = start(&[]);
    let out = bench
        .args(["--cluster", "-p", &s.shard_port(0).to_string(), "-t", "set,get", "-n", "2000", "-c", "4", "-q"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("Cluster has 2 master nodes"), "{text}");
    assert!(text.contains("SET: ") && text.contains("GET: ") && text.contains("requests per second"), "{text}");
    let mut admin = s.conn();
    let sh = shards(&mut admin);
    assert!(sh.iter().all(|l| l.hops_out == 0 && l.local > 0), "each node got its own keys: {sh:?}");
}
