//! Per-shard counters.

/// A snapshot of one shard's counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ShardStats {
    /// Shard index.
    pub shard: usize,
    /// Keys stored (all databases).
    pub keys: u64,
    /// Keys with a TTL.
    pub expiring_keys: u64,
    /// Bytes counted against the memory budget.
    pub used_bytes: u64,
    /// Bytes of the index and slab themselves.
    pub table_bytes: u64,
    /// Memory budget (0 = unlimited).
    pub maxmemory: u64,
    /// Reads that found their key.
    pub hits: u64,
    /// Reads that did not.
    pub misses: u64,
    /// Keys removed because their TTL passed.
    pub expired: u64,
    /// Keys evicted to stay under budget.
    pub evicted: u64,
    /// Key operations performed.
    pub ops: u64,
    /// Last mutation sequence number.
    pub seq: u64,
}

impl ShardStats {
    /// Sums counters over shards (`shard` is set to the number of shards).
    pub fn total<'a>(all: impl IntoIterator<Item = &'a ShardStats>) -> ShardStats {
        let mut t = ShardStats::default();
        for s in all {
            t.shard += 1;
            t.keys += s.keys;
            t.expiring_keys += s.expiring_keys;
            t.used_bytes += s.used_bytes;
            t.table_bytes += s.table_bytes;
            t.maxmemory += s.maxmemory;
            t.hits += s.hits;
            t.misses += s.misses;
            t.expired += s.expired;
            t.evicted += s.evicted;
            t.ops += s.ops;
            t.seq += s.seq;
        }
        t
    }
}
