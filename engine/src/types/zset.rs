//! Sorted sets.

use bytes::Bytes;

/// A set of unique binary strings ordered by (score, member).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ZSet {
    entries: Vec<(f64, Bytes)>,
    bytes: usize,
}

impl ZSet {
    /// Number of members.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there are no members.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Approximate heap bytes.
    pub fn mem_usage(&self) -> usize {
        self.bytes
    }

    /// Members with their scores in ascending order.
    pub fn iter(&self) -> impl Iterator<Item = (&Bytes, f64)> {
        self.entries.iter().map(|(s, m)| (m, *s))
    }
}
