//! A minimal harness for the pub/sub and transaction tests: starts the real
//! binary (or a reference `redis-server`) on free loopback ports and speaks
//! raw RESP to it, so replies can be compared byte for byte.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A server process, killed on drop.
pub struct Proc {
    child: Child,
    /// The main port.
    pub port: u16,
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Proc {
    /// Shard `i`'s own port (coreshard only).
    pub fn shard_port(&self, i: usize) -> u16 {
        self.port + 1 + i as u16
    }

    /// A client on the main port.
    pub fn client(&self) -> Client {
        Client::connect(self.port)
    }

    /// A client on shard `i`'s port: its connection lives on core `i`.
    pub fn shard_client(&self, i: usize) -> Client {
        Client::connect(self.shard_port(i))
    }
}

static NEXT: AtomicU16 = AtomicU16::new(0);

/// `n` consecutive free ports.
fn free_ports(n: u16) -> u16 {
    let base = 20000 + (std::process::id() % 200) as u16 * 100;
    loop {
        let p = base + NEXT.fetch_add(n + 1, Ordering::Relaxed) % 9000;
        if (0..n).all(|i| TcpListener::bind(("127.0.0.1", p + i)).is_ok()) {
            return p;
        }
    }
}

/// Starts coreshard-server with two shards and `extra` flags.
pub fn coreshard(extra: &[&str]) -> Proc {
    for _ in 0..5 {
        let port = free_ports(3);
        let mut child = Command::new(env!("CARGO_BIN_EXE_coreshard-server"))
            .args(["--bind", "127.0.0.1", "--port", &port.to_string(), "--shard-port-base"])
            .arg((port + 1).to_string())
            .args(["--shards", "2", "--pin-cores", "off"])
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start coreshard-server");
        let (tx, rx) = mpsc::channel();
        let stderr = child.stderr.take().expect("stderr");
        std::thread::spawn(move || {
            let mut sent = false;
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if !sent && (line.contains("ready to accept connections") || line.contains("cannot listen")) {
                    let _ = tx.send(line.contains("ready"));
                    sent = true;
                }
            }
            if !sent {
                let _ = tx.send(false);
            }
        });
        match rx.recv_timeout(Duration::from_secs(20)) {
            Ok(true) => return Proc { child, port },
            _ => {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }
    panic!("coreshard-server did not start");
}

/// Starts a reference redis-server, or `None` when it is not installed.
pub fn redis() -> Option<Proc> {
    let port = free_ports(1);
    let mut child = Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        .args(["--daemonize", "no"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let stdout = child.stdout.take()?;
    child.stderr = None;
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut sent = false;
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if !sent && line.contains("Ready to accept connections") {
                let _ = tx.send(());
                sent = true;
            }
        }
    });
    rx.recv_timeout(Duration::from_secs(20)).ok()?;
    Some(Proc { child, port })
}

/// One decoded reply.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// `+...`
    Simple(String),
    /// `-...`
    Error(String),
    /// `:n`
    Int(i64),
    /// `$...` (`None` for `$-1`)
    Bulk(Option<Vec<u8>>),
    /// `*...` (`None` for `*-1`)
    Array(Option<Vec<Reply>>),
    /// `>...`
    Push(Vec<Reply>),
    /// `_`
    Null,
    /// `%...` as a flat list
    Map(Vec<Reply>),
    /// Any other RESP3 scalar, as its text.
    Other(u8, String),
}

impl Reply {
    /// A bulk string reply.
    pub fn bulk(s: &str) -> Reply {
        Reply::Bulk(Some(s.as_bytes().to_vec()))
    }

    /// The elements of an array or push.
    pub fn items(&self) -> &[Reply] {
        match self {
            Reply::Array(Some(v)) | Reply::Push(v) => v,
            _ => panic!("not an array: {self:?}"),
        }
    }
}

/// A raw RESP connection.
pub struct Client {
    stream: BufReader<TcpStream>,
    /// Every byte of the replies read so far (for byte-exact comparisons).
    pub raw: Vec<u8>,
}

impl Client {
    /// Connects to a loopback port.
    pub fn connect(port: u16) -> Client {
        let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        stream.set_nodelay(true).ok();
        stream.set_read_timeout(Some(Duration::from_secs(20))).ok();
        Client { stream: BufReader::new(stream), raw: Vec::new() }
    }

    /// The socket.
    pub fn stream(&self) -> &TcpStream {
        self.stream.get_ref()
    }

    /// Encodes a command.
    pub fn encode(args: &[&[u8]]) -> Vec<u8> {
        let mut out = format!("*{}\r\n", args.len()).into_bytes();
        for a in args {
            out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
            out.extend_from_slice(a);
            out.extend_from_slice(b"\r\n");
        }
        out
    }

    /// Sends a command given as space-separated words, without reading.
    pub fn send(&mut self, line: &str) {
        let args: Vec<&[u8]> = line.split_whitespace().map(str::as_bytes).collect();
        self.send_args(&args);
    }

    /// Sends a command given as arguments, without reading.
    pub fn send_args(&mut self, args: &[&[u8]]) {
        self.stream.get_mut().write_all(&Self::encode(args)).expect("write");
    }

    /// Sends a command and reads one reply.
    pub fn cmd(&mut self, line: &str) -> Reply {
        self.send(line);
        self.read()
    }

    /// Sends a command and returns the raw bytes of one reply.
    pub fn cmd_raw(&mut self, line: &str) -> Vec<u8> {
        self.send(line);
        self.read_raw()
    }

    /// Reads one reply.
    pub fn read(&mut self) -> Reply {
        self.try_read().expect("read reply")
    }

    /// Reads one reply and returns its bytes.
    pub fn read_raw(&mut self) -> Vec<u8> {
        let start = self.raw.len();
        self.read();
        self.raw[start..].to_vec()
    }

    /// Reads one reply; an error at end of input or on a timeout.
    pub fn try_read(&mut self) -> std::io::Result<Reply> {
        let mut line = Vec::new();
        self.stream.read_until(b'\n', &mut line)?;
        if line.is_empty() {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        self.raw.extend_from_slice(&line);
        let text = String::from_utf8_lossy(&line[1..line.len().saturating_sub(2)]).into_owned();
        let n = || text.parse::<i64>().expect("length");
        Ok(match line[0] {
            b'+' => Reply::Simple(text),
            b'-' => Reply::Error(text),
            b':' => Reply::Int(n()),
            b'_' => Reply::Null,
            b'$' | b'=' if n() < 0 => Reply::Bulk(None),
            b'$' | b'=' => {
                let mut buf = vec![0; n() as usize + 2];
                self.stream.read_exact(&mut buf)?;
                self.raw.extend_from_slice(&buf);
                buf.truncate(buf.len() - 2);
                Reply::Bulk(Some(buf))
            }
            b'*' if n() < 0 => Reply::Array(None),
            b'*' | b'~' => Reply::Array(Some((0..n()).map(|_| self.try_read()).collect::<Result<_, _>>()?)),
            b'>' => Reply::Push((0..n()).map(|_| self.try_read()).collect::<Result<_, _>>()?),
            b'%' => Reply::Map((0..2 * n()).map(|_| self.try_read()).collect::<Result<_, _>>()?),
            other => Reply::Other(other, text),
        })
    }

    /// Sets a read timeout (`None`: wait forever).
    pub fn set_timeout(&self, t: Option<Duration>) {
        self.stream.get_ref().set_read_timeout(t).ok();
    }

    /// Waits until `f` holds, polling every few milliseconds.
    pub fn eventually(what: &str, mut f: impl FnMut() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !f() {
            assert!(Instant::now() < deadline, "timed out waiting for: {what}");
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

/// The shard (of 2) owning `key`.
pub fn shard_of(key: &str) -> usize {
    coreshard_engine::Router::new(2).expect("router").shard_of(key.as_bytes())
}

/// A key named `prefix<n>` owned by shard `shard`.
pub fn key_on(shard: usize, prefix: &str) -> String {
    (0..).map(|i| format!("{prefix}{i}")).find(|k| shard_of(k) == shard).expect("some key")
}
