use coreshard_engine::types::lcs;
use coreshard_engine::Error;

use super::STRING;
use crate::commands::prelude::*;

/// `LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]`.
pub const LCS: Command = STRING
    .command("lcs", -3, Run::Keyed { shard: run, spanning })
    .flags(Flags::READONLY)
    .keys(KeySpec::TWO)
    .doc("7.0.0", "Finds the longest common substring.");

#[derive(Debug, Default, PartialEq, Eq)]
struct Options {
    len: bool,
    idx: bool,
    with_match_len: bool,
    min_match_len: usize,
}

fn parse_options(args: &[Bytes]) -> Result<Options, ReplyError> {
    let mut o = Options::default();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i][..];
        if eq_ic(a, "idx") {
            o.idx = true;
        } else if eq_ic(a, "len") {
            o.len = true;
        } else if eq_ic(a, "withmatchlen") {
            o.with_match_len = true;
        } else if let (true, Some(v)) = (eq_ic(a, "minmatchlen"), args.get(i + 1)) {
            o.min_match_len = usize::try_from(parse_int(v)?).unwrap_or(0);
            i += 1;
        } else {
            return Err(ReplyError::syntax());
        }
        i += 1;
    }
    if o.len && o.idx {
        return Err(ReplyError::text("ERR If you want both the length and indexes, please just use IDX."));
    }
    Ok(o)
}

/// Redis names the type error differently for LCS.
fn string_or_error(v: Result<Option<Bytes>, Error>) -> Result<Bytes, ReplyError> {
    match v {
        Ok(v) => Ok(v.unwrap_or_default()),
        Err(Error::WrongType) => Err(ReplyError::text("ERR The specified keys must contain string values")),
        Err(e) => Err(e.into()),
    }
}

/// Checks the keys' types, then the options (Redis's order), computes and
/// replies.
fn reply(a: Bytes, b: Bytes, args: &[Bytes], out: &mut ReplyBuf) -> CmdResult {
    let o = parse_options(&args[3..])?;
    let r = lcs(&a, &b, o.idx || !o.len, o.min_match_len)?;
    if o.idx {
        out.map(2);
        out.bulk(b"matches");
        out.array(r.matches.len());
        for m in &r.matches {
            out.array(2 + usize::from(o.with_match_len));
            for (start, end) in [m.a, m.b] {
                out.array(2);
                out.int(start as i64);
                out.int(end as i64);
            }
            if o.with_match_len {
                out.int(m.len as i64);
            }
        }
        out.bulk(b"len");
        out.int(r.len as i64);
    } else if o.len {
        out.int(r.len as i64);
    } else {
        out.bulk(&r.text);
    }
    Ok(())
}

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let a = c.shard.get(c.db, &args[1]);
    let b = c.shard.get(c.db, &args[2]);
    let (a, b) = (string_or_error(a)?, string_or_error(b)?);
    reply(a, b, args, c.out)
}

fn spanning<'a>(c: TxnCall<'a>, args: &'a [Bytes]) -> LocalFuture<'a> {
    let TxnCall { txn, route, db, out } = c;
    Box::pin(async move {
        let values = txn.for_keys(db, Some(route), &args[1..3], |s, db, k| Ok(s.get(db, k))).await?;
        let mut values = values.into_iter();
        let a = string_or_error(values.next().unwrap_or(Ok(None)))?;
        let b = string_or_error(values.next().unwrap_or(Ok(None)))?;
        reply(a, b, args, out)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Options, ReplyError> {
        let owned: Vec<Bytes> = args.iter().map(|a| Bytes::copy_from_slice(a.as_bytes())).collect();
        parse_options(&owned)
    }

    #[test]
    fn options() {
        assert_eq!(parse(&[]), Ok(Options::default()));
        assert_eq!(
            parse(&["idx", "MINMATCHLEN", "4", "withmatchlen"]),
            Ok(Options { len: false, idx: true, with_match_len: true, min_match_len: 4 })
        );
        assert_eq!(parse(&["minmatchlen", "-3"]).map(|o| o.min_match_len), Ok(0));
        assert_eq!(parse(&["minmatchlen"]), Err(ReplyError::syntax()));
        assert_eq!(parse(&["minmatchlen", "x"]), Err(ReplyError::not_integer()));
        assert_eq!(
            parse(&["len", "idx"]),
            Err(ReplyError::text("ERR If you want both the length and indexes, please just use IDX."))
        );
    }
}
