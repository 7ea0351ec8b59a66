//! Hashes.

use bytes::Bytes;

/// A map of binary field names to binary values.
#[derive(Debug, Clone, Default)]
pub struct Hash {
    map: hashbrown::HashMap<Bytes, Bytes, ahash::RandomState>,
    bytes: usize,
}

impl PartialEq for Hash {
    fn eq(&self, other: &Self) -> bool {
        self.map == other.map
    }
}

impl Hash {
    /// Number of fields.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// True when there are no fields.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Approximate heap bytes.
    pub fn mem_usage(&self) -> usize {
        self.bytes + self.map.capacity() * 2 * std::mem::size_of::<Bytes>()
    }

    /// Fields and values in unspecified order.
    pub fn iter(&self) -> impl Iterator<Item = (&Bytes, &Bytes)> {
        self.map.iter()
    }
}
