//! Writes as commands: the deterministic Redis commands that redo each
//! record of the mutation stream, and the interpreter that applies them.
//!
//! This is how a shard's writes are persisted and replayed (as Redis
//! propagates writes to its AOF and replicas): [`commands`] turns one
//! [`Mutation`] into one or more commands, [`Shard::apply`] runs such a
//! command again. Every command names one key of the shard it came from
//! (or none: FLUSHDB, FLUSHALL, SWAPDB), so a shard's commands replay on
//! that shard alone, and the keyspace they rebuild is the shard's.
//!
//! The vocabulary is small and fixed; [`Shard::apply`] accepts exactly it:
//!
//! | record | commands |
//! |---|---|
//! | a whole string | `SET key value [PXAT ms]` |
//! | a whole list, hash, set, sorted set | `DEL key`, then `RPUSH` / `HSET` / `SADD` / `ZADD score member` in chunks, then `PEXPIREAT key ms` if it expires |
//! | a delete, expiry or eviction | `DEL key` |
//! | a TTL change | `PEXPIREAT key ms`, `PERSIST key` |
//! | a delta on a string | `APPEND key tail`, `SETRANGE key offset value` |
//! | a delta on a list | `LPUSH`/`RPUSH key e ...`, `LPOP`/`RPOP key count`, `LSET key index e`, `LINSERT key BEFORE\|AFTER pivot e`, `LREM key count e`, `LTRIM key start stop`, `LMOVE key key LEFT\|RIGHT LEFT\|RIGHT` (a rotation: source and destination are the same key) |
//! | a delta on a hash | `HSET key f v ...`, `HDEL key f ...` |
//! | a delta on a set | `SADD key m ...`, `SREM key m ...` |
//! | a delta on a sorted set | `ZADD key score member ...` (plain: sets the score), `ZREM key m ...` |
//! | FLUSHDB, FLUSHALL, SWAPDB | the same command (`SWAPDB db other`) |
//!
//! Which database a command applies to is the caller's: the record says
//! (`Mutation::db`), and a log writes `SELECT` where it changes.

use bytes::Bytes;

use crate::error::{Error, Result};
use crate::mutation::{Event, Mutation};
use crate::numbers::{string2d, string2ll, write_double};
use crate::shard::Shard;
use crate::types::{InsertWhere, ListSide, SetOptions, ZAddOptions};
use crate::value::ValueRef;

/// One argument of a propagated command.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg<'a> {
    /// The record's key ([`Mutation::key`]); deltas name their key so.
    Key,
    /// Bytes as they are (names, keys, members, values).
    Bytes(&'a [u8]),
    /// Bytes a delta took from its command's result (popped elements).
    Owned(Bytes),
    /// A signed integer, in decimal.
    Int(i64),
    /// An unsigned integer (times in Unix ms), in decimal.
    Uint(u64),
    /// A double, written as Redis writes scores (`%.17g`, `inf`, `-inf`),
    /// which reads back exactly.
    Double(f64),
}

impl Arg<'_> {
    /// Appends the argument's bytes to `out`; [`Arg::Key`] writes nothing
    /// ([`commands`] replaces it by the key).
    pub fn write_to(&self, out: &mut Vec<u8>) {
        match *self {
            Arg::Key => {}
            Arg::Bytes(b) => out.extend_from_slice(b),
            Arg::Owned(ref b) => out.extend_from_slice(b),
            Arg::Int(n) => out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes()),
            Arg::Uint(n) => out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes()),
            Arg::Double(d) => write_double(out, d),
        }
    }

    /// The argument's bytes, owned.
    pub fn to_bytes(&self) -> Bytes {
        match *self {
            Arg::Bytes(b) => Bytes::copy_from_slice(b),
            Arg::Owned(ref b) => b.clone(),
            _ => {
                let mut v = Vec::new();
                self.write_to(&mut v);
                Bytes::from(v)
            }
        }
    }
}

/// The command that pops from `side` of a list (`LPOP`, `RPOP`).
pub(crate) fn pop_name(side: ListSide) -> &'static [u8] {
    match side {
        ListSide::Left => b"LPOP",
        ListSide::Right => b"RPOP",
    }
}

/// The command that pushes at `side` of a list (`LPUSH`, `RPUSH`).
pub(crate) fn push_name(side: ListSide) -> &'static [u8] {
    match side {
        ListSide::Left => b"LPUSH",
        ListSide::Right => b"RPUSH",
    }
}

/// A list end as LMOVE names it (`LEFT`, `RIGHT`).
pub(crate) fn side_name(side: ListSide) -> &'static [u8] {
    match side {
        ListSide::Left => b"LEFT",
        ListSide::Right => b"RIGHT",
    }
}

/// Elements per command when a whole collection is written out (Redis's
/// AOF rewrite uses 64; larger chunks make fewer, longer commands).
pub const CHUNK: usize = 128;

/// Calls `emit` with each command that redoes `m` on the state before it,
/// in order; no argument is [`Arg::Key`].
pub fn commands(m: &Mutation<'_>, mut emit: impl FnMut(&[Arg<'_>])) {
    let key = Arg::Bytes(m.key);
    match m.event {
        Event::Write { value, expire_at } => {
            if let Some(delta) = m.delta {
                let resolved: Vec<Arg<'_>> =
                    delta.iter().map(|a| if *a == Arg::Key { Arg::Bytes(m.key) } else { a.clone() }).collect();
                emit(&resolved);
                return;
            }
            whole_value(m.key, value, expire_at, emit);
        }
        Event::Delete | Event::Expired | Event::Evicted => emit(&[Arg::Bytes(b"DEL"), key]),
        Event::FlushDb => emit(&[Arg::Bytes(b"FLUSHDB")]),
        Event::FlushAll => emit(&[Arg::Bytes(b"FLUSHALL")]),
        Event::SwapDb { with } => {
            emit(&[Arg::Bytes(b"SWAPDB"), Arg::Uint(u64::from(m.db)), Arg::Uint(u64::from(with))])
        }
    }
}

/// The commands that make `key` hold `value` (expiring at `expire_at`)
/// whatever it held before.
pub fn whole_value(key: &[u8], value: ValueRef<'_>, expire_at: Option<u64>, mut emit: impl FnMut(&[Arg<'_>])) {
    let k = || Arg::Bytes(key);
    if let ValueRef::Str(s) = value {
        match expire_at {
            Some(at) => emit(&[Arg::Bytes(b"SET"), k(), Arg::Bytes(s), Arg::Bytes(b"PXAT"), Arg::Uint(at)]),
            None => emit(&[Arg::Bytes(b"SET"), k(), Arg::Bytes(s)]),
        }
        return;
    }
    emit(&[Arg::Bytes(b"DEL"), k()]);
    match value {
        ValueRef::Str(_) => unreachable!("strings are written above"),
        ValueRef::List(l) => chunked(&mut emit, b"RPUSH", key, l.iter().map(|e| (Arg::Bytes(e), None))),
        ValueRef::Hash(h) => {
            chunked(&mut emit, b"HSET", key, h.iter().map(|(f, v)| (Arg::Bytes(f), Some(Arg::Bytes(v)))))
        }
        ValueRef::Set(s) => chunked(&mut emit, b"SADD", key, s.iter().map(|m| (Arg::Bytes(m), None))),
        ValueRef::ZSet(z) => {
            chunked(&mut emit, b"ZADD", key, z.iter().map(|(m, score)| (Arg::Double(score), Some(Arg::Bytes(m)))))
        }
    }
    if let Some(at) = expire_at {
        emit(&[Arg::Bytes(b"PEXPIREAT"), k(), Arg::Uint(at)]);
    }
}

/// Emits `name key items...` with up to [`CHUNK`] items per command.
fn chunked<'v>(
    emit: &mut impl FnMut(&[Arg<'_>]),
    name: &'static [u8],
    key: &'v [u8],
    items: impl Iterator<Item = (Arg<'v>, Option<Arg<'v>>)>,
) {
    let mut args = Vec::with_capacity(2 + 2 * CHUNK);
    args.extend([Arg::Bytes(name), Arg::Bytes(key)]);
    let mut in_chunk = 0;
    for (a, b) in items {
        args.push(a);
        args.extend(b);
        in_chunk += 1;
        if in_chunk == CHUNK {
            emit(&args);
            args.truncate(2);
            in_chunk = 0;
        }
    }
    if in_chunk > 0 {
        emit(&args);
    }
}

/// Why a command could not be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApplyError {
    /// Not a command of the vocabulary above, or the wrong number of
    /// arguments for it.
    #[error("not a replayable command: {0}")]
    Unknown(String),
    /// An argument that should be a number is not.
    #[error("bad argument {index} of {command}")]
    BadArgument {
        /// The command's name.
        command: String,
        /// The argument's position (0 is the name).
        index: usize,
    },
    /// The shard refused the command (a wrong type: the log does not
    /// match the keyspace it is applied to).
    #[error("{command} failed: {error}")]
    Failed {
        /// The command's name.
        command: String,
        /// What the shard said.
        error: Error,
    },
}

impl Shard {
    /// Applies one command of the propagation vocabulary (see the module
    /// documentation) in database `db`, as a replay of the write that
    /// produced it. Records are emitted as for any write.
    pub fn apply(&mut self, db: u8, args: &[Bytes]) -> std::result::Result<(), ApplyError> {
        let Some(name) = args.first() else { return Err(ApplyError::Unknown(String::new())) };
        let name_str = || String::from_utf8_lossy(name).to_ascii_uppercase();
        let unknown = || ApplyError::Unknown(String::from_utf8_lossy(&args.join(&b' ')[..]).into_owned());
        let int = |i: usize| -> std::result::Result<i64, ApplyError> {
            args.get(i)
                .and_then(|a| string2ll(a))
                .ok_or_else(|| ApplyError::BadArgument { command: name_str(), index: i })
        };
        let failed = |error: Error| ApplyError::Failed { command: name_str(), error };
        let n = args.len();
        let upper = name.to_ascii_uppercase();
        let key = || &args[1][..];
        let r: Result<()> = match (&upper[..], n) {
            (b"SET", 3) => self.set(db, key(), args[2].clone(), SetOptions::default()).map(drop),
            (b"SET", 5) if args[3].eq_ignore_ascii_case(b"PXAT") => {
                let opts = SetOptions { expiry: Some(crate::types::Expiry::PxAt(int(4)?)), ..SetOptions::default() };
                self.set(db, key(), args[2].clone(), opts).map(drop)
            }
            (b"DEL", 2..) => {
                self.del(db, &args[1..]);
                Ok(())
            }
            (b"PEXPIREAT", 3) => self.pexpireat(db, key(), int(2)?, Default::default()).map(drop),
            (b"PERSIST", 2) => {
                self.persist(db, key());
                Ok(())
            }
            (b"APPEND", 3) => self.append(db, key(), &args[2]).map(drop),
            (b"SETRANGE", 4) => self.setrange(db, key(), int(2)?, &args[3]).map(drop),
            (b"LPUSH", 3..) => self.lpush(db, key(), &args[2..]).map(drop),
            (b"RPUSH", 3..) => self.rpush(db, key(), &args[2..]).map(drop),
            (b"LPOP", 3) => self.lpop_count(db, key(), int(2)?).map(drop),
            (b"RPOP", 3) => self.rpop_count(db, key(), int(2)?).map(drop),
            (b"LSET", 4) => self.lset(db, key(), int(2)?, args[3].clone()),
            (b"LINSERT", 5) => {
                let place = if args[2].eq_ignore_ascii_case(b"BEFORE") {
                    InsertWhere::Before
                } else if args[2].eq_ignore_ascii_case(b"AFTER") {
                    InsertWhere::After
                } else {
                    return Err(unknown());
                };
                self.linsert(db, key(), place, &args[3], args[4].clone()).map(drop)
            }
            (b"LREM", 4) => self.lrem(db, key(), int(2)?, &args[3]).map(drop),
            (b"LTRIM", 4) => self.ltrim(db, key(), int(2)?, int(3)?),
            (b"LMOVE", 5) if args[1] == args[2] => {
                let side = |i: usize| {
                    if args[i].eq_ignore_ascii_case(b"LEFT") {
                        Ok(ListSide::Left)
                    } else if args[i].eq_ignore_ascii_case(b"RIGHT") {
                        Ok(ListSide::Right)
                    } else {
                        Err(unknown())
                    }
                };
                self.lmove(db, key(), key(), side(3)?, side(4)?).map(drop)
            }
            (b"HSET", 4..) if n % 2 == 0 => {
                let pairs: Vec<(Bytes, Bytes)> = args[2..].chunks(2).map(|p| (p[0].clone(), p[1].clone())).collect();
                self.hset(db, key(), &pairs).map(drop)
            }
            (b"HDEL", 3..) => self.hdel(db, key(), &args[2..]).map(drop),
            (b"SADD", 3..) => self.sadd(db, key(), &args[2..]).map(drop),
            (b"SREM", 3..) => self.srem(db, key(), &args[2..]).map(drop),
            (b"ZADD", 4..) if n % 2 == 0 => {
                let mut pairs = Vec::with_capacity((n - 2) / 2);
                for (i, p) in args[2..].chunks(2).enumerate() {
                    let score = string2d(&p[0])
                        .ok_or_else(|| ApplyError::BadArgument { command: name_str(), index: 2 + 2 * i })?;
                    pairs.push((score, p[1].clone()));
                }
                self.zadd(db, key(), ZAddOptions::default(), &pairs).map(drop)
            }
            (b"ZREM", 3..) => self.zrem(db, key(), &args[2..]).map(drop),
            (b"FLUSHDB", 1) => {
                self.flushdb(db);
                Ok(())
            }
            (b"FLUSHALL", 1) => {
                self.flushall();
                Ok(())
            }
            (b"SWAPDB", 3) => {
                let a = u8::try_from(int(1)?).map_err(|_| ApplyError::BadArgument { command: name_str(), index: 1 })?;
                let b = u8::try_from(int(2)?).map_err(|_| ApplyError::BadArgument { command: name_str(), index: 2 })?;
                self.swapdb(a, b)
            }
            _ => return Err(unknown()),
        };
        r.map_err(failed)
    }
}

#[cfg(test)]
pub(crate) mod tests;
