//! INFO: Redis's sections with Redis's field names, plus `shards`, one line
//! per shard with the per-core command counters.

use std::fmt::Write;
use std::sync::atomic::Ordering;
use std::time::{SystemTime, UNIX_EPOCH};

use coreshard_engine::ShardStats;

use super::{REDIS_VERSION, SERVER};
use crate::commands::cluster::cluster_enabled;
use crate::commands::prelude::*;
use crate::core_state::{on_every_core, CounterSnapshot};

/// `INFO [section ...]`.
pub const INFO: Command = SERVER
    .command("info", -1, Run::Async(run))
    .flags(Flags::LOADING.union(Flags::STALE))
    .doc("1.0.0", "Returns information and statistics about the server.");

/// Every section, in output order; all of them are in the default set.
const SECTIONS: &[&str] =
    &["server", "clients", "memory", "persistence", "stats", "replication", "cpu", "cluster", "keyspace", "shards"];

/// What one core reports: its shard's counters and per-database sizes,
/// and the counters of the connections it serves.
struct CoreInfo {
    stats: ShardStats,
    /// `(keys, keys with a TTL)` per database.
    dbs: Vec<(usize, usize)>,
    counters: CounterSnapshot,
    blocked_clients: usize,
}

async fn gather(conn: &Conn) -> Result<Vec<CoreInfo>, ReplyError> {
    on_every_core(&conn.ctx, |core, s| {
        let dbs = (0..s.databases()).map(|db| (s.dbsize(db as u8), s.db_expiring(db as u8))).collect();
        let counters = core.counters.snapshot();
        let blocked_clients = core.clients.borrow().values().filter(|c| c.blocked.get()).count();
        CoreInfo { stats: s.stats(), dbs, counters, blocked_clients }
    })
    .await
}

/// Which sections the arguments ask for, as a mask over [`SECTIONS`].
/// Unknown names are ignored (as Redis does).
fn wanted(args: &[Bytes]) -> Vec<bool> {
    let mut want = vec![args.len() <= 1; SECTIONS.len()];
    for a in args.iter().skip(1) {
        let a = String::from_utf8_lossy(a).to_ascii_lowercase();
        if a == "all" || a == "everything" || a == "default" {
            want.iter_mut().for_each(|w| *w = true);
        } else if let Some(i) = SECTIONS.iter().position(|s| *s == a) {
            want[i] = true;
        }
    }
    want
}

/// Redis's `bytesToHuman`.
fn human(n: u64) -> String {
    let d = n as f64;
    const K: f64 = 1024.0;
    if n < 1024 {
        format!("{n}B")
    } else if d < K * K {
        format!("{:.2}K", d / K)
    } else if d < K * K * K {
        format!("{:.2}M", d / (K * K))
    } else if d < K * K * K * K {
        format!("{:.2}G", d / (K * K * K))
    } else if d < K * K * K * K * K {
        format!("{:.2}T", d / (K * K * K * K))
    } else {
        format!("{:.2}P", d / (K * K * K * K * K))
    }
}

/// A `kB` field of a `/proc` file such as `/proc/self/status`, in bytes.
fn proc_kb(path: &str, field: &str) -> u64 {
    let Ok(text) = std::fs::read_to_string(path) else { return 0 };
    text.lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

fn os_name() -> String {
    let read = |p: &str| std::fs::read_to_string(p).map(|s| s.trim().to_string()).unwrap_or_default();
    let os = read("/proc/sys/kernel/ostype");
    let os = if os.is_empty() { std::env::consts::OS.to_string() } else { os };
    format!("{} {} {}", os, read("/proc/sys/kernel/osrelease"), std::env::consts::ARCH)
}

fn seconds(tv: nix::sys::time::TimeVal) -> f64 {
    tv.tv_sec() as f64 + tv.tv_usec() as f64 / 1e6
}

fn run(conn: &mut Conn, args: Vec<Bytes>) -> LocalFuture<'_> {
    Box::pin(async move {
        let want = wanted(&args);
        let cores = gather(conn).await?;
        let text = render(conn, &want, &cores);
        conn.out.verbatim(text.as_bytes());
        Ok(())
    })
}

fn render(conn: &Conn, want: &[bool], cores: &[CoreInfo]) -> String {
    let server = &conn.server;
    let cfg = server.settings();
    let total = ShardStats::total(cores.iter().map(|c| &c.stats));
    let commands: u64 = cores.iter().map(|c| c.counters.commands).sum();
    let cluster = cluster_enabled(conn);
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    let uptime = server.started.elapsed().as_secs();
    let mut s = String::with_capacity(4096);
    for (i, name) in SECTIONS.iter().enumerate() {
        if !want[i] {
            continue;
        }
        if !s.is_empty() {
            s.push_str("\r\n");
        }
        // Each `writeln!` is followed by fixing the line end to CRLF below.
        let mut sec = String::new();
        let w = &mut sec;
        match *name {
            "server" => {
                let _ = writeln!(w, "# Server");
                let _ = writeln!(w, "redis_version:{REDIS_VERSION}");
                let _ = writeln!(w, "coreshard_version:{}", env!("CARGO_PKG_VERSION"));
                let _ = writeln!(w, "redis_git_sha1:00000000");
                let _ = writeln!(w, "redis_git_dirty:0");
                let _ = writeln!(w, "redis_build_id:0");
                let _ = writeln!(w, "redis_mode:{}", if cluster { "cluster" } else { "standalone" });
                let _ = writeln!(w, "os:{}", os_name());
                let _ = writeln!(w, "arch_bits:{}", usize::BITS);
                let _ = writeln!(w, "monotonic_clock:POSIX clock_gettime");
                let io = server.backends.first().map_or("none", |b| b.name());
                let _ = writeln!(w, "multiplexing_api:{io}");
                let _ = writeln!(w, "process_id:{}", std::process::id());
                let _ = writeln!(w, "process_supervised:no");
                let _ = writeln!(w, "run_id:{}", server.run_id);
                let _ = writeln!(w, "tcp_port:{}", conn.client.laddr.port());
                let _ = writeln!(w, "server_time_usec:{}", now.as_micros());
                let _ = writeln!(w, "uptime_in_seconds:{uptime}");
                let _ = writeln!(w, "uptime_in_days:{}", uptime / 86400);
                // Active expiry runs every 100 ms.
                let _ = writeln!(w, "hz:10");
                let _ = writeln!(w, "configured_hz:10");
                let _ = writeln!(w, "lru_clock:{}", now.as_secs() & ((1 << 24) - 1));
                let exe = std::env::current_exe().map(|p| p.display().to_string()).unwrap_or_default();
                let _ = writeln!(w, "executable:{exe}");
                let _ = writeln!(w, "io_threads_active:0");
                let _ = writeln!(w, "shards:{}", cores.len());
            }
            "clients" => {
                let _ = writeln!(w, "# Clients");
                let _ = writeln!(w, "connected_clients:{}", server.clients.load(Ordering::Relaxed));
                let _ = writeln!(w, "cluster_connections:0");
                let _ = writeln!(w, "maxclients:{}", cfg.maxclients);
                let _ = writeln!(w, "blocked_clients:{}", cores.iter().map(|c| c.blocked_clients).sum::<usize>());
                let _ = writeln!(w, "tracking_clients:0");
            }
            "memory" => {
                let used = total.used_bytes + total.table_bytes;
                let rss = proc_kb("/proc/self/status", "VmRSS");
                let system = proc_kb("/proc/meminfo", "MemTotal");
                let _ = writeln!(w, "# Memory");
                let _ = writeln!(w, "used_memory:{used}");
                let _ = writeln!(w, "used_memory_human:{}", human(used));
                let _ = writeln!(w, "used_memory_rss:{rss}");
                let _ = writeln!(w, "used_memory_rss_human:{}", human(rss));
                let _ = writeln!(w, "used_memory_dataset:{}", total.used_bytes);
                let _ = writeln!(w, "total_system_memory:{system}");
                let _ = writeln!(w, "total_system_memory_human:{}", human(system));
                let _ = writeln!(w, "maxmemory:{}", cfg.maxmemory);
                let _ = writeln!(w, "maxmemory_human:{}", human(cfg.maxmemory));
                let _ = writeln!(w, "maxmemory_policy:{}", cfg.maxmemory_policy.name());
                let _ = writeln!(w, "mem_allocator:libc");
            }
            "persistence" => {
                let _ = writeln!(w, "# Persistence");
                let _ = writeln!(w, "loading:0");
                let _ = writeln!(w, "async_loading:0");
                let snaps = &server.snapshots;
                let changes: u64 = cores
                    .iter()
                    .zip(&snaps.saved_seq)
                    .map(|(c, saved)| c.stats.seq.saturating_sub(saved.load(Ordering::Relaxed)))
                    .sum();
                let _ = writeln!(w, "rdb_changes_since_last_save:{changes}");
                let saving = snaps.saving.load(Ordering::Relaxed) > 0;
                let _ = writeln!(w, "rdb_bgsave_in_progress:{}", u8::from(saving));
                let _ = writeln!(w, "rdb_last_save_time:{}", snaps.lastsave.load(Ordering::Relaxed));
                let ok = |b: &std::sync::atomic::AtomicBool| if b.load(Ordering::Relaxed) { "ok" } else { "err" };
                let _ = writeln!(w, "rdb_last_bgsave_status:{}", ok(&snaps.last_save_ok));
                let _ = writeln!(w, "rdb_last_bgsave_time_sec:{}", snaps.last_save_secs.load(Ordering::Relaxed));
                let _ = writeln!(w, "rdb_saves:{}", snaps.saves.load(Ordering::Relaxed));
                let log = server.log.as_deref();
                let _ = writeln!(w, "aof_enabled:{}", u8::from(log.is_some()));
                let rewriting = snaps.rewriting.load(Ordering::Relaxed) > 0;
                let _ = writeln!(w, "aof_rewrite_in_progress:{}", u8::from(rewriting));
                let _ = writeln!(w, "aof_rewrite_scheduled:{}", u8::from(rewriting && saving));
                let _ = writeln!(w, "aof_last_rewrite_time_sec:{}", snaps.last_rewrite_secs.load(Ordering::Relaxed));
                let _ = writeln!(w, "aof_last_bgrewrite_status:{}", ok(&snaps.last_rewrite_ok));
                let _ = writeln!(w, "aof_rewrites:{}", snaps.rewrites.load(Ordering::Relaxed));
                let failing = log.and_then(|l| l.write_error()).is_some();
                let _ = writeln!(w, "aof_last_write_status:{}", if failing { "err" } else { "ok" });
                if let Some(l) = log {
                    let _ = writeln!(w, "aof_current_size:{}", l.size());
                    let _ = writeln!(w, "aof_base_size:{}", l.base_size());
                    // Writes and syncs of the shards' logs: with group commit,
                    // far fewer than the writes they carried.
                    let _ = writeln!(w, "aof_writes:{}", l.writes());
                    let _ = writeln!(w, "aof_fsyncs:{}", l.syncs());
                }
            }
            "stats" => {
                let _ = writeln!(w, "# Stats");
                let _ = writeln!(w, "total_connections_received:{}", server.total_connections.load(Ordering::Relaxed));
                let _ = writeln!(w, "total_commands_processed:{commands}");
                let _ = writeln!(w, "rejected_connections:{}", server.rejected_connections.load(Ordering::Relaxed));
                let _ = writeln!(w, "expired_keys:{}", total.expired);
                let _ = writeln!(w, "evicted_keys:{}", total.evicted);
                let _ = writeln!(w, "keyspace_hits:{}", total.hits);
                let _ = writeln!(w, "keyspace_misses:{}", total.misses);
                let protocol: u64 = cores.iter().map(|c| c.counters.protocol_errors).sum();
                let _ = writeln!(w, "protocol_errors:{protocol}");
                let panics: u64 = cores.iter().map(|c| c.counters.panics).sum();
                let _ = writeln!(w, "command_panics:{panics}");
            }
            "replication" => {
                let _ = writeln!(w, "# Replication");
                let _ = writeln!(w, "role:master");
                let _ = writeln!(w, "connected_slaves:0");
                let _ = writeln!(w, "master_failover_state:no-failover");
                let _ = writeln!(w, "master_replid:{}", server.run_id);
                let _ = writeln!(w, "master_replid2:0000000000000000000000000000000000000000");
                let _ = writeln!(w, "master_repl_offset:0");
                let _ = writeln!(w, "second_repl_offset:-1");
                let _ = writeln!(w, "repl_backlog_active:0");
            }
            "cpu" => {
                use nix::sys::resource::{getrusage, UsageWho};
                let (sys, user) = getrusage(UsageWho::RUSAGE_SELF)
                    .map_or((0.0, 0.0), |u| (seconds(u.system_time()), seconds(u.user_time())));
                let (csys, cuser) = getrusage(UsageWho::RUSAGE_CHILDREN)
                    .map_or((0.0, 0.0), |u| (seconds(u.system_time()), seconds(u.user_time())));
                let _ = writeln!(w, "# CPU");
                let _ = writeln!(w, "used_cpu_sys:{sys:.6}");
                let _ = writeln!(w, "used_cpu_user:{user:.6}");
                let _ = writeln!(w, "used_cpu_sys_children:{csys:.6}");
                let _ = writeln!(w, "used_cpu_user_children:{cuser:.6}");
            }
            "cluster" => {
                let _ = writeln!(w, "# Cluster");
                let _ = writeln!(w, "cluster_enabled:{}", u8::from(cluster));
            }
            "keyspace" => {
                let _ = writeln!(w, "# Keyspace");
                let dbs = cores.first().map_or(0, |c| c.dbs.len());
                for db in 0..dbs {
                    let keys: usize = cores.iter().map(|c| c.dbs[db].0).sum();
                    let expires: usize = cores.iter().map(|c| c.dbs[db].1).sum();
                    if keys > 0 {
                        let _ = writeln!(w, "db{db}:keys={keys},expires={expires},avg_ttl=0");
                    }
                }
            }
            _ => {
                let _ = writeln!(w, "# Shards");
                for (i, c) in cores.iter().enumerate() {
                    let k = c.counters;
                    let _ = writeln!(
                        w,
                        "shard{i}:port={},keys={},commands={},local={},hops_out={},hops_in={}",
                        cfg.shard_port(i).unwrap_or(0),
                        c.stats.keys,
                        k.commands,
                        k.local,
                        k.hops_out,
                        k.hops_in
                    );
                }
            }
        }
        s.push_str(&sec.replace('\n', "\r\n"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn section_selection() {
        let args = |v: &[&str]| v.iter().map(|s| Bytes::copy_from_slice(s.as_bytes())).collect::<Vec<_>>();
        assert!(wanted(&args(&["info"])).iter().all(|w| *w));
        assert!(wanted(&args(&["info", "EVERYTHING"])).iter().all(|w| *w));
        let w = wanted(&args(&["info", "Keyspace", "shards", "nosuch"]));
        let on: Vec<&str> = SECTIONS.iter().zip(&w).filter(|(_, w)| **w).map(|(s, _)| *s).collect();
        assert_eq!(on, vec!["keyspace", "shards"]);
        assert!(wanted(&args(&["info", "nosuch"])).iter().all(|w| !*w));
    }

    #[test]
    fn human_sizes_as_redis() {
        assert_eq!(human(0), "0B");
        assert_eq!(human(1023), "1023B");
        assert_eq!(human(1336688), "1.27M");
        assert_eq!(human(12320768), "11.75M");
        assert_eq!(human(25324822528), "23.59G");
        assert_eq!(human(32768), "32.00K");
    }
}
