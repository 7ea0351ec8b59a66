//! Where settings come from: the command-line flags and the TOML file,
//! which use the same names.

use std::net::IpAddr;
use std::path::PathBuf;

use clap::Parser;
use serde::Deserialize;

/// `coreshard-server`: a Redis-compatible server, one shard per core.
#[derive(Debug, Parser, Default)]
#[command(name = "coreshard-server", version, about, long_about = None)]
pub struct Cli {
    /// TOML file with any of the settings below (same names); flags given
    /// on the command line override it.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1].
    #[arg(long)]
    pub bind: Option<IpAddr>,
    /// Main port, accepted on by every core (SO_REUSEPORT) [default: 6380].
    #[arg(long)]
    pub port: Option<u16>,
    /// Number of shards, one pinned thread each [default: available cores].
    #[arg(long)]
    pub shards: Option<usize>,
    /// First per-shard port; shard i listens on base + i [default: port + 1].
    #[arg(long, value_name = "PORT")]
    pub shard_port_base: Option<u16>,
    /// Whether shards listen on their own ports (yes/no) [default: yes].
    #[arg(long, value_name = "yes|no")]
    pub shard_ports: Option<String>,
    /// Cores to pin shards to, e.g. "0,1,2" or "2-5", or "off"
    /// [default: shard i on the i-th available core].
    #[arg(long, value_name = "LIST")]
    pub pin_cores: Option<String>,
    /// Password clients must send with AUTH (or HELLO ... AUTH) [default: none].
    #[arg(long, value_name = "PASSWORD")]
    pub requirepass: Option<String>,
    /// Most simultaneous clients [default: 10000].
    #[arg(long)]
    pub maxclients: Option<usize>,
    /// Close a client after this many idle seconds; 0 never [default: 0].
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<u64>,
    /// Memory budget for data, e.g. 0 (none), 100mb, 2gb [default: 0].
    #[arg(long, value_name = "BYTES")]
    pub maxmemory: Option<String>,
    /// What to evict at the budget: noeviction, allkeys-lru, allkeys-lfu,
    /// allkeys-random, volatile-lru, volatile-lfu, volatile-random,
    /// volatile-ttl, s3fifo [default: noeviction].
    #[arg(long, value_name = "POLICY")]
    pub maxmemory_policy: Option<String>,
    /// Number of logical databases [default: 16].
    #[arg(long)]
    pub databases: Option<usize>,
    /// Log level: debug, verbose, notice, warning [default: notice].
    #[arg(long, value_name = "LEVEL")]
    pub loglevel: Option<String>,
    /// Whether the main port presents the cluster of shards (yes) or a
    /// standalone server (no) [default: no]. Shard ports always present
    /// the cluster.
    #[arg(long, value_name = "yes|no")]
    pub main_port_cluster: Option<String>,
    /// Longest bulk string a client may send, in bytes [default: 512mb].
    #[arg(long, value_name = "BYTES")]
    pub proto_max_bulk_len: Option<String>,
    /// Largest query buffer of one client [default: 1gb].
    #[arg(long, value_name = "BYTES")]
    pub client_query_buffer_limit: Option<String>,
    /// Most bytes queued for a subscriber before it is disconnected
    /// [default: 32mb].
    #[arg(long, value_name = "BYTES")]
    pub pubsub_output_limit: Option<String>,
    /// Log commands slower than this many microseconds in the slow log;
    /// -1 disables it, 0 logs every command [default: 10000].
    #[arg(long, value_name = "MICROSECONDS", allow_negative_numbers = true)]
    pub slowlog_log_slower_than: Option<i64>,
    /// Most entries the slow log keeps [default: 128].
    #[arg(long, value_name = "N")]
    pub slowlog_max_len: Option<usize>,
    /// Data directory: each shard's log goes in `<dir>/shard-N/`
    /// [default: ./data].
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Whether writes are logged to `dir` and read back at start (yes/no)
    /// [default: yes].
    #[arg(long, value_name = "yes|no")]
    pub appendonly: Option<String>,
    /// When the log is synced to disk: always (before each write is
    /// acknowledged), everysec, or no (left to the kernel) [default:
    /// everysec].
    #[arg(long, value_name = "always|everysec|no")]
    pub appendfsync: Option<String>,
    /// At start, cut a log at damage found before its end (losing what
    /// follows) instead of refusing to start (yes/no) [default: no].
    #[arg(long, value_name = "yes|no")]
    pub aof_truncate_corrupt: Option<String>,
    /// Rewrite a shard's log (a snapshot of memory, then a fresh tail)
    /// once it has grown by this percentage since its last rewrite; 0
    /// turns it off [default: 100].
    #[arg(long, value_name = "PERCENT")]
    pub auto_aof_rewrite_percentage: Option<u64>,
    /// ... and only once it is at least this big [default: 64mb].
    #[arg(long, value_name = "BYTES")]
    pub auto_aof_rewrite_min_size: Option<String>,
    /// File name of the snapshot SAVE and BGSAVE write in each shard's
    /// directory `<dir>/shard-N/` [default: dump.rdb].
    #[arg(long, value_name = "NAME")]
    pub dbfilename: Option<String>,
}

/// The TOML file: the same settings as the flags.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct FileConfig {
    pub(super) bind: Option<IpAddr>,
    pub(super) port: Option<u16>,
    pub(super) shards: Option<usize>,
    pub(super) shard_port_base: Option<u16>,
    pub(super) shard_ports: Option<Toggle>,
    pub(super) pin_cores: Option<String>,
    pub(super) requirepass: Option<String>,
    pub(super) maxclients: Option<usize>,
    pub(super) timeout: Option<u64>,
    pub(super) maxmemory: Option<Size>,
    pub(super) maxmemory_policy: Option<String>,
    pub(super) databases: Option<usize>,
    pub(super) loglevel: Option<String>,
    pub(super) main_port_cluster: Option<Toggle>,
    pub(super) proto_max_bulk_len: Option<Size>,
    pub(super) client_query_buffer_limit: Option<Size>,
    pub(super) pubsub_output_limit: Option<Size>,
    pub(super) slowlog_log_slower_than: Option<i64>,
    pub(super) slowlog_max_len: Option<usize>,
    pub(super) dir: Option<PathBuf>,
    pub(super) appendonly: Option<Toggle>,
    pub(super) appendfsync: Option<String>,
    pub(super) aof_truncate_corrupt: Option<Toggle>,
    pub(super) auto_aof_rewrite_percentage: Option<u64>,
    pub(super) auto_aof_rewrite_min_size: Option<Size>,
    pub(super) dbfilename: Option<String>,
}

/// A yes/no setting: TOML booleans or "yes"/"no" strings.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(super) enum Toggle {
    Bool(bool),
    Text(String),
}

/// A byte size: a number or a string with a unit.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(super) enum Size {
    Number(u64),
    Text(String),
}
