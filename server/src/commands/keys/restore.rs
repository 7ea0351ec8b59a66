use coreshard_persistence::rdb;

use super::GENERIC;
use crate::commands::prelude::*;

/// `RESTORE key ttl payload [REPLACE] [ABSTTL] [IDLETIME s] [FREQ f]`.
pub const RESTORE: Command = GENERIC
    .command("restore", -4, Run::Shard(run))
    .flags(Flags::WRITE.union(Flags::DENYOOM))
    .doc("2.6.0", "Creates a key from the serialized representation of a value.");

#[derive(Debug, Default, PartialEq, Eq)]
struct Options {
    replace: bool,
    absttl: bool,
    /// IDLETIME and FREQ are checked and accepted; the engine's eviction
    /// policies keep their own per-key state, which restored keys start
    /// afresh.
    idle: Option<i64>,
    freq: Option<i64>,
}

/// Parses the options in Redis's order of checks (IDLETIME and FREQ
/// exclude each other: the second is a syntax error).
fn parse_options(args: &[Bytes]) -> Result<Options, ReplyError> {
    let mut o = Options::default();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i][..];
        let value = args.get(i + 1);
        if eq_ic(a, "replace") {
            o.replace = true;
        } else if eq_ic(a, "absttl") {
            o.absttl = true;
        } else if let (true, Some(v), None) = (eq_ic(a, "idletime"), value, o.freq) {
            let idle = parse_int(v)?;
            if idle < 0 {
                return Err(ReplyError::text("ERR Invalid IDLETIME value, must be >= 0"));
            }
            o.idle = Some(idle);
            i += 1;
        } else if let (true, Some(v), None) = (eq_ic(a, "freq"), value, o.idle) {
            let freq = parse_int(v)?;
            if !(0..=255).contains(&freq) {
                return Err(ReplyError::text("ERR Invalid FREQ value, must be >= 0 and <= 255"));
            }
            o.freq = Some(freq);
            i += 1;
        } else {
            return Err(ReplyError::syntax());
        }
        i += 1;
    }
    Ok(o)
}

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let opts = parse_options(&args[4..])?;
    let (db, key) = (c.db, &args[1][..]);
    if !opts.replace && c.shard.kind_of(db, key).is_some() {
        return Err(ReplyError::text("BUSYKEY Target key name already exists."));
    }
    let ttl = parse_int(&args[2])?;
    if ttl < 0 {
        return Err(ReplyError::text("ERR Invalid TTL value, must be >= 0"));
    }
    let value = rdb::restore(&args[3])?;
    let now = c.shard.now_ms();
    let expire = match (ttl, opts.absttl) {
        (0, _) => None,
        (t, true) => Some(t as u64),
        (t, false) => Some((t as u64).saturating_add(now)),
    };
    if expire.is_some_and(|at| at <= now) {
        // Already expired: the key ends up absent (REPLACE still deletes
        // the old one), and the reply is OK, as in Redis.
        if opts.replace {
            c.shard.del(db, &[key]);
        }
    } else {
        c.shard.restore(db, key, value, expire, true)?;
    }
    c.out.ok();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Options, ReplyError> {
        let owned: Vec<Bytes> = args.iter().map(|a| Bytes::copy_from_slice(a.as_bytes())).collect();
        parse_options(&owned)
    }

    #[test]
    fn options_in_redis_order() {
        assert_eq!(parse(&[]), Ok(Options::default()));
        assert_eq!(
            parse(&["REPLACE", "absttl", "idletime", "5"]),
            Ok(Options { replace: true, absttl: true, idle: Some(5), freq: None })
        );
        assert_eq!(parse(&["freq", "255", "freq", "0"]).map(|o| o.freq), Ok(Some(0)));
        assert_eq!(parse(&["idletime", "1", "freq", "1"]), Err(ReplyError::syntax()));
        assert_eq!(parse(&["freq", "1", "idletime", "1"]), Err(ReplyError::syntax()));
        assert_eq!(parse(&["idletime"]), Err(ReplyError::syntax()));
        assert_eq!(parse(&["bogus"]), Err(ReplyError::syntax()));
        assert_eq!(parse(&["idletime", "x"]), Err(ReplyError::not_integer()));
        assert_eq!(parse(&["idletime", "-1"]), Err(ReplyError::text("ERR Invalid IDLETIME value, must be >= 0")));
        assert_eq!(parse(&["freq", "256"]), Err(ReplyError::text("ERR Invalid FREQ value, must be >= 0 and <= 255")));
    }
}
