//! `allkeys-random` / `volatile-random`: evict a uniformly random key (among
//! keys with a TTL for the volatile flavour). No per-key state.

use rand::rngs::SmallRng;

use super::{EvictionPolicy, KeyspaceView, PolicyKind, Scope};

/// `allkeys-random` / `volatile-random`.
pub(crate) struct Random {
    scope: Scope,
}

impl Random {
    pub(crate) fn new(scope: Scope) -> Self {
        Random { scope }
    }
}

impl EvictionPolicy for Random {
    fn kind(&self) -> PolicyKind {
        match self.scope {
            Scope::AllKeys => PolicyKind::AllKeysRandom,
            Scope::Volatile => PolicyKind::VolatileRandom,
        }
    }

    #[inline]
    fn on_insert(&mut self, _slot: u32, _key_hash: u64, meta: &mut u32) {
        *meta = 0;
    }

    #[inline]
    fn on_access(&mut self, _slot: u32, _meta: &mut u32) {}

    #[inline]
    fn on_remove(&mut self, _slot: u32, _key_hash: u64, _meta: u32) {}

    fn clear(&mut self) {}

    fn victim(&mut self, keys: &KeyspaceView<'_>, rng: &mut SmallRng) -> Option<u32> {
        self.scope.sample(keys, rng)
    }
}
