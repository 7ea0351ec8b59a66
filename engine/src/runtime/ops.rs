//! Multi-key operations on [`Handle`], atomic across shards.
//!
//! When every key of a call lives on one shard, the call is one message to
//! that shard and runs the shard's own operation: no locking at all. When
//! keys span shards, the call becomes a transaction coordinated from the
//! lowest involved shard: it takes the involved shards in ascending order
//! ([`ShardCtx::lock`](super::ShardCtx::lock)), reads and type-checks every
//! key, applies the writes, and releases. No other client can observe the
//! keys in between, so no one sees half of an MSET, RENAME or SMOVE.

use std::future::Future;
use std::rc::Rc;

use bytes::Bytes;
use futures_util::future::join_all;

use crate::error::{Error, Result};
use crate::shard::Shard;
use crate::types::{Aggregate, ExpireOptions, ListSide, Set, SetOp, SetOptions, SetResult, ZSet, ZSetOperand};
use crate::value::Kind;

use super::ctx::Txn;
use super::handle::{Handle, Pending};

fn owned<K: AsRef<[u8]>>(keys: &[K]) -> Vec<Bytes> {
    keys.iter().map(|k| Bytes::copy_from_slice(k.as_ref())).collect()
}

/// Keys grouped by owning shard, remembering each key's position.
pub(crate) struct Groups {
    pub(crate) by_shard: Vec<(usize, Vec<(usize, Bytes)>)>,
}

impl Groups {
    pub(crate) fn shards(&self) -> Vec<usize> {
        self.by_shard.iter().map(|(s, _)| *s).collect()
    }

    pub(crate) fn single(&self) -> Option<usize> {
        match self.by_shard.as_slice() {
            [(s, _)] => Some(*s),
            _ => None,
        }
    }
}

impl Handle {
    pub(crate) fn group(&self, keys: &[Bytes]) -> Groups {
        let mut by_shard: Vec<(usize, Vec<(usize, Bytes)>)> = Vec::new();
        for (pos, k) in keys.iter().enumerate() {
            let s = self.shard_of(k);
            match by_shard.iter_mut().find(|(x, _)| *x == s) {
                Some((_, v)) => v.push((pos, k.clone())),
                None => by_shard.push((s, vec![(pos, k.clone())])),
            }
        }
        by_shard.sort_by_key(|(s, _)| *s);
        Groups { by_shard }
    }

    /// Runs `body` as one atomic transaction over `shards`: it is started on
    /// the lowest of them, holds all of them while `body` runs, and releases
    /// them afterwards (also on error).
    pub fn atomic<R, F, Fut>(&self, shards: Vec<usize>, body: F) -> Pending<R>
    where
        F: FnOnce(Rc<Txn>) -> Fut + Send + 'static,
        Fut: Future<Output = Result<R>> + 'static,
        R: Send + 'static,
    {
        let first = shards.iter().copied().min().unwrap_or(0);
        self.spawn_on(first, move |ctx| async move {
            let txn = Rc::new(ctx.lock(shards).await?);
            let result = body(txn.clone()).await;
            if let Ok(txn) = Rc::try_unwrap(txn) {
                txn.release().await;
            }
            result
        })
    }
}

/// Runs `f` for every key of `groups` on its shard (one message per shard,
/// all shards at once) and returns the results in key order.
pub(crate) async fn gather<T, F>(txn: &Txn, groups: &Groups, n: usize, f: F) -> Result<Vec<T>>
where
    T: Send + 'static,
    F: Fn(&mut Shard, &[u8]) -> Result<T> + Send + Clone + 'static,
{
    let runs = groups.by_shard.iter().map(|(shard, keys)| {
        let keys = keys.clone();
        let f = f.clone();
        txn.run(*shard, move |s| keys.into_iter().map(|(pos, k)| (pos, f(s, &k))).collect::<Vec<_>>())
    });
    let mut out: Vec<Option<T>> = (0..n).map(|_| None).collect();
    for part in join_all(runs).await {
        for (pos, r) in part? {
            out[pos] = Some(r?);
        }
    }
    Ok(out.into_iter().flatten().collect())
}

fn combine_sets(op: SetOp, sets: &[Option<Set>]) -> Set {
    let refs: Vec<&Set> = sets.iter().map(|s| s.as_ref().unwrap_or(Set::empty())).collect();
    match op {
        SetOp::Inter if sets.iter().any(Option::is_none) => Set::new(),
        SetOp::Inter => Set::inter(&refs),
        SetOp::Union => Set::union(&refs),
        SetOp::Diff => match refs.split_first() {
            Some((first, others)) => Set::diff(first, others),
            None => Set::new(),
        },
    }
}

/// Set operations.
impl Handle {
    /// SMOVE `member` from `src` to `dst`.
    pub fn smove(&self, src: &[u8], dst: &[u8], member: &[u8]) -> Pending<bool> {
        let (db, src, dst, member) =
            (self.db, Bytes::copy_from_slice(src), Bytes::copy_from_slice(dst), Bytes::copy_from_slice(member));
        let (s_src, s_dst) = (self.shard_of(&src), self.shard_of(&dst));
        if s_src == s_dst {
            return self.call(s_src, move |s| s.smove(db, &src, &dst, &member));
        }
        self.atomic(vec![s_src, s_dst], move |txn| async move {
            let (k, m) = (src.clone(), member.clone());
            let present = txn
                .run(s_src, move |s| match s.kind_of(db, &k) {
                    None => Ok(None),
                    Some(Kind::Set) => s.sismember(db, &k, &m).map(Some),
                    Some(_) => Err(Error::WrongType),
                })
                .await??;
            let Some(present) = present else { return Ok(false) };
            let k = dst.clone();
            // Checked before removing from `src`, so the add cannot fail after.
            txn.run(s_dst, move |s| match s.kind_of(db, &k) {
                Some(kind) if kind != Kind::Set => Err(Error::WrongType),
                _ => s.make_room(),
            })
            .await??;
            if !present {
                return Ok(false);
            }
            let (k, m) = (src.clone(), member.clone());
            txn.run(s_src, move |s| s.srem(db, &k, &[m])).await??;
            txn.run(s_dst, move |s| s.sadd(db, &dst, &[member])).await??;
            Ok(true)
        })
    }

    fn set_algebra(&self, op: SetOp, keys: Vec<Bytes>) -> Pending<Vec<Bytes>> {
        let db = self.db;
        let groups = self.group(&keys);
        if let Some(shard) = groups.single() {
            return self.call(shard, move |s| match op {
                SetOp::Inter => s.sinter(db, &keys),
                SetOp::Union => s.sunion(db, &keys),
                SetOp::Diff => s.sdiff(db, &keys),
            });
        }
        let n = keys.len();
        self.atomic(groups.shards(), move |txn| async move {
            let sets = gather(&txn, &groups, n, move |s, k| s.scopy(db, k)).await?;
            Ok(combine_sets(op, &sets).iter().cloned().collect())
        })
    }

    fn set_algebra_store(&self, op: SetOp, dst: &[u8], keys: Vec<Bytes>) -> Pending<usize> {
        let db = self.db;
        let dst = Bytes::copy_from_slice(dst);
        let mut all = keys.clone();
        all.push(dst.clone());
        let groups = self.group(&all);
        if let Some(shard) = groups.single() {
            return self.call(shard, move |s| match op {
                SetOp::Inter => s.sinterstore(db, &dst, &keys),
                SetOp::Union => s.sunionstore(db, &dst, &keys),
                SetOp::Diff => s.sdiffstore(db, &dst, &keys),
            });
        }
        let src_groups = self.group(&keys);
        let n = keys.len();
        let dst_shard = self.shard_of(&dst);
        self.atomic(groups.shards(), move |txn| async move {
            let sets = gather(&txn, &src_groups, n, move |s, k| s.scopy(db, k)).await?;
            let result = combine_sets(op, &sets);
            txn.run(dst_shard, move |s| s.sstore(db, &dst, result)).await?
        })
    }

    /// SINTER across any shards.
    pub fn sinter<K: AsRef<[u8]>>(&self, keys: &[K]) -> Pending<Vec<Bytes>> {
        self.set_algebra(SetOp::Inter, owned(keys))
    }

    /// SUNION across any shards.
    pub fn sunion<K: AsRef<[u8]>>(&self, keys: &[K]) -> Pending<Vec<Bytes>> {
        self.set_algebra(SetOp::Union, owned(keys))
    }

    /// SDIFF across any shards.
    pub fn sdiff<K: AsRef<[u8]>>(&self, keys: &[K]) -> Pending<Vec<Bytes>> {
        self.set_algebra(SetOp::Diff, owned(keys))
    }

    /// SINTERSTORE across any shards.
    pub fn sinterstore<K: AsRef<[u8]>>(&self, dst: &[u8], keys: &[K]) -> Pending<usize> {
        self.set_algebra_store(SetOp::Inter, dst, owned(keys))
    }

    /// SUNIONSTORE across any shards.
    pub fn sunionstore<K: AsRef<[u8]>>(&self, dst: &[u8], keys: &[K]) -> Pending<usize> {
        self.set_algebra_store(SetOp::Union, dst, owned(keys))
    }

    /// SDIFFSTORE across any shards.
    pub fn sdiffstore<K: AsRef<[u8]>>(&self, dst: &[u8], keys: &[K]) -> Pending<usize> {
        self.set_algebra_store(SetOp::Diff, dst, owned(keys))
    }

    /// SINTERCARD across any shards (`limit` 0 = no limit).
    pub fn sintercard<K: AsRef<[u8]>>(&self, keys: &[K], limit: i64) -> Pending<usize> {
        if limit < 0 {
            return Pending::ready(Err(Error::OutOfRange("LIMIT can't be negative")));
        }
        let db = self.db;
        let keys = owned(keys);
        let groups = self.group(&keys);
        if let Some(shard) = groups.single() {
            return self.call(shard, move |s| s.sintercard(db, &keys, limit));
        }
        let n = keys.len();
        self.atomic(groups.shards(), move |txn| async move {
            let sets = gather(&txn, &groups, n, move |s, k| s.scopy(db, k)).await?;
            if sets.iter().any(Option::is_none) {
                return Ok(0);
            }
            let refs: Vec<&Set> = sets.iter().flatten().collect();
            Ok(Set::inter_card(&refs, usize::try_from(limit).unwrap_or(usize::MAX)))
        })
    }
}

/// String and keyspace operations.
impl Handle {
    /// GET `key`.
    pub fn get(&self, key: &[u8]) -> Pending<Option<Bytes>> {
        let (db, k) = (self.db, Bytes::copy_from_slice(key));
        self.call_key(key, move |s| s.get(db, &k))
    }

    /// SET `key` to `value` (no options).
    pub fn set(&self, key: &[u8], value: impl Into<Bytes>) -> Pending<()> {
        let (db, k, v) = (self.db, Bytes::copy_from_slice(key), value.into());
        self.call_key(key, move |s| s.set(db, &k, v, SetOptions::default()).map(drop))
    }

    /// SET with options (NX/XX/GET/KEEPTTL/expiry).
    pub fn set_with(&self, key: &[u8], value: impl Into<Bytes>, opts: SetOptions) -> Pending<SetResult> {
        let (db, k, v) = (self.db, Bytes::copy_from_slice(key), value.into());
        self.call_key(key, move |s| s.set(db, &k, v, opts))
    }

    /// INCRBY `key` by `by`.
    pub fn incr_by(&self, key: &[u8], by: i64) -> Pending<i64> {
        let (db, k) = (self.db, Bytes::copy_from_slice(key));
        self.call_key(key, move |s| s.incrby(db, &k, by))
    }

    /// EXPIRE `key` in `seconds`.
    pub fn expire(&self, key: &[u8], seconds: i64) -> Pending<bool> {
        let (db, k) = (self.db, Bytes::copy_from_slice(key));
        self.call_key(key, move |s| s.expire(db, &k, seconds, ExpireOptions::default()))
    }

    /// TTL of `key` in seconds (-2 missing, -1 no TTL).
    pub fn ttl(&self, key: &[u8]) -> Pending<i64> {
        let (db, k) = (self.db, Bytes::copy_from_slice(key));
        self.call_key(key, move |s| Ok(s.ttl(db, &k)))
    }

    /// MGET across any shards; a consistent snapshot even while other
    /// clients run cross-shard MSETs.
    pub fn mget<K: AsRef<[u8]>>(&self, keys: &[K]) -> Pending<Vec<Option<Bytes>>> {
        let db = self.db;
        let keys = owned(keys);
        let groups = self.group(&keys);
        if let Some(shard) = groups.single() {
            return self.call(shard, move |s| Ok(s.mget(db, &keys)));
        }
        let n = keys.len();
        self.atomic(groups.shards(), move |txn| async move {
            gather(&txn, &groups, n, move |s, k| Ok(s.mget(db, &[k]).pop().flatten())).await
        })
    }

    /// MSET across any shards, atomically.
    pub fn mset<K: AsRef<[u8]>, V: AsRef<[u8]>>(&self, pairs: &[(K, V)]) -> Pending<()> {
        let db = self.db;
        let by_shard = self.group_pairs(pairs);
        if let [(shard, pairs)] = by_shard.as_slice() {
            let pairs = pairs.clone();
            return self.call(*shard, move |s| s.mset(db, &pairs));
        }
        let shards = by_shard.iter().map(|(s, _)| *s).collect();
        self.atomic(shards, move |txn| async move {
            let runs = by_shard.into_iter().map(|(shard, pairs)| txn.run(shard, move |s| s.mset(db, &pairs)));
            for r in join_all(runs).await {
                r??;
            }
            Ok(())
        })
    }

    /// MSETNX across any shards: sets all pairs only if none of the keys
    /// exists, atomically.
    pub fn msetnx<K: AsRef<[u8]>, V: AsRef<[u8]>>(&self, pairs: &[(K, V)]) -> Pending<bool> {
        let db = self.db;
        let by_shard = self.group_pairs(pairs);
        if let [(shard, pairs)] = by_shard.as_slice() {
            let pairs = pairs.clone();
            return self.call(*shard, move |s| s.msetnx(db, &pairs));
        }
        let shards = by_shard.iter().map(|(s, _)| *s).collect();
        self.atomic(shards, move |txn| async move {
            let checks = by_shard.iter().map(|(shard, pairs)| {
                let keys: Vec<Bytes> = pairs.iter().map(|(k, _)| k.clone()).collect();
                txn.run(*shard, move |s| s.exists_any(db, &keys))
            });
            for r in join_all(checks).await {
                if r? {
                    return Ok(false);
                }
            }
            let runs = by_shard.into_iter().map(|(shard, pairs)| txn.run(shard, move |s| s.mset(db, &pairs)));
            for r in join_all(runs).await {
                r??;
            }
            Ok(true)
        })
    }

    /// Copies `pairs` and groups them by the shard owning each key.
    fn group_pairs<K: AsRef<[u8]>, V: AsRef<[u8]>>(&self, pairs: &[(K, V)]) -> Vec<(usize, Vec<(Bytes, Bytes)>)> {
        let mut by_shard: Vec<(usize, Vec<(Bytes, Bytes)>)> = Vec::new();
        for (k, v) in pairs {
            let (k, v) = (Bytes::copy_from_slice(k.as_ref()), Bytes::copy_from_slice(v.as_ref()));
            let s = self.shard_of(&k);
            match by_shard.iter_mut().find(|(x, _)| *x == s) {
                Some((_, list)) => list.push((k, v)),
                None => by_shard.push((s, vec![(k, v)])),
            }
        }
        by_shard.sort_by_key(|(s, _)| *s);
        by_shard
    }

    /// DEL across any shards, atomically; returns how many keys existed.
    pub fn del<K: AsRef<[u8]>>(&self, keys: &[K]) -> Pending<usize> {
        self.count_keys(owned(keys), |s, db, k| s.del(db, k))
    }

    /// EXISTS across any shards (a key named twice counts twice).
    pub fn exists<K: AsRef<[u8]>>(&self, keys: &[K]) -> Pending<usize> {
        self.count_keys(owned(keys), |s, db, k| s.exists(db, k))
    }

    fn count_keys(&self, keys: Vec<Bytes>, f: fn(&mut Shard, u8, &[Bytes]) -> usize) -> Pending<usize> {
        let db = self.db;
        let groups = self.group(&keys);
        if let Some(shard) = groups.single() {
            return self.call(shard, move |s| Ok(f(s, db, &keys)));
        }
        self.atomic(groups.shards(), move |txn| async move {
            let runs = groups.by_shard.into_iter().map(|(shard, keys)| {
                let keys: Vec<Bytes> = keys.into_iter().map(|(_, k)| k).collect();
                txn.run(shard, move |s| f(s, db, &keys))
            });
            let mut total = 0;
            for r in join_all(runs).await {
                total += r?;
            }
            Ok(total)
        })
    }

    /// RENAME `src` to `dst` (keeping the TTL), across shards atomically.
    pub fn rename(&self, src: &[u8], dst: &[u8]) -> Pending<()> {
        let p = self.move_key(src, dst, MoveMode::Rename);
        Pending::from_future(async move { p.await.map(drop) })
    }

    /// RENAMENX: as RENAME, only if `dst` does not exist.
    pub fn renamenx(&self, src: &[u8], dst: &[u8]) -> Pending<bool> {
        self.move_key(src, dst, MoveMode::RenameNx)
    }

    /// COPY `src` to `dst` (same database), optionally replacing `dst`.
    pub fn copy(&self, src: &[u8], dst: &[u8], replace: bool) -> Pending<bool> {
        self.move_key(src, dst, MoveMode::Copy { replace })
    }

    fn move_key(&self, src: &[u8], dst: &[u8], mode: MoveMode) -> Pending<bool> {
        let db = self.db;
        let (src, dst) = (Bytes::copy_from_slice(src), Bytes::copy_from_slice(dst));
        let (s_src, s_dst) = (self.shard_of(&src), self.shard_of(&dst));
        if s_src == s_dst {
            return self.call(s_src, move |s| match mode {
                MoveMode::Rename => s.rename(db, &src, &dst).map(|()| true),
                MoveMode::RenameNx => s.renamenx(db, &src, &dst),
                MoveMode::Copy { replace } => s.copy(db, &src, db, &dst, replace),
            });
        }
        self.atomic(vec![s_src, s_dst], move |txn| async move {
            let k = src.clone();
            let Some((value, expire)) = txn.run(s_src, move |s| s.dump(db, &k)).await? else {
                return match mode {
                    MoveMode::Copy { .. } => Ok(false),
                    _ => Err(Error::NoSuchKey),
                };
            };
            let replace = match mode {
                MoveMode::Rename => true,
                MoveMode::RenameNx => false,
                MoveMode::Copy { replace } => replace,
            };
            // Write the destination first: if it fails (OOM), the source is
            // untouched.
            let stored = txn.run(s_dst, move |s| s.restore(db, &dst, value, expire, replace)).await??;
            if stored && !matches!(mode, MoveMode::Copy { .. }) {
                txn.run(s_src, move |s| s.del(db, &[src])).await?;
            }
            Ok(stored)
        })
    }

    /// Number of keys in this handle's database, over all shards.
    pub fn dbsize(&self) -> Pending<usize> {
        let db = self.db;
        let parts: Vec<_> = (0..self.shards()).map(|s| self.call(s, move |sh| Ok(sh.dbsize(db)))).collect();
        Pending::from_future(async move {
            let mut n = 0;
            for p in parts {
                n += p.await?;
            }
            Ok(n)
        })
    }

    /// FLUSHDB on every shard, atomically.
    pub fn flushdb(&self) -> Pending<()> {
        let db = self.db;
        self.atomic((0..self.shards()).collect(), move |txn| async move {
            txn.run_all(move |s| s.flushdb(db)).await.map(drop)
        })
    }

    /// FLUSHALL on every shard, atomically.
    pub fn flushall(&self) -> Pending<()> {
        self.atomic((0..self.shards()).collect(), |txn| async move { txn.run_all(|s| s.flushall()).await.map(drop) })
    }
}

#[derive(Clone, Copy)]
enum MoveMode {
    Rename,
    RenameNx,
    Copy { replace: bool },
}

/// List operations.
impl Handle {
    /// LMOVE: pops from `from` side of `src`, pushes to `to` side of `dst`,
    /// atomically across shards. `None` when `src` is missing.
    pub fn lmove(&self, src: &[u8], dst: &[u8], from: ListSide, to: ListSide) -> Pending<Option<Bytes>> {
        let db = self.db;
        let (src, dst) = (Bytes::copy_from_slice(src), Bytes::copy_from_slice(dst));
        let (s_src, s_dst) = (self.shard_of(&src), self.shard_of(&dst));
        if s_src == s_dst {
            return self.call(s_src, move |s| s.lmove(db, &src, &dst, from, to));
        }
        self.atomic(vec![s_src, s_dst], move |txn| async move {
            let k = src.clone();
            let src_kind = txn.run(s_src, move |s| s.kind_of(db, &k)).await?;
            match src_kind {
                None => return Ok(None),
                Some(Kind::List) => {}
                Some(_) => return Err(Error::WrongType),
            }
            // Type and memory checks on the destination before popping, so the
            // push below cannot fail with the element already removed.
            let k = dst.clone();
            txn.run(s_dst, move |s| match s.kind_of(db, &k) {
                Some(kind) if kind != Kind::List => Err(Error::WrongType),
                _ => s.make_room(),
            })
            .await??;
            let k = src.clone();
            let Some(v) = txn.run(s_src, move |s| s.list_pop_one(db, &k, from)).await?? else { return Ok(None) };
            let moved = v.clone();
            txn.run(s_dst, move |s| s.list_push_one(db, &dst, to, moved)).await??;
            Ok(Some(v))
        })
    }

    /// RPOPLPUSH: LMOVE from the tail of `src` to the head of `dst`.
    pub fn rpoplpush(&self, src: &[u8], dst: &[u8]) -> Pending<Option<Bytes>> {
        self.lmove(src, dst, ListSide::Right, ListSide::Left)
    }
}

/// Sorted-set operations.
impl Handle {
    fn zset_algebra(
        &self,
        op: SetOp,
        dst: Option<Bytes>,
        keys: Vec<Bytes>,
        weights: Option<Vec<f64>>,
        aggregate: Aggregate,
    ) -> Pending<ZSetAlgebra> {
        let db = self.db;
        let mut all = keys.clone();
        all.extend(dst.clone());
        let groups = self.group(&all);
        if keys.is_empty() || groups.single().is_some() {
            let shard = groups.single().unwrap_or(0);
            return self.call(shard, move |s| {
                let w = weights.as_deref();
                Ok(match (dst, op) {
                    (Some(d), SetOp::Union) => ZSetAlgebra::Stored(s.zunionstore(db, &d, &keys, w, aggregate)?),
                    (Some(d), SetOp::Inter) => ZSetAlgebra::Stored(s.zinterstore(db, &d, &keys, w, aggregate)?),
                    (Some(d), SetOp::Diff) => ZSetAlgebra::Stored(s.zdiffstore(db, &d, &keys)?),
                    (None, SetOp::Union) => ZSetAlgebra::Result(s.zunion(db, &keys, w, aggregate)?),
                    (None, SetOp::Inter) => ZSetAlgebra::Result(s.zinter(db, &keys, w, aggregate)?),
                    (None, SetOp::Diff) => ZSetAlgebra::Result(s.zdiff(db, &keys)?),
                })
            });
        }
        let src_groups = self.group(&keys);
        let n = keys.len();
        let dst_shard = dst.as_ref().map(|d| self.shard_of(d));
        self.atomic(groups.shards(), move |txn| async move {
            let operands = gather(&txn, &src_groups, n, move |s, k| s.zset_operand(db, k)).await?;
            // As Redis: WEIGHTS are checked after the keys are looked up.
            if weights.as_ref().is_some_and(|w| w.len() != n) {
                return Err(Error::Syntax);
            }
            let weight = |i: usize| weights.as_ref().and_then(|w| w.get(i).copied()).unwrap_or(1.0);
            let inputs: Vec<_> =
                operands.iter().enumerate().map(|(i, o)| (o.as_ref().map(ZSetOperand::as_input), weight(i))).collect();
            let result = ZSet::combine(&inputs, op, aggregate);
            match (dst, dst_shard) {
                (Some(d), Some(shard)) => {
                    Ok(ZSetAlgebra::Stored(txn.run(shard, move |s| s.zstore(db, &d, result)).await??))
                }
                _ => Ok(ZSetAlgebra::Result(result)),
            }
        })
    }

    fn zset_result(p: Pending<ZSetAlgebra>) -> Pending<ZSet> {
        Pending::from_future(async move {
            match p.await? {
                ZSetAlgebra::Result(z) => Ok(z),
                ZSetAlgebra::Stored(_) => Ok(ZSet::new()),
            }
        })
    }

    fn zset_stored(p: Pending<ZSetAlgebra>) -> Pending<usize> {
        Pending::from_future(async move {
            match p.await? {
                ZSetAlgebra::Stored(n) => Ok(n),
                ZSetAlgebra::Result(z) => Ok(z.len()),
            }
        })
    }

    /// ZUNION across any shards (`weights` one per key).
    pub fn zunion(&self, keys: &[&[u8]], weights: Option<Vec<f64>>, aggregate: Aggregate) -> Pending<ZSet> {
        Self::zset_result(self.zset_algebra(SetOp::Union, None, owned(keys), weights, aggregate))
    }

    /// ZINTER across any shards.
    pub fn zinter(&self, keys: &[&[u8]], weights: Option<Vec<f64>>, aggregate: Aggregate) -> Pending<ZSet> {
        Self::zset_result(self.zset_algebra(SetOp::Inter, None, owned(keys), weights, aggregate))
    }

    /// ZDIFF across any shards.
    pub fn zdiff(&self, keys: &[&[u8]]) -> Pending<ZSet> {
        Self::zset_result(self.zset_algebra(SetOp::Diff, None, owned(keys), None, Aggregate::Sum))
    }

    /// ZUNIONSTORE across any shards, atomically; returns the stored size.
    pub fn zunionstore(
        &self,
        dst: &[u8],
        keys: &[&[u8]],
        weights: Option<Vec<f64>>,
        aggregate: Aggregate,
    ) -> Pending<usize> {
        let dst = Some(Bytes::copy_from_slice(dst));
        Self::zset_stored(self.zset_algebra(SetOp::Union, dst, owned(keys), weights, aggregate))
    }

    /// ZINTERSTORE across any shards, atomically.
    pub fn zinterstore(
        &self,
        dst: &[u8],
        keys: &[&[u8]],
        weights: Option<Vec<f64>>,
        aggregate: Aggregate,
    ) -> Pending<usize> {
        let dst = Some(Bytes::copy_from_slice(dst));
        Self::zset_stored(self.zset_algebra(SetOp::Inter, dst, owned(keys), weights, aggregate))
    }

    /// ZDIFFSTORE across any shards, atomically.
    pub fn zdiffstore(&self, dst: &[u8], keys: &[&[u8]]) -> Pending<usize> {
        let dst = Some(Bytes::copy_from_slice(dst));
        Self::zset_stored(self.zset_algebra(SetOp::Diff, dst, owned(keys), None, Aggregate::Sum))
    }
}

enum ZSetAlgebra {
    Result(ZSet),
    Stored(usize),
}
