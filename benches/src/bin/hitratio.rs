//! Hit ratio of each eviction policy against moka on a Zipf(0.99) trace.
//!
//! Deterministic: one seeded trace of 5M requests over 1M keys, replayed as
//! "get, and set on a miss" against a shard per policy and a moka cache, all
//! holding 10% of the keys. moka counts entries; the shard's budget is bytes,
//! so it gets `capacity x` the measured bytes per key (every key and value
//! has the same size). Prints CSV: `impl,capacity,requests,hit_ratio`.
//!
//! `cargo run --release -p coreshard-benches --bin hitratio [keys] [requests]`

use coreshard_engine::types::SetOptions;
use coreshard_engine::{PolicyKind, Shard, ShardConfig};
use rand::rngs::SmallRng;
use rand::SeedableRng;
use rand_distr::{Distribution, Zipf};

const SEED: u64 = 0x5eed_c0de;
const VALUE: [u8; 8] = *b"value!!!";

/// A cache under test: `true` on a hit, and a miss stores the key.
trait Cache {
    fn get_or_set(&mut self, id: u64) -> bool;
}

fn key(id: u64) -> [u8; 8] {
    id.to_be_bytes()
}

struct ShardCache(Shard);

impl Cache for ShardCache {
    fn get_or_set(&mut self, id: u64) -> bool {
        let k = key(id);
        if self.0.get(0, &k).expect("get").is_some() {
            return true;
        }
        self.0.set(0, &k, &VALUE, SetOptions::default()).expect("set under an evicting policy");
        false
    }
}

struct MokaCache(moka::sync::Cache<u64, [u8; 8]>);

impl Cache for MokaCache {
    fn get_or_set(&mut self, id: u64) -> bool {
        if self.0.get(&id).is_some() {
            return true;
        }
        self.0.insert(id, VALUE);
        false
    }
}

/// Bytes the shard accounts per key of the shape this benchmark stores.
fn bytes_per_key() -> usize {
    const N: u64 = 10_000;
    let mut shard = Shard::new(0, ShardConfig::default());
    for id in 0..N {
        shard.set(0, &key(id), &VALUE, SetOptions::default()).expect("set");
    }
    shard.used_memory().div_ceil(N as usize)
}

fn run(cache: &mut dyn Cache, trace: &[u64]) -> f64 {
    let hits = trace.iter().filter(|&&id| cache.get_or_set(id)).count();
    hits as f64 / trace.len() as f64
}

fn main() {
    let mut args = std::env::args().skip(1);
    let keys: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(1_000_000);
    let requests: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5_000_000);
    let capacity = keys / 10;

    let zipf = Zipf::new(keys, 0.99).expect("valid Zipf parameters");
    let mut rng = SmallRng::seed_from_u64(SEED);
    let trace: Vec<u64> = (0..requests).map(|_| zipf.sample(&mut rng) as u64 - 1).collect();

    let per_key = bytes_per_key();
    println!("impl,capacity,requests,hit_ratio");
    for kind in [PolicyKind::AllKeysLru, PolicyKind::AllKeysLfu, PolicyKind::AllKeysRandom, PolicyKind::S3Fifo] {
        let config = ShardConfig { maxmemory: capacity as usize * per_key, policy: kind, ..ShardConfig::default() };
        let mut cache = ShardCache(Shard::new(0, config));
        let ratio = run(&mut cache, &trace);
        println!("{},{capacity},{requests},{ratio:.4}", kind.name());
    }
    let mut cache = MokaCache(moka::sync::Cache::builder().max_capacity(capacity).build());
    let ratio = run(&mut cache, &trace);
    println!("moka,{capacity},{requests},{ratio:.4}");
}
