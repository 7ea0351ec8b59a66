//! Embedded throughput: coreshard (shard-local and through `Handle`) against
//! DashMap, moka and quick_cache on the same seeded key streams.
//!
//! `cargo run --release -p coreshard-benches --bin embedded -- --csv`
//!
//! Every implementation hashes and routes each key itself, stores its own
//! copy of each value on SET (as a cache fed from the network would), and on
//! GET reads the value bytes (a checksum of its first and last byte and its
//! length).
//! Threads are pinned to cores 0..N; coreshard runs N shards pinned the same
//! way. "shard-local": each shard thread walks a stream of keys its shard
//! owns (the thread-per-core model, where a cluster-aware client sends each
//! key to its owner) and still computes every key's slot and owner before
//! executing it; "handle" sends every operation of N client threads'
//! unfiltered streams through `Handle`, 64 in flight.

use std::collections::VecDeque;
use std::hint::black_box;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use bytes::Bytes;
use coreshard_benches::{keys, op_stream, pin, Dist, Op};
use coreshard_engine::types::SetOptions;
use coreshard_engine::{Engine, Shard};
use rand::{RngCore, SeedableRng};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const KEYS: usize = 1_000_000;
const STREAM: usize = 1 << 21;
const VALUES: usize = 1024;

struct Args {
    child: bool,
    csv: bool,
    workload: Option<String>,
    seconds: f64,
    only: Option<String>,
    threads: Vec<usize>,
    sizes: Vec<usize>,
}

fn parse_args() -> Args {
    let mut a = Args {
        child: false,
        csv: false,
        workload: None,
        seconds: 1.0,
        only: None,
        threads: vec![1, 2],
        sizes: vec![64, 4096],
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--csv" => a.csv = true,
            "--child" => a.child = true,
            "--workload" => a.workload = it.next(),
            "--seconds" => a.seconds = it.next().and_then(|s| s.parse().ok()).unwrap_or(1.0),
            "--impl" => a.only = it.next(),
            "--threads" => {
                a.threads = it.next().map(|s| s.split(',').filter_map(|x| x.parse().ok()).collect()).unwrap_or_default()
            }
            "--sizes" => {
                a.sizes = it.next().map(|s| s.split(',').filter_map(|x| x.parse().ok()).collect()).unwrap_or_default()
            }
            "--help" | "-h" => {
                println!("embedded [--csv] [--seconds S] [--impl NAME] [--threads 1,2] [--sizes 64,4096]");
                std::process::exit(0);
            }
            other => {
                eprintln!("unknown argument {other}");
                std::process::exit(2);
            }
        }
    }
    a
}

/// Distinct values of one size, sliced from one random buffer.
fn values(size: usize) -> Vec<Bytes> {
    let mut buf = vec![0u8; size + VALUES * 61];
    rand::rngs::SmallRng::seed_from_u64(9).fill_bytes(&mut buf);
    let buf = Bytes::from(buf);
    (0..VALUES).map(|i| buf.slice(i * 61..i * 61 + size)).collect()
}

#[inline]
fn touch(v: &[u8]) -> u64 {
    v.len() as u64 + *v.first().unwrap_or(&0) as u64 + *v.last().unwrap_or(&0) as u64
}

struct Workload {
    name: &'static str,
    write_ratio: f64,
}

const WORKLOADS: [Workload; 3] = [
    Workload { name: "get100", write_ratio: 0.0 },
    Workload { name: "set100", write_ratio: 1.0 },
    Workload { name: "get80set20", write_ratio: 0.2 },
];

/// Runs `body(thread)` on `threads` pinned threads for `secs` and returns
/// total operations per second.
fn timed<F>(threads: usize, secs: f64, body: F) -> f64
where
    F: Fn(usize, Instant) -> u64 + Send + Sync + 'static,
{
    let body = Arc::new(body);
    let barrier = Arc::new(Barrier::new(threads + 1));
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let body = body.clone();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                pin(t);
                barrier.wait();
                let deadline = Instant::now() + Duration::from_secs_f64(secs);
                body(t, deadline)
            })
        })
        .collect();
    barrier.wait();
    let start = Instant::now();
    let ops: u64 = handles.into_iter().map(|h| h.join().unwrap_or(0)).sum();
    ops as f64 / start.elapsed().as_secs_f64()
}

/// Walks `stream` cyclically until `deadline`, calling `f` per op; `f`
/// returns whether it executed the op.
#[inline]
fn drive(stream: &[Op], deadline: Instant, mut f: impl FnMut(&Op) -> bool) -> u64 {
    let mut done = 0u64;
    let mut i = 0usize;
    loop {
        for op in &stream[i..i + 1024] {
            done += f(op) as u64;
        }
        i = (i + 1024) % stream.len();
        if Instant::now() >= deadline {
            return done;
        }
    }
}

trait MapStore: Send + Sync + 'static {
    fn get(&self, k: &[u8]) -> u64;
    fn set(&self, k: &[u8], v: &Bytes);
}

struct Dash(dashmap::DashMap<Bytes, Bytes, ahash::RandomState>);
impl MapStore for Dash {
    #[inline]
    fn get(&self, k: &[u8]) -> u64 {
        self.0.get(k).map_or(0, |v| touch(&v))
    }
    #[inline]
    fn set(&self, k: &[u8], v: &Bytes) {
        let v = Bytes::copy_from_slice(v);
        match self.0.get_mut(k) {
            Some(mut e) => *e = v,
            None => {
                self.0.insert(Bytes::copy_from_slice(k), v);
            }
        }
    }
}

struct Moka(moka::sync::Cache<Bytes, Bytes>);
impl MapStore for Moka {
    #[inline]
    fn get(&self, k: &[u8]) -> u64 {
        self.0.get(k).map_or(0, |v| touch(&v))
    }
    #[inline]
    fn set(&self, k: &[u8], v: &Bytes) {
        self.0.insert(Bytes::copy_from_slice(k), Bytes::copy_from_slice(v));
    }
}

struct Quick(quick_cache::sync::Cache<Bytes, Bytes>);
impl MapStore for Quick {
    #[inline]
    fn get(&self, k: &[u8]) -> u64 {
        self.0.get(k).map_or(0, |v| touch(&v))
    }
    #[inline]
    fn set(&self, k: &[u8], v: &Bytes) {
        self.0.insert(Bytes::copy_from_slice(k), Bytes::copy_from_slice(v));
    }
}

struct Ctx {
    keys: Arc<Vec<[u8; 16]>>,
    vals: Arc<Vec<Bytes>>,
    streams: Arc<Vec<Vec<Op>>>,
}

fn run_map<S: MapStore>(store: Arc<S>, ctx: &Ctx, threads: usize, secs: f64) -> f64 {
    let (keys, vals, streams) = (ctx.keys.clone(), ctx.vals.clone(), ctx.streams.clone());
    timed(threads, secs, move |t, deadline| {
        let mut sum = 0u64;
        let n = drive(&streams[t], deadline, |op| {
            let k = &keys[op.key as usize];
            if op.write {
                store.set(k, &vals[op.key as usize % VALUES]);
            } else {
                sum = sum.wrapping_add(store.get(k));
            }
            true
        });
        black_box(sum);
        n
    })
}

fn shard_set(s: &mut Shard, k: &[u8], v: &Bytes) {
    let _ = black_box(s.set(0, k, &v[..], SetOptions::default()));
}

/// Per-shard streams: the same seeded streams, keeping each shard's keys.
fn owned_streams(engine: &Engine, ctx: &Ctx) -> Arc<Vec<Vec<Op>>> {
    let router = engine.router();
    Arc::new(
        (0..engine.shards())
            .map(|s| {
                let mut v: Vec<Op> = ctx.streams[s]
                    .iter()
                    .filter(|op| router.shard_of(&ctx.keys[op.key as usize]) == s)
                    .copied()
                    .collect();
                v.truncate(v.len() / 1024 * 1024);
                v
            })
            .collect(),
    )
}

fn run_local(engine: &Engine, ctx: &Ctx, secs: f64) -> f64 {
    let (keys, vals, streams) = (ctx.keys.clone(), ctx.vals.clone(), owned_streams(engine, ctx));
    let start = Instant::now();
    let counts = engine
        .run_on_all(move |sctx| {
            let (keys, vals, streams) = (keys.clone(), vals.clone(), streams.clone());
            async move {
                let deadline = Instant::now() + Duration::from_secs_f64(secs);
                let mut sum = 0u64;
                let n = drive(&streams[sctx.id()], deadline, |op| {
                    let k = &keys[op.key as usize];
                    if !sctx.owns(k) {
                        return false;
                    }
                    sctx.try_with(|s| {
                        if op.write {
                            shard_set(s, k, &vals[op.key as usize % VALUES]);
                        } else {
                            sum = sum.wrapping_add(s.get_with(0, k, touch).ok().flatten().unwrap_or(0));
                        }
                    })
                    .is_some()
                });
                black_box(sum);
                Ok(n)
            }
        })
        .unwrap_or_default();
    counts.iter().sum::<u64>() as f64 / start.elapsed().as_secs_f64()
}

fn run_handle(engine: &Engine, ctx: &Ctx, threads: usize, secs: f64) -> f64 {
    let (keys, vals, streams) = (ctx.keys.clone(), ctx.vals.clone(), ctx.streams.clone());
    let h = engine.handle();
    timed(threads, secs, move |t, deadline| {
        let mut inflight = VecDeque::with_capacity(64);
        let mut sum = 0u64;
        let n = drive(&streams[t], deadline, |op| {
            let k = keys[op.key as usize];
            let p = if op.write {
                let v = vals[op.key as usize % VALUES].clone();
                h.call_key(&k, move |s| {
                    shard_set(s, &k, &v);
                    Ok(0)
                })
            } else {
                h.call_key(&k, move |s| Ok(s.get_with(0, &k, touch)?.unwrap_or(0)))
            };
            inflight.push_back(p);
            if inflight.len() == 64 {
                if let Some(p) = inflight.pop_front() {
                    sum = sum.wrapping_add(p.wait().unwrap_or(0));
                }
            }
            true
        });
        for p in inflight {
            sum = sum.wrapping_add(p.wait().unwrap_or(0));
        }
        black_box(sum);
        n
    })
}

fn prefill_engine(engine: &Engine, ctx: &Ctx) {
    let (keys, vals) = (ctx.keys.clone(), ctx.vals.clone());
    let _ = engine.run_on_all(move |sctx| {
        let (keys, vals) = (keys.clone(), vals.clone());
        async move {
            sctx.with(|s| {
                for (i, k) in keys.iter().enumerate() {
                    if sctx.owns(k) {
                        shard_set(s, k, &vals[i % VALUES]);
                    }
                }
            })
            .await;
            Ok(())
        }
    });
}

fn prefill_map<S: MapStore>(store: &S, ctx: &Ctx) {
    for (i, k) in ctx.keys.iter().enumerate() {
        store.set(k, &ctx.vals[i % VALUES]);
    }
}

const IMPLS: [&str; 5] = ["coreshard-local", "coreshard-handle", "dashmap", "moka", "quick_cache"];

/// Runs every implementation and value size in its own child process, so
/// memory freed by one (gigabytes with 4 KiB values) cannot exhaust the
/// machine for the next, and prints their rows.
fn run_children(args: &Args) {
    let Ok(exe) = std::env::current_exe() else {
        eprintln!("cannot find own executable");
        std::process::exit(1);
    };
    let threads: Vec<String> = args.threads.iter().map(|t| t.to_string()).collect();
    if args.csv {
        println!("impl,workload,value_size,threads,ops_per_sec");
    }
    let mut rows: Vec<(String, String, String, String, f64)> = Vec::new();
    let cells = args.sizes.iter().flat_map(|&size| {
        ["zipf", "uniform"].into_iter().flat_map(move |dist| WORKLOADS.iter().map(move |w| (size, dist, w.name)))
    });
    for (size, dist, wl) in cells {
        for imp in IMPLS.iter().filter(|i| args.only.as_deref().is_none_or(|o| o == **i)) {
            let out = std::process::Command::new(&exe)
                .args(["--child", "--csv", "--impl", imp, "--sizes", &size.to_string()])
                .args(["--workload", &format!("{wl}/{dist}")])
                .args(["--threads", &threads.join(",")])
                .args(["--seconds", &args.seconds.to_string()])
                .stderr(std::process::Stdio::null())
                .output();
            let Ok(out) = out else { continue };
            for line in String::from_utf8_lossy(&out.stdout).lines().skip(1) {
                let f: Vec<&str> = line.split(',').collect();
                if let [i, w, v, t, ops] = f[..] {
                    let ops: f64 = ops.parse().unwrap_or(0.0);
                    if args.csv {
                        println!("{line}");
                    } else {
                        println!("{i:<22} {w:<20} {v:>5} B  {t} thr  {:>10.2} Mops/s", ops / 1e6);
                    }
                    rows.push((i.into(), w.into(), v.into(), t.into(), ops));
                }
            }
        }
    }
    for (imp, wl, size, th, ops) in &rows {
        if imp == "dashmap" {
            continue;
        }
        if let Some(base) = rows.iter().find(|r| r.0 == "dashmap" && &r.1 == wl && &r.2 == size && &r.3 == th) {
            eprintln!("ratio {imp}/dashmap {wl} {size}B {th}thr: {:.2}x", ops / base.4);
        }
    }
}

fn main() {
    let args = parse_args();
    if !args.child {
        run_children(&args);
        return;
    }
    let key_table = Arc::new(keys(KEYS));
    let want = |name: &str| args.only.as_deref().is_none_or(|o| o == name);
    if args.csv {
        println!("impl,workload,value_size,threads,ops_per_sec");
    }
    let mut results: Vec<(String, String, usize, usize, f64)> = Vec::new();
    let emit = |results: &mut Vec<(String, String, usize, usize, f64)>, imp: &str, wl: String, size, th, ops: f64| {
        if args.csv {
            println!("{imp},{wl},{size},{th},{ops:.0}");
        } else {
            println!("{imp:<22} {wl:<20} {size:>5} B  {th} thr  {:>10.2} Mops/s", ops / 1e6);
        }
        results.push((imp.to_string(), wl, size, th, ops));
    };
    for &size in &args.sizes {
        let vals = Arc::new(values(size));
        for dist in [Dist::Zipf, Dist::Uniform] {
            for wl in &WORKLOADS {
                let wl_name = format!("{}/{}", wl.name, dist.name());
                if args.workload.as_ref().is_some_and(|w| *w != wl_name) {
                    continue;
                }
                let max_threads = args.threads.iter().copied().max().unwrap_or(1);
                let streams = Arc::new(
                    (0..max_threads)
                        .map(|t| op_stream(1000 + t as u64, STREAM, KEYS, dist, wl.write_ratio))
                        .collect::<Vec<_>>(),
                );
                let ctx = Ctx { keys: key_table.clone(), vals: vals.clone(), streams };
                for &th in &args.threads {
                    if want("coreshard-local") || want("coreshard-handle") {
                        let engine = match Engine::builder().shards(th).pin_cores(0..th).build() {
                            Ok(e) => e,
                            Err(e) => {
                                eprintln!("engine: {e}");
                                std::process::exit(1);
                            }
                        };
                        prefill_engine(&engine, &ctx);
                        if want("coreshard-local") {
                            let ops = run_local(&engine, &ctx, args.seconds);
                            emit(&mut results, "coreshard-local", wl_name.clone(), size, th, ops);
                        }
                        if want("coreshard-handle") {
                            let ops = run_handle(&engine, &ctx, th, args.seconds);
                            emit(&mut results, "coreshard-handle", wl_name.clone(), size, th, ops);
                        }
                    }
                    if want("dashmap") {
                        let m =
                            Arc::new(Dash(dashmap::DashMap::with_capacity_and_hasher(KEYS, ahash::RandomState::new())));
                        prefill_map(&*m, &ctx);
                        let ops = run_map(m, &ctx, th, args.seconds);
                        emit(&mut results, "dashmap", wl_name.clone(), size, th, ops);
                    }
                    if want("moka") {
                        let m = Arc::new(Moka(moka::sync::Cache::new(2 * KEYS as u64)));
                        prefill_map(&*m, &ctx);
                        let ops = run_map(m, &ctx, th, args.seconds);
                        emit(&mut results, "moka", wl_name.clone(), size, th, ops);
                    }
                    if want("quick_cache") {
                        let m = Arc::new(Quick(quick_cache::sync::Cache::new(2 * KEYS)));
                        prefill_map(&*m, &ctx);
                        let ops = run_map(m, &ctx, th, args.seconds);
                        emit(&mut results, "quick_cache", wl_name.clone(), size, th, ops);
                    }
                }
            }
        }
    }
    // Ratios against DashMap, to stderr so the CSV stays clean.
    for (imp, wl, size, th, ops) in &results {
        if imp == "dashmap" {
            continue;
        }
        if let Some((.., base)) = results.iter().find(|r| r.0 == "dashmap" && &r.1 == wl && r.2 == *size && r.3 == *th)
        {
            eprintln!("ratio {imp}/dashmap {wl} {size}B {th}thr: {:.2}x", ops / base);
        }
    }
}
