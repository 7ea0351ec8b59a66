//! Value kinds and the boxed value representation.

use bytes::Bytes;

use crate::types::{Hash, List, Set, ZSet};

/// The type of a stored value, as `TYPE` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Kind {
    /// Binary-safe string (also integers and floats).
    String = 0,
    /// List of strings.
    List = 1,
    /// Field → value map.
    Hash = 2,
    /// Unordered set of unique strings.
    Set = 3,
    /// Set of unique strings ordered by score.
    ZSet = 4,
}

impl Kind {
    pub(crate) fn from_bits(bits: u8) -> Kind {
        match bits {
            1 => Kind::List,
            2 => Kind::Hash,
            3 => Kind::Set,
            4 => Kind::ZSet,
            _ => Kind::String,
        }
    }

    /// The name `TYPE` returns: `string`, `list`, `hash`, `set` or `zset`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::String => "string",
            Kind::List => "list",
            Kind::Hash => "hash",
            Kind::Set => "set",
            Kind::ZSet => "zset",
        }
    }

    /// Parses a `TYPE` name (case-insensitive), as `SCAN ... TYPE` takes it.
    pub fn parse(name: &[u8]) -> Option<Kind> {
        let lower = name.to_ascii_lowercase();
        Some(match &lower[..] {
            b"string" => Kind::String,
            b"list" => Kind::List,
            b"hash" => Kind::Hash,
            b"set" => Kind::Set,
            b"zset" => Kind::ZSet,
            _ => return None,
        })
    }
}

/// An owned value of any kind.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A string.
    Str(Bytes),
    /// A list.
    List(List),
    /// A hash.
    Hash(Hash),
    /// A set.
    Set(Set),
    /// A sorted set.
    ZSet(ZSet),
}

impl Value {
    /// The value's kind.
    pub fn kind(&self) -> Kind {
        match self {
            Value::Str(_) => Kind::String,
            Value::List(_) => Kind::List,
            Value::Hash(_) => Kind::Hash,
            Value::Set(_) => Kind::Set,
            Value::ZSet(_) => Kind::ZSet,
        }
    }

    /// A borrowed view of the value.
    pub fn as_ref(&self) -> ValueRef<'_> {
        match self {
            Value::Str(b) => ValueRef::Str(b),
            Value::List(l) => ValueRef::List(l),
            Value::Hash(h) => ValueRef::Hash(h),
            Value::Set(s) => ValueRef::Set(s),
            Value::ZSet(z) => ValueRef::ZSet(z),
        }
    }

    /// Approximate heap bytes held by the value (not counting the box).
    pub fn mem_usage(&self) -> usize {
        match self {
            Value::Str(b) => b.len(),
            Value::List(l) => l.mem_usage(),
            Value::Hash(h) => h.mem_usage(),
            Value::Set(s) => s.mem_usage(),
            Value::ZSet(z) => z.mem_usage(),
        }
    }

    /// True for a collection with no elements (which Redis deletes).
    pub fn is_empty_collection(&self) -> bool {
        match self {
            Value::Str(_) => false,
            Value::List(l) => l.is_empty(),
            Value::Hash(h) => h.is_empty(),
            Value::Set(s) => s.is_empty(),
            Value::ZSet(z) => z.is_empty(),
        }
    }
}

/// A borrowed view of a stored value.
#[derive(Debug, Clone, Copy)]
pub enum ValueRef<'a> {
    /// A string.
    Str(&'a [u8]),
    /// A list.
    List(&'a List),
    /// A hash.
    Hash(&'a Hash),
    /// A set.
    Set(&'a Set),
    /// A sorted set.
    ZSet(&'a ZSet),
}

impl ValueRef<'_> {
    /// The value's kind.
    pub fn kind(&self) -> Kind {
        match self {
            ValueRef::Str(_) => Kind::String,
            ValueRef::List(_) => Kind::List,
            ValueRef::Hash(_) => Kind::Hash,
            ValueRef::Set(_) => Kind::Set,
            ValueRef::ZSet(_) => Kind::ZSet,
        }
    }

    /// Copies the value out.
    pub fn to_value(&self) -> Value {
        match *self {
            ValueRef::Str(b) => Value::Str(Bytes::copy_from_slice(b)),
            ValueRef::List(l) => Value::List(l.clone()),
            ValueRef::Hash(h) => Value::Hash(h.clone()),
            ValueRef::Set(s) => Value::Set(s.clone()),
            ValueRef::ZSet(z) => Value::ZSet(z.clone()),
        }
    }
}
