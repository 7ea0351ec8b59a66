use coreshard_engine::types::{Expiry, GetExAction};

use super::STRING;
use crate::commands::prelude::*;

/// `GETEX key [EX s | PX ms | EXAT ts | PXAT ms-ts | PERSIST]`.
pub const GETEX: Command = STRING
    .command("getex", -2, Run::Shard(run))
    .flags(Flags::WRITE.union(Flags::FAST))
    .doc("6.2.0", "Returns the string value of a key after setting its expiration time.");

/// GETEX's option, with the expiry amount still unparsed: Redis reports a
/// missing key (null) or a wrong type before a malformed amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Opt<'a> {
    Keep,
    Persist,
    /// `EX`, `PX`, `EXAT` or `PXAT` (0..=3) and the amount's text.
    Expire(u8, &'a [u8]),
}

/// Parses the options as Redis does: one expiry kind (repeating the same
/// kind keeps the last amount), `PERSIST` excluding every expiry.
fn parse(args: &[Bytes]) -> Result<Opt<'_>, ReplyError> {
    let mut opt = Opt::Keep;
    let mut i = 0;
    while i < args.len() {
        let a = &args[i][..];
        if eq_ic(a, "persist") && matches!(opt, Opt::Keep | Opt::Persist) {
            opt = Opt::Persist;
        } else if let (Some(kind), Some(v)) = (expiry_kind(a), args.get(i + 1)) {
            match opt {
                Opt::Keep => {}
                Opt::Expire(k, _) if k == kind => {}
                _ => return Err(ReplyError::syntax()),
            }
            opt = Opt::Expire(kind, v);
            i += 1;
        } else {
            return Err(ReplyError::syntax());
        }
        i += 1;
    }
    Ok(opt)
}

fn expiry_kind(a: &[u8]) -> Option<u8> {
    ["ex", "px", "exat", "pxat"].iter().position(|w| eq_ic(a, w)).map(|p| p as u8)
}

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let action = match parse(&args[2..])? {
        Opt::Keep => GetExAction::Keep,
        Opt::Persist => GetExAction::Persist,
        Opt::Expire(kind, text) => match parse_int(text) {
            Ok(n) => GetExAction::Expire(match kind {
                0 => Expiry::Ex(n),
                1 => Expiry::Px(n),
                2 => Expiry::ExAt(n),
                _ => Expiry::PxAt(n),
            }),
            Err(e) => {
                // A missing key answers null and another type WRONGTYPE
                // before the amount is looked at.
                if c.shard.get_with(c.db, &args[1], |_| ())?.is_none() {
                    c.out.null();
                    return Ok(());
                }
                return Err(e);
            }
        },
    };
    let v = c.shard.getex(c.db, &args[1], action)?;
    c.out.bulk_opt(v.as_deref());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(args: &[&str], expect: Result<Opt<'_>, ReplyError>) {
        let owned: Vec<Bytes> = args.iter().map(|a| Bytes::copy_from_slice(a.as_bytes())).collect();
        assert_eq!(parse(&owned), expect, "{args:?}");
    }

    #[test]
    fn options() {
        check(&[], Ok(Opt::Keep));
        check(&["PERSIST", "persist"], Ok(Opt::Persist));
        check(&["ex", "10", "EX", "20"], Ok(Opt::Expire(0, b"20")));
        check(&["pxat", "abc"], Ok(Opt::Expire(3, b"abc")));
        for bad in [&["px", "10", "ex", "10"][..], &["persist", "ex", "1"], &["ex", "1", "persist"], &["ex"], &["bad"]]
        {
            check(bad, Err(ReplyError::syntax()));
        }
    }
}
