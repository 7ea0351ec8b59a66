//! How the command table describes itself: COMMAND INFO entries (flags,
//! ACL categories, key specs) and COMMAND DOCS values, in Redis 7's reply
//! shapes, and lookup by `container|sub` name.

use crate::cmd::flags;
use crate::commands;
use crate::commands::prelude::*;

/// Every command and subcommand, in table order.
pub(super) fn every_name() -> impl Iterator<Item = &'static Command> {
    commands::all().flat_map(|c| std::iter::once(c).chain(commands::subcommands(c.name).iter().copied()))
}

/// Finds a command by name, or a subcommand by `container|sub`.
pub(super) fn find(name: &[u8]) -> Option<&'static Command> {
    let lower = name.to_ascii_lowercase();
    match lower.iter().position(|&b| b == b'|') {
        None => commands::lookup(&lower),
        Some(_) => every_name().find(|c| c.name.as_bytes() == lower),
    }
}

/// ACL categories, in Redis's order.
pub(super) fn categories(c: &Command) -> Vec<&'static str> {
    let mut v = Vec::new();
    let group = c.group;
    if group == "generic" {
        v.push("@keyspace");
    }
    if c.flags.contains(Flags::READONLY) {
        v.push("@read");
    }
    if c.flags.contains(Flags::WRITE) {
        v.push("@write");
    }
    match group {
        "set" => v.push("@set"),
        "sorted_set" | "sorted-set" => v.push("@sortedset"),
        "list" => v.push("@list"),
        "hash" => v.push("@hash"),
        "string" => v.push("@string"),
        "bitmap" => v.push("@bitmap"),
        "hyperloglog" => v.push("@hyperloglog"),
        "geo" => v.push("@geo"),
        "stream" => v.push("@stream"),
        _ => {}
    }
    if c.flags.contains(Flags::PUBSUB) || group == "pubsub" {
        v.push("@pubsub");
    }
    if c.flags.contains(Flags::ADMIN) {
        v.push("@admin");
    }
    v.push(if c.flags.contains(Flags::FAST) { "@fast" } else { "@slow" });
    if c.flags.contains(Flags::BLOCKING) {
        v.push("@blocking");
    }
    if c.flags.contains(Flags::ADMIN) {
        v.push("@dangerous");
    }
    match group {
        "connection" => v.push("@connection"),
        "transactions" => v.push("@transaction"),
        "scripting" => v.push("@scripting"),
        _ => {}
    }
    v
}

pub(super) fn is_container(c: &Command) -> bool {
    !commands::subcommands(c.name).is_empty()
}

/// Writes one COMMAND INFO entry: name, arity, flags, first key, last key,
/// step, ACL categories, tips, key specs, subcommands.
pub(super) fn write_info(out: &mut ReplyBuf, c: &Command) {
    let container = is_container(c);
    out.array(10);
    out.bulk(c.name.as_bytes());
    out.int(i64::from(c.arity));
    let names: Vec<&str> = flags::NAMES.iter().filter(|(f, _)| c.flags.contains(*f)).map(|(_, n)| *n).collect();
    out.set(names.len());
    for n in names {
        out.simple(n);
    }
    let (first, last, step) = if container { (0, 0, 0) } else { c.keys.legacy_triple() };
    out.int(first);
    out.int(last);
    out.int(step);
    let cats = categories(c);
    out.set(cats.len());
    for cat in cats {
        out.simple(cat);
    }
    out.set(0);
    if container {
        out.array(0);
    } else {
        write_key_specs(out, c);
    }
    let subs = commands::subcommands(c.name);
    out.array(subs.len());
    for s in subs {
        write_info(out, s);
    }
}

pub(super) fn key_flag(c: &Command) -> &'static str {
    if c.flags.contains(Flags::WRITE) {
        "RW"
    } else {
        "RO"
    }
}

fn write_key_specs(out: &mut ReplyBuf, c: &Command) {
    let flag = key_flag(c);
    let index_spec = |out: &mut ReplyBuf, index: i64| {
        out.bulk(b"begin_search");
        out.map(2);
        out.bulk(b"type");
        out.bulk(b"index");
        out.bulk(b"spec");
        out.map(1);
        out.bulk(b"index");
        out.int(index);
    };
    let range_spec = |out: &mut ReplyBuf, lastkey: i64, step: i64| {
        out.bulk(b"find_keys");
        out.map(2);
        out.bulk(b"type");
        out.bulk(b"range");
        out.bulk(b"spec");
        out.map(3);
        out.bulk(b"lastkey");
        out.int(lastkey);
        out.bulk(b"keystep");
        out.int(step);
        out.bulk(b"limit");
        out.int(0);
    };
    let flags_field = |out: &mut ReplyBuf| {
        out.bulk(b"flags");
        out.set(1);
        out.simple(flag);
    };
    match c.keys {
        KeySpec::None => out.array(0),
        KeySpec::Range { first, last, step } => {
            out.array(1);
            out.map(3);
            flags_field(out);
            index_spec(out, i64::from(first));
            let lastkey = if last < 0 { i64::from(last) } else { i64::from(last) - i64::from(first) };
            range_spec(out, lastkey, i64::from(step));
        }
        KeySpec::NumKeys { at, dest } => {
            out.array(if dest { 2 } else { 1 });
            if dest {
                out.map(3);
                flags_field(out);
                index_spec(out, 1);
                range_spec(out, 0, 1);
            }
            out.map(3);
            flags_field(out);
            index_spec(out, i64::from(at));
            out.bulk(b"find_keys");
            out.map(2);
            out.bulk(b"type");
            out.bulk(b"keynum");
            out.bulk(b"spec");
            out.map(3);
            out.bulk(b"keynumidx");
            out.int(0);
            out.bulk(b"firstkey");
            out.int(1);
            out.bulk(b"keystep");
            out.int(1);
        }
    }
}

/// Writes one COMMAND DOCS value: summary, since, group, and the
/// subcommands' docs.
pub(super) fn write_docs(out: &mut ReplyBuf, c: &Command) {
    let subs = commands::subcommands(c.name);
    out.map(if subs.is_empty() { 3 } else { 4 });
    out.bulk(b"summary");
    out.bulk(c.summary.as_bytes());
    out.bulk(b"since");
    out.bulk(c.since.as_bytes());
    out.bulk(b"group");
    out.bulk(c.group.as_bytes());
    if !subs.is_empty() {
        out.bulk(b"subcommands");
        out.map(subs.len());
        for s in subs {
            out.bulk(s.name.as_bytes());
            write_docs(out, s);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_follow_redis_order() {
        let get = commands::lookup(b"get").unwrap();
        assert_eq!(categories(get), vec!["@read", "@string", "@fast"]);
        let set = commands::lookup(b"set").unwrap();
        assert_eq!(categories(set), vec!["@write", "@string", "@slow"]);
        let kill = find(b"CLIENT|kill").unwrap();
        assert_eq!(categories(kill), vec!["@admin", "@slow", "@dangerous", "@connection"]);
    }

    #[test]
    fn get_info_matches_redis() {
        let mut out = ReplyBuf::new(false);
        write_info(&mut out, commands::lookup(b"get").unwrap());
        // Redis 7.0.15's COMMAND INFO GET, except key-spec flags (RO only) and the
        // category list (no @keyspace for string commands either way).
        let want = b"*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n*3\r\n+@read\r\n+@string\r\n+@fast\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*1\r\n+RO\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n";
        assert_eq!(String::from_utf8_lossy(out.as_bytes()), String::from_utf8_lossy(want));
    }
}
