//! Sets: the `Set` collection and the S* commands.
//!
//! A set keeps its members in a dense vector and indexes them with a
//! `HashTable<u32>` of positions. The dense vector is what makes two Redis
//! guarantees cheap without Redis's own dict:
//! - random picks (SPOP, SRANDMEMBER) are one uniform index, exact and O(1);
//! - SSCAN can walk positions from the top down: removal moves only the last
//!   member into the hole and insertion only appends, so a member present for
//!   the whole scan is either below the cursor or already returned, whatever
//!   happens to the set between calls.
//!
//! Per member this costs one `Bytes` handle (32 B) in the vector plus a 4-byte
//! position and a control byte in the table, at the table's load factor.

use std::sync::OnceLock;

use bytes::Bytes;
use hashbrown::HashTable;
use rand::rngs::SmallRng;
use rand::Rng;

use crate::error::{ArgError, Error, Result};
use crate::glob;
use crate::mutation::Arg;
use crate::shard::Shard;
use crate::types::Noted;
use crate::value::{Kind, Value, ValueRef};

/// Positions are `u32`, so a set holds fewer than 2^32 members (Redis's
/// documented limit is 2^32 - 1 as well).
const MAX_MEMBERS: usize = u32::MAX as usize;

/// Capacities below this are never shrunk; shrinking tiny sets saves nothing.
const SHRINK_MIN: usize = 32;

/// SSCAN's COUNT when the caller gives none, as in Redis.
const SCAN_DEFAULT_COUNT: i64 = 10;

/// Up-front reservation cap for replies whose length the client chooses
/// (SRANDMEMBER with a negative count), so a huge count grows the reply as
/// it is produced instead of reserving it all at once.
const RESERVE_CAP: usize = 1 << 16;

/// One hasher for every set in the process: random per process (against
/// hash flooding) but shared, so sets moved or cloned between shards stay
/// valid and the hasher costs no bytes per set.
fn hasher() -> &'static ahash::RandomState {
    static HASHER: OnceLock<ahash::RandomState> = OnceLock::new();
    HASHER.get_or_init(ahash::RandomState::new)
}

#[inline]
fn hash_of(member: &[u8]) -> u64 {
    hasher().hash_one(member)
}

/// An unordered set of unique binary strings.
#[derive(Clone, Default)]
pub struct Set {
    /// Members in insertion order, except that removal moves the last member
    /// into the freed position.
    members: Vec<Bytes>,
    /// Positions in `members`, hashed by the member they point at.
    index: HashTable<u32>,
    /// Sum of member lengths.
    bytes: usize,
}

static EMPTY: Set = Set { members: Vec::new(), index: HashTable::new(), bytes: 0 };

impl PartialEq for Set {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.members.iter().all(|m| other.contains(m))
    }
}

impl Eq for Set {}

impl std::fmt::Debug for Set {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.members.iter()).finish()
    }
}

impl FromIterator<Bytes> for Set {
    fn from_iter<I: IntoIterator<Item = Bytes>>(iter: I) -> Self {
        Set::from_members(iter)
    }
}

impl Set {
    /// An empty set.
    pub fn new() -> Set {
        Set::default()
    }

    /// A shared empty set, to stand in for a missing key in set algebra
    /// (Redis treats a missing key as an empty set).
    pub fn empty() -> &'static Set {
        &EMPTY
    }

    /// A set of the given members; duplicates are kept once.
    pub fn from_members<I: IntoIterator<Item = Bytes>>(members: I) -> Set {
        let iter = members.into_iter();
        let mut set = Set::with_capacity(iter.size_hint().0);
        for m in iter {
            set.insert(m);
        }
        set
    }

    fn with_capacity(n: usize) -> Set {
        let n = n.min(MAX_MEMBERS);
        Set { members: Vec::with_capacity(n), index: HashTable::with_capacity(n), bytes: 0 }
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// True when there are no members.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// Approximate heap bytes: member data, the member handles (including
    /// spare capacity) and the index table.
    pub fn mem_usage(&self) -> usize {
        self.bytes + self.members.capacity() * std::mem::size_of::<Bytes>() + self.index.allocation_size()
    }

    /// Members in unspecified order.
    pub fn iter(&self) -> impl Iterator<Item = &Bytes> {
        self.members.iter()
    }

    /// True when `member` is in the set.
    pub fn contains(&self, member: &[u8]) -> bool {
        self.position(member).is_some()
    }

    /// Adds `member`; false if it was already present (or the set is at its
    /// 2^32 - 1 member limit).
    pub fn insert(&mut self, member: Bytes) -> bool {
        let hash = hash_of(&member);
        let Set { members, index, .. } = self;
        if index.find(hash, |&i| members[i as usize] == member).is_some() || members.len() >= MAX_MEMBERS {
            return false;
        }
        self.push_new(hash, member);
        true
    }

    /// Removes `member`, returning the stored copy if it was present.
    pub fn remove(&mut self, member: &[u8]) -> Option<Bytes> {
        let pos = self.position(member)?;
        Some(self.remove_at(pos))
    }

    /// The intersection of `sets` (empty for no sets).
    pub fn inter(sets: &[&Set]) -> Set {
        let Some((smallest, others)) = Self::smallest_first(sets) else { return Set::new() };
        let mut out = Set::new();
        for m in smallest.iter().filter(|m| others.iter().all(|o| o.contains(m))) {
            out.push_new(hash_of(m), m.clone());
        }
        out
    }

    /// The size of the intersection of `sets`, counting no further than
    /// `limit` (0 means no limit), as SINTERCARD does.
    pub fn inter_card(sets: &[&Set], limit: usize) -> usize {
        let Some((smallest, others)) = Self::smallest_first(sets) else { return 0 };
        let limit = if limit == 0 { usize::MAX } else { limit };
        let mut n = 0;
        for m in smallest.iter() {
            if n >= limit {
                break;
            }
            if others.iter().all(|o| o.contains(m)) {
                n += 1;
            }
        }
        n
    }

    /// The union of `sets`.
    pub fn union(sets: &[&Set]) -> Set {
        let Some(largest) = sets.iter().copied().max_by_key(|s| s.len()) else { return Set::new() };
        let mut out = largest.clone();
        for s in sets.iter().filter(|s| !std::ptr::eq(**s, largest)) {
            for m in s.iter() {
                out.insert(m.clone());
            }
        }
        out
    }

    /// The members of `first` that are in none of `others`.
    pub fn diff(first: &Set, others: &[&Set]) -> Set {
        if others.iter().any(|o| std::ptr::eq(*o, first)) {
            return Set::new();
        }
        let others: Vec<&Set> = others.iter().copied().filter(|o| !o.is_empty()).collect();
        let mut out = Set::new();
        for m in first.iter().filter(|m| !others.iter().any(|o| o.contains(m))) {
            out.push_new(hash_of(m), m.clone());
        }
        out
    }

    /// The smallest set and the others (identical sets skipped), or `None`
    /// when the intersection is trivially empty.
    fn smallest_first<'a>(sets: &[&'a Set]) -> Option<(&'a Set, Vec<&'a Set>)> {
        let smallest = sets.iter().copied().min_by_key(|s| s.len())?;
        if smallest.is_empty() {
            return None;
        }
        let mut others: Vec<&Set> = sets.iter().copied().filter(|s| !std::ptr::eq(*s, smallest)).collect();
        // Small sets first: a miss there rejects a candidate soonest.
        others.sort_by_key(|s| s.len());
        Some((smallest, others))
    }

    #[inline]
    fn position(&self, member: &[u8]) -> Option<usize> {
        let members = &self.members;
        self.index.find(hash_of(member), |&i| members[i as usize] == member).map(|&i| i as usize)
    }

    /// Appends a member known to be absent.
    fn push_new(&mut self, hash: u64, member: Bytes) {
        let Set { members, index, bytes } = self;
        *bytes += member.len();
        index.insert_unique(hash, members.len() as u32, |&i| hash_of(&members[i as usize]));
        members.push(member);
    }

    /// Removes the member at `pos`, moving the last member into its place.
    fn remove_at(&mut self, pos: usize) -> Bytes {
        let Set { members, index, bytes } = self;
        let last = members.len() - 1;
        if let Ok(entry) = index.find_entry(hash_of(&members[pos]), |&i| i as usize == pos) {
            entry.remove();
        }
        if pos != last {
            if let Some(i) = index.find_mut(hash_of(&members[last]), |&i| i as usize == last) {
                *i = pos as u32;
            }
        }
        let member = members.swap_remove(pos);
        *bytes -= member.len();
        self.shrink();
        member
    }

    /// Gives memory back once a set has shrunk to a quarter of its capacity;
    /// halving the slack each time keeps removals amortized O(1).
    fn shrink(&mut self) {
        let len = self.members.len();
        if self.members.capacity() > SHRINK_MIN && len * 4 < self.members.capacity() {
            self.members.shrink_to(len * 2);
        }
        if self.index.capacity() > SHRINK_MIN && len * 4 < self.index.capacity() {
            let members = &self.members;
            self.index.shrink_to(len * 2, |&i| hash_of(&members[i as usize]));
        }
    }

    fn clear(&mut self) -> Vec<Bytes> {
        self.index = HashTable::new();
        self.bytes = 0;
        std::mem::take(&mut self.members)
    }

    fn random(&self, rng: &mut SmallRng) -> Option<&Bytes> {
        if self.is_empty() {
            return None;
        }
        self.members.get(rng.gen_range(0..self.members.len()))
    }

    fn pop_random(&mut self, rng: &mut SmallRng) -> Option<Bytes> {
        if self.is_empty() {
            return None;
        }
        let pos = rng.gen_range(0..self.members.len());
        Some(self.remove_at(pos))
    }

    /// `k < len` distinct members chosen uniformly (Floyd's sampling: exactly
    /// `k` draws, no rejection loop).
    fn sample_distinct(&self, k: usize, rng: &mut SmallRng) -> Vec<Bytes> {
        let n = self.members.len();
        let mut chosen: hashbrown::HashSet<usize, ahash::RandomState> =
            hashbrown::HashSet::with_capacity_and_hasher(k, hasher().clone());
        for j in n - k..n {
            let t = rng.gen_range(0..=j);
            if !chosen.insert(t) {
                chosen.insert(j);
            }
        }
        chosen.into_iter().map(|i| self.members[i].clone()).collect()
    }

    /// Members from position `cursor` downwards (0 = start at the top),
    /// visiting at most `count`; returns the next cursor, 0 when done.
    fn scan(&self, cursor: u64, pattern: Option<&[u8]>, count: usize, out: &mut Vec<Bytes>) -> u64 {
        let len = self.members.len();
        let mut pos = match usize::try_from(cursor) {
            Ok(c) if c != 0 && c < len => c,
            _ => len,
        };
        let stop = pos.saturating_sub(count);
        while pos > stop {
            pos -= 1;
            let m = &self.members[pos];
            if pattern.is_none_or(|p| glob::matches(p, m)) {
                out.push(m.clone());
            }
        }
        pos as u64
    }
}

/// Writes `name key members...` (SADD, SREM) for the members a write
/// added or removed.
fn members_delta<'x>(name: &'static [u8], members: &[&'x [u8]], args: &mut Vec<Arg<'x>>) {
    args.extend([Arg::Bytes(name), Arg::Key]);
    args.extend(members.iter().map(|&m| Arg::Bytes(m)));
}

/// Clones the shard's RNG for use inside a `modify` closure (which borrows
/// the shard) and stores the advanced state back afterwards.
macro_rules! with_rng {
    ($shard:ident, |$rng:ident| $body:expr) => {{
        let mut $rng = $shard.rng.clone();
        let out = $body;
        $shard.rng = $rng;
        out
    }};
}

impl Shard {
    /// The set in `slot`, if the slot still holds one.
    #[inline]
    fn set_at(&self, slot: u32) -> Option<&Set> {
        match self.ks.get(slot)?.value() {
            ValueRef::Set(s) => Some(s),
            _ => None,
        }
    }

    /// Looks up every key for reading, failing on the first that is not a set.
    fn set_slots<K: AsRef<[u8]>>(&mut self, db: u8, keys: &[K]) -> Result<Vec<Option<u32>>> {
        keys.iter().map(|k| self.lookup_read_kind(db, k.as_ref(), Kind::Set)).collect()
    }

    /// The sets in `slots`, missing keys as empty sets.
    fn sets_of(&self, slots: &[Option<u32>]) -> Vec<&Set> {
        slots.iter().map(|s| s.and_then(|s| self.set_at(s)).unwrap_or(Set::empty())).collect()
    }

    /// Stores `set` at `key` as the *STORE commands do: any old value and
    /// TTL are replaced, and an empty result deletes the key.
    fn store_set(&mut self, db: u8, key: &[u8], set: Set) -> usize {
        let n = set.len();
        match self.lookup_write(db, key) {
            Some(slot) if n == 0 => self.delete_slot(slot),
            Some(slot) => self.replace_value(slot, Value::Set(set), None),
            None if n == 0 => {}
            None => {
                self.insert_value(db, key, Value::Set(set), None);
            }
        }
        n
    }

    /// SADD: adds `members`, returning how many were new. Creates the key.
    pub fn sadd(&mut self, db: u8, key: &[u8], members: &[Bytes]) -> Result<usize> {
        self.make_room()?;
        match self.lookup_write_kind(db, key, Kind::Set)? {
            Some(slot) => {
                let keep = self.wants_deltas();
                let added = self.modify_delta(
                    slot,
                    |v| {
                        let mut added = Noted::new(keep);
                        if let Value::Set(s) = v {
                            for m in members {
                                if s.insert(m.clone()) {
                                    added.note(&m[..]);
                                }
                            }
                        }
                        let changed = added.count() > 0;
                        (added, changed)
                    },
                    |added, args| members_delta(b"SADD", added.items(), args),
                );
                Ok(added.count())
            }
            None => {
                let set = Set::from_members(members.iter().cloned());
                let added = set.len();
                if added > 0 {
                    self.insert_value(db, key, Value::Set(set), None);
                }
                Ok(added)
            }
        }
    }

    /// Second half of an SMOVE between shards: adds `member` to the set at
    /// `key` (creating it) without the memory check, as SMOVE never fails
    /// for memory in Redis. True when the member is new.
    pub(crate) fn sinsert(&mut self, db: u8, key: &[u8], member: Bytes) -> Result<bool> {
        match self.lookup_write_kind(db, key, Kind::Set)? {
            Some(slot) => Ok(self.modify_delta_reading(
                slot,
                |v| {
                    let Value::Set(s) = v else { return (false, false) };
                    let added = s.insert(member);
                    (added, added)
                },
                // A new member is appended: it is the last.
                |_, v, args| {
                    if let ValueRef::Set(s) = v {
                        if let Some(m) = s.members.last() {
                            args.extend([Arg::Bytes(b"SADD"), Arg::Key, Arg::Owned(m.clone())]);
                        }
                    }
                },
            )),
            None => {
                self.insert_value(db, key, Value::Set(Set::from_members([member])), None);
                Ok(true)
            }
        }
    }

    /// SREM: removes `members`, returning how many were present. An emptied
    /// set is deleted.
    pub fn srem<M: AsRef<[u8]>>(&mut self, db: u8, key: &[u8], members: &[M]) -> Result<usize> {
        let Some(slot) = self.lookup_write_kind(db, key, Kind::Set)? else { return Ok(0) };
        let keep = self.wants_deltas();
        let removed = self.modify_delta(
            slot,
            |v| {
                let mut removed = Noted::new(keep);
                if let Value::Set(s) = v {
                    for m in members {
                        if s.remove(m.as_ref()).is_some() {
                            removed.note(m.as_ref());
                        }
                    }
                }
                let changed = removed.count() > 0;
                (removed, changed)
            },
            |removed, args| members_delta(b"SREM", removed.items(), args),
        );
        Ok(removed.count())
    }

    /// SMEMBERS: every member, in unspecified order.
    pub fn smembers(&mut self, db: u8, key: &[u8]) -> Result<Vec<Bytes>> {
        let Some(slot) = self.lookup_read_kind(db, key, Kind::Set)? else { return Ok(Vec::new()) };
        Ok(self.set_at(slot).map(|s| s.members.clone()).unwrap_or_default())
    }

    /// SISMEMBER.
    pub fn sismember(&mut self, db: u8, key: &[u8], member: &[u8]) -> Result<bool> {
        let Some(slot) = self.lookup_read_kind(db, key, Kind::Set)? else { return Ok(false) };
        Ok(self.set_at(slot).is_some_and(|s| s.contains(member)))
    }

    /// SMISMEMBER: membership of each of `members`, in order.
    pub fn smismember<M: AsRef<[u8]>>(&mut self, db: u8, key: &[u8], members: &[M]) -> Result<Vec<bool>> {
        let slot = self.lookup_read_kind(db, key, Kind::Set)?;
        let set = slot.and_then(|s| self.set_at(s)).unwrap_or(Set::empty());
        Ok(members.iter().map(|m| set.contains(m.as_ref())).collect())
    }

    /// SCARD: the number of members (0 for a missing key).
    pub fn scard(&mut self, db: u8, key: &[u8]) -> Result<usize> {
        let Some(slot) = self.lookup_read_kind(db, key, Kind::Set)? else { return Ok(0) };
        Ok(self.set_at(slot).map_or(0, Set::len))
    }

    /// SPOP without a count: removes and returns a uniformly random member.
    pub fn spop(&mut self, db: u8, key: &[u8]) -> Result<Option<Bytes>> {
        let Some(slot) = self.lookup_write_kind(db, key, Kind::Set)? else { return Ok(None) };
        Ok(with_rng!(self, |rng| self.modify_delta(
            slot,
            |v| {
                let Value::Set(s) = v else { return (None, false) };
                let m = s.pop_random(&mut rng);
                let changed = m.is_some();
                (m, changed)
            },
            |m, args| {
                args.extend([Arg::Bytes(b"SREM"), Arg::Key]);
                args.extend(m.iter().map(|m| Arg::Owned(m.clone())));
            },
        )))
    }

    /// SPOP with a count: removes and returns `count` distinct random
    /// members, or the whole set (deleting the key) when `count` reaches its
    /// size.
    pub fn spop_count(&mut self, db: u8, key: &[u8], count: i64) -> Result<Vec<Bytes>> {
        if count < 0 {
            return Err(Error::InvalidArgument(ArgError::NotPositive));
        }
        let Some(slot) = self.lookup_write_kind(db, key, Kind::Set)? else { return Ok(Vec::new()) };
        let count = usize::try_from(count).unwrap_or(usize::MAX);
        if count == 0 {
            return Ok(Vec::new());
        }
        Ok(with_rng!(self, |rng| self.modify_delta(
            slot,
            |v| {
                let Value::Set(s) = v else { return (Vec::new(), false) };
                if count >= s.len() {
                    return (s.clear(), true);
                }
                let out: Vec<Bytes> = (0..count).filter_map(|_| s.pop_random(&mut rng)).collect();
                (out, true)
            },
            |out, args| {
                args.extend([Arg::Bytes(b"SREM"), Arg::Key]);
                args.extend(out.iter().map(|m| Arg::Owned(m.clone())));
            },
        )))
    }

    /// SRANDMEMBER without a count: a uniformly random member.
    pub fn srandmember(&mut self, db: u8, key: &[u8]) -> Result<Option<Bytes>> {
        let Some(slot) = self.lookup_read_kind(db, key, Kind::Set)? else { return Ok(None) };
        let Shard { ks, rng, .. } = self;
        Ok(match ks.get(slot).map(|it| it.value()) {
            Some(ValueRef::Set(s)) => s.random(rng).cloned(),
            _ => None,
        })
    }

    /// SRANDMEMBER with a count: for `count >= 0`, up to `count` distinct
    /// members (the whole set if it is smaller); for `count < 0`, exactly
    /// `|count|` members drawn independently, so repeats are possible.
    ///
    /// As in Redis, the reply is built in full, so its size is the caller's
    /// to bound.
    pub fn srandmember_count(&mut self, db: u8, key: &[u8], count: i64) -> Result<Vec<Bytes>> {
        if count == i64::MIN {
            return Err(Error::InvalidArgument(ArgError::OutsideLongRange));
        }
        let Some(slot) = self.lookup_read_kind(db, key, Kind::Set)? else { return Ok(Vec::new()) };
        let want = usize::try_from(count.unsigned_abs()).unwrap_or(usize::MAX);
        let Shard { ks, rng, .. } = self;
        let Some(ValueRef::Set(s)) = ks.get(slot).map(|it| it.value()) else { return Ok(Vec::new()) };
        if want == 0 || s.is_empty() {
            return Ok(Vec::new());
        }
        if count < 0 {
            let mut out = Vec::with_capacity(want.min(RESERVE_CAP));
            out.extend((0..want).filter_map(|_| s.random(rng).cloned()));
            return Ok(out);
        }
        if want >= s.len() {
            return Ok(s.members.clone());
        }
        Ok(s.sample_distinct(want, rng))
    }

    /// SMOVE within this shard: moves `member` from `src` to `dst`. False
    /// when `src` is missing (whatever `dst` holds) or lacks the member.
    /// Otherwise both keys must hold sets (a missing `dst` is created); with
    /// `src == dst` it only reports membership.
    pub fn smove(&mut self, db: u8, src: &[u8], dst: &[u8], member: &[u8]) -> Result<bool> {
        let src_slot = self.lookup_write(db, src);
        let dst_slot = self.lookup_write(db, dst);
        let Some(src_slot) = src_slot else { return Ok(false) };
        if self.item(src_slot).kind() != Kind::Set || dst_slot.is_some_and(|s| self.item(s).kind() != Kind::Set) {
            return Err(Error::WrongType);
        }
        if src == dst {
            return Ok(self.set_at(src_slot).is_some_and(|s| s.contains(member)));
        }
        let moved = self.modify_delta(
            src_slot,
            |v| {
                let Value::Set(s) = v else { return (None, false) };
                let m = s.remove(member);
                let changed = m.is_some();
                (m, changed)
            },
            |_, args| args.extend([Arg::Bytes(b"SREM"), Arg::Key, Arg::Bytes(member)]),
        );
        let Some(moved) = moved else { return Ok(false) };
        // Look `dst` up again: removing the last member deleted `src`.
        match self.lookup(db, dst) {
            Some(slot) => self.modify_delta(
                slot,
                |v| {
                    let Value::Set(s) = v else { return ((), false) };
                    let added = s.insert(moved);
                    ((), added)
                },
                |_, args| args.extend([Arg::Bytes(b"SADD"), Arg::Key, Arg::Bytes(member)]),
            ),
            None => {
                self.insert_value(db, dst, Value::Set(Set::from_members([moved])), None);
            }
        }
        Ok(true)
    }

    /// SINTER over keys on this shard. Every key is type-checked even after
    /// a missing one (which makes the result empty), as Redis 7 does.
    pub fn sinter<K: AsRef<[u8]>>(&mut self, db: u8, keys: &[K]) -> Result<Vec<Bytes>> {
        let slots = self.set_slots(db, keys)?;
        if slots.iter().any(Option::is_none) {
            return Ok(Vec::new());
        }
        Ok(Set::inter(&self.sets_of(&slots)).members)
    }

    /// SUNION over keys on this shard (missing keys are empty sets).
    pub fn sunion<K: AsRef<[u8]>>(&mut self, db: u8, keys: &[K]) -> Result<Vec<Bytes>> {
        let slots = self.set_slots(db, keys)?;
        Ok(Set::union(&self.sets_of(&slots)).members)
    }

    /// SDIFF over keys on this shard: members of the first key in none of
    /// the others (missing keys are empty sets).
    pub fn sdiff<K: AsRef<[u8]>>(&mut self, db: u8, keys: &[K]) -> Result<Vec<Bytes>> {
        let slots = self.set_slots(db, keys)?;
        let sets = self.sets_of(&slots);
        let Some((first, others)) = sets.split_first() else { return Ok(Vec::new()) };
        Ok(Set::diff(first, others).members)
    }

    /// SINTERSTORE: stores the intersection at `dst` (replacing any value and
    /// TTL; an empty result deletes `dst`) and returns its size.
    pub fn sinterstore<K: AsRef<[u8]>>(&mut self, db: u8, dst: &[u8], keys: &[K]) -> Result<usize> {
        self.make_room()?;
        let slots = self.set_slots(db, keys)?;
        let result = if slots.iter().any(Option::is_none) { Set::new() } else { Set::inter(&self.sets_of(&slots)) };
        Ok(self.store_set(db, dst, result))
    }

    /// SUNIONSTORE: as [`sinterstore`](Self::sinterstore), for the union.
    pub fn sunionstore<K: AsRef<[u8]>>(&mut self, db: u8, dst: &[u8], keys: &[K]) -> Result<usize> {
        self.make_room()?;
        let slots = self.set_slots(db, keys)?;
        let result = Set::union(&self.sets_of(&slots));
        Ok(self.store_set(db, dst, result))
    }

    /// SDIFFSTORE: as [`sinterstore`](Self::sinterstore), for the difference.
    pub fn sdiffstore<K: AsRef<[u8]>>(&mut self, db: u8, dst: &[u8], keys: &[K]) -> Result<usize> {
        self.make_room()?;
        let slots = self.set_slots(db, keys)?;
        let sets = self.sets_of(&slots);
        let result = match sets.split_first() {
            Some((first, others)) => Set::diff(first, others),
            None => Set::new(),
        };
        Ok(self.store_set(db, dst, result))
    }

    /// SINTERCARD: the intersection's size, counting no further than `limit`
    /// (0 = no limit).
    pub fn sintercard<K: AsRef<[u8]>>(&mut self, db: u8, keys: &[K], limit: i64) -> Result<usize> {
        if limit < 0 {
            return Err(Error::InvalidArgument(ArgError::LimitNegative));
        }
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        let slots = self.set_slots(db, keys)?;
        if slots.iter().any(Option::is_none) {
            return Ok(0);
        }
        Ok(Set::inter_card(&self.sets_of(&slots), limit))
    }

    /// SSCAN: one step of an iteration over the members matching `pattern`,
    /// visiting about `count` members (`None` = Redis's default of 10).
    /// Returns the next cursor (0 when the iteration is complete) and the
    /// members found. Every member present from the first call to the last
    /// is returned at least once, however the set changes in between.
    ///
    /// A COUNT below 1 is a syntax error, reported (as in Redis) only once
    /// the key is known to hold a set.
    pub fn sscan(
        &mut self,
        db: u8,
        key: &[u8],
        cursor: u64,
        pattern: Option<&[u8]>,
        count: Option<i64>,
    ) -> Result<(u64, Vec<Bytes>)> {
        let Some(slot) = self.lookup_read_kind(db, key, Kind::Set)? else { return Ok((0, Vec::new())) };
        let count = count.unwrap_or(SCAN_DEFAULT_COUNT);
        if count < 1 {
            return Err(Error::Syntax);
        }
        let count = usize::try_from(count).unwrap_or(usize::MAX);
        let Some(set) = self.set_at(slot) else { return Ok((0, Vec::new())) };
        let mut out = Vec::with_capacity(count.min(set.len()));
        let next = set.scan(cursor, pattern, count, &mut out);
        Ok((next, out))
    }

    /// A copy of the set at `key` (`None` if missing), for set algebra over
    /// keys on several shards: gather copies, combine them with
    /// [`Set::inter`], [`Set::union`] or [`Set::diff`] (a missing key as
    /// [`Set::empty`]), then store the result with [`sstore`](Self::sstore).
    pub fn scopy(&mut self, db: u8, key: &[u8]) -> Result<Option<Set>> {
        let Some(slot) = self.lookup_read_kind(db, key, Kind::Set)? else { return Ok(None) };
        Ok(self.set_at(slot).cloned())
    }

    /// Stores a computed set at `key` as the *STORE commands do: any old
    /// value (of any type) and its TTL are replaced, and an empty set deletes
    /// the key. Returns the stored size.
    pub fn sstore(&mut self, db: u8, key: &[u8], set: Set) -> Result<usize> {
        self.make_room()?;
        Ok(self.store_set(db, key, set))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use super::*;
    use crate::clock::Clock;
    use crate::shard::ShardConfig;

    fn b(s: &str) -> Bytes {
        Bytes::copy_from_slice(s.as_bytes())
    }

    fn bs(items: &[&str]) -> Vec<Bytes> {
        items.iter().map(|s| b(s)).collect()
    }

    fn sorted(mut v: Vec<Bytes>) -> Vec<Bytes> {
        v.sort();
        v
    }

    fn shard() -> Shard {
        Shard::new(0, ShardConfig { clock: Clock::manual(1_000_000), ..Default::default() })
    }

    fn with_string(sh: &mut Shard, key: &[u8]) {
        sh.insert_str(0, key, &b"v"[..], None);
    }

    /// Checks the position index against the member vector.
    fn check_invariants(s: &Set) {
        assert_eq!(s.index.len(), s.members.len());
        for (pos, m) in s.members.iter().enumerate() {
            assert_eq!(s.position(m), Some(pos), "index points at the wrong place");
        }
        assert_eq!(s.bytes, s.members.iter().map(Bytes::len).sum::<usize>());
    }

    #[test]
    fn set_insert_remove_keep_index_consistent() {
        let mut s = Set::new();
        for i in 0..500u32 {
            assert!(s.insert(Bytes::from(i.to_string())));
            assert!(!s.insert(Bytes::from(i.to_string())));
        }
        check_invariants(&s);
        for i in (0..500u32).step_by(3) {
            assert_eq!(s.remove(i.to_string().as_bytes()), Some(Bytes::from(i.to_string())));
            assert_eq!(s.remove(i.to_string().as_bytes()), None);
        }
        check_invariants(&s);
        assert_eq!(s.len(), 500 - 167);
        for i in 0..500u32 {
            assert_eq!(s.contains(i.to_string().as_bytes()), i % 3 != 0);
        }
    }

    #[test]
    fn set_shrinks_after_mass_removal() {
        let mut s = Set::from_members((0..10_000u32).map(|i| Bytes::from(i.to_string())));
        let full = s.mem_usage();
        for i in 0..9_990u32 {
            s.remove(i.to_string().as_bytes());
        }
        check_invariants(&s);
        assert_eq!(s.len(), 10);
        assert!(s.mem_usage() * 20 < full, "{} vs {}", s.mem_usage(), full);
    }

    #[test]
    fn set_equality_ignores_order_and_debug_lists_members() {
        let a = Set::from_members(bs(&["x", "y", "z", "y"]));
        let c = Set::from_members(bs(&["z", "x", "y"]));
        assert_eq!(a, c);
        assert_ne!(a, Set::from_members(bs(&["x", "y"])));
        assert_ne!(a, Set::from_members(bs(&["x", "y", "w"])));
        assert_eq!(a.len(), 3);
        assert_eq!(format!("{:?}", Set::from_members(bs(&["q"]))), "{b\"q\"}");
        assert!(Set::empty().is_empty());
        let collected: Set = bs(&["a", "a"]).into_iter().collect();
        assert_eq!(collected.len(), 1);
    }

    #[test]
    fn set_algebra() {
        let a = Set::from_members(bs(&["a", "b", "c", "d"]));
        let b2 = Set::from_members(bs(&["b", "c", "e"]));
        let c = Set::from_members(bs(&["c", "d", "b", "z"]));
        assert_eq!(Set::inter(&[&a, &b2, &c]), Set::from_members(bs(&["b", "c"])));
        assert_eq!(Set::inter(&[&a, Set::empty()]), Set::new());
        assert_eq!(Set::inter(&[]), Set::new());
        assert_eq!(Set::inter(&[&a, &a]), a);
        assert_eq!(Set::union(&[&a, &b2]), Set::from_members(bs(&["a", "b", "c", "d", "e"])));
        assert_eq!(Set::union(&[]), Set::new());
        assert_eq!(Set::diff(&a, &[&b2]), Set::from_members(bs(&["a", "d"])));
        assert_eq!(Set::diff(&a, &[&b2, &c]), Set::from_members(bs(&["a"])));
        assert_eq!(Set::diff(&a, &[&a]), Set::new());
        assert_eq!(Set::diff(&a, &[]), a);
        assert_eq!(Set::inter_card(&[&a, &c], 0), 3);
        assert_eq!(Set::inter_card(&[&a, &c], 2), 2);
        assert_eq!(Set::inter_card(&[&a, &c], 10), 3);
        assert_eq!(Set::inter_card(&[&a, Set::empty()], 0), 0);
        for s in [Set::inter(&[&a, &c]), Set::union(&[&a, &b2, &c]), Set::diff(&c, &[&a])] {
            check_invariants(&s);
        }
    }

    #[test]
    fn sadd_srem_scard_and_delete_when_empty() {
        let mut sh = shard();
        assert_eq!(sh.sadd(0, b"s", &bs(&["a", "b", "a"])).unwrap(), 2);
        assert_eq!(sh.sadd(0, b"s", &bs(&["b", "c"])).unwrap(), 1);
        assert_eq!(sh.sadd(0, b"s", &bs(&["c"])).unwrap(), 0);
        assert_eq!(sh.sadd(0, b"none", &[]).unwrap(), 0);
        assert_eq!(sh.kind_of(0, b"none"), None);
        assert_eq!(sh.scard(0, b"s").unwrap(), 3);
        assert_eq!(sh.scard(0, b"missing").unwrap(), 0);
        assert_eq!(sh.srem(0, b"s", &bs(&["a", "zz", "a"])).unwrap(), 1);
        assert_eq!(sh.srem(0, b"missing", &bs(&["a"])).unwrap(), 0);
        assert_eq!(sorted(sh.smembers(0, b"s").unwrap()), bs(&["b", "c"]));
        assert!(sh.smembers(0, b"missing").unwrap().is_empty());
        assert_eq!(sh.srem(0, b"s", &bs(&["b", "c"])).unwrap(), 2);
        assert_eq!(sh.kind_of(0, b"s"), None);
        assert_eq!(sh.dbsize(0), 0);
        assert_eq!(sh.used_memory(), 0, "memory accounting returns to zero");
    }

    #[test]
    fn memory_accounting_tracks_changes() {
        let mut sh = shard();
        sh.sadd(0, b"s", &bs(&["a"])).unwrap();
        let one = sh.used_memory();
        let many: Vec<Bytes> = (0..1000).map(|i| Bytes::from(format!("member-{i}"))).collect();
        sh.sadd(0, b"s", &many).unwrap();
        assert!(sh.used_memory() > one + 1000 * 40, "{} vs {}", sh.used_memory(), one);
        sh.srem(0, b"s", &many).unwrap();
        assert!(sh.used_memory() < one + 2000, "{} vs {}", sh.used_memory(), one);
        sh.spop(0, b"s").unwrap();
        assert_eq!(sh.used_memory(), 0);
    }

    #[test]
    fn sadd_fails_when_out_of_memory() {
        let mut sh = shard();
        sh.sadd(0, b"s", &bs(&["a"])).unwrap();
        sh.set_maxmemory(1);
        assert_eq!(sh.sadd(0, b"s", &bs(&["b"])), Err(Error::OutOfMemory));
        assert_eq!(sh.sunionstore(0, b"d", &[b"s"]), Err(Error::OutOfMemory));
        assert_eq!(sh.sstore(0, b"d", Set::new()), Err(Error::OutOfMemory));
        // Commands that only shrink data still run.
        assert_eq!(sh.srem(0, b"s", &bs(&["a"])), Ok(1));
    }

    #[test]
    fn wrong_type_everywhere() {
        let mut sh = shard();
        with_string(&mut sh, b"str");
        sh.sadd(0, b"s", &bs(&["a"])).unwrap();
        let none: &[&[u8]] = &[];
        assert_eq!(sh.sadd(0, b"str", &bs(&["a"])).unwrap_err(), Error::WrongType);
        assert_eq!(sh.srem(0, b"str", &bs(&["a"])).unwrap_err(), Error::WrongType);
        assert_eq!(sh.smembers(0, b"str").unwrap_err(), Error::WrongType);
        assert_eq!(sh.sismember(0, b"str", b"a").unwrap_err(), Error::WrongType);
        assert_eq!(sh.smismember(0, b"str", &bs(&["a"])).unwrap_err(), Error::WrongType);
        assert_eq!(sh.scard(0, b"str").unwrap_err(), Error::WrongType);
        assert_eq!(sh.spop(0, b"str").unwrap_err(), Error::WrongType);
        assert_eq!(sh.spop_count(0, b"str", 0).unwrap_err(), Error::WrongType);
        assert_eq!(sh.srandmember(0, b"str").unwrap_err(), Error::WrongType);
        assert_eq!(sh.srandmember_count(0, b"str", 0).unwrap_err(), Error::WrongType);
        assert_eq!(sh.smove(0, b"str", b"s", b"a").unwrap_err(), Error::WrongType);
        assert_eq!(sh.smove(0, b"s", b"str", b"a").unwrap_err(), Error::WrongType);
        assert_eq!(sh.smove(0, b"s", b"str", b"zz").unwrap_err(), Error::WrongType);
        assert_eq!(sh.smove(0, b"str", b"str", b"a").unwrap_err(), Error::WrongType);
        assert_eq!(sh.sinter(0, &[&b"missing"[..], b"str"]).unwrap_err(), Error::WrongType);
        assert_eq!(sh.sinter(0, &[&b"str"[..], b"missing"]).unwrap_err(), Error::WrongType);
        assert_eq!(sh.sunion(0, &[&b"missing"[..], b"str"]).unwrap_err(), Error::WrongType);
        assert_eq!(sh.sdiff(0, &[&b"missing"[..], b"str"]).unwrap_err(), Error::WrongType);
        assert_eq!(sh.sintercard(0, &[&b"missing"[..], b"str"], 0).unwrap_err(), Error::WrongType);
        assert_eq!(sh.sinterstore(0, b"d", &[&b"missing"[..], b"str"]).unwrap_err(), Error::WrongType);
        assert_eq!(sh.sunionstore(0, b"d", &[&b"s"[..], b"str"]).unwrap_err(), Error::WrongType);
        assert_eq!(sh.sdiffstore(0, b"d", &[&b"s"[..], b"str"]).unwrap_err(), Error::WrongType);
        assert_eq!(sh.sscan(0, b"str", 0, None, Some(0)).unwrap_err(), Error::WrongType);
        assert_eq!(sh.scopy(0, b"str").unwrap_err(), Error::WrongType);
        // Nothing above changed anything.
        assert_eq!(sh.kind_of(0, b"str"), Some(Kind::String));
        assert_eq!(sh.smembers(0, b"s").unwrap(), bs(&["a"]));
        assert_eq!(sh.kind_of(0, b"d"), None);
        assert!(sh.sinter(0, none).unwrap().is_empty());
    }

    #[test]
    fn argument_errors_come_before_type_checks() {
        let mut sh = shard();
        with_string(&mut sh, b"str");
        let neg = Err(Error::InvalidArgument(ArgError::NotPositive));
        assert_eq!(sh.spop_count(0, b"str", -1), neg);
        assert_eq!(sh.spop_count(0, b"missing", -1), neg);
        assert_eq!(sh.spop_count(0, b"missing", i64::MIN), neg);
        let lim = Err(Error::InvalidArgument(ArgError::LimitNegative));
        assert_eq!(sh.sintercard(0, &[b"str"], -1), lim);
        assert_eq!(sh.sintercard(0, &[b"missing"], -1), lim);
        let e = sh.srandmember_count(0, b"str", i64::MIN);
        assert_eq!(e, Err(Error::InvalidArgument(ArgError::OutsideLongRange)));
    }

    #[test]
    fn sismember_smismember() {
        let mut sh = shard();
        sh.sadd(0, b"s", &bs(&["a", "b"])).unwrap();
        assert!(sh.sismember(0, b"s", b"a").unwrap());
        assert!(!sh.sismember(0, b"s", b"c").unwrap());
        assert!(!sh.sismember(0, b"missing", b"a").unwrap());
        assert_eq!(sh.smismember(0, b"s", &bs(&["b", "c", "a", "b"])).unwrap(), vec![true, false, true, true]);
        assert_eq!(sh.smismember(0, b"missing", &bs(&["a", "b"])).unwrap(), vec![false, false]);
    }

    #[test]
    fn spop_variants() {
        let mut sh = shard();
        assert_eq!(sh.spop(0, b"s").unwrap(), None);
        assert!(sh.spop_count(0, b"s", 3).unwrap().is_empty());
        sh.sadd(0, b"s", &bs(&["a", "b", "c", "d", "e"])).unwrap();
        assert!(sh.spop_count(0, b"s", 0).unwrap().is_empty());
        assert_eq!(sh.scard(0, b"s").unwrap(), 5);
        let one = sh.spop(0, b"s").unwrap().unwrap();
        assert!(!sh.sismember(0, b"s", &one).unwrap());
        let two = sh.spop_count(0, b"s", 2).unwrap();
        assert_eq!(two.len(), 2);
        assert_ne!(two[0], two[1]);
        assert!(two.iter().all(|m| *m != one));
        assert_eq!(sh.scard(0, b"s").unwrap(), 2);
        let rest = sh.spop_count(0, b"s", i64::MAX).unwrap();
        assert_eq!(rest.len(), 2);
        assert_eq!(sh.kind_of(0, b"s"), None);
        let all = sorted([vec![one], two, rest].concat());
        assert_eq!(all, bs(&["a", "b", "c", "d", "e"]));
        sh.sadd(0, b"t", &bs(&["x"])).unwrap();
        assert_eq!(sh.spop(0, b"t").unwrap(), Some(b("x")));
        assert_eq!(sh.kind_of(0, b"t"), None);
    }

    #[test]
    fn srandmember_variants() {
        let mut sh = shard();
        assert_eq!(sh.srandmember(0, b"s").unwrap(), None);
        assert!(sh.srandmember_count(0, b"s", -5).unwrap().is_empty());
        assert!(sh.srandmember_count(0, b"s", 5).unwrap().is_empty());
        let members = bs(&["a", "b", "c", "d", "e", "f", "g", "h"]);
        sh.sadd(0, b"s", &members).unwrap();
        assert!(members.contains(&sh.srandmember(0, b"s").unwrap().unwrap()));
        assert!(sh.srandmember_count(0, b"s", 0).unwrap().is_empty());
        for k in 1..=8 {
            let got = sh.srandmember_count(0, b"s", k).unwrap();
            assert_eq!(got.len(), k as usize);
            assert_eq!(got.iter().collect::<BTreeSet<_>>().len(), k as usize);
            assert!(got.iter().all(|m| members.contains(m)));
        }
        assert_eq!(sorted(sh.srandmember_count(0, b"s", i64::MAX).unwrap()), members);
        let rep = sh.srandmember_count(0, b"s", -100).unwrap();
        assert_eq!(rep.len(), 100);
        assert!(rep.iter().all(|m| members.contains(m)));
        assert!(rep.iter().collect::<BTreeSet<_>>().len() < 100);
        assert_eq!(sh.scard(0, b"s").unwrap(), 8, "SRANDMEMBER does not remove");
    }

    /// Each member should come up about equally often: 20000 picks over 10
    /// members, so a bias of 20% towards or away from any member fails.
    #[test]
    fn random_picks_are_uniform() {
        let mut sh = shard();
        let members: Vec<Bytes> = (0..10).map(|i| Bytes::from(format!("m{i}"))).collect();
        sh.sadd(0, b"s", &members).unwrap();
        // Reorder positions so they are not insertion order.
        sh.srem(0, b"s", &members[..3]).unwrap();
        sh.sadd(0, b"s", &members[..3]).unwrap();
        let mut single: BTreeMap<Bytes, u32> = BTreeMap::new();
        let mut distinct: BTreeMap<Bytes, u32> = BTreeMap::new();
        let mut repeated: BTreeMap<Bytes, u32> = BTreeMap::new();
        let mut popped: BTreeMap<Bytes, u32> = BTreeMap::new();
        let mut popped_one: BTreeMap<Bytes, u32> = BTreeMap::new();
        for _ in 0..20_000 {
            *single.entry(sh.srandmember(0, b"s").unwrap().unwrap()).or_default() += 1;
        }
        for _ in 0..5_000 {
            for m in sh.srandmember_count(0, b"s", 4).unwrap() {
                *distinct.entry(m).or_default() += 1;
            }
            for m in sh.srandmember_count(0, b"s", -4).unwrap() {
                *repeated.entry(m).or_default() += 1;
            }
            let got = sh.spop_count(0, b"s", 4).unwrap();
            for m in &got {
                *popped.entry(m.clone()).or_default() += 1;
            }
            sh.sadd(0, b"s", &got).unwrap();
        }
        for _ in 0..20_000 {
            let m = sh.spop(0, b"s").unwrap().unwrap();
            sh.sadd(0, b"s", std::slice::from_ref(&m)).unwrap();
            *popped_one.entry(m).or_default() += 1;
        }
        for counts in [&single, &distinct, &repeated, &popped, &popped_one] {
            assert_eq!(counts.len(), 10);
            for &c in counts.values() {
                assert!((1600..=2400).contains(&c), "non-uniform: {counts:?}");
            }
        }
    }

    #[test]
    fn smove_semantics() {
        let mut sh = shard();
        sh.sadd(0, b"src", &bs(&["a", "b"])).unwrap();
        with_string(&mut sh, b"str");
        assert!(!sh.smove(0, b"missing", b"str", b"a").unwrap(), "a missing src wins over a wrong-type dst");
        assert!(!sh.smove(0, b"src", b"dst", b"zz").unwrap());
        assert_eq!(sh.kind_of(0, b"dst"), None);
        assert!(sh.smove(0, b"src", b"src", b"a").unwrap());
        assert!(!sh.smove(0, b"src", b"src", b"zz").unwrap());
        assert!(sh.smove(0, b"src", b"dst", b"a").unwrap());
        assert_eq!(sh.smembers(0, b"dst").unwrap(), bs(&["a"]));
        assert_eq!(sh.smembers(0, b"src").unwrap(), bs(&["b"]));
        sh.sadd(0, b"dst", &bs(&["b"])).unwrap();
        // Moving a member dst already has still removes it from src.
        assert!(sh.smove(0, b"src", b"dst", b"b").unwrap());
        assert_eq!(sh.kind_of(0, b"src"), None);
        assert_eq!(sorted(sh.smembers(0, b"dst").unwrap()), bs(&["a", "b"]));
    }

    #[test]
    fn smove_keeps_dst_ttl_and_respects_expiry() {
        let mut sh = shard();
        let now = sh.now_ms();
        sh.sadd(0, b"src", &bs(&["a", "b", "c"])).unwrap();
        sh.sadd(0, b"dst", &bs(&["x"])).unwrap();
        let slot = sh.lookup(0, b"dst").unwrap();
        sh.set_expire(slot, Some(now + 100));
        assert!(sh.smove(0, b"src", b"dst", b"a").unwrap());
        let slot = sh.lookup(0, b"dst").unwrap();
        assert_eq!(sh.expire_of(slot), Some(now + 100));
        sh.clock().advance(101);
        // dst expired: the move creates a fresh dst without a TTL.
        assert!(sh.smove(0, b"src", b"dst", b"b").unwrap());
        assert_eq!(sh.smembers(0, b"dst").unwrap(), bs(&["b"]));
        let slot = sh.lookup(0, b"dst").unwrap();
        assert_eq!(sh.expire_of(slot), None);
        // An expired src is missing.
        let slot = sh.lookup(0, b"src").unwrap();
        sh.set_expire(slot, Some(now + 150));
        sh.clock().advance(100);
        assert!(!sh.smove(0, b"src", b"dst", b"c").unwrap());
        assert_eq!(sh.kind_of(0, b"src"), None);
    }

    #[test]
    fn algebra_commands() {
        let mut sh = shard();
        sh.sadd(0, b"a", &bs(&["1", "2", "3", "4"])).unwrap();
        sh.sadd(0, b"b", &bs(&["2", "3", "5"])).unwrap();
        assert_eq!(sorted(sh.sinter(0, &[b"a", b"b"]).unwrap()), bs(&["2", "3"]));
        assert!(sh.sinter(0, &[&b"a"[..], b"missing"]).unwrap().is_empty());
        assert_eq!(sorted(sh.sinter(0, &[b"a"]).unwrap()), bs(&["1", "2", "3", "4"]));
        assert_eq!(sorted(sh.sunion(0, &[&b"a"[..], b"b", b"missing"]).unwrap()), bs(&["1", "2", "3", "4", "5"]));
        assert_eq!(sorted(sh.sdiff(0, &[&b"a"[..], b"b", b"missing"]).unwrap()), bs(&["1", "4"]));
        assert!(sh.sdiff(0, &[&b"missing"[..], b"a"]).unwrap().is_empty());
        assert!(sh.sdiff(0, &[b"a", b"a"]).unwrap().is_empty());
        assert_eq!(sh.sintercard(0, &[b"a", b"b"], 0).unwrap(), 2);
        assert_eq!(sh.sintercard(0, &[b"a", b"b"], 1).unwrap(), 1);
        assert_eq!(sh.sintercard(0, &[b"a"], 3).unwrap(), 3);
        assert_eq!(sh.sintercard(0, &[&b"a"[..], b"missing"], 0).unwrap(), 0);
        // Keys as owned bytes work too.
        assert_eq!(sh.sintercard(0, &[b("a"), b("b")], 0).unwrap(), 2);
    }

    #[test]
    fn store_commands() {
        let mut sh = shard();
        let now = sh.now_ms();
        sh.sadd(0, b"a", &bs(&["1", "2", "3"])).unwrap();
        sh.sadd(0, b"b", &bs(&["2", "3", "4"])).unwrap();
        with_string(&mut sh, b"str");
        let slot = sh.lookup(0, b"str").unwrap();
        sh.set_expire(slot, Some(now + 50));
        // Any old value and its TTL are replaced.
        assert_eq!(sh.sinterstore(0, b"str", &[b"a", b"b"]).unwrap(), 2);
        let slot = sh.lookup(0, b"str").unwrap();
        assert_eq!(sh.expire_of(slot), None);
        assert_eq!(sorted(sh.smembers(0, b"str").unwrap()), bs(&["2", "3"]));
        assert_eq!(sh.sunionstore(0, b"u", &[b"a", b"b"]).unwrap(), 4);
        assert_eq!(sh.sdiffstore(0, b"d", &[b"a", b"b"]).unwrap(), 1);
        assert_eq!(sh.smembers(0, b"d").unwrap(), bs(&["1"]));
        // The destination may be a source.
        assert_eq!(sh.sunionstore(0, b"a", &[b"a", b"b"]).unwrap(), 4);
        assert_eq!(sh.sdiffstore(0, b"a", &[b"a", b"d"]).unwrap(), 3);
        assert_eq!(sorted(sh.smembers(0, b"a").unwrap()), bs(&["2", "3", "4"]));
        // Empty results delete the destination.
        assert_eq!(sh.sinterstore(0, b"u", &[&b"a"[..], b"missing"]).unwrap(), 0);
        assert_eq!(sh.kind_of(0, b"u"), None);
        assert_eq!(sh.sdiffstore(0, b"d", &[b"a", b"a"]).unwrap(), 0);
        assert_eq!(sh.kind_of(0, b"d"), None);
        assert_eq!(sh.sunionstore(0, b"nothing", &[b"missing"]).unwrap(), 0);
        assert_eq!(sh.kind_of(0, b"nothing"), None);
    }

    #[test]
    fn scopy_and_sstore() {
        let mut sh = shard();
        sh.sadd(0, b"a", &bs(&["1", "2"])).unwrap();
        let copy = sh.scopy(0, b"a").unwrap().unwrap();
        assert_eq!(copy, Set::from_members(bs(&["1", "2"])));
        assert_eq!(sh.scopy(0, b"missing").unwrap(), None);
        let other = Set::from_members(bs(&["2", "3"]));
        let missing = None::<Set>;
        let union = Set::union(&[&copy, &other, missing.as_ref().unwrap_or(Set::empty())]);
        with_string(&mut sh, b"dst");
        assert_eq!(sh.sstore(0, b"dst", union).unwrap(), 3);
        assert_eq!(sorted(sh.smembers(0, b"dst").unwrap()), bs(&["1", "2", "3"]));
        assert_eq!(sh.sstore(0, b"dst", Set::new()).unwrap(), 0);
        assert_eq!(sh.kind_of(0, b"dst"), None);
    }

    #[test]
    fn sscan_basics() {
        let mut sh = shard();
        assert_eq!(sh.sscan(0, b"missing", 0, None, Some(0)).unwrap(), (0, vec![]));
        let members: Vec<Bytes> = (0..100).map(|i| Bytes::from(format!("k{i}"))).collect();
        sh.sadd(0, b"s", &members).unwrap();
        assert_eq!(sh.sscan(0, b"s", 0, None, Some(0)), Err(Error::Syntax));
        assert_eq!(sh.sscan(0, b"s", 0, None, Some(-3)), Err(Error::Syntax));
        let (next, got) = sh.sscan(0, b"s", 0, None, None).unwrap();
        assert_eq!(got.len(), 10);
        assert_ne!(next, 0);
        let (next, got) = sh.sscan(0, b"s", 0, None, Some(1000)).unwrap();
        assert_eq!(next, 0);
        assert_eq!(sorted(got), sorted(members.clone()));
        let (_, got) = sh.sscan(0, b"s", 0, Some(b"k1*"), Some(i64::MAX)).unwrap();
        assert_eq!(got.len(), 11);
        // A garbage cursor is served, as in Redis, and the scan still ends.
        let (next, got) = sh.sscan(0, b"s", u64::MAX, None, Some(1000)).unwrap();
        assert_eq!((next, got.len()), (0, 100));
        // Walking with a small COUNT returns each member once when nothing changes.
        let mut all = Vec::new();
        let mut cursor = 0;
        loop {
            let (next, got) = sh.sscan(0, b"s", cursor, None, Some(3)).unwrap();
            all.extend(got);
            cursor = next;
            if cursor == 0 {
                break;
            }
        }
        assert_eq!(sorted(all), sorted(members));
    }

    #[test]
    fn sscan_survives_growth_and_removal() {
        let mut sh = shard();
        let stable: Vec<Bytes> = (0..300).map(|i| Bytes::from(format!("stable{i}"))).collect();
        let churn: Vec<Bytes> = (0..200).map(|i| Bytes::from(format!("churn{i}"))).collect();
        // Churn first, so removing it moves stable members (then last) into
        // low positions, on both sides of the cursor.
        sh.sadd(0, b"s", &churn).unwrap();
        sh.sadd(0, b"s", &stable).unwrap();
        let mut seen = BTreeSet::new();
        let mut cursor = 0;
        let mut round = 0;
        loop {
            let (next, got) = sh.sscan(0, b"s", cursor, None, Some(7)).unwrap();
            seen.extend(got);
            let i = (round * 3) % 198;
            sh.srem(0, b"s", &churn[i..i + 3]).unwrap();
            if round % 10 == 9 {
                let more: Vec<Bytes> = (0..60).map(|i| Bytes::from(format!("bulk{round}-{i}"))).collect();
                sh.sadd(0, b"s", &more).unwrap();
                sh.srem(0, b"s", &more[..20]).unwrap();
            }
            round += 1;
            cursor = next;
            if cursor == 0 {
                break;
            }
            assert!(round < 10_000);
        }
        for m in &stable {
            assert!(seen.contains(m), "member {m:?} missed");
        }
    }

    mod model {
        //! Random operation sequences with a string key among the sets,
        //! against a `BTreeMap` model. The integration model test cannot
        //! create a string key through the public API, so wrong-type
        //! interplay (SMOVE, *STORE over a string, algebra over one) is
        //! covered here.

        use proptest::prelude::*;

        use super::*;

        /// A key holds a set, or a string (`None`).
        type Model = BTreeMap<u8, Option<BTreeSet<u8>>>;

        #[derive(Debug, Clone)]
        enum Op {
            Add(u8, Vec<u8>),
            Rem(u8, Vec<u8>),
            Move(u8, u8, u8),
            Store(u8, u8, Vec<u8>),
            Read(u8, Vec<u8>),
            Pop(u8),
        }

        fn op() -> impl Strategy<Value = Op> {
            let key = || 0u8..4;
            let mems = || proptest::collection::vec(0u8..6, 0..4);
            let keys = || proptest::collection::vec(0u8..4, 1..4);
            prop_oneof![
                (key(), mems()).prop_map(|(k, m)| Op::Add(k, m)),
                (key(), mems()).prop_map(|(k, m)| Op::Rem(k, m)),
                (key(), key(), 0u8..6).prop_map(|(a, b, m)| Op::Move(a, b, m)),
                (0u8..4, key(), keys()).prop_map(|(o, d, ks)| Op::Store(o, d, ks)),
                (0u8..4, keys()).prop_map(|(o, ks)| Op::Read(o, ks)),
                key().prop_map(Op::Pop),
            ]
        }

        fn name(k: u8) -> Vec<u8> {
            vec![b'k', b'0' + k]
        }

        fn mem(x: u8) -> Bytes {
            Bytes::from(vec![b'm', b'0' + x])
        }

        fn get(model: &Model, k: u8) -> Result<BTreeSet<u8>> {
            match model.get(&k) {
                Some(None) => Err(Error::WrongType),
                Some(Some(s)) => Ok(s.clone()),
                None => Ok(BTreeSet::new()),
            }
        }

        fn put(model: &mut Model, k: u8, s: BTreeSet<u8>) {
            if s.is_empty() {
                model.remove(&k);
            } else {
                model.insert(k, Some(s));
            }
        }

        /// Op 0 intersects, 1 unites, 2 subtracts; a missing key is empty.
        fn combine(model: &Model, o: u8, ks: &[u8]) -> Result<BTreeSet<u8>> {
            let sets = ks.iter().map(|&k| get(model, k)).collect::<Result<Vec<_>>>()?;
            let mut it = sets.into_iter();
            let first = it.next().unwrap_or_default();
            Ok(it.fold(first, |acc, s| match o {
                0 => acc.intersection(&s).copied().collect(),
                1 => acc.union(&s).copied().collect(),
                _ => acc.difference(&s).copied().collect(),
            }))
        }

        fn apply(sh: &mut Shard, model: &mut Model, op: Op) -> std::result::Result<(), TestCaseError> {
            match op {
                Op::Add(k, ms) => {
                    let got = sh.sadd(0, &name(k), &ms.iter().map(|&x| mem(x)).collect::<Vec<_>>());
                    let want = get(model, k).map(|mut s| {
                        let before = s.len();
                        s.extend(ms.iter().copied());
                        let n = s.len() - before;
                        put(model, k, s);
                        n
                    });
                    prop_assert_eq!(got, want);
                }
                Op::Rem(k, ms) => {
                    let got = sh.srem(0, &name(k), &ms.iter().map(|&x| mem(x)).collect::<Vec<_>>());
                    let want = match (model.contains_key(&k), get(model, k)) {
                        (false, _) => Ok(0),
                        (true, Err(e)) => Err(e),
                        (true, Ok(mut s)) => {
                            let n = ms.iter().filter(|x| s.remove(x)).count();
                            put(model, k, s);
                            Ok(n)
                        }
                    };
                    prop_assert_eq!(got, want);
                }
                Op::Move(a, b, x) => {
                    let got = sh.smove(0, &name(a), &name(b), &[b'm', b'0' + x]);
                    let want = if !model.contains_key(&a) {
                        Ok(false)
                    } else {
                        match (get(model, a), get(model, b)) {
                            (Ok(s), Ok(_)) if a == b => Ok(s.contains(&x)),
                            (Ok(mut s), Ok(mut d)) => {
                                let moved = s.remove(&x);
                                if moved {
                                    d.insert(x);
                                    put(model, a, s);
                                    put(model, b, d);
                                }
                                Ok(moved)
                            }
                            _ => Err(Error::WrongType),
                        }
                    };
                    prop_assert_eq!(got, want);
                }
                Op::Store(o, d, ks) => {
                    let keys: Vec<Vec<u8>> = ks.iter().map(|&k| name(k)).collect();
                    let got = match o {
                        0 => sh.sinterstore(0, &name(d), &keys),
                        1 => sh.sunionstore(0, &name(d), &keys),
                        2 => sh.sdiffstore(0, &name(d), &keys),
                        // The multi-shard path: gather copies, combine, store.
                        _ => keys
                            .iter()
                            .map(|k| sh.scopy(0, k))
                            .collect::<Result<Vec<_>>>()
                            .map(|copies| {
                                let sets: Vec<&Set> =
                                    copies.iter().map(|c| c.as_ref().unwrap_or(Set::empty())).collect();
                                Set::union(&sets)
                            })
                            .and_then(|set| sh.sstore(0, &name(d), set)),
                    };
                    let want = combine(model, if o == 3 { 1 } else { o }, &ks).map(|r| {
                        let n = r.len();
                        put(model, d, r);
                        n
                    });
                    prop_assert_eq!(got, want);
                }
                Op::Read(o, ks) => {
                    let keys: Vec<Vec<u8>> = ks.iter().map(|&k| name(k)).collect();
                    let got = match o {
                        0 => sh.sinter(0, &keys).map(sorted),
                        1 => sh.sunion(0, &keys).map(sorted),
                        2 => sh.sdiff(0, &keys).map(sorted),
                        _ => sh.sintercard(0, &keys, 2).map(|n| vec![Bytes::from(n.to_string())]),
                    };
                    let want = combine(model, o % 3, &ks).map(|r| {
                        if o == 3 {
                            vec![Bytes::from(r.len().min(2).to_string())]
                        } else {
                            r.into_iter().map(mem).collect()
                        }
                    });
                    prop_assert_eq!(got, want);
                }
                Op::Pop(k) => {
                    let got = sh.spop(0, &name(k));
                    match get(model, k) {
                        Err(e) => prop_assert_eq!(got, Err(e)),
                        Ok(mut s) => match got {
                            Ok(None) => prop_assert!(s.is_empty()),
                            Ok(Some(p)) => {
                                prop_assert!(s.remove(&(p[1] - b'0')), "popped {:?} not in the set", p);
                                put(model, k, s);
                            }
                            Err(e) => prop_assert!(false, "unexpected error {}", e),
                        },
                    }
                }
            }
            Ok(())
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]
            #[test]
            fn sets_and_a_string(ops in proptest::collection::vec(op(), 1..40)) {
                let mut sh = shard();
                // Key 3 starts as a string until a STORE replaces it.
                with_string(&mut sh, &name(3));
                let mut model = Model::new();
                model.insert(3, None);
                for op in ops {
                    apply(&mut sh, &mut model, op)?;
                    for k in 0..4u8 {
                        let want = model.get(&k).map(|v| if v.is_some() { Kind::Set } else { Kind::String });
                        prop_assert_eq!(sh.kind_of(0, &name(k)), want);
                        if let Some(Some(s)) = model.get(&k) {
                            let got = sorted(sh.smembers(0, &name(k)).unwrap());
                            prop_assert_eq!(got, s.iter().map(|&x| mem(x)).collect::<Vec<_>>());
                        }
                    }
                }
            }
        }
    }

    /// The mutation stream's commands for set writes: each replays to the
    /// same keyspace, and a change to a set is a command of its own size.
    mod deltas {
        use super::*;
        use crate::propagate::tests::{log_bytes, round_trip, text};

        #[test]
        fn sadd_and_srem_name_only_what_they_changed() {
            let log = round_trip(|s, _| {
                s.sadd(0, b"s", &bs(&["a", "b", "c"])).unwrap();
                assert_eq!(s.sadd(0, b"s", &bs(&["a", "d", "d", "e"])).unwrap(), 2);
                assert_eq!(s.sadd(0, b"s", &bs(&["a"])).unwrap(), 0);
                assert_eq!(s.srem(0, b"s", &bs(&["zz", "b", "b", "c"])).unwrap(), 2);
                assert_eq!(s.srem(0, b"s", &bs(&["zz"])).unwrap(), 0);
                assert!(s.sinsert(0, b"s", b("f")).unwrap());
                assert!(!s.sinsert(0, b"s", b("f")).unwrap());
                s.srem(0, b"s", &bs(&["a", "d", "e", "f"])).unwrap();
            });
            assert_eq!(text(&log[2..]), ["SADD s d e", "SREM s b c", "SADD s f", "DEL s"]);
        }

        #[test]
        fn spop_removes_what_it_popped() {
            let log = round_trip(|s, _| {
                s.sadd(0, b"s", &bs(&["a", "b", "c", "d", "e", "f", "g"])).unwrap();
                let one = s.spop(0, b"s").unwrap().unwrap();
                let two = s.spop_count(0, b"s", 2).unwrap();
                assert_eq!(two.len(), 2);
                assert!(s.spop_count(0, b"s", 0).unwrap().is_empty());
                // More than the set holds: all of it, and the key is gone.
                assert_eq!(s.spop_count(0, b"s", 100).unwrap().len(), 4);
                assert!(!two.contains(&one));
            });
            let text = text(&log);
            assert_eq!(text.len(), 5, "{text:?}");
            assert!(text[2].starts_with("SREM s ") && text[2].split(' ').count() == 3, "{text:?}");
            assert!(text[3].starts_with("SREM s ") && text[3].split(' ').count() == 4, "{text:?}");
            assert_eq!(text[4], "DEL s");
        }

        #[test]
        fn smove_removes_from_the_source_and_adds_at_the_destination() {
            let log = round_trip(|s, _| {
                s.sadd(0, b"src", &bs(&["a", "b", "c"])).unwrap();
                s.sadd(0, b"dst", &bs(&["b"])).unwrap();
                assert!(s.smove(0, b"src", b"dst", b"a").unwrap());
                // Already at the destination: only the source changes.
                assert!(s.smove(0, b"src", b"dst", b"b").unwrap());
                assert!(!s.smove(0, b"src", b"dst", b"zz").unwrap());
                assert!(s.smove(0, b"src", b"src", b"c").unwrap());
                // The last member: the source is deleted, a new key written whole.
                assert!(s.smove(0, b"src", b"new", b"c").unwrap());
            });
            assert_eq!(text(&log[4..]), ["SREM src a", "SADD dst a", "SREM src b", "DEL src", "DEL new", "SADD new c"]);
        }

        #[test]
        fn store_commands_write_the_whole_result_and_a_ttl_is_kept() {
            round_trip(|s, clock| {
                s.sadd(0, b"s", &bs(&["a", "b", "c", "d"])).unwrap();
                s.sadd(0, b"t", &bs(&["c", "d", "e"])).unwrap();
                s.pexpire(0, b"s", 1_000, Default::default()).unwrap();
                clock.advance(10);
                s.sadd(0, b"s", &bs(&["x"])).unwrap();
                s.srem(0, b"s", &bs(&["a"])).unwrap();
                s.spop(0, b"s").unwrap();
                s.spop_count(0, b"s", 1).unwrap();
                s.smove(0, b"t", b"s", b"e").unwrap();
                let slot = s.lookup(0, b"s").unwrap();
                assert!(s.expire_of(slot).is_some());
                s.sinterstore(0, b"i", &[&b"s"[..], b"t"]).unwrap();
                s.sunionstore(0, b"t", &[&b"s"[..], b"t"]).unwrap();
                s.sdiffstore(0, b"s", &[&b"t"[..], b"i"]).unwrap();
            });
        }

        #[test]
        fn a_change_to_a_large_set_is_a_small_command() {
            let log = round_trip(|s, _| {
                let all: Vec<Bytes> = (0..100_000).map(|i| b(&format!("member-{i}"))).collect();
                s.sadd(0, b"s", &all).unwrap();
                s.sadd(0, b"s", &bs(&["member-1", "one more"])).unwrap();
                s.srem(0, b"s", &bs(&["member-2", "absent"])).unwrap();
                s.spop(0, b"s").unwrap();
                s.smove(0, b"s", b"s", b"member-3").unwrap();
                s.sinsert(0, b"s", b("member-2")).unwrap();
            });
            let (whole, deltas) = log.split_at(log.len() - 4);
            assert!(log_bytes(whole) > 1_000_000);
            assert_eq!(text(&deltas[..2]), ["SADD s one more", "SREM s member-2"]);
            assert_eq!(text(&deltas[3..]), ["SADD s member-2"]);
            for entry in deltas {
                assert!(log_bytes(std::slice::from_ref(entry)) < 100);
            }
        }
    }
}
