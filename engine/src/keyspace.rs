//! A shard's storage: a slab of items indexed by a hashbrown table.
//!
//! * `slab` — chunks of `Option<Item>`: one 8-byte thin pointer per slot (the niche
//!   of `NonNull` makes `Option<Item>` pointer-sized). Slots are stable while
//!   a key lives, which gives eviction policies and `SCAN` cheap handles.
//! * `index: HashTable<u32>` — maps the key hash to its slot; 4 bytes plus one
//!   control byte per bucket. Equality is checked against the item's key.
//! * `expires: BTreeSet<(deadline, slot)>` — only keys with a TTL; drives
//!   active expiry and `volatile-ttl` in deadline order.
//!
//! All 16 (or `databases`) logical databases share one table: the database
//! index is part of the hash and of the item header.

use std::collections::BTreeSet;

use hashbrown::HashTable;

use crate::item::Item;
use crate::snapshot::{self, Snap, SnapshotBusy, SnapshotSink, Step};

/// Fixed bytes per key outside the item: the slab pointer plus the index
/// bucket (4 B + 1 control byte) at the table's typical load.
pub(crate) const KEY_OVERHEAD: usize = 8 + 8;

/// Slots live in fixed chunks of 4096, so the slab grows without copying
/// and without leaving freed copies behind (which would count in RSS).
pub(crate) const CHUNK_BITS: u32 = 12;
const CHUNK: usize = 1 << CHUNK_BITS;

#[derive(Default)]
struct Slab {
    chunks: Vec<Box<[Option<Item>]>>,
    len: usize,
}

impl Slab {
    #[inline]
    fn cell(&self, slot: u32) -> Option<&Option<Item>> {
        if slot as usize >= self.len {
            return None;
        }
        Some(&self.chunks[(slot >> CHUNK_BITS) as usize][slot as usize & (CHUNK - 1)])
    }

    #[inline]
    fn cell_mut(&mut self, slot: u32) -> Option<&mut Option<Item>> {
        if slot as usize >= self.len {
            return None;
        }
        Some(&mut self.chunks[(slot >> CHUNK_BITS) as usize][slot as usize & (CHUNK - 1)])
    }

    #[inline]
    fn item(&self, slot: u32) -> Option<&Item> {
        self.cell(slot).and_then(Option::as_ref)
    }

    fn push(&mut self, item: Item) -> u32 {
        if self.len == self.chunks.len() * CHUNK {
            self.chunks.push((0..CHUNK).map(|_| None).collect());
        }
        let slot = self.len as u32;
        self.len += 1;
        if let Some(cell) = self.cell_mut(slot) {
            *cell = Some(item);
        }
        slot
    }

    fn clear(&mut self) -> Vec<Box<[Option<Item>]>> {
        self.len = 0;
        std::mem::take(&mut self.chunks)
    }

    fn bytes(&self) -> usize {
        self.chunks.len() * CHUNK * std::mem::size_of::<Option<Item>>()
    }
}

pub(crate) struct Keyspace {
    index: HashTable<u32>,
    slab: Slab,
    free: Vec<u32>,
    hasher: ahash::RandomState,
    pub(crate) expires: BTreeSet<(u64, u32)>,
    /// Counters by physical database.
    db_keys: Vec<usize>,
    db_expires: Vec<usize>,
    /// Logical database (what clients select) → physical database (what
    /// items and hashes carry). SWAPDB swaps two entries, so it costs O(1)
    /// however many keys the databases hold.
    phys: Vec<u8>,
    /// Physical → logical, the inverse of `phys`.
    logical: Vec<u8>,
    /// The snapshot in progress: every write below goes through
    /// [`before_write`](Self::before_write) first.
    snap: Option<Box<Snap>>,
}

impl Keyspace {
    pub(crate) fn new(databases: usize, seed: u64) -> Self {
        Keyspace {
            index: HashTable::new(),
            slab: Slab::default(),
            free: Vec::new(),
            hasher: ahash::RandomState::with_seeds(
                seed,
                seed ^ 0x5851_f42d_4c95_7f2d,
                0x1405_7b7e_f767_814f,
                0x9e37_79b9_7f4a_7c15,
            ),
            expires: BTreeSet::new(),
            db_keys: vec![0; databases],
            db_expires: vec![0; databases],
            phys: (0..databases).map(|d| d as u8).collect(),
            logical: (0..databases).map(|d| d as u8).collect(),
            snap: None,
        }
    }

    /// Called before the item in `slot` (or the vacant slot) changes: a
    /// snapshot that has not reached it takes it as it is first.
    #[inline]
    fn before_write(&mut self, slot: u32) {
        if let Some(snap) = self.snap.as_deref_mut() {
            if snap.pending(slot) {
                snap.mark(slot);
                if let Some(it) = self.slab.item(slot) {
                    snap.emit(it);
                }
            }
        }
    }

    pub(crate) fn begin_snapshot(
        &mut self,
        sink: Box<dyn SnapshotSink>,
        now_ms: u64,
        seq: u64,
    ) -> Result<(), SnapshotBusy> {
        if self.snap.is_some() {
            return Err(SnapshotBusy);
        }
        self.snap = Some(Box::new(Snap::new(sink, self.slab.len as u32, self.logical.clone(), now_ms, seq)));
        Ok(())
    }

    pub(crate) fn step_snapshot(&mut self, budget: usize, max_buffered: usize) -> Step {
        let Some(snap) = self.snap.as_deref_mut() else { return Step::Done };
        let slab = &self.slab;
        snapshot::walk(snap, |slot| slab.item(slot), budget, max_buffered)
    }

    pub(crate) fn end_snapshot(&mut self) -> Option<Box<dyn SnapshotSink>> {
        self.snap.take().map(|s| s.into_sink())
    }

    pub(crate) fn snapshot_seq(&self) -> Option<u64> {
        self.snap.as_ref().map(|s| s.seq())
    }

    /// The physical database holding logical database `db`.
    #[inline]
    pub(crate) fn phys(&self, db: u8) -> u8 {
        self.phys.get(db as usize).copied().unwrap_or(db)
    }

    /// The logical database of an item's (physical) `db`.
    #[inline]
    pub(crate) fn logical(&self, db: u8) -> u8 {
        self.logical.get(db as usize).copied().unwrap_or(db)
    }

    /// Swaps the contents of logical databases `a` and `b`.
    pub(crate) fn swap_dbs(&mut self, a: u8, b: u8) {
        let (a, b) = (a as usize, b as usize);
        if a < self.phys.len() && b < self.phys.len() {
            self.phys.swap(a, b);
            self.logical[self.phys[a] as usize] = a as u8;
            self.logical[self.phys[b] as usize] = b as u8;
        }
    }

    /// Hash of `key` in *physical* database `db` (as items carry it).
    #[inline]
    pub(crate) fn hash(&self, db: u8, key: &[u8]) -> u64 {
        self.hasher.hash_one(key).wrapping_add((db as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15))
    }

    /// Number of logical databases.
    pub(crate) fn databases(&self) -> usize {
        self.db_keys.len()
    }

    /// Slot of `key` in logical database `db`, expired or not.
    #[inline]
    pub(crate) fn find(&self, db: u8, key: &[u8]) -> Option<u32> {
        let db = self.phys(db);
        let hash = self.hash(db, key);
        let slab = &self.slab;
        self.index.find(hash, |&s| slab.item(s).is_some_and(|it| it.db() == db && it.key() == key)).copied()
    }

    #[inline]
    pub(crate) fn get(&self, slot: u32) -> Option<&Item> {
        self.slab.item(slot)
    }

    /// The item in `slot`, for its eviction metadata only: a change to its
    /// key, value or expiry goes through [`write`](Self::write).
    #[inline]
    pub(crate) fn get_mut(&mut self, slot: u32) -> Option<&mut Item> {
        self.slab.cell_mut(slot).and_then(Option::as_mut)
    }

    /// The item in `slot`, to change its value in place.
    #[inline]
    pub(crate) fn write(&mut self, slot: u32) -> Option<&mut Item> {
        self.before_write(slot);
        self.slab.cell_mut(slot).and_then(Option::as_mut)
    }

    /// Inserts a new item (built with the physical database, see
    /// [`phys`](Self::phys)); the caller guarantees its key is absent.
    pub(crate) fn insert(&mut self, item: Item) -> u32 {
        let db = item.db();
        let hash = self.hash(db, item.key());
        let expire = item.expire();
        let slot = match self.free.pop() {
            Some(s) => {
                self.before_write(s);
                if let Some(cell) = self.slab.cell_mut(s) {
                    *cell = Some(item);
                }
                s
            }
            None => self.slab.push(item),
        };
        let Keyspace { index, slab, hasher, .. } = self;
        index.insert_unique(hash, slot, |&s| match slab.item(s) {
            Some(it) => hasher.hash_one(it.key()).wrapping_add((it.db() as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)),
            None => 0,
        });
        self.db_keys[db as usize] += 1;
        if let Some(at) = expire {
            self.expires.insert((at, slot));
            self.db_expires[db as usize] += 1;
        }
        slot
    }

    /// Removes the item at `slot`.
    pub(crate) fn remove(&mut self, slot: u32) -> Option<Item> {
        self.before_write(slot);
        self.take(slot)
    }

    /// Removes the item at `slot`, the snapshot in progress left to the
    /// caller.
    fn take(&mut self, slot: u32) -> Option<Item> {
        let item = self.slab.cell_mut(slot)?.take()?;
        let hash = self.hash(item.db(), item.key());
        if let Ok(entry) = self.index.find_entry(hash, |&s| s == slot) {
            entry.remove();
        }
        self.free.push(slot);
        self.db_keys[item.db() as usize] -= 1;
        if let Some(at) = item.expire() {
            self.expires.remove(&(at, slot));
            self.db_expires[item.db() as usize] -= 1;
        }
        Some(item)
    }

    /// Replaces the item at `slot` through `f` (same key and db), keeping
    /// the expiry index in step.
    pub(crate) fn replace(&mut self, slot: u32, f: impl FnOnce(Item) -> Item) {
        self.before_write(slot);
        let Some(cell) = self.slab.cell_mut(slot) else { return };
        let Some(old) = cell.take() else { return };
        let (db, old_exp) = (old.db(), old.expire());
        let new = f(old);
        let new_exp = new.expire();
        *cell = Some(new);
        if old_exp != new_exp {
            if let Some(at) = old_exp {
                self.expires.remove(&(at, slot));
                self.db_expires[db as usize] -= 1;
            }
            if let Some(at) = new_exp {
                self.expires.insert((at, slot));
                self.db_expires[db as usize] += 1;
            }
        }
    }

    /// Live keys in `db` (including expired ones not yet collected).
    pub(crate) fn db_len(&self, db: u8) -> usize {
        self.db_keys.get(self.phys(db) as usize).copied().unwrap_or(0)
    }

    /// Keys with a TTL in `db`.
    pub(crate) fn db_expires(&self, db: u8) -> usize {
        self.db_expires.get(self.phys(db) as usize).copied().unwrap_or(0)
    }

    /// Keys across all databases.
    pub(crate) fn len(&self) -> usize {
        self.index.len()
    }

    /// Keys with a TTL across all databases.
    pub(crate) fn expiring(&self) -> usize {
        self.expires.len()
    }

    /// Slab length: slots are `0..slots()`, some vacant.
    pub(crate) fn slots(&self) -> usize {
        self.slab.len
    }

    /// Removes every key of logical `db` (all databases when `None`), calling
    /// `on_remove(slot, &item)` for each; returns how many were removed.
    pub(crate) fn drain_db(&mut self, db: Option<u8>, mut on_remove: impl FnMut(u32, &Item)) -> usize {
        let mut removed = 0;
        if db.is_none() {
            self.index.clear();
            self.expires.clear();
            self.free.clear();
            self.db_keys.iter_mut().for_each(|c| *c = 0);
            self.db_expires.iter_mut().for_each(|c| *c = 0);
            let chunks = self.slab.clear();
            for (c, chunk) in chunks.iter().enumerate() {
                for (i, item) in chunk.iter().enumerate() {
                    if let Some(it) = item {
                        on_remove((c * CHUNK + i) as u32, it);
                        removed += 1;
                    }
                }
            }
            match self.snap.as_deref_mut() {
                // The snapshot reads the rest of the keys from the dropped
                // chunks (the slab is all new keys from now on).
                Some(snap) if !snap.is_frozen() => snap.freeze(chunks),
                _ => drop(chunks),
            }
            return removed;
        }
        let db = db.map(|d| self.phys(d));
        for slot in 0..self.slab.len as u32 {
            if self.get(slot).is_some_and(|it| Some(it.db()) == db) {
                let keep = self.snap.as_deref().is_some_and(|s| s.pending(slot));
                if let Some(it) = self.take(slot) {
                    on_remove(slot, &it);
                    removed += 1;
                    if let (true, Some(snap)) = (keep, self.snap.as_deref_mut()) {
                        snap.mark(slot);
                        snap.stash(it);
                    }
                }
            }
        }
        removed
    }

    /// Approximate bytes of the index and slab themselves.
    pub(crate) fn table_bytes(&self) -> usize {
        self.index.allocation_size() + self.slab.bytes() + self.free.capacity() * 4
    }
}
