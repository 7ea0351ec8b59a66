//! Commands that panic, compiled into the server's own unit tests only: they
//! check that a panicking command is caught the same way on every path (the
//! shard's own core, a hop to another core, the connection) and that the
//! server keeps serving.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;

use crate::commands::prelude::*;
use crate::commands::server::SERVER;
use crate::{Config, Server};

/// `PANIC-ON-SHARD key`: panics on the shard owning `key`.
pub const PANIC_ON_SHARD: Command = SERVER
    .command("panic-on-shard", 2, Run::Shard(on_shard))
    .flags(Flags::WRITE)
    .keys(KeySpec::FIRST)
    .doc("7.0.0", "Panics on the shard owning the key (tests only).");

/// `PANIC-ON-CONN`: panics on the connection, after it started its reply.
pub const PANIC_ON_CONN: Command =
    SERVER.command("panic-on-conn", 1, Run::Async(on_conn)).doc("7.0.0", "Panics on the connection (tests only).");

/// The family.
pub const COMMANDS: &[&Command] = &[&PANIC_ON_SHARD, &PANIC_ON_CONN];

fn on_shard(c: &mut ShardCall<'_>, _args: &[Bytes]) -> CmdResult {
    c.out.array(2);
    panic!("injected panic on shard {}", c.shard.id());
}

fn on_conn(conn: &mut Conn, _args: Vec<Bytes>) -> LocalFuture<'_> {
    Box::pin(async move {
        conn.out.array(2);
        panic!("injected panic on the connection");
    })
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("free port")
}

/// One request; its reply when it is a line, or a bulk string's content.
fn ask(conn: &mut (TcpStream, BufReader<TcpStream>), args: &[&str]) -> String {
    let mut req = format!("*{}\r\n", args.len());
    for a in args {
        req.push_str(&format!("${}\r\n{a}\r\n", a.len()));
    }
    conn.0.write_all(req.as_bytes()).expect("write");
    reply(conn)
}

/// The next reply: a line, or a bulk string's content.
fn reply(conn: &mut (TcpStream, BufReader<TcpStream>)) -> String {
    let mut line = String::new();
    conn.1.read_line(&mut line).expect("read");
    let Some(len) = line.strip_prefix('$').and_then(|n| n.trim().parse::<usize>().ok()) else { return line };
    let mut body = vec![0; len + 2];
    std::io::Read::read_exact(&mut conn.1, &mut body).expect("bulk body");
    String::from_utf8_lossy(&body[..len]).into_owned()
}

fn connect(port: u16) -> (TcpStream, BufReader<TcpStream>) {
    let s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    let r = BufReader::new(s.try_clone().expect("clone"));
    (s, r)
}

#[test]
fn a_panicking_command_gets_the_same_error_on_every_path_and_the_server_keeps_serving() {
    let port = free_port();
    let config = Config {
        port,
        shards: 2,
        shard_ports: false,
        pin_cores: Some(Vec::new()),
        appendonly: false,
        ..Config::default()
    };
    let server = Server::start(config).expect("start");
    let router = server.state().handle.router().clone();
    // One key per shard: whichever core this connection landed on, one of
    // them runs there and the other hops to the other core.
    let key = |shard: usize| (0..).map(|i| format!("k{i}")).find(|k| router.shard_of(k.as_bytes()) == shard);
    let (k0, k1) = (key(0).expect("key on shard 0"), key(1).expect("key on shard 1"));
    let mut c = connect(port);
    let mut bystander = connect(port);
    assert_eq!(ask(&mut c, &["SET", &k0, "v"]), "+OK\r\n");
    for k in [&k0, &k1] {
        assert_eq!(
            ask(&mut c, &["PANIC-ON-SHARD", k]),
            "-ERR internal error while running 'panic-on-shard', the command was not completed\r\n",
            "key {k}"
        );
    }
    assert_eq!(
        ask(&mut c, &["PANIC-ON-CONN"]),
        "-ERR internal error while running 'panic-on-conn', the command was not completed\r\n"
    );
    // Inside EXEC, under the locks of both shards.
    assert_eq!(ask(&mut c, &["MULTI"]), "+OK\r\n");
    for args in [&["PANIC-ON-SHARD", &k0][..], &["PANIC-ON-CONN"], &["PANIC-ON-SHARD", &k1], &["GET", &k0]] {
        assert_eq!(ask(&mut c, args), "+QUEUED\r\n");
    }
    assert_eq!(ask(&mut c, &["EXEC"]), "*4\r\n");
    for name in ["panic-on-shard", "panic-on-conn", "panic-on-shard"] {
        let want = format!("-ERR internal error while running '{name}', the command was not completed\r\n");
        assert_eq!(reply(&mut c), want);
    }
    assert_eq!(reply(&mut c), "v", "the command queued after them ran");
    // A blocking command blocks again once EXEC is over.
    assert_eq!(ask(&mut c, &["BLPOP", "nolist", "0.05"]), "*-1\r\n");
    // The connection, both shards and other clients carry on.
    assert_eq!(ask(&mut c, &["GET", &k0]), "v");
    assert_eq!(ask(&mut c, &["SET", &k1, "w"]), "+OK\r\n");
    assert_eq!(ask(&mut bystander, &["PING"]), "+PONG\r\n");
    let info = ask(&mut bystander, &["INFO", "stats"]);
    assert!(info.contains("command_panics:6\r\n"), "{info}");
    server.shutdown();
}
