//! ZUNION/ZINTER/ZDIFF (and their STORE forms, and ZINTERCARD) as pure
//! functions over gathered inputs, so a multi-shard runtime can collect
//! copies of the inputs from several shards and combine them anywhere.

use bytes::Bytes;

use super::index::{cmp_entry, ZSet};
use crate::types::Set;

/// One input of a set operation: a sorted set, or a plain set whose members
/// all count with score 1 (as Redis allows).
#[derive(Debug, Clone, Copy)]
pub enum ZSetInput<'a> {
    /// A sorted set.
    ZSet(&'a ZSet),
    /// A plain set; every member has score 1.
    Set(&'a Set),
}

impl ZSetInput<'_> {
    /// Number of members.
    pub fn len(&self) -> usize {
        match self {
            ZSetInput::ZSet(z) => z.len(),
            ZSetInput::Set(s) => s.len(),
        }
    }

    /// True when there are no members.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Calls `f` with every member and its score.
    fn for_each(&self, mut f: impl FnMut(&Bytes, f64) -> bool) {
        match self {
            ZSetInput::ZSet(z) => {
                for (m, s) in z.iter() {
                    if !f(m, s) {
                        return;
                    }
                }
            }
            ZSetInput::Set(set) => {
                for m in set.iter() {
                    if !f(m, 1.0) {
                        return;
                    }
                }
            }
        }
    }
}

/// An owned copy of a set-operation input, for moving between shards.
#[derive(Debug, Clone, PartialEq)]
pub enum ZSetOperand {
    /// A sorted set.
    ZSet(ZSet),
    /// A plain set (scores 1).
    Set(Set),
}

impl ZSetOperand {
    /// Borrows the operand as an input for [`ZSet::combine`].
    pub fn as_input(&self) -> ZSetInput<'_> {
        match self {
            ZSetOperand::ZSet(z) => ZSetInput::ZSet(z),
            ZSetOperand::Set(s) => ZSetInput::Set(s),
        }
    }
}

/// Which set operation to perform.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetOp {
    /// Members of any input.
    Union,
    /// Members of every input.
    Inter,
    /// Members of the first input that are in no other input.
    Diff,
}

/// How the scores of a member found in several inputs are combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Aggregate {
    /// Sum of the weighted scores (the default).
    #[default]
    Sum,
    /// Smallest weighted score.
    Min,
    /// Largest weighted score.
    Max,
}

impl Aggregate {
    /// Folds `value` into `acc` exactly as Redis's `zunionInterAggregate`:
    /// a NaN sum (inf + -inf) becomes 0, and MIN/MAX ignore a NaN value.
    #[inline]
    fn fold(self, acc: &mut f64, value: f64) {
        match self {
            Aggregate::Sum => {
                *acc += value;
                if acc.is_nan() {
                    *acc = 0.0;
                }
            }
            Aggregate::Min => {
                if value < *acc {
                    *acc = value;
                }
            }
            Aggregate::Max => {
                if value > *acc {
                    *acc = value;
                }
            }
        }
    }
}

/// Membership test over an input, materialising plain sets once (their
/// public API offers iteration only).
enum Probe<'a> {
    ZSet(&'a ZSet),
    Set(hashbrown::HashSet<&'a [u8], ahash::RandomState>),
    Empty,
}

impl<'a> Probe<'a> {
    fn new(input: Option<ZSetInput<'a>>) -> Probe<'a> {
        match input {
            Some(ZSetInput::ZSet(z)) => Probe::ZSet(z),
            Some(ZSetInput::Set(s)) => Probe::Set(s.iter().map(|m| m.as_ref()).collect()),
            None => Probe::Empty,
        }
    }

    #[inline]
    fn score(&self, member: &[u8]) -> Option<f64> {
        match self {
            Probe::ZSet(z) => z.score(member),
            Probe::Set(s) => s.contains(member).then_some(1.0),
            Probe::Empty => None,
        }
    }
}

impl ZSet {
    /// Combines gathered inputs as ZUNION/ZINTER/ZDIFF do. Each input is
    /// `(Some(set) | None for a missing key, weight)`; weights and
    /// `aggregate` are ignored for [`SetOp::Diff`], as Redis takes neither.
    ///
    /// Follows Redis's arithmetic: a weighted score that is NaN (0 × inf)
    /// counts as 0, a NaN sum becomes 0, and inputs are visited from the
    /// smallest to the largest (stable for equal sizes) so float sums round
    /// the same way.
    pub fn combine(inputs: &[(Option<ZSetInput<'_>>, f64)], op: SetOp, aggregate: Aggregate) -> ZSet {
        let entries = match op {
            SetOp::Union => union(inputs, aggregate),
            SetOp::Inter => inter(inputs, aggregate),
            SetOp::Diff => diff(inputs),
        };
        from_unsorted(entries)
    }

    /// ZINTERCARD: the size of the intersection of `inputs`, counting no
    /// further than `limit` (0 = no limit).
    pub fn intercard(inputs: &[Option<ZSetInput<'_>>], limit: usize) -> usize {
        let Some(order) = by_size(inputs.iter().map(|i| i.map_or(0, |i| i.len()))) else { return 0 };
        let Some(first) = inputs[order[0]] else { return 0 };
        if first.is_empty() {
            return 0;
        }
        let probes: Vec<Probe<'_>> = order[1..].iter().map(|&k| Probe::new(inputs[k])).collect();
        let mut count = 0;
        first.for_each(|m, _| {
            if probes.iter().all(|p| p.score(m).is_some()) {
                count += 1;
                if limit != 0 && count >= limit {
                    return false;
                }
            }
            true
        });
        count
    }
}

/// Input positions ordered by ascending size (stable); `None` if no inputs.
fn by_size(sizes: impl Iterator<Item = usize>) -> Option<Vec<usize>> {
    let sizes: Vec<usize> = sizes.collect();
    if sizes.is_empty() {
        return None;
    }
    let mut order: Vec<usize> = (0..sizes.len()).collect();
    order.sort_by_key(|&k| sizes[k]);
    Some(order)
}

#[inline]
fn weighted(weight: f64, score: f64) -> f64 {
    let v = weight * score;
    if v.is_nan() {
        0.0
    } else {
        v
    }
}

fn union(inputs: &[(Option<ZSetInput<'_>>, f64)], aggregate: Aggregate) -> Vec<(Bytes, f64)> {
    let Some(order) = by_size(inputs.iter().map(|(i, _)| i.map_or(0, |i| i.len()))) else { return Vec::new() };
    let largest = order.last().map_or(0, |&k| inputs[k].0.map_or(0, |i| i.len()));
    let mut acc: hashbrown::HashMap<Bytes, f64, ahash::RandomState> =
        hashbrown::HashMap::with_capacity_and_hasher(largest, ahash::RandomState::new());
    for &k in &order {
        let (Some(input), weight) = inputs[k] else { continue };
        input.for_each(|m, s| {
            let v = weighted(weight, s);
            match acc.get_mut(m.as_ref()) {
                Some(score) => aggregate.fold(score, v),
                None => {
                    acc.insert(m.clone(), v);
                }
            }
            true
        });
    }
    acc.into_iter().collect()
}

fn inter(inputs: &[(Option<ZSetInput<'_>>, f64)], aggregate: Aggregate) -> Vec<(Bytes, f64)> {
    let Some(order) = by_size(inputs.iter().map(|(i, _)| i.map_or(0, |i| i.len()))) else { return Vec::new() };
    let (Some(first), w0) = inputs[order[0]] else { return Vec::new() };
    if first.is_empty() {
        return Vec::new();
    }
    let rest: Vec<(Probe<'_>, f64)> = order[1..].iter().map(|&k| (Probe::new(inputs[k].0), inputs[k].1)).collect();
    let mut out = Vec::new();
    first.for_each(|m, s| {
        let mut score = weighted(w0, s);
        for (probe, weight) in &rest {
            match probe.score(m) {
                // Unlike the first input's, these products are not NaN-checked
                // before folding, exactly as in Redis.
                Some(v) => aggregate.fold(&mut score, v * weight),
                None => return true,
            }
        }
        out.push((m.clone(), score));
        true
    });
    out
}

fn diff(inputs: &[(Option<ZSetInput<'_>>, f64)]) -> Vec<(Bytes, f64)> {
    let Some((Some(first), _)) = inputs.first() else { return Vec::new() };
    let rest: Vec<Probe<'_>> = inputs[1..].iter().map(|(i, _)| Probe::new(*i)).collect();
    let mut out = Vec::new();
    first.for_each(|m, s| {
        if rest.iter().all(|p| p.score(m).is_none()) {
            out.push((m.clone(), s));
        }
        true
    });
    out
}

/// Builds a set from unique members: sorted, then inserted from the largest
/// down so every insertion stops at the head (O(1) each, as Redis's
/// `zsetDup` does).
pub(super) fn from_unsorted(mut entries: Vec<(Bytes, f64)>) -> ZSet {
    entries.sort_unstable_by(|a, b| cmp_entry(a.1, &a.0, b.1, &b.0));
    let mut z = ZSet::new();
    for (m, s) in entries.into_iter().rev() {
        match z.find(&m) {
            Some(n) => z.set_score(n, s),
            None => {
                z.insert_new(m, s);
            }
        }
    }
    z
}
