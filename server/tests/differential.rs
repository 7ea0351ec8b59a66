//! Differential tests: every script in `tests/diff/` runs against a real redis-server (the
//! reference) and against coreshard-server with two shards; every reply must match.
//!
//! `harness_redis_vs_redis` runs all scripts against two redis-servers, which proves the scripts
//! are deterministic under their comparison modifiers; the `runner_*` tests prove that the runner
//! reports differences.
mod common;

use common::diff::{self, Compare, Outcome};
use common::{Coreshard, RedisServer, Reply};

/// Runs script `name` against redis-server and a 2-shard coreshard-server.
fn diff_against_coreshard(name: &str) {
    let redis = RedisServer::start();
    let coreshard = Coreshard::start(2, &[]);
    let path = diff::script_path(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mismatches = diff::run_script_text(redis.port(), coreshard.port(), name, &text);
    if !mismatches.is_empty() {
        let log = coreshard.log();
        let tail: Vec<&str> = log.lines().rev().take(40).collect::<Vec<_>>().into_iter().rev().collect();
        panic!(
            "{}\ncoreshard-server log (last {} lines):\n{}",
            diff::report(name, redis.port(), coreshard.port(), &mismatches),
            tail.len(),
            tail.join("\n")
        );
    }
}

/// One `#[test]` per script; delete an entry's `#[ignore]` once its command family works.
macro_rules! differential_tests {
    ($($(#[$attr:meta])* $name:ident),* $(,)?) => {
        /// Every script with a test below; `harness_redis_vs_redis` checks this list against the directory.
        const SCRIPTS: &[&str] = &[$(stringify!($name)),*];
        $(
            #[test]
            $(#[$attr])*
            fn $name() {
                diff_against_coreshard(stringify!($name));
            }
        )*
    };
}

differential_tests! {
    connection,
    errors,
    expiry,
    float_precision,
    hashes,
    keys,
    lists,
    sets,
    strings,
    transactions,
    #[ignore = "needs the blocking sorted-set pops BZPOPMIN, BZPOPMAX and BZMPOP"]
    zsets,
}

#[test]
fn harness_redis_vs_redis() {
    let names = diff::script_names();
    let mut expected: Vec<&str> = SCRIPTS.to_vec();
    expected.sort_unstable();
    assert_eq!(names, expected, "every tests/diff/*.redis script needs an entry in differential_tests!");

    let reference = RedisServer::start();
    let candidate = RedisServer::start();
    let mut failures = String::new();
    for name in &names {
        let path = diff::script_path(name);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let mismatches = diff::run_script_text(reference.port(), candidate.port(), name, &text);
        if !mismatches.is_empty() {
            failures.push_str(&diff::report(name, reference.port(), candidate.port(), &mismatches));
        }
    }
    assert!(failures.is_empty(), "redis-server vs redis-server must agree on every script:\n{failures}");
}

/// A reference and a candidate redis-server that differ only in `databases` (16 vs 4), so that
/// `SELECT 5` fails on the candidate and later replies diverge deterministically.
fn diverging_pair() -> (RedisServer, RedisServer) {
    (RedisServer::start(), RedisServer::start_with(&["--databases", "4"]))
}

const DIVERGING_SCRIPT: &str = "\
SET k 1
SELECT 5
SET k 2
SELECT 0
# the candidate overwrote k in db 0
GET k
! CONFIG GET port
? CONFIG GET port
CONFIG GET port
@approx=1 DBSIZE
";

#[test]
fn runner_reports_every_mismatch_with_line_and_both_replies() {
    let (reference, candidate) = diverging_pair();
    let mismatches = diff::run_script_text(reference.port(), candidate.port(), "diverging", DIVERGING_SCRIPT);
    let lines: Vec<usize> = mismatches.iter().map(|m| m.line).collect();
    assert_eq!(lines, vec![2, 6, 9], "{mismatches:#?}");

    assert_eq!(mismatches[0].text, "SELECT 5");
    assert_eq!(mismatches[0].reference, Outcome::Reply(Reply::ok()));
    assert_eq!(mismatches[0].candidate, Outcome::Reply(Reply::error("ERR DB index is out of range")));
    assert_eq!(mismatches[1].reference, Outcome::Reply(Reply::bulk("1")));
    assert_eq!(mismatches[1].candidate, Outcome::Reply(Reply::bulk("2")));
    assert_eq!(
        mismatches[2].candidate,
        Outcome::Reply(Reply::bulks(&["port".to_owned(), candidate.port().to_string()]))
    );

    let text = diff::report("diverging", reference.port(), candidate.port(), &mismatches);
    for needle in ["3 mismatch(es)", "line 2: SELECT 5", "-ERR DB index is out of range", "line 6: GET k"] {
        assert!(text.contains(needle), "report lacks {needle:?}:\n{text}");
    }
}

#[test]
fn runner_panics_listing_all_mismatches() {
    let (reference, candidate) = diverging_pair();
    let dir = common::TempDir::new("diffscript");
    let script = dir.join("diverging.redis");
    std::fs::write(&script, DIVERGING_SCRIPT).unwrap_or_else(|e| panic!("cannot write {}: {e}", script.display()));
    let result = std::panic::catch_unwind(|| diff::run_script_against(reference.port(), candidate.port(), &script));
    let Err(payload) = result else { panic!("run_script_against accepted diverging servers") };
    let msg = payload.downcast_ref::<String>().cloned().unwrap_or_default();
    for needle in ["3 mismatch(es)", "line 2: SELECT 5", "line 6: GET k", "line 9: CONFIG GET port"] {
        assert!(msg.contains(needle), "panic message lacks {needle:?}:\n{msg}");
    }
    // Without the diverging lines the same servers pass.
    std::fs::write(&script, "SET k 1\nGET k\n? CONFIG GET port\n")
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", script.display()));
    diff::run_script_against(reference.port(), candidate.port(), &script);
}

#[test]
fn runner_compares_connection_close_and_captures_per_server() {
    let a = RedisServer::start();
    let b = RedisServer::start();
    let script = "\
SET k hello
! @capture=d DUMP k
RESTORE k2 0 ${d}
GET k2
@conn=1 GET k
QUIT
# a new connection replaces the closed one
GET k
";
    assert!(diff::run_script_text(a.port(), b.port(), "capture", script).is_empty());

    // A variable that was never captured is reported on both sides.
    let mismatches = diff::run_script_text(a.port(), b.port(), "nocapture", "GET ${nope}\n");
    assert_eq!(mismatches.len(), 1);
    assert!(matches!(&mismatches[0].reference, Outcome::Failed(e) if e.contains("never captured")));
}

#[test]
fn compare_modes() {
    let int = |i| Outcome::Reply(Reply::Integer(i));
    let arr = |v: &[&str]| Outcome::Reply(Reply::bulks(v));
    assert!(diff::outcomes_match(Compare::Exact, &int(3), &int(3)));
    assert!(!diff::outcomes_match(Compare::Exact, &int(3), &int(4)));
    assert!(diff::outcomes_match(Compare::Approx(1), &int(3), &int(4)));
    assert!(!diff::outcomes_match(Compare::Approx(1), &int(3), &int(5)));
    assert!(!diff::outcomes_match(Compare::Approx(1), &int(3), &arr(&["3"])));
    assert!(!diff::outcomes_match(Compare::Exact, &arr(&["a", "b"]), &arr(&["b", "a"])));
    assert!(diff::outcomes_match(Compare::Sorted, &arr(&["a", "b"]), &arr(&["b", "a"])));
    assert!(!diff::outcomes_match(Compare::Sorted, &arr(&["a", "b"]), &arr(&["b", "b"])));
    assert!(diff::outcomes_match(Compare::Shape, &arr(&["a", "b"]), &arr(&["c", "d"])));
    assert!(!diff::outcomes_match(Compare::Shape, &arr(&["a", "b"]), &arr(&["c"])));
    assert!(!diff::outcomes_match(Compare::Shape, &arr(&["a"]), &int(1)));
    assert!(!diff::outcomes_match(Compare::Shape, &Outcome::Reply(Reply::NullBulk), &Outcome::Reply(Reply::Null)));
    assert!(diff::outcomes_match(Compare::Skip, &int(1), &arr(&["x"])));
    assert!(!diff::outcomes_match(Compare::Skip, &int(1), &Outcome::Closed));
    assert!(diff::outcomes_match(Compare::Exact, &Outcome::Closed, &Outcome::Closed));
    assert!(!diff::outcomes_match(Compare::Skip, &int(1), &Outcome::Failed("timeout".into())));
    // Null encodings are distinct: $-1, *-1 and RESP3 _ must not be confused.
    assert!(!diff::outcomes_match(Compare::Exact, &Outcome::Reply(Reply::NullBulk), &Outcome::Reply(Reply::NullArray)));
    // Doubles compare by their text, so formatting differences are visible.
    assert!(!diff::outcomes_match(
        Compare::Exact,
        &Outcome::Reply(Reply::Double("1.5".into())),
        &Outcome::Reply(Reply::Double("1.50".into()))
    ));
}

#[test]
fn sorted_normalises_nested_aggregates() {
    let nested = Reply::Array(vec![Reply::bulk("0"), Reply::Array(vec![Reply::bulk("b"), Reply::bulk("a")])]);
    assert_eq!(
        nested.sorted(),
        Reply::Array(vec![Reply::bulk("0"), Reply::Array(vec![Reply::bulk("a"), Reply::bulk("b")])])
    );
    let map = Reply::Map(vec![(Reply::bulk("y"), Reply::Integer(1)), (Reply::bulk("x"), Reply::Integer(2))]);
    assert_eq!(
        map.sorted(),
        Reply::Map(vec![(Reply::bulk("x"), Reply::Integer(2)), (Reply::bulk("y"), Reply::Integer(1))])
    );
}

#[test]
fn script_parsing() {
    let args = diff::split_args(r#"SET "a b\n\x41\"" 'it\'s' plain ${v} "${v}""#).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        args,
        vec![
            diff::Arg::Literal(b"SET".to_vec()),
            diff::Arg::Literal(b"a b\nA\"".to_vec()),
            diff::Arg::Literal(b"it's".to_vec()),
            diff::Arg::Literal(b"plain".to_vec()),
            diff::Arg::Var("v".into()),
            diff::Arg::Literal(b"${v}".to_vec()),
        ]
    );
    assert_eq!(
        diff::split_args(r#""\xzz" """#),
        Ok(vec![diff::Arg::Literal(b"xzz".to_vec()), diff::Arg::Literal(vec![])])
    );
    assert!(diff::split_args(r#"GET "unterminated"#).is_err());
    assert!(diff::split_args(r#"GET "a"b"#).is_err());
    assert!(diff::split_args(r#"GET a"b"#).is_err());

    let steps = diff::parse_script("# comment\n\n~ KEYS *\n?SRANDMEMBER s\n!DUMP k\n@approx TTL k\n@approx=500 PTTL k\n@conn=2 @capture=x GET k\n@sleep 5\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let summary: Vec<(usize, Compare, usize, Option<String>)> =
        steps.iter().map(|s| (s.line, s.compare, s.conn, s.capture.clone())).collect();
    assert_eq!(
        summary,
        vec![
            (3, Compare::Sorted, 0, None),
            (4, Compare::Shape, 0, None),
            (5, Compare::Skip, 0, None),
            (6, Compare::Approx(1), 0, None),
            (7, Compare::Approx(500), 0, None),
            (8, Compare::Exact, 2, Some("x".into())),
            (9, Compare::Skip, 0, None),
        ]
    );
    assert_eq!(steps[6].action, diff::Action::Sleep(std::time::Duration::from_millis(5)));
    for bad in ["~ ? GET k", "@bogus GET k", "~", "@approx=x TTL k", "@sleep soon", "GET \"k"] {
        let err = diff::parse_script(bad).expect_err(bad);
        assert!(err.starts_with("line 1:"), "{err}");
    }
}

/// Authoring aid: prints every reply of one script from a fresh redis-server.
/// `DIFF_SCRIPT=keys cargo test -p coreshard-server --test differential print_reference_replies -- --ignored --nocapture`
#[test]
#[ignore = "authoring aid, run by hand with DIFF_SCRIPT=<name>"]
fn print_reference_replies() {
    let Ok(name) = std::env::var("DIFF_SCRIPT") else { panic!("set DIFF_SCRIPT to a script name") };
    let path = diff::script_path(&name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let steps = diff::parse_script(&text).unwrap_or_else(|e| panic!("{e}"));
    let redis = RedisServer::start();
    for (step, outcome) in diff::replay(redis.port(), &steps) {
        println!("{:>4} {}\n       {outcome}", step.line, step.text);
    }
}

#[test]
fn resp_parser_reads_every_type() {
    let wire: &[u8] = b"+OK\r\n-ERR bad\r\n:-42\r\n$3\r\na\r\n\r\n$0\r\n\r\n$-1\r\n*-1\r\n*2\r\n:1\r\n$1\r\nx\r\n\
_\r\n,1.5\r\n,-inf\r\n#t\r\n#f\r\n(3492890328409238509324850943850943825024385\r\n!9\r\nERR boom!\r\n\
=9\r\ntxt:hello\r\n%1\r\n+k\r\n:1\r\n~2\r\n+a\r\n+b\r\n>2\r\n$7\r\nmessage\r\n$2\r\nhi\r\n|1\r\n+ttl\r\n:3\r\n$1\r\nv\r\n";
    let mut r = std::io::BufReader::new(wire);
    let mut next = || common::read_reply_from(&mut r).unwrap_or_else(|e| panic!("parse error: {e}"));
    assert_eq!(next(), Reply::ok());
    assert_eq!(next(), Reply::error("ERR bad"));
    assert_eq!(next(), Reply::Integer(-42));
    assert_eq!(next(), Reply::bulk("a\r\n"));
    assert_eq!(next(), Reply::bulk(""));
    assert_eq!(next(), Reply::NullBulk);
    assert_eq!(next(), Reply::NullArray);
    assert_eq!(next(), Reply::Array(vec![Reply::Integer(1), Reply::bulk("x")]));
    assert_eq!(next(), Reply::Null);
    assert_eq!(next(), Reply::Double("1.5".into()));
    let inf = next();
    assert_eq!(inf.as_f64(), Some(f64::NEG_INFINITY));
    assert_eq!(next(), Reply::Boolean(true));
    assert_eq!(next(), Reply::Boolean(false));
    assert_eq!(next(), Reply::BigNumber("3492890328409238509324850943850943825024385".into()));
    assert_eq!(next(), Reply::error("ERR boom!"));
    assert_eq!(next(), Reply::Verbatim { format: "txt".into(), text: b"hello".to_vec() });
    assert_eq!(next(), Reply::Map(vec![(Reply::simple("k"), Reply::Integer(1))]));
    assert_eq!(next(), Reply::Set(vec![Reply::simple("a"), Reply::simple("b")]));
    assert_eq!(next(), Reply::Push(vec![Reply::bulk("message"), Reply::bulk("hi")]));
    assert_eq!(
        next(),
        Reply::Attribute { attrs: vec![(Reply::simple("ttl"), Reply::Integer(3))], reply: Box::new(Reply::bulk("v")) }
    );
    let eof = common::read_reply_from(&mut r).map(|_| ()).map_err(|e| e.kind());
    assert_eq!(eof, Err(std::io::ErrorKind::UnexpectedEof));
    // Malformed input is an error, not a panic.
    for bad in [&b"?x\r\n"[..], b"$5\r\nab\r\n", b":12a\r\n", b"+OK\n", b"#x\r\n"] {
        assert!(common::read_reply_from(&mut std::io::BufReader::new(bad)).is_err(), "{bad:?}");
    }
    assert_eq!(format!("{:?}", Reply::bulk("a\"\x01")), r#""a\"\x01""#);
}
