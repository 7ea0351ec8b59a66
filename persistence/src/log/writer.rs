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
use std::fs;
use std::os::unix::fs::FileExt;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use coreshard_engine::mutation::{Event, Mutation, MutationSink};
use coreshard_engine::propagate::commands;
use coreshard_engine::runtime::Durability;

use super::format::{crc32c, encode_command, encode_select, encode_trailer};
use super::Fsync;

/// How long a failed write waits before it is tried again.
const RETRY: Duration = Duration::from_millis(250);

/// The state of every shard's log, shared with the server (INFO, and the
/// check that refuses writes while a log cannot be written).
#[derive(Debug)]
pub struct LogStatus {
    failing: AtomicUsize,
    shards: Vec<ShardStatus>,
}

#[derive(Debug, Default)]
struct ShardStatus {
    failing: AtomicBool,
    error: Mutex<Option<String>>,
    size: AtomicU64,
    writes: AtomicU64,
    syncs: AtomicU64,
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

    /// Writes done, over every shard.
    pub fn writes(&self) -> u64 {
        self.shards.iter().map(|s| s.writes.load(Ordering::Relaxed)).sum()
    }

    /// Syncs done, over every shard.
    pub fn syncs(&self) -> u64 {
        self.shards.iter().map(|s| s.syncs.load(Ordering::Relaxed)).sum()
    }

    fn set_error(&self, shard: usize, error: Option<String>) {
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
struct Buffer {
    bytes: Vec<u8>,
    /// The database the file is in after `bytes` (`None`: none selected
    /// yet in this file, which means 0 to a reader but is written out).
    db: Option<u8>,
    /// The sequence number of the last record in `bytes`.
    seq: u64,
}

/// The shard's batcher: its mutation subscriber.
pub struct LogSink {
    buf: Rc<RefCell<Buffer>>,
    durability: Rc<Durability>,
}

impl MutationSink for LogSink {
    fn record(&mut self, m: &Mutation<'_>) {
        let mut b = self.buf.borrow_mut();
        let b = &mut *b;
        if !matches!(m.event, Event::FlushAll | Event::SwapDb { .. }) && b.db != Some(m.db) {
            encode_select(&mut b.bytes, m.db);
            b.db = Some(m.db);
        }
        commands(m, |args| encode_command(&mut b.bytes, args));
        b.seq = m.seq;
        self.durability.appended(m.seq);
    }

    fn wants_deltas(&self) -> bool {
        true
    }
}

/// The writer of one shard's log.
pub struct Writer {
    shard: usize,
    file: Rc<monoio::fs::File>,
    /// For the last write at shutdown, outside the event loop.
    sync_file: fs::File,
    pos: Rc<Cell<u64>>,
    in_flight: Rc<Cell<bool>>,
    /// A sync failed: nothing is reported durable any more.
    broken: Rc<Cell<bool>>,
    buf: Rc<RefCell<Buffer>>,
    durability: Rc<Durability>,
    fsync: Fsync,
    status: Arc<LogStatus>,
}

/// Creates the batcher and writer of shard `shard` appending to `file`
/// (empty), whose records up to `durability`'s watermark are on disk
/// already. Must run on the shard's thread, inside its event loop.
pub fn start(
    shard: usize,
    file: fs::File,
    fsync: Fsync,
    durability: Rc<Durability>,
    status: Arc<LogStatus>,
) -> std::io::Result<(LogSink, Writer)> {
    let buf = Rc::new(RefCell::new(Buffer::default()));
    let sync_file = file.try_clone()?;
    let file = Rc::new(monoio::fs::File::from_std(file)?);
    let sink = LogSink { buf: buf.clone(), durability: durability.clone() };
    let writer = Writer {
        shard,
        file,
        sync_file,
        pos: Rc::new(Cell::new(0)),
        in_flight: Rc::new(Cell::new(false)),
        broken: Rc::new(Cell::new(false)),
        buf,
        durability,
        fsync,
        status,
    };
    Ok((sink, writer))
}

impl Writer {
    /// Takes the records waiting, sealed as one batch, and the sequence
    /// number of the last.
    fn take(&self, spare: Vec<u8>) -> (Vec<u8>, u64) {
        let mut b = self.buf.borrow_mut();
        let mut batch = std::mem::replace(&mut b.bytes, spare);
        let crc = crc32c(&batch);
        let len = batch.len();
        encode_trailer(&mut batch, len, crc);
        (batch, b.seq)
    }

    /// Writes batches as records arrive, for as long as the shard runs.
    pub async fn run(self) {
        if self.fsync == Fsync::EverySec {
            monoio::spawn(sync_every_second(
                self.shard,
                self.file.clone(),
                self.pos.clone(),
                self.broken.clone(),
                self.durability.clone(),
                self.status.clone(),
            ));
        }
        let mut written = self.durability.durable_seq();
        let mut spare = Vec::new();
        loop {
            self.durability.records_after(written).await;
            let (mut batch, seq) = self.take(spare);
            self.in_flight.set(true);
            batch = self.write(batch).await;
            if self.fsync == Fsync::Always {
                if let Err(e) = self.file.sync_data().await {
                    // After a failed fsync the kernel may have dropped the
                    // pages: nothing after this point can be trusted, so
                    // the log stops (as Redis stops) and the records of
                    // this batch are never reported durable.
                    self.broken(&e);
                    return;
                }
                self.status.shards[self.shard].syncs.fetch_add(1, Ordering::Relaxed);
            }
            self.in_flight.set(false);
            if self.broken.get() {
                return;
            }
            written = seq;
            self.durability.mark_durable(seq);
            batch.clear();
            if batch.capacity() > 1 << 20 {
                batch = Vec::new();
            }
            spare = batch;
        }
    }

    /// Writes `batch` at the end of the file, retrying until it is written:
    /// while it fails, writes are refused and reads are served.
    async fn write(&self, batch: Vec<u8>) -> Vec<u8> {
        let mut batch = batch;
        let mut logged = false;
        loop {
            let pos = self.pos.get();
            let (res, b) = self.file.write_all_at(batch, pos).await;
            batch = b;
            match res {
                Ok(()) => {
                    self.pos.set(pos + batch.len() as u64);
                    let st = &self.status.shards[self.shard];
                    st.size.store(self.pos.get(), Ordering::Relaxed);
                    st.writes.fetch_add(1, Ordering::Relaxed);
                    if self.durability.is_failing() && !self.broken.get() {
                        self.durability.set_failing(false);
                        self.status.set_error(self.shard, None);
                        tracing::warn!(shard = self.shard, "the log is written again; writes are accepted");
                    }
                    return batch;
                }
                Err(e) => {
                    if !logged {
                        tracing::error!(shard = self.shard, error = %e, "cannot write the log; refusing writes until it can");
                        logged = true;
                    }
                    self.durability.set_failing(true);
                    self.status.set_error(self.shard, Some(strerror(&e)));
                    monoio::time::sleep(RETRY).await;
                }
            }
        }
    }

    fn broken(&self, e: &std::io::Error) {
        self.broken.set(true);
        tracing::error!(
            shard = self.shard,
            error = %e,
            "cannot sync the log; writes are refused until the server restarts"
        );
        self.durability.set_failing(true);
        self.status.set_error(self.shard, Some(format!("fsync failed: {}", strerror(e))));
    }
}

impl Drop for Writer {
    /// At shutdown: writes what is still buffered and syncs, outside the
    /// loop that has stopped.
    fn drop(&mut self) {
        if self.in_flight.get() || self.broken.get() {
            return;
        }
        let pending = !self.buf.borrow().bytes.is_empty();
        if pending {
            let (batch, _) = self.take(Vec::new());
            if self.sync_file.write_all_at(&batch, self.pos.get()).is_err() {
                return;
            }
            self.pos.set(self.pos.get() + batch.len() as u64);
        }
        if self.fsync != Fsync::No {
            let _ = self.sync_file.sync_data();
        }
    }
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
async fn sync_every_second(
    shard: usize,
    file: Rc<monoio::fs::File>,
    pos: Rc<Cell<u64>>,
    broken: Rc<Cell<bool>>,
    durability: Rc<Durability>,
    status: Arc<LogStatus>,
) {
    let mut synced = 0;
    loop {
        monoio::time::sleep(Duration::from_secs(1)).await;
        let at = pos.get();
        if at == synced {
            continue;
        }
        match file.sync_data().await {
            Ok(()) => {
                synced = at;
                status.shards[shard].syncs.fetch_add(1, Ordering::Relaxed);
            }
            Err(e) => {
                broken.set(true);
                tracing::error!(shard, error = %e, "cannot sync the log; writes are refused until the server restarts");
                durability.set_failing(true);
                status.set_error(shard, Some(format!("fsync failed: {}", strerror(&e))));
                return;
            }
        }
    }
}
