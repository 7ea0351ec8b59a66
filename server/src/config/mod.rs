//! Configuration: command-line flags and a TOML file with the same names.
//!
//! Precedence: defaults, then the file given with `--config`, then flags.
//! `cli` is where settings come from, `values` how their texts are read;
//! this file holds the effective [`Config`] and merges the sources.

use std::net::IpAddr;
use std::path::PathBuf;

use coreshard_engine::PolicyKind;
use coreshard_persistence::log::Fsync;

mod cli;
mod values;

pub use cli::Cli;
use cli::{FileConfig, Size, Toggle};
pub use values::{log_directive, parse_cores, parse_loglevel, parse_policy, parse_size, parse_toggle};

/// Effective settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Listen address.
    pub bind: IpAddr,
    /// Main port.
    pub port: u16,
    /// Number of shards.
    pub shards: usize,
    /// First per-shard port.
    pub shard_port_base: u16,
    /// Whether per-shard ports are open.
    pub shard_ports: bool,
    /// Cores to pin to: `None` = automatic, `Some(empty)` = off.
    pub pin_cores: Option<Vec<usize>>,
    /// AUTH password.
    pub requirepass: Option<String>,
    /// Client limit.
    pub maxclients: usize,
    /// Idle timeout in seconds (0 = none).
    pub timeout: u64,
    /// Memory budget in bytes (0 = none).
    pub maxmemory: u64,
    /// Eviction policy.
    pub maxmemory_policy: PolicyKind,
    /// Logical databases.
    pub databases: usize,
    /// Log level name (Redis's names).
    pub loglevel: String,
    /// Whether the main port presents the cluster.
    pub main_port_cluster: bool,
    /// Longest accepted bulk string.
    pub proto_max_bulk_len: u64,
    /// Largest query buffer.
    pub client_query_buffer_limit: u64,
    /// Output bytes queued for a subscriber before it is dropped.
    pub pubsub_output_limit: u64,
    /// Slow log threshold in microseconds (negative: off).
    pub slowlog_log_slower_than: i64,
    /// Slow log length.
    pub slowlog_max_len: usize,
    /// Data directory.
    pub dir: PathBuf,
    /// Whether writes are logged.
    pub appendonly: bool,
    /// When the log is synced.
    pub appendfsync: Fsync,
    /// Whether damage before a log's end is cut at start.
    pub aof_truncate_corrupt: bool,
    /// A shard's log is rewritten when it has grown by this percentage
    /// since its last rewrite (0: never by itself).
    pub auto_aof_rewrite_percentage: u64,
    /// ... and is at least this many bytes.
    pub auto_aof_rewrite_min_size: u64,
    /// Name of the snapshot SAVE and BGSAVE write in each shard's directory.
    pub dbfilename: String,
}

impl Default for Config {
    fn default() -> Config {
        let port = 6380;
        Config {
            bind: IpAddr::from([127, 0, 0, 1]),
            port,
            shards: std::thread::available_parallelism().map_or(1, |n| n.get()),
            shard_port_base: port + 1,
            shard_ports: true,
            pin_cores: None,
            requirepass: None,
            maxclients: 10000,
            timeout: 0,
            maxmemory: 0,
            maxmemory_policy: PolicyKind::NoEviction,
            databases: 16,
            loglevel: "notice".into(),
            main_port_cluster: false,
            proto_max_bulk_len: 512 * 1024 * 1024,
            client_query_buffer_limit: 1024 * 1024 * 1024,
            pubsub_output_limit: 32 * 1024 * 1024,
            slowlog_log_slower_than: 10_000,
            slowlog_max_len: 128,
            dir: PathBuf::from("./data"),
            appendonly: true,
            appendfsync: Fsync::EverySec,
            aof_truncate_corrupt: false,
            auto_aof_rewrite_percentage: 100,
            auto_aof_rewrite_min_size: 64 << 20,
            dbfilename: "dump.rdb".into(),
        }
    }
}

/// A size setting: the flag's text, else the file's number or text.
fn size(flag: Option<String>, file: Option<Size>) -> Result<Option<u64>, String> {
    match (flag, file) {
        (Some(s), _) => parse_size(&s).map(Some),
        (None, Some(Size::Number(n))) => Ok(Some(n)),
        (None, Some(Size::Text(s))) => parse_size(&s).map(Some),
        (None, None) => Ok(None),
    }
}

/// A yes/no setting: the flag's text, else the file's boolean or text.
fn toggle(flag: Option<String>, file: Option<Toggle>) -> Result<Option<bool>, String> {
    match (flag, file) {
        (Some(s), _) => parse_toggle(&s).map(Some),
        (None, Some(Toggle::Bool(b))) => Ok(Some(b)),
        (None, Some(Toggle::Text(s))) => parse_toggle(&s).map(Some),
        (None, None) => Ok(None),
    }
}

impl Config {
    /// Builds the configuration from defaults, the `--config` file and flags.
    pub fn load(cli: Cli) -> Result<Config, String> {
        let file = match &cli.config {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                toml::from_str::<FileConfig>(&text).map_err(|e| format!("{}: {e}", path.display()))?
            }
            None => FileConfig::default(),
        };
        let mut c = Config::default();
        let port = cli.port.or(file.port).unwrap_or(c.port);
        c.port = port;
        c.shard_port_base = cli.shard_port_base.or(file.shard_port_base).unwrap_or(port.saturating_add(1));
        if let Some(b) = cli.bind.or(file.bind) {
            c.bind = b;
        }
        if let Some(n) = cli.shards.or(file.shards) {
            if n == 0 || n > 1024 {
                return Err(format!("shards must be between 1 and 1024, got {n}"));
            }
            c.shards = n;
        }
        if let Some(b) = toggle(cli.shard_ports, file.shard_ports)? {
            c.shard_ports = b;
        }
        if let Some(s) = cli.pin_cores.or(file.pin_cores) {
            c.pin_cores = Some(parse_cores(&s)?);
        }
        c.requirepass = cli.requirepass.or(file.requirepass).filter(|p| !p.is_empty());
        if let Some(n) = cli.maxclients.or(file.maxclients) {
            c.maxclients = n;
        }
        if let Some(n) = cli.timeout.or(file.timeout) {
            c.timeout = n;
        }
        if let Some(n) = size(cli.maxmemory, file.maxmemory)? {
            c.maxmemory = n;
        }
        if let Some(p) = cli.maxmemory_policy.or(file.maxmemory_policy) {
            c.maxmemory_policy = parse_policy(&p)?;
        }
        if let Some(n) = cli.databases.or(file.databases) {
            if n == 0 || n > 256 {
                return Err(format!("databases must be between 1 and 256, got {n}"));
            }
            c.databases = n;
        }
        if let Some(l) = cli.loglevel.or(file.loglevel) {
            c.loglevel = parse_loglevel(&l)?;
        }
        if let Some(b) = toggle(cli.main_port_cluster, file.main_port_cluster)? {
            c.main_port_cluster = b;
        }
        if let Some(n) = size(cli.proto_max_bulk_len, file.proto_max_bulk_len)? {
            c.proto_max_bulk_len = n;
        }
        if let Some(n) = size(cli.client_query_buffer_limit, file.client_query_buffer_limit)? {
            c.client_query_buffer_limit = n;
        }
        if let Some(n) = size(cli.pubsub_output_limit, file.pubsub_output_limit)? {
            c.pubsub_output_limit = n;
        }
        if let Some(n) = cli.slowlog_log_slower_than.or(file.slowlog_log_slower_than) {
            if n < -1 {
                return Err(format!("slowlog-log-slower-than must be -1 or more, got {n}"));
            }
            c.slowlog_log_slower_than = n;
        }
        if let Some(n) = cli.slowlog_max_len.or(file.slowlog_max_len) {
            c.slowlog_max_len = n;
        }
        if let Some(d) = cli.dir.or(file.dir) {
            c.dir = d;
        }
        if let Some(b) = toggle(cli.appendonly, file.appendonly)? {
            c.appendonly = b;
        }
        if let Some(p) = cli.appendfsync.or(file.appendfsync) {
            c.appendfsync =
                Fsync::from_name(&p).ok_or_else(|| format!("appendfsync must be always, everysec or no, got {p:?}"))?;
        }
        if let Some(b) = toggle(cli.aof_truncate_corrupt, file.aof_truncate_corrupt)? {
            c.aof_truncate_corrupt = b;
        }
        if let Some(n) = cli.auto_aof_rewrite_percentage.or(file.auto_aof_rewrite_percentage) {
            c.auto_aof_rewrite_percentage = n;
        }
        if let Some(n) = size(cli.auto_aof_rewrite_min_size, file.auto_aof_rewrite_min_size)? {
            c.auto_aof_rewrite_min_size = n;
        }
        if let Some(name) = cli.dbfilename.or(file.dbfilename) {
            if name.is_empty() || name.contains('/') {
                return Err(format!("dbfilename can't be a path, just a filename, got {name:?}"));
            }
            c.dbfilename = name;
        }
        if c.shard_ports && u32::from(c.shard_port_base) + c.shards as u32 > 65536 {
            return Err("shard ports would exceed 65535".into());
        }
        Ok(c)
    }

    /// Port of shard `i`, when shard ports are on.
    pub fn shard_port(&self, i: usize) -> Option<u16> {
        self.shard_ports.then(|| self.shard_port_base + i as u16)
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[test]
    fn flags_override_the_file() {
        let dir = std::env::temp_dir().join(format!("coreshard-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("c.toml");
        std::fs::write(
            &path,
            "port = 7000\nmaxmemory = \"10mb\"\nshard-ports = false\nmaxmemory-policy = \"allkeys-lru\"\n",
        )
        .unwrap();
        let cli = Cli { config: Some(path.clone()), port: Some(7100), ..Cli::default() };
        let c = Config::load(cli).unwrap();
        assert_eq!(c.port, 7100);
        assert_eq!(c.shard_port_base, 7101);
        assert_eq!(c.maxmemory, 10 << 20);
        assert!(!c.shard_ports);
        assert_eq!(c.maxmemory_policy, PolicyKind::AllKeysLru);
        std::fs::write(&path, "slowlog-log-slower-than = -1\nslowlog-max-len = 7\n").unwrap();
        let c = Config::load(Cli { config: Some(path.clone()), ..Cli::default() }).unwrap();
        assert_eq!((c.slowlog_log_slower_than, c.slowlog_max_len), (-1, 7));
        let cli = Cli::try_parse_from([
            "coreshard-server",
            "--config",
            path.to_str().unwrap(),
            "--slowlog-log-slower-than",
            "0",
        ]);
        assert_eq!(Config::load(cli.unwrap()).unwrap().slowlog_log_slower_than, 0);
        let cli = Cli::try_parse_from(["coreshard-server", "--slowlog-log-slower-than", "-2"]).unwrap();
        assert!(Config::load(cli).is_err());
        std::fs::write(&path, "prot = 1\n").unwrap();
        assert!(Config::load(Cli { config: Some(path), ..Cli::default() }).is_err());
        let _ = std::fs::remove_dir_all(dir);
    }
}
