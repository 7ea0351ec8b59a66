//! ZUNION, ZINTER and ZDIFF, their STORE forms, and ZINTERCARD: one
//! argument parsing (Redis's `zunionInterDiffGenericCommand`) and one set
//! operation over sorted sets (plain sets count as sorted sets with score
//! 1), replied, stored or counted. Atomic when the keys live on different
//! shards.

use coreshard_engine::types::{parse_weight, Aggregate, SetOp, ZSet, ZSetInput, ZSetOperand};
use coreshard_engine::{ArgError, Error, Kind, Route, Shard, Txn};

use super::{reply_scored, SORTED_SET};
use crate::commands::prelude::*;

/// `ZUNION numkeys key [key ...] [WEIGHTS weight ...] [AGGREGATE
/// SUM|MIN|MAX] [WITHSCORES]`. Plain sets count as sorted sets with score
/// 1. Atomic when the keys live on different shards.
pub const ZUNION: Command = SORTED_SET
    .command(
        "zunion",
        -3,
        Run::Keyed {
            shard: |c, args| reply_shard(c, args, UNION),
            spanning: |c, args| Box::pin(reply_spanning(c, args, UNION)),
        },
    )
    .flags(Flags::READONLY)
    .keys(KeySpec::NumKeys { at: 1, dest: false })
    .doc("6.2.0", "Add multiple sorted sets");

/// `ZINTER numkeys key [key ...] [WEIGHTS weight ...] [AGGREGATE
/// SUM|MIN|MAX] [WITHSCORES]`. Plain sets count as sorted sets with score
/// 1. Atomic when the keys live on different shards.
pub const ZINTER: Command = SORTED_SET
    .command(
        "zinter",
        -3,
        Run::Keyed {
            shard: |c, args| reply_shard(c, args, INTER),
            spanning: |c, args| Box::pin(reply_spanning(c, args, INTER)),
        },
    )
    .flags(Flags::READONLY)
    .keys(KeySpec::NumKeys { at: 1, dest: false })
    .doc("6.2.0", "Intersect multiple sorted sets");

/// `ZDIFF numkeys key [key ...] [WITHSCORES]`: the members of the first key
/// in none of the others, with their scores. Plain sets count as sorted
/// sets with score 1. Atomic when the keys live on different shards.
pub const ZDIFF: Command = SORTED_SET
    .command(
        "zdiff",
        -3,
        Run::Keyed {
            shard: |c, args| reply_shard(c, args, DIFF),
            spanning: |c, args| Box::pin(reply_spanning(c, args, DIFF)),
        },
    )
    .flags(Flags::READONLY)
    .keys(KeySpec::NumKeys { at: 1, dest: false })
    .doc("6.2.0", "Subtract multiple sorted sets");

/// `ZUNIONSTORE destination numkeys key [key ...] [WEIGHTS weight ...]
/// [AGGREGATE SUM|MIN|MAX]`: stores the result at `destination` (replacing
/// any value; deleting it when the result is empty) and replies with its
/// size. Atomic when the keys live on different shards.
pub const ZUNIONSTORE: Command = SORTED_SET
    .command(
        "zunionstore",
        -4,
        Run::Keyed {
            shard: |c, args| store_shard(c, args, UNIONSTORE),
            spanning: |c, args| Box::pin(store_spanning(c, args, UNIONSTORE)),
        },
    )
    .flags(Flags::WRITE.union(Flags::DENYOOM))
    .keys(KeySpec::NumKeys { at: 2, dest: true })
    .doc("2.0.0", "Add multiple sorted sets and store the resulting sorted set in a new key");

/// `ZINTERSTORE destination numkeys key [key ...] [WEIGHTS weight ...]
/// [AGGREGATE SUM|MIN|MAX]`: stores the result at `destination` (replacing
/// any value; deleting it when the result is empty) and replies with its
/// size. Atomic when the keys live on different shards.
pub const ZINTERSTORE: Command = SORTED_SET
    .command(
        "zinterstore",
        -4,
        Run::Keyed {
            shard: |c, args| store_shard(c, args, INTERSTORE),
            spanning: |c, args| Box::pin(store_spanning(c, args, INTERSTORE)),
        },
    )
    .flags(Flags::WRITE.union(Flags::DENYOOM))
    .keys(KeySpec::NumKeys { at: 2, dest: true })
    .doc("2.0.0", "Intersect multiple sorted sets and store the resulting sorted set in a new key");

/// `ZDIFFSTORE destination numkeys key [key ...]`: stores the result at
/// `destination` (replacing any value; deleting it when the result is
/// empty) and replies with its size. Atomic when the keys live on
/// different shards.
pub const ZDIFFSTORE: Command = SORTED_SET
    .command(
        "zdiffstore",
        -4,
        Run::Keyed {
            shard: |c, args| store_shard(c, args, DIFFSTORE),
            spanning: |c, args| Box::pin(store_spanning(c, args, DIFFSTORE)),
        },
    )
    .flags(Flags::WRITE.union(Flags::DENYOOM))
    .keys(KeySpec::NumKeys { at: 2, dest: true })
    .doc("6.2.0", "Subtract multiple sorted sets and store the resulting sorted set in a new key");

/// `ZINTERCARD numkeys key [key ...] [LIMIT limit]`: the intersection's
/// size, counting no further than `limit` (0 = no limit).
pub const ZINTERCARD: Command = SORTED_SET
    .command("zintercard", -3, Run::Keyed { shard: card_shard, spanning: |c, args| Box::pin(card_spanning(c, args)) })
    .flags(Flags::READONLY)
    .keys(KeySpec::NumKeys { at: 1, dest: false })
    .doc("7.0.0", "Intersect multiple sorted sets and return the cardinality of the result");

const UNION: Form = Form::Reply(SetOp::Union);
const INTER: Form = Form::Reply(SetOp::Inter);
const DIFF: Form = Form::Reply(SetOp::Diff);
const UNIONSTORE: Form = Form::Store(SetOp::Union);
const INTERSTORE: Form = Form::Store(SetOp::Inter);
const DIFFSTORE: Form = Form::Store(SetOp::Diff);

/// Which command of the family is parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    /// ZUNION, ZINTER, ZDIFF: `numkeys` at 1, WITHSCORES allowed.
    Reply(SetOp),
    /// ZUNIONSTORE, ZINTERSTORE, ZDIFFSTORE: destination at 1, `numkeys` at 2.
    Store(SetOp),
    /// ZINTERCARD: `numkeys` at 1, LIMIT allowed.
    Card,
}

impl Form {
    fn numkeys_at(self) -> usize {
        match self {
            Form::Store(_) => 2,
            _ => 1,
        }
    }

    fn op(self) -> SetOp {
        match self {
            Form::Reply(op) | Form::Store(op) => op,
            Form::Card => SetOp::Inter,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Form::Reply(SetOp::Union) => "zunion",
            Form::Reply(SetOp::Inter) => "zinter",
            Form::Reply(SetOp::Diff) => "zdiff",
            Form::Store(SetOp::Union) => "zunionstore",
            Form::Store(SetOp::Inter) => "zinterstore",
            Form::Store(SetOp::Diff) => "zdiffstore",
            Form::Card => "zintercard",
        }
    }
}

/// The options after the keys.
#[derive(Debug, Clone, PartialEq)]
struct Options {
    weights: Option<Vec<f64>>,
    aggregate: Aggregate,
    with_scores: bool,
    /// ZINTERCARD's LIMIT (0 = none).
    limit: usize,
}

/// A parsed request. Redis reports errors in the options only after it has
/// type-checked the keys, so they are kept in `options` for the caller to
/// report after its own type check (see [`check_kinds`]).
struct Request<'a> {
    keys: &'a [Bytes],
    options: Result<Options, ReplyError>,
}

/// Parses `numkeys key [key ...] [options]`. Errors in `numkeys` are
/// returned at once, as Redis reports them before looking at any key.
fn parse(args: &[Bytes], form: Form) -> Result<Request<'_>, ReplyError> {
    let at = form.numkeys_at();
    let numkeys = parse_int(&args[at])?;
    if numkeys < 1 {
        return Err(Error::AtLeastOneKey { command: form.name() }.into());
    }
    let available = args.len() - at - 1;
    let numkeys = usize::try_from(numkeys).unwrap_or(usize::MAX);
    if numkeys > available {
        return Err(ReplyError::syntax());
    }
    let keys = &args[at + 1..at + 1 + numkeys];
    let options = parse_options(&args[at + 1 + numkeys..], numkeys, form);
    Ok(Request { keys, options })
}

fn parse_options(args: &[Bytes], numkeys: usize, form: Form) -> Result<Options, ReplyError> {
    let mut o = Options { weights: None, aggregate: Aggregate::Sum, with_scores: false, limit: 0 };
    let weighted = matches!(form, Form::Reply(op) | Form::Store(op) if op != SetOp::Diff);
    let mut j = 0;
    while j < args.len() {
        let a = &args[j];
        let remaining = args.len() - j;
        if weighted && remaining > numkeys && eq_ic(a, "weights") {
            let weights = args[j + 1..j + 1 + numkeys].iter().map(|w| parse_weight(w)).collect::<Result<_, _>>()?;
            o.weights = Some(weights);
            j += 1 + numkeys;
        } else if weighted && remaining >= 2 && eq_ic(a, "aggregate") {
            let v = &args[j + 1];
            o.aggregate = if eq_ic(v, "sum") {
                Aggregate::Sum
            } else if eq_ic(v, "min") {
                Aggregate::Min
            } else if eq_ic(v, "max") {
                Aggregate::Max
            } else {
                return Err(ReplyError::syntax());
            };
            j += 2;
        } else if matches!(form, Form::Reply(_)) && eq_ic(a, "withscores") {
            o.with_scores = true;
            j += 1;
        } else if form == Form::Card && remaining >= 2 && eq_ic(a, "limit") {
            o.limit = match parse_int(&args[j + 1]) {
                Ok(n) if n >= 0 => usize::try_from(n).unwrap_or(usize::MAX),
                _ => return Err(ReplyError::arg(ArgError::LimitNegative)),
            };
            j += 2;
        } else {
            return Err(ReplyError::syntax());
        }
    }
    Ok(o)
}

/// The type check Redis performs before it parses the options: WRONGTYPE
/// for the first key holding neither a sorted set nor a set.
fn check_kinds(kinds: impl IntoIterator<Item = Option<Kind>>) -> Result<(), ReplyError> {
    for k in kinds.into_iter().flatten() {
        if k != Kind::ZSet && k != Kind::Set {
            return Err(coreshard_engine::Error::WrongType.into());
        }
    }
    Ok(())
}

/// The options, or (after the type check Redis does first) their error.
fn options_on_shard(shard: &mut Shard, db: u8, req: Request<'_>) -> Result<Options, ReplyError> {
    match req.options {
        Ok(o) => Ok(o),
        Err(e) => {
            check_kinds(req.keys.iter().map(|k| shard.kind_of(db, k)))?;
            Err(e)
        }
    }
}

/// [`options_on_shard`] for keys spread over the shards of `txn` (`route`
/// is theirs, if known).
async fn options_spanning(txn: &Txn, route: Option<&Route>, db: u8, req: Request<'_>) -> Result<Options, ReplyError> {
    match req.options {
        Ok(o) => Ok(o),
        Err(e) => {
            check_kinds(txn.for_keys(db, route, req.keys, |s, db, k| Ok(s.kind_of(db, k))).await?)?;
            Err(e)
        }
    }
}

/// Writes the result of ZUNION/ZINTER/ZDIFF.
fn reply(out: &mut ReplyBuf, z: &ZSet, with_scores: bool) {
    reply_scored(out, z.iter(), with_scores);
}

/// ZUNION/ZINTER/ZDIFF (`form` is [`Form::Reply`]) with every key on this
/// shard.
fn reply_shard(c: &mut ShardCall<'_>, args: &[Bytes], form: Form) -> CmdResult {
    let req = parse(args, form)?;
    let keys = req.keys;
    let o = options_on_shard(c.shard, c.db, req)?;
    let z = match form.op() {
        SetOp::Union => c.shard.zunion(c.db, keys, o.weights.as_deref(), o.aggregate)?,
        SetOp::Inter => c.shard.zinter(c.db, keys, o.weights.as_deref(), o.aggregate)?,
        SetOp::Diff => c.shard.zdiff(c.db, keys)?,
    };
    reply(c.out, &z, o.with_scores);
    Ok(())
}

/// ZUNION/ZINTER/ZDIFF across the shards of `txn`.
async fn reply_spanning(c: TxnCall<'_>, args: &[Bytes], form: Form) -> CmdResult {
    let TxnCall { txn, route, db, out } = c;
    let req = parse(args, form)?;
    let keys = req.keys;
    let Options { weights, aggregate, with_scores, .. } = options_spanning(txn, Some(route), db, req).await?;
    let z = txn.zset_op(db, form.op(), Some(route), keys, weights, aggregate).await?;
    reply(out, &z, with_scores);
    Ok(())
}

/// ZUNIONSTORE/ZINTERSTORE/ZDIFFSTORE (`form` is [`Form::Store`]) with
/// every key on this shard.
fn store_shard(c: &mut ShardCall<'_>, args: &[Bytes], form: Form) -> CmdResult {
    let req = parse(args, form)?;
    let keys = req.keys;
    let o = options_on_shard(c.shard, c.db, req)?;
    let (dst, weights) = (&args[1], o.weights.as_deref());
    let n = match form.op() {
        SetOp::Union => c.shard.zunionstore(c.db, dst, keys, weights, o.aggregate)?,
        SetOp::Inter => c.shard.zinterstore(c.db, dst, keys, weights, o.aggregate)?,
        SetOp::Diff => c.shard.zdiffstore(c.db, dst, keys)?,
    };
    c.out.int(n as i64);
    Ok(())
}

/// ZUNIONSTORE/ZINTERSTORE/ZDIFFSTORE across the shards of `txn`.
async fn store_spanning(c: TxnCall<'_>, args: &[Bytes], form: Form) -> CmdResult {
    let TxnCall { txn, route, db, out } = c;
    let req = parse(args, form)?;
    let keys = req.keys;
    // `route` also covers `dst`: the sources are routed again, on this
    // error path only.
    let Options { weights, aggregate, .. } = options_spanning(txn, None, db, req).await?;
    let n = txn.zset_op_store(db, form.op(), Some(route), args[1].clone(), keys, weights, aggregate).await?;
    out.int(n as i64);
    Ok(())
}

/// ZINTERCARD with every key on this shard.
fn card_shard(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let req = parse(args, Form::Card)?;
    let keys = req.keys;
    let o = options_on_shard(c.shard, c.db, req)?;
    let n = c.shard.zintercard(c.db, keys, o.limit)?;
    c.out.int(n as i64);
    Ok(())
}

/// ZINTERCARD across the shards of `txn`: copies of the inputs are
/// gathered and intersected here.
async fn card_spanning(c: TxnCall<'_>, args: &[Bytes]) -> CmdResult {
    let TxnCall { txn, route, db, out } = c;
    let req = parse(args, Form::Card)?;
    let keys = req.keys;
    let o = options_spanning(txn, Some(route), db, req).await?;
    let operands = txn.for_keys(db, Some(route), keys, |s, db, k| s.zset_operand(db, k)).await?;
    let inputs: Vec<Option<ZSetInput<'_>>> = operands.iter().map(|o| o.as_ref().map(ZSetOperand::as_input)).collect();
    out.int(ZSet::intercard(&inputs, o.limit) as i64);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Vec<Bytes> {
        line.split(' ').map(|s| Bytes::copy_from_slice(s.as_bytes())).collect()
    }

    fn parsed(line: &str, form: Form) -> Result<Options, ReplyError> {
        let a = args(line);
        parse(&a, form).and_then(|r| r.options)
    }

    #[test]
    fn numkeys_and_options() {
        let u = Form::Reply(SetOp::Union);
        let o = parsed("zunion 2 a b WEIGHTS 2 0.5 AGGREGATE max WITHSCORES", u).unwrap();
        assert_eq!(o.weights, Some(vec![2.0, 0.5]));
        assert_eq!(o.aggregate, Aggregate::Max);
        assert!(o.with_scores);
        assert_eq!(parsed("zunion 0 a", u).unwrap_err().0, "ERR at least 1 input key is needed for 'zunion' command");
        assert_eq!(
            parsed("zinterstore d -1 a", Form::Store(SetOp::Inter)).unwrap_err().0,
            "ERR at least 1 input key is needed for 'zinterstore' command"
        );
        assert_eq!(parsed("zunion x a", u).unwrap_err(), ReplyError::not_integer());
        assert_eq!(parsed("zunion 3 a b", u).unwrap_err(), ReplyError::syntax());
        assert_eq!(parsed("zunion 2 a b WEIGHTS 1", u).unwrap_err(), ReplyError::syntax());
        assert_eq!(parsed("zunion 2 a b WEIGHTS 1 x", u).unwrap_err().0, "ERR weight value is not a float");
        assert_eq!(parsed("zunion 2 a b AGGREGATE avg", u).unwrap_err(), ReplyError::syntax());
        assert_eq!(parsed("zdiff 2 a b WEIGHTS 1 2", Form::Reply(SetOp::Diff)).unwrap_err(), ReplyError::syntax());
        assert_eq!(
            parsed("zunionstore d 1 a WITHSCORES", Form::Store(SetOp::Union)).unwrap_err(),
            ReplyError::syntax()
        );
        assert_eq!(parsed("zintercard 1 a LIMIT 5", Form::Card).unwrap().limit, 5);
        assert_eq!(parsed("zintercard 1 a LIMIT -1", Form::Card).unwrap_err().0, "ERR LIMIT can't be negative");
        assert_eq!(parsed("zintercard 1 a WITHSCORES", Form::Card).unwrap_err(), ReplyError::syntax());
    }
}
