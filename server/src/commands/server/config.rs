//! CONFIG GET / SET / RESETSTAT / HELP over the settings of
//! `crate::config::Config` (with Redis's parameter names), plus the slow
//! log's two settings.

use std::sync::atomic::Ordering;

use coreshard_engine::{PolicyKind, Shard};
use futures_util::future::join_all;

use super::SERVER;
use crate::commands::prelude::*;
use crate::commands::{reply_help, run_subcommand};
use crate::config::{parse_loglevel, parse_size, Config};
use crate::core_state::on_core;
use crate::server::ServerState;

/// `CONFIG subcommand ...`.
pub const CONFIG: Command =
    SERVER.command("config", -2, Run::Async(run)).doc("2.0.0", "A container for server configuration commands.");

/// CONFIG's subcommands.
pub const SUBCOMMANDS: &[&Command] = &[&GET, &SET, &RESETSTAT, &HELP];

const FLAGS: Flags = Flags::ADMIN.union(Flags::NOSCRIPT).union(Flags::LOADING).union(Flags::STALE);

const GET: Command = SERVER
    .command("config|get", -3, Run::Conn(get))
    .flags(FLAGS)
    .doc("2.0.0", "Returns the effective values of configuration parameters.");

const SET: Command = SERVER
    .command("config|set", -4, Run::Async(set))
    .flags(FLAGS)
    .doc("2.0.0", "Sets configuration parameters in-flight.");

const RESETSTAT: Command = SERVER
    .command("config|resetstat", 2, Run::Async(resetstat))
    .flags(FLAGS)
    .doc("2.0.0", "Resets the server's statistics.");

const HELP: Command = SERVER
    .command("config|help", 2, Run::Conn(help))
    .flags(Flags::LOADING.union(Flags::STALE))
    .doc("5.0.0", "Returns helpful text about the different subcommands.");

fn run(conn: &mut Conn, args: Vec<Bytes>) -> LocalFuture<'_> {
    Box::pin(run_subcommand(conn, SUBCOMMANDS, args))
}

/// Every parameter CONFIG GET knows, in output order; `mutable` ones can be
/// changed with CONFIG SET.
pub const PARAMS: &[(&str, bool)] = &[
    ("bind", false),
    ("port", false),
    ("databases", false),
    ("maxclients", true),
    ("timeout", true),
    ("requirepass", true),
    ("maxmemory", true),
    ("maxmemory-policy", true),
    ("loglevel", true),
    ("proto-max-bulk-len", true),
    ("client-query-buffer-limit", true),
    ("slowlog-log-slower-than", true),
    ("slowlog-max-len", true),
    ("appendonly", false),
    ("appendfsync", false),
    ("dir", false),
    ("aof-truncate-corrupt", false),
    ("auto-aof-rewrite-percentage", true),
    ("auto-aof-rewrite-min-size", true),
    ("dbfilename", false),
    ("save", false),
    ("shards", false),
    ("shard-port-base", false),
    ("shard-ports", false),
    ("main-port-cluster", false),
    ("pin-cores", false),
    ("pubsub-output-limit", false),
];

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_string()
}

/// The current value of parameter `name`, as CONFIG GET shows it.
fn value_of(name: &str, cfg: &Config, server: &ServerState) -> String {
    match name {
        "bind" => cfg.bind.to_string(),
        "port" => cfg.port.to_string(),
        "databases" => cfg.databases.to_string(),
        "maxclients" => cfg.maxclients.to_string(),
        "timeout" => cfg.timeout.to_string(),
        "requirepass" => cfg.requirepass.clone().unwrap_or_default(),
        "maxmemory" => cfg.maxmemory.to_string(),
        "maxmemory-policy" => cfg.maxmemory_policy.name().to_string(),
        "loglevel" => cfg.loglevel.clone(),
        "proto-max-bulk-len" => cfg.proto_max_bulk_len.to_string(),
        "client-query-buffer-limit" => cfg.client_query_buffer_limit.to_string(),
        "slowlog-log-slower-than" => server.slowlog.slower_than().to_string(),
        "slowlog-max-len" => server.slowlog.max_len().to_string(),
        "appendonly" => yes_no(cfg.appendonly),
        "appendfsync" => cfg.appendfsync.name().to_string(),
        // Absolute, as Redis shows it.
        "dir" => std::fs::canonicalize(&cfg.dir).unwrap_or_else(|_| cfg.dir.clone()).display().to_string(),
        "aof-truncate-corrupt" => yes_no(cfg.aof_truncate_corrupt),
        "auto-aof-rewrite-percentage" => cfg.auto_aof_rewrite_percentage.to_string(),
        "auto-aof-rewrite-min-size" => cfg.auto_aof_rewrite_min_size.to_string(),
        "dbfilename" => cfg.dbfilename.clone(),
        "save" => String::new(),
        "shards" => cfg.shards.to_string(),
        "shard-port-base" => cfg.shard_port_base.to_string(),
        "shard-ports" => yes_no(cfg.shard_ports),
        "main-port-cluster" => yes_no(cfg.main_port_cluster),
        "pin-cores" => match &cfg.pin_cores {
            None => "auto".to_string(),
            Some(v) if v.is_empty() => "off".to_string(),
            Some(v) => v.iter().map(ToString::to_string).collect::<Vec<_>>().join(","),
        },
        "pubsub-output-limit" => cfg.pubsub_output_limit.to_string(),
        _ => String::new(),
    }
}

fn get(conn: &mut Conn, args: &[Bytes]) -> CmdResult {
    let patterns: Vec<Vec<u8>> = args[2..].iter().map(|p| p.to_ascii_lowercase()).collect();
    let cfg = conn.server.settings();
    let matched: Vec<&str> = PARAMS
        .iter()
        .map(|(name, _)| *name)
        .filter(|name| patterns.iter().any(|p| coreshard_engine::glob::matches(p, name.as_bytes())))
        .collect();
    conn.out.map(matched.len());
    for name in matched {
        conn.out.bulk(name.as_bytes());
        conn.out.bulk(value_of(name, &cfg, &conn.server).as_bytes());
    }
    Ok(())
}

/// A validated CONFIG SET change.
#[derive(Debug, Clone, PartialEq)]
enum Change {
    MaxClients(usize),
    Timeout(u64),
    RequirePass(Option<String>),
    MaxMemory(u64),
    Policy(PolicyKind),
    LogLevel(String),
    ProtoMaxBulkLen(u64),
    ClientQueryBufferLimit(u64),
    SlowerThan(i64),
    SlowlogMaxLen(usize),
    RewritePercentage(u64),
    RewriteMinSize(u64),
}

fn parse_i64(v: &str) -> Result<i64, String> {
    coreshard_engine::numbers::string2ll(v.as_bytes())
        .ok_or_else(|| "argument couldn't be parsed into an integer".into())
}

fn in_range(v: &str, min: i64, max: i64) -> Result<i64, String> {
    let n = parse_i64(v)?;
    if n < min || n > max {
        return Err(format!("argument must be between {min} and {max} inclusive"));
    }
    Ok(n)
}

fn memory(v: &str) -> Result<u64, String> {
    parse_size(v).map_err(|_| "argument must be a memory value".to_string())
}

/// Parses the value of mutable parameter `name`; the error is the text
/// Redis puts after "CONFIG SET failed (possibly related to argument 'x') - ".
fn parse_change(name: &str, v: &str) -> Result<Change, String> {
    Ok(match name {
        "maxclients" => Change::MaxClients(in_range(v, 1, i64::from(u32::MAX))? as usize),
        "timeout" => Change::Timeout(in_range(v, 0, i64::from(i32::MAX))? as u64),
        "requirepass" => Change::RequirePass((!v.is_empty()).then(|| v.to_string())),
        "maxmemory" => Change::MaxMemory(memory(v)?),
        "maxmemory-policy" => Change::Policy(PolicyKind::parse(&v.to_ascii_lowercase()).ok_or_else(|| {
            "argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, \
             allkeys-lru, allkeys-lfu, allkeys-random, noeviction, s3fifo"
                .to_string()
        })?),
        "loglevel" => Change::LogLevel(parse_loglevel(v).map_err(|_| {
            "argument(s) must be one of the following: debug, verbose, notice, warning, nothing".to_string()
        })?),
        "proto-max-bulk-len" => {
            let n = memory(v)?;
            if n < 1024 * 1024 || n > i64::MAX as u64 {
                return Err(format!("argument must be between 1048576 and {} inclusive", i64::MAX));
            }
            Change::ProtoMaxBulkLen(n)
        }
        "client-query-buffer-limit" => {
            let n = memory(v)?;
            if n < 1024 * 1024 || n > i64::MAX as u64 {
                return Err(format!("argument must be between 1048576 and {} inclusive", i64::MAX));
            }
            Change::ClientQueryBufferLimit(n)
        }
        "slowlog-log-slower-than" => Change::SlowerThan(in_range(v, -1, i64::MAX)?),
        "slowlog-max-len" => Change::SlowlogMaxLen(in_range(v, 0, i64::MAX)? as usize),
        "auto-aof-rewrite-percentage" => Change::RewritePercentage(in_range(v, 0, i64::from(i32::MAX))? as u64),
        "auto-aof-rewrite-min-size" => Change::RewriteMinSize(memory(v)?),
        _ => return Err("can't set immutable config".into()),
    })
}

/// Validates every pair first, so that a bad one changes nothing.
fn parse_set(args: &[Bytes]) -> Result<Vec<Change>, ReplyError> {
    if args.len() % 2 == 1 {
        return Err(ReplyError::arity("config|set"));
    }
    let failed = |name: &str, why: &str| {
        ReplyError::owned(format!("ERR CONFIG SET failed (possibly related to argument '{name}') - {why}"))
    };
    let mut seen: Vec<&str> = Vec::new();
    let mut changes = Vec::new();
    for pair in args[2..].chunks(2) {
        let raw = String::from_utf8_lossy(&pair[0]);
        let Some(&(name, mutable)) = PARAMS.iter().find(|(n, _)| n.eq_ignore_ascii_case(&raw)) else {
            return Err(ReplyError::owned(format!(
                "ERR Unknown option or number of arguments for CONFIG SET - '{raw}'"
            )));
        };
        if !mutable {
            return Err(failed(&raw, "can't set immutable config"));
        }
        if seen.contains(&name) {
            return Err(failed(&raw, "duplicate parameter"));
        }
        seen.push(name);
        let value = std::str::from_utf8(&pair[1]).map_err(|_| failed(&raw, "argument must be a valid string"))?;
        changes.push(parse_change(name, value).map_err(|why| failed(&raw, &why))?);
    }
    Ok(changes)
}

fn set(conn: &mut Conn, args: Vec<Bytes>) -> LocalFuture<'_> {
    Box::pin(async move {
        let changes = parse_set(&args)?;
        let server = conn.server.clone();
        let mut per_shard: Vec<(Option<usize>, Option<PolicyKind>)> = Vec::new();
        // What lives outside the settings: the shards' budgets, the logger,
        // the slow log.
        for c in &changes {
            match c {
                Change::MaxMemory(n) => {
                    // Split evenly, as the engine does at start.
                    let shards = conn.ctx.shards() as u64;
                    let each = if *n == 0 { 0 } else { (*n / shards).max(1) };
                    per_shard.push((Some(each as usize), None));
                }
                Change::Policy(p) => per_shard.push((None, Some(*p))),
                Change::LogLevel(l) => {
                    if let Err(e) = server.reload_log_level(l) {
                        tracing::warn!(error = %e, "cannot change the log level");
                    }
                }
                Change::SlowerThan(n) => server.slowlog.set_slower_than(*n),
                Change::SlowlogMaxLen(n) => server.slowlog.set_max_len(*n),
                _ => {}
            }
        }
        server.update_settings(|cfg| {
            for c in &changes {
                match c {
                    Change::MaxClients(n) => cfg.maxclients = *n,
                    Change::Timeout(s) => cfg.timeout = *s,
                    Change::RequirePass(p) => cfg.requirepass = p.clone(),
                    Change::MaxMemory(n) => cfg.maxmemory = *n,
                    Change::Policy(p) => cfg.maxmemory_policy = *p,
                    Change::LogLevel(l) => cfg.loglevel = l.clone(),
                    Change::ProtoMaxBulkLen(n) => cfg.proto_max_bulk_len = *n,
                    Change::ClientQueryBufferLimit(n) => cfg.client_query_buffer_limit = *n,
                    Change::RewritePercentage(n) => cfg.auto_aof_rewrite_percentage = *n,
                    Change::RewriteMinSize(n) => cfg.auto_aof_rewrite_min_size = *n,
                    Change::SlowerThan(_) | Change::SlowlogMaxLen(_) => {}
                }
            }
        });
        if !per_shard.is_empty() {
            let calls = (0..conn.ctx.shards()).map(|i| {
                let per_shard = per_shard.clone();
                conn.ctx.call(i, move |s: &mut Shard| {
                    // The policy first, so a lower budget evicts by it.
                    for (_, policy) in &per_shard {
                        if let Some(p) = policy {
                            s.set_policy(*p);
                        }
                    }
                    for (bytes, _) in &per_shard {
                        if let Some(b) = bytes {
                            s.set_maxmemory(*b);
                        }
                    }
                })
            });
            for r in join_all(calls).await {
                r?;
            }
        }
        conn.out.ok();
        Ok(())
    })
}

fn resetstat(conn: &mut Conn, _args: Vec<Bytes>) -> LocalFuture<'_> {
    Box::pin(async move {
        let calls = (0..conn.ctx.shards()).map(|i| {
            on_core(&conn.ctx, i, |core, s| {
                s.reset_stats();
                core.counters.reset();
            })
        });
        for r in join_all(calls).await {
            r?;
        }
        conn.server.total_connections.store(0, Ordering::Relaxed);
        conn.server.rejected_connections.store(0, Ordering::Relaxed);
        conn.out.ok();
        Ok(())
    })
}

fn help(conn: &mut Conn, args: &[Bytes]) -> CmdResult {
    reply_help(
        &mut conn.out,
        &args[0],
        &[
            "GET <pattern>",
            "    Return parameters matching the glob-like <pattern> and their values.",
            "SET <directive> <value>",
            "    Set the configuration <directive> to <value>.",
            "RESETSTAT",
            "    Reset statistics reported by the INFO command.",
        ],
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(v: &[&str]) -> Vec<Bytes> {
        v.iter().map(|s| Bytes::copy_from_slice(s.as_bytes())).collect()
    }

    fn err(v: &[&str]) -> String {
        parse_set(&args(v)).unwrap_err().0.into_owned()
    }

    #[test]
    fn set_validates_like_redis() {
        assert_eq!(
            parse_set(&args(&["config", "set", "MaxClients", "100", "timeout", "5"])).unwrap(),
            vec![Change::MaxClients(100), Change::Timeout(5)]
        );
        assert_eq!(
            err(&["config", "set", "foo", "1"]),
            "ERR Unknown option or number of arguments for CONFIG SET - 'foo'"
        );
        assert_eq!(
            err(&["config", "set", "databases", "3"]),
            "ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable config"
        );
        assert_eq!(
            err(&["config", "set", "maxclients", "abc"]),
            "ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument couldn't be parsed into an integer"
        );
        assert_eq!(
            err(&["config", "set", "maxclients", "0"]),
            "ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument must be between 1 and 4294967295 inclusive"
        );
        assert_eq!(
            err(&["config", "set", "timeout", "5", "timeout", "6"]),
            "ERR CONFIG SET failed (possibly related to argument 'timeout') - duplicate parameter"
        );
        assert_eq!(
            err(&["config", "set", "maxmemory", "10zb"]),
            "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value"
        );
        assert_eq!(
            err(&["config", "set", "slowlog-log-slower-than", "-5"]),
            "ERR CONFIG SET failed (possibly related to argument 'slowlog-log-slower-than') - argument must be between -1 and 9223372036854775807 inclusive"
        );
        assert_eq!(
            err(&["config", "set", "proto-max-bulk-len", "10"]),
            "ERR CONFIG SET failed (possibly related to argument 'proto-max-bulk-len') - argument must be between 1048576 and 9223372036854775807 inclusive"
        );
        assert_eq!(
            err(&["config", "set", "timeout", "5", "maxclients"]),
            "ERR wrong number of arguments for 'config|set' command"
        );
        assert_eq!(
            parse_set(&args(&[
                "config",
                "set",
                "maxmemory",
                "100mb",
                "maxmemory-policy",
                "ALLKEYS-LRU",
                "requirepass",
                ""
            ]))
            .unwrap(),
            vec![Change::MaxMemory(100 << 20), Change::Policy(PolicyKind::AllKeysLru), Change::RequirePass(None)]
        );
        // A bad pair after a good one changes nothing: nothing is returned.
        assert!(parse_set(&args(&["config", "set", "timeout", "5", "loglevel", "loud"])).is_err());
    }
}
