//! The batcher and the writer of one shard's log, both on the shard's own
//! thread.
//!
//! The batcher ([`LogSink`]) is the shard's mutation subscriber: it turns
//! each record into commands and appends them to the shard's buffer, which
//! costs an encode and a copy of what changed. The writer ([`Writer::run`])
//! is a task on the shard's event loop: when records are waiting it takes
//! the whole buffer, seals it with a trailer and writes it with one
//! io_uring write, then (with `appendfsync always`) syncs it, and only
//! then marks the records durable, which releases the replies that waited
//! for them. While a write is in flight the shard goes on serving and the
//! next batch fills: that is group commit, one write (and one sync) per
//! turn of the loop however many clients wrote.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::fs;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use coreshard_engine::mutation::{Event, Mutation, MutationSink};
use coreshard_engine::propagate::commands;
use coreshard_engine::runtime::Durability;

use super::format::{crc32c, encode_command, encode_select, encode_trailer};
use super::manifest::{sync_dir, Manifest};
use super::{Fsync, Opened};

/// How long a failed write waits before it is tried again.
const RETRY: Duration = Duration::from_millis(250);

/// The state of every shard's log, shared with the server (INFO, and the
/// check that refuses writes while a log cannot be written).
#[derive(Debug)]
pub struct LogStatus {
    failing: AtomicUsize,
    pub(super) shards: Vec<ShardStatus>,
}

#[derive(Debug, Default)]
pub(super) struct ShardStatus {
    failing: AtomicBool,
    error: Mutex<Option<String>>,
    /// Bytes of every file of the log.
    pub(super) size: AtomicU64,
    /// Bytes of the log after its last rewrite (or at start).
    pub(super) base_size: AtomicU64,
    pub(super) writes: AtomicU64,
    pub(super) syncs: AtomicU64,
}

impl LogStatus {
    /// The status of `shards` logs, all well.
    pub fn new(shards: usize) -> Arc<LogStatus> {
        Arc::new(LogStatus {
            failing: AtomicUsize::new(0),
            shards: (0..shards).map(|_| ShardStatus::default()).collect(),
        })
    }

    /// The last write error of a log that cannot be written now, if any
    /// (writes are refused meanwhile, as Redis refuses them with MISCONF).
    #[inline]
    pub fn write_error(&self) -> Option<String> {
        if self.failing.load(Ordering::Relaxed) == 0 {
            return None;
        }
        self.shards.iter().find_map(|s| {
            if s.failing.load(Ordering::Relaxed) {
                s.error.lock().ok().and_then(|e| e.clone())
            } else {
                None
            }
        })
    }

    /// Bytes in every shard's current file.
    pub fn size(&self) -> u64 {
        self.shards.iter().map(|s| s.size.load(Ordering::Relaxed)).sum()
    }

    /// Bytes of every shard's log after its last rewrite (or at start).
    pub fn base_size(&self) -> u64 {
        self.shards.iter().map(|s| s.base_size.load(Ordering::Relaxed)).sum()
    }

    /// Whether shard `shard`'s log has grown enough since its last rewrite
    /// to be rewritten (Redis's `auto-aof-rewrite-percentage` and
    /// `auto-aof-rewrite-min-size`; a percentage of 0 turns it off).
    pub fn wants_rewrite(&self, shard: usize, percentage: u64, min_size: u64) -> bool {
        let s = &self.shards[shard];
        let size = s.size.load(Ordering::Relaxed);
        let base = s.base_size.load(Ordering::Relaxed).max(1);
        percentage > 0 && size > min_size && size.saturating_sub(base).saturating_mul(100) / base >= percentage
    }

    /// After a rewrite of shard `shard`'s log: it is now `size` bytes.
    pub(super) fn rewritten(&self, shard: usize, size: u64) {
        let s = &self.shards[shard];
        s.size.store(size, Ordering::Relaxed);
        s.base_size.store(size, Ordering::Relaxed);
    }

    /// Writes done, over every shard.
    pub fn writes(&self) -> u64 {
        self.shards.iter().map(|s| s.writes.load(Ordering::Relaxed)).sum()
    }

    /// Syncs done, over every shard.
    pub fn syncs(&self) -> u64 {
        self.shards.iter().map(|s| s.syncs.load(Ordering::Relaxed)).sum()
    }

    pub(super) fn set_error(&self, shard: usize, error: Option<String>) {
        let s = &self.shards[shard];
        let was = s.failing.swap(error.is_some(), Ordering::Relaxed);
        match (was, error.is_some()) {
            (false, true) => {
                self.failing.fetch_add(1, Ordering::Relaxed);
            }
            (true, false) => {
                self.failing.fetch_sub(1, Ordering::Relaxed);
            }
            _ => {}
        }
        if let Ok(mut e) = s.error.lock() {
            *e = error;
        }
    }
}

/// Records waiting to be written.
#[derive(Default)]
pub(super) struct Buffer {
    bytes: Vec<u8>,
    /// The database the file is in after `bytes` (`None`: none selected
    /// yet in this file, which means 0 to a reader but is written out).
    db: Option<u8>,
    /// The sequence number of the last record in `bytes`.
    seq: u64,
    /// Files to move to, in order, each with the records that still go
    /// to the file before it (see [`Shared::rotate`]).
    switches: VecDeque<Switch>,
}

/// A move to a new file at a point of the shard's history.
pub(super) struct Switch {
    /// The records up to the switch not yet written, for the file before.
    tail: Vec<u8>,
    /// The sequence number of the last record before the switch.
    seq: u64,
    /// The new file, empty and listed in the manifest.
    file: fs::File,
    /// The log was broken: the file before is left as it is.
    repair: bool,
}

/// What the batcher, the writer and a rewrite of one shard's log share.
pub(super) struct Shared {
    pub(super) shard: usize,
    pub(super) dir: PathBuf,
    /// The manifest as stored.
    pub(super) manifest: RefCell<Manifest>,
    file: RefCell<Rc<monoio::fs::File>>,
    /// For the last write at shutdown, outside the event loop.
    sync_file: RefCell<fs::File>,
    pos: Cell<u64>,
    /// Bumped whenever the writer moves to a new file.
    generation: Cell<u64>,
    in_flight: Cell<bool>,
    /// A sync failed: nothing is reported durable until a snapshot of
    /// memory replaces the log (see [`super::rewrite`]).
    pub(super) broken: Cell<bool>,
    pub(super) buf: RefCell<Buffer>,
    pub(super) durability: Rc<Durability>,
    fsync: Fsync,
    pub(super) status: Arc<LogStatus>,
}

impl Shared {
    /// Moves the log to a new incremental file at this point of the
    /// shard's history (called in the same step as a snapshot's start):
    /// records so far still go to the current file, later ones to the new
    /// one, which is created and listed in the manifest now. Returns its
    /// name. With `drop_tail` (a broken log being replaced), the records
    /// not written yet are dropped instead: the snapshot holds them.
    pub(super) fn rotate(&self, drop_tail: bool) -> io::Result<String> {
        let mut m = self.manifest.borrow().clone();
        let name = m.push_incr();
        let path = self.dir.join(&name);
        let file = fs::OpenOptions::new().create(true).truncate(true).write(true).open(&path)?;
        file.sync_all()?;
        sync_dir(&self.dir)?;
        m.store(&self.dir)?;
        *self.manifest.borrow_mut() = m;
        let mut b = self.buf.borrow_mut();
        let mut tail = std::mem::take(&mut b.bytes);
        if drop_tail {
            tail.clear();
        }
        let seq = b.seq;
        b.db = None;
        b.switches.push_back(Switch { tail, seq, file, repair: drop_tail });
        Ok(name)
    }

    /// Takes the records waiting, sealed as one batch, and the sequence
    /// number of the last.
    fn take(&self, spare: Vec<u8>) -> (Vec<u8>, u64) {
        let mut b = self.buf.borrow_mut();
        let batch = std::mem::replace(&mut b.bytes, spare);
        (seal(batch), b.seq)
    }

    /// Bytes written to the file being written now.
    pub(super) fn pos(&self) -> u64 {
        self.pos.get()
    }

    /// The writer moved to a new file this many times.
    pub(super) fn generation(&self) -> u64 {
        self.generation.get()
    }

    fn install(&self, file: fs::File) -> io::Result<()> {
        let sync = file.try_clone()?;
        *self.file.borrow_mut() = Rc::new(monoio::fs::File::from_std(file)?);
        *self.sync_file.borrow_mut() = sync;
        self.pos.set(0);
        self.generation.set(self.generation.get() + 1);
        Ok(())
    }

    fn current(&self) -> Rc<monoio::fs::File> {
        self.file.borrow().clone()
    }

    /// Records `bytes` more in the log's total size.
    fn grew(&self, bytes: u64) {
        let st = &self.status.shards[self.shard];
        st.size.fetch_add(bytes, Ordering::Relaxed);
        st.writes.fetch_add(1, Ordering::Relaxed);
    }
}

fn seal(mut batch: Vec<u8>) -> Vec<u8> {
    if batch.is_empty() {
        return batch;
    }
    let crc = crc32c(&batch);
    let len = batch.len();
    encode_trailer(&mut batch, len, crc);
    batch
}

/// The shard's batcher: its mutation subscriber.
pub struct LogSink {
    log: Rc<Shared>,
}

impl MutationSink for LogSink {
    fn record(&mut self, m: &Mutation<'_>) {
        let mut b = self.log.buf.borrow_mut();
        let b = &mut *b;
        if !matches!(m.event, Event::FlushAll | Event::SwapDb { .. }) && b.db != Some(m.db) {
            encode_select(&mut b.bytes, m.db);
            b.db = Some(m.db);
        }
        commands(m, |args| encode_command(&mut b.bytes, args));
        b.seq = m.seq;
        self.log.durability.appended(m.seq);
    }

    fn wants_deltas(&self) -> bool {
        true
    }
}

/// The writer of one shard's log.
pub struct Writer {
    log: Rc<Shared>,
}

/// A shard's log as the server holds it: for rewrites and snapshots.
#[derive(Clone)]
pub struct Log {
    pub(super) log: Rc<Shared>,
}

/// Creates the batcher and writer of the log `opened` (whose records up to
/// `durability`'s watermark are on disk already), and the handle that
/// rewrites it. Must run on the shard's thread, inside its event loop.
pub fn start(
    shard: usize,
    opened: Opened,
    fsync: Fsync,
    durability: Rc<Durability>,
    status: Arc<LogStatus>,
) -> io::Result<(LogSink, Writer, Log)> {
    let sync_file = opened.file.try_clone()?;
    let file = Rc::new(monoio::fs::File::from_std(opened.file)?);
    let st = &status.shards[shard];
    st.size.store(opened.recovered.bytes, Ordering::Relaxed);
    st.base_size.store(opened.recovered.bytes, Ordering::Relaxed);
    let log = Rc::new(Shared {
        shard,
        dir: opened.dir,
        manifest: RefCell::new(opened.manifest),
        file: RefCell::new(file),
        sync_file: RefCell::new(sync_file),
        pos: Cell::new(0),
        generation: Cell::new(0),
        in_flight: Cell::new(false),
        broken: Cell::new(false),
        buf: RefCell::new(Buffer::default()),
        durability,
        fsync,
        status,
    });
    Ok((LogSink { log: log.clone() }, Writer { log: log.clone() }, Log { log }))
}

impl Writer {
    /// Writes batches as records arrive, for as long as the shard runs.
    pub async fn run(self) {
        let log = &self.log;
        if log.fsync == Fsync::EverySec {
            monoio::spawn(sync_every_second(log.clone()));
        }
        let mut written = log.durability.durable_seq();
        let mut spare = Vec::new();
        loop {
            log.durability.records_after(written).await;
            while log.broken.get() {
                // Until a snapshot replaces the log, nothing is written.
                monoio::time::sleep(RETRY).await;
            }
            written = written.max(log.durability.durable_seq());
            let switch = log.buf.borrow_mut().switches.pop_front();
            if let Some(sw) = switch {
                if !sw.tail.is_empty() {
                    if !self.write_synced(seal(sw.tail), true).await {
                        continue;
                    }
                    written = written.max(sw.seq);
                    log.durability.mark_durable(written);
                } else if log.fsync != Fsync::No && !sw.repair {
                    // The file is left for good: what everysec had not
                    // synced yet is synced now.
                    if let Err(e) = log.current().sync_data().await {
                        self.broken(&e);
                        continue;
                    }
                }
                if let Err(e) = log.install(sw.file) {
                    tracing::error!(shard = log.shard, error = %e, "cannot open the new log file");
                    self.broken(&e);
                }
                continue;
            }
            let (batch, seq) = log.take(spare);
            if batch.is_empty() {
                written = seq.max(written);
                spare = batch;
                continue;
            }
            let mut batch = batch;
            let ok = self.write_synced_keep(&mut batch, log.fsync == Fsync::Always).await;
            if !ok {
                spare = Vec::new();
                continue;
            }
            written = seq;
            log.durability.mark_durable(seq);
            batch.clear();
            if batch.capacity() > 1 << 20 {
                batch = Vec::new();
            }
            spare = batch;
        }
    }

    /// Writes `batch`, then syncs it when `sync` (or always with
    /// `appendfsync always`). False when the sync failed (the log is
    /// broken then).
    async fn write_synced(&self, batch: Vec<u8>, sync: bool) -> bool {
        let mut batch = batch;
        let sync = self.log.fsync == Fsync::Always || (sync && self.log.fsync != Fsync::No);
        self.write_synced_keep(&mut batch, sync).await
    }

    async fn write_synced_keep(&self, batch: &mut Vec<u8>, sync: bool) -> bool {
        let log = &self.log;
        log.in_flight.set(true);
        *batch = self.write(std::mem::take(batch)).await;
        if sync {
            if let Err(e) = log.current().sync_data().await {
                // After a failed fsync the kernel may have dropped the
                // pages: nothing after this point can be trusted, so the
                // records of this batch are never reported durable (until
                // a snapshot of memory holds them).
                log.in_flight.set(false);
                self.broken(&e);
                return false;
            }
            log.status.shards[log.shard].syncs.fetch_add(1, Ordering::Relaxed);
        }
        log.in_flight.set(false);
        !log.broken.get()
    }

    /// Writes `batch` at the end of the file, retrying until it is written:
    /// while it fails, writes are refused and reads are served.
    async fn write(&self, batch: Vec<u8>) -> Vec<u8> {
        let log = &self.log;
        let mut batch = batch;
        let mut logged = false;
        loop {
            let pos = log.pos.get();
            let file = log.current();
            let (res, b) = file.write_all_at(batch, pos).await;
            batch = b;
            match res {
                Ok(()) => {
                    log.pos.set(pos + batch.len() as u64);
                    log.grew(batch.len() as u64);
                    if log.durability.is_failing() && !log.broken.get() {
                        log.durability.set_failing(false);
                        log.status.set_error(log.shard, None);
                        tracing::warn!(shard = log.shard, "the log is written again; writes are accepted");
                    }
                    return batch;
                }
                Err(e) => {
                    if !logged {
                        tracing::error!(shard = log.shard, error = %e, "cannot write the log; refusing writes until it can");
                        logged = true;
                    }
                    log.durability.set_failing(true);
                    log.status.set_error(log.shard, Some(strerror(&e)));
                    monoio::time::sleep(RETRY).await;
                }
            }
        }
    }

    fn broken(&self, e: &io::Error) {
        broken(&self.log, e);
    }
}

/// Marks the log broken after a failed sync.
fn broken(log: &Shared, e: &io::Error) {
    log.broken.set(true);
    tracing::error!(
        shard = log.shard,
        error = %e,
        "cannot sync the log; writes are refused until a snapshot of memory replaces it"
    );
    log.durability.set_failing(true);
    log.status.set_error(log.shard, Some(format!("fsync failed: {}", strerror(e))));
}

impl Drop for Writer {
    /// At shutdown: writes what is still buffered and syncs, outside the
    /// loop that has stopped.
    fn drop(&mut self) {
        let log = &self.log;
        if log.in_flight.get() || log.broken.get() {
            return;
        }
        let switches: Vec<Switch> = log.buf.borrow_mut().switches.drain(..).collect();
        for sw in switches {
            if !write_at_exit(log, seal(sw.tail)) {
                return;
            }
            if log.install(sw.file).is_err() {
                return;
            }
        }
        let (batch, _) = log.take(Vec::new());
        write_at_exit(log, batch);
    }
}

/// Writes `batch` (if any) and syncs, with blocking calls.
fn write_at_exit(log: &Shared, batch: Vec<u8>) -> bool {
    let f = log.sync_file.borrow();
    if !batch.is_empty() {
        if f.write_all_at(&batch, log.pos.get()).is_err() {
            return false;
        }
        log.pos.set(log.pos.get() + batch.len() as u64);
    }
    log.fsync == Fsync::No || f.sync_data().is_ok()
}

/// An I/O error as `strerror` words it (what Redis's replies quote).
fn strerror(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}

/// `appendfsync everysec`: syncs the file once a second when it was
/// written since the last sync.
async fn sync_every_second(log: Rc<Shared>) {
    let mut synced = (0, 0);
    loop {
        monoio::time::sleep(Duration::from_secs(1)).await;
        let at = (log.generation(), log.pos());
        if at == synced || log.broken.get() {
            continue;
        }
        match log.current().sync_data().await {
            Ok(()) => {
                synced = at;
                log.status.shards[log.shard].syncs.fetch_add(1, Ordering::Relaxed);
            }
            Err(e) => broken(&log, &e),
        }
    }
}
