use coreshard_engine::types::ScanOptions;
use coreshard_engine::{Kind, Shard};

use super::GENERIC;
use crate::commands::collection::{parse_cursor, SCAN_DEFAULT_COUNT};
use crate::commands::prelude::*;

/// `SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]` over every shard.
///
/// The cursor names a shard and a position in it: its low `b` bits are the
/// shard index (`b` = bits needed for the shard count, 0 with one shard),
/// the rest is that shard's own cursor (a slab position, see
/// `Shard::scan`): `cursor = local << b | shard`. A scan starts at shard 0,
/// position 0 (cursor 0), walks each shard to its end, moves on to the next
/// shard at position 0, and returns 0 after the last one. Every key present
/// for the whole scan is therefore returned at least once, as Redis
/// promises. One call visits at most COUNT keys per shard, and moves on to
/// the next shard only when it found fewer than COUNT keys so far.
pub const SCAN: Command = GENERIC
    .command("scan", -2, Run::Async(run))
    .flags(Flags::READONLY)
    .internal(Internal::ALL_SHARDS)
    .keys(KeySpec::None)
    .doc("2.8.0", "Iterates over the key names in the database.");

#[derive(Debug, PartialEq, Eq)]
struct Options {
    pattern: Option<Bytes>,
    count: usize,
    /// `Some(None)`: a type name no key can have.
    kind: Option<Option<Kind>>,
}

fn parse_options(args: &[Bytes]) -> Result<Options, ReplyError> {
    // A positive constant: the cast is exact.
    let mut o = Options { pattern: None, count: SCAN_DEFAULT_COUNT as usize, kind: None };
    let mut i = 0;
    while i < args.len() {
        let a = &args[i][..];
        let Some(v) = args.get(i + 1) else { return Err(ReplyError::syntax()) };
        if eq_ic(a, "count") {
            let n = parse_int(v)?;
            if n < 1 {
                return Err(ReplyError::syntax());
            }
            o.count = usize::try_from(n).unwrap_or(usize::MAX);
        } else if eq_ic(a, "match") {
            o.pattern = (&v[..] != b"*").then(|| Bytes::copy_from_slice(v));
        } else if eq_ic(a, "type") {
            o.kind = Some(Kind::parse(v));
        } else {
            return Err(ReplyError::syntax());
        }
        i += 2;
    }
    Ok(o)
}

/// Bits of the cursor that hold the shard index.
fn shard_bits(shards: usize) -> u32 {
    usize::BITS - shards.saturating_sub(1).leading_zeros()
}

fn run(conn: &mut Conn, args: Vec<Bytes>) -> LocalFuture<'_> {
    Box::pin(async move {
        let cursor = parse_cursor(&args[1])?;
        let opts = parse_options(&args[2..])?;
        let shards = conn.ctx.shards();
        let bits = shard_bits(shards);
        let mut shard = (cursor & ((1u64 << bits) - 1)) as usize;
        let mut local = cursor >> bits;
        let mut keys: Vec<Bytes> = Vec::new();
        let mut next = 0;
        // A type no key can have matches nothing: the scan is complete.
        let impossible = matches!(opts.kind, Some(None));
        while shard < shards && !impossible {
            let db = conn.db;
            let (pattern, count, kind) = (opts.pattern.clone(), opts.count, opts.kind.flatten());
            let (after, found) = conn
                .ctx
                .call(shard, move |s: &mut Shard| {
                    s.scan(db, local, ScanOptions { pattern: pattern.as_deref(), count, kind })
                })
                .await?;
            keys.extend(found);
            if after != 0 {
                next = (after << bits) | shard as u64;
                break;
            }
            shard += 1;
            local = 0;
            if shard < shards && keys.len() >= opts.count {
                next = shard as u64;
                break;
            }
        }
        conn.out.array(2);
        conn.out.bulk(itoa::Buffer::new().format(next).as_bytes());
        conn.out.array(keys.len());
        for k in &keys {
            conn.out.bulk(k);
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(args: &[&str]) -> Result<Options, ReplyError> {
        let owned: Vec<Bytes> = args.iter().map(|a| Bytes::copy_from_slice(a.as_bytes())).collect();
        parse_options(&owned)
    }

    #[test]
    fn cursors_parse_like_strtoul() {
        assert_eq!(parse_cursor(b"0"), Ok(0));
        assert_eq!(parse_cursor(b""), Ok(0));
        assert_eq!(parse_cursor(b"+17"), Ok(17));
        assert_eq!(parse_cursor(b"-1"), Ok(u64::MAX));
        assert_eq!(parse_cursor(b"18446744073709551615"), Ok(u64::MAX));
        for bad in [&b"18446744073709551616"[..], b"abc", b" 1", b"1 ", b"-", b"0x10", b"1.5"] {
            assert_eq!(parse_cursor(bad), Err(ReplyError::text("ERR invalid cursor")), "{bad:?}");
        }
    }

    #[test]
    fn options() {
        assert_eq!(opts(&[]), Ok(Options { pattern: None, count: SCAN_DEFAULT_COUNT as usize, kind: None }));
        let o = opts(&["MATCH", "a*", "count", "5", "type", "HASH"]).unwrap();
        assert_eq!(o, Options { pattern: Some(Bytes::from_static(b"a*")), count: 5, kind: Some(Some(Kind::Hash)) });
        assert_eq!(opts(&["match", "*"]).unwrap().pattern, None);
        assert_eq!(opts(&["type", "stream"]).unwrap().kind, Some(None));
        assert_eq!(opts(&["count", "0"]), Err(ReplyError::syntax()));
        assert_eq!(opts(&["count", "x"]), Err(ReplyError::not_integer()));
        assert_eq!(opts(&["match"]), Err(ReplyError::syntax()));
        assert_eq!(opts(&["bad", "x"]), Err(ReplyError::syntax()));
    }

    #[test]
    fn cursor_layout() {
        assert_eq!(shard_bits(1), 0);
        assert_eq!(shard_bits(2), 1);
        assert_eq!(shard_bits(3), 2);
        assert_eq!(shard_bits(4), 2);
        assert_eq!(shard_bits(5), 3);
        assert_eq!(shard_bits(1024), 10);
    }
}
