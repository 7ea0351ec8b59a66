//! Persistence wired in: each shard reads its log back at start, then logs
//! every write; snapshots (SAVE, BGSAVE) and log rewrites (BGREWRITEAOF,
//! and by themselves when a log has grown) run as tasks on each shard's
//! own thread (see `coreshard_persistence`).

use std::cell::{Cell, RefCell};
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use coreshard_engine::runtime::Durability;
use coreshard_engine::{Engine, ShardCtx};
use coreshard_persistence::log::{self, Log, LogStatus, Recovered};
use coreshard_persistence::snapshot::{self, SaveError, Saved};

use crate::config::Config;
use crate::server::ServerState;

/// How often each shard looks whether its log should be rewritten.
const CHECK: Duration = Duration::from_millis(100);
/// A rewrite that failed is tried again after this long, doubling up to
/// [`MAX_BACKOFF`] while it keeps failing.
const BACKOFF: Duration = Duration::from_secs(1);
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// What INFO `persistence` reports of snapshots and rewrites, over every
/// shard.
#[derive(Debug)]
pub struct Snapshots {
    /// Shards writing a snapshot for SAVE or BGSAVE now.
    pub saving: AtomicUsize,
    /// Shards rewriting their log now.
    pub rewriting: AtomicUsize,
    /// Unix time of the last snapshot every shard wrote (start time
    /// before the first).
    pub lastsave: AtomicU64,
    /// Whether the last SAVE or BGSAVE succeeded on every shard.
    pub last_save_ok: AtomicBool,
    /// Seconds the last one took (-1: none yet).
    pub last_save_secs: AtomicI64,
    /// Whether the last rewrite of any shard's log succeeded.
    pub last_rewrite_ok: AtomicBool,
    /// Seconds the last rewrite took (-1: none yet).
    pub last_rewrite_secs: AtomicI64,
    /// Snapshots written (per SAVE or BGSAVE, all shards).
    pub saves: AtomicU64,
    /// Rewrites done, over every shard.
    pub rewrites: AtomicU64,
    /// Each shard's sequence number at its last snapshot (for
    /// `rdb_changes_since_last_save`).
    pub saved_seq: Vec<AtomicU64>,
}

impl Snapshots {
    /// Nothing saved yet; `started` is the server's start time.
    pub fn new(shards: usize, started: u64) -> Snapshots {
        Snapshots {
            saving: AtomicUsize::new(0),
            rewriting: AtomicUsize::new(0),
            lastsave: AtomicU64::new(started),
            last_save_ok: AtomicBool::new(true),
            last_save_secs: AtomicI64::new(-1),
            last_rewrite_ok: AtomicBool::new(true),
            last_rewrite_secs: AtomicI64::new(-1),
            saves: AtomicU64::new(0),
            rewrites: AtomicU64::new(0),
            saved_seq: (0..shards).map(|_| AtomicU64::new(0)).collect(),
        }
    }
}

/// What persistence keeps on each shard's thread.
#[derive(Default)]
struct Local {
    log: Option<Log>,
    rewriting: Cell<bool>,
}

thread_local! {
    static LOCAL: RefCell<Rc<Local>> = RefCell::new(Rc::default());
}

fn local() -> Rc<Local> {
    LOCAL.with(|l| l.borrow().clone())
}

/// What one shard found in its log.
struct ShardRecovery {
    recovered: Recovered,
    keys: u64,
}

/// Opens every shard's log under `config.dir` (all shards at once),
/// replays it into the shard, and starts the shard's batcher and writer.
/// Runs before any client is accepted.
pub(crate) fn open_logs(engine: &Engine, config: &Config) -> Result<Arc<LogStatus>, String> {
    let started = Instant::now();
    let dir = &config.dir;
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create the data directory {}: {e}", dir.display()))?;
    log::check_layout(dir, engine.shards()).map_err(|e| e.to_string())?;
    let status = LogStatus::new(engine.shards());
    let pending: Vec<_> = (0..engine.shards())
        .map(|shard| {
            let shard_dir = log::shard_dir(dir, shard);
            let truncate = config.aof_truncate_corrupt;
            let fsync = config.appendfsync;
            let st = status.clone();
            engine.spawn_on(shard, move |ctx: ShardCtx| async move {
                let opened = ctx.with(|s| log::open(&shard_dir, truncate, |r| r.apply_to(s))).await;
                let opened = match opened {
                    Ok(o) => o,
                    Err(e) => return Ok(Err(e.to_string())),
                };
                let recovered = opened.recovered.clone();
                let path = opened.path.clone();
                let (seq, keys) = ctx.with(|s| (s.seq(), s.stats().keys)).await;
                let durability = Durability::new(seq);
                let (sink, writer, log) = match log::start(ctx.id(), opened, fsync, durability.clone(), st) {
                    Ok(p) => p,
                    Err(e) => return Ok(Err(format!("{}: {e}", path.display()))),
                };
                ctx.with(|s| s.add_sink(Box::new(sink))).await;
                ctx.set_durability(durability);
                monoio::spawn(writer.run());
                LOCAL.with(|l| *l.borrow_mut() = Rc::new(Local { log: Some(log), rewriting: Cell::new(false) }));
                tracing::info!(
                    shard = ctx.id(),
                    keys,
                    base_keys = recovered.base_keys,
                    commands = recovered.commands,
                    bytes = recovered.bytes,
                    "shard loaded"
                );
                Ok(Ok(ShardRecovery { recovered, keys }))
            })
        })
        .collect();
    let mut totals = (Recovered::default(), 0u64);
    for (shard, p) in pending.into_iter().enumerate() {
        let found = match p.wait() {
            Ok(Ok(f)) => f,
            Ok(Err(e)) => return Err(e),
            Err(e) => return Err(format!("shard {shard} could not open its log: {e}")),
        };
        let r = &found.recovered;
        totals.0.files += r.files;
        totals.0.bytes += r.bytes;
        totals.0.commands += r.commands;
        totals.0.base_keys += r.base_keys;
        totals.1 += found.keys;
    }
    tracing::info!(
        dir = %dir.display(),
        appendfsync = config.appendfsync.name(),
        keys = totals.1,
        base_keys = totals.0.base_keys,
        commands = totals.0.commands,
        bytes = totals.0.bytes,
        files = totals.0.files,
        ms = started.elapsed().as_millis() as u64,
        "data loaded from the log"
    );
    Ok(status)
}

/// Starts the shard's task that rewrites its log when it has grown past
/// `auto-aof-rewrite-percentage` and `auto-aof-rewrite-min-size`, or when
/// it broke (a failed sync) and needs a snapshot of memory to go on.
pub(crate) fn start_shard_tasks(ctx: &ShardCtx, state: Arc<ServerState>) {
    let Some(status) = state.log.clone() else { return };
    if local().log.is_none() {
        return;
    }
    let ctx = ctx.clone();
    monoio::spawn(async move {
        let mut backoff = BACKOFF;
        let mut not_before = Instant::now();
        loop {
            monoio::time::sleep(CHECK).await;
            if state.is_shutting_down() {
                return;
            }
            let here = local();
            let Some(log) = here.log.as_ref() else { return };
            let cfg = state.settings();
            let due = log.is_broken()
                || status.wants_rewrite(ctx.id(), cfg.auto_aof_rewrite_percentage, cfg.auto_aof_rewrite_min_size);
            if !due || here.rewriting.get() || Instant::now() < not_before {
                continue;
            }
            match rewrite_here(&ctx, &state).await {
                Ok(_) => backoff = BACKOFF,
                Err(_) => {
                    not_before = Instant::now() + backoff;
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            }
        }
    });
}

/// Why a shard's log was not rewritten.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RewriteError {
    /// `appendonly no`: there is no log.
    NoLog,
    /// This shard's log is being rewritten already.
    InProgress,
    /// It failed.
    Failed(String),
}

/// Rewrites the log of the shard `ctx` runs on, waiting for a snapshot in
/// progress (BGSAVE) to finish first.
pub(crate) async fn rewrite_here(ctx: &ShardCtx, state: &ServerState) -> Result<Saved, RewriteError> {
    let here = local();
    let Some(log) = here.log.clone() else { return Err(RewriteError::NoLog) };
    if here.rewriting.replace(true) {
        return Err(RewriteError::InProgress);
    }
    let snaps = &state.snapshots;
    snaps.rewriting.fetch_add(1, Ordering::AcqRel);
    let started = Instant::now();
    let result = loop {
        match log.rewrite(ctx).await {
            Err(SaveError::Busy(_)) => monoio::time::sleep(Duration::from_millis(10)).await,
            r => break r,
        }
    };
    here.rewriting.set(false);
    snaps.rewriting.fetch_sub(1, Ordering::AcqRel);
    snaps.last_rewrite_secs.store(started.elapsed().as_secs() as i64, Ordering::Relaxed);
    match result {
        Ok(saved) => {
            snaps.last_rewrite_ok.store(true, Ordering::Relaxed);
            snaps.rewrites.fetch_add(1, Ordering::Relaxed);
            tracing::info!(
                shard = ctx.id(),
                keys = saved.keys,
                bytes = saved.bytes,
                ms = saved.elapsed.as_millis() as u64,
                "log rewritten: a snapshot of memory and a fresh tail"
            );
            Ok(saved)
        }
        Err(e) => {
            snaps.last_rewrite_ok.store(false, Ordering::Relaxed);
            tracing::error!(shard = ctx.id(), error = %e, "log rewrite failed");
            Err(RewriteError::Failed(e.to_string()))
        }
    }
}

/// The snapshot file SAVE and BGSAVE write for shard `shard`.
pub fn snapshot_path(config: &Config, shard: usize) -> PathBuf {
    config.dir.join(format!("shard-{shard}")).join(&config.dbfilename)
}

/// A shard's snapshot, written.
pub type SavedShard = Saved;

/// Writes the snapshot of the shard `ctx` runs on to its `dbfilename`.
pub(crate) async fn save_here(ctx: &ShardCtx, state: &ServerState) -> Result<SavedShard, String> {
    let path = snapshot_path(&state.settings(), ctx.id());
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let result = loop {
        match snapshot::save(ctx, &path, false, |_, _| {}).await {
            // A log rewrite holds the shard's snapshot: wait for it.
            Err(SaveError::Busy(_)) => monoio::time::sleep(Duration::from_millis(10)).await,
            r => break r,
        }
    };
    match result {
        Ok(saved) => {
            state.snapshots.saved_seq[ctx.id()].store(saved.seq, Ordering::Relaxed);
            tracing::info!(
                shard = ctx.id(),
                file = %path.display(),
                keys = saved.keys,
                bytes = saved.bytes,
                ms = saved.elapsed.as_millis() as u64,
                "snapshot written"
            );
            Ok(saved)
        }
        Err(e) => {
            tracing::error!(shard = ctx.id(), error = %e, "snapshot failed");
            Err(e.to_string())
        }
    }
}

/// Records the end of a SAVE or BGSAVE over every shard.
pub(crate) fn saved_all(state: &ServerState, started: Instant, results: &[Result<SavedShard, String>]) {
    let snaps = &state.snapshots;
    let ok = results.iter().all(Result::is_ok);
    snaps.last_save_ok.store(ok, Ordering::Relaxed);
    snaps.last_save_secs.store(started.elapsed().as_secs() as i64, Ordering::Relaxed);
    if ok {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        snaps.lastsave.store(now, Ordering::Relaxed);
        snaps.saves.fetch_add(1, Ordering::Relaxed);
    }
}
