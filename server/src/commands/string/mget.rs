use bytes::Bytes;

use crate::cmd::{flags, CmdResult, Command, KeySpec, LocalFuture, Run, ShardCall, TxnCall};

/// `MGET key [key ...]`: atomic across shards (a consistent snapshot even
/// during cross-shard MSETs).
pub const MGET: Command = Command {
    name: "mget",
    arity: -2,
    flags: flags::READONLY | flags::FAST,
    keys: KeySpec::ALL,
    run: Run::Keyed { shard: run, spanning },
    group: "string",
    summary: "Atomically returns the string values of one or more keys.",
    since: "1.0.0",
};

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
