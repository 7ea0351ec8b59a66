//! Starts the real `coreshard-server` binary on free ports and talks RESP to
//! it over TCP, for the admin and cluster integration tests.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A running server process, killed on drop.
pub struct Server {
    child: Child,
    /// Main port.
    pub port: u16,
    /// Shard 0's port; shard i listens on `shard_base + i`.
    pub shard_base: u16,
    log: Arc<Mutex<String>>,
}

fn ports_free(base: u16, n: u16) -> bool {
    (0..n).all(|i| TcpListener::bind(("127.0.0.1", base + i)).is_ok())
}

fn pick_base(n: u16) -> u16 {
    use std::sync::atomic::{AtomicU16, Ordering};
    static NEXT: AtomicU16 = AtomicU16::new(0);
    let seed = (std::process::id() as u16).wrapping_mul(97);
    loop {
        let k = NEXT.fetch_add(1, Ordering::Relaxed);
        let base = 20000 + (seed.wrapping_add(k.wrapping_mul(7)) % 4000) * 10;
        if ports_free(base, n) {
            return base;
        }
    }
}

impl Server {
    /// Starts a server with 2 shards and no pinning, plus `extra` flags.
    pub fn start(extra: &[&str]) -> Server {
        for _ in 0..10 {
            let port = pick_base(3);
            if let Some(s) = Server::try_start(port, extra) {
                return s;
            }
        }
        panic!("could not start coreshard-server");
    }

    fn try_start(port: u16, extra: &[&str]) -> Option<Server> {
        let mut child = Command::new(env!("CARGO_BIN_EXE_coreshard-server"))
            .args(["--port", &port.to_string(), "--shard-port-base", &(port + 1).to_string()])
            .args(["--shards", "2", "--pin-cores", "off"])
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn coreshard-server");
        let stderr = child.stderr.take().expect("stderr");
        let log = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if line.contains("ready to accept connections") {
                    let _ = tx.send(());
                }
                let mut l = sink.lock().unwrap();
                l.push_str(&line);
                l.push('\n');
            }
        });
        let ready = rx.recv_timeout(Duration::from_secs(30)).is_ok();
        if !ready {
            let _ = child.kill();
            let _ = child.wait();
            eprintln!("server did not start:\n{}", log.lock().unwrap());
            return None;
        }
        Some(Server { child, port, shard_base: port + 1, log })
    }

    /// Port of shard `i`.
    pub fn shard_port(&self, i: usize) -> u16 {
        self.shard_base + i as u16
    }

    /// Process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// A raw RESP connection to the main port.
    pub fn conn(&self) -> Conn {
        Conn::connect(self.port)
    }

    /// A raw RESP connection to shard `i`'s port (served by core `i`).
    pub fn shard_conn(&self, i: usize) -> Conn {
        Conn::connect(self.shard_port(i))
    }

    /// Everything the server logged so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Waits for the process to exit.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return Some(status);
            }
            if Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Sends a signal with the system's `kill`.
    pub fn signal(&self, sig: &str) {
        let st = Command::new("kill").args([sig, &self.pid().to_string()]).status().expect("kill");
        assert!(st.success());
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A RESP2/RESP3 reply.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    Simple(String),
    Error(String),
    Int(i64),
    Bulk(Vec<u8>),
    Nil,
    Array(Vec<Reply>),
    Map(Vec<(Reply, Reply)>),
    Set(Vec<Reply>),
    Double(String),
    Bool(bool),
    Verbatim(String),
    Push(Vec<Reply>),
}

impl Reply {
    /// The text of a simple, bulk or verbatim string.
    pub fn text(&self) -> String {
        match self {
            Reply::Simple(s) | Reply::Verbatim(s) => s.clone(),
            Reply::Bulk(b) => String::from_utf8_lossy(b).into_owned(),
            other => panic!("not a string: {other:?}"),
        }
    }

    /// The error text.
    pub fn err(&self) -> String {
        match self {
            Reply::Error(s) => s.clone(),
            other => panic!("not an error: {other:?}"),
        }
    }

    pub fn int(&self) -> i64 {
        match self {
            Reply::Int(n) => *n,
            other => panic!("not an integer: {other:?}"),
        }
    }

    /// Elements of an array, set or push.
    pub fn items(&self) -> Vec<Reply> {
        match self {
            Reply::Array(v) | Reply::Set(v) | Reply::Push(v) => v.clone(),
            other => panic!("not an array: {other:?}"),
        }
    }

    /// Pairs of a map, or of a flat RESP2 array of pairs.
    pub fn pairs(&self) -> Vec<(Reply, Reply)> {
        match self {
            Reply::Map(m) => m.clone(),
            Reply::Array(v) => v.chunks(2).map(|c| (c[0].clone(), c[1].clone())).collect(),
            other => panic!("not a map: {other:?}"),
        }
    }

    /// The value of `key` in a map reply.
    pub fn field(&self, key: &str) -> Reply {
        self.pairs()
            .into_iter()
            .find(|(k, _)| k.text() == key)
            .map(|(_, v)| v)
            .unwrap_or_else(|| panic!("no {key} in {self:?}"))
    }
}

/// A raw RESP connection.
pub struct Conn {
    pub stream: TcpStream,
    reader: BufReader<TcpStream>,
}

/// Encodes a command as a RESP multibulk.
pub fn encode(args: &[&[u8]]) -> Vec<u8> {
    let mut v = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        v.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        v.extend_from_slice(a);
        v.extend_from_slice(b"\r\n");
    }
    v
}

impl Conn {
    pub fn connect(port: u16) -> Conn {
        let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let reader = BufReader::new(stream.try_clone().unwrap());
        Conn { stream, reader }
    }

    /// Sends one command.
    pub fn send(&mut self, args: &[&str]) {
        let a: Vec<&[u8]> = args.iter().map(|s| s.as_bytes()).collect();
        self.stream.write_all(&encode(&a)).unwrap();
    }

    /// Sends one command and reads its reply.
    pub fn cmd(&mut self, args: &[&str]) -> Reply {
        self.send(args);
        self.read()
    }

    /// Reads one reply.
    pub fn read(&mut self) -> Reply {
        self.try_read().expect("connection closed")
    }

    /// Reads one reply; `None` at end of stream.
    pub fn try_read(&mut self) -> Option<Reply> {
        let mut line = String::new();
        match self.reader.read_line(&mut line) {
            Ok(0) => return None,
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return None,
            Err(e) => panic!("read: {e}"),
        }
        let line = line.trim_end_matches("\r\n").to_string();
        let (tag, rest) = line.split_at(1);
        let n = || rest.parse::<i64>().unwrap();
        Some(match tag {
            "+" => Reply::Simple(rest.to_string()),
            "-" => Reply::Error(rest.to_string()),
            ":" => Reply::Int(n()),
            "$" | "=" if n() < 0 => Reply::Nil,
            "$" | "=" => {
                let mut buf = vec![0; n() as usize + 2];
                self.reader.read_exact(&mut buf).unwrap();
                buf.truncate(buf.len() - 2);
                if tag == "=" {
                    Reply::Verbatim(String::from_utf8_lossy(&buf[4..]).into_owned())
                } else {
                    Reply::Bulk(buf)
                }
            }
            "*" if n() < 0 => Reply::Nil,
            "*" => Reply::Array((0..n()).map(|_| self.read()).collect()),
            "~" => Reply::Set((0..n()).map(|_| self.read()).collect()),
            ">" => Reply::Push((0..n()).map(|_| self.read()).collect()),
            "%" => Reply::Map((0..n()).map(|_| (self.read(), self.read())).collect()),
            "_" => Reply::Nil,
            "," => Reply::Double(rest.to_string()),
            "#" => Reply::Bool(rest == "t"),
            other => panic!("unknown reply type {other}: {line}"),
        })
    }

    /// Whether the server closed the connection (reads end of stream
    /// within `timeout`).
    pub fn closed_within(&mut self, timeout: Duration) -> bool {
        self.stream.set_read_timeout(Some(timeout)).unwrap();
        let mut b = [0u8; 1];
        let r = matches!(self.reader.read(&mut b), Ok(0) | Err(_));
        self.stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        r
    }
}

/// `INFO` as `(field, value)` pairs.
pub fn info(c: &mut Conn, section: &str) -> Vec<(String, String)> {
    c.cmd(&["INFO", section])
        .text()
        .lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.to_string(), v.trim().to_string()))
        .collect()
}

/// One INFO field.
pub fn info_field(c: &mut Conn, section: &str, field: &str) -> String {
    info(c, section).into_iter().find(|(k, _)| k == field).map(|(_, v)| v).unwrap_or_else(|| panic!("no {field}"))
}

/// Per-shard counters from `INFO shards`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ShardLine {
    pub port: u64,
    pub keys: u64,
    pub commands: u64,
    pub local: u64,
    pub hops_out: u64,
    pub hops_in: u64,
}

pub fn shards(c: &mut Conn) -> Vec<ShardLine> {
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
