//! Configuration: command-line flags and a TOML file with the same names.
//!
//! Precedence: defaults, then the file given with `--config`, then flags.

use std::net::IpAddr;
use std::path::PathBuf;

use clap::Parser;
use coreshard_engine::PolicyKind;
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
}

/// The TOML file: the same settings as the flags.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct FileConfig {
    bind: Option<IpAddr>,
    port: Option<u16>,
    shards: Option<usize>,
    shard_port_base: Option<u16>,
    shard_ports: Option<Toggle>,
    pin_cores: Option<String>,
    requirepass: Option<String>,
    maxclients: Option<usize>,
    timeout: Option<u64>,
    maxmemory: Option<Size>,
    maxmemory_policy: Option<String>,
    databases: Option<usize>,
    loglevel: Option<String>,
    main_port_cluster: Option<Toggle>,
    proto_max_bulk_len: Option<Size>,
    client_query_buffer_limit: Option<Size>,
    pubsub_output_limit: Option<Size>,
    slowlog_log_slower_than: Option<i64>,
    slowlog_max_len: Option<usize>,
}

/// A yes/no setting: TOML booleans or "yes"/"no" strings.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Toggle {
    Bool(bool),
    Text(String),
}

/// A byte size: a number or a string with a unit.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Size {
    Number(u64),
    Text(String),
}

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
        }
    }
}

/// Parses "yes"/"no" (also true/false, on/off, 1/0).
pub fn parse_toggle(s: &str) -> Result<bool, String> {
    match s.to_ascii_lowercase().as_str() {
        "yes" | "true" | "on" | "1" => Ok(true),
        "no" | "false" | "off" | "0" => Ok(false),
        _ => Err(format!("expected yes or no, got '{s}'")),
    }
}

/// Parses a byte size as Redis's config does: `100`, `1k`, `1kb`, `5mb`,
/// `2gb` (k = 1000, kb = 1024).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let lower = s.trim().to_ascii_lowercase();
    let split = lower.find(|c: char| !c.is_ascii_digit()).unwrap_or(lower.len());
    let (num, unit) = lower.split_at(split);
    let n = if num.is_empty() { None } else { coreshard_engine::numbers::strtoul(num.as_bytes()) };
    let n = n.ok_or_else(|| format!("invalid size '{s}'"))?;
    let mul: u64 = match unit {
        "" | "b" => 1,
        "k" => 1000,
        "kb" => 1024,
        "m" => 1000 * 1000,
        "mb" => 1024 * 1024,
        "g" => 1000 * 1000 * 1000,
        "gb" => 1024 * 1024 * 1024,
        _ => return Err(format!("invalid size '{s}'")),
    };
    n.checked_mul(mul).ok_or_else(|| format!("size '{s}' is too large"))
}

/// Parses a policy name.
pub fn parse_policy(s: &str) -> Result<PolicyKind, String> {
    PolicyKind::parse(s).ok_or_else(|| format!("unknown maxmemory-policy '{s}'"))
}

/// Parses a core list: "0,1,4-6" or "off".
pub fn parse_cores(s: &str) -> Result<Vec<usize>, String> {
    if s.eq_ignore_ascii_case("off") || s.eq_ignore_ascii_case("no") {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        match part.split_once('-') {
            Some((a, b)) => {
                let a: usize = a.trim().parse().map_err(|_| format!("invalid core list '{s}'"))?;
                let b: usize = b.trim().parse().map_err(|_| format!("invalid core list '{s}'"))?;
                if a > b {
                    return Err(format!("invalid core range '{part}'"));
                }
                out.extend(a..=b);
            }
            None => out.push(part.parse().map_err(|_| format!("invalid core list '{s}'"))?),
        }
    }
    if out.is_empty() {
        return Err(format!("invalid core list '{s}'"));
    }
    Ok(out)
}

/// The `tracing` filter directive for a Redis log level name.
pub fn log_directive(level: &str) -> &'static str {
    match level {
        "debug" | "verbose" => "debug",
        "warning" => "warn",
        "nothing" => "off",
        _ => "info",
    }
}

/// Parses a Redis log level name: debug, verbose, notice, warning, nothing.
pub fn parse_loglevel(s: &str) -> Result<String, String> {
    match s.to_ascii_lowercase().as_str() {
        l @ ("debug" | "verbose" | "notice" | "warning" | "nothing") => Ok(l.to_string()),
        _ => Err(format!("invalid loglevel '{s}' (debug, verbose, notice, warning, nothing)")),
    }
}

fn size_of(v: Size) -> Result<u64, String> {
    match v {
        Size::Number(n) => Ok(n),
        Size::Text(s) => parse_size(&s),
    }
}

fn toggle_of(v: Toggle) -> Result<bool, String> {
    match v {
        Toggle::Bool(b) => Ok(b),
        Toggle::Text(s) => parse_toggle(&s),
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
        if let Some(t) = cli.shard_ports {
            c.shard_ports = parse_toggle(&t)?;
        } else if let Some(t) = file.shard_ports {
            c.shard_ports = toggle_of(t)?;
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
        if let Some(s) = cli.maxmemory {
            c.maxmemory = parse_size(&s)?;
        } else if let Some(s) = file.maxmemory {
            c.maxmemory = size_of(s)?;
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
        if let Some(t) = cli.main_port_cluster {
            c.main_port_cluster = parse_toggle(&t)?;
        } else if let Some(t) = file.main_port_cluster {
            c.main_port_cluster = toggle_of(t)?;
        }
        if let Some(s) = cli.proto_max_bulk_len {
            c.proto_max_bulk_len = parse_size(&s)?;
        } else if let Some(s) = file.proto_max_bulk_len {
            c.proto_max_bulk_len = size_of(s)?;
        }
        if let Some(s) = cli.client_query_buffer_limit {
            c.client_query_buffer_limit = parse_size(&s)?;
        } else if let Some(s) = file.client_query_buffer_limit {
            c.client_query_buffer_limit = size_of(s)?;
        }
        if let Some(s) = cli.pubsub_output_limit {
            c.pubsub_output_limit = parse_size(&s)?;
        } else if let Some(s) = file.pubsub_output_limit {
            c.pubsub_output_limit = size_of(s)?;
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
    use super::*;

    #[test]
    fn sizes_follow_redis_units() {
        assert_eq!(parse_size("100"), Ok(100));
        assert_eq!(parse_size("1k"), Ok(1000));
        assert_eq!(parse_size("1kb"), Ok(1024));
        assert_eq!(parse_size("2GB"), Ok(2 << 30));
        assert!(parse_size("12xb").is_err());
    }

    #[test]
    fn cores_lists_and_ranges() {
        assert_eq!(parse_cores("0,2-4"), Ok(vec![0, 2, 3, 4]));
        assert_eq!(parse_cores("off"), Ok(vec![]));
        assert!(parse_cores("3-1").is_err());
    }

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
