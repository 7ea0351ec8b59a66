use bytes::Bytes;

use crate::cmd::{flags, parse_int, CmdResult, Command, KeySpec, ReplyError, Run, ShardCall};

/// `ZPOPMIN key [count]`: removes and returns the lowest members.
pub const ZPOPMIN: Command = Command {
    name: "zpopmin",
    arity: -2,
    flags: flags::WRITE | flags::FAST,
    keys: KeySpec::FIRST,
    run: Run::Shard(zpopmin),
    group: "sorted-set",
    summary: "Remove and return members with the lowest scores in a sorted set",
    since: "5.0.0",
};

/// `ZPOPMAX key [count]`: removes and returns the highest members.
pub const ZPOPMAX: Command = Command {
    name: "zpopmax",
    arity: -2,
    flags: flags::WRITE | flags::FAST,
    keys: KeySpec::FIRST,
    run: Run::Shard(zpopmax),
    group: "sorted-set",
    summary: "Remove and return members with the highest scores in a sorted set",
    since: "5.0.0",
};

/// Without a count the reply is a flat `[member, score]`; with one it is
/// flat in RESP2 and an array of pairs in RESP3.
fn run(c: &mut ShardCall<'_>, args: &[Bytes], max: bool) -> CmdResult {
    if args.len() > 3 {
        return Err(ReplyError::syntax());
    }
    let count = match args.get(2) {
        None => None,
        // Redis reports a count that is not an integer like a negative one.
        Some(a) => Some(parse_int(a).map_err(|_| ReplyError::text("ERR value is out of range, must be positive"))?),
    };
    let items = if max { c.shard.zpopmax(c.db, &args[1], count)? } else { c.shard.zpopmin(c.db, &args[1], count)? };
    if c.out.resp3() && count.is_some() {
        c.out.array(items.len());
        for (m, s) in &items {
            c.out.array(2);
            c.out.bulk(m);
            c.out.double(*s);
        }
    } else {
        c.out.array(items.len() * 2);
        for (m, s) in &items {
            c.out.bulk(m);
            c.out.double(*s);
        }
    }
    Ok(())
}

fn zpopmin(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    run(c, args, false)
}

fn zpopmax(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    run(c, args, true)
}
