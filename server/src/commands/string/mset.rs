//! MSET and MSETNX.

use super::STRING;
use crate::commands::prelude::*;

const PAIRS: KeySpec = KeySpec::Range { first: 1, last: -1, step: 2 };

/// `MSET key value [key value ...]`: atomic across shards.
pub const MSET: Command = STRING
    .command("mset", -3, Run::Keyed { shard: mset, spanning: mset_spanning })
    .flags(Flags::WRITE.union(Flags::DENYOOM))
    .keys(PAIRS)
    .doc("1.0.1", "Atomically creates or modifies the string values of one or more keys.");

/// `MSETNX key value [key value ...]`: sets all or none, atomic across
/// shards.
pub const MSETNX: Command = STRING
    .command("msetnx", -3, Run::Keyed { shard: msetnx, spanning: msetnx_spanning })
    .flags(Flags::WRITE.union(Flags::DENYOOM))
    .keys(PAIRS)
    .doc("1.0.1", "Atomically modifies the string values of one or more keys only when all keys don't exist.");

/// The pairs, copied out of the request (values are stored). An odd
/// number of arguments after the name is Redis's arity error.
fn pairs(name: &str, args: &[Bytes]) -> Result<Vec<(Bytes, Bytes)>, ReplyError> {
    if args.len() % 2 == 0 {
        return Err(ReplyError::arity(name));
    }
    Ok(args[1..].chunks_exact(2).map(|p| (Bytes::copy_from_slice(&p[0]), Bytes::copy_from_slice(&p[1]))).collect())
}

fn mset(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let pairs = pairs("mset", args)?;
    c.shard.mset(c.db, &pairs)?;
    c.out.ok();
    Ok(())
}

fn msetnx(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let pairs = pairs("msetnx", args)?;
    let set = c.shard.msetnx(c.db, &pairs)?;
    c.out.int(i64::from(set));
    Ok(())
}

fn mset_spanning<'a>(c: TxnCall<'a>, args: &'a [Bytes]) -> LocalFuture<'a> {
    let TxnCall { txn, route, db, out } = c;
    Box::pin(async move {
        let pairs = pairs("mset", args)?;
        txn.mset(db, Some(route), pairs).await?;
        out.ok();
        Ok(())
    })
}

fn msetnx_spanning<'a>(c: TxnCall<'a>, args: &'a [Bytes]) -> LocalFuture<'a> {
    let TxnCall { txn, route, db, out } = c;
    Box::pin(async move {
        let pairs = pairs("msetnx", args)?;
        let set = txn.msetnx(db, Some(route), pairs).await?;
        out.int(i64::from(set));
        Ok(())
    })
}
