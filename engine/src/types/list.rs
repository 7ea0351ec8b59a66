//! Lists.

use std::collections::VecDeque;

use bytes::Bytes;

/// Per-element bookkeeping counted towards memory use.
const ELEM_OVERHEAD: usize = std::mem::size_of::<Bytes>();

/// A list of binary strings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct List {
    items: VecDeque<Bytes>,
    bytes: usize,
}

impl List {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when the list has no elements.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Approximate heap bytes.
    pub fn mem_usage(&self) -> usize {
        self.bytes + self.items.len() * ELEM_OVERHEAD
    }

    /// Elements from head to tail.
    pub fn iter(&self) -> impl Iterator<Item = &Bytes> {
        self.items.iter()
    }
}
