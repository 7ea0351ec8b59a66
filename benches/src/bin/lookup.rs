//! Latency of one random GET: a bare shard against DashMap, in one process
//! with the same allocator, over 1M keys (16 B keys, 64 B values) and the
//! same 4M uniformly random key indexes. Memory-bound: it shows how many
//! dependent cache misses each lookup pays.
//!
//! `cargo run --release -p coreshard-benches --bin lookup`

use std::hint::black_box;
use std::time::Instant;

use bytes::Bytes;
use coreshard_benches::{keys, op_stream, Dist};
use coreshard_engine::types::SetOptions;
use coreshard_engine::{Shard, ShardConfig};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const KEYS: usize = 1_000_000;
const READS: usize = 4_000_000;

fn main() {
    let keys = keys(KEYS);
    let value = [7u8; 64];
    let reads = op_stream(42, READS, KEYS, Dist::Uniform, 0.0);

    let mut shard = Shard::new(0, ShardConfig::default());
    for k in &keys {
        let _ = shard.set(0, k, &value[..], SetOptions::default());
    }
    let t = Instant::now();
    let mut sum = 0usize;
    for op in &reads {
        sum += shard
            .get_with(0, &keys[op.key as usize], |v| v.len() + v[v.len() - 1] as usize)
            .ok()
            .flatten()
            .unwrap_or(0);
    }
    let shard_ns = t.elapsed().as_nanos() as f64 / READS as f64;
    black_box(sum);

    let map: dashmap::DashMap<Bytes, Bytes, ahash::RandomState> = dashmap::DashMap::default();
    for k in &keys {
        map.insert(Bytes::copy_from_slice(k), Bytes::copy_from_slice(&value));
    }
    let t = Instant::now();
    let mut sum = 0usize;
    for op in &reads {
        sum += map.get(&keys[op.key as usize][..]).map_or(0, |v| v.len() + v[v.len() - 1] as usize);
    }
    let dash_ns = t.elapsed().as_nanos() as f64 / READS as f64;
    black_box(sum);

    println!("impl,ns_per_get");
    println!("coreshard-shard,{shard_ns:.0}");
    println!("dashmap,{dash_ns:.0}");
}
