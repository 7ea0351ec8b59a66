use super::HASH;
use crate::commands::prelude::*;

/// `HSET key field value [field value ...]`: replies with the number of new
/// fields.
pub const HSET: Command = HASH
    .command("hset", -4, Run::Shard(hset))
    .flags(Flags::WRITE.union(Flags::DENYOOM).union(Flags::FAST))
    .doc("2.0.0", "Set the string value of a hash field");

/// `HMSET key field value [field value ...]`: as HSET, replying OK.
pub const HMSET: Command = HASH
    .command("hmset", -4, Run::Shard(hmset))
    .flags(Flags::WRITE.union(Flags::DENYOOM).union(Flags::FAST))
    .doc("2.0.0", "Set multiple hash fields to multiple values");

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
