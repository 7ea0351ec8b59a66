use coreshard_engine::numbers::string2ll;
use coreshard_engine::{PolicyKind, ValueRef};
use coreshard_persistence::rdb;

use super::GENERIC;
use crate::commands::prelude::*;

/// `OBJECT ENCODING | FREQ | IDLETIME | REFCOUNT key`, `OBJECT HELP`.
pub const OBJECT: Command = GENERIC
    .command("object", -2, Run::Shard(run))
    .flags(Flags::READONLY)
    .keys(KeySpec::Range { first: 2, last: 2, step: 1 })
    .doc("2.2.3", "A container for object introspection commands.");

const HELP: &[&str] = &[
    "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "ENCODING <key>",
    "    Return the kind of internal representation used in order to store the value",
    "    associated with a <key>.",
    "FREQ <key>",
    "    Return the access frequency index of the <key>. The returned integer is",
    "    proportional to the logarithm of the recent access frequency of the key.",
    "IDLETIME <key>",
    "    Return the idle time of the <key>, that is the approximated number of",
    "    seconds elapsed since the last access to the key.",
    "REFCOUNT <key>",
    "    Return the number of references of the value associated with the specified",
    "    <key>.",
    "HELP",
    "    Prints this help.",
];

/// Redis shares the objects of the integers 0..10000 (refcount `INT_MAX`)
/// unless an LRU or LFU policy needs per-object access data.
const SHARED_INTEGERS: i64 = 10_000;

#[derive(Clone, Copy)]
enum Sub {
    Encoding,
    Freq,
    IdleTime,
    RefCount,
    Help,
}

fn parse_sub(args: &[Bytes]) -> Result<Sub, ReplyError> {
    let name = &args[1][..];
    let (sub, full, argc) = if eq_ic(name, "encoding") {
        (Sub::Encoding, "object|encoding", 3)
    } else if eq_ic(name, "freq") {
        (Sub::Freq, "object|freq", 3)
    } else if eq_ic(name, "idletime") {
        (Sub::IdleTime, "object|idletime", 3)
    } else if eq_ic(name, "refcount") {
        (Sub::RefCount, "object|refcount", 3)
    } else if eq_ic(name, "help") {
        (Sub::Help, "object|help", 2)
    } else {
        let shown = String::from_utf8_lossy(&name[..name.len().min(128)]);
        let mut text = String::with_capacity(48 + shown.len());
        text.push_str("ERR unknown subcommand '");
        text.push_str(&shown);
        text.push_str("'. Try ");
        text.push_str(&String::from_utf8_lossy(&args[0]).to_ascii_uppercase());
        text.push_str(" HELP.");
        return Err(ReplyError::owned(text));
    };
    if args.len() != argc {
        return Err(ReplyError::arity(full));
    }
    Ok(sub)
}

fn is_lfu(p: PolicyKind) -> bool {
    matches!(p, PolicyKind::AllKeysLfu | PolicyKind::VolatileLfu)
}

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let sub = parse_sub(args)?;
    if let Sub::Help = sub {
        c.out.array(HELP.len());
        for line in HELP {
            c.out.simple(line);
        }
        return Ok(());
    }
    let (db, key) = (c.db, &args[2][..]);
    let policy = c.shard.policy();
    match sub {
        Sub::Encoding => {
            let origin = c.shard.str_origin(db, key);
            match c.shard.peek_value(db, key, |v, _| rdb::encoding(v, origin)) {
                Some(name) => c.out.bulk(name.as_bytes()),
                None => c.out.null(),
            }
        }
        Sub::RefCount => {
            let shared_ints = c.shard.maxmemory() == 0
                || !matches!(
                    policy,
                    PolicyKind::AllKeysLru
                        | PolicyKind::VolatileLru
                        | PolicyKind::AllKeysLfu
                        | PolicyKind::VolatileLfu
                        | PolicyKind::S3Fifo
                );
            let refcount = c.shard.peek_value(db, key, |v, _| match v {
                ValueRef::Str(s)
                    if shared_ints
                        && s.len() <= 20
                        && string2ll(s).is_some_and(|n| (0..SHARED_INTEGERS).contains(&n)) =>
                {
                    i64::from(i32::MAX)
                }
                _ => 1,
            });
            match refcount {
                Some(n) => c.out.int(n),
                None => c.out.null(),
            }
        }
        Sub::Freq => {
            let Some(meta) = c.shard.policy_meta(db, key) else {
                c.out.null();
                return Ok(());
            };
            if !is_lfu(policy) {
                return Err(ReplyError::text(
                    "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when \
                     switching between policies at runtime LRU and LFU data will take some time to adjust.",
                ));
            }
            // The LFU policy keeps Redis's logarithmic counter in the low byte.
            c.out.int(i64::from(meta & 0xff));
        }
        Sub::IdleTime => {
            let Some(idle) = c.shard.idle_secs(db, key) else {
                c.out.null();
                return Ok(());
            };
            if is_lfu(policy) {
                return Err(ReplyError::text(
                    "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching \
                     between policies at runtime LRU and LFU data will take some time to adjust.",
                ));
            }
            match idle {
                Some(secs) => c.out.int(secs as i64),
                None => {
                    let mut text = String::from("ERR idle time is not tracked under maxmemory-policy ");
                    text.push_str(policy.name());
                    return Err(ReplyError::owned(text));
                }
            }
        }
        Sub::Help => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(args: &[&str]) -> Option<String> {
        let owned: Vec<Bytes> = args.iter().map(|a| Bytes::copy_from_slice(a.as_bytes())).collect();
        parse_sub(&owned).err().map(|e| e.0.into_owned())
    }

    #[test]
    fn subcommand_errors() {
        assert_eq!(err(&["object", "Encoding", "k"]), None);
        assert_eq!(err(&["object", "help"]), None);
        assert_eq!(err(&["object", "bad"]).as_deref(), Some("ERR unknown subcommand 'bad'. Try OBJECT HELP."));
        assert_eq!(
            err(&["OBJECT", "encoding"]).as_deref(),
            Some("ERR wrong number of arguments for 'object|encoding' command")
        );
        assert_eq!(
            err(&["object", "HELP", "x"]).as_deref(),
            Some("ERR wrong number of arguments for 'object|help' command")
        );
        assert_eq!(
            err(&["object", "freq", "a", "b"]).as_deref(),
            Some("ERR wrong number of arguments for 'object|freq' command")
        );
    }
}
