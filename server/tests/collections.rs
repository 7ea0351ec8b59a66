//! Hash, set and sorted-set commands, compared reply by reply with a real
//! `redis-server`.
//!
//! Each test starts a fresh `coreshard-server` (two shards) and a fresh
//! `redis-server`, runs the same script against both (the differential
//! script syntax of `common::diff`: `~` sorted, `?` shape only, `!` not
//! compared), in RESP2 and again after `HELLO 3`, and reports every reply
//! that differs.
//!
//! Keys without a hash tag are chosen so that multi-key commands span both
//! shards (`keys_span_both_shards` checks the choice), which exercises the
//! cross-shard transaction path of SMOVE, SINTER..., ZRANGESTORE, ZMPOP,
//! ZUNION... as well as the single-shard path (`{tag}` keys).
mod common;

use common::diff::{self, Action, Arg, Outcome};
use common::{Coreshard, RedisServer, Reply, RespConn};
use coreshard_engine::Router;

fn outcome(conn: &mut RespConn, args: &[Vec<u8>]) -> Outcome {
    match conn.try_cmd(args) {
        Ok(r) => Outcome::Reply(r),
        Err(e) => Outcome::Failed(e.to_string()),
    }
}

/// Runs `script` on fresh servers (after `HELLO 3` when `resp3`) and fails
/// listing every line whose replies differ.
fn compare(script: &str, resp3: bool) {
    let redis = RedisServer::start();
    let ours = Coreshard::start(2, &[]);
    let (mut reference, mut candidate) = (redis.conn(), ours.conn());
    if resp3 {
        for conn in [&mut reference, &mut candidate] {
            let hello = conn.cmd(&["HELLO", "3"]);
            assert!(matches!(hello, Reply::Map(_)), "HELLO 3 answered {hello:?}");
        }
    }
    let steps = diff::parse_script(script).unwrap_or_else(|e| panic!("bad script: {e}"));
    let mut mismatches = Vec::new();
    for step in &steps {
        let Action::Command(args) = &step.action else { panic!("line {}: only commands here", step.line) };
        let args: Vec<Vec<u8>> = args
            .iter()
            .map(|a| match a {
                Arg::Literal(b) => b.clone(),
                Arg::Var(v) => panic!("line {}: no captures here (${{{v}}})", step.line),
            })
            .collect();
        let (a, b) = (outcome(&mut reference, &args), outcome(&mut candidate, &args));
        if !diff::outcomes_match(step.compare, &a, &b) {
            mismatches.push(diff::Mismatch {
                line: step.line,
                text: step.text.clone(),
                compare: step.compare,
                reference: a,
                candidate: b,
            });
        }
    }
    assert!(steps.len() > 20, "script too short: {} commands", steps.len());
    if !mismatches.is_empty() {
        let name = if resp3 { "RESP3" } else { "RESP2" };
        panic!("{}\n{}", diff::report(name, redis.port(), ours.port(), &mismatches), ours.log());
    }
}

#[test]
fn keys_span_both_shards() {
    let router = Router::new(2).expect("router");
    let shard = |k: &str| router.shard_of(k.as_bytes());
    // The scripts rely on these plain keys living on different shards.
    assert_ne!(shard("a"), shard("b"));
    assert_ne!(shard("a"), shard("c"));
    assert_ne!(shard("b"), shard("d"));
    assert_ne!(shard("s1"), shard("s2"));
    assert_ne!(shard("z1"), shard("z2"));
    assert_ne!(shard("z2"), shard("z4"));
    assert_eq!(shard("{t}a"), shard("{t}b"));
}

/// A cross-shard SMOVE is atomic: while a writer moves members back and
/// forth between sets on different shards, a reader using atomic
/// cross-shard reads (SUNION, SINTERCARD) never sees a member missing or in
/// both sets.
#[test]
fn cross_shard_smove_is_atomic() {
    const MEMBERS: usize = 20;
    const ROUNDS: usize = 400;
    let ours = Coreshard::start(2, &[]);
    let router = Router::new(2).expect("router");
    assert_ne!(router.shard_of(b"a"), router.shard_of(b"b"));
    let members: Vec<String> = (0..MEMBERS).map(|i| format!("m{i}")).collect();
    let mut sadd = vec!["SADD".to_string(), "a".to_string()];
    sadd.extend(members.iter().cloned());
    let mut reader = ours.conn();
    assert_eq!(reader.cmd(&sadd), Reply::Integer(MEMBERS as i64));

    let port = ours.port();
    let writer = std::thread::spawn(move || {
        let mut c = RespConn::connect(port);
        for round in 0..ROUNDS {
            let m = format!("m{}", round % MEMBERS);
            let (from, to) = if (round / MEMBERS) % 2 == 0 { ("a", "b") } else { ("b", "a") };
            assert_eq!(c.cmd(&["SMOVE", from, to, &m]), Reply::Integer(1), "round {round}");
        }
    });
    let mut checks = 0;
    while !writer.is_finished() || checks == 0 {
        let union = reader.cmd(&["SUNION", "a", "b"]);
        assert_eq!(union.as_array().map(<[Reply]>::len), Some(MEMBERS), "SUNION saw {union:?}");
        assert_eq!(reader.cmd(&["SINTERCARD", "2", "a", "b"]), Reply::Integer(0));
        checks += 1;
    }
    writer.join().expect("writer");
    assert_eq!(reader.cmd(&["SCARD", "a"]), Reply::Integer(MEMBERS as i64));
    assert!(checks > 1, "the reader ran only once");
}

// ----- inside MULTI/EXEC ------------------------------------------------

/// The multi-key commands queued in MULTI and run by EXEC, with keys on both
/// shards (EXEC holds every shard involved and runs their cross-shard form).
const IN_TRANSACTION: &str = r#"
MULTI
SADD a x y
SADD b z
SMOVE a b x
SDIFF a b
SINTERSTORE c a b
SUNIONSTORE d a b
SINTERCARD 2 a b
HSET h1 f v
HGETALL h1
ZADD z1 1 m 2 n
ZADD z2 3 o
ZUNIONSTORE z4 2 z1 z2 WEIGHTS 2 1
ZINTER 2 z1 z4 WITHSCORES
ZRANGESTORE z3 z1 0 0
ZMPOP 2 missing z2 MAX
ZINTERCARD 2 z1 z4
ZUNION 2 z1 a WEIGHTS 1 x
EXEC
~ SMEMBERS b
~ SMEMBERS d
ZRANGE z3 0 -1 WITHSCORES
ZRANGE z4 0 -1 WITHSCORES
MULTI
ZUNION 2 z1 z4 WITHSCORES
ZMPOP 1 z4 MIN COUNT 2
HGETALL h1
EXEC
"#;

#[test]
fn in_transaction_resp2() {
    compare(IN_TRANSACTION, false);
}

#[test]
fn in_transaction_resp3() {
    compare(IN_TRANSACTION, true);
}

// ----- hashes ------------------------------------------------------------

const HASHES: &str = r#"
HSET h f1 v1
HSET h f1 v1b f2 v2 f3 v3
HSET h f1
HMSET h f4 v4 f5 v5
HMSET h f4
HGET h f1
HGET h nothere
HGET missing f1
HMGET h f1 f2 nothere f3
HMGET missing a b
HLEN h
HLEN missing
HEXISTS h f1
HEXISTS h nothere
HEXISTS missing f
HSTRLEN h f1
HSTRLEN h nothere
HSTRLEN missing f
~ HKEYS h
~ HVALS h
~ HGETALL h
HKEYS missing
HVALS missing
HGETALL missing
HDEL h f5 nothere
HDEL h f4 f4
HDEL missing f
HSET h "" empty-field
HGET h ""
HSET h "bin\x00field" "bin\x00value"
HGET h "bin\x00field"
HDEL h "" "bin\x00field"
HSETNX h f1 other
HSETNX h newf newv
HGET h newf
HSETNX fresh f v
HGETALL fresh
# HINCRBY
HINCRBY h counter 1
HINCRBY h counter -20
HINCRBY h f1 1
HINCRBY h counter abc
HINCRBY h counter 1.5
HINCRBY h counter 99999999999999999999
HSET h big 9223372036854775800
HINCRBY h big 7
HINCRBY h big 1
HSET h spaced " 5"
HINCRBY h spaced 1
# HINCRBYFLOAT
HINCRBYFLOAT h fl 1.5
HINCRBYFLOAT h fl 0.25
HINCRBYFLOAT h fl -1.75
HINCRBYFLOAT h fl 1e3
HSET h fl2 10.50
HINCRBYFLOAT h fl2 0
HINCRBYFLOAT h counter 0.5
HINCRBYFLOAT h f1 1
HINCRBYFLOAT h fl abc
HINCRBYFLOAT h fl inf
HINCRBYFLOAT h fl ""
HINCRBYFLOAT newhash x -3
# HRANDFIELD
HSET r a 1 b 2 c 3 d 4 e 5
? HRANDFIELD r
? HRANDFIELD r 3
? HRANDFIELD r -3
? HRANDFIELD r -10
? HRANDFIELD r 3 WITHVALUES
? HRANDFIELD r -7 WITHVALUES
~ HRANDFIELD r 5
~ HRANDFIELD r 100
~ HRANDFIELD r 5 WITHVALUES
HRANDFIELD r 0
HRANDFIELD r 0 WITHVALUES
HRANDFIELD missing
HRANDFIELD missing 5
HRANDFIELD missing 5 WITHVALUES
HRANDFIELD r abc
HRANDFIELD r 3 BOGUS
HRANDFIELD r 3 WITHVALUES extra
HRANDFIELD r -9223372036854775808
HRANDFIELD r -9223372036854775807 WITHVALUES
HRANDFIELD r 5000000000000000000 WITHVALUES
HSET one only 1
HRANDFIELD one -3 WITHVALUES
HRANDFIELD one 1
# HSCAN
~ HSCAN r 0
~ HSCAN r 0 COUNT 1000
~ HSCAN r 0 MATCH [ab] COUNT 1000
~ HSCAN r 0 MATCH nomatch
HSCAN missing 0
HSCAN missing 0 COUNT 0
HSCAN r abc
HSCAN r -1
HSCAN r 18446744073709551616
HSCAN r 0 COUNT 0
HSCAN r 0 COUNT x
HSCAN r 0 BOGUS
HSCAN r 0 NOVALUES
HSCAN r 0 MATCH
# emptied hashes are deleted
HSET gone f v
HDEL gone f
GET gone
# wrong types and arity
SET str v
HSET str f v
HGET str f
HMGET str f
HGETALL str
HLEN str
HDEL str f
HINCRBY str f 1
HINCRBYFLOAT str f 1
HRANDFIELD str
HRANDFIELD str 1
HSCAN str 0
HSCAN str 0 COUNT 0
HSCAN str x
HSTRLEN str f
HEXISTS str f
HSETNX str f v
HKEYS str
HVALS str
HSET h
HGET h
HSETNX h f1
HINCRBY h counter
HSCAN h
"#;

#[test]
fn hashes_resp2() {
    compare(HASHES, false);
}

#[test]
fn hashes_resp3() {
    compare(HASHES, true);
}

// ----- sets --------------------------------------------------------------

const SETS: &str = r#"
SADD s a b c
SADD s c d
SCARD s
SCARD missing
SISMEMBER s a
SISMEMBER s z
SISMEMBER missing a
SMISMEMBER s a z b
SMISMEMBER missing a b
~ SMEMBERS s
SMEMBERS missing
SREM s a z
SREM s b b
SREM missing a
~ SMEMBERS s
SADD ints 3 1 2 10 -5
~ SMEMBERS ints
SADD s ""
SISMEMBER s ""
SREM s ""
# SMOVE, same shard and across shards
SADD {m}a 1 2 3
SADD {m}b 3 4
SMOVE {m}a {m}b 1
SMOVE {m}a {m}b 3
SMOVE {m}a {m}b 99
~ SMEMBERS {m}a
~ SMEMBERS {m}b
SMOVE {m}a {m}a 2
SMOVE {m}a {m}a 99
SMOVE {m}a {m}new 2
GET {m}a
~ SMEMBERS {m}new
SMOVE {m}missing {m}b 1
SADD a x y
SMOVE a b x
SMOVE a b y
GET a
~ SMEMBERS b
SET c v
SMOVE b c x
SMOVE c b x
SMOVE b c nothere
SMOVE b d nothere
SMOVE missing c x
# SINTER, SUNION, SDIFF, their STORE forms
SADD {s}a 1 2 3 4 a
SADD {s}b 2 3 5 a b
SADD {s}c 3 a z
~ SINTER {s}a {s}b
~ SINTER {s}a {s}b {s}c
SINTER {s}a {s}missing
~ SINTER {s}a
~ SUNION {s}a {s}b {s}c
~ SUNION {s}a {s}missing
SUNION {s}missing
~ SDIFF {s}a {s}b
~ SDIFF {s}a {s}b {s}c
~ SDIFF {s}a {s}missing
SDIFF {s}missing {s}a
SINTERSTORE {s}dst {s}a {s}b
~ SMEMBERS {s}dst
SUNIONSTORE {s}dst {s}a {s}c
~ SMEMBERS {s}dst
SDIFFSTORE {s}dst {s}a {s}b
~ SMEMBERS {s}dst
SET {s}str v
SINTERSTORE {s}str {s}a {s}missing
GET {s}str
SET {s}str v
SUNIONSTORE {s}str {s}a
SCARD {s}str
SDIFFSTORE {s}dst {s}a {s}a
GET {s}dst
SINTERSTORE {s}a {s}a {s}b
~ SMEMBERS {s}a
SINTER {s}a {s}str2
SET {s}str2 v
SINTER {s}a {s}str2
SUNION {s}str2 {s}a
SDIFF {s}missing {s}str2
SINTER {s}missing {s}str2
SINTERSTORE {s}dst {s}a {s}str2
# across shards
SADD s1 1 2 3
SADD s2 2 3 4
SADD s3 3 4 5
~ SINTER s1 s2 s3
~ SUNION s1 s2 s3
~ SDIFF s1 s2 s3
SINTER s1 s4
~ SUNION s1 s4
SUNIONSTORE s4 s1 s2 s3
~ SMEMBERS s4
SINTERSTORE s2 s1 s2
~ SMEMBERS s2
SDIFFSTORE s4 s3 s1
~ SMEMBERS s4
SINTERSTORE s1 s1 s3
~ SMEMBERS s1
SDIFFSTORE s4 s1 s1
GET s4
SET d str
SUNION s1 d
SUNIONSTORE d s1 s3
~ SMEMBERS d
SINTERSTORE b missing1 s3
# SINTERCARD
SADD {c}a 1 2 3 4 5
SADD {c}b 3 4 5 6
SINTERCARD 2 {c}a {c}b
SINTERCARD 2 {c}a {c}b LIMIT 2
SINTERCARD 2 {c}a {c}b LIMIT 0
SINTERCARD 2 {c}a {c}b LIMIT 100
SINTERCARD 1 {c}a
SINTERCARD 2 {c}a {c}missing
SINTERCARD 0 {c}a
SINTERCARD -1 {c}a
SINTERCARD 3 {c}a {c}b
SINTERCARD 2 {c}a {c}b LIMIT -1
SINTERCARD 2 {c}a {c}b LIMIT abc
SINTERCARD 2 {c}a {c}b BOGUS 1
SINTERCARD 2 {c}a {c}b LIMIT
SINTERCARD abc {c}a
SINTERCARD 2 {c}a {s}str2
SINTERCARD 2 s2 s3
SINTERCARD 2 s2 s3 LIMIT 1
SINTERCARD 2 s3 d
# SRANDMEMBER and SPOP
SADD r a b c d e
? SRANDMEMBER r
? SRANDMEMBER r 3
? SRANDMEMBER r -3
? SRANDMEMBER r -10
~ SRANDMEMBER r 5
~ SRANDMEMBER r 50
SRANDMEMBER r 0
SRANDMEMBER missing
SRANDMEMBER missing 3
SRANDMEMBER r abc
SRANDMEMBER r 1 2
SRANDMEMBER r -9223372036854775808
? SPOP r
SCARD r
? SPOP r 2
SCARD r
? SPOP r 10
SCARD r
SPOP r
SPOP r 3
SPOP missing
SPOP missing 0
SADD rint 1 2 3
SPOP rint 0
SPOP rint -1
SPOP rint abc
SPOP rint 1 2
~ SPOP rint 3
GET rint
# SSCAN
SADD sc a b c d e 1 2
~ SSCAN sc 0 COUNT 1000
~ SSCAN sc 0 MATCH [a-c] COUNT 1000
~ SSCAN sc 0 MATCH * COUNT 1000
SSCAN missing 0
SSCAN missing 0 COUNT 0
SSCAN sc abc
SSCAN sc 0 COUNT 0
SSCAN sc 0 BOGUS
# wrong types and arity
SET str v
SADD str a
SREM str a
SCARD str
SISMEMBER str a
SMEMBERS str
SMISMEMBER str a
SRANDMEMBER str
SRANDMEMBER str 2
SPOP str
SPOP str 2
SSCAN str 0
SCARD
SADD s
SISMEMBER s
SISMEMBER s a b
SMOVE a b
SINTER
SINTERSTORE x
SINTERCARD 1
"#;

#[test]
fn sets_resp2() {
    compare(SETS, false);
}

#[test]
fn sets_resp3() {
    compare(SETS, true);
}

// ----- sorted sets -------------------------------------------------------

const ZSETS: &str = r#"
ZADD z 1 a 2 b 3 c
ZADD z 4 d 5 e
ZADD z 10 a
ZSCORE z a
ZADD z NX 20 a 6 f
ZADD z XX 30 a 7 g
ZSCORE z g
ZADD z GT 5 a
ZADD z GT 40 a
ZADD z LT 50 a
ZADD z LT 35 a
ZADD z CH 35 a 1 b 100 h
ZADD z GT CH 1 a 36 a
ZADD z INCR 5 b
ZADD z INCR NX 5 b
ZADD z INCR XX 5 nothere
ZADD z INCR GT -100 b
ZADD z INCR LT -1 b
ZADD z INCR 1 a 2 b
ZADD z NX XX 1 a
ZADD z GT LT 1 a
ZADD z NX GT 1 a
ZADD z 1
ZADD z abc a
ZADD z 1 a 2
ZADD z nan a
ZADD z BOGUS 1 a
ZADD z XX CH
ZADD z GT 1 newmember
ZADD z 1.5 x 2.25 y -0.5 w 1e3 v 3.0 u
ZRANGE z 0 -1 WITHSCORES
ZCARD z
ZCARD missing
ZADD z INCR inf a
ZADD z INCR -inf a
ZADD z 0 zero -0 negzero
ZSCORE z negzero
ZADD empty XX 1 a
GET empty
ZADD z INCR 1.7976931348623157e308 big
ZADD z INCR 1.7976931348623157e308 big
# score formatting
ZADD f 0.1 a 0.2 b 1.0000000000000002 c 123456789012345678 d 1e-10 e -3.14159 g 1e300 h 5e-324 i
ZRANGE f 0 -1 WITHSCORES
ZSCORE f c
ZSCORE f i
ZINCRBY f 0.1 b
ZADD f +inf pinf -inf ninf
ZMSCORE f pinf ninf a nothere
ZMSCORE missing a b
ZINCRBY f -inf pinf
ZINCRBY f 1 pinf
ZINCRBY f abc a
ZINCRBY newz 3 m
# ZRANGE and its older forms
ZADD q 1 a 2 b 3 c 4 d 5 e 6 f
ZRANGE q 0 -1
ZRANGE q 2 3
ZRANGE q -2 -1
ZRANGE q -100 100
ZRANGE q 4 2
ZRANGE q 0 -1 REV
ZRANGE q 0 1 REV WITHSCORES
ZRANGE q 2 4 BYSCORE
ZRANGE q (2 4 BYSCORE
ZRANGE q -inf +inf BYSCORE LIMIT 1 2
ZRANGE q -inf +inf BYSCORE LIMIT 1 -1
ZRANGE q -inf +inf BYSCORE LIMIT -1 2
ZRANGE q -inf +inf BYSCORE LIMIT 10 2
ZRANGE q 4 2 BYSCORE REV
ZRANGE q +inf -inf BYSCORE REV LIMIT 0 2 WITHSCORES
ZRANGE q 0 -1 LIMIT 0 1
ZRANGE q 0 -1 LIMIT 3 -1
ZRANGE q 0 -1 BYSCORE BYLEX
ZRANGE q a b BYSCORE
ZRANGE q 0 -1 WITHSCORES WITHSCORES
ZRANGE q 0 -1 BOGUS
ZRANGE q a b BOGUS
ZRANGE missing 0 -1
ZADD lex 0 a 0 b 0 c 0 d 0 e 0 f 0 g
ZRANGE lex - + BYLEX
ZRANGE lex [b [d BYLEX
ZRANGE lex (b (d BYLEX
ZRANGE lex [b + BYLEX LIMIT 1 2
ZRANGE lex + - BYLEX REV
ZRANGE lex [d (b BYLEX REV LIMIT 0 1
ZRANGE lex b d BYLEX
ZRANGE lex - + BYLEX WITHSCORES
ZRANGEBYSCORE q 2 4
ZRANGEBYSCORE q 2 4 WITHSCORES
ZRANGEBYSCORE q -inf +inf LIMIT 2 2
ZRANGEBYSCORE q abc 1
ZRANGEBYSCORE q 1 2 LIMIT 0
ZRANGEBYSCORE q 1 2 BYSCORE
ZREVRANGEBYSCORE q 4 2
ZREVRANGEBYSCORE q +inf -inf WITHSCORES LIMIT 0 3
ZREVRANGE q 0 1
ZREVRANGE q 0 -1 WITHSCORES
ZREVRANGE q 0 -1 REV
ZRANGEBYLEX lex - [c
ZRANGEBYLEX lex [c + LIMIT 1 1
ZRANGEBYLEX lex - + WITHSCORES
ZREVRANGEBYLEX lex + [e
ZREVRANGEBYLEX lex [e - LIMIT 0 2
# ZRANGESTORE, same shard and across shards
ZADD {r}src 1 a 2 b 3 c 4 d
ZRANGESTORE {r}dst {r}src 0 2
ZRANGE {r}dst 0 -1 WITHSCORES
ZRANGESTORE {r}dst {r}src 2 4 BYSCORE REV
ZRANGESTORE {r}dst {r}src 4 2 BYSCORE REV
ZRANGE {r}dst 0 -1 WITHSCORES
ZRANGESTORE {r}dst {r}src 10 20
GET {r}dst
ZRANGESTORE {r}dst {r}src 0 -1 WITHSCORES
ZRANGESTORE z1 q 1 3
ZRANGE z1 0 -1 WITHSCORES
ZRANGESTORE z1 lex [b [c BYLEX
ZRANGE z1 0 -1 WITHSCORES
ZRANGESTORE z1 missing 0 -1
GET z1
SET z4 v
ZRANGESTORE z2 z4 0 -1
ZRANGESTORE z4 q 0 0
ZRANGE z4 0 -1
# ranks, scores, counts
ZRANK q a
ZRANK q f
ZRANK q nothere
ZRANK missing a
ZREVRANK q a
ZREVRANK q f
ZRANK q a WITHSCORE
ZCOUNT q 1 5
ZCOUNT q (1 (5
ZCOUNT q -inf +inf
ZCOUNT q 5 1
ZCOUNT q abc 1
ZCOUNT missing 0 1
ZLEXCOUNT lex - +
ZLEXCOUNT lex [b (e
ZLEXCOUNT lex a b
ZLEXCOUNT missing - +
# ZREM and ZREMRANGEBY*
ZREM q a b nothere
ZREM missing a
ZREMRANGEBYRANK q 0 0
ZREMRANGEBYRANK q -1 -1
ZREMRANGEBYRANK q 5 10
ZREMRANGEBYRANK q a 1
ZRANGE q 0 -1 WITHSCORES
ZREMRANGEBYSCORE q 4 4
ZREMRANGEBYSCORE q abc 1
ZREMRANGEBYLEX lex [b [c
ZREMRANGEBYLEX lex (f +
ZREMRANGEBYLEX lex b c
ZRANGE lex 0 -1
ZREMRANGEBYRANK lex 0 -1
GET lex
# ZPOPMIN/ZPOPMAX, ZMPOP
ZADD p 1 a 2 b 3 c 4 d 5 e
ZPOPMIN p
ZPOPMAX p
ZPOPMIN p 2
ZPOPMAX p 0
ZPOPMAX p 5
GET p
ZPOPMIN p
ZPOPMIN missing 3
ZPOPMIN p -1
ZPOPMIN p abc
ZPOPMIN p 1 2
ZADD {mp}a 1 a 2 b 3 c
ZMPOP 2 {mp}missing {mp}a MIN
ZMPOP 2 {mp}missing {mp}a MAX COUNT 5
ZMPOP 2 {mp}missing {mp}a MIN
ZADD c 1 x
ZADD d 2 y 3 z
ZMPOP 2 b d MAX COUNT 2
ZMPOP 2 c d MIN COUNT 2
ZMPOP 2 c d MIN
ZMPOP 0 a MIN
ZMPOP 1 a MIDDLE
ZMPOP 1 a MIN COUNT 0
ZMPOP 1 a MIN COUNT 1 COUNT 1
ZMPOP 2 a MIN
SET e v
ZMPOP 2 missing e MIN
# ZUNION / ZINTER / ZDIFF and their STORE forms
ZADD {u}a 1 a 2 b 3 c
ZADD {u}b 10 b 20 c 30 d
SADD {u}c a d
ZUNION 2 {u}a {u}b
ZUNION 2 {u}a {u}b WITHSCORES
ZUNION 2 {u}a {u}b WEIGHTS 2 0.5 WITHSCORES
ZUNION 2 {u}a {u}b AGGREGATE MIN WITHSCORES
ZUNION 2 {u}a {u}b AGGREGATE MAX WITHSCORES
ZUNION 3 {u}a {u}b {u}c WITHSCORES
ZUNION 2 {u}a {u}missing WITHSCORES
ZINTER 2 {u}a {u}b WITHSCORES
ZINTER 2 {u}a {u}b WEIGHTS 1 -1 AGGREGATE SUM WITHSCORES
ZINTER 2 {u}a {u}c WITHSCORES
ZINTER 2 {u}a {u}missing
ZDIFF 2 {u}a {u}b WITHSCORES
ZDIFF 2 {u}b {u}c WITHSCORES
ZDIFF 1 {u}a WITHSCORES
ZDIFF 2 {u}missing {u}a
ZUNIONSTORE {u}dst 2 {u}a {u}b
ZRANGE {u}dst 0 -1 WITHSCORES
ZUNIONSTORE {u}dst 2 {u}a {u}b WEIGHTS 1 2 AGGREGATE MAX
ZRANGE {u}dst 0 -1 WITHSCORES
ZINTERSTORE {u}dst 2 {u}a {u}b
ZRANGE {u}dst 0 -1 WITHSCORES
ZINTERSTORE {u}dst 2 {u}a {u}missing
GET {u}dst
ZDIFFSTORE {u}dst 2 {u}a {u}b
ZRANGE {u}dst 0 -1 WITHSCORES
ZDIFFSTORE {u}dst 2 {u}a {u}a
GET {u}dst
ZUNIONSTORE {u}a 2 {u}a {u}b
ZRANGE {u}a 0 -1 WITHSCORES
ZADD {inf}a +inf x -inf y 1 z
ZADD {inf}b -inf x +inf y 1 z
ZUNION 2 {inf}a {inf}b WITHSCORES
ZINTER 2 {inf}a {inf}b WEIGHTS 0 1 WITHSCORES
ZUNION 0 {u}a
ZUNION -1 {u}a
ZUNIONSTORE {u}dst 0 {u}a
ZUNION 3 {u}a {u}b
ZUNION 2 {u}a {u}b WEIGHTS 1
ZUNION 2 {u}a {u}b WEIGHTS 1 abc
ZUNION 2 {u}a {u}b AGGREGATE AVG
ZUNION 2 {u}a {u}b BOGUS
ZUNION abc {u}a
ZUNIONSTORE {u}dst 2 {u}a {u}b WITHSCORES
ZDIFF 2 {u}a {u}b WEIGHTS 1 2
SET {u}str v
ZUNION 2 {u}a {u}str
ZINTER 2 {u}str {u}a
ZUNION 2 {u}a {u}str WEIGHTS 1 abc
ZUNION 2 {u}a {u}str BOGUS
ZUNIONSTORE {u}str 2 {u}a {u}b
ZRANGE {u}str 0 -1
# across shards
ZADD z1 1 a 2 b
ZADD z2 3 b 4 c
SADD z3 c d
ZUNION 2 z1 z2 WITHSCORES
ZINTER 2 z1 z2 WITHSCORES
ZDIFF 2 z1 z2
ZUNION 3 z1 z2 z3 WEIGHTS 1 2 3 AGGREGATE MAX WITHSCORES
ZUNIONSTORE z4 2 z1 z2 AGGREGATE MIN
ZRANGE z4 0 -1 WITHSCORES
ZINTERSTORE z4 3 z1 z2 z3
GET z4
ZDIFFSTORE z4 2 z2 z1
ZRANGE z4 0 -1 WITHSCORES
ZUNIONSTORE z1 2 z1 z2
ZRANGE z1 0 -1 WITHSCORES
ZINTERCARD 2 z1 z2
ZINTERCARD 3 z1 z2 z3 LIMIT 1
SET e v
ZUNION 2 z1 e
ZUNION 2 z1 e WEIGHTS 1 x
ZINTERSTORE z4 2 z1 e
# ZINTERCARD
ZADD {ic}a 1 a 2 b 3 c 4 d
ZADD {ic}b 1 b 2 c 3 d 4 e
ZINTERCARD 2 {ic}a {ic}b
ZINTERCARD 2 {ic}a {ic}b LIMIT 2
ZINTERCARD 2 {ic}a {ic}b LIMIT 0
ZINTERCARD 2 {ic}a {ic}missing
ZINTERCARD 0 {ic}a
ZINTERCARD 3 {ic}a {ic}b
ZINTERCARD 2 {ic}a {ic}b LIMIT -1
ZINTERCARD 2 {ic}a {ic}b LIMIT x
ZINTERCARD 2 {ic}a {ic}b WITHSCORES
ZINTERCARD 2 {ic}a {u}str
# ZRANDMEMBER
ZADD rm 1 a 2 b 3 c 4 d 5 e
? ZRANDMEMBER rm
? ZRANDMEMBER rm 3
? ZRANDMEMBER rm -8
? ZRANDMEMBER rm 3 WITHSCORES
? ZRANDMEMBER rm -3 WITHSCORES
~ ZRANDMEMBER rm 5
~ ZRANDMEMBER rm 9 WITHSCORES
ZRANDMEMBER rm 0
ZRANDMEMBER missing
ZRANDMEMBER missing 3
ZRANDMEMBER missing -3 WITHSCORES
ZRANDMEMBER rm abc
ZRANDMEMBER rm 1 BOGUS
ZRANDMEMBER rm -9223372036854775808
ZRANDMEMBER rm 5000000000000000000 WITHSCORES
# ZSCAN
~ ZSCAN rm 0 COUNT 1000
ZSCAN rm 0
ZSCAN rm 0 COUNT 2 MATCH [bcd]
~ ZSCAN rm 0 MATCH [abc] COUNT 1000
ZSCAN missing 0
ZSCAN rm abc
ZSCAN rm 0 COUNT 0
# wrong types and arity
SET str v
ZADD str 1 a
ZRANGE str 0 -1
ZSCORE str a
ZMSCORE str a
ZCARD str
ZINCRBY str 1 a
ZRANK str a
ZREM str a
ZPOPMIN str
ZRANDMEMBER str
ZRANDMEMBER str 2
ZSCAN str 0
ZCOUNT str 0 1
ZRANGESTORE str z 0 -1
GET str
ZADD
ZRANGE z 0
ZRANK z
ZINCRBY z 1
ZRANGESTORE a b c
"#;

#[test]
fn zsets_resp2() {
    compare(ZSETS, false);
}

#[test]
fn zsets_resp3() {
    compare(ZSETS, true);
}
