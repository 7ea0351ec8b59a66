//! Per-key memory: RSS growth for 1M keys of 16 B with 32 B values.
//!
//! `cargo run --release -p coreshard-benches --bin memory`
//!
//! Each implementation runs in its own child process so freed memory of one
//! cannot hide another's. Prints `impl,keys,bytes_per_key`. All use the same
//! allocator (mimalloc).

use std::hint::black_box;
use std::process::Command;

use coreshard_benches::rss_bytes;
use coreshard_engine::types::SetOptions;
use coreshard_engine::{Engine, Shard, ShardConfig};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const KEYS: usize = 1_000_000;
const IMPLS: [&str; 5] = ["coreshard-shard", "coreshard-engine", "dashmap", "moka", "quick_cache"];

fn key(i: usize) -> [u8; 16] {
    let mut k = *b"key:000000000000";
    let mut v = i;
    for b in k[4..].iter_mut().rev() {
        *b = b'0' + (v % 10) as u8;
        v /= 10;
    }
    k
}

fn value(i: usize) -> [u8; 32] {
    let mut v = [b'v'; 32];
    v[..16].copy_from_slice(&key(i));
    v
}

fn measure(name: &str) -> Option<(f64, String)> {
    match name {
        "coreshard-shard" => {
            // One shard on this thread: the storage itself.
            let mut shard = Shard::new(0, ShardConfig::default());
            let before = rss_bytes();
            for i in 0..KEYS {
                let _ = shard.set(0, &key(i), &value(i), SetOptions::default());
            }
            let after = rss_bytes();
            let st = shard.stats();
            let note = format!("keys={} engine-accounted={:.1}B/key", st.keys, st.used_bytes as f64 / st.keys as f64);
            Some(((after - before) as f64 / KEYS as f64, note))
        }
        "coreshard-engine" => {
            let engine = Engine::builder().pin_cores([]).build().ok()?;
            let before = rss_bytes();
            let _ = engine.run_on_all(|ctx| async move {
                ctx.with(|s| {
                    for i in 0..KEYS {
                        let k = key(i);
                        if ctx.owns(&k) {
                            let _ = s.set(0, &k, &value(i), SetOptions::default());
                        }
                    }
                })
                .await;
                Ok(())
            });
            let after = rss_bytes();
            let stats = engine.handle().stats().wait().ok()?;
            let keys: u64 = stats.iter().map(|s| s.keys).sum();
            let accounted: u64 = stats.iter().map(|s| s.used_bytes).sum();
            let note = format!("keys={keys} engine-accounted={:.1}B/key", accounted as f64 / keys.max(1) as f64);
            Some(((after - before) as f64 / KEYS as f64, note))
        }
        "dashmap" => {
            let before = rss_bytes();
            let m: dashmap::DashMap<Box<[u8]>, Box<[u8]>, ahash::RandomState> = dashmap::DashMap::default();
            for i in 0..KEYS {
                m.insert(Box::new(key(i)), Box::new(value(i)));
            }
            let after = rss_bytes();
            black_box(&m);
            Some(((after - before) as f64 / KEYS as f64, format!("len={}", m.len())))
        }
        "moka" => {
            let before = rss_bytes();
            let m: moka::sync::Cache<Box<[u8]>, Box<[u8]>> = moka::sync::Cache::new(2 * KEYS as u64);
            for i in 0..KEYS {
                m.insert(Box::new(key(i)), Box::new(value(i)));
            }
            m.run_pending_tasks();
            let after = rss_bytes();
            Some(((after - before) as f64 / KEYS as f64, format!("len={}", m.entry_count())))
        }
        "quick_cache" => {
            let before = rss_bytes();
            let m: quick_cache::sync::Cache<Box<[u8]>, Box<[u8]>> = quick_cache::sync::Cache::new(2 * KEYS);
            for i in 0..KEYS {
                m.insert(Box::new(key(i)), Box::new(value(i)));
            }
            let after = rss_bytes();
            Some(((after - before) as f64 / KEYS as f64, format!("len={}", m.len())))
        }
        _ => None,
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    if let (Some(flag), Some(name)) = (args.next(), args.next()) {
        if flag == "--one" {
            match measure(&name) {
                Some((b, note)) => println!("{b:.1} {note}"),
                None => std::process::exit(1),
            }
            return;
        }
    }
    let exe = match std::env::current_exe() {
        Ok(e) => e,
        Err(e) => {
            eprintln!("current_exe: {e}");
            std::process::exit(1);
        }
    };
    println!("impl,keys,bytes_per_key");
    for name in IMPLS {
        match Command::new(&exe).args(["--one", name]).output() {
            Ok(out) if out.status.success() => {
                let text = String::from_utf8_lossy(&out.stdout);
                let mut parts = text.trim().splitn(2, ' ');
                let bytes = parts.next().unwrap_or("?");
                println!("{name},{KEYS},{bytes}");
                if let Some(note) = parts.next() {
                    eprintln!("{name}: {note}");
                }
            }
            Ok(out) => eprintln!("{name}: failed: {}", String::from_utf8_lossy(&out.stderr)),
            Err(e) => eprintln!("{name}: {e}"),
        }
    }
}
