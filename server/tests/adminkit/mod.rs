//! Helpers for the admin and cluster tests on top of the shared harness
//! (`common`): a two-shard server, reply accessors, INFO parsing, and keys
//! owned by a given shard.
#![allow(dead_code)]

use crate::common::{Coreshard, Reply, RespConn};

/// A server with 2 shards, no pinning, plus `extra` flags.
pub fn start(extra: &[&str]) -> Coreshard {
    Coreshard::start(2, extra)
}

/// A connection to shard `i`'s port (served by core `i`).
pub fn shard_conn(s: &Coreshard, i: usize) -> RespConn {
    RespConn::connect(s.shard_port(i))
}

/// Accessors that panic with the reply when it has another shape.
pub trait ReplyExt {
    /// The text of a simple, bulk or verbatim string.
    fn text(&self) -> String;
    /// The error text.
    fn err(&self) -> String;
    fn int(&self) -> i64;
    /// Elements of an array, set or push.
    fn items(&self) -> Vec<Reply>;
    /// Pairs of a map, or of a flat RESP2 array of pairs.
    fn pairs(&self) -> Vec<(Reply, Reply)>;
    /// The value of `key` in a map reply.
    fn field(&self, key: &str) -> Reply;
}

impl ReplyExt for Reply {
    fn text(&self) -> String {
        match self {
            Reply::Simple(s) => s.clone(),
            Reply::Bulk(b) | Reply::Verbatim { text: b, .. } => String::from_utf8_lossy(b).into_owned(),
            other => panic!("not a string: {other:?}"),
        }
    }

    fn err(&self) -> String {
        match self {
            Reply::Error(s) => s.clone(),
            other => panic!("not an error: {other:?}"),
        }
    }

    fn int(&self) -> i64 {
        self.as_int().unwrap_or_else(|| panic!("not an integer: {self:?}"))
    }

    fn items(&self) -> Vec<Reply> {
        match self {
            Reply::Array(v) | Reply::Set(v) | Reply::Push(v) => v.clone(),
            other => panic!("not an array: {other:?}"),
        }
    }

    fn pairs(&self) -> Vec<(Reply, Reply)> {
        match self {
            Reply::Map(m) => m.clone(),
            Reply::Array(v) => v.chunks(2).map(|c| (c[0].clone(), c[1].clone())).collect(),
            other => panic!("not a map: {other:?}"),
        }
    }

    fn field(&self, key: &str) -> Reply {
        self.pairs()
            .into_iter()
            .find(|(k, _)| k.text() == key)
            .map(|(_, v)| v)
            .unwrap_or_else(|| panic!("no {key} in {self:?}"))
    }
}

/// `INFO section` as `(field, value)` pairs.
pub fn info(c: &mut RespConn, section: &str) -> Vec<(String, String)> {
    c.cmd(&["INFO", section])
        .text()
        .lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.to_string(), v.trim().to_string()))
        .collect()
}

/// One INFO field.
pub fn info_field(c: &mut RespConn, section: &str, field: &str) -> String {
    info(c, section).into_iter().find(|(k, _)| k == field).map(|(_, v)| v).unwrap_or_else(|| panic!("no {field}"))
}

/// Waits until the server counts exactly `n` connected clients (the
/// harness's start-up probes linger until the server sees them close).
pub fn settle_clients(c: &mut RespConn, n: usize) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let now: usize = info_field(c, "clients", "connected_clients").parse().unwrap();
        if now == n {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "{now} clients connected, expected {n}");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

/// One line of `INFO shards`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ShardLine {
    pub port: u64,
    pub keys: u64,
    pub commands: u64,
    pub local: u64,
    pub hops_out: u64,
    pub hops_in: u64,
}

/// `INFO shards`, one entry per shard in order.
pub fn shards(c: &mut RespConn) -> Vec<ShardLine> {
    let mut out = Vec::new();
    for (k, v) in info(c, "shards") {
        let Some(i) = k.strip_prefix("shard") else { continue };
        assert_eq!(i.parse::<usize>().unwrap(), out.len(), "shard lines in order");
        let mut s = ShardLine::default();
        for kv in v.split(',') {
            let (name, val) = kv.split_once('=').unwrap();
            let val: u64 = val.parse().unwrap();
            match name {
                "port" => s.port = val,
                "keys" => s.keys = val,
                "commands" => s.commands = val,
                "local" => s.local = val,
                "hops_out" => s.hops_out = val,
                "hops_in" => s.hops_in = val,
                other => panic!("unknown field {other}"),
            }
        }
        out.push(s);
    }
    out
}

/// A key owned by shard `shard` of 2 (slots 0-8191 are shard 0's).
pub fn key_on(shard: usize, prefix: &str) -> String {
    (0..)
        .map(|i| format!("{prefix}{i}"))
        .find(|k| (coreshard_engine::keyslot(k.as_bytes()) >= 8192) == (shard == 1))
        .unwrap()
}
