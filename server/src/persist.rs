//! Persistence wired in at start: each shard reads its log back, then logs
//! every write from then on (see `coreshard_persistence::log`).

use std::sync::Arc;
use std::time::Instant;

use coreshard_engine::runtime::Durability;
use coreshard_engine::{Engine, ShardCtx};
use coreshard_persistence::log::{self, LogStatus, Recovered};

use crate::config::Config;

/// What one shard found in its log.
struct ShardRecovery {
    recovered: Recovered,
    keys: u64,
}

/// Opens every shard's log under `config.dir`, replays it into the shard,
/// and starts the shard's batcher and writer. Runs before any client is
/// accepted.
pub(crate) fn open_logs(engine: &Engine, config: &Config) -> Result<Arc<LogStatus>, String> {
    let started = Instant::now();
    let dir = &config.dir;
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create the data directory {}: {e}", dir.display()))?;
    log::check_layout(dir, engine.shards()).map_err(|e| e.to_string())?;
    let status = LogStatus::new(engine.shards());
    let mut totals = (Recovered::default(), 0u64);
    for shard in 0..engine.shards() {
        let shard_dir = log::shard_dir(dir, shard);
        let truncate = config.aof_truncate_corrupt;
        let fsync = config.appendfsync;
        let st = status.clone();
        let found = engine
            .spawn_on(shard, move |ctx: ShardCtx| async move {
                let opened = ctx.with(|s| log::open(&shard_dir, truncate, |c| s.apply(c.db, &c.args))).await;
                let opened = match opened {
                    Ok(o) => o,
                    Err(e) => return Ok(Err(e.to_string())),
                };
                let (seq, keys) = ctx.with(|s| (s.seq(), s.stats().keys)).await;
                let durability = Durability::new(seq);
                let (sink, writer) = match log::start(ctx.id(), opened.file, fsync, durability.clone(), st) {
                    Ok(p) => p,
                    Err(e) => return Ok(Err(format!("{}: {e}", opened.path.display()))),
                };
                ctx.with(|s| s.add_sink(Box::new(sink))).await;
                ctx.set_durability(durability);
                monoio::spawn(writer.run());
                Ok(Ok(ShardRecovery { recovered: opened.recovered, keys }))
            })
            .wait();
        let found = match found {
            Ok(Ok(f)) => f,
            Ok(Err(e)) => return Err(e),
            Err(e) => return Err(format!("shard {shard} could not open its log: {e}")),
        };
        let r = &found.recovered;
        totals.0.files += r.files;
        totals.0.bytes += r.bytes;
        totals.0.commands += r.commands;
        totals.0.batches += r.batches;
        totals.1 += found.keys;
    }
    tracing::info!(
        dir = %dir.display(),
        appendfsync = config.appendfsync.name(),
        keys = totals.1,
        commands = totals.0.commands,
        bytes = totals.0.bytes,
        files = totals.0.files,
        ms = started.elapsed().as_millis() as u64,
        "data loaded from the log"
    );
    Ok(status)
}
