//! Starts an engine with one shard per core, exercises it from a client
//! thread and from shard-local tasks, and prints what happened.
//!
//! `cargo run --release -p coreshard-engine --example quickstart`

use std::time::Instant;

use coreshard_engine::{Engine, Error};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let engine = Engine::builder().build()?;
    let h = engine.handle();
    let backend = engine.io_backends().first().map_or("none", |b| b.name());
    println!("engine: {} shards, io backend {backend}", engine.shards());

    h.set(b"greeting", "hello").wait()?;
    println!("GET greeting -> {:?}", h.get(b"greeting").wait()?);

    // Keys on different shards, written and read atomically.
    let pairs: Vec<(String, String)> = (0..6).map(|i| (format!("user:{i}"), format!("name-{i}"))).collect();
    h.mset(&pairs).wait()?;
    let keys: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
    for k in &keys {
        println!("  {k} lives on shard {}", h.shard_of(k.as_bytes()));
    }
    println!("MGET -> {:?}", h.mget(&keys).wait()?.iter().flatten().count());

    println!("INCRBY counter 5 -> {}", h.incr_by(b"counter", 5).wait()?);
    match h.incr_by(b"greeting", 1).wait() {
        Err(Error::NotInteger) => println!("INCRBY greeting -> {}", Error::NotInteger),
        other => println!("INCRBY greeting -> {other:?}"),
    }
    h.expire(b"greeting", 60).wait()?;
    println!("TTL greeting -> {}", h.ttl(b"greeting").wait()?);
    h.rename(b"user:0", b"user:renamed").wait()?;
    println!("RENAME user:0 user:renamed -> exists {}", h.exists(&["user:renamed"]).wait()?);

    // Shard-local work: each shard fills its own keys with no locks or messages.
    let start = Instant::now();
    let counts = engine.run_on_all(|ctx| async move {
        let mut n = 0;
        ctx.with(|shard| {
            for i in 0..100_000u32 {
                let key = format!("local:{i}");
                if ctx.owns(key.as_bytes()) {
                    let _ = shard.set(0, key.as_bytes(), &i.to_le_bytes(), Default::default());
                    n += 1;
                }
            }
        })
        .await;
        Ok(n)
    })?;
    println!("shard-local SETs per shard {counts:?} in {:?}", start.elapsed());
    println!("DBSIZE -> {}", h.dbsize().wait()?);
    for s in h.stats().wait()? {
        println!("  shard {}: keys {} ops {} used {} B", s.shard, s.keys, s.ops, s.used_bytes);
    }
    engine.shutdown();
    println!("engine stopped");
    Ok(())
}
