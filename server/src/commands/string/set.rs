use coreshard_engine::types::{Expiry, SetOptions};

use super::STRING;
use crate::commands::prelude::*;

/// `SET key value [NX | XX] [GET] [EX s | PX ms | EXAT ts | PXAT ms-ts | KEEPTTL]`.
pub const SET: Command = STRING
    .command("set", -3, Run::Shard(run))
    .flags(Flags::WRITE.union(Flags::DENYOOM))
    .doc("1.0.0", "Sets the string value of a key, ignoring its type. The key is created if it doesn't exist.");

/// Parses SET's options as Redis does: conflicting options are a syntax
/// error, a repeated expiry of the same unit takes the last value.
pub(crate) fn parse_options(args: &[Bytes]) -> Result<SetOptions, ReplyError> {
    let mut o = SetOptions::default();
    let mut unit: Option<u8> = None;
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        let next = args.get(i + 1);
        if eq_ic(a, "nx") && !o.xx {
            o.nx = true;
        } else if eq_ic(a, "xx") && !o.nx {
            o.xx = true;
        } else if eq_ic(a, "get") {
            o.get = true;
        } else if eq_ic(a, "keepttl") && unit.is_none() {
            o.keep_ttl = true;
        } else if let (Some(kind), Some(v)) = (expiry_kind(a), next) {
            if o.keep_ttl || unit.is_some_and(|u| u != kind) {
                return Err(ReplyError::syntax());
            }
            unit = Some(kind);
            let n = parse_int(v)?;
            o.expiry = Some(match kind {
                0 => Expiry::Ex(n),
                1 => Expiry::Px(n),
                2 => Expiry::ExAt(n),
                _ => Expiry::PxAt(n),
            });
            i += 1;
        } else {
            return Err(ReplyError::syntax());
        }
        i += 1;
    }
    Ok(o)
}

fn expiry_kind(a: &[u8]) -> Option<u8> {
    if eq_ic(a, "ex") {
        Some(0)
    } else if eq_ic(a, "px") {
        Some(1)
    } else if eq_ic(a, "exat") {
        Some(2)
    } else if eq_ic(a, "pxat") {
        Some(3)
    } else {
        None
    }
}

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let opts = if args.len() == 3 { SetOptions::default() } else { parse_options(&args[3..])? };
    // A slice, not the argument itself: storing the argument would keep the
    // whole read buffer it points into alive.
    let r = c.shard.set(c.db, &args[1], &args[2][..], opts)?;
    if opts.get {
        c.out.bulk_opt(r.old.as_deref());
    } else if r.written {
        c.out.ok();
    } else {
        c.out.null();
    }
    Ok(())
}
