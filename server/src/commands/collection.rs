//! Argument rules shared by the hash, set and sorted-set commands: the
//! `*SCAN` cursor and options, `numkeys`, and the bound on random picks.

use bytes::Bytes;
use coreshard_engine::{Kind, Route, Txn};

use crate::cmd::{eq_ic, parse_int, ReplyError};

/// Redis's default `COUNT` for SCAN and the `*SCAN` commands.
pub const SCAN_DEFAULT_COUNT: i64 = 10;

/// The most picks a negative count of SRANDMEMBER, HRANDFIELD or
/// ZRANDMEMBER may ask for. Redis builds such a reply in full whatever its
/// size; a bound keeps one request from exhausting the server's memory.
pub const MAX_RANDOM_PICKS: u64 = 1 << 22;

/// The error for a negative count beyond [`MAX_RANDOM_PICKS`].
pub fn too_many_picks() -> ReplyError {
    ReplyError::text("ERR value is out of range, count of repeated random picks is too large")
}

/// Parses a `*SCAN` cursor as Redis does with `strtoul`: no leading
/// whitespace, an optional sign (a negative value wraps around), decimal
/// digits, nothing after them; an empty argument is cursor 0.
pub fn parse_cursor(arg: &[u8]) -> Result<u64, ReplyError> {
    coreshard_engine::numbers::strtoul(arg).ok_or(ReplyError::text("ERR invalid cursor"))
}

/// The options of HSCAN, SSCAN and ZSCAN after the cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScanOptions<'a> {
    /// `MATCH pattern` (`None` also for the pattern `*`).
    pub pattern: Option<&'a [u8]>,
    /// `COUNT n` (at least 1).
    pub count: i64,
}

impl<'a> ScanOptions<'a> {
    /// Parses `[MATCH pattern] [COUNT count]`, in any order and repeated
    /// (the last wins), as Redis does.
    pub fn parse(args: &'a [Bytes]) -> Result<ScanOptions<'a>, ReplyError> {
        let mut o = ScanOptions { pattern: None, count: SCAN_DEFAULT_COUNT };
        let mut i = 0;
        while i < args.len() {
            let has_value = i + 1 < args.len();
            if eq_ic(&args[i], "count") && has_value {
                o.count = parse_int(&args[i + 1])?;
                if o.count < 1 {
                    return Err(ReplyError::syntax());
                }
            } else if eq_ic(&args[i], "match") && has_value {
                let p = &args[i + 1][..];
                o.pattern = if p == b"*" { None } else { Some(p) };
            } else {
                return Err(ReplyError::syntax());
            }
            i += 2;
        }
        Ok(o)
    }

    /// `COUNT` as a size.
    pub fn count_usize(&self) -> usize {
        usize::try_from(self.count).unwrap_or(usize::MAX)
    }
}

/// What a `*SCAN` command does before scanning, in Redis's order: a bad
/// cursor fails at once; a missing key replies with an empty scan (even
/// when the options are bad); a key of another kind is WRONGTYPE; only then
/// are the options' errors reported.
pub enum ScanStart<'a> {
    /// Reply with an empty scan.
    Empty,
    /// Scan from `cursor` with `opts`.
    Scan {
        /// The cursor.
        cursor: u64,
        /// The options.
        opts: ScanOptions<'a>,
    },
}

/// Checks a `*SCAN` request against the kind of its key (`found`, from
/// `Shard::kind_of`).
pub fn scan_start<'a>(args: &'a [Bytes], found: Option<Kind>, want: Kind) -> Result<ScanStart<'a>, ReplyError> {
    let cursor = parse_cursor(&args[2])?;
    match found {
        None => return Ok(ScanStart::Empty),
        Some(k) if k != want => return Err(coreshard_engine::Error::WrongType.into()),
        Some(_) => {}
    }
    Ok(ScanStart::Scan { cursor, opts: ScanOptions::parse(&args[3..])? })
}

/// The first of `keys` (their route is `route`, every shard held by `txn`)
/// that exists, with its shard; WRONGTYPE when it holds another kind than
/// `want`. Every key's kind is read first, all shards at once, as the
/// `*MPOP` commands scan their keys in order.
pub async fn first_of_kind(
    txn: &Txn,
    route: &Route,
    db: u8,
    keys: &[Bytes],
    want: Kind,
) -> Result<Option<(usize, usize)>, ReplyError> {
    let kinds = txn.for_keys(db, Some(route), keys, |s, db, k| Ok(s.kind_of(db, k))).await?;
    let Some(first) = kinds.iter().position(Option::is_some) else { return Ok(None) };
    if kinds[first] != Some(want) {
        return Err(coreshard_engine::Error::WrongType.into());
    }
    Ok(route.owner(first).map(|shard| (first, shard)))
}

/// Writes the `[cursor, []]` reply of a scan that found nothing.
pub fn reply_empty_scan(out: &mut crate::resp::ReplyBuf) {
    out.array(2);
    out.bulk(b"0");
    out.array(0);
}

/// Parses `numkeys` as SINTERCARD and ZMPOP do: an integer of at least 1
/// ("ERR numkeys should be greater than 0" otherwise).
pub fn parse_numkeys_positive(arg: &[u8]) -> Result<usize, ReplyError> {
    match parse_int(arg) {
        Ok(n) if n >= 1 => Ok(usize::try_from(n).unwrap_or(usize::MAX)),
        _ => Err(ReplyError::text("ERR numkeys should be greater than 0")),
    }
}

/// Runs command lines on a bare shard, as the connection would on the
/// shard owning their keys, and returns the encoded replies.
#[cfg(test)]
pub(crate) fn run_lines(resp3: bool, lines: &[&str]) -> Vec<String> {
    use coreshard_engine::{Shard, ShardConfig};

    use crate::cmd::Run;
    use crate::resp::ReplyBuf;

    let mut shard = Shard::new(0, ShardConfig::default());
    let core = crate::core_state::CoreState::new(0);
    lines
        .iter()
        .map(|line| {
            let args: Vec<Bytes> = line.split(' ').map(|a| Bytes::copy_from_slice(a.as_bytes())).collect();
            let cmd = crate::commands::lookup(&args[0]).unwrap_or_else(|| panic!("unknown command in {line}"));
            assert!(cmd.arity_ok(args.len()), "arity of {line}");
            let f = match cmd.run {
                Run::Shard(f) | Run::Keyed { shard: f, .. } | Run::Blocking { shard: f, .. } => f,
                _ => panic!("{line} does not run on a shard"),
            };
            let mut out = ReplyBuf::new(resp3);
            crate::conn::run_shard_command(&core, f, &mut shard, 0, &args, &mut out);
            String::from_utf8(out.into_bytes()).unwrap_or_else(|e| panic!("{line}: {e}"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(items: &[&str]) -> Vec<Bytes> {
        items.iter().map(|s| Bytes::copy_from_slice(s.as_bytes())).collect()
    }

    #[test]
    fn cursors_follow_strtoul() {
        assert_eq!(parse_cursor(b"0"), Ok(0));
        assert_eq!(parse_cursor(b""), Ok(0));
        assert_eq!(parse_cursor(b"+7"), Ok(7));
        assert_eq!(parse_cursor(b"-1"), Ok(u64::MAX));
        assert_eq!(parse_cursor(b"18446744073709551615"), Ok(u64::MAX));
        for bad in [&b"18446744073709551616"[..], b"x", b" 1", b"1 ", b"-", b"+", b"1.0"] {
            assert_eq!(parse_cursor(bad), Err(ReplyError::text("ERR invalid cursor")), "{bad:?}");
        }
    }

    #[test]
    fn scan_options() {
        let a = args(&["MATCH", "a*", "count", "5", "match", "*"]);
        assert_eq!(ScanOptions::parse(&a), Ok(ScanOptions { pattern: None, count: 5 }));
        let a = args(&["match", "a*"]);
        assert_eq!(ScanOptions::parse(&a), Ok(ScanOptions { pattern: Some(&b"a*"[..]), count: 10 }));
        assert_eq!(ScanOptions::parse(&args(&["count", "0"])), Err(ReplyError::syntax()));
        assert_eq!(ScanOptions::parse(&args(&["count", "x"])), Err(ReplyError::not_integer()));
        assert_eq!(ScanOptions::parse(&args(&["count"])), Err(ReplyError::syntax()));
        assert_eq!(ScanOptions::parse(&args(&["novalues"])), Err(ReplyError::syntax()));
    }

    #[test]
    fn scan_start_order() {
        let a = args(&["hscan", "k", "0", "count", "0"]);
        assert!(matches!(scan_start(&a, None, Kind::Hash), Ok(ScanStart::Empty)));
        assert!(scan_start(&a, Some(Kind::Set), Kind::Hash).is_err_and(|e| e.0.starts_with("WRONGTYPE")));
        assert!(scan_start(&a, Some(Kind::Hash), Kind::Hash).is_err_and(|e| e == ReplyError::syntax()));
        let a = args(&["hscan", "k", "x", "count", "0"]);
        assert!(scan_start(&a, None, Kind::Hash).is_err_and(|e| e.0 == "ERR invalid cursor"));
    }
}
