//! Which keys changed on this core's shard, for WATCH and blocking pops.
//!
//! The engine reports every applied write, deletion, expiry, eviction and
//! flush on the shard's mutation stream, synchronously on the shard's
//! thread. [`KeyEvents`] (part of the core's
//! [`CoreState`](crate::core_state::CoreState)) keeps two small registries
//! and consults them only when they are non-empty, so a server nobody
//! WATCHes or blocks on pays one branch per write.
//!
//! - **Watches**: `(db, key) -> flags` of the connections watching the key.
//!   Any mutation of the key (or a flush of its database) sets the flags, and
//!   EXEC refuses to run when its connection's flag is set.
//! - **Ready keys**: when a key that some client is blocked on is written,
//!   it is queued here; the code that ran the write then serves the blocked
//!   clients (`crate::blocking::serve_ready`), as Redis does after each
//!   command.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use coreshard_engine::{Event, Mutation};

use crate::blocking::Waiters;

/// Set when any watched key of a connection changes.
#[derive(Debug, Default)]
pub struct WatchFlag(AtomicBool);

impl WatchFlag {
    /// Marks the watching transaction as doomed.
    pub fn set(&self) {
        self.0.store(true, Ordering::Release);
    }

    /// Whether a watched key changed.
    pub fn is_set(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }
}

#[derive(Default)]
struct Registries {
    watches: HashMap<(u8, Bytes), Vec<Arc<WatchFlag>>>,
    /// Keys clients are blocked on (with the number of waiters).
    blocked: HashMap<(u8, Bytes), usize>,
    /// Blocked-on keys written since the last `take_ready`.
    ready: Vec<(u8, Bytes)>,
}

/// The watched and blocked-on keys of one shard.
#[derive(Default)]
pub struct KeyEvents {
    reg: RefCell<Registries>,
}

impl KeyEvents {
    /// Called by the mutation sink for every change on this shard; asks
    /// `waiters` to serve blocked clients when a blocked-on key gets a value
    /// outside a command of this shard.
    pub fn on_mutation(&self, m: &Mutation<'_>, waiters: &Waiters) {
        let Ok(mut r) = self.reg.try_borrow_mut() else { return };
        if r.watches.is_empty() && r.blocked.is_empty() {
            return;
        }
        match m.event {
            Event::FlushAll => {
                for flags in r.watches.values() {
                    flags.iter().for_each(|f| f.set());
                }
            }
            Event::FlushDb => {
                for ((db, _), flags) in r.watches.iter() {
                    if *db == m.db {
                        flags.iter().for_each(|f| f.set());
                    }
                }
            }
            Event::SwapDb { with } => {
                // Every watched key of both databases may have changed, and
                // keys clients block on may now hold data.
                let swapped = |db: u8| db == m.db || db == with;
                for ((db, _), flags) in r.watches.iter() {
                    if swapped(*db) {
                        flags.iter().for_each(|f| f.set());
                    }
                }
                let Registries { blocked, ready, .. } = &mut *r;
                for k in blocked.keys() {
                    if swapped(k.0) && !ready.contains(k) {
                        ready.push(k.clone());
                    }
                }
            }
            event => {
                if !r.watches.is_empty() {
                    if let Some(flags) = r.watches.get(&(m.db, Bytes::copy_from_slice(m.key))) {
                        flags.iter().for_each(|f| f.set());
                    }
                }
                if matches!(event, Event::Write { .. }) && !r.blocked.is_empty() {
                    let k = (m.db, Bytes::copy_from_slice(m.key));
                    if r.blocked.contains_key(&k) && !r.ready.contains(&k) {
                        r.ready.push(k);
                        // Writes made outside a command of this shard (a
                        // cross-shard transaction) are served by a task.
                        waiters.schedule_serve();
                    }
                }
            }
        }
    }

    /// Registers `flag` as watching `key` of `db` on this shard.
    pub fn watch(&self, db: u8, key: Bytes, flag: Arc<WatchFlag>) {
        let mut r = self.reg.borrow_mut();
        let v = r.watches.entry((db, key)).or_default();
        if !v.iter().any(|f| Arc::ptr_eq(f, &flag)) {
            v.push(flag);
        }
    }

    /// Removes `flag` from `key` of `db` on this shard.
    pub fn unwatch(&self, db: u8, key: &Bytes, flag: &Arc<WatchFlag>) {
        let mut r = self.reg.borrow_mut();
        let k = (db, key.clone());
        if let Some(v) = r.watches.get_mut(&k) {
            v.retain(|f| !Arc::ptr_eq(f, flag));
            if v.is_empty() {
                r.watches.remove(&k);
            }
        }
    }

    /// Notes one more client blocked on `key` of `db` on this shard.
    pub fn block_on(&self, db: u8, key: Bytes) {
        *self.reg.borrow_mut().blocked.entry((db, key)).or_default() += 1;
    }

    /// Notes one client fewer blocked on `key` of `db`.
    pub fn unblock(&self, db: u8, key: &Bytes) {
        let mut r = self.reg.borrow_mut();
        let k = (db, key.clone());
        if let Some(n) = r.blocked.get_mut(&k) {
            *n -= 1;
            if *n == 0 {
                r.blocked.remove(&k);
            }
        }
    }

    /// Whether any blocked-on key was written since the last
    /// [`take_ready`](Self::take_ready).
    #[inline]
    pub fn has_ready(&self) -> bool {
        self.reg.try_borrow().is_ok_and(|r| !r.ready.is_empty())
    }

    /// The blocked-on keys written since the last call, in write order.
    pub fn take_ready(&self) -> Vec<(u8, Bytes)> {
        std::mem::take(&mut self.reg.borrow_mut().ready)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(k: &KeyEvents, db: u8, key: &[u8]) {
        let value = coreshard_engine::Value::Str(Bytes::from_static(b"v"));
        let event = Event::Write { value: value.as_ref(), expire_at: None };
        k.on_mutation(&Mutation { shard: 0, seq: 1, db, key, event, delta: None }, &Waiters::default());
    }

    #[test]
    fn watch_flags_and_ready_keys() {
        let k = KeyEvents::default();
        let flag = Arc::new(WatchFlag::default());
        k.watch(0, Bytes::from_static(b"k"), flag.clone());
        write(&k, 1, b"k");
        assert!(!flag.is_set(), "another database's key");
        write(&k, 0, b"k");
        assert!(flag.is_set());
        k.unwatch(0, &Bytes::from_static(b"k"), &flag);

        k.block_on(0, Bytes::from_static(b"list"));
        write(&k, 0, b"other");
        assert!(!k.has_ready());
        write(&k, 0, b"list");
        write(&k, 0, b"list");
        assert_eq!(k.take_ready(), vec![(0, Bytes::from_static(b"list"))]);
        k.unblock(0, &Bytes::from_static(b"list"));
        write(&k, 0, b"list");
        assert!(!k.has_ready());
    }

    #[test]
    fn swapdb_touches_both_databases() {
        let k = KeyEvents::default();
        let (in1, in3, in2) =
            (Arc::new(WatchFlag::default()), Arc::new(WatchFlag::default()), Arc::new(WatchFlag::default()));
        k.watch(1, Bytes::from_static(b"a"), in1.clone());
        k.watch(3, Bytes::from_static(b"b"), in3.clone());
        k.watch(2, Bytes::from_static(b"c"), in2.clone());
        k.block_on(3, Bytes::from_static(b"q"));
        k.block_on(2, Bytes::from_static(b"r"));
        let swap = Mutation { shard: 0, seq: 1, db: 1, key: b"", event: Event::SwapDb { with: 3 }, delta: None };
        k.on_mutation(&swap, &Waiters::default());
        assert!(in1.is_set() && in3.is_set());
        assert!(!in2.is_set());
        assert_eq!(k.take_ready(), vec![(3, Bytes::from_static(b"q"))]);
        k.unblock(3, &Bytes::from_static(b"q"));
        k.unblock(2, &Bytes::from_static(b"r"));
    }
}
