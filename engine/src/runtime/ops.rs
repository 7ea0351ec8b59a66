//! Multi-key operations, atomic across shards.
//!
//! Every multi-key operation has two entry points sharing one implementation:
//!
//! - a method on [`Txn`], for code that already holds the shards of its keys
//!   (a MULTI/EXEC block, or a connection task that took
//!   [`ShardCtx::lock`](super::ShardCtx::lock) itself). It takes the database
//!   explicitly and fails with [`Error::NotLocked`] before touching anything
//!   when the transaction does not hold the shard of one of its keys;
//! - a method on [`Handle`], usable from anywhere. When every key lives on
//!   one shard, the call is one message to that shard and runs the shard's
//!   own operation: no locking at all. Otherwise it starts a transaction on
//!   the lowest involved shard ([`Handle::atomic`]) and runs the `Txn`
//!   method there.
//!
//! A `Txn` method whose keys all live on one shard also runs that shard's
//! own operation in one message, so the edge cases (RENAME onto itself, COPY
//! onto itself, LMOVE rotating a list, ...) are the same on every path.
//! Across shards it reads and type-checks every key first, then writes. No
//! one else can observe the keys in between, so no one sees half of an MSET,
//! RENAME or SMOVE, and an error leaves every key unchanged.
//!
//! Memory follows Redis: the commands Redis refuses when over `maxmemory`
//! (MSET, MSETNX, COPY, LMOVE, the `*STORE` family) first make room on every
//! shard they write to, so OOM is reported before any other outcome and
//! nothing is half-written; RENAME, RENAMENX and SMOVE never fail for memory.

use std::future::Future;
use std::rc::Rc;

use bytes::Bytes;
use futures_util::future::{join, join_all};
use std::borrow::Cow;

use crate::error::{ArgError, Error, Result};
use crate::route::Route;
use crate::shard::Shard;
use crate::types::ZSetOperand;
use crate::types::{at_least_one_key, Aggregate, ExpireOptions, ListSide, Set, SetOp, SetOptions, SetResult, ZSet};
use crate::value::Kind;

use super::ctx::Txn;
use super::handle::{Handle, Pending};

fn owned<K: AsRef<[u8]>>(keys: &[K]) -> Vec<Bytes> {
    keys.iter().map(|k| Bytes::copy_from_slice(k.as_ref())).collect()
}

fn owned_pairs<K: AsRef<[u8]>, V: AsRef<[u8]>>(pairs: &[(K, V)]) -> Vec<(Bytes, Bytes)> {
    pairs.iter().map(|(k, v)| (Bytes::copy_from_slice(k.as_ref()), Bytes::copy_from_slice(v.as_ref()))).collect()
}

/// Keys by owning shard, ascending, each with its position in the call.
type Groups = Vec<(usize, Vec<(usize, Bytes)>)>;

/// Key/value pairs by the shard owning their key, ascending.
type PairGroups = Vec<(usize, Vec<(Bytes, Bytes)>)>;

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

fn combine_zsets(
    op: SetOp,
    operands: &[Option<ZSetOperand>],
    weights: Option<&[f64]>,
    aggregate: Aggregate,
) -> Result<ZSet> {
    // As Redis: WEIGHTS are checked after the keys are looked up.
    if weights.is_some_and(|w| w.len() != operands.len()) {
        return Err(Error::Syntax);
    }
    let weight = |i: usize| weights.and_then(|w| w.get(i).copied()).unwrap_or(1.0);
    let inputs: Vec<_> =
        operands.iter().enumerate().map(|(i, o)| (o.as_ref().map(ZSetOperand::as_input), weight(i))).collect();
    Ok(ZSet::combine(&inputs, op, aggregate))
}

/// SINTER/SUNION/SDIFF of keys on one shard.
fn set_op_local(s: &mut Shard, db: u8, op: SetOp, keys: &[Bytes]) -> Result<Vec<Bytes>> {
    match op {
        SetOp::Inter => s.sinter(db, keys),
        SetOp::Union => s.sunion(db, keys),
        SetOp::Diff => s.sdiff(db, keys),
    }
}

/// SINTERSTORE/SUNIONSTORE/SDIFFSTORE of keys on one shard.
fn set_op_store_local(s: &mut Shard, db: u8, op: SetOp, dst: &[u8], keys: &[Bytes]) -> Result<usize> {
    match op {
        SetOp::Inter => s.sinterstore(db, dst, keys),
        SetOp::Union => s.sunionstore(db, dst, keys),
        SetOp::Diff => s.sdiffstore(db, dst, keys),
    }
}

/// ZUNION/ZINTER/ZDIFF of keys on one shard.
fn zset_op_local(
    s: &mut Shard,
    db: u8,
    op: SetOp,
    keys: &[Bytes],
    weights: Option<&[f64]>,
    aggregate: Aggregate,
) -> Result<ZSet> {
    match op {
        SetOp::Union => s.zunion(db, keys, weights, aggregate),
        SetOp::Inter => s.zinter(db, keys, weights, aggregate),
        SetOp::Diff => s.zdiff(db, keys),
    }
}

/// ZUNIONSTORE/ZINTERSTORE/ZDIFFSTORE of keys on one shard.
fn zset_op_store_local(
    s: &mut Shard,
    db: u8,
    op: SetOp,
    dst: &[u8],
    keys: &[Bytes],
    weights: Option<&[f64]>,
    aggregate: Aggregate,
) -> Result<usize> {
    match op {
        SetOp::Union => s.zunionstore(db, dst, keys, weights, aggregate),
        SetOp::Inter => s.zinterstore(db, dst, keys, weights, aggregate),
        SetOp::Diff => s.zdiffstore(db, dst, keys),
    }
}

/// ZDIFF takes neither weights nor an aggregate.
fn zset_params(op: SetOp, weights: Option<Vec<f64>>, aggregate: Aggregate) -> (Option<Vec<f64>>, Aggregate) {
    match op {
        SetOp::Diff => (None, Aggregate::Sum),
        _ => (weights, aggregate),
    }
}

// ----- Txn: building blocks -------------------------------------------------

impl Txn {
    /// `shard` if held, else [`Error::NotLocked`].
    fn held(&self, shard: usize) -> Result<usize> {
        if self.holds(shard) {
            Ok(shard)
        } else {
            Err(Error::NotLocked)
        }
    }

    /// The route of `keys`, hashing each key once: what the multi-key
    /// operations below take to skip hashing their keys themselves.
    pub fn route<'k>(&self, keys: impl IntoIterator<Item = &'k [u8]>) -> Route {
        self.router().route(keys)
    }

    /// The route of `n` keys: `route` when the caller passed one (in debug
    /// builds `keys` are hashed again to check that it really is theirs),
    /// else computed from `keys`. Fails when a shard it needs is not held.
    fn resolve<'r, 'k>(
        &self,
        route: Option<&'r Route>,
        n: usize,
        keys: impl FnOnce() -> Vec<&'k [u8]>,
    ) -> Result<Cow<'r, Route>> {
        let route = match route {
            Some(r) => {
                debug_assert_eq!(r, &self.route(keys()), "a route that is not the keys' own");
                match r {
                    Route::None if n > 0 => return Err(Error::NotLocked),
                    Route::Spanning(p) if p.len() != n => return Err(Error::NotLocked),
                    _ => Cow::Borrowed(r),
                }
            }
            None => Cow::Owned(self.route(keys())),
        };
        for &s in route.shards() {
            self.held(s)?;
        }
        Ok(route)
    }

    /// The shards of a two-key operation's keys (`route` of `[src, dst]`).
    fn pair<'k>(&self, route: Option<&Route>, src: &'k [u8], dst: &'k [u8]) -> Result<(usize, usize)> {
        let route = self.resolve(route, 2, || vec![src, dst])?;
        match (route.owner(0), route.owner(1)) {
            (Some(a), Some(b)) => Ok((a, b)),
            _ => Err(Error::NotLocked),
        }
    }

    /// The route of `keys` and their positions grouped by shard.
    fn key_groups<'r>(&self, route: Option<&'r Route>, keys: &[Bytes]) -> Result<(Cow<'r, Route>, Groups)> {
        let route = self.resolve(route, keys.len(), || keys.iter().map(|k| &k[..]).collect())?;
        let groups = route.group(keys.iter().cloned());
        Ok((route, groups))
    }

    /// Whether the engine has a memory budget (configured for all shards
    /// alike, so the coordinating shard's tells).
    fn budgeted(&self) -> bool {
        self.ctx().core.shard.try_borrow().map_or(true, |s| s.maxmemory() > 0)
    }

    /// Makes room on each of `shards` (evicting, or failing with OOM), all
    /// at once, before a write that must not stop half-way for memory.
    async fn reserve(&self, shards: impl Iterator<Item = usize>) -> Result<()> {
        if !self.budgeted() {
            return Ok(());
        }
        for r in join_all(shards.map(|s| self.run(s, Shard::make_room))).await {
            r??;
        }
        Ok(())
    }

    /// Runs `f(shard, db, key)` for every key of `groups` (one message per
    /// shard, all shards at once); the results in key order, or the error of
    /// the first key that failed.
    async fn gather<T, F>(&self, db: u8, groups: Groups, f: F) -> Result<Vec<T>>
    where
        T: Send + 'static,
        F: Fn(&mut Shard, u8, &[u8]) -> Result<T> + Send + Clone + 'static,
    {
        let n = groups.iter().map(|(_, g)| g.len()).sum();
        let runs = groups.into_iter().map(|(shard, keys)| {
            let f = f.clone();
            self.run(shard, move |s| keys.into_iter().map(|(p, k)| (p, f(s, db, &k))).collect::<Vec<_>>())
        });
        let mut out: Vec<Option<Result<T>>> = (0..n).map(|_| None).collect();
        for part in join_all(runs).await {
            for (p, r) in part? {
                out[p] = Some(r);
            }
        }
        out.into_iter().flatten().collect()
    }

    /// Runs `f(shard, db, key)` on the shard of every key in `keys` (whose
    /// route is `route`): one message per shard, all shards at once. Returns
    /// the results in key order. `f` runs for every key; when some fail, the
    /// error of the first in key order is returned (so use it for reads, or
    /// for writes that are independent per key).
    pub async fn for_keys<T, F>(&self, db: u8, route: Option<&Route>, keys: &[Bytes], f: F) -> Result<Vec<T>>
    where
        T: Send + 'static,
        F: Fn(&mut Shard, u8, &[u8]) -> Result<T> + Send + Clone + 'static,
    {
        let (_, groups) = self.key_groups(route, keys)?;
        self.gather(db, groups, f).await
    }

    /// Runs `f(shard, db, keys)` once per shard with that shard's keys, all
    /// shards at once, and sums the results.
    async fn count(
        &self,
        db: u8,
        route: Option<&Route>,
        keys: &[Bytes],
        f: fn(&mut Shard, u8, &[Bytes]) -> usize,
    ) -> Result<usize> {
        let (_, groups) = self.key_groups(route, keys)?;
        let runs = groups.into_iter().map(|(shard, keys)| {
            let keys: Vec<Bytes> = keys.into_iter().map(|(_, k)| k).collect();
            self.run(shard, move |s| f(s, db, &keys))
        });
        let mut total = 0;
        for r in join_all(runs).await {
            total += r?;
        }
        Ok(total)
    }
}

// ----- Txn: strings and generic keys ---------------------------------------
//
// Every multi-key operation takes the route of its keys (from
// [`Txn::route`], or computed once by the caller when it chose the shards to
// lock): keys in call order; for pairs, their keys; for a two-key operation,
// `[src, dst]`; for a `*STORE` operation, `[dst, keys...]`. A route that does
// not match the keys fails with [`Error::NotLocked`] before anything runs.

impl Txn {
    /// MGET: one entry per key (`None` for missing keys and other types).
    pub async fn mget(&self, db: u8, route: Option<&Route>, keys: &[Bytes]) -> Result<Vec<Option<Bytes>>> {
        let (route, groups) = self.key_groups(route, keys)?;
        if let Some(shard) = route.single() {
            let keys = keys.to_vec();
            return self.run(shard, move |s| s.mget(db, &keys)).await;
        }
        self.gather(db, groups, |s, db, k| Ok(s.mget(db, &[k]).pop().flatten())).await
    }

    /// The pairs grouped by the shard of their keys; whether one shard owns
    /// them all.
    fn pair_groups(&self, route: Option<&Route>, pairs: Vec<(Bytes, Bytes)>) -> Result<(PairGroups, bool)> {
        let route = self.resolve(route, pairs.len(), || pairs.iter().map(|(k, _)| &k[..]).collect())?;
        let groups = route.group(pairs).into_iter().map(|(s, g)| (s, g.into_iter().map(|(_, p)| p).collect()));
        Ok((groups.collect(), route.single().is_some()))
    }

    /// MSET: sets every pair (later pairs win), clearing TTLs. Out of memory
    /// on any shard fails the whole call before anything is written.
    pub async fn mset(&self, db: u8, route: Option<&Route>, pairs: Vec<(Bytes, Bytes)>) -> Result<()> {
        let (by_shard, single) = self.pair_groups(route, pairs)?;
        if !single {
            self.reserve(by_shard.iter().map(|(s, _)| *s)).await?;
        }
        let runs = by_shard.into_iter().map(|(shard, pairs)| self.run(shard, move |s| s.mset(db, &pairs)));
        for r in join_all(runs).await {
            r??;
        }
        Ok(())
    }

    /// MSETNX: sets every pair only if none of the keys exists; true when
    /// set.
    pub async fn msetnx(&self, db: u8, route: Option<&Route>, pairs: Vec<(Bytes, Bytes)>) -> Result<bool> {
        let (mut by_shard, single) = self.pair_groups(route, pairs)?;
        if single {
            let Some((shard, pairs)) = by_shard.pop() else { return Ok(false) };
            return self.run(shard, move |s| s.msetnx(db, &pairs)).await?;
        }
        let checks = by_shard.iter().map(|(shard, pairs)| {
            let keys: Vec<Bytes> = pairs.iter().map(|(k, _)| k.clone()).collect();
            self.run(*shard, move |s| s.make_room().map(|()| s.exists_any(db, &keys)))
        });
        // Every shard's memory check counts before any key's existence.
        let mut taken = false;
        for r in join_all(checks).await {
            taken |= r??;
        }
        if taken {
            return Ok(false);
        }
        let runs = by_shard.into_iter().map(|(shard, pairs)| self.run(shard, move |s| s.mset(db, &pairs)));
        for r in join_all(runs).await {
            r??;
        }
        Ok(true)
    }

    /// DEL: removes the keys that exist; returns how many were removed (a
    /// repeated key counts once).
    pub async fn del(&self, db: u8, route: Option<&Route>, keys: &[Bytes]) -> Result<usize> {
        self.count(db, route, keys, |s, db, k| s.del(db, k)).await
    }

    /// UNLINK: the same as [`del`](Self::del).
    pub async fn unlink(&self, db: u8, route: Option<&Route>, keys: &[Bytes]) -> Result<usize> {
        self.count(db, route, keys, |s, db, k| s.unlink(db, k)).await
    }

    /// EXISTS: how many of `keys` exist, counting repeats.
    pub async fn exists(&self, db: u8, route: Option<&Route>, keys: &[Bytes]) -> Result<usize> {
        self.count(db, route, keys, |s, db, k| s.exists(db, k)).await
    }

    /// TOUCH: marks the keys as accessed; returns how many exist.
    pub async fn touch(&self, db: u8, route: Option<&Route>, keys: &[Bytes]) -> Result<usize> {
        self.count(db, route, keys, |s, db, k| s.touch_keys(db, k)).await
    }

    /// RENAME `src` to `dst`, keeping the TTL and replacing `dst`.
    /// [`Error::NoSuchKey`] when `src` is missing (also when `src == dst`).
    pub async fn rename(&self, db: u8, route: Option<&Route>, src: Bytes, dst: Bytes) -> Result<()> {
        let (s_src, s_dst) = self.pair(route, &src, &dst)?;
        if s_src == s_dst {
            return self.run(s_src, move |s| s.rename(db, &src, &dst)).await?;
        }
        // Taking the value moves it without a copy; storing it cannot fail.
        let Some((value, expire)) = self.run(s_src, move |s| s.take(db, &src)).await? else {
            return Err(Error::NoSuchKey);
        };
        self.run(s_dst, move |s| s.place(db, &dst, value, expire, true)).await?;
        Ok(())
    }

    /// RENAMENX: as [`rename`](Self::rename), only if `dst` does not exist
    /// (false otherwise, also when `src == dst`).
    pub async fn renamenx(&self, db: u8, route: Option<&Route>, src: Bytes, dst: Bytes) -> Result<bool> {
        let (s_src, s_dst) = self.pair(route, &src, &dst)?;
        if s_src == s_dst {
            return self.run(s_src, move |s| s.renamenx(db, &src, &dst)).await?;
        }
        let (k_src, k_dst) = (src.clone(), dst.clone());
        let (found, taken) = join(
            self.run(s_src, move |s| s.kind_of(db, &k_src).is_some()),
            self.run(s_dst, move |s| s.kind_of(db, &k_dst).is_some()),
        )
        .await;
        if !found? {
            return Err(Error::NoSuchKey);
        }
        if taken? {
            return Ok(false);
        }
        let Some((value, expire)) = self.run(s_src, move |s| s.take(db, &src)).await? else {
            return Err(Error::NoSuchKey);
        };
        self.run(s_dst, move |s| s.place(db, &dst, value, expire, true)).await?;
        Ok(true)
    }

    /// COPY `src` (in `src_db`) to `dst` in `dst_db`, with its TTL. False when
    /// `src` is missing or `dst` exists and `replace` is false. Errors as
    /// Redis: a database out of range, then [`Error::SameObject`], then out
    /// of memory.
    pub async fn copy(
        &self,
        route: Option<&Route>,
        src_db: u8,
        src: Bytes,
        dst_db: u8,
        dst: Bytes,
        replace: bool,
    ) -> Result<bool> {
        let (s_src, s_dst) = self.pair(route, &src, &dst)?;
        if s_src == s_dst {
            return self.run(s_src, move |s| s.copy(src_db, &src, dst_db, &dst, replace)).await?;
        }
        let k = dst.clone();
        let (dumped, dst_exists) = join(
            self.run(s_src, move |s| match s.check_db(src_db) {
                Ok(()) => s.dump(src_db, &src),
                Err(_) => None,
            }),
            self.run(s_dst, move |s| {
                s.check_db(src_db)?;
                s.check_db(dst_db)?;
                s.make_room()?;
                Ok(s.kind_of(dst_db, &k).is_some())
            }),
        )
        .await;
        let dst_exists = dst_exists??;
        let Some((value, expire)) = dumped? else { return Ok(false) };
        if dst_exists && !replace {
            return Ok(false);
        }
        self.run(s_dst, move |s| s.restore(dst_db, &dst, value, expire, true)).await?
    }
}

// ----- Txn: sets ------------------------------------------------------------

impl Txn {
    /// SMOVE `member` from `src` to `dst`. False when `src` is missing
    /// (whatever `dst` holds) or lacks the member; otherwise both keys must
    /// hold sets (WRONGTYPE even when the member is absent). With
    /// `src == dst` it only reports membership.
    pub async fn smove(&self, db: u8, route: Option<&Route>, src: Bytes, dst: Bytes, member: Bytes) -> Result<bool> {
        let (s_src, s_dst) = self.pair(route, &src, &dst)?;
        if s_src == s_dst {
            return self.run(s_src, move |s| s.smove(db, &src, &dst, &member)).await?;
        }
        let (k_src, k_dst, m) = (src.clone(), dst.clone(), member.clone());
        let (present, dst_kind) = join(
            self.run(s_src, move |s| match s.kind_of(db, &k_src) {
                None => Ok(None),
                Some(Kind::Set) => s.sismember(db, &k_src, &m).map(Some),
                Some(_) => Err(Error::WrongType),
            }),
            self.run(s_dst, move |s| s.kind_of(db, &k_dst)),
        )
        .await;
        let Some(present) = present?? else { return Ok(false) };
        if dst_kind?.is_some_and(|k| k != Kind::Set) {
            return Err(Error::WrongType);
        }
        if !present {
            return Ok(false);
        }
        let m = member.clone();
        let (removed, added) = join(
            self.run(s_src, move |s| s.srem(db, &src, &[m])),
            self.run(s_dst, move |s| s.sinsert(db, &dst, member)),
        )
        .await;
        removed??;
        added??;
        Ok(true)
    }

    /// SINTER, SUNION or SDIFF of the sets at `keys` (a missing key is an
    /// empty set; every key is type-checked).
    pub async fn set_op(&self, db: u8, op: SetOp, route: Option<&Route>, keys: &[Bytes]) -> Result<Vec<Bytes>> {
        let (route, groups) = self.key_groups(route, keys)?;
        if let Some(shard) = route.single() {
            let keys = keys.to_vec();
            return self.run(shard, move |s| set_op_local(s, db, op, &keys)).await?;
        }
        let sets = self.gather(db, groups, |s, db, k| s.scopy(db, k)).await?;
        Ok(combine_sets(op, &sets).iter().cloned().collect())
    }

    /// The shard of `dst` and the source keys grouped by shard (`route` is
    /// that of `[dst, keys...]`); whether one shard owns them all.
    fn store_groups(&self, route: Option<&Route>, dst: &[u8], keys: &[Bytes]) -> Result<(usize, Groups, bool)> {
        let n = keys.len() + 1;
        let route = self.resolve(route, n, || std::iter::once(dst).chain(keys.iter().map(|k| &k[..])).collect())?;
        let s_dst = route.owner(0).ok_or(Error::NotLocked)?;
        let sources = route.group(std::iter::once(None).chain(keys.iter().cloned().map(Some)));
        let groups = sources
            .into_iter()
            .map(|(s, g)| (s, g.into_iter().filter_map(|(p, k)| k.map(|k| (p - 1, k))).collect::<Vec<_>>()))
            .filter(|(_, g)| !g.is_empty())
            .collect();
        Ok((s_dst, groups, route.single().is_some()))
    }

    /// SINTERSTORE, SUNIONSTORE or SDIFFSTORE: stores the result at `dst`
    /// (replacing any value and TTL; an empty result deletes `dst`) and
    /// returns its size. `route` is that of `[dst, keys...]`.
    pub async fn set_op_store(
        &self,
        db: u8,
        op: SetOp,
        route: Option<&Route>,
        dst: Bytes,
        keys: &[Bytes],
    ) -> Result<usize> {
        let (s_dst, groups, single) = self.store_groups(route, &dst, keys)?;
        if single {
            let keys = keys.to_vec();
            return self.run(s_dst, move |s| set_op_store_local(s, db, op, &dst, &keys)).await?;
        }
        let (room, sets) =
            join(self.run(s_dst, Shard::make_room), self.gather(db, groups, |s, db, k| s.scopy(db, k))).await;
        room??;
        let result = combine_sets(op, &sets?);
        self.run(s_dst, move |s| s.sstore(db, &dst, result)).await?
    }

    /// SINTERCARD: the size of the intersection of `keys`, counting no
    /// further than `limit` (0 = no limit; negative is an error).
    pub async fn sintercard(&self, db: u8, route: Option<&Route>, keys: &[Bytes], limit: i64) -> Result<usize> {
        if limit < 0 {
            return Err(Error::InvalidArgument(ArgError::LimitNegative));
        }
        let (route, groups) = self.key_groups(route, keys)?;
        if let Some(shard) = route.single() {
            let keys = keys.to_vec();
            return self.run(shard, move |s| s.sintercard(db, &keys, limit)).await?;
        }
        let sets = self.gather(db, groups, |s, db, k| s.scopy(db, k)).await?;
        if sets.iter().any(Option::is_none) {
            return Ok(0);
        }
        let refs: Vec<&Set> = sets.iter().flatten().collect();
        Ok(Set::inter_card(&refs, usize::try_from(limit).unwrap_or(usize::MAX)))
    }
}

// ----- Txn: lists -----------------------------------------------------------

impl Txn {
    /// LMOVE: pops from the `from` side of `src` and pushes at the `to` side
    /// of `dst`, returning the element; `None` when `src` is missing
    /// (whatever `dst` holds). `src == dst` rotates the list.
    pub async fn lmove(
        &self,
        db: u8,
        route: Option<&Route>,
        src: Bytes,
        dst: Bytes,
        from: ListSide,
        to: ListSide,
    ) -> Result<Option<Bytes>> {
        let (s_src, s_dst) = self.pair(route, &src, &dst)?;
        if s_src == s_dst {
            return self.run(s_src, move |s| s.lmove(db, &src, &dst, from, to)).await?;
        }
        let (k_src, k_dst) = (src.clone(), dst.clone());
        let (src_kind, dst_kind) = join(
            self.run(s_src, move |s| s.kind_of(db, &k_src)),
            self.run(s_dst, move |s| s.make_room().map(|()| s.kind_of(db, &k_dst))),
        )
        .await;
        let dst_kind = dst_kind??;
        match src_kind? {
            None => return Ok(None),
            Some(Kind::List) => {}
            Some(_) => return Err(Error::WrongType),
        }
        // Checked before popping, so the push below cannot fail with the
        // element already removed.
        if dst_kind.is_some_and(|k| k != Kind::List) {
            return Err(Error::WrongType);
        }
        let Some(v) = self.run(s_src, move |s| s.list_pop_one(db, &src, from)).await?? else { return Ok(None) };
        let moved = v.clone();
        self.run(s_dst, move |s| s.list_push_one(db, &dst, to, moved)).await??;
        Ok(Some(v))
    }
}

// ----- Txn: sorted sets -----------------------------------------------------

impl Txn {
    /// ZUNION, ZINTER or ZDIFF of the sorted sets (or sets, with score 1) at
    /// `keys`, with one weight per key and an aggregate (both ignored by
    /// ZDIFF). Errors as Redis: no keys, then WRONGTYPE, then a weight count
    /// that does not match the keys ([`Error::Syntax`]).
    pub async fn zset_op(
        &self,
        db: u8,
        op: SetOp,
        route: Option<&Route>,
        keys: &[Bytes],
        weights: Option<Vec<f64>>,
        aggregate: Aggregate,
    ) -> Result<ZSet> {
        if keys.is_empty() {
            return Err(at_least_one_key(op, false));
        }
        let (weights, aggregate) = zset_params(op, weights, aggregate);
        let (route, groups) = self.key_groups(route, keys)?;
        if let Some(shard) = route.single() {
            let keys = keys.to_vec();
            return self.run(shard, move |s| zset_op_local(s, db, op, &keys, weights.as_deref(), aggregate)).await?;
        }
        let operands = self.gather(db, groups, |s, db, k| s.zset_operand(db, k)).await?;
        combine_zsets(op, &operands, weights.as_deref(), aggregate)
    }

    /// ZUNIONSTORE, ZINTERSTORE or ZDIFFSTORE: stores the result of
    /// [`zset_op`](Self::zset_op) at `dst` (replacing any value and TTL; an
    /// empty result deletes `dst`) and returns its size. `route` is that of
    /// `[dst, keys...]`.
    #[allow(clippy::too_many_arguments)]
    pub async fn zset_op_store(
        &self,
        db: u8,
        op: SetOp,
        route: Option<&Route>,
        dst: Bytes,
        keys: &[Bytes],
        weights: Option<Vec<f64>>,
        aggregate: Aggregate,
    ) -> Result<usize> {
        let (weights, aggregate) = zset_params(op, weights, aggregate);
        let (s_dst, groups, single) = self.store_groups(route, &dst, keys)?;
        if single {
            let keys = keys.to_vec();
            return self
                .run(s_dst, move |s| zset_op_store_local(s, db, op, &dst, &keys, weights.as_deref(), aggregate))
                .await?;
        }
        let (room, operands) =
            join(self.run(s_dst, Shard::make_room), self.gather(db, groups, |s, db, k| s.zset_operand(db, k))).await;
        room??;
        let result = combine_zsets(op, &operands?, weights.as_deref(), aggregate)?;
        self.run(s_dst, move |s| s.zstore(db, &dst, result)).await?
    }
}

// ----- Handle ---------------------------------------------------------------

impl Handle {
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

    /// Runs a multi-key operation on `data` whose keys have route `route`:
    /// when one shard owns them all, `local` runs there as one message and
    /// nothing is locked; otherwise `spanning` runs in a transaction holding
    /// every shard involved.
    fn routed<T, R, L, S, Fut>(&self, route: Route, data: T, local: L, spanning: S) -> Pending<R>
    where
        T: Send + 'static,
        R: Send + 'static,
        L: FnOnce(&mut Shard, T) -> Result<R> + Send + 'static,
        S: FnOnce(Rc<Txn>, Route, T) -> Fut + Send + 'static,
        Fut: Future<Output = Result<R>> + 'static,
    {
        match route.single() {
            Some(shard) => self.call(shard, move |s| local(s, data)),
            None => self.atomic(route.shards().to_vec(), move |txn| spanning(txn, route, data)),
        }
    }

    fn route_keys(&self, keys: &[Bytes]) -> Route {
        self.router().route(keys.iter().map(|k| &k[..]))
    }

    fn route_pair(&self, src: &[u8], dst: &[u8]) -> Route {
        self.router().route([src, dst])
    }

    /// The route of `[dst, keys...]`.
    fn route_store(&self, dst: &[u8], keys: &[Bytes]) -> Route {
        self.router().route(std::iter::once(dst).chain(keys.iter().map(|k| &k[..])))
    }
}

/// Set operations.
impl Handle {
    /// SMOVE `member` from `src` to `dst`, atomically across shards.
    pub fn smove(&self, src: &[u8], dst: &[u8], member: &[u8]) -> Pending<bool> {
        let (db, src, dst, member) =
            (self.db, Bytes::copy_from_slice(src), Bytes::copy_from_slice(dst), Bytes::copy_from_slice(member));
        let route = self.route_pair(&src, &dst);
        self.routed(
            route,
            (src, dst, member),
            move |sh, (src, dst, member)| sh.smove(db, &src, &dst, &member),
            move |txn, route, (src, dst, member)| async move { txn.smove(db, Some(&route), src, dst, member).await },
        )
    }

    fn set_algebra(&self, op: SetOp, keys: Vec<Bytes>) -> Pending<Vec<Bytes>> {
        let db = self.db;
        let route = self.route_keys(&keys);
        self.routed(
            route,
            keys,
            move |s, keys| set_op_local(s, db, op, &keys),
            move |txn, route, keys| async move { txn.set_op(db, op, Some(&route), &keys).await },
        )
    }

    fn set_algebra_store(&self, op: SetOp, dst: &[u8], keys: Vec<Bytes>) -> Pending<usize> {
        let db = self.db;
        let dst = Bytes::copy_from_slice(dst);
        let route = self.route_store(&dst, &keys);
        self.routed(
            route,
            (dst, keys),
            move |s, (dst, keys)| set_op_store_local(s, db, op, &dst, &keys),
            move |txn, route, (dst, keys)| async move { txn.set_op_store(db, op, Some(&route), dst, &keys).await },
        )
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
            return Pending::ready(Err(Error::InvalidArgument(ArgError::LimitNegative)));
        }
        let db = self.db;
        let keys = owned(keys);
        let route = self.route_keys(&keys);
        self.routed(
            route,
            keys,
            move |s, keys| s.sintercard(db, &keys, limit),
            move |txn, route, keys| async move { txn.sintercard(db, Some(&route), &keys, limit).await },
        )
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
        let route = self.route_keys(&keys);
        self.routed(
            route,
            keys,
            move |s, keys| Ok(s.mget(db, &keys)),
            move |txn, route, keys| async move { txn.mget(db, Some(&route), &keys).await },
        )
    }

    /// MSET across any shards, atomically.
    pub fn mset<K: AsRef<[u8]>, V: AsRef<[u8]>>(&self, pairs: &[(K, V)]) -> Pending<()> {
        let db = self.db;
        let pairs = owned_pairs(pairs);
        let route = self.router().route(pairs.iter().map(|(k, _)| &k[..]));
        self.routed(
            route,
            pairs,
            move |s, pairs| s.mset(db, &pairs),
            move |txn, route, pairs| async move { txn.mset(db, Some(&route), pairs).await },
        )
    }

    /// MSETNX across any shards: sets all pairs only if none of the keys
    /// exists, atomically.
    pub fn msetnx<K: AsRef<[u8]>, V: AsRef<[u8]>>(&self, pairs: &[(K, V)]) -> Pending<bool> {
        let db = self.db;
        let pairs = owned_pairs(pairs);
        let route = self.router().route(pairs.iter().map(|(k, _)| &k[..]));
        self.routed(
            route,
            pairs,
            move |s, pairs| s.msetnx(db, &pairs),
            move |txn, route, pairs| async move { txn.msetnx(db, Some(&route), pairs).await },
        )
    }

    /// DEL across any shards, atomically; returns how many keys existed.
    pub fn del<K: AsRef<[u8]>>(&self, keys: &[K]) -> Pending<usize> {
        self.count_keys(owned(keys), KeyCount::Del)
    }

    /// UNLINK across any shards: the same as [`del`](Self::del).
    pub fn unlink<K: AsRef<[u8]>>(&self, keys: &[K]) -> Pending<usize> {
        self.count_keys(owned(keys), KeyCount::Del)
    }

    /// EXISTS across any shards (a key named twice counts twice).
    pub fn exists<K: AsRef<[u8]>>(&self, keys: &[K]) -> Pending<usize> {
        self.count_keys(owned(keys), KeyCount::Exists)
    }

    /// TOUCH across any shards: marks the keys as accessed; returns how
    /// many exist.
    pub fn touch<K: AsRef<[u8]>>(&self, keys: &[K]) -> Pending<usize> {
        self.count_keys(owned(keys), KeyCount::Touch)
    }

    fn count_keys(&self, keys: Vec<Bytes>, which: KeyCount) -> Pending<usize> {
        let db = self.db;
        let route = self.route_keys(&keys);
        self.routed(
            route,
            keys,
            move |s, keys| {
                Ok(match which {
                    KeyCount::Del => s.del(db, &keys),
                    KeyCount::Exists => s.exists(db, &keys),
                    KeyCount::Touch => s.touch_keys(db, &keys),
                })
            },
            move |txn, route, keys| async move {
                match which {
                    KeyCount::Del => txn.del(db, Some(&route), &keys).await,
                    KeyCount::Exists => txn.exists(db, Some(&route), &keys).await,
                    KeyCount::Touch => txn.touch(db, Some(&route), &keys).await,
                }
            },
        )
    }

    /// RENAME `src` to `dst` (keeping the TTL), across shards atomically.
    pub fn rename(&self, src: &[u8], dst: &[u8]) -> Pending<()> {
        let (db, src, dst) = (self.db, Bytes::copy_from_slice(src), Bytes::copy_from_slice(dst));
        let route = self.route_pair(&src, &dst);
        self.routed(
            route,
            (src, dst),
            move |sh, (src, dst)| sh.rename(db, &src, &dst),
            move |txn, route, (src, dst)| async move { txn.rename(db, Some(&route), src, dst).await },
        )
    }

    /// RENAMENX: as RENAME, only if `dst` does not exist.
    pub fn renamenx(&self, src: &[u8], dst: &[u8]) -> Pending<bool> {
        let (db, src, dst) = (self.db, Bytes::copy_from_slice(src), Bytes::copy_from_slice(dst));
        let route = self.route_pair(&src, &dst);
        self.routed(
            route,
            (src, dst),
            move |sh, (src, dst)| sh.renamenx(db, &src, &dst),
            move |txn, route, (src, dst)| async move { txn.renamenx(db, Some(&route), src, dst).await },
        )
    }

    /// COPY `src` to `dst` (same database), optionally replacing `dst`.
    pub fn copy(&self, src: &[u8], dst: &[u8], replace: bool) -> Pending<bool> {
        self.copy_to_db(src, self.db, dst, replace)
    }

    /// COPY `src` to `dst` in database `dst_db` (`COPY src dst DB n`),
    /// optionally replacing `dst`.
    pub fn copy_to_db(&self, src: &[u8], dst_db: u8, dst: &[u8], replace: bool) -> Pending<bool> {
        let (db, src, dst) = (self.db, Bytes::copy_from_slice(src), Bytes::copy_from_slice(dst));
        let route = self.route_pair(&src, &dst);
        self.routed(
            route,
            (src, dst),
            move |sh, (src, dst)| sh.copy(db, &src, dst_db, &dst, replace),
            move |txn, route, (src, dst)| async move { txn.copy(Some(&route), db, src, dst_db, dst, replace).await },
        )
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
enum KeyCount {
    Del,
    Exists,
    Touch,
}

/// List operations.
impl Handle {
    /// LMOVE: pops from `from` side of `src`, pushes to `to` side of `dst`,
    /// atomically across shards. `None` when `src` is missing.
    pub fn lmove(&self, src: &[u8], dst: &[u8], from: ListSide, to: ListSide) -> Pending<Option<Bytes>> {
        let (db, src, dst) = (self.db, Bytes::copy_from_slice(src), Bytes::copy_from_slice(dst));
        let route = self.route_pair(&src, &dst);
        self.routed(
            route,
            (src, dst),
            move |sh, (src, dst)| sh.lmove(db, &src, &dst, from, to),
            move |txn, route, (src, dst)| async move { txn.lmove(db, Some(&route), src, dst, from, to).await },
        )
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
        keys: Vec<Bytes>,
        weights: Option<Vec<f64>>,
        aggregate: Aggregate,
    ) -> Pending<ZSet> {
        if keys.is_empty() {
            return Pending::ready(Err(at_least_one_key(op, false)));
        }
        let db = self.db;
        let route = self.route_keys(&keys);
        self.routed(
            route,
            (keys, weights),
            move |s, (keys, weights)| {
                let (weights, aggregate) = zset_params(op, weights, aggregate);
                zset_op_local(s, db, op, &keys, weights.as_deref(), aggregate)
            },
            move |txn, route, (keys, weights)| async move {
                txn.zset_op(db, op, Some(&route), &keys, weights, aggregate).await
            },
        )
    }

    fn zset_algebra_store(
        &self,
        op: SetOp,
        dst: &[u8],
        keys: Vec<Bytes>,
        weights: Option<Vec<f64>>,
        aggregate: Aggregate,
    ) -> Pending<usize> {
        let db = self.db;
        let dst = Bytes::copy_from_slice(dst);
        let route = self.route_store(&dst, &keys);
        self.routed(
            route,
            (dst, keys, weights),
            move |s, (dst, keys, weights)| {
                let (weights, aggregate) = zset_params(op, weights, aggregate);
                zset_op_store_local(s, db, op, &dst, &keys, weights.as_deref(), aggregate)
            },
            move |txn, route, (dst, keys, weights)| async move {
                txn.zset_op_store(db, op, Some(&route), dst, &keys, weights, aggregate).await
            },
        )
    }

    /// ZUNION across any shards (`weights` one per key).
    pub fn zunion(&self, keys: &[&[u8]], weights: Option<Vec<f64>>, aggregate: Aggregate) -> Pending<ZSet> {
        self.zset_algebra(SetOp::Union, owned(keys), weights, aggregate)
    }

    /// ZINTER across any shards.
    pub fn zinter(&self, keys: &[&[u8]], weights: Option<Vec<f64>>, aggregate: Aggregate) -> Pending<ZSet> {
        self.zset_algebra(SetOp::Inter, owned(keys), weights, aggregate)
    }

    /// ZDIFF across any shards.
    pub fn zdiff(&self, keys: &[&[u8]]) -> Pending<ZSet> {
        self.zset_algebra(SetOp::Diff, owned(keys), None, Aggregate::Sum)
    }

    /// ZUNIONSTORE across any shards, atomically; returns the stored size.
    pub fn zunionstore(
        &self,
        dst: &[u8],
        keys: &[&[u8]],
        weights: Option<Vec<f64>>,
        aggregate: Aggregate,
    ) -> Pending<usize> {
        self.zset_algebra_store(SetOp::Union, dst, owned(keys), weights, aggregate)
    }

    /// ZINTERSTORE across any shards, atomically.
    pub fn zinterstore(
        &self,
        dst: &[u8],
        keys: &[&[u8]],
        weights: Option<Vec<f64>>,
        aggregate: Aggregate,
    ) -> Pending<usize> {
        self.zset_algebra_store(SetOp::Inter, dst, owned(keys), weights, aggregate)
    }

    /// ZDIFFSTORE across any shards, atomically.
    pub fn zdiffstore(&self, dst: &[u8], keys: &[&[u8]]) -> Pending<usize> {
        self.zset_algebra_store(SetOp::Diff, dst, owned(keys), None, Aggregate::Sum)
    }
}
