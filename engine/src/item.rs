//! One key and its value in a single heap allocation behind a thin pointer.
//!
//! The layout is what keeps per-key overhead low: a shard's slab holds one
//! 8-byte pointer per key, and the item it points to carries a 6-byte header,
//! the optional expiry, the key, and either a short string value inline or a
//! pointer to a boxed [`Value`]:
//!
//! ```text
//! [flags u8][db u8][meta u32][expire u64]? [klen varint][vlen u8]? [key][value | *mut Value]
//! ```
//!
//! `flags` holds the value kind (3 bits), HAS_EXPIRE and BOXED. The header is
//! read byte-wise, so the allocation has alignment 1 and no padding.

use std::alloc::{alloc, dealloc, handle_alloc_error, Layout};
use std::ptr::NonNull;

use crate::value::{Kind, Value, ValueRef};

const KIND_MASK: u8 = 0b111;
const HAS_EXPIRE: u8 = 1 << 3;
const BOXED: u8 = 1 << 4;
const META_OFF: usize = 2;
const FIXED_HEADER: usize = 6;
const PTR_SIZE: usize = std::mem::size_of::<*mut Value>();

/// Strings up to this many bytes are stored inside the item; longer ones are
/// boxed as shared `Bytes` so reads hand them out without copying.
pub const INLINE_MAX: usize = 64;

/// The value to store in a new item.
pub(crate) enum NewValue<'a> {
    /// A string of at most [`INLINE_MAX`] bytes, copied into the item.
    Inline(&'a [u8]),
    /// Any value, owned by the item from now on.
    Boxed(Box<Value>),
}

enum Src<'a> {
    Inline(&'a [u8]),
    Raw(*mut Value),
}

/// Offsets decoded from an item's header.
#[derive(Clone, Copy)]
struct Parts {
    flags: u8,
    key_off: usize,
    key_len: usize,
    val_off: usize,
    /// Inline string length, or `PTR_SIZE` for boxed values.
    val_len: usize,
}

impl Parts {
    fn total(&self) -> usize {
        self.val_off + self.val_len
    }
}

fn varint_len(mut v: usize) -> usize {
    let mut n = 1;
    while v >= 0x80 {
        v >>= 7;
        n += 1;
    }
    n
}

/// Owner of one item allocation. Behaves like a `Box`: unique, freed on drop.
pub(crate) struct Item {
    ptr: NonNull<u8>,
}

// SAFETY: an `Item` uniquely owns its allocation and the boxed `Value` it may
// point to (both `Send`), exactly like `Box<[u8]>` plus `Box<Value>`; nothing
// else aliases them, so moving it to another thread is sound.
unsafe impl Send for Item {}

impl Item {
    /// Allocates an item for `key` in `db` holding `value`.
    pub(crate) fn new(db: u8, key: &[u8], kind: Kind, value: NewValue<'_>, expire: Option<u64>, meta: u32) -> Item {
        match value {
            NewValue::Inline(v) => {
                debug_assert!(v.len() <= INLINE_MAX && kind == Kind::String);
                Self::build(db, kind, meta, expire, key, Src::Inline(v))
            }
            NewValue::Boxed(b) => Self::build(db, kind, meta, expire, key, Src::Raw(Box::into_raw(b))),
        }
    }

    fn build(db: u8, kind: Kind, meta: u32, expire: Option<u64>, key: &[u8], src: Src<'_>) -> Item {
        let mut flags = kind as u8;
        let mut size = FIXED_HEADER + varint_len(key.len()) + key.len();
        if expire.is_some() {
            flags |= HAS_EXPIRE;
            size += 8;
        }
        match src {
            Src::Inline(v) => size += 1 + v.len(),
            Src::Raw(_) => {
                flags |= BOXED;
                size += PTR_SIZE;
            }
        }
        let layout = Layout::from_size_align(size, 1).unwrap_or_else(|_| handle_alloc_error(Layout::new::<u8>()));
        // SAFETY: `layout` has non-zero size (at least FIXED_HEADER bytes).
        let raw = unsafe { alloc(layout) };
        let Some(ptr) = NonNull::new(raw) else { handle_alloc_error(layout) };
        let mut w = Writer { ptr: raw, off: 0, cap: size };
        w.put(&[flags, db]);
        w.put(&meta.to_le_bytes());
        if let Some(at) = expire {
            w.put(&at.to_le_bytes());
        }
        let mut klen = key.len();
        while klen >= 0x80 {
            w.put(&[(klen as u8 & 0x7f) | 0x80]);
            klen >>= 7;
        }
        w.put(&[klen as u8]);
        match src {
            Src::Inline(v) => {
                w.put(&[v.len() as u8]);
                w.put(key);
                w.put(v);
            }
            Src::Raw(p) => {
                w.put(key);
                w.put_ptr(p);
            }
        }
        debug_assert_eq!(w.off, size);
        Item { ptr }
    }

    #[inline]
    fn bytes_at(&self, off: usize, len: usize) -> &[u8] {
        // SAFETY: callers pass ranges derived from `parts()`, which lie within
        // the `parts().total()` bytes this item allocated and initialised.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr().add(off), len) }
    }

    #[inline]
    fn byte(&self, off: usize) -> u8 {
        // SAFETY: `off` < FIXED_HEADER + header varints, always allocated.
        unsafe { *self.ptr.as_ptr().add(off) }
    }

    #[inline]
    fn parts(&self) -> Parts {
        let flags = self.byte(0);
        let mut off = FIXED_HEADER;
        if flags & HAS_EXPIRE != 0 {
            off += 8;
        }
        let mut key_len = 0usize;
        let mut shift = 0;
        loop {
            let b = self.byte(off);
            off += 1;
            key_len |= ((b & 0x7f) as usize) << shift;
            if b & 0x80 == 0 {
                break;
            }
            shift += 7;
        }
        let val_len = if flags & BOXED != 0 {
            PTR_SIZE
        } else {
            let l = self.byte(off) as usize;
            off += 1;
            l
        };
        Parts { flags, key_off: off, key_len, val_off: off + key_len, val_len }
    }

    /// The key.
    #[inline]
    pub(crate) fn key(&self) -> &[u8] {
        let p = self.parts();
        self.bytes_at(p.key_off, p.key_len)
    }

    /// Logical database index.
    #[inline]
    pub(crate) fn db(&self) -> u8 {
        self.byte(1)
    }

    /// The value's type.
    #[inline]
    pub(crate) fn kind(&self) -> Kind {
        Kind::from_bits(self.byte(0) & KIND_MASK)
    }

    /// Eviction-policy metadata (LRU clock, LFU counter, queue bits).
    #[inline]
    pub(crate) fn meta(&self) -> u32 {
        let b = self.bytes_at(META_OFF, 4);
        u32::from_le_bytes([b[0], b[1], b[2], b[3]])
    }

    /// Replaces the eviction-policy metadata.
    #[inline]
    pub(crate) fn set_meta(&mut self, meta: u32) {
        // SAFETY: bytes META_OFF..META_OFF+4 are inside the fixed header, and
        // `&mut self` guarantees no other reference to the allocation exists.
        unsafe { std::ptr::copy_nonoverlapping(meta.to_le_bytes().as_ptr(), self.ptr.as_ptr().add(META_OFF), 4) }
    }

    /// Absolute expiry in Unix ms, if any.
    #[inline]
    pub(crate) fn expire(&self) -> Option<u64> {
        if self.byte(0) & HAS_EXPIRE == 0 {
            return None;
        }
        let b = self.bytes_at(FIXED_HEADER, 8);
        Some(u64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
    }

    /// The value.
    #[inline]
    pub(crate) fn value(&self) -> ValueRef<'_> {
        let p = self.parts();
        if p.flags & BOXED == 0 {
            return ValueRef::Str(self.bytes_at(p.val_off, p.val_len));
        }
        // SAFETY: a BOXED item stores, at `val_off`, the pointer returned by
        // `Box::into_raw` for a value it owns; the value lives as long as the
        // item and is only mutated through `&mut self`.
        unsafe { (*self.raw_value(&p)).as_ref() }
    }

    /// The boxed value, if this item has one (collections and long strings).
    #[inline]
    pub(crate) fn boxed_value(&self) -> Option<&Value> {
        let p = self.parts();
        if p.flags & BOXED == 0 {
            return None;
        }
        // SAFETY: as in `value`.
        Some(unsafe { &*self.raw_value(&p) })
    }

    /// The boxed value, mutably, if this item has one.
    #[inline]
    pub(crate) fn value_mut(&mut self) -> Option<&mut Value> {
        let p = self.parts();
        if p.flags & BOXED == 0 {
            return None;
        }
        // SAFETY: as in `value`; `&mut self` makes this the only reference.
        Some(unsafe { &mut *self.raw_value(&p) })
    }

    fn raw_value(&self, p: &Parts) -> *mut Value {
        // SAFETY: `val_off..val_off + PTR_SIZE` lies inside the allocation of
        // a BOXED item and holds a pointer written by `Writer::put_ptr`.
        unsafe { self.ptr.as_ptr().add(p.val_off).cast::<*mut Value>().read_unaligned() }
    }

    /// Overwrites an inline string value of the same length in place (the
    /// common "SET an existing key to a same-sized value" case), avoiding a
    /// new allocation. Returns false, changing nothing, otherwise.
    #[inline]
    pub(crate) fn overwrite_inline(&mut self, v: &[u8]) -> bool {
        let p = self.parts();
        if p.flags & BOXED != 0 || p.val_len != v.len() {
            return false;
        }
        // SAFETY: an inline item holds exactly `val_len` value bytes at
        // `val_off` inside its allocation; `&mut self` excludes other borrows
        // and `v` cannot alias memory this item owns exclusively.
        unsafe { std::ptr::copy_nonoverlapping(v.as_ptr(), self.ptr.as_ptr().add(p.val_off), v.len()) }
        true
    }

    /// Bytes this item allocated (header, key and inline value), excluding a
    /// boxed value's own heap usage.
    #[inline]
    pub(crate) fn alloc_size(&self) -> usize {
        self.parts().total()
    }

    /// Rebuilds the item with a new expiry, keeping key, value and metadata.
    pub(crate) fn with_expire(self, expire: Option<u64>) -> Item {
        let p = self.parts();
        if let (Some(at), true) = (expire, p.flags & HAS_EXPIRE != 0) {
            // Same layout: overwrite in place.
            // SAFETY: HAS_EXPIRE items have 8 expiry bytes at FIXED_HEADER, and
            // we own the item exclusively (taken by value).
            unsafe { std::ptr::copy_nonoverlapping(at.to_le_bytes().as_ptr(), self.ptr.as_ptr().add(FIXED_HEADER), 8) }
            return self;
        }
        if expire.is_none() && p.flags & HAS_EXPIRE == 0 {
            return self;
        }
        let kind = self.kind();
        let src = if p.flags & BOXED != 0 {
            Src::Raw(self.raw_value(&p))
        } else {
            Src::Inline(self.bytes_at(p.val_off, p.val_len))
        };
        let new = Self::build(self.db(), kind, self.meta(), expire, self.key(), src);
        // The boxed value (if any) now belongs to `new`: free only the old bytes.
        self.free_bytes_only(p.total());
        new
    }

    /// Rebuilds the item with a new value, keeping key, db, metadata and the
    /// given expiry. The old value is dropped.
    pub(crate) fn with_value(self, kind: Kind, value: NewValue<'_>, expire: Option<u64>) -> Item {
        let new = Self::new(self.db(), self.key(), kind, value, expire, self.meta());
        drop(self);
        new
    }

    fn free_bytes_only(self, total: usize) {
        let ptr = self.ptr;
        std::mem::forget(self);
        // SAFETY: `ptr` was allocated in `build` with size `total` and
        // alignment 1, and `forget` ensures it is freed exactly once here.
        unsafe { dealloc(ptr.as_ptr(), Layout::from_size_align_unchecked(total, 1)) }
    }
}

impl Drop for Item {
    fn drop(&mut self) {
        let p = self.parts();
        if p.flags & BOXED != 0 {
            // SAFETY: the pointer came from `Box::into_raw` and ownership was
            // never handed to another item (`with_expire` forgets `self`).
            drop(unsafe { Box::from_raw(self.raw_value(&p)) });
        }
        // SAFETY: allocated in `build` with exactly this size and alignment 1.
        unsafe { dealloc(self.ptr.as_ptr(), Layout::from_size_align_unchecked(p.total(), 1)) }
    }
}

impl std::fmt::Debug for Item {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Item")
            .field("db", &self.db())
            .field("key", &String::from_utf8_lossy(self.key()))
            .field("kind", &self.kind())
            .field("expire", &self.expire())
            .finish()
    }
}

/// Bounded writer used only while building an item.
struct Writer {
    ptr: *mut u8,
    off: usize,
    cap: usize,
}

impl Writer {
    #[inline]
    fn put(&mut self, src: &[u8]) {
        assert!(self.off + src.len() <= self.cap, "item layout overflow");
        // SAFETY: the assert keeps the write inside the `cap` bytes allocated
        // in `build`; `src` cannot overlap a fresh allocation.
        unsafe { std::ptr::copy_nonoverlapping(src.as_ptr(), self.ptr.add(self.off), src.len()) }
        self.off += src.len();
    }

    #[inline]
    fn put_ptr(&mut self, p: *mut Value) {
        assert!(self.off + PTR_SIZE <= self.cap, "item layout overflow");
        // SAFETY: in bounds by the assert; unaligned write keeps provenance.
        unsafe { self.ptr.add(self.off).cast::<*mut Value>().write_unaligned(p) }
        self.off += PTR_SIZE;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    #[test]
    fn inline_roundtrip_and_size() {
        let mut it = Item::new(3, b"0123456789abcdef", Kind::String, NewValue::Inline(&[7u8; 32]), None, 9);
        assert_eq!(it.key(), b"0123456789abcdef");
        assert_eq!(it.db(), 3);
        assert_eq!(it.kind(), Kind::String);
        assert_eq!(it.meta(), 9);
        assert_eq!(it.expire(), None);
        assert!(matches!(it.value(), ValueRef::Str(v) if v == [7u8; 32]));
        // 6 header + 1 klen + 1 vlen + 16 + 32
        assert_eq!(it.alloc_size(), 56);
        it.set_meta(u32::MAX);
        assert_eq!(it.meta(), u32::MAX);
        assert_eq!(it.key(), b"0123456789abcdef");
    }

    #[test]
    fn expiry_added_changed_removed() {
        let it = Item::new(0, b"k", Kind::String, NewValue::Inline(b"v"), None, 1);
        let it = it.with_expire(Some(42));
        assert_eq!(it.expire(), Some(42));
        let it = it.with_expire(Some(43));
        assert_eq!(it.expire(), Some(43));
        assert!(matches!(it.value(), ValueRef::Str(b"v")));
        let it = it.with_expire(None);
        assert_eq!(it.expire(), None);
        assert_eq!(it.meta(), 1);
        assert_eq!(it.key(), b"k");
    }

    #[test]
    fn boxed_value_survives_rebuilds_and_long_keys() {
        let key = vec![b'x'; 300];
        let big = Bytes::from(vec![1u8; 1000]);
        let it = Item::new(1, &key, Kind::String, NewValue::Boxed(Box::new(Value::Str(big.clone()))), Some(5), 0);
        let mut it = it.with_expire(None).with_expire(Some(6));
        assert_eq!(it.key(), &key[..]);
        assert!(matches!(it.value(), ValueRef::Str(v) if v == &big[..]));
        assert!(it.value_mut().is_some());
        let mut it = it.with_value(Kind::String, NewValue::Inline(b"small"), Some(6));
        assert!(matches!(it.value(), ValueRef::Str(b"small")));
        assert!(it.overwrite_inline(b"SMALL"));
        assert!(!it.overwrite_inline(b"longer"));
        assert!(matches!(it.value(), ValueRef::Str(b"SMALL")));
        assert_eq!(it.expire(), Some(6));
    }
}
