//! End-to-end protocol tests: malformed and oversized input, pipelining
//! order across shards, inline commands, real clients (redis-rs and
//! redis-cli), and cross-shard atomicity through the server.
mod common;

use std::process::Command;
use std::thread;
use std::time::Duration;

use common::{Coreshard, Reply, RespConn};

// With two shards, "a" (slot 15495) lives on shard 1 and "b" (slot 3300) on shard 0.
const KEY_SHARD1: &str = "a";
const KEY_SHARD0: &str = "b";

/// A bad frame gets Redis's protocol error, the connection is closed, and
/// everyone else is still served.
fn assert_protocol_error(server: &Coreshard, input: &[u8], expected: &str) {
    let mut bystander = server.conn();
    assert_eq!(bystander.cmd(&["SET", "bystander", "1"]), Reply::ok());
    let mut c = server.conn();
    c.send_raw(input);
    assert_eq!(c.read_reply(), Reply::error(expected), "input {:?}", String::from_utf8_lossy(input));
    assert!(c.is_closed_within(Duration::from_secs(5)), "connection stays open after {expected}");
    assert_eq!(bystander.cmd(&["GET", "bystander"]), Reply::bulk("1"));
    assert_eq!(server.conn().cmd(&["PING"]), Reply::simple("PONG"));
}

#[test]
fn malformed_and_oversized_frames() {
    let server = Coreshard::start(2, &[]);
    assert_protocol_error(&server, b"*1\r\n+PING\r\n", "ERR Protocol error: expected '$', got '+'");
    assert_protocol_error(&server, b"*x\r\n", "ERR Protocol error: invalid multibulk length");
    assert_protocol_error(&server, b"*99999999999\r\n", "ERR Protocol error: invalid multibulk length");
    assert_protocol_error(&server, b"*1\r\n$-3\r\n", "ERR Protocol error: invalid bulk length");
    assert_protocol_error(&server, b"*1\r\n$600000000\r\n", "ERR Protocol error: invalid bulk length");
    assert_protocol_error(&server, b"SET \"unterminated\r\n", "ERR Protocol error: unbalanced quotes in request");
    let mut long_inline = vec![b'x'; 70 * 1024];
    long_inline.push(b' ');
    assert_protocol_error(&server, &long_inline, "ERR Protocol error: too big inline request");
    // Replies to the requests before the bad one still arrive, in order.
    let mut c = server.conn();
    c.send_raw(b"*1\r\n$4\r\nPING\r\nECHO hi\r\n*1\r\n:1\r\n");
    assert_eq!(c.read_reply(), Reply::simple("PONG"));
    assert_eq!(c.read_reply(), Reply::bulk("hi"));
    assert_eq!(c.read_reply(), Reply::error("ERR Protocol error: expected '$', got ':'"));
    assert!(c.is_closed_within(Duration::from_secs(5)));
}

#[test]
fn bulk_limit_follows_proto_max_bulk_len() {
    let server = Coreshard::start(1, &["--proto-max-bulk-len", "1kb"]);
    assert_protocol_error(
        &server,
        b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1025\r\n",
        "ERR Protocol error: invalid bulk length",
    );
    let mut c = server.conn();
    let value = vec![b'v'; 1024];
    assert_eq!(c.cmd(&[&b"SET"[..], b"k", &value]), Reply::ok());
}

#[test]
fn command_errors_keep_the_connection() {
    let server = Coreshard::start(2, &[]);
    let mut c = server.conn();
    assert_eq!(
        c.cmd(&["NOSUCH", "x", "y"]),
        Reply::error("ERR unknown command 'NOSUCH', with args beginning with: 'x' 'y' ")
    );
    assert_eq!(c.cmd(&["GET"]), Reply::error("ERR wrong number of arguments for 'get' command"));
    assert_eq!(c.cmd(&["SET", "k", "v", "EX", "nope"]), Reply::error("ERR value is not an integer or out of range"));
    assert_eq!(c.cmd(&["SET", "k", "v", "NX", "XX"]), Reply::error("ERR syntax error"));
    assert_eq!(c.cmd(&["SET", "k", "v"]), Reply::ok());
    // Inline commands and empty lines work as in redis-cli / telnet.
    c.send_raw(b"\r\n\r\nget k\r\n");
    assert_eq!(c.read_reply(), Reply::bulk("v"));
}

#[test]
fn requests_split_at_every_byte_are_decoded() {
    let server = Coreshard::start(2, &[]);
    let mut c = server.conn();
    let wire = b"*3\r\n$3\r\nSET\r\n$5\r\nsplit\r\n$5\r\nbytes\r\n*2\r\n$3\r\nGET\r\n$5\r\nsplit\r\n";
    for b in wire.iter() {
        c.send_raw(&[*b]);
        thread::sleep(Duration::from_micros(200));
    }
    assert_eq!(c.read_reply(), Reply::ok());
    assert_eq!(c.read_reply(), Reply::bulk("bytes"));
}

/// A pipeline mixing keys of both shards gets its replies in request
/// order, whichever core the connection landed on.
#[test]
fn pipelined_replies_keep_request_order_across_shards() {
    let server = Coreshard::start(2, &[]);
    for port in [server.port(), server.shard_port(0), server.shard_port(1)] {
        let mut c = RespConn::connect(port);
        let mut wire = Vec::new();
        for i in 0..2000 {
            let key = format!("k{}", i % 97);
            wire.extend_from_slice(&common::encode_command(&["SET", key.as_str(), &i.to_string()]));
            wire.extend_from_slice(&common::encode_command(&["GET", key.as_str()]));
            if i % 7 == 0 {
                wire.extend_from_slice(&common::encode_command(&["PING"]));
            }
        }
        c.send_raw(&wire);
        for i in 0..2000 {
            assert_eq!(c.read_reply(), Reply::ok(), "SET #{i} on port {port}");
            assert_eq!(c.read_reply(), Reply::bulk(i.to_string()), "GET #{i} on port {port}");
            if i % 7 == 0 {
                assert_eq!(c.read_reply(), Reply::simple("PONG"));
            }
        }
    }
}

#[test]
fn large_and_binary_values_round_trip() {
    let server = Coreshard::start(2, &[]);
    let mut c = server.conn();
    let big: Vec<u8> = (0..4 * 1024 * 1024).map(|i| (i % 251) as u8).collect();
    let binary = b"\x00\r\n$5\r\n\xff*1".to_vec();
    for (key, value) in [(KEY_SHARD0, &big), (KEY_SHARD1, &binary)] {
        assert_eq!(c.cmd(&[b"SET".to_vec(), key.as_bytes().to_vec(), value.clone()]), Reply::ok());
        assert_eq!(c.cmd(&["GET", key]), Reply::bulk(value));
    }
}

/// The exact bytes of replies, as the byte-for-byte comparisons with
/// redis-server see them (bulk payloads with CRLF inside, nested arrays,
/// RESP3 nulls), and a difference is reported, not missed.
#[test]
fn raw_replies_are_seen_byte_for_byte() {
    let server = Coreshard::start(2, &[]);
    let mut c = server.conn();
    assert_eq!(c.cmd_raw(&["ECHO", "a\r\nb"]), b"$4\r\na\r\nb\r\n");
    assert_eq!(c.cmd_raw(&["RPUSH", KEY_SHARD1, "x", "yz"]), b":2\r\n");
    assert_eq!(c.cmd_raw(&["LRANGE", KEY_SHARD1, "0", "-1"]), b"*2\r\n$1\r\nx\r\n$2\r\nyz\r\n");
    c.send(&["GET", KEY_SHARD0]);
    assert_eq!(c.read_reply_raw(), (Reply::NullBulk, b"$-1\r\n".to_vec()));
    assert_eq!(c.cmd(&["HELLO", "3"]).field("proto"), Reply::Integer(3));
    assert_eq!(c.cmd_raw(&["GET", KEY_SHARD0]), b"_\r\n");

    let mut other = server.conn();
    // RESP3 `_` on one side, RESP2 `$-1` on the other.
    let diff = common::compare_bytes(&mut c, &mut other, &["GET", KEY_SHARD0], 1).unwrap_err();
    assert!(diff.starts_with(r#"["GET", "b"] (reply 1)"#) && diff.contains(r"$-1\r\n"), "{diff}");
    assert_eq!(common::compare_bytes(&mut c, &mut other, &["LLEN", KEY_SHARD1], 1), Ok(()));
}

#[test]
fn redis_rs_client_on_the_main_port() {
    let server = Coreshard::start(2, &[]);
    let client = redis::Client::open(server.url()).expect("client");
    let mut con = client.get_connection().expect("connection");
    let _: () = redis::cmd("SET").arg(KEY_SHARD0).arg("x").query(&mut con).expect("set");
    let _: () = redis::cmd("SET").arg(KEY_SHARD1).arg("y").query(&mut con).expect("set");
    let got: Vec<String> = redis::cmd("MGET").arg(KEY_SHARD0).arg(KEY_SHARD1).query(&mut con).expect("mget");
    assert_eq!(got, vec!["x".to_string(), "y".to_string()]);
    let mut pipe = redis::pipe();
    for i in 0..100 {
        pipe.cmd("SET").arg(format!("p{i}")).arg(i).ignore();
    }
    for i in 0..100 {
        pipe.cmd("GET").arg(format!("p{i}"));
    }
    let values: Vec<i64> = pipe.query(&mut con).expect("pipeline");
    assert_eq!(values, (0..100).collect::<Vec<i64>>());
}

#[test]
fn redis_cli_works() {
    let server = Coreshard::start(2, &[]);
    let port = server.port().to_string();
    let cli = |args: &[&str]| -> String {
        let out = Command::new("redis-cli").args(["-p", &port]).args(args).output().expect("redis-cli is installed");
        assert!(out.status.success(), "redis-cli {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).trim_end().to_string()
    };
    assert_eq!(cli(&["PING"]), "PONG");
    assert_eq!(cli(&["SET", "cli", "hello world"]), "OK");
    assert_eq!(cli(&["GET", "cli"]), "hello world");
    assert_eq!(cli(&["NOSUCH"]), "ERR unknown command 'NOSUCH', with args beginning with:");
    // Commands on stdin, one per line, as in scripts.
    let mut child = Command::new("redis-cli")
        .args(["-p", &port])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("redis-cli");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(b"SET piped 1\nGET piped\n").expect("write");
    }
    let out = child.wait_with_output().expect("redis-cli output");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim_end(), "OK\n1");
}

/// MSET of keys on two shards is atomic through the server: concurrent
/// MGETs on other connections (and cores) never see half of it.
#[test]
fn cross_shard_mset_is_never_seen_half_done() {
    let server = Coreshard::start(2, &[]);
    let ports = [server.shard_port(0), server.shard_port(1)];
    let writer = {
        let port = ports[0];
        thread::spawn(move || {
            let mut c = RespConn::connect(port);
            for i in 0..3000 {
                let v = i.to_string();
                assert_eq!(c.cmd(&["MSET", KEY_SHARD0, &v, KEY_SHARD1, &v]), Reply::ok());
            }
        })
    };
    let readers: Vec<_> = ports
        .iter()
        .map(|&port| {
            thread::spawn(move || {
                let mut c = RespConn::connect(port);
                let mut seen = 0;
                for _ in 0..3000 {
                    let r = c.cmd(&["MGET", KEY_SHARD0, KEY_SHARD1]);
                    let items = r.as_array().expect("array").to_vec();
                    assert_eq!(items[0], items[1], "half-applied MSET observed: {r:?}");
                    if !items[0].is_null() {
                        seen += 1;
                    }
                }
                seen
            })
        })
        .collect();
    writer.join().expect("writer");
    for r in readers {
        r.join().expect("reader");
    }
}
