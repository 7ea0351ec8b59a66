//! Connection and server commands against the real binary: AUTH, HELLO,
//! RESET, CLIENT, INFO, CONFIG, COMMAND, SLOWLOG, MEMORY, TIME, LASTSAVE,
//! limits and shutdown.

mod common;

use std::io::Write;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::{encode_command, key_on, read_reply_from, wait_until, Coreshard, Reply, RespConn};

const SHARDS: usize = 2;

#[test]
fn requirepass_locks_everything_but_auth_hello_and_quit() {
    let s = Coreshard::start(SHARDS, &["--requirepass", "s3cret"]);
    let mut c = s.conn();
    for cmd in [&["GET", "k"][..], &["PING"], &["CLIENT", "ID"], &["INFO"], &["SET", "k", "v"]] {
        assert_eq!(c.cmd(cmd).err(), "NOAUTH Authentication required.", "{cmd:?}");
    }
    assert_eq!(
        c.cmd(&["HELLO", "3"]).err(),
        "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> \
         <pass> option can be used to authenticate the client and select the RESP protocol version at the same time"
    );
    let wrongpass = "WRONGPASS invalid username-password pair or user is disabled.";
    assert_eq!(c.cmd(&["AUTH", "nope"]).err(), wrongpass);
    assert_eq!(c.cmd(&["AUTH", "default", "nope"]).err(), wrongpass);
    assert_eq!(c.cmd(&["AUTH", "alice", "s3cret"]).err(), wrongpass);
    assert_eq!(c.cmd(&["HELLO", "3", "AUTH", "default", "nope"]).err(), wrongpass);
    assert_eq!(c.cmd(&["AUTH", "a", "b", "c"]).err(), "ERR syntax error");
    assert_eq!(c.cmd(&["GET", "k"]).err(), "NOAUTH Authentication required.");
    assert_eq!(c.cmd(&["AUTH", "s3cret"]), Reply::ok());
    assert_eq!(c.cmd(&["SET", "k", "v"]), Reply::ok());
    assert_eq!(c.cmd(&["GET", "k"]).text(), "v");
    // A failed AUTH does not log an authenticated client out.
    assert_eq!(c.cmd(&["AUTH", "wrong"]).err(), wrongpass);
    assert_eq!(c.cmd(&["GET", "k"]).text(), "v");
    // RESET goes back to the default (unauthenticated) state.
    assert_eq!(c.cmd(&["RESET"]), Reply::Simple("RESET".into()));
    assert_eq!(c.cmd(&["GET", "k"]).err(), "NOAUTH Authentication required.");

    // HELLO with AUTH authenticates and switches protocol at once.
    let mut h = s.conn();
    let m = h.cmd(&["HELLO", "3", "AUTH", "default", "s3cret", "SETNAME", "app"]);
    assert!(matches!(m, Reply::Map(_)), "{m:?}");
    assert_eq!(m.field("proto").int(), 3);
    assert_eq!(h.cmd(&["CLIENT", "GETNAME"]).text(), "app");

    // QUIT is allowed before AUTH.
    let mut q = s.conn();
    assert_eq!(q.cmd(&["QUIT"]), Reply::ok());
    assert!(q.is_closed_within(Duration::from_secs(5)));

    // Removing the password lets unauthenticated clients in; setting it
    // again does not log out clients already in.
    let mut other = s.conn();
    assert_eq!(h.cmd(&["CONFIG", "SET", "requirepass", ""]), Reply::ok());
    assert_eq!(other.cmd(&["GET", "k"]).text(), "v");
    assert_eq!(h.cmd(&["CONFIG", "SET", "requirepass", "again"]), Reply::ok());
    assert_eq!(h.cmd(&["GET", "k"]).text(), "v");
    let mut late = s.conn();
    assert_eq!(late.cmd(&["GET", "k"]).err(), "NOAUTH Authentication required.");
    assert_eq!(late.cmd(&["AUTH", "again"]), Reply::ok());
    assert_eq!(late.cmd(&["CONFIG", "GET", "requirepass"]).items()[1].text(), "again");
}

#[test]
fn auth_without_a_password() {
    let s = Coreshard::start(SHARDS, &[]);
    let mut c = s.conn();
    assert_eq!(
        c.cmd(&["AUTH", "x"]).err(),
        "ERR AUTH <password> called without any password configured for the default user. Are you sure your \
         configuration is correct?"
    );
    // The default user has no password: any password works for it.
    assert_eq!(c.cmd(&["AUTH", "default", "anything"]), Reply::ok());
    assert_eq!(
        c.cmd(&["AUTH", "bob", "anything"]).err(),
        "WRONGPASS invalid username-password pair or user is disabled."
    );
}

#[test]
fn hello_and_reset() {
    let s = Coreshard::start(SHARDS, &[]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["HELLO", "4"]).err(), "NOPROTO unsupported protocol version");
    assert_eq!(c.cmd(&["HELLO", "x"]).err(), "ERR Protocol version is not an integer or out of range");
    assert_eq!(c.cmd(&["HELLO", "3", "foo"]).err(), "ERR Syntax error in HELLO option 'foo'");
    assert_eq!(c.cmd(&["HELLO", "3", "auth", "default"]).err(), "ERR Syntax error in HELLO option 'auth'");
    assert_eq!(
        c.cmd(&["HELLO", "3", "SETNAME", "a b"]).err(),
        "ERR Client names cannot contain spaces, newlines or special characters."
    );
    // Still RESP2 after the failures: maps are flat arrays.
    let m = c.cmd(&["HELLO"]);
    assert!(matches!(m, Reply::Array(_)), "{m:?}");
    let id = c.cmd(&["CLIENT", "ID"]).int();
    let keys: Vec<String> = m.pairs().iter().map(|(k, _)| k.text()).collect();
    assert_eq!(keys, ["server", "version", "proto", "id", "mode", "role", "modules"]);
    assert_eq!(m.field("server").text(), "redis");
    assert_eq!(m.field("version").text(), "7.0.15");
    assert_eq!(m.field("proto").int(), 2);
    assert_eq!(m.field("id").int(), id);
    assert_eq!(m.field("mode").text(), "standalone");
    assert_eq!(m.field("role").text(), "master");
    assert_eq!(m.field("modules"), Reply::Array(vec![]));

    let m = c.cmd(&["HELLO", "3", "SETNAME", "conn-1"]);
    assert!(matches!(m, Reply::Map(_)));
    assert_eq!(c.cmd(&["CLIENT", "GETNAME"]).text(), "conn-1");
    assert!(matches!(c.cmd(&["CLIENT", "INFO"]), Reply::Verbatim { .. }), "RESP3 verbatim text");
    assert_eq!(c.cmd(&["SELECT", "3"]), Reply::ok());
    assert_eq!(c.cmd(&["RESET"]), Reply::Simple("RESET".into()));
    // Back to RESP2, no name, db 0.
    assert_eq!(c.cmd(&["GET", "nokey"]), Reply::NullBulk);
    assert!(matches!(c.cmd(&["CLIENT", "INFO"]), Reply::Bulk(_)));
    assert_eq!(c.cmd(&["CLIENT", "GETNAME"]), Reply::NullBulk);
    assert!(c.cmd(&["CLIENT", "INFO"]).text().contains(" db=0 "));

    // Shard ports are cluster nodes.
    let mut n = s.shard_conn(1);
    assert_eq!(n.cmd(&["HELLO"]).field("mode").text(), "cluster");
}

#[test]
fn client_id_name_info_and_setinfo() {
    let s = Coreshard::start(SHARDS, &[]);
    let mut c = s.conn();
    let id = c.cmd(&["CLIENT", "ID"]).int();
    assert!(id > 0);
    assert_eq!(c.cmd(&["CLIENT", "GETNAME"]), Reply::NullBulk);
    assert_eq!(
        c.cmd(&["CLIENT", "SETNAME", "a b"]).err(),
        "ERR Client names cannot contain spaces, newlines or special characters."
    );
    assert_eq!(c.cmd(&["CLIENT", "SETNAME", "worker"]), Reply::ok());
    assert_eq!(c.cmd(&["CLIENT", "GETNAME"]).text(), "worker");
    assert_eq!(c.cmd(&["CLIENT", "SETINFO", "LIB-NAME", "mylib"]), Reply::ok());
    assert_eq!(c.cmd(&["CLIENT", "SETINFO", "lib-ver", "1.0"]), Reply::ok());
    assert_eq!(c.cmd(&["CLIENT", "SETINFO", "lib-foo", "1"]).err(), "ERR Unrecognized option 'lib-foo'");
    assert_eq!(
        c.cmd(&["CLIENT", "SETINFO", "lib-name", "a b"]).err(),
        "ERR lib-name cannot contain spaces, newlines or special characters."
    );
    let line = c.cmd(&["CLIENT", "INFO"]).text();
    assert!(line.ends_with('\n'));
    let fields: Vec<&str> = line.trim_end().split(' ').map(|f| f.split_once('=').unwrap().0).collect();
    assert_eq!(
        fields,
        [
            "id",
            "addr",
            "laddr",
            "fd",
            "name",
            "age",
            "idle",
            "flags",
            "db",
            "sub",
            "psub",
            "ssub",
            "multi",
            "qbuf",
            "qbuf-free",
            "argv-mem",
            "multi-mem",
            "rbs",
            "rbp",
            "obl",
            "oll",
            "omem",
            "tot-mem",
            "events",
            "cmd",
            "user",
            "redir",
            "resp",
            "lib-name",
            "lib-ver"
        ]
    );
    assert!(line.starts_with(&format!("id={id} addr=127.0.0.1:")), "{line}");
    assert!(line.contains(&format!(" laddr=127.0.0.1:{} ", s.port())), "{line}");
    assert!(line.contains(" name=worker "));
    assert!(line.contains(" cmd=client|info "));
    assert!(line.contains(" lib-name=mylib lib-ver=1.0"));
    assert!(line.contains(" flags=N "));
    assert_eq!(c.cmd(&["CLIENT", "SETNAME", ""]), Reply::ok());
    assert_eq!(c.cmd(&["CLIENT", "GETNAME"]), Reply::NullBulk);
    assert_eq!(c.cmd(&["CLIENT", "NO-EVICT", "on"]), Reply::ok());
    assert_eq!(c.cmd(&["CLIENT", "NO-EVICT", "maybe"]).err(), "ERR syntax error");

    assert_eq!(c.cmd(&["CLIENT", "foo"]).err(), "ERR unknown subcommand 'foo'. Try CLIENT HELP.");
    assert_eq!(c.cmd(&["CLIENT", "GETNAME", "x"]).err(), "ERR wrong number of arguments for 'client|getname' command");
    assert_eq!(c.cmd(&["CLIENT"]).err(), "ERR wrong number of arguments for 'client' command");
    let help = c.cmd(&["client", "help"]).items();
    assert_eq!(help[0].text(), "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
    assert_eq!(help.last().unwrap().text(), "    Prints this help.");
}

/// The value of `field` in a CLIENT LIST line.
fn field<'a>(line: &'a str, field: &str) -> &'a str {
    line.split(' ').find_map(|f| f.strip_prefix(field)?.strip_prefix('=')).unwrap()
}

#[test]
fn client_list_and_kill_cover_every_core() {
    let s = Coreshard::start(SHARDS, &[]);
    // Connections on shard ports live on that shard's core.
    let mut a = s.shard_conn(0);
    let mut b = s.shard_conn(1);
    let mut main = s.conn();
    assert_eq!(a.cmd(&["CLIENT", "SETNAME", "on-core-0"]), Reply::ok());
    assert_eq!(b.cmd(&["CLIENT", "SETNAME", "on-core-1"]), Reply::ok());
    let (ida, idb) = (a.cmd(&["CLIENT", "ID"]).int(), b.cmd(&["CLIENT", "ID"]).int());
    let idm = main.cmd(&["CLIENT", "ID"]).int();
    main.wait_connected_clients(3);

    let text = main.cmd(&["CLIENT", "LIST"]).text();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    let ids: Vec<i64> = lines.iter().map(|l| field(l, "id").parse().unwrap()).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted, "ordered by id");
    assert_eq!(sorted, {
        let mut v = vec![ida, idb, idm];
        v.sort();
        v
    });
    let line_b = lines.iter().find(|l| field(l, "id") == idb.to_string()).unwrap();
    assert_eq!(field(line_b, "name"), "on-core-1");
    assert_eq!(field(line_b, "laddr"), format!("127.0.0.1:{}", s.shard_port(1)));
    assert_eq!(field(line_b, "cmd"), "client|id");

    let only = main.cmd(&["CLIENT", "LIST", "ID", &ida.to_string(), &idb.to_string(), "999999"]).text();
    assert_eq!(only.lines().count(), 2);
    assert_eq!(main.cmd(&["CLIENT", "LIST", "ID", "x"]).err(), "ERR Invalid client ID");
    assert_eq!(main.cmd(&["CLIENT", "LIST", "TYPE", "normal"]).text().lines().count(), 3);
    assert_eq!(main.cmd(&["CLIENT", "LIST", "TYPE", "pubsub"]).text(), "");
    assert_eq!(main.cmd(&["CLIENT", "LIST", "TYPE", "foo"]).err(), "ERR Unknown client type 'foo'");
    assert_eq!(main.cmd(&["CLIENT", "LIST", "foo"]).err(), "ERR syntax error");

    // Kill by id a client on the other core.
    assert_eq!(main.cmd(&["CLIENT", "KILL", "ID", &idb.to_string()]).int(), 1);
    assert!(b.is_closed_within(Duration::from_secs(5)));
    assert_eq!(main.cmd(&["CLIENT", "KILL", "ID", &idb.to_string()]).int(), 0);
    assert_eq!(main.cmd(&["CLIENT", "KILL", "ID", "abc"]).err(), "ERR client-id should be greater than 0");
    assert_eq!(main.cmd(&["CLIENT", "KILL", "USER", "nobody"]).err(), "ERR No such user 'nobody'");
    assert_eq!(main.cmd(&["CLIENT", "KILL", "SKIPME", "maybe"]).err(), "ERR syntax error");
    assert_eq!(main.cmd(&["CLIENT", "KILL", "MAXAGE", "1"]).err(), "ERR syntax error");
    assert_eq!(main.cmd(&["CLIENT", "KILL", "1.2.3.4:5"]).err(), "ERR No such client");

    // Old form by address.
    let addr_a = field(&a.cmd(&["CLIENT", "INFO"]).text(), "addr").to_string();
    assert_eq!(main.cmd(&["CLIENT", "KILL", &addr_a]), Reply::ok());
    assert!(a.is_closed_within(Duration::from_secs(5)));

    // LADDR: everything connected to shard 0's port; SKIPME yes spares the caller.
    let mut c1 = s.shard_conn(0);
    let mut c2 = s.shard_conn(0);
    assert_eq!(c1.cmd(&["PING"]), Reply::Simple("PONG".into()));
    assert_eq!(c2.cmd(&["PING"]), Reply::Simple("PONG".into()));
    let laddr = format!("127.0.0.1:{}", s.shard_port(0));
    assert_eq!(c1.cmd(&["CLIENT", "KILL", "LADDR", &laddr, "SKIPME", "yes"]).int(), 1);
    assert!(c2.is_closed_within(Duration::from_secs(5)));
    assert_eq!(c1.cmd(&["PING"]), Reply::Simple("PONG".into()));
    // SKIPME no: the caller gets its reply, then is closed.
    assert_eq!(c1.cmd(&["CLIENT", "KILL", "LADDR", &laddr, "SKIPME", "no"]).int(), 1);
    assert!(c1.is_closed_within(Duration::from_secs(5)));
    assert_eq!(main.cmd(&["CLIENT", "LIST"]).text().lines().count(), 1);
}

#[test]
fn info_sections_and_counters() {
    let s = Coreshard::start(SHARDS, &[]);
    let mut c = s.shard_conn(0);
    let k0 = key_on(SHARDS, 0, "k");
    let k1 = key_on(SHARDS, 1, "k");
    assert_eq!(c.cmd(&["SET", &k0, "v"]), Reply::ok());
    assert_eq!(c.cmd(&["SET", &k1, "v", "EX", "100"]), Reply::ok());
    assert_eq!(c.cmd(&["GET", &k0]).text(), "v");
    assert_eq!(c.cmd(&["GET", "missing"]), Reply::NullBulk);
    c.wait_connected_clients(1);

    let text = c.cmd(&["INFO"]).text();
    let headers: Vec<&str> = text.lines().filter(|l| l.starts_with('#')).collect();
    assert_eq!(
        headers,
        [
            "# Server",
            "# Clients",
            "# Memory",
            "# Persistence",
            "# Stats",
            "# Replication",
            "# CPU",
            "# Cluster",
            "# Keyspace",
            "# Shards"
        ]
    );
    assert!(text.contains("\r\n\r\n# Clients\r\n"), "sections separated by a blank CRLF line");
    let all = c.info("everything");
    let get = |k: &str| all.iter().find(|(f, _)| f == k).map(|(_, v)| v.clone()).unwrap_or_else(|| panic!("{k}"));
    assert_eq!(get("redis_version"), "7.0.15");
    assert_eq!(get("coreshard_version"), env!("CARGO_PKG_VERSION"));
    assert_eq!(get("process_id"), s.pid().to_string());
    assert_eq!(get("tcp_port"), s.shard_port(0).to_string());
    assert_eq!(get("redis_mode"), "cluster");
    assert_eq!(get("cluster_enabled"), "1");
    assert_eq!(get("role"), "master");
    assert_eq!(get("connected_clients"), "1");
    assert_eq!(get("maxclients"), "10000");
    assert_eq!(get("db0"), "keys=2,expires=1,avg_ttl=0");
    assert_eq!(get("keyspace_hits"), "1");
    assert_eq!(get("keyspace_misses"), "1");
    assert_eq!(get("maxmemory_policy"), "noeviction");
    assert!(get("used_memory").parse::<u64>().unwrap() > 0);
    assert!(get("used_cpu_user").parse::<f64>().is_ok());
    assert!(get("uptime_in_seconds").parse::<u64>().is_ok());
    assert!(get("total_commands_processed").parse::<u64>().unwrap() >= 5);

    // One section, any case; unknown sections are empty.
    let ks = c.cmd(&["INFO", "KEYSPACE"]).text();
    assert_eq!(ks, "# Keyspace\r\ndb0:keys=2,expires=1,avg_ttl=0\r\n");
    assert_eq!(c.cmd(&["INFO", "nosuch"]).text(), "");
    let two = c.cmd(&["INFO", "cluster", "server"]).text();
    assert!(two.starts_with("# Server\r\n") && two.contains("# Cluster\r\ncluster_enabled:1\r\n"));

    // The main port is a standalone server.
    let mut m = s.conn();
    assert_eq!(m.info_field("cluster", "cluster_enabled"), "0");
    assert_eq!(m.info_field("server", "redis_mode"), "standalone");

    // Shards: on core 0, one SET and the GETs ran inline, one SET hopped.
    let sh = c.shard_lines();
    assert_eq!(sh.len(), 2);
    assert_eq!(sh[0].port, u64::from(s.shard_port(0)));
    assert_eq!(sh[1].port, u64::from(s.shard_port(1)));
    assert_eq!((sh[0].keys, sh[1].keys), (1, 1));
    assert_eq!(sh[0].hops_out, 1);
    assert_eq!(sh[1].hops_in, 1);
    assert!(sh[0].local >= 2);
    assert!(sh[0].commands >= sh[0].local + sh[0].hops_out);

    // CONFIG RESETSTAT zeroes the counters on every core.
    assert_eq!(c.cmd(&["CONFIG", "RESETSTAT"]), Reply::ok());
    assert_eq!(c.info_field("stats", "keyspace_hits"), "0");
    let sh = c.shard_lines();
    assert_eq!((sh[0].hops_out, sh[1].hops_in), (0, 0));
    assert_eq!(sh[1].commands, 0);
}

#[test]
fn config_get_and_set() {
    let s = Coreshard::start(SHARDS, &["--maxclients", "500"]);
    let mut c = s.conn();
    let get = |c: &mut RespConn, p: &str| -> Vec<(String, String)> {
        c.cmd(&["CONFIG", "GET", p]).pairs().iter().map(|(k, v)| (k.text(), v.text())).collect()
    };
    assert_eq!(get(&mut c, "maxclients"), [("maxclients".to_string(), "500".to_string())]);
    assert_eq!(get(&mut c, "port"), [("port".to_string(), s.port().to_string())]);
    assert_eq!(get(&mut c, "save"), [("save".to_string(), String::new())]);
    assert_eq!(get(&mut c, "appendonly"), [("appendonly".to_string(), "yes".to_string())]);
    assert_eq!(get(&mut c, "appendfsync"), [("appendfsync".to_string(), "everysec".to_string())]);
    let dir = std::fs::canonicalize(s.dir().join("data")).unwrap();
    assert_eq!(get(&mut c, "dir"), [("dir".to_string(), dir.display().to_string())]);
    assert!(c.cmd(&["CONFIG", "SET", "appendfsync", "always"]).err().contains("can't set immutable config"));
    let names: Vec<String> = get(&mut c, "maxmemory*").into_iter().map(|(k, _)| k).collect();
    assert_eq!(names, ["maxmemory", "maxmemory-policy"]);
    let shard_ports: Vec<(String, String)> = get(&mut c, "SHARD*");
    assert_eq!(
        shard_ports,
        [
            ("shards".to_string(), "2".to_string()),
            ("shard-port-base".into(), s.shard_port(0).to_string()),
            ("shard-ports".into(), "yes".into())
        ]
    );
    assert_eq!(get(&mut c, "nosuch"), []);
    // Several patterns; a parameter matched twice appears once.
    let both = c.cmd(&["CONFIG", "GET", "timeout", "time*", "databases"]).pairs();
    assert_eq!(both.len(), 2);

    assert_eq!(c.cmd(&["CONFIG", "SET", "maxclients", "600", "timeout", "30"]), Reply::ok());
    assert_eq!(get(&mut c, "maxclients")[0].1, "600");
    assert_eq!(get(&mut c, "timeout")[0].1, "30");
    assert_eq!(c.info_field("clients", "maxclients"), "600");
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "port", "1"]).err(),
        "ERR CONFIG SET failed (possibly related to argument 'port') - can't set immutable config"
    );
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "foo", "1"]).err(),
        "ERR Unknown option or number of arguments for CONFIG SET - 'foo'"
    );
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "maxmemory-policy", "bad"]).err(),
        "ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - argument(s) must be one of the \
         following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, \
         noeviction, s3fifo"
    );
    // A bad pair changes nothing.
    assert!(c.cmd(&["CONFIG", "SET", "timeout", "5", "maxclients", "0"]).err().contains("argument 'maxclients'"));
    assert_eq!(get(&mut c, "timeout")[0].1, "30");
    assert_eq!(c.cmd(&["CONFIG", "SET", "loglevel", "warning"]), Reply::ok());
    assert_eq!(get(&mut c, "loglevel")[0].1, "warning");
    assert_eq!(c.cmd(&["CONFIG", "foo"]).err(), "ERR unknown subcommand 'foo'. Try CONFIG HELP.");
    assert_eq!(c.cmd(&["CONFIG", "HELP"]).items()[1].text(), "GET <pattern>");
}

#[test]
fn config_set_memory_limits_apply_to_every_shard() {
    let s = Coreshard::start(SHARDS, &[]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["CONFIG", "SET", "maxmemory", "2mb", "maxmemory-policy", "allkeys-lru"]), Reply::ok());
    assert_eq!(c.info_field("memory", "maxmemory"), (2u64 << 20).to_string());
    assert_eq!(c.info_field("memory", "maxmemory_policy"), "allkeys-lru");
    let value = "x".repeat(1000);
    let mut pipeline = Vec::new();
    for i in 0..6000 {
        pipeline.extend(encode_command::<&[u8]>(&[b"SET", format!("key:{i}").as_bytes(), value.as_bytes()]));
    }
    c.send_raw(&pipeline);
    for _ in 0..6000 {
        assert_eq!(c.read_reply(), Reply::ok());
    }
    let sh = c.shard_lines();
    let evicted = c.info_u64("stats", "evicted_keys");
    assert!(evicted > 0, "both shards are over budget");
    assert!(sh[0].keys > 0 && sh[1].keys > 0);
    assert!(sh[0].keys + sh[1].keys < 6000, "{sh:?}");
    assert!(c.info_u64("memory", "used_memory") <= 3 << 20);

    // With noeviction, writes past the budget fail.
    assert_eq!(c.cmd(&["CONFIG", "SET", "maxmemory-policy", "noeviction", "maxmemory", "1mb"]), Reply::ok());
    let r = c.cmd(&["SET", "another", &value]);
    assert!(r.err().starts_with("OOM "), "{r:?}");
    assert_eq!(c.cmd(&["CONFIG", "SET", "maxmemory", "0"]), Reply::ok());
    assert_eq!(c.cmd(&["SET", "another", &value]), Reply::ok());
}

#[test]
fn idle_timeout_set_at_runtime() {
    let s = Coreshard::start(SHARDS, &[]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["CONFIG", "SET", "timeout", "1"]), Reply::ok());
    let mut idle = s.conn();
    assert_eq!(idle.cmd(&["PING"]), Reply::Simple("PONG".into()));
    let start = Instant::now();
    assert!(idle.is_closed_within(Duration::from_secs(5)));
    assert!(start.elapsed() >= Duration::from_millis(900));
}

#[test]
fn maxclients_refuses_with_redis_error() {
    let s = Coreshard::start(SHARDS, &["--maxclients", "3"]);
    // The start-up readiness probes count until the server sees them close.
    let admitted = |s: &Coreshard| {
        let mut c = s.conn();
        matches!(c.try_cmd(&["PING"]), Ok(Reply::Simple(p)) if p == "PONG").then_some(c)
    };
    let mut held: Vec<RespConn> = Vec::new();
    wait_until("three clients admitted", Duration::from_secs(5), || {
        held.extend(admitted(&s));
        held.len() == 3
    });
    let mut extra = s.conn();
    assert_eq!(extra.read_reply().err(), "ERR max number of clients reached");
    assert!(extra.is_closed_within(Duration::from_secs(5)));
    drop(held.pop());
    // The slot frees up once the server sees the close.
    wait_until("the freed slot reused", Duration::from_secs(5), || admitted(&s).is_some());
    let rejected = held[0].info_u64("stats", "rejected_connections");
    assert!(rejected >= 1);
}

#[test]
fn command_table_in_redis_shapes() {
    let s = Coreshard::start(SHARDS, &[]);
    let mut c = s.conn();
    let count = c.cmd(&["COMMAND", "COUNT"]).int();
    let all = c.cmd(&["COMMAND"]).items();
    assert_eq!(all.len() as i64, count);
    let list = c.cmd(&["COMMAND", "LIST"]).items();
    let top: Vec<String> = list.iter().map(Reply::text).filter(|n| !n.contains('|')).collect();
    assert_eq!(top.len() as i64, count);
    assert!(list.iter().any(|n| n.text() == "client|list"));

    let info = c.cmd(&["COMMAND", "INFO", "get", "nosuch", "CLIENT"]).items();
    assert_eq!(info.len(), 3);
    let get = info[0].items();
    assert_eq!(get[0].text(), "get");
    assert_eq!(get[1].int(), 2);
    assert_eq!(get[2].items().iter().map(Reply::text).collect::<Vec<_>>(), ["readonly", "fast"]);
    assert_eq!((get[3].int(), get[4].int(), get[5].int()), (1, 1, 1));
    assert_eq!(get[6].items().iter().map(Reply::text).collect::<Vec<_>>(), ["@read", "@string", "@fast"]);
    assert_eq!(get[8].items().len(), 1, "one key spec");
    assert_eq!(info[1], Reply::NullBulk);
    let client = info[2].items();
    assert_eq!((client[3].int(), client[4].int(), client[5].int()), (0, 0, 0));
    let subs = client[9].items();
    assert!(subs.iter().any(|s| s.items()[0].text() == "client|kill"));

    let docs = c.cmd(&["COMMAND", "DOCS", "get", "nosuch"]);
    let pairs = docs.pairs();
    assert_eq!(pairs.len(), 1);
    assert_eq!(pairs[0].0.text(), "get");
    assert_eq!(pairs[0].1.field("group").text(), "string");
    assert_eq!(pairs[0].1.field("since").text(), "1.0.0");
    // Without names: every command, as redis-cli asks at start.
    assert_eq!(c.cmd(&["COMMAND", "DOCS"]).pairs().len() as i64, count);
    let config_docs = c.cmd(&["COMMAND", "DOCS", "config"]).pairs()[0].1.field("subcommands");
    assert!(config_docs.pairs().iter().any(|(k, _)| k.text() == "config|set"));

    assert_eq!(c.cmd(&["COMMAND", "GETKEYS", "SET", "a", "b"]).items(), [Reply::Bulk(b"a".to_vec())]);
    assert_eq!(c.cmd(&["COMMAND", "GETKEYS", "MEMORY", "USAGE", "k"]).items(), [Reply::Bulk(b"k".to_vec())]);
    assert_eq!(c.cmd(&["COMMAND", "GETKEYS", "PING", "x"]).err(), "ERR The command has no key arguments");
    assert_eq!(c.cmd(&["COMMAND", "GETKEYS", "NOSUCH", "x"]).err(), "ERR Invalid command specified");
    assert_eq!(
        c.cmd(&["COMMAND", "GETKEYS", "GET", "a", "b"]).err(),
        "ERR Invalid number of arguments specified for command"
    );
    assert_eq!(
        c.cmd(&["COMMAND", "GETKEYS", "GET"]).err(),
        "ERR wrong number of arguments for 'command|getkeys' command"
    );
    let kf = c.cmd(&["COMMAND", "GETKEYSANDFLAGS", "SET", "a", "b"]).items();
    assert_eq!(kf[0].items()[0].text(), "a");

    let conn_cmds: Vec<String> =
        c.cmd(&["COMMAND", "LIST", "FILTERBY", "ACLCAT", "connection"]).items().iter().map(Reply::text).collect();
    assert!(conn_cmds.contains(&"auth".to_string()) && conn_cmds.contains(&"client|id".to_string()));
    assert!(!conn_cmds.contains(&"get".to_string()));
    let cl: Vec<String> =
        c.cmd(&["COMMAND", "LIST", "FILTERBY", "PATTERN", "cl*"]).items().iter().map(Reply::text).collect();
    assert!(cl.contains(&"client".to_string()) && cl.contains(&"cluster|slots".to_string()));
    assert!(cl.iter().all(|n| n.starts_with("cl")));
    assert_eq!(c.cmd(&["COMMAND", "LIST", "FILTERBY", "MODULE", "x"]).items(), []);
    assert_eq!(c.cmd(&["COMMAND", "LIST", "FILTERBY", "FOO", "x"]).err(), "ERR syntax error");
    assert_eq!(c.cmd(&["COMMAND", "LIST", "FILTERBY", "ACLCAT", "nosuch"]).items(), []);
}

#[test]
fn slowlog_records_slow_commands_on_every_path() {
    let s = Coreshard::start(SHARDS, &[]);
    let mut c = s.shard_conn(0);
    assert_eq!(c.cmd(&["CLIENT", "SETNAME", "slowpoke"]), Reply::ok());
    assert_eq!(c.cmd(&["CONFIG", "SET", "slowlog-log-slower-than", "0"]), Reply::ok());
    assert_eq!(c.cmd(&["SLOWLOG", "RESET"]), Reply::ok());
    let k0 = key_on(SHARDS, 0, "sl");
    let k1 = key_on(SHARDS, 1, "sl");
    let long = "y".repeat(200);
    // Inline on this core, hopped to the other core, on the connection.
    assert_eq!(c.cmd(&["SET", &k0, &long]), Reply::ok());
    assert_eq!(c.cmd(&["SET", &k1, "v"]), Reply::ok());
    assert_eq!(c.cmd(&["AUTH", "default", "hunter2"]), Reply::ok());
    assert_eq!(c.cmd(&["CONFIG", "SET", "slowlog-log-slower-than", "-1"]), Reply::ok());
    assert_eq!(c.cmd(&["GET", &k0]).text(), long, "not logged: the log is off");

    let entries = c.cmd(&["SLOWLOG", "GET", "-1"]).items();
    let args = |e: &Reply| e.items()[3].items().iter().map(Reply::text).collect::<Vec<_>>();
    let logged: Vec<Vec<String>> = entries.iter().map(args).collect();
    // Newest first; the CONFIG SET that turned the log off is not logged
    // (as in Redis, the threshold is checked after the command ran); the
    // SLOWLOG RESET before the commands is.
    assert_eq!(logged.len(), 4, "{logged:?}");
    assert_eq!(logged[3], ["SLOWLOG", "RESET"]);
    assert_eq!(logged[0], ["AUTH", "(redacted)", "(redacted)"]);
    assert_eq!(logged[1], ["SET", k1.as_str(), "v"]);
    assert_eq!(logged[2][2], format!("{}... (72 more bytes)", "y".repeat(128)));
    let e = entries[1].items();
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64;
    assert!((now - e[1].int()).abs() < 60);
    assert!(e[2].int() >= 0);
    assert!(e[4].text().starts_with("127.0.0.1:"));
    assert_eq!(e[5].text(), "slowpoke");
    let ids: Vec<i64> = entries.iter().map(|e| e.items()[0].int()).collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "{ids:?}");

    assert_eq!(c.cmd(&["SLOWLOG", "LEN"]).int(), 4);
    assert_eq!(c.cmd(&["SLOWLOG", "GET", "1"]).items().len(), 1);
    assert_eq!(c.cmd(&["SLOWLOG", "GET", "-2"]).err(), "ERR count should be greater than or equal to -1");
    assert_eq!(
        c.cmd(&["SLOWLOG", "GET", "1", "2"]).err(),
        "ERR unknown subcommand or wrong number of arguments for 'GET'. Try SLOWLOG HELP."
    );
    assert_eq!(c.cmd(&["CONFIG", "SET", "slowlog-max-len", "2"]), Reply::ok());
    assert_eq!(c.cmd(&["SLOWLOG", "LEN"]).int(), 2);
    assert_eq!(c.cmd(&["SLOWLOG", "RESET"]), Reply::ok());
    assert_eq!(c.cmd(&["SLOWLOG", "LEN"]).int(), 0);
    assert_eq!(c.cmd(&["SLOWLOG", "HELP"]).items()[1].text(), "GET [<count>]");

    // A pipeline hopping to the other core: each command is timed there.
    assert_eq!(c.cmd(&["CONFIG", "SET", "slowlog-log-slower-than", "0", "slowlog-max-len", "100"]), Reply::ok());
    let mut p = Vec::new();
    for i in 0..5 {
        p.extend(encode_command::<&[u8]>(&[b"SET", k1.as_bytes(), i.to_string().as_bytes()]));
    }
    c.send_raw(&p);
    for _ in 0..5 {
        assert_eq!(c.read_reply(), Reply::ok());
    }
    let entries = c.cmd(&["SLOWLOG", "GET", "-1"]).items();
    let sets = entries.iter().filter(|e| args(e)[0] == "SET").count();
    assert_eq!(sets, 5);
}

#[test]
fn memory_usage_time_lastsave_shutdown_abort() {
    let s = Coreshard::start(SHARDS, &[]);
    let mut c = s.conn();
    for shard in 0..2 {
        let k = key_on(SHARDS, shard, "mem");
        assert_eq!(c.cmd(&["SET", &k, &"z".repeat(1000)]), Reply::ok());
        let n = c.cmd(&["MEMORY", "USAGE", &k]).int();
        assert!(n > 1000 && n < 1300, "{n}");
        assert_eq!(c.cmd(&["MEMORY", "USAGE", &k, "SAMPLES", "0"]).int(), n);
    }
    assert_eq!(c.cmd(&["MEMORY", "USAGE", "nokey"]), Reply::NullBulk);
    assert_eq!(c.cmd(&["MEMORY", "USAGE", "k", "SAMPLES", "x"]).err(), "ERR value is not an integer or out of range");
    assert_eq!(c.cmd(&["MEMORY", "USAGE", "k", "foo"]).err(), "ERR syntax error");
    assert_eq!(c.cmd(&["MEMORY", "USAGE"]).err(), "ERR wrong number of arguments for 'memory|usage' command");
    assert_eq!(c.cmd(&["MEMORY", "DOCTORX"]).err(), "ERR unknown subcommand 'DOCTORX'. Try MEMORY HELP.");
    assert_eq!(c.cmd(&["MEMORY", "HELP"]).items()[1].text(), "USAGE <key> [SAMPLES <count>]");

    let t = c.cmd(&["TIME"]).items();
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    let secs: u64 = t[0].text().parse().unwrap();
    let micros: u64 = t[1].text().parse().unwrap();
    assert!(secs.abs_diff(now.as_secs()) <= 2 && micros < 1_000_000);
    let lastsave = c.cmd(&["LASTSAVE"]).int() as u64;
    assert!(lastsave <= now.as_secs() && now.as_secs() - lastsave < 120);

    assert_eq!(c.cmd(&["SHUTDOWN", "ABORT"]).err(), "ERR No shutdown in progress.");
    assert_eq!(c.cmd(&["SHUTDOWN", "SAVE", "NOSAVE"]).err(), "ERR syntax error");
    assert_eq!(c.cmd(&["SHUTDOWN", "ABORT", "NOW"]).err(), "ERR syntax error");
    assert_eq!(c.cmd(&["SHUTDOWN", "LATER"]).err(), "ERR syntax error");
    assert_eq!(c.cmd(&["PING"]), Reply::Simple("PONG".into()), "still running");
}

/// Sends `n` pipelined SETs and a GET on one connection, then stops the
/// server with `stop`; returns how many replies came back before a clean
/// end-of-file. Every reply must be right and in order, and the connection
/// must end with end-of-file, not a reset (which would destroy replies the
/// client had not read yet). The process must exit with status 0.
fn pipeline_across_shutdown(n: usize, stop: impl FnOnce(&Coreshard)) -> usize {
    let mut s = Coreshard::start(SHARDS, &[]);
    let stream = std::net::TcpStream::connect(("127.0.0.1", s.port())).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut writer = stream.try_clone().unwrap();
    let mut p = Vec::with_capacity(n * 40);
    for i in 0..n {
        p.extend(encode_command::<&[u8]>(&[b"SET", b"counter", i.to_string().as_bytes()]));
    }
    p.extend(encode_command::<&[u8]>(&[b"GET", b"counter"]));
    // Replies are read concurrently so the server never blocks on writing.
    let reader = std::thread::spawn(move || {
        let mut r = std::io::BufReader::new(stream);
        for i in 0..=n {
            match read_reply_from(&mut r) {
                Ok(reply) if i < n => assert_eq!(reply, Reply::ok(), "reply {i}"),
                Ok(reply) => assert_eq!(reply.text(), (n - 1).to_string()),
                Err(e) => {
                    assert_eq!(e.kind(), std::io::ErrorKind::UnexpectedEof, "after {i} replies: {e}");
                    return i;
                }
            }
        }
        let end = read_reply_from(&mut r).unwrap_err();
        assert_eq!(end.kind(), std::io::ErrorKind::UnexpectedEof, "closed after the last reply");
        n + 1
    });
    // Anything the kernel has not delivered yet may be left unanswered.
    let _ = writer.write_all(&p);
    stop(&s);
    let answered = reader.join().expect("replies end cleanly");
    let status = s.wait_exit(Duration::from_secs(15)).expect("server exits");
    assert_eq!(status.code(), Some(0), "{}", s.log());
    assert!(s.log().contains("finishing in-flight requests"));
    answered
}

fn sigterm(s: &Coreshard) {
    s.send_signal(libc::SIGTERM);
}

fn shutdown_command(s: &Coreshard) {
    let mut admin = s.conn();
    admin.send(&["SHUTDOWN", "NOSAVE"]);
    // No reply: the connection just closes.
    assert!(admin.try_read_reply().is_err());
}

#[test]
fn sigterm_exits_zero_after_in_flight_requests() {
    // Small enough to be in the server's socket buffer when the signal
    // comes: every request is in flight and must be answered.
    assert_eq!(pipeline_across_shutdown(2000, sigterm), 2001);
    // Longer than any socket buffer: a prefix is answered, then end-of-file.
    assert!(pipeline_across_shutdown(200_000, sigterm) > 0);
}

#[test]
fn shutdown_command_exits_zero_after_in_flight_requests() {
    assert_eq!(pipeline_across_shutdown(2000, shutdown_command), 2001);
    assert!(pipeline_across_shutdown(200_000, shutdown_command) > 0);
}

#[test]
fn monitor_and_debug_are_unknown() {
    let s = Coreshard::start(SHARDS, &[]);
    let mut c = s.conn();
    assert!(c.cmd(&["MONITOR"]).err().starts_with("ERR unknown command 'MONITOR'"));
    assert!(c.cmd(&["DEBUG", "SLEEP", "0"]).err().starts_with("ERR unknown command 'DEBUG'"));
}

#[test]
fn reset_leaves_multi_watch_and_subscriptions() {
    let s = Coreshard::start(SHARDS, &[]);
    let mut c = s.shard_conn(1);
    let mut admin = s.conn();
    assert_eq!(c.cmd(&["SUBSCRIBE", "news"]).items()[0].text(), "subscribe");
    assert_eq!(c.cmd(&["PSUBSCRIBE", "n*"]).items()[0].text(), "psubscribe");
    // A subscriber on core 1, seen from a connection on the main port.
    let subs = admin.cmd(&["CLIENT", "LIST", "TYPE", "pubsub"]).text();
    assert_eq!(subs.lines().count(), 1, "{subs}");
    assert!(subs.contains(" flags=P ") && subs.contains(" sub=1 psub=1 "), "{subs}");
    assert_eq!(c.cmd(&["RESET"]), Reply::Simple("RESET".into()));
    assert_eq!(c.cmd(&["PING"]), Reply::Simple("PONG".into()), "no longer in subscribed mode");
    assert_eq!(admin.cmd(&["PUBLISH", "news", "hi"]).int(), 0);
    assert_eq!(admin.cmd(&["CLIENT", "LIST", "TYPE", "pubsub"]).text(), "");
    assert_eq!(admin.cmd(&["CLIENT", "KILL", "TYPE", "pubsub"]).int(), 0);

    let id = c.cmd(&["CLIENT", "ID"]).int().to_string();
    assert_eq!(c.cmd(&["MULTI"]), Reply::ok());
    assert_eq!(c.cmd(&["SET", "k", "queued"]), Reply::Simple("QUEUED".into()));
    let line = admin.cmd(&["CLIENT", "LIST", "ID", &id]).text();
    assert!(line.contains(" flags=x ") && line.contains(" multi=1 "), "{line}");
    assert_eq!(c.cmd(&["RESET"]), Reply::Simple("RESET".into()));
    assert_eq!(c.cmd(&["EXEC"]).err(), "ERR EXEC without MULTI");
    assert_eq!(c.cmd(&["GET", "k"]), Reply::NullBulk, "the queued SET never ran");

    // WATCH is forgotten too: a later transaction is not aborted by the
    // watched key's change.
    assert_eq!(c.cmd(&["WATCH", "w"]), Reply::ok());
    assert_eq!(c.cmd(&["RESET"]), Reply::Simple("RESET".into()));
    assert_eq!(admin.cmd(&["SET", "w", "changed"]), Reply::ok());
    assert_eq!(c.cmd(&["MULTI"]), Reply::ok());
    assert_eq!(c.cmd(&["SET", "k", "v"]), Reply::Simple("QUEUED".into()));
    assert_eq!(c.cmd(&["EXEC"]).items(), [Reply::ok()]);
}

#[test]
fn client_unblock_reaches_a_client_on_another_core() {
    let s = Coreshard::start(SHARDS, &[]);
    let mut blocked = s.shard_conn(1);
    let mut main = s.shard_conn(0);
    let id = blocked.cmd(&["CLIENT", "ID"]).int().to_string();
    let assert_blocked = |main: &mut RespConn| {
        let line = main.cmd(&["CLIENT", "LIST", "ID", &id]).text();
        assert!(line.contains(" flags=b ") && line.contains(" cmd=blpop "), "{line}");
    };
    blocked.send(&["BLPOP", "nolist", "0"]);
    main.wait_blocked_clients(1);
    assert_blocked(&mut main);
    assert_eq!(main.cmd(&["CLIENT", "UNBLOCK", &id, "ERROR"]).int(), 1);
    assert_eq!(blocked.read_reply().err(), "UNBLOCKED client unblocked via CLIENT UNBLOCK");

    blocked.send(&["BLPOP", "nolist", "0"]);
    main.wait_blocked_clients(1);
    assert_blocked(&mut main);
    assert_eq!(main.cmd(&["CLIENT", "UNBLOCK", &id]).int(), 1);
    assert_eq!(blocked.read_reply(), Reply::NullArray, "as on timeout");
    assert_eq!(main.cmd(&["CLIENT", "UNBLOCK", &id]).int(), 0, "no longer blocked");
    assert_eq!(blocked.cmd(&["PING"]), Reply::Simple("PONG".into()));

    assert_eq!(main.cmd(&["CLIENT", "UNBLOCK", "abc"]).err(), "ERR value is not an integer or out of range");
    assert_eq!(
        main.cmd(&["CLIENT", "UNBLOCK", "1", "foo"]).err(),
        "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR"
    );
    assert_eq!(main.cmd(&["CLIENT", "UNBLOCK", "99999"]).int(), 0);
    assert_eq!(
        main.cmd(&["CLIENT", "UNBLOCK", "1", "timeout", "x"]).err(),
        "ERR unknown subcommand or wrong number of arguments for 'UNBLOCK'. Try CLIENT HELP."
    );
}
