//! EXPIRE, PEXPIRE, EXPIREAT and PEXPIREAT: one operation, four units.

use coreshard_engine::types::ExpireOptions;
use coreshard_engine::Shard;

use super::GENERIC;
use crate::commands::prelude::*;

const FLAGS: Flags = Flags::WRITE.union(Flags::FAST);

/// `EXPIRE key seconds [NX | XX | GT | LT]`.
pub const EXPIRE: Command = GENERIC
    .command("expire", -3, Run::Shard(|c, args| generic(c, args, Shard::expire)))
    .flags(FLAGS)
    .doc("1.0.0", "Sets the expiration time of a key in seconds.");

/// `PEXPIRE key milliseconds [NX | XX | GT | LT]`.
pub const PEXPIRE: Command = GENERIC
    .command("pexpire", -3, Run::Shard(|c, args| generic(c, args, Shard::pexpire)))
    .flags(FLAGS)
    .doc("2.6.0", "Sets the expiration time of a key in milliseconds.");

/// `EXPIREAT key unix-time-seconds [NX | XX | GT | LT]`.
pub const EXPIREAT: Command = GENERIC
    .command("expireat", -3, Run::Shard(|c, args| generic(c, args, Shard::expireat)))
    .flags(FLAGS)
    .doc("1.2.0", "Sets the expiration time of a key to a Unix timestamp.");

/// `PEXPIREAT key unix-time-milliseconds [NX | XX | GT | LT]`.
pub const PEXPIREAT: Command = GENERIC
    .command("pexpireat", -3, Run::Shard(|c, args| generic(c, args, Shard::pexpireat)))
    .flags(FLAGS)
    .doc("2.6.0", "Sets the expiration time of a key to a Unix milliseconds timestamp.");

/// Parses `NX | XX | GT | LT` (any number, any order) and checks the
/// combinations, before the amount is parsed, as Redis does.
pub(crate) fn parse_options(args: &[Bytes]) -> Result<ExpireOptions, ReplyError> {
    let mut o = ExpireOptions::default();
    for a in args {
        if eq_ic(a, "nx") {
            o.nx = true;
        } else if eq_ic(a, "xx") {
            o.xx = true;
        } else if eq_ic(a, "gt") {
            o.gt = true;
        } else if eq_ic(a, "lt") {
            o.lt = true;
        } else {
            let mut text = String::with_capacity(24 + a.len());
            text.push_str("ERR Unsupported option ");
            text.push_str(&String::from_utf8_lossy(a));
            return Err(ReplyError::owned(text));
        }
    }
    o.validate()?;
    Ok(o)
}

type ExpireFn = fn(&mut Shard, u8, &[u8], i64, ExpireOptions) -> coreshard_engine::Result<bool>;

fn generic(c: &mut ShardCall<'_>, args: &[Bytes], f: ExpireFn) -> CmdResult {
    let opts = parse_options(&args[3..])?;
    let amount = parse_int(&args[2])?;
    let set = f(c.shard, c.db, &args[1], amount, opts)?;
    c.out.int(i64::from(set));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<ExpireOptions, ReplyError> {
        let owned: Vec<Bytes> = args.iter().map(|a| Bytes::copy_from_slice(a.as_bytes())).collect();
        parse_options(&owned)
    }

    #[test]
    fn options_and_their_errors() {
        assert_eq!(parse(&[]), Ok(ExpireOptions::default()));
        assert_eq!(parse(&["Gt"]), Ok(ExpireOptions { gt: true, ..ExpireOptions::default() }));
        assert_eq!(parse(&["xx", "LT", "xx"]), Ok(ExpireOptions { xx: true, lt: true, ..ExpireOptions::default() }));
        assert_eq!(parse(&["nx", "foo"]), Err(ReplyError::text("ERR Unsupported option foo")));
        assert_eq!(
            parse(&["nx", "gt"]),
            Err(ReplyError::text("ERR NX and XX, GT or LT options at the same time are not compatible"))
        );
        assert_eq!(
            parse(&["lt", "gt"]),
            Err(ReplyError::text("ERR GT and LT options at the same time are not compatible"))
        );
    }
}
