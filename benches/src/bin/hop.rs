//! Cost of reaching another shard: one operation per hop versus a batch of
//! operations per hop, next to local access and the external `Handle` path.
//!
//! `cargo run --release -p coreshard-benches --bin hop`
//!
//! Two shards pinned to cores 0 and 1. A task on shard 0 reads keys owned by
//! shard 1. Prints `path,batch,ns_per_op`.

use std::hint::black_box;
use std::time::Instant;

use coreshard_engine::runtime::IoPreference;
use coreshard_engine::types::SetOptions;
use coreshard_engine::Engine;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const ROUNDS: usize = 200_000;
const BATCH: usize = 64;

fn main() {
    let io = if std::env::args().any(|a| a == "--epoll") { IoPreference::Epoll } else { IoPreference::Auto };
    let spin_us: u64 = std::env::args()
        .skip_while(|a| a != "--spin-us")
        .nth(1)
        .and_then(|v| v.parse().ok())
        .unwrap_or(coreshard_engine::runtime::DEFAULT_SPIN.as_micros() as u64);
    let engine = match Engine::builder()
        .shards(2)
        .pin_cores([0, 1])
        .io(io)
        .spin(std::time::Duration::from_micros(spin_us))
        .build()
    {
        Ok(e) => e,
        Err(e) => {
            eprintln!("engine: {e}");
            std::process::exit(1);
        }
    };
    let router = engine.router().clone();
    let remote: Vec<Vec<u8>> =
        (0..10_000).map(|i| format!("key:{i}").into_bytes()).filter(|k| router.shard_of(k) == 1).take(BATCH).collect();
    let local: Vec<Vec<u8>> =
        (0..10_000).map(|i| format!("key:{i}").into_bytes()).filter(|k| router.shard_of(k) == 0).take(BATCH).collect();
    let h = engine.handle();
    for k in remote.iter().chain(&local) {
        let k2 = k.clone();
        let _ =
            h.call_key(k, move |s| s.set(0, &k2, b"0123456789abcdef0123456789abcdef", SetOptions::default())).wait();
    }
    println!("path,batch,ns_per_op");
    let (r, l) = (remote.clone(), local.clone());
    let res = engine
        .spawn_on(0, move |ctx| async move {
            let mut out = Vec::new();
            // Local access for reference.
            let t = Instant::now();
            for i in 0..ROUNDS {
                let k = &l[i % BATCH];
                black_box(ctx.with(|s| s.get_with(0, k, |v| v.len())).await.ok());
            }
            out.push(("local", 1, t.elapsed().as_nanos() as f64 / ROUNDS as f64));
            // One operation per hop (round trip).
            let t = Instant::now();
            for i in 0..ROUNDS / 4 {
                let k = r[i % BATCH].clone();
                black_box(ctx.call(1, move |s| s.get_with(0, &k, |v| v.len()).ok().flatten()).await?);
            }
            out.push(("hop", 1, t.elapsed().as_nanos() as f64 / (ROUNDS / 4) as f64));
            // A batch of operations per hop.
            let t = Instant::now();
            let rounds = ROUNDS / BATCH;
            for _ in 0..rounds {
                let keys = r.clone();
                black_box(
                    ctx.call(1, move |s| {
                        keys.iter().map(|k| s.get_with(0, k, |v| v.len()).ok().flatten().unwrap_or(0)).sum::<usize>()
                    })
                    .await?,
                );
            }
            out.push(("hop", BATCH, t.elapsed().as_nanos() as f64 / (rounds * BATCH) as f64));
            Ok(out)
        })
        .wait();
    match res {
        Ok(rows) => {
            for (path, batch, ns) in rows {
                println!("{path},{batch},{ns:.0}");
            }
        }
        Err(e) => {
            eprintln!("hop: {e}");
            std::process::exit(1);
        }
    }
    // From a thread outside the engine, blocking on each reply.
    let t = Instant::now();
    let n = ROUNDS / 4;
    for i in 0..n {
        let k = remote[i % BATCH].clone();
        black_box(h.call_key(&remote[i % BATCH], move |s| s.get_with(0, &k, |v| v.len())).wait().ok());
    }
    println!("handle-blocking,1,{:.0}", t.elapsed().as_nanos() as f64 / n as f64);
}
