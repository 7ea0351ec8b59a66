//! `volatile-ttl`: evict the key whose TTL runs out first.
//!
//! Redis approximates this by sampling keys with a TTL and evicting the one
//! with the nearest deadline. The keyspace already keeps every deadline in
//! order (for active expiry), so the exact answer is one ordered-set lookup
//! away and costs no sampling: this policy always evicts the key with the
//! globally nearest expiry (ties broken by slot). Keys without a TTL are
//! never candidates; with none left, the write fails with the OOM error.

use rand::rngs::SmallRng;

use super::{EvictionPolicy, KeyspaceView, PolicyKind};

/// `volatile-ttl`.
pub(crate) struct VolatileTtl;

impl EvictionPolicy for VolatileTtl {
    fn kind(&self) -> PolicyKind {
        PolicyKind::VolatileTtl
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

    fn victim(&mut self, keys: &KeyspaceView<'_>, _rng: &mut SmallRng) -> Option<u32> {
        keys.soonest_expiring()
    }
}
