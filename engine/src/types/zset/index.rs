//! The sorted-set structure: a member → node hash index plus an
//! order-statistic skiplist over (score, member), as Redis builds it, with
//! nodes kept in a `Vec` arena and linked by index instead of by pointer.
//!
//! Every link carries a span (how many level-0 steps it covers), so rank and
//! "n-th element" queries cost O(log n). A node keeps its arena slot for as
//! long as its member is in the set, even when its score changes; ZSCAN walks
//! the arena by slot, which is what lets it promise to return every member
//! present for the whole scan.

use std::cmp::Ordering;
use std::collections::BTreeSet;
use std::fmt;

use bytes::Bytes;
use hashbrown::HashTable;

use super::bounds::{LexBound, ScoreBound};

/// Levels a node may have (Redis's `ZSKIPLIST_MAXLEVEL`).
const MAX_LEVEL: usize = 32;
/// Arena slot of the header node. No link ever points at the header, so the
/// same value doubles as the null link.
const HEAD: u32 = 0;
const NIL: u32 = 0;

/// A link above level 0: the next node on this level and how many level-0
/// steps that jump covers. For a link to `NIL` the span counts the nodes after
/// the owner, which keeps the insert/delete arithmetic uniform.
#[derive(Clone, Copy, Debug, Default)]
struct Level {
    forward: u32,
    span: u32,
}

#[derive(Clone, Debug)]
struct Node {
    member: Bytes,
    /// NaN marks a free arena slot (a stored score is never NaN).
    score: f64,
    /// Previous node on level 0, `NIL` for the first node.
    backward: u32,
    /// Next node on level 0 (whose span is always 1).
    next: u32,
    /// Levels 1 and up; three nodes in four have none, so no allocation.
    upper: Box<[Level]>,
}

impl Node {
    fn free() -> Node {
        Node { member: Bytes::new(), score: f64::NAN, backward: NIL, next: NIL, upper: Box::default() }
    }

    #[inline]
    fn is_free(&self) -> bool {
        self.score.is_nan()
    }

    #[inline]
    fn levels(&self) -> usize {
        self.upper.len() + 1
    }
}

/// Heap bytes a node owns outside the arena: its member and upper levels.
#[inline]
fn owned_bytes(member: &Bytes, levels: usize) -> usize {
    member.len() + (levels - 1) * std::mem::size_of::<Level>()
}

/// Total order of (score, member) pairs: by score, ties by member bytes.
#[inline]
pub(super) fn cmp_entry(sa: f64, ma: &[u8], sb: f64, mb: &[u8]) -> Ordering {
    match sa.partial_cmp(&sb) {
        Some(Ordering::Equal) | None => ma.cmp(mb),
        Some(o) => o,
    }
}

/// A set of unique binary strings ordered by (score, member).
///
/// Scores are `f64` and may be infinite but are never NaN; members with equal
/// scores are ordered by their bytes. Lookups by member are O(1), and rank,
/// n-th element and range-boundary queries are O(log n).
pub struct ZSet {
    /// Slot 0 is the header, whose `upper` has `MAX_LEVEL - 1` levels.
    nodes: Vec<Node>,
    /// Free arena slots, reused lowest first so the arena stays dense.
    free: BTreeSet<u32>,
    /// Arena slots of the members, hashed by member bytes.
    table: HashTable<u32>,
    hasher: ahash::RandomState,
    tail: u32,
    level: usize,
    len: usize,
    /// Member bytes plus per-node level arrays.
    bytes: usize,
    rng: u64,
}

impl Default for ZSet {
    fn default() -> Self {
        ZSet::new()
    }
}

impl Clone for ZSet {
    fn clone(&self) -> Self {
        ZSet {
            nodes: self.nodes.clone(),
            free: self.free.clone(),
            table: self.table.clone(),
            hasher: self.hasher.clone(),
            tail: self.tail,
            level: self.level,
            len: self.len,
            bytes: self.bytes,
            rng: self.rng,
        }
    }
}

impl PartialEq for ZSet {
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && self.iter().eq(other.iter())
    }
}

impl fmt::Debug for ZSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl FromIterator<(Bytes, f64)> for ZSet {
    /// Builds a set from (member, score) pairs; a repeated member keeps its
    /// last score.
    fn from_iter<I: IntoIterator<Item = (Bytes, f64)>>(iter: I) -> Self {
        let mut z = ZSet::new();
        z.extend(iter);
        z
    }
}

impl Extend<(Bytes, f64)> for ZSet {
    fn extend<I: IntoIterator<Item = (Bytes, f64)>>(&mut self, iter: I) {
        for (member, score) in iter {
            self.insert(member, score);
        }
    }
}

impl ZSet {
    /// An empty sorted set.
    pub fn new() -> Self {
        let header = Node {
            member: Bytes::new(),
            score: f64::NEG_INFINITY,
            backward: NIL,
            next: NIL,
            upper: vec![Level::default(); MAX_LEVEL - 1].into_boxed_slice(),
        };
        ZSet {
            nodes: vec![header],
            free: BTreeSet::new(),
            table: HashTable::new(),
            hasher: ahash::RandomState::new(),
            tail: NIL,
            level: 1,
            len: 0,
            bytes: 0,
            rng: 0x9e37_79b9_7f4a_7c15,
        }
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when there are no members.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Approximate heap bytes.
    pub fn mem_usage(&self) -> usize {
        self.bytes
            + self.nodes.capacity() * std::mem::size_of::<Node>()
            + self.table.capacity() * (std::mem::size_of::<u32>() + 1)
            + self.free.len() * 2 * std::mem::size_of::<u32>()
            + (MAX_LEVEL - 1) * std::mem::size_of::<Level>()
    }

    /// Members with their scores in ascending (score, member) order; the
    /// iterator is double-ended, so `.rev()` gives descending order.
    pub fn iter(&self) -> ZSetIter<'_> {
        ZSetIter { set: self, front: self.nodes[HEAD as usize].next, back: self.tail, remaining: self.len }
    }

    /// Members at ranks `start..end` (0-based, ascending; clamped to the set).
    pub fn range_iter(&self, start: usize, end: usize) -> ZSetIter<'_> {
        let end = end.min(self.len);
        if start >= end {
            return ZSetIter { set: self, front: NIL, back: NIL, remaining: 0 };
        }
        let front = self.node_by_rank(start + 1);
        let back = if end - start == 1 { front } else { self.node_by_rank(end) };
        ZSetIter { set: self, front, back, remaining: end - start }
    }

    /// The score of `member`, if present.
    pub fn score(&self, member: &[u8]) -> Option<f64> {
        self.find(member).map(|n| self.nodes[n as usize].score)
    }

    /// True when `member` is present.
    pub fn contains(&self, member: &[u8]) -> bool {
        self.find(member).is_some()
    }

    /// The 0-based ascending rank of `member`, if present.
    pub fn rank(&self, member: &[u8]) -> Option<usize> {
        self.find(member).map(|n| self.rank_of(n) - 1)
    }

    /// The member at 0-based ascending `rank`, with its score.
    pub fn get_by_rank(&self, rank: usize) -> Option<(&Bytes, f64)> {
        if rank >= self.len {
            return None;
        }
        let n = &self.nodes[self.node_by_rank(rank + 1) as usize];
        Some((&n.member, n.score))
    }

    /// Adds `member` or changes its score; returns the previous score. A NaN
    /// score is stored as 0, the convention Redis uses for NaN results.
    pub fn insert(&mut self, member: Bytes, score: f64) -> Option<f64> {
        let score = if score.is_nan() { 0.0 } else { score };
        match self.find(&member) {
            Some(n) => {
                let old = self.nodes[n as usize].score;
                self.set_score(n, score);
                Some(old)
            }
            None => {
                self.insert_new(member, score);
                None
            }
        }
    }

    /// Removes `member`; returns its score if it was present.
    pub fn remove(&mut self, member: &[u8]) -> Option<f64> {
        let n = self.find(member)?;
        Some(self.remove_node(n).1)
    }

    /// Half-open rank interval `lo..hi` of the members whose scores lie
    /// within `min..max` (empty when `hi <= lo`).
    pub fn score_range_ranks(&self, min: &ScoreBound, max: &ScoreBound) -> (usize, usize) {
        let lo = self.seek(|s, _| !min.gte_min(s)).1;
        let hi = self.seek(|s, _| max.lte_max(s)).1;
        (lo, hi.max(lo))
    }

    /// Half-open rank interval `lo..hi` of the members within the lexical
    /// range `min..max`. Meaningful when all scores are equal, as in Redis.
    pub fn lex_range_ranks(&self, min: &LexBound, max: &LexBound) -> (usize, usize) {
        let lo = self.seek(|_, m| !min.gte_min(m)).1;
        let hi = self.seek(|_, m| max.lte_max(m)).1;
        (lo, hi.max(lo))
    }

    /// Removes the members at ranks `start..end` (0-based, clamped), calling
    /// `f` with each removed member and score in ascending order; returns how
    /// many were removed.
    pub fn remove_range_with(&mut self, start: usize, end: usize, mut f: impl FnMut(Bytes, f64)) -> usize {
        let end = end.min(self.len);
        if start >= end {
            return 0;
        }
        // Predecessors of rank `start` on every level stay the predecessors
        // while the following nodes are deleted one by one.
        let mut update = [HEAD; MAX_LEVEL];
        let mut traversed = 0usize;
        let mut cur = HEAD;
        for i in (0..self.level).rev() {
            loop {
                let f = self.fwd(cur, i);
                let span = self.span(cur, i) as usize;
                if f != NIL && traversed + span <= start {
                    traversed += span;
                    cur = f;
                } else {
                    break;
                }
            }
            update[i] = cur;
        }
        let mut x = self.fwd(cur, 0);
        let mut removed = 0;
        while x != NIL && removed < end - start {
            let next = self.nodes[x as usize].next;
            self.unlink_with(x, &update);
            let (member, score) = self.release(x);
            f(member, score);
            removed += 1;
            x = next;
        }
        removed
    }

    /// Removes the members at ranks `start..end` (0-based, clamped); returns
    /// how many were removed.
    pub fn remove_range(&mut self, start: usize, end: usize) -> usize {
        self.remove_range_with(start, end, |_, _| {})
    }

    /// Visits members by arena slot from `cursor` (0 starts a scan), calling
    /// `f` for up to about `count` of them; returns the cursor to continue
    /// with, 0 when the scan is complete. A member present for the whole scan
    /// is visited exactly once; score changes do not move members.
    pub fn scan(&self, cursor: u64, count: usize, mut f: impl FnMut(&Bytes, f64)) -> u64 {
        let count = count.max(1);
        let end = self.nodes.len();
        let mut pos = usize::try_from(cursor).unwrap_or(usize::MAX).max(1);
        // Bound the work spent stepping over free slots, as Redis bounds its
        // walk over empty buckets.
        let budget = count.saturating_mul(10);
        let (mut seen, mut visited) = (0, 0);
        while pos < end && seen < count && visited < budget {
            let n = &self.nodes[pos];
            if !n.is_free() {
                f(&n.member, n.score);
                seen += 1;
            }
            pos += 1;
            visited += 1;
        }
        if pos >= end {
            0
        } else {
            pos as u64
        }
    }

    // ----- crate-internal node API (used by the commands) -------------------

    /// Arena slot of `member`.
    #[inline]
    pub(super) fn find(&self, member: &[u8]) -> Option<u32> {
        let hash = self.hasher.hash_one(member);
        let nodes = &self.nodes;
        self.table.find(hash, |&n| nodes[n as usize].member.as_ref() == member).copied()
    }

    /// Score of the member in slot `n`.
    #[inline]
    pub(super) fn score_at(&self, n: u32) -> f64 {
        self.nodes[n as usize].score
    }

    /// Adds a member known to be absent.
    pub(super) fn insert_new(&mut self, member: Bytes, score: f64) -> u32 {
        let levels = self.random_level();
        let hash = self.hasher.hash_one(member.as_ref());
        self.bytes += owned_bytes(&member, levels);
        let node = Node {
            member,
            score,
            backward: NIL,
            next: NIL,
            upper: vec![Level::default(); levels - 1].into_boxed_slice(),
        };
        let n = match self.free.pop_first() {
            Some(slot) => {
                self.nodes[slot as usize] = node;
                slot
            }
            None => {
                // Arena slots are u32; 2^32 members would need hundreds of GB.
                let slot = u32::try_from(self.nodes.len()).unwrap_or(u32::MAX);
                self.nodes.push(node);
                slot
            }
        };
        let nodes = &self.nodes;
        let hasher = &self.hasher;
        self.table.insert_unique(hash, n, |&k| hasher.hash_one(nodes[k as usize].member.as_ref()));
        self.link(n);
        n
    }

    /// Changes the score of the member in slot `n`, keeping its slot.
    pub(super) fn set_score(&mut self, n: u32, score: f64) {
        let node = &self.nodes[n as usize];
        if node.score == score {
            // Equal (possibly -0 against 0): the position cannot change.
            self.nodes[n as usize].score = score;
            return;
        }
        // Stays in place when it still sorts between its neighbours.
        let member = &node.member;
        let after_prev = node.backward == NIL || {
            let p = &self.nodes[node.backward as usize];
            cmp_entry(p.score, &p.member, score, member) == Ordering::Less
        };
        let before_next = node.next == NIL || {
            let q = &self.nodes[node.next as usize];
            cmp_entry(score, member, q.score, &q.member) == Ordering::Less
        };
        if after_prev && before_next {
            self.nodes[n as usize].score = score;
            return;
        }
        self.unlink(n);
        self.nodes[n as usize].score = score;
        self.link(n);
    }

    /// Removes the member in slot `n`, returning it and its score.
    pub(super) fn remove_node(&mut self, n: u32) -> (Bytes, f64) {
        self.unlink(n);
        self.release(n)
    }

    /// Sets every zero score to +0, as Redis's compact encoding stores them.
    pub(super) fn normalize_zeros(&mut self) {
        for node in self.nodes.iter_mut().skip(1) {
            if node.score == 0.0 {
                node.score = 0.0;
            }
        }
    }

    // ----- skiplist internals ----------------------------------------------

    #[inline]
    fn fwd(&self, n: u32, i: usize) -> u32 {
        let node = &self.nodes[n as usize];
        if i == 0 {
            node.next
        } else {
            node.upper[i - 1].forward
        }
    }

    #[inline]
    fn span(&self, n: u32, i: usize) -> u32 {
        if i == 0 {
            1
        } else {
            self.nodes[n as usize].upper[i - 1].span
        }
    }

    #[inline]
    fn set_fwd(&mut self, n: u32, i: usize, to: u32) {
        let node = &mut self.nodes[n as usize];
        if i == 0 {
            node.next = to;
        } else {
            node.upper[i - 1].forward = to;
        }
    }

    #[inline]
    fn set_span(&mut self, n: u32, i: usize, span: u32) {
        if i > 0 {
            self.nodes[n as usize].upper[i - 1].span = span;
        }
    }

    /// True when node `a` sorts before node `b`.
    #[inline]
    fn less(&self, a: u32, b: u32) -> bool {
        let (x, y) = (&self.nodes[a as usize], &self.nodes[b as usize]);
        cmp_entry(x.score, &x.member, y.score, &y.member) == Ordering::Less
    }

    fn random_level(&mut self) -> usize {
        // xorshift64*; each extra level has probability 1/4 as in Redis.
        let mut x = self.rng;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng = x;
        let r = x.wrapping_mul(0x2545_f491_4f6c_dd1d);
        (1 + r.trailing_zeros() as usize / 2).min(MAX_LEVEL)
    }

    /// Links the node in slot `n` (score and member set, levels allocated)
    /// into the skiplist at its sorted position.
    fn link(&mut self, n: u32) {
        let mut update = [HEAD; MAX_LEVEL];
        let mut rank = [0u32; MAX_LEVEL];
        let mut cur = HEAD;
        for i in (0..self.level).rev() {
            rank[i] = if i == self.level - 1 { 0 } else { rank[i + 1] };
            loop {
                let f = self.fwd(cur, i);
                if f != NIL && self.less(f, n) {
                    rank[i] += self.span(cur, i);
                    cur = f;
                } else {
                    break;
                }
            }
            update[i] = cur;
        }
        let levels = self.nodes[n as usize].levels();
        if levels > self.level {
            let len = self.len as u32;
            for i in self.level..levels {
                rank[i] = 0;
                update[i] = HEAD;
                self.set_span(HEAD, i, len);
            }
            self.level = levels;
        }
        for i in 0..levels {
            let u = update[i];
            let f = self.fwd(u, i);
            self.set_fwd(n, i, f);
            self.set_fwd(u, i, n);
            if i > 0 {
                let before = rank[0] - rank[i];
                let uspan = self.span(u, i);
                self.set_span(n, i, uspan - before);
                self.set_span(u, i, before + 1);
            }
        }
        for (i, &u) in update.iter().enumerate().take(self.level).skip(levels) {
            let s = self.span(u, i);
            self.set_span(u, i, s + 1);
        }
        let prev = update[0];
        let next = self.nodes[n as usize].next;
        self.nodes[n as usize].backward = if prev == HEAD { NIL } else { prev };
        if next != NIL {
            self.nodes[next as usize].backward = n;
        } else {
            self.tail = n;
        }
        self.len += 1;
    }

    /// Unlinks the node in slot `n` from the skiplist (it stays allocated).
    fn unlink(&mut self, n: u32) {
        let mut update = [HEAD; MAX_LEVEL];
        let mut cur = HEAD;
        for i in (0..self.level).rev() {
            loop {
                let f = self.fwd(cur, i);
                if f != NIL && self.less(f, n) {
                    cur = f;
                } else {
                    break;
                }
            }
            update[i] = cur;
        }
        self.unlink_with(n, &update);
    }

    /// Unlinks `n` given its predecessor on every level.
    fn unlink_with(&mut self, n: u32, update: &[u32; MAX_LEVEL]) {
        for (i, &u) in update.iter().enumerate().take(self.level) {
            if self.fwd(u, i) == n {
                let (us, ns) = (self.span(u, i), self.span(n, i));
                self.set_span(u, i, us + ns - 1);
                let f = self.fwd(n, i);
                self.set_fwd(u, i, f);
            } else {
                let us = self.span(u, i);
                self.set_span(u, i, us - 1);
            }
        }
        let (prev, next) = (self.nodes[n as usize].backward, self.nodes[n as usize].next);
        if next != NIL {
            self.nodes[next as usize].backward = prev;
        } else {
            self.tail = prev;
        }
        while self.level > 1 && self.fwd(HEAD, self.level - 1) == NIL {
            self.level -= 1;
        }
        self.len -= 1;
    }

    /// Frees the (already unlinked) slot `n`: drops it from the hash index
    /// and the arena, returning its member and score.
    fn release(&mut self, n: u32) -> (Bytes, f64) {
        let node = std::mem::replace(&mut self.nodes[n as usize], Node::free());
        let hash = self.hasher.hash_one(node.member.as_ref());
        if let Ok(entry) = self.table.find_entry(hash, |&k| k == n) {
            entry.remove();
        }
        self.bytes = self.bytes.saturating_sub(owned_bytes(&node.member, node.levels()));
        if n as usize + 1 == self.nodes.len() {
            // Trailing free slots are dropped; no live member moves.
            self.nodes.pop();
            while self.nodes.len() > 1 && self.nodes.last().is_some_and(Node::is_free) {
                self.nodes.pop();
            }
            let _ = self.free.split_off(&(self.nodes.len() as u32));
            if self.nodes.len() * 4 < self.nodes.capacity() && self.nodes.capacity() > 16 {
                self.nodes.shrink_to(self.nodes.len() * 2);
            }
        } else {
            self.free.insert(n);
        }
        if self.table.len() * 4 < self.table.capacity() && self.table.capacity() > 16 {
            let nodes = &self.nodes;
            let hasher = &self.hasher;
            self.table.shrink_to(self.table.len() * 2, |&k| hasher.hash_one(nodes[k as usize].member.as_ref()));
        }
        (node.member, node.score)
    }

    /// 1-based rank of the node in slot `n`.
    fn rank_of(&self, n: u32) -> usize {
        let mut rank = 0usize;
        let mut cur = HEAD;
        for i in (0..self.level).rev() {
            loop {
                let f = self.fwd(cur, i);
                if f != NIL && !self.less(n, f) {
                    rank += self.span(cur, i) as usize;
                    cur = f;
                } else {
                    break;
                }
            }
            if cur == n {
                return rank;
            }
        }
        rank
    }

    /// Slot of the node at 1-based `rank` (`NIL` when out of range).
    fn node_by_rank(&self, rank: usize) -> u32 {
        let mut traversed = 0usize;
        let mut cur = HEAD;
        for i in (0..self.level).rev() {
            loop {
                let f = self.fwd(cur, i);
                let span = self.span(cur, i) as usize;
                if f != NIL && traversed + span <= rank {
                    traversed += span;
                    cur = f;
                } else {
                    break;
                }
            }
            if traversed == rank {
                return cur;
            }
        }
        NIL
    }

    /// Walks forward while `before(score, member)` holds for the next node;
    /// returns the last node it held for and that node's 1-based rank (the
    /// header and 0 when it holds for none). For a predicate that is true on
    /// a prefix of the order, the rank is the length of that prefix.
    fn seek(&self, before: impl Fn(f64, &[u8]) -> bool) -> (u32, usize) {
        let mut rank = 0usize;
        let mut cur = HEAD;
        for i in (0..self.level).rev() {
            loop {
                let f = self.fwd(cur, i);
                if f == NIL {
                    break;
                }
                let node = &self.nodes[f as usize];
                if !before(node.score, &node.member) {
                    break;
                }
                rank += self.span(cur, i) as usize;
                cur = f;
            }
        }
        (cur, rank)
    }

    /// Checks the structural invariants (tests only).
    #[cfg(test)]
    pub(super) fn check_invariants(&self) {
        // Level 0 order, backward links, tail and length.
        let mut count = 0;
        let mut prev = NIL;
        let mut cur = self.fwd(HEAD, 0);
        while cur != NIL {
            let node = &self.nodes[cur as usize];
            assert!(!node.is_free());
            assert_eq!(node.backward, prev);
            if prev != NIL {
                assert!(self.less(prev, cur), "order broken");
            }
            assert_eq!(self.find(&node.member), Some(cur));
            count += 1;
            prev = cur;
            cur = node.next;
        }
        assert_eq!(self.tail, prev);
        assert_eq!(count, self.len);
        assert_eq!(self.table.len(), self.len);
        // Spans on every level match level-0 distances.
        let mut rank_of = std::collections::HashMap::new();
        let mut cur = self.fwd(HEAD, 0);
        let mut r = 1usize;
        while cur != NIL {
            rank_of.insert(cur, r);
            r += 1;
            cur = self.nodes[cur as usize].next;
        }
        rank_of.insert(HEAD, 0);
        for i in 1..self.level {
            let mut cur = HEAD;
            loop {
                let f = self.fwd(cur, i);
                let span = self.span(cur, i) as usize;
                if f == NIL {
                    assert_eq!(span, self.len - rank_of[&cur], "nil span on level {i}");
                    break;
                }
                assert_eq!(span, rank_of[&f] - rank_of[&cur], "span on level {i}");
                cur = f;
            }
        }
        let live = self.nodes.iter().skip(1).filter(|n| !n.is_free()).count();
        assert_eq!(live, self.len);
        assert_eq!(self.free.len() + live + 1, self.nodes.len());
        let expected: usize =
            self.nodes.iter().skip(1).filter(|n| !n.is_free()).map(|n| owned_bytes(&n.member, n.levels())).sum();
        assert_eq!(self.bytes, expected);
    }
}

/// Iterator over a [`ZSet`]'s members and scores in order.
pub struct ZSetIter<'a> {
    set: &'a ZSet,
    front: u32,
    back: u32,
    remaining: usize,
}

impl<'a> Iterator for ZSetIter<'a> {
    type Item = (&'a Bytes, f64);

    fn next(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        let node = &self.set.nodes[self.front as usize];
        self.front = node.next;
        self.remaining -= 1;
        Some((&node.member, node.score))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl DoubleEndedIterator for ZSetIter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        let node = &self.set.nodes[self.back as usize];
        self.back = node.backward;
        self.remaining -= 1;
        Some((&node.member, node.score))
    }
}

impl ExactSizeIterator for ZSetIter<'_> {}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::SmallRng;
    use rand::{Rng, SeedableRng};

    fn b(s: &str) -> Bytes {
        Bytes::copy_from_slice(s.as_bytes())
    }

    /// The reference: (score, member) pairs kept sorted.
    fn sorted(model: &[(f64, Bytes)]) -> Vec<(f64, Bytes)> {
        let mut v = model.to_vec();
        v.sort_by(|x, y| cmp_entry(x.0, &x.1, y.0, &y.1));
        v
    }

    fn contents(z: &ZSet) -> Vec<(f64, Bytes)> {
        z.iter().map(|(m, s)| (s, m.clone())).collect()
    }

    #[test]
    fn empty_set() {
        let z = ZSet::new();
        assert!(z.is_empty());
        assert_eq!(z.len(), 0);
        assert_eq!(z.iter().next(), None);
        assert_eq!(z.iter().next_back(), None);
        assert_eq!(z.get_by_rank(0), None);
        assert_eq!(z.rank(b"a"), None);
        assert_eq!(
            z.score_range_ranks(&ScoreBound::inclusive(f64::NEG_INFINITY), &ScoreBound::inclusive(f64::INFINITY)),
            (0, 0)
        );
        assert_eq!(z.scan(0, 10, |_, _| panic!("nothing to visit")), 0);
        z.check_invariants();
        assert_eq!(ZSet::new(), ZSet::default());
    }

    #[test]
    fn ties_order_by_member_bytes() {
        let mut z = ZSet::new();
        for (m, s) in [
            ("b", 1.0),
            ("a", 1.0),
            ("", 1.0),
            ("\u{ff}", 0.0),
            ("ab", 1.0),
            ("c", f64::NEG_INFINITY),
            ("d", f64::INFINITY),
        ] {
            z.insert(b(m), s);
        }
        let order: Vec<&[u8]> = z.iter().map(|(m, _)| m.as_ref()).collect();
        assert_eq!(order, vec![&b"c"[..], "\u{ff}".as_bytes(), b"", b"a", b"ab", b"b", b"d"]);
        z.check_invariants();
    }

    #[test]
    fn insert_update_remove() {
        let mut z = ZSet::new();
        assert_eq!(z.insert(b("a"), 1.0), None);
        assert_eq!(z.insert(b("b"), 2.0), None);
        assert_eq!(z.insert(b("a"), 3.0), Some(1.0));
        assert_eq!(z.rank(b"a"), Some(1));
        assert_eq!(z.score(b"a"), Some(3.0));
        assert_eq!(z.insert(b("c"), f64::NAN), None);
        assert_eq!(z.score(b"c"), Some(0.0), "NaN is stored as 0");
        assert_eq!(z.remove(b"a"), Some(3.0));
        assert_eq!(z.remove(b"a"), None);
        assert_eq!(contents(&z), vec![(0.0, b("c")), (2.0, b("b"))]);
        z.check_invariants();
        let clone = z.clone();
        assert_eq!(clone, z);
        assert_eq!(format!("{z:?}"), r#"{b"c": 0.0, b"b": 2.0}"#);
        let collected: ZSet = vec![(b("x"), 1.0), (b("x"), 2.0)].into_iter().collect();
        assert_eq!(contents(&collected), vec![(2.0, b("x"))]);
    }

    #[test]
    fn score_change_keeps_the_arena_slot() {
        let mut z = ZSet::new();
        for i in 0..50 {
            z.insert(Bytes::from(format!("m{i}")), i as f64);
        }
        let slot = z.find(b"m7");
        z.insert(b("m7"), 1000.0);
        z.insert(b("m7"), -5.0);
        assert_eq!(z.find(b"m7"), slot);
        assert_eq!(z.rank(b"m7"), Some(0));
        z.check_invariants();
    }

    #[test]
    fn random_operations_match_a_sorted_vec() {
        let mut rng = SmallRng::seed_from_u64(7);
        for round in 0..20 {
            let mut z = ZSet::new();
            let mut model: Vec<(f64, Bytes)> = Vec::new();
            let keyspace = if round % 2 == 0 { 40 } else { 400 };
            for step in 0..1500 {
                let member = Bytes::from(format!("k{}", rng.gen_range(0..keyspace)));
                // Few distinct scores so ties (ordered by member) are common.
                let score = match rng.gen_range(0..10) {
                    0 => f64::INFINITY,
                    1 => f64::NEG_INFINITY,
                    _ => rng.gen_range(-20..20) as f64 / 4.0,
                };
                match rng.gen_range(0..10) {
                    0..=5 => {
                        let prev = model.iter().position(|(_, m)| *m == member);
                        let expected = prev.map(|i| model.remove(i).0);
                        model.push((score, member.clone()));
                        assert_eq!(z.insert(member, score), expected);
                    }
                    6..=7 => {
                        let prev = model.iter().position(|(_, m)| *m == member);
                        let expected = prev.map(|i| model.remove(i).0);
                        assert_eq!(z.remove(&member), expected);
                    }
                    _ => {
                        let s = sorted(&model);
                        let a = rng.gen_range(0..=s.len() + 2);
                        let c = rng.gen_range(0..=s.len() + 2);
                        let (lo, hi) = (a.min(c), a.max(c));
                        let mut removed = Vec::new();
                        let n = z.remove_range_with(lo, hi, |m, sc| removed.push((sc, m)));
                        let hi = hi.min(s.len());
                        let expected: Vec<(f64, Bytes)> = if lo < hi { s[lo..hi].to_vec() } else { Vec::new() };
                        assert_eq!(removed, expected);
                        assert_eq!(n, expected.len());
                        model.retain(|e| !expected.contains(e));
                    }
                }
                if step % 97 == 0 {
                    z.check_invariants();
                }
                let s = sorted(&model);
                assert_eq!(z.len(), s.len());
                if step % 13 == 0 {
                    assert_eq!(contents(&z), s);
                    let rev: Vec<(f64, Bytes)> = z.iter().rev().map(|(m, sc)| (sc, m.clone())).collect();
                    assert_eq!(rev, s.iter().rev().cloned().collect::<Vec<_>>());
                    for (i, (sc, m)) in s.iter().enumerate() {
                        assert_eq!(z.rank(m), Some(i));
                        assert_eq!(z.score(m), Some(*sc));
                        assert_eq!(z.get_by_rank(i), Some((m, *sc)));
                    }
                    assert_eq!(z.get_by_rank(s.len()), None);
                    // Rank windows, both directions.
                    let a = rng.gen_range(0..=s.len() + 1);
                    let c = rng.gen_range(0..=s.len() + 1);
                    let got: Vec<(f64, Bytes)> = z.range_iter(a, c).map(|(m, sc)| (sc, m.clone())).collect();
                    let want: Vec<(f64, Bytes)> =
                        if a < c.min(s.len()) { s[a..c.min(s.len())].to_vec() } else { Vec::new() };
                    assert_eq!(got, want);
                    let got_rev: Vec<(f64, Bytes)> = z.range_iter(a, c).rev().map(|(m, sc)| (sc, m.clone())).collect();
                    assert_eq!(got_rev, want.iter().rev().cloned().collect::<Vec<_>>());
                    // Score ranges.
                    let mk = |rng: &mut SmallRng| {
                        let v = match rng.gen_range(0..8) {
                            0 => f64::INFINITY,
                            1 => f64::NEG_INFINITY,
                            _ => rng.gen_range(-24..24) as f64 / 4.0,
                        };
                        ScoreBound { value: v, exclusive: rng.gen_bool(0.5) }
                    };
                    let (min, max) = (mk(&mut rng), mk(&mut rng));
                    let (lo, hi) = z.score_range_ranks(&min, &max);
                    let want: Vec<usize> =
                        (0..s.len()).filter(|&i| min.gte_min(s[i].0) && max.lte_max(s[i].0)).collect();
                    assert_eq!(hi - lo, want.len(), "{min:?} {max:?}");
                    if let (Some(first), Some(_)) = (want.first(), want.last()) {
                        assert_eq!(lo, *first);
                    }
                }
            }
            z.check_invariants();
        }
    }

    #[test]
    fn lex_ranges_on_equal_scores() {
        let mut z = ZSet::new();
        for m in ["a", "b", "c", "d", "e", "ee", "f"] {
            z.insert(b(m), 0.0);
        }
        let count = |min: LexBound, max: LexBound| {
            let (lo, hi) = z.lex_range_ranks(&min, &max);
            (lo, hi - lo)
        };
        assert_eq!(count(LexBound::NegInf, LexBound::PosInf), (0, 7));
        assert_eq!(count(LexBound::Inclusive(b("b")), LexBound::Exclusive(b("e"))), (1, 3));
        assert_eq!(count(LexBound::Exclusive(b("b")), LexBound::Inclusive(b("e"))), (2, 3));
        assert_eq!(count(LexBound::Inclusive(b("e")), LexBound::Inclusive(b("e"))), (4, 1));
        assert_eq!(count(LexBound::Exclusive(b("e")), LexBound::Exclusive(b("e"))).1, 0);
        assert_eq!(count(LexBound::PosInf, LexBound::PosInf).1, 0);
        assert_eq!(count(LexBound::NegInf, LexBound::NegInf).1, 0);
        assert_eq!(count(LexBound::Inclusive(b("z")), LexBound::Inclusive(b("a"))).1, 0);
    }

    #[test]
    fn scan_returns_every_member_present_throughout() {
        let mut rng = SmallRng::seed_from_u64(3);
        for _ in 0..30 {
            let mut z = ZSet::new();
            for i in 0..300 {
                z.insert(Bytes::from(format!("m{i}")), rng.gen_range(0..50) as f64);
            }
            // Members never touched by the churn below must all be seen.
            let stable: Vec<Bytes> = (0..300).step_by(3).map(|i| Bytes::from(format!("m{i}"))).collect();
            let mut seen = std::collections::HashMap::<Bytes, usize>::new();
            let mut cursor = 0;
            loop {
                cursor = z.scan(cursor, rng.gen_range(1..20), |m, _| *seen.entry(m.clone()).or_default() += 1);
                // Churn: re-score stable members, remove and add others.
                for _ in 0..10 {
                    let i = rng.gen_range(0..400);
                    let m = Bytes::from(format!("m{i}"));
                    if i % 3 == 0 && i < 300 {
                        z.insert(m, rng.gen_range(-100..100) as f64);
                    } else if rng.gen_bool(0.5) {
                        z.remove(&m);
                    } else {
                        z.insert(m, rng.gen_range(0..50) as f64);
                    }
                }
                if cursor == 0 {
                    break;
                }
            }
            for m in &stable {
                assert_eq!(seen.get(m), Some(&1), "{m:?} must be returned exactly once");
            }
            z.check_invariants();
        }
    }

    #[test]
    fn arena_shrinks_when_the_tail_empties() {
        let mut z = ZSet::new();
        for i in 0..1000 {
            z.insert(Bytes::from(format!("m{i:04}")), i as f64);
        }
        let full = z.mem_usage();
        assert_eq!(z.remove_range(0, 1000), 1000);
        assert!(z.is_empty());
        z.check_invariants();
        assert!(z.mem_usage() < full / 4, "{} vs {}", z.mem_usage(), full);
        // Freed slots are reused lowest first.
        let mut z = ZSet::new();
        for i in 0..10 {
            z.insert(Bytes::from(format!("m{i}")), i as f64);
        }
        z.remove(b"m2");
        z.remove(b"m5");
        z.insert(b("x"), 0.0);
        assert_eq!(z.find(b"x"), Some(3));
        z.check_invariants();
    }

    #[test]
    fn mem_usage_tracks_members() {
        let mut z = ZSet::new();
        let empty = z.mem_usage();
        z.insert(Bytes::from(vec![b'x'; 1000]), 1.0);
        assert!(z.mem_usage() >= empty + 1000);
        z.remove(&vec![b'x'; 1000]);
        assert!(z.mem_usage() < empty + 1000);
        z.check_invariants();
    }
}
