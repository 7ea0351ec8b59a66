use bytes::Bytes;

use crate::cmd::{flags, CmdResult, Command, KeySpec, ReplyError, Run, ShardCall};

/// `HSET key field value [field value ...]`: replies with the number of new
/// fields.
pub const HSET: Command = Command {
    name: "hset",
    arity: -4,
    flags: flags::WRITE | flags::DENYOOM | flags::FAST,
    keys: KeySpec::FIRST,
    run: Run::Shard(hset),
    group: "hash",
    summary: "Set the string value of a hash field",
    since: "2.0.0",
};

/// `HMSET key field value [field value ...]`: as HSET, replying OK.
pub const HMSET: Command = Command {
    name: "hmset",
    arity: -4,
    flags: flags::WRITE | flags::DENYOOM | flags::FAST,
    keys: KeySpec::FIRST,
    run: Run::Shard(hmset),
    group: "hash",
    summary: "Set multiple hash fields to multiple values",
    since: "2.0.0",
};

/// Sets the field/value pairs of `args[2..]` and returns how many fields
/// were new. Fields and values are copied out of the read buffer.
fn set_pairs(c: &mut ShardCall<'_>, args: &[Bytes], name: &str) -> Result<usize, ReplyError> {
    if args.len() % 2 != 0 {
        return Err(ReplyError::arity(name));
    }
    let pairs: Vec<(Bytes, Bytes)> =
        args[2..].chunks_exact(2).map(|p| (Bytes::copy_from_slice(&p[0]), Bytes::copy_from_slice(&p[1]))).collect();
    Ok(c.shard.hset(c.db, &args[1], &pairs)?)
}

fn hset(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let new = set_pairs(c, args, "hset")?;
    c.out.int(new as i64);
    Ok(())
}

fn hmset(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    set_pairs(c, args, "hmset")?;
    c.out.ok();
    Ok(())
}
