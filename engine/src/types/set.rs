//! Sets.

use bytes::Bytes;

/// An unordered set of unique binary strings.
#[derive(Debug, Clone, Default)]
pub struct Set {
    members: hashbrown::HashSet<Bytes, ahash::RandomState>,
    bytes: usize,
}

impl PartialEq for Set {
    fn eq(&self, other: &Self) -> bool {
        self.members == other.members
    }
}

impl Set {
    /// Number of members.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// True when there are no members.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// Approximate heap bytes.
    pub fn mem_usage(&self) -> usize {
        self.bytes + self.members.capacity() * std::mem::size_of::<Bytes>()
    }

    /// Members in unspecified order.
    pub fn iter(&self) -> impl Iterator<Item = &Bytes> {
        self.members.iter()
    }
}
