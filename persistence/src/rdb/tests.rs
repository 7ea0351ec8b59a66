use bytes::Bytes;
use coreshard_engine::types::{Hash, List, Set, StrOrigin, ZSet};
use coreshard_engine::{Value, ValueRef};

use super::decode::{Len, Reader};
use super::encode::write_len;
use super::*;

fn hex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

fn b(s: &str) -> Bytes {
    Bytes::copy_from_slice(s.as_bytes())
}

/// DUMP payloads written by Redis 7.0.15, and the values they hold.
fn redis_payloads() -> Vec<(&'static str, Value)> {
    let list: List = ["a", "b", "1", "-5", "300", "70000"].iter().map(|s| b(s)).collect();
    let intset: Set = ["1", "2", "-7", "70000"].iter().map(|s| b(s)).collect();
    let hash: Hash = [(b("f"), b("v")), (b("n"), b("12"))].into_iter().collect();
    let zset: ZSet = [(b("m"), 1.5), (b("n"), 2.0), (b("o"), -3.0), (b("p"), 0.1)].into_iter().collect();
    vec![
        ("000568656c6c6f0a006372df766534200a", Value::Str(b("hello"))),
        ("00c00c0a003c2af8515c04bcd5", Value::Str(b("12"))),
        ("00c0fb0a0049c4c6f4d7263f68", Value::Str(b("-5"))),
        ("00c1e8030a0089d1478ebac4b764", Value::Str(b("1000"))),
        ("00c2a08601000a00f12403506f2fa674", Value::Str(b("100000"))),
        ("000c3132333435363738393031320a00911001b1d116e7ac", Value::Str(b("123456789012"))),
        ("00000a005d9b5c400f7fa2da", Value::Str(Bytes::new())),
        ("00c3094041016161e034000161610a004bb41cd1dee2017a", Value::Str(Bytes::from(vec![b'a'; 65]))),
        (
            "00c33540581f74686520717569636b2062726f776e20666f78206a756d7073206f7665722074201e086c617a7920646f672c600de01c\
             2c016f670a00f379e2b3291b46c7",
            Value::Str(b(
                "the quick brown fox jumps over the lazy dog, the quick brown fox jumps over the lazy dog",
            )),
        ),
        ("1201021a1a00000006008161028162020101dffb02c12c02f270110104ff0a0095346e09ce11a709", Value::List(list)),
        ("0b180400000004000000f9ffffff0100000002000000701101000a00abb255da9942f128", Value::Set(intset)),
        ("1012120000000400816602817602816e020c01ff0a0001369481d35b8974", Value::Hash(hash)),
        (
            "11c3293213320000000800816f02dffd0281700293302e3130e005000f3114816d0283312e3504816e020201ff0a00fadb32cb\
             37b3ae49",
            Value::ZSet(zset),
        ),
    ]
}

#[test]
fn restores_and_reproduces_redis_payloads() {
    for (payload, value) in redis_payloads() {
        let payload = hex(payload);
        assert_eq!(restore(&payload).as_ref(), Ok(&value), "{payload:02x?}");
        assert_eq!(dump(value.as_ref()), payload, "{value:?}");
    }
}

#[test]
fn plain_set_from_redis() {
    // SADD st2 a b: a hash table, members in Redis's order.
    let v = restore(&hex("0202016201610a0075d99d835ef85f65")).unwrap();
    assert_eq!(v, Value::Set(["a", "b"].iter().map(|s| b(s)).collect()));
    assert_eq!(restore(&dump(v.as_ref())), Ok(v));
}

#[test]
fn large_collections_round_trip_in_plain_encodings() {
    let big = |i: usize| Bytes::from(format!("member-{i}-{}", "x".repeat(i % 100)));
    let list: List = (0..3000).map(big).collect();
    let set: Set = (0..1000).map(big).collect();
    let ints: Set = (0..600).map(|i| Bytes::from((i * 7 - 2000).to_string())).collect();
    let hash: Hash = (0..300).map(|i| (big(i), big(i + 1))).collect();
    let zset: ZSet = (0..300).map(|i| (big(i), i as f64 / 3.0 - 20.0)).collect();
    let long_member: ZSet =
        [(Bytes::from(vec![b'z'; 100]), f64::INFINITY), (b("a"), f64::NEG_INFINITY)].into_iter().collect();
    for v in [
        Value::List(list),
        Value::Set(set),
        Value::Set(ints),
        Value::Hash(hash),
        Value::ZSet(zset),
        Value::ZSet(long_member),
        Value::Str(Bytes::from(vec![b'q'; 100_000])),
    ] {
        let payload = dump(v.as_ref());
        assert_eq!(restore(&payload).as_ref(), Ok(&v));
    }
}

#[test]
fn long_lists_split_into_8k_nodes() {
    let list: List = (0..2000).map(|i| Bytes::from(format!("element-{i:06}"))).collect();
    let payload = dump(Value::List(list.clone()).as_ref());
    assert_eq!(payload[0], TYPE_LIST_QUICKLIST_2);
    let mut r = Reader { buf: &payload[1..], pos: 0 };
    let nodes = r.len().unwrap();
    assert!(nodes > 2, "{nodes} nodes");
    assert_eq!(restore(&payload), Ok(Value::List(list)));
}

/// Builds a payload around a raw value encoding.
fn payload(body: &[u8], version: u16) -> Vec<u8> {
    let mut p = body.to_vec();
    p.extend_from_slice(&version.to_le_bytes());
    let crc = crc64::crc64(0, &p);
    p.extend_from_slice(&crc.to_le_bytes());
    p
}

#[test]
fn legacy_encodings() {
    // Old LIST and ZSET encodings, a zipmap hash, a ziplist list and a
    // quicklist of ziplists.
    let mut list = vec![TYPE_LIST, 2, 1, b'a', 0xc0, 7];
    assert_eq!(restore(&payload(&list, 6)), Ok(Value::List([b("a"), b("7")].into_iter().collect())));
    list[1] = 3;
    assert_eq!(restore(&payload(&list, 6)), Err(RestoreError::BadFormat), "truncated");

    let zset = [TYPE_ZSET, 2, 1, b'a', 3, b'1', b'.', b'5', 1, b'b', 255];
    let expect: ZSet = [(b("a"), 1.5), (b("b"), f64::NEG_INFINITY)].into_iter().collect();
    assert_eq!(restore(&payload(&zset, 6)), Ok(Value::ZSet(expect)));
    let nan = [TYPE_ZSET, 1, 1, b'a', 253];
    assert_eq!(restore(&payload(&nan, 6)), Err(RestoreError::BadFormat));

    let zm = [2, 1, b'a', 1, 0, b'x', 1, b'b', 1, 0, b'y', 0xff];
    let mut zipmap = vec![TYPE_HASH_ZIPMAP, zm.len() as u8];
    zipmap.extend_from_slice(&zm);
    let expect: Hash = [(b("a"), b("x")), (b("b"), b("y"))].into_iter().collect();
    assert_eq!(restore(&payload(&zipmap, 3)), Ok(Value::Hash(expect)));

    // A ziplist holding "x" and 5 (16 bytes, 2 entries).
    let zl = [16, 0, 0, 0, 13, 0, 0, 0, 2, 0, 0, 1, b'x', 3, 0xf6, 0xff];
    let mut body = vec![TYPE_LIST_ZIPLIST, zl.len() as u8];
    body.extend_from_slice(&zl);
    assert_eq!(restore(&payload(&body, 8)), Ok(Value::List([b("x"), b("5")].into_iter().collect())));
    let mut ql = vec![TYPE_LIST_QUICKLIST, 2];
    for _ in 0..2 {
        ql.push(zl.len() as u8);
        ql.extend_from_slice(&zl);
    }
    let expect: List = [b("x"), b("5"), b("x"), b("5")].into_iter().collect();
    assert_eq!(restore(&payload(&ql, 9)), Ok(Value::List(expect)));
}

#[test]
fn refused_payloads() {
    let good = dump(Value::Str(b("hello")).as_ref());
    assert_eq!(restore(&good[..9]), Err(RestoreError::VersionOrChecksum));
    let mut bad_crc = good.clone();
    let n = bad_crc.len();
    bad_crc[n - 1] ^= 1;
    assert_eq!(restore(&bad_crc), Err(RestoreError::VersionOrChecksum));
    assert_eq!(restore(&payload(&[TYPE_STRING, 1, b'x'], 12)), Err(RestoreError::VersionOrChecksum));
    assert_eq!(restore(&payload(&[TYPE_STRING, 1, b'x'], 11)), Ok(Value::Str(b("x"))));
    // Streams, modules, unknown types, empty collections, duplicates,
    // truncated values.
    for body in [
        &[15u8, 0][..],
        &[7, 0],
        &[99],
        &[TYPE_SET, 0],
        &[TYPE_HASH, 0],
        &[TYPE_LIST_QUICKLIST_2, 0],
        &[TYPE_SET, 2, 1, b'a', 1, b'a'],
        &[TYPE_HASH, 2, 1, b'a', 1, b'1', 1, b'a', 1, b'2'],
        &[TYPE_ZSET_2, 1, 1, b'a', 0, 0, 0],
        &[TYPE_STRING, 5, b'x'],
        &[TYPE_STRING, 0xc3, 3, 10, 0, b'a', b'b'],
        &[TYPE_STRING, 0xc4],
    ] {
        assert_eq!(restore(&payload(body, 10)), Err(RestoreError::BadFormat), "{body:?}");
    }
}

#[test]
fn length_encodings() {
    for n in [0u64, 63, 64, 16383, 16384, u64::from(u32::MAX), u64::from(u32::MAX) + 1] {
        let mut out = Vec::new();
        write_len(&mut out, n);
        let mut r = Reader { buf: &out, pos: 0 };
        match r.len_or_enc() {
            Some(Len::Plain(m)) => assert_eq!(m, n),
            _ => panic!("{n}"),
        }
        assert_eq!(r.pos, out.len());
    }
}

#[test]
fn encoding_names() {
    let s = |t: &str| encoding(ValueRef::Str(t.as_bytes()), None);
    assert_eq!(s("12"), "int");
    assert_eq!(s("-9223372036854775808"), "int");
    assert_eq!(s("9223372036854775808"), "embstr");
    assert_eq!(s("01"), "embstr");
    assert_eq!(s("-0"), "embstr");
    assert_eq!(s(&"a".repeat(44)), "embstr");
    assert_eq!(s(&"a".repeat(45)), "raw");
    assert_eq!(encoding(ValueRef::Str(b"12"), Some(StrOrigin::Raw)), "raw");
    assert_eq!(encoding(ValueRef::Str(b"12"), Some(StrOrigin::Text)), "embstr");
    assert_eq!(encoding(ValueRef::Str(&[b'1'; 45]), Some(StrOrigin::Text)), "raw");
    assert_eq!(encoding(Value::List(List::new()).as_ref(), None), "quicklist");
    let ints: Set = (0..512).map(|i| Bytes::from(i.to_string())).collect();
    assert_eq!(encoding(ValueRef::Set(&ints), None), "intset");
    let more: Set = (0..513).map(|i| Bytes::from(i.to_string())).collect();
    assert_eq!(encoding(ValueRef::Set(&more), None), "hashtable");
    let words: Set = [b("a")].into_iter().collect();
    assert_eq!(encoding(ValueRef::Set(&words), None), "hashtable");
    let small: Hash = [(b("f"), Bytes::from(vec![b'v'; 64]))].into_iter().collect();
    let ample: Hash = (0..512).map(|i| (Bytes::from(i.to_string()), b("v"))).collect();
    assert_eq!(encoding(ValueRef::Hash(&ample), None), "listpack");
    assert_eq!(encoding(ValueRef::Hash(&small), None), "listpack");
    let wide: Hash = [(b("f"), Bytes::from(vec![b'v'; 65]))].into_iter().collect();
    assert_eq!(encoding(ValueRef::Hash(&wide), None), "hashtable");
    let many: Hash = (0..513).map(|i| (Bytes::from(i.to_string()), b("v"))).collect();
    assert_eq!(encoding(ValueRef::Hash(&many), None), "hashtable");
    let z: ZSet = (0..128).map(|i| (Bytes::from(i.to_string()), 1.0)).collect();
    assert_eq!(encoding(ValueRef::ZSet(&z), None), "listpack");
    let z: ZSet = [(Bytes::from(vec![b'm'; 65]), 1.0)].into_iter().collect();
    assert_eq!(encoding(ValueRef::ZSet(&z), None), "skiplist");
}
