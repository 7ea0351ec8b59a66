use super::STRING;
use crate::commands::prelude::*;

/// `MGET key [key ...]`: atomic across shards (a consistent snapshot even
/// during cross-shard MSETs).
pub const MGET: Command = STRING
    .command("mget", -2, Run::Keyed { shard: run, spanning })
    .flags(Flags::READONLY.union(Flags::FAST))
    .keys(KeySpec::ALL)
    .doc("1.0.0", "Atomically returns the string values of one or more keys.");

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let out = &mut *c.out;
    out.array(args.len() - 1);
    for k in &args[1..] {
        // Encoded straight from the keyspace; other types read as null.
        if !matches!(c.shard.get_with(c.db, k, |v| out.bulk(v)), Ok(Some(()))) {
            out.null();
        }
    }
    Ok(())
}

fn spanning<'a>(c: TxnCall<'a>, args: &'a [Bytes]) -> LocalFuture<'a> {
    let TxnCall { txn, route, db, out } = c;
    Box::pin(async move {
        let values = txn.mget(db, Some(route), &args[1..]).await?;
        out.array(values.len());
        for v in &values {
            out.bulk_opt(v.as_deref());
        }
        Ok(())
    })
}
