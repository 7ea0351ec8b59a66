//! End-to-end test support shared by every integration test of `coreshard-server`.
//!
//! - [`Coreshard`]: the real `coreshard-server` binary on free loopback ports, killed on drop.
//! - [`RedisServer`]: a real `redis-server` to compare against, killed on drop.
//! - [`RespConn`]: a raw RESP2/RESP3 client over a blocking `TcpStream`, and [`Reply`]; INFO
//!   parsing ([`RespConn::info`], [`ShardLine`]) and waiting for server state ([`wait_until`]).
//! - [`key_on`] / [`shard_of`]: keys owned by a given shard.
//! - [`compare_bytes`] / [`assert_same_bytes`]: replies compared byte for byte with redis-server.
//! - [`TempDir`]: a scratch directory removed on drop.
//! - [`diff`]: the differential script runner (`tests/diff/*.redis`).
//!
//! Every integration test file includes this module with `mod common;`; not every file uses every item.
#![allow(dead_code)]

pub mod diff;

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How long a server may take to bind all of its listeners.
pub const START_TIMEOUT: Duration = Duration::from_secs(20);
/// Read timeout of [`RespConn`].
pub const READ_TIMEOUT: Duration = Duration::from_secs(10);

const LOOPBACK: Ipv4Addr = Ipv4Addr::LOCALHOST;

// ---------------------------------------------------------------------------------------------
// Temporary directories
// ---------------------------------------------------------------------------------------------

/// A fresh directory under the system temp dir, removed (recursively) on drop.
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    /// Creates `<tmp>/coreshard-<prefix>-<pid>-<counter>-<nanos>`.
    pub fn new(prefix: &str) -> TempDir {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
        let path = std::env::temp_dir().join(format!("coreshard-{prefix}-{}-{n}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&path).unwrap_or_else(|e| panic!("cannot create {}: {e}", path.display()));
        TempDir { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `self.path()/name`.
    pub fn join(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

// ---------------------------------------------------------------------------------------------
// Ports
// ---------------------------------------------------------------------------------------------

/// Ports handed out by this process, so that two tests running in parallel never get the same
/// range even before either server has bound it.
fn reserved_ports() -> &'static Mutex<HashSet<u16>> {
    static RESERVED: OnceLock<Mutex<HashSet<u16>>> = OnceLock::new();
    RESERVED.get_or_init(|| Mutex::new(HashSet::new()))
}

/// A cheap per-call pseudo-random number (time, pid and a counter through splitmix64); test
/// processes started at the same moment still pick different starting points.
fn pseudo_random() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0);
    let mut z = nanos
        ^ (u64::from(std::process::id()) << 32)
        ^ COUNTER.fetch_add(1, Ordering::Relaxed).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Returns the first of `n` consecutive loopback ports that are free right now (each one is
/// bind-probed) and were not handed out before by this process. The search starts at a random
/// point in 20000..60000 to make collisions with other test processes unlikely.
pub fn free_ports(n: usize) -> u16 {
    assert!((1..1000).contains(&n), "free_ports({n}): unreasonable count");
    const LOW: u32 = 20_000;
    const HIGH: u32 = 60_000;
    let span = HIGH - LOW - n as u32;
    for _ in 0..200 {
        let first = (LOW + (pseudo_random() % u64::from(span)) as u32) as u16;
        let range: Vec<u16> = (0..n as u16).map(|i| first + i).collect();
        let mut reserved = reserved_ports().lock().unwrap_or_else(|e| e.into_inner());
        if range.iter().any(|p| reserved.contains(p)) {
            continue;
        }
        // Hold every probe listener until the whole range is checked.
        let probes: Option<Vec<TcpListener>> = range.iter().map(|&p| TcpListener::bind((LOOPBACK, p)).ok()).collect();
        if probes.is_some() {
            reserved.extend(range.iter().copied());
            return first;
        }
    }
    panic!("no {n} consecutive free loopback ports found in {LOW}..{HIGH}");
}

/// One free loopback port.
pub fn free_port() -> u16 {
    free_ports(1)
}

fn port_accepts(port: u16) -> bool {
    TcpStream::connect_timeout(&SocketAddr::from((LOOPBACK, port)), Duration::from_millis(200)).is_ok()
}

fn read_lossy(path: &Path) -> String {
    match std::fs::read(path) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e) => format!("<cannot read {}: {e}>", path.display()),
    }
}

/// Polls `child` until it exits or `timeout` passes.
fn wait_child(child: &mut Child, timeout: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + timeout;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Some(status),
            Ok(None) => {}
            Err(e) => panic!("waiting for pid {}: {e}", child.id()),
        }
        if Instant::now() >= deadline {
            return None;
        }
        thread::sleep(Duration::from_millis(10));
    }
}

/// Sends signal `sig` to `pid` through kill(1), which keeps these tests free of `unsafe`.
pub fn signal_pid(pid: u32, sig: i32) {
    let status = Command::new("kill")
        .arg(format!("-{sig}"))
        .arg(pid.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap_or_else(|e| panic!("cannot run kill(1) to signal pid {pid}: {e}"));
    assert!(status.success(), "kill -{sig} {pid} failed: {status}");
}

// ---------------------------------------------------------------------------------------------
// coreshard-server
// ---------------------------------------------------------------------------------------------

/// A running `coreshard-server` child process (killed on drop).
pub struct Coreshard {
    child: Child,
    port: u16,
    shard_port_base: u16,
    shards: usize,
    shard_ports_enabled: bool,
    log_path: PathBuf,
    dir: TempDir,
    args: Vec<String>,
}

impl Coreshard {
    /// Starts `coreshard-server --port P --shard-port-base P+1 --shards N --pin-cores off <extra>`
    /// on free ports and waits until the main port and every shard port accept connections.
    /// Retries on fresh ports if another process grabbed one of them in the meantime.
    pub fn start(shards: usize, extra_args: &[&str]) -> Coreshard {
        let mut last_log = String::new();
        for _ in 0..3 {
            let port = free_ports(shards + 1);
            match Self::try_start_on(port, shards, extra_args) {
                Ok(server) => return server,
                Err(log) if log.contains("in use") || log.contains("AddrInUse") => last_log = log,
                Err(log) => panic!("coreshard-server failed to start on port {port}. Log:\n{log}"),
            }
        }
        panic!("coreshard-server failed to bind three times (ports in use). Last log:\n{last_log}");
    }

    /// Like [`Coreshard::start`] on a given main port (shard ports `port+1 ..= port+shards`),
    /// e.g. to restart a server where a killed one was.
    pub fn start_on(port: u16, shards: usize, extra_args: &[&str]) -> Coreshard {
        Self::try_start_on(port, shards, extra_args)
            .unwrap_or_else(|log| panic!("coreshard-server failed to start on port {port}. Log:\n{log}"))
    }

    fn try_start_on(port: u16, shards: usize, extra_args: &[&str]) -> Result<Coreshard, String> {
        let dir = TempDir::new("server");
        let log_path = dir.join("server.log");
        let shard_port_base = port + 1;
        let shard_ports_enabled = !extra_args.windows(2).any(|w| w[0] == "--shard-ports" && w[1] == "no");
        let args: Vec<String> = extra_args.iter().map(|a| a.to_string()).collect();
        let child = Self::spawn(dir.path(), &log_path, port, shards, &args);
        let mut server = Coreshard { child, port, shard_port_base, shards, shard_ports_enabled, log_path, dir, args };
        server.wait_ready()?;
        Ok(server)
    }

    fn spawn(dir: &Path, log_path: &Path, port: u16, shards: usize, extra_args: &[String]) -> Child {
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(log_path)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", log_path.display()));
        let log_err = log.try_clone().unwrap_or_else(|e| panic!("cannot clone log file handle: {e}"));
        Command::new(env!("CARGO_BIN_EXE_coreshard-server"))
            .args(["--port", &port.to_string()])
            .args(["--shard-port-base", &(port + 1).to_string()])
            .args(["--shards", &shards.to_string()])
            .args(["--pin-cores", "off"])
            .args(extra_args)
            // Anything the server writes relative to its working directory lands in the temp dir.
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::from(log))
            .stderr(Stdio::from(log_err))
            .spawn()
            .unwrap_or_else(|e| panic!("cannot spawn coreshard-server: {e}"))
    }

    fn wait_ready(&mut self) -> Result<(), String> {
        let mut ports = vec![self.port];
        if self.shard_ports_enabled {
            ports.extend((0..self.shards).map(|i| self.shard_port_base + i as u16));
        }
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("exited early with {status}\n{}", self.log()));
            }
            if ports.iter().all(|&p| port_accepts(p)) {
                return Ok(());
            }
            if Instant::now() >= deadline {
                self.kill();
                return Err(format!("ports {ports:?} not all accepting after {START_TIMEOUT:?}\n{}", self.log()));
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGKILLs the server and starts it again in the same directory, on
    /// the same ports, with the same flags (plus `more_args`): what a crash
    /// and a restart do to its data.
    pub fn restart(&mut self, more_args: &[&str]) {
        self.kill();
        let mut args = self.args.clone();
        args.extend(more_args.iter().map(|a| a.to_string()));
        // A killed process's io_uring is torn down by the kernel after the
        // process is gone, and the listening sockets with it: until then
        // the ports still accept (into a queue nobody serves) and are taken.
        let deadline = Instant::now() + START_TIMEOUT;
        while port_accepts(self.port) && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(20));
        }
        loop {
            self.child = Self::spawn(self.dir.path(), &self.log_path, self.port, self.shards, &args);
            match self.wait_ready() {
                Ok(()) => return,
                Err(log) if log.contains("in use") && Instant::now() < deadline => {
                    thread::sleep(Duration::from_millis(50));
                }
                Err(log) => panic!("coreshard-server did not restart on port {}. Log:\n{log}", self.port),
            }
        }
    }

    /// Starts the server again after it exited (or was killed), expecting
    /// it to fail: returns its log once it exits.
    pub fn restart_expecting_failure(&mut self, more_args: &[&str]) -> String {
        self.kill();
        let deadline = Instant::now() + START_TIMEOUT;
        while port_accepts(self.port) && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(20));
        }
        let mut args = self.args.clone();
        args.extend(more_args.iter().map(|a| a.to_string()));
        self.child = Self::spawn(self.dir.path(), &self.log_path, self.port, self.shards, &args);
        match wait_child(&mut self.child, START_TIMEOUT) {
            Some(status) => {
                assert!(!status.success(), "expected a failed start");
                self.log()
            }
            None => panic!("coreshard-server started although it should have refused. Log:\n{}", self.log()),
        }
    }

    /// The main (standalone-looking) port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The cluster-node port of shard `i`.
    pub fn shard_port(&self, i: usize) -> u16 {
        assert!(i < self.shards, "shard {i} out of range (server has {} shards)", self.shards);
        assert!(self.shard_ports_enabled, "server was started with --shard-ports no");
        self.shard_port_base + i as u16
    }

    pub fn shards(&self) -> usize {
        self.shards
    }

    /// `127.0.0.1:<main port>`.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from((LOOPBACK, self.port))
    }

    /// `redis://127.0.0.1:<main port>/` for redis-rs.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// Everything the server wrote to stdout and stderr so far.
    pub fn log(&self) -> String {
        read_lossy(&self.log_path)
    }

    /// The server's scratch directory (its working directory).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILLs the server and reaps it (no-op if it already exited).
    pub fn kill(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }

    /// Waits up to `timeout` for the server to exit on its own.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        wait_child(&mut self.child, timeout)
    }

    /// Sends `sig` (e.g. `libc::SIGTERM`) to the server process.
    pub fn send_signal(&self, sig: i32) {
        signal_pid(self.child.id(), sig);
    }

    /// A new raw connection to the main port.
    pub fn conn(&self) -> RespConn {
        RespConn::connect(self.port)
    }

    /// A new raw connection to shard `i`'s port, served by core `i`.
    pub fn shard_conn(&self, i: usize) -> RespConn {
        RespConn::connect(self.shard_port(i))
    }
}

impl Drop for Coreshard {
    fn drop(&mut self) {
        self.kill();
    }
}

// ---------------------------------------------------------------------------------------------
// redis-server (the reference)
// ---------------------------------------------------------------------------------------------

/// A real `redis-server` on a free loopback port, with persistence off (killed on drop).
pub struct RedisServer {
    child: Child,
    port: u16,
    log_path: PathBuf,
    dir: TempDir,
}

impl RedisServer {
    pub fn start() -> RedisServer {
        Self::start_with(&[])
    }

    /// Starts redis-server with extra `--name value` arguments (e.g. `&["--databases", "4"]`).
    pub fn start_with(extra_args: &[&str]) -> RedisServer {
        match Command::new("redis-server").arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status() {
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                panic!("redis-server is not installed (not found in PATH); the differential tests need Redis 7")
            }
            Err(e) => panic!("cannot run redis-server: {e}"),
        }
        let mut last_log = String::new();
        for _ in 0..3 {
            let port = free_port();
            match Self::try_start_on(port, extra_args) {
                Ok(server) => return server,
                Err(log) => last_log = log,
            }
        }
        panic!("redis-server failed to start three times. Last log:\n{last_log}");
    }

    fn try_start_on(port: u16, extra_args: &[&str]) -> Result<RedisServer, String> {
        let dir = TempDir::new("redis");
        let log_path = dir.join("redis.log");
        let log = File::create(&log_path).unwrap_or_else(|e| panic!("cannot create {}: {e}", log_path.display()));
        let log_err = log.try_clone().unwrap_or_else(|e| panic!("cannot clone log file handle: {e}"));
        let dir_arg = dir.path().to_string_lossy().into_owned();
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .args(["--dir", &dir_arg])
            .args(extra_args)
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::from(log))
            .stderr(Stdio::from(log_err))
            .spawn()
            .unwrap_or_else(|e| panic!("cannot spawn redis-server: {e}"));
        let mut server = RedisServer { child, port, log_path, dir };
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Ok(Some(status)) = server.child.try_wait() {
                return Err(format!("redis-server exited early with {status}\n{}", read_lossy(&server.log_path)));
            }
            if let Ok(mut conn) = RespConn::try_connect(port) {
                if let Ok(reply) = conn.try_cmd(&["PING"]) {
                    if reply == Reply::Simple("PONG".into()) {
                        return Ok(server);
                    }
                }
            }
            if Instant::now() >= deadline {
                let _ = server.child.kill();
                let _ = server.child.wait();
                return Err(format!("redis-server not answering PING\n{}", read_lossy(&server.log_path)));
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from((LOOPBACK, self.port))
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    pub fn log(&self) -> String {
        read_lossy(&self.log_path)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn conn(&self) -> RespConn {
        RespConn::connect(self.port)
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------------------------
// RESP replies
// ---------------------------------------------------------------------------------------------

/// One RESP2/RESP3 reply. Text-like payloads of doubles and big numbers are kept verbatim so that
/// formatting differences (`1.5` vs `1.50`, `inf`) are visible to comparisons.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reply {
    /// `+...`
    Simple(String),
    /// `-...` and RESP3 blob errors `!...`
    Error(String),
    /// `:...`
    Integer(i64),
    /// `$n ...`
    Bulk(Vec<u8>),
    /// RESP2 `$-1`
    NullBulk,
    /// RESP2 `*-1`
    NullArray,
    /// RESP3 `_`
    Null,
    /// `*n ...`
    Array(Vec<Reply>),
    /// RESP3 `%n ...`
    Map(Vec<(Reply, Reply)>),
    /// RESP3 `~n ...`
    Set(Vec<Reply>),
    /// RESP3 `,...` as sent (e.g. `1.5`, `inf`, `-inf`, `nan`)
    Double(String),
    /// RESP3 `#t` / `#f`
    Boolean(bool),
    /// RESP3 `(...` as sent
    BigNumber(String),
    /// RESP3 `=n fmt:text`
    Verbatim { format: String, text: Vec<u8> },
    /// RESP3 `>n ...`
    Push(Vec<Reply>),
    /// RESP3 `|n ...` attributes followed by the reply they annotate
    Attribute { attrs: Vec<(Reply, Reply)>, reply: Box<Reply> },
}

impl Reply {
    pub fn ok() -> Reply {
        Reply::Simple("OK".into())
    }

    pub fn bulk(s: impl AsRef<[u8]>) -> Reply {
        Reply::Bulk(s.as_ref().to_vec())
    }

    pub fn simple(s: &str) -> Reply {
        Reply::Simple(s.into())
    }

    pub fn error(s: &str) -> Reply {
        Reply::Error(s.into())
    }

    /// An array of bulk strings.
    pub fn bulks<S: AsRef<[u8]>>(items: &[S]) -> Reply {
        Reply::Array(items.iter().map(Reply::bulk).collect())
    }

    pub fn is_error(&self) -> bool {
        matches!(self, Reply::Error(_))
    }

    /// Any of the three null encodings.
    pub fn is_null(&self) -> bool {
        matches!(self, Reply::Null | Reply::NullBulk | Reply::NullArray)
    }

    pub fn as_int(&self) -> Option<i64> {
        match self {
            Reply::Integer(i) => Some(*i),
            _ => None,
        }
    }

    /// The payload of a bulk, simple, verbatim or error reply.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Reply::Bulk(b) => Some(b),
            Reply::Simple(s) | Reply::Error(s) => Some(s.as_bytes()),
            Reply::Verbatim { text, .. } => Some(text),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        self.as_bytes().and_then(|b| std::str::from_utf8(b).ok())
    }

    pub fn as_array(&self) -> Option<&[Reply]> {
        match self {
            Reply::Array(v) | Reply::Set(v) | Reply::Push(v) => Some(v),
            _ => None,
        }
    }

    /// The text of a simple, bulk or verbatim string; panics on any other reply.
    pub fn text(&self) -> String {
        match self {
            Reply::Simple(s) => s.clone(),
            Reply::Bulk(b) | Reply::Verbatim { text: b, .. } => String::from_utf8_lossy(b).into_owned(),
            other => panic!("not a string: {other:?}"),
        }
    }

    /// The text of an error reply; panics on any other reply.
    pub fn err(&self) -> String {
        match self {
            Reply::Error(s) => s.clone(),
            other => panic!("not an error: {other:?}"),
        }
    }

    /// The value of an integer reply; panics on any other reply.
    pub fn int(&self) -> i64 {
        self.as_int().unwrap_or_else(|| panic!("not an integer: {self:?}"))
    }

    /// The elements of an array, set or push; panics on any other reply.
    pub fn items(&self) -> Vec<Reply> {
        self.as_array().unwrap_or_else(|| panic!("not an array: {self:?}")).to_vec()
    }

    /// The pairs of a map, or of a flat RESP2 array of pairs; panics on any other reply.
    pub fn pairs(&self) -> Vec<(Reply, Reply)> {
        match self {
            Reply::Map(m) => m.clone(),
            Reply::Array(v) if v.len() % 2 == 0 => v.chunks(2).map(|c| (c[0].clone(), c[1].clone())).collect(),
            other => panic!("not a map: {other:?}"),
        }
    }

    /// The value of `key` in a map (or flat RESP2 array of pairs); panics if it is missing.
    pub fn field(&self, key: &str) -> Reply {
        self.pairs()
            .into_iter()
            .find(|(k, _)| k.as_bytes() == Some(key.as_bytes()))
            .map(|(_, v)| v)
            .unwrap_or_else(|| panic!("no {key} in {self:?}"))
    }

    /// The value of a RESP3 double (or of a bulk string holding a number, as RESP2 sends scores).
    pub fn as_f64(&self) -> Option<f64> {
        let text = match self {
            Reply::Double(s) => s.as_str(),
            Reply::Bulk(b) => std::str::from_utf8(b).ok()?,
            _ => return None,
        };
        match text {
            "inf" | "+inf" => Some(f64::INFINITY),
            "-inf" => Some(f64::NEG_INFINITY),
            _ => text.parse().ok(),
        }
    }

    /// A short name of the reply's type, e.g. `"bulk"`, `"array"`, `"map"`.
    pub fn kind(&self) -> &'static str {
        match self {
            Reply::Simple(_) => "simple",
            Reply::Error(_) => "error",
            Reply::Integer(_) => "integer",
            Reply::Bulk(_) => "bulk",
            Reply::NullBulk => "null-bulk",
            Reply::NullArray => "null-array",
            Reply::Null => "null",
            Reply::Array(_) => "array",
            Reply::Map(_) => "map",
            Reply::Set(_) => "set",
            Reply::Double(_) => "double",
            Reply::Boolean(_) => "boolean",
            Reply::BigNumber(_) => "big-number",
            Reply::Verbatim { .. } => "verbatim",
            Reply::Push(_) => "push",
            Reply::Attribute { .. } => "attribute",
        }
    }

    /// A copy with every array, set and push sorted (recursively, elements normalised first) and
    /// map entries sorted by key: the normal form for replies whose order Redis leaves unspecified.
    pub fn sorted(&self) -> Reply {
        fn sort_list(items: &[Reply]) -> Vec<Reply> {
            let mut v: Vec<Reply> = items.iter().map(Reply::sorted).collect();
            v.sort();
            v
        }
        match self {
            Reply::Array(v) => Reply::Array(sort_list(v)),
            Reply::Set(v) => Reply::Set(sort_list(v)),
            Reply::Push(v) => Reply::Push(sort_list(v)),
            Reply::Map(entries) => {
                let mut e: Vec<(Reply, Reply)> = entries.iter().map(|(k, v)| (k.sorted(), v.sorted())).collect();
                e.sort();
                Reply::Map(e)
            }
            Reply::Attribute { attrs, reply } => {
                let mut a: Vec<(Reply, Reply)> = attrs.iter().map(|(k, v)| (k.sorted(), v.sorted())).collect();
                a.sort();
                Reply::Attribute { attrs: a, reply: Box::new(reply.sorted()) }
            }
            other => other.clone(),
        }
    }

    /// True if both replies have the same shape: the same type everywhere, and aggregates have the
    /// same length. Values of scalars are not compared.
    pub fn same_shape(&self, other: &Reply) -> bool {
        fn lists(a: &[Reply], b: &[Reply]) -> bool {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.same_shape(y))
        }
        fn pairs(a: &[(Reply, Reply)], b: &[(Reply, Reply)]) -> bool {
            a.len() == b.len() && a.iter().zip(b).all(|((k1, v1), (k2, v2))| k1.same_shape(k2) && v1.same_shape(v2))
        }
        match (self, other) {
            (Reply::Array(a), Reply::Array(b)) | (Reply::Set(a), Reply::Set(b)) | (Reply::Push(a), Reply::Push(b)) => {
                lists(a, b)
            }
            (Reply::Map(a), Reply::Map(b)) => pairs(a, b),
            (Reply::Attribute { attrs: a, reply: r1 }, Reply::Attribute { attrs: b, reply: r2 }) => {
                pairs(a, b) && r1.same_shape(r2)
            }
            _ => self.kind() == other.kind(),
        }
    }

    /// Equality where integers may differ by up to `tolerance` (recursively); used for TTLs.
    pub fn approx_eq(&self, other: &Reply, tolerance: i64) -> bool {
        fn lists(a: &[Reply], b: &[Reply], t: i64) -> bool {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.approx_eq(y, t))
        }
        fn pairs(a: &[(Reply, Reply)], b: &[(Reply, Reply)], t: i64) -> bool {
            a.len() == b.len() && a.iter().zip(b).all(|((k1, v1), (k2, v2))| k1.approx_eq(k2, t) && v1.approx_eq(v2, t))
        }
        match (self, other) {
            (Reply::Integer(a), Reply::Integer(b)) => a.abs_diff(*b) <= tolerance.unsigned_abs(),
            (Reply::Array(a), Reply::Array(b)) | (Reply::Set(a), Reply::Set(b)) | (Reply::Push(a), Reply::Push(b)) => {
                lists(a, b, tolerance)
            }
            (Reply::Map(a), Reply::Map(b)) => pairs(a, b, tolerance),
            _ => self == other,
        }
    }
}

fn escape_bytes(bytes: &[u8], f: &mut fmt::Formatter<'_>) -> fmt::Result {
    f.write_str("\"")?;
    for &b in bytes {
        match b {
            b'"' => f.write_str("\\\"")?,
            b'\\' => f.write_str("\\\\")?,
            b'\n' => f.write_str("\\n")?,
            b'\r' => f.write_str("\\r")?,
            b'\t' => f.write_str("\\t")?,
            0x20..=0x7e => write!(f, "{}", b as char)?,
            _ => write!(f, "\\x{b:02x}")?,
        }
    }
    f.write_str("\"")
}

/// redis-cli-like rendering: `"bulk"`, `+simple`, `-ERR ...`, `(integer) 1`, `[a, b]`, `{k: v}`.
impl fmt::Debug for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn list(f: &mut fmt::Formatter<'_>, open: &str, items: &[Reply], close: &str) -> fmt::Result {
            f.write_str(open)?;
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{item:?}")?;
            }
            f.write_str(close)
        }
        fn map(f: &mut fmt::Formatter<'_>, open: &str, entries: &[(Reply, Reply)]) -> fmt::Result {
            f.write_str(open)?;
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{k:?}: {v:?}")?;
            }
            f.write_str("}")
        }
        match self {
            Reply::Simple(s) => write!(f, "+{s}"),
            Reply::Error(s) => write!(f, "-{s}"),
            Reply::Integer(i) => write!(f, "(integer) {i}"),
            Reply::Bulk(b) => escape_bytes(b, f),
            Reply::NullBulk => f.write_str("(nil bulk)"),
            Reply::NullArray => f.write_str("(nil array)"),
            Reply::Null => f.write_str("(null)"),
            Reply::Array(v) => list(f, "[", v, "]"),
            Reply::Set(v) => list(f, "set[", v, "]"),
            Reply::Push(v) => list(f, "push[", v, "]"),
            Reply::Map(m) => map(f, "{", m),
            Reply::Double(d) => write!(f, "(double) {d}"),
            Reply::Boolean(b) => write!(f, "(boolean) {b}"),
            Reply::BigNumber(n) => write!(f, "(big number) {n}"),
            Reply::Verbatim { format, text } => {
                write!(f, "(verbatim {format}) ")?;
                escape_bytes(text, f)
            }
            Reply::Attribute { attrs, reply } => {
                map(f, "attrs{", attrs)?;
                write!(f, " {reply:?}")
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Raw RESP client
// ---------------------------------------------------------------------------------------------

/// Encodes `args` as a RESP array of bulk strings (what clients send).
pub fn encode_command<A: AsRef<[u8]>>(args: &[A]) -> Vec<u8> {
    let mut out = Vec::with_capacity(16 + args.iter().map(|a| a.as_ref().len() + 16).sum::<usize>());
    out.extend_from_slice(format!("*{}\r\n", args.len()).as_bytes());
    for a in args {
        let a = a.as_ref();
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
    out
}

fn invalid(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg)
}

/// A blocking RESP connection. Methods without `try_` panic on I/O or protocol errors (with the
/// cause in the message); the `try_` variants return them, e.g. to observe a closed connection
/// (`io::ErrorKind::UnexpectedEof`).
pub struct RespConn {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
    port: u16,
}

impl RespConn {
    pub fn connect(port: u16) -> RespConn {
        Self::try_connect(port).unwrap_or_else(|e| panic!("cannot connect to 127.0.0.1:{port}: {e}"))
    }

    pub fn try_connect(port: u16) -> io::Result<RespConn> {
        let stream = TcpStream::connect((LOOPBACK, port))?;
        stream.set_read_timeout(Some(READ_TIMEOUT))?;
        stream.set_nodelay(true)?;
        let writer = stream.try_clone()?;
        Ok(RespConn { reader: BufReader::new(stream), writer, port })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Changes the read timeout (e.g. shorter when expecting silence).
    pub fn set_read_timeout(&self, timeout: Option<Duration>) {
        if let Err(e) = self.writer.set_read_timeout(timeout) {
            panic!("set_read_timeout: {e}");
        }
    }

    /// Writes bytes as they are (inline commands, pipelines, malformed input).
    pub fn send_raw(&mut self, bytes: &[u8]) {
        if let Err(e) = self.try_send_raw(bytes) {
            panic!("write to 127.0.0.1:{} failed: {e}", self.port);
        }
    }

    pub fn try_send_raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.writer.write_all(bytes)?;
        self.writer.flush()
    }

    /// Sends one command without reading the reply (for pipelining).
    pub fn send<A: AsRef<[u8]>>(&mut self, args: &[A]) {
        self.send_raw(&encode_command(args));
    }

    /// Sends one command and reads its reply. `args` may be `&[&[u8]]`, `&[&str]`, `&[Vec<u8>]`...
    pub fn cmd<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Reply {
        self.send(args);
        self.read_reply()
    }

    pub fn try_cmd<A: AsRef<[u8]>>(&mut self, args: &[A]) -> io::Result<Reply> {
        self.try_send_raw(&encode_command(args))?;
        self.try_read_reply()
    }

    pub fn read_reply(&mut self) -> Reply {
        self.try_read_reply().unwrap_or_else(|e| panic!("reading a reply from 127.0.0.1:{} failed: {e}", self.port))
    }

    pub fn try_read_reply(&mut self) -> io::Result<Reply> {
        read_reply_from(&mut self.reader)
    }

    /// Reads one reply and the exact bytes it arrived as (for byte-for-byte comparisons).
    pub fn try_read_reply_raw(&mut self) -> io::Result<(Reply, Vec<u8>)> {
        let mut raw = Vec::new();
        let reply = read_reply_from(&mut Recording { inner: &mut self.reader, log: &mut raw })?;
        Ok((reply, raw))
    }

    pub fn read_reply_raw(&mut self) -> (Reply, Vec<u8>) {
        self.try_read_reply_raw().unwrap_or_else(|e| panic!("reading a reply from 127.0.0.1:{} failed: {e}", self.port))
    }

    /// Sends one command and returns the exact bytes of its reply.
    pub fn cmd_raw<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Vec<u8> {
        self.send(args);
        self.read_reply_raw().1
    }

    /// True if data (a reply, a push) arrives within `timeout`; nothing is consumed.
    pub fn has_data_within(&mut self, timeout: Duration) -> bool {
        if !self.reader.buffer().is_empty() {
            return true;
        }
        self.set_read_timeout(Some(timeout));
        let ready = matches!(self.reader.fill_buf(), Ok(b) if !b.is_empty());
        self.set_read_timeout(Some(READ_TIMEOUT));
        ready
    }

    /// Reads and discards everything until the server closes the connection (EOF or reset):
    /// true if that happens within `timeout`, false if the connection is still open by then.
    pub fn drain_until_closed(&mut self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut sink = vec![0u8; 1 << 16];
        let closed = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break false;
            }
            self.set_read_timeout(Some(left));
            match self.reader.read(&mut sink) {
                Ok(0) => break true,
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => break false,
                Err(_) => break true,
            }
        };
        self.set_read_timeout(Some(READ_TIMEOUT));
        closed
    }

    /// True if the server closed the connection (EOF or reset) within `timeout`; false if it is
    /// still open and silent. Panics if data arrives instead.
    pub fn is_closed_within(&mut self, timeout: Duration) -> bool {
        self.set_read_timeout(Some(timeout));
        let mut byte = [0u8; 1];
        let result = match self.reader.read(&mut byte) {
            Ok(0) => true,
            Ok(_) => panic!("expected the connection to close, got data starting with {:?}", byte[0] as char),
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => false,
            Err(_) => true,
        };
        self.set_read_timeout(Some(READ_TIMEOUT));
        result
    }
}

/// A reader that copies every byte consumed from `inner` into `log`.
struct Recording<'a, R> {
    inner: &'a mut R,
    log: &'a mut Vec<u8>,
}

impl<R: BufRead> Read for Recording<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Recording<'_, R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        // `amt` bytes were just returned by `fill_buf`, so this one does no I/O.
        if amt > 0 {
            if let Ok(buf) = self.inner.fill_buf() {
                self.log.extend_from_slice(&buf[..amt.min(buf.len())]);
            }
        }
        self.inner.consume(amt);
    }
}

fn read_line(r: &mut impl BufRead) -> io::Result<Vec<u8>> {
    let mut line = Vec::new();
    let n = r.read_until(b'\n', &mut line)?;
    if n == 0 {
        return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "connection closed"));
    }
    if !line.ends_with(b"\r\n") {
        return Err(invalid(format!("line not terminated by CRLF: {:?}", String::from_utf8_lossy(&line))));
    }
    line.truncate(line.len() - 2);
    Ok(line)
}

fn line_str(line: &[u8]) -> io::Result<String> {
    String::from_utf8(line.to_vec()).map_err(|_| invalid(format!("non-UTF-8 line {line:?}")))
}

fn parse_int(line: &[u8]) -> io::Result<i64> {
    line_str(line)?.parse().map_err(|_| invalid(format!("bad integer {:?}", String::from_utf8_lossy(line))))
}

fn read_blob(r: &mut impl BufRead, len: i64) -> io::Result<Vec<u8>> {
    let len = usize::try_from(len).map_err(|_| invalid(format!("bad length {len}")))?;
    let mut buf = vec![0u8; len + 2];
    r.read_exact(&mut buf)?;
    if !buf.ends_with(b"\r\n") {
        return Err(invalid("blob not terminated by CRLF".into()));
    }
    buf.truncate(len);
    Ok(buf)
}

fn read_list(r: &mut impl BufRead, len: i64) -> io::Result<Vec<Reply>> {
    (0..len).map(|_| read_reply_from(r)).collect()
}

fn read_pairs(r: &mut impl BufRead, len: i64) -> io::Result<Vec<(Reply, Reply)>> {
    (0..len).map(|_| Ok((read_reply_from(r)?, read_reply_from(r)?))).collect()
}

/// Reads one RESP2/RESP3 reply.
pub fn read_reply_from(r: &mut impl BufRead) -> io::Result<Reply> {
    let line = read_line(r)?;
    let Some((&tag, rest)) = line.split_first() else {
        return Err(invalid("empty reply line".into()));
    };
    Ok(match tag {
        b'+' => Reply::Simple(line_str(rest)?),
        b'-' => Reply::Error(line_str(rest)?),
        b':' => Reply::Integer(parse_int(rest)?),
        b'$' => match parse_int(rest)? {
            -1 => Reply::NullBulk,
            n => Reply::Bulk(read_blob(r, n)?),
        },
        b'*' => match parse_int(rest)? {
            -1 => Reply::NullArray,
            n => Reply::Array(read_list(r, n)?),
        },
        b'_' if rest.is_empty() => Reply::Null,
        b',' => Reply::Double(line_str(rest)?),
        b'#' => match rest {
            b"t" => Reply::Boolean(true),
            b"f" => Reply::Boolean(false),
            _ => return Err(invalid(format!("bad boolean {:?}", String::from_utf8_lossy(rest)))),
        },
        b'(' => Reply::BigNumber(line_str(rest)?),
        b'!' => {
            let n = parse_int(rest)?;
            Reply::Error(String::from_utf8_lossy(&read_blob(r, n)?).into_owned())
        }
        b'=' => {
            let n = parse_int(rest)?;
            let blob = read_blob(r, n)?;
            if blob.len() < 4 || blob[3] != b':' {
                return Err(invalid("verbatim string without a 3-byte format prefix".into()));
            }
            Reply::Verbatim { format: String::from_utf8_lossy(&blob[..3]).into_owned(), text: blob[4..].to_vec() }
        }
        b'%' => Reply::Map(read_pairs(r, parse_int(rest)?)?),
        b'~' => Reply::Set(read_list(r, parse_int(rest)?)?),
        b'>' => Reply::Push(read_list(r, parse_int(rest)?)?),
        b'|' => {
            let attrs = read_pairs(r, parse_int(rest)?)?;
            Reply::Attribute { attrs, reply: Box::new(read_reply_from(r)?) }
        }
        _ => return Err(invalid(format!("unknown reply type in line {:?}", String::from_utf8_lossy(&line)))),
    })
}

// ---------------------------------------------------------------------------------------------
// Server state through INFO, and waiting for it
// ---------------------------------------------------------------------------------------------

/// Polls `condition` every 10 ms until it holds; panics naming `what` if `timeout` passes first.
pub fn wait_until(what: &str, timeout: Duration, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !condition() {
        assert!(Instant::now() < deadline, "timed out after {timeout:?} waiting for {what}");
        thread::sleep(Duration::from_millis(10));
    }
}

/// One line of the custom `INFO shards` section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShardLine {
    pub port: u64,
    pub keys: u64,
    pub commands: u64,
    pub local: u64,
    pub hops_out: u64,
    pub hops_in: u64,
}

impl RespConn {
    /// `INFO section` as `(field, value)` pairs, in order.
    pub fn info(&mut self, section: &str) -> Vec<(String, String)> {
        self.cmd(&["INFO", section])
            .text()
            .lines()
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.to_string(), v.trim().to_string()))
            .collect()
    }

    /// One field of `INFO section`; panics if it is missing.
    pub fn info_field(&mut self, section: &str, field: &str) -> String {
        let info = self.info(section);
        info.into_iter()
            .find(|(k, _)| k == field)
            .map(|(_, v)| v)
            .unwrap_or_else(|| panic!("INFO {section} has no field {field}"))
    }

    /// A numeric field of `INFO section`.
    pub fn info_u64(&mut self, section: &str, field: &str) -> u64 {
        let value = self.info_field(section, field);
        value.parse().unwrap_or_else(|_| panic!("INFO {field} is not a number: {value:?}"))
    }

    /// `INFO shards`, one entry per shard in shard order.
    pub fn shard_lines(&mut self) -> Vec<ShardLine> {
        let mut out = Vec::new();
        for (name, value) in self.info("shards") {
            let Some(index) = name.strip_prefix("shard") else { continue };
            assert_eq!(index.parse::<usize>().ok(), Some(out.len()), "INFO shards lines in order: {name}");
            let fields: HashMap<&str, u64> = value
                .split(',')
                .map(|pair| {
                    let (field, n) = pair.split_once('=').unwrap_or_else(|| panic!("bad INFO shards entry {pair:?}"));
                    (field, n.parse().unwrap_or_else(|_| panic!("bad INFO shards number {pair:?}")))
                })
                .collect();
            let get =
                |field: &str| fields.get(field).copied().unwrap_or_else(|| panic!("{name} has no {field}: {value}"));
            let line = ShardLine {
                port: get("port"),
                keys: get("keys"),
                commands: get("commands"),
                local: get("local"),
                hops_out: get("hops_out"),
                hops_in: get("hops_in"),
            };
            assert_eq!(fields.len(), 6, "unexpected fields in {name}: {value}");
            out.push(line);
        }
        out
    }

    /// Waits until the server counts exactly `n` connected clients (a server seen through
    /// [`Coreshard::start`] still counts its readiness probes until it notices them close).
    pub fn wait_connected_clients(&mut self, n: u64) {
        wait_until(&format!("{n} connected clients"), Duration::from_secs(5), || {
            self.info_u64("clients", "connected_clients") == n
        });
    }

    /// Waits until exactly `n` clients are blocked (registered for their keys on every shard).
    pub fn wait_blocked_clients(&mut self, n: u64) {
        wait_until(&format!("{n} blocked clients"), Duration::from_secs(10), || {
            self.info_u64("clients", "blocked_clients") == n
        });
    }
}

// ---------------------------------------------------------------------------------------------
// Keys and shards
// ---------------------------------------------------------------------------------------------

/// The shard that owns `key` on a server with `shards` shards.
pub fn shard_of(shards: usize, key: &str) -> usize {
    coreshard_engine::Router::new(shards)
        .unwrap_or_else(|e| panic!("no router for {shards} shards: {e}"))
        .shard_of(key.as_bytes())
}

/// The first of `prefix0`, `prefix1`, ... that shard `shard` of `shards` owns.
pub fn key_on(shards: usize, shard: usize, prefix: &str) -> String {
    assert!(shard < shards, "shard {shard} out of range ({shards} shards)");
    (0u32..)
        .map(|i| format!("{prefix}{i}"))
        .find(|k| shard_of(shards, k) == shard)
        .unwrap_or_else(|| panic!("no key {prefix}<n> on shard {shard}"))
}

// ---------------------------------------------------------------------------------------------
// Byte-for-byte comparison with redis-server
// ---------------------------------------------------------------------------------------------

/// Reads `replies` replies from both connections and describes the first one whose bytes differ
/// (`what` names the step in that description). All of them are read either way, so that the
/// next step starts in step. `ours` is coreshard, `theirs` the reference redis-server.
pub fn compare_replies(ours: &mut RespConn, theirs: &mut RespConn, replies: usize, what: &str) -> Result<(), String> {
    let mut first_difference = Ok(());
    for i in 1..=replies {
        let (got, want) = (ours.read_reply_raw().1, theirs.read_reply_raw().1);
        if got != want && first_difference.is_ok() {
            first_difference = Err(format!(
                "{what} (reply {i})\n  coreshard: {:?}\n  redis:     {:?}",
                String::from_utf8_lossy(&got),
                String::from_utf8_lossy(&want)
            ));
        }
    }
    first_difference
}

/// Sends `args` to both connections and compares the next `replies` replies (e.g. one per
/// channel of a SUBSCRIBE) with [`compare_replies`].
pub fn compare_bytes<A: AsRef<[u8]>>(
    ours: &mut RespConn,
    theirs: &mut RespConn,
    args: &[A],
    replies: usize,
) -> Result<(), String> {
    ours.send(args);
    theirs.send(args);
    let shown: Vec<String> = args.iter().map(|a| String::from_utf8_lossy(a.as_ref()).into_owned()).collect();
    compare_replies(ours, theirs, replies, &format!("{shown:?}"))
}

/// Runs every command of `script` (one reply each) with [`compare_bytes`] and panics listing
/// every mismatch.
pub fn assert_same_bytes<A: AsRef<[u8]>>(ours: &mut RespConn, theirs: &mut RespConn, script: &[Vec<A>]) {
    let mismatches: Vec<String> = script.iter().filter_map(|args| compare_bytes(ours, theirs, args, 1).err()).collect();
    assert!(mismatches.is_empty(), "replies differ from redis-server:\n{}", mismatches.join("\n"));
}

/// `script` written one command a line, arguments separated by whitespace.
pub fn words<S: AsRef<str>>(script: &[S]) -> Vec<Vec<String>> {
    script.iter().map(|line| line.as_ref().split_whitespace().map(str::to_string).collect()).collect()
}
