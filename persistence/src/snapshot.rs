//! Writing a shard's snapshot to an RDB file while the shard keeps serving.
//!
//! [`save`] runs as a task on the shard's own thread. It begins the
//! engine's point-in-time snapshot ([`Shard::snapshot_begin`]), then, turn
//! after turn of the event loop, hands a slice of the keyspace (about half
//! a millisecond of work, or [`CHUNK`] bytes of output) to the RDB encoder
//! and writes what it produced with one io_uring write, yielding to the
//! shard's other tasks between slices. The file is written beside its
//! final name, synced, renamed into place and its directory synced, so a
//! crash leaves the previous file or the new one, never half of one.

use std::cell::RefCell;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use coreshard_engine::runtime::yield_now;
use coreshard_engine::snapshot::SnapshotBusy;
use coreshard_engine::{Shard, ShardCtx, SnapshotSink, Step, ValueRef};

use crate::log::manifest::sync_dir;
use crate::rdb::file::FileWriter;

/// Output written per slice (and the most the encoder buffers).
pub const CHUNK: usize = 1 << 20;
/// Work done per slice before the shard's other tasks run again.
const SLICE: Duration = Duration::from_micros(500);
/// Keys visited between two looks at the clock.
const KEYS_PER_LOOK: usize = 64;

/// A snapshot written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Saved {
    /// The shard's sequence number it stands at.
    pub seq: u64,
    /// Keys written.
    pub keys: u64,
    /// Bytes of the file.
    pub bytes: u64,
    /// How long it took.
    pub elapsed: Duration,
}

/// Why a snapshot was not written.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    /// Another snapshot of the shard is in progress.
    #[error("{0}")]
    Busy(#[from] SnapshotBusy),
    /// The file could not be written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
}

impl SaveError {
    fn io(path: &Path) -> impl FnOnce(io::Error) -> SaveError + '_ {
        move |source| SaveError::Io { path: path.to_path_buf(), source }
    }
}

/// The encoder, shared by the snapshot (which feeds it) and the task
/// (which drains it).
struct Encoder(Rc<RefCell<FileWriter>>);

impl SnapshotSink for Encoder {
    fn entry(&mut self, db: u8, key: &[u8], value: ValueRef<'_>, expire_at: Option<u64>) {
        self.0.borrow_mut().entry(db, key, value, expire_at);
    }

    fn buffered(&self) -> usize {
        self.0.borrow().buffered()
    }
}

/// The name a file is written under before it is renamed to `path`.
pub fn temp_path(path: &Path) -> PathBuf {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("dump.rdb");
    path.with_file_name(format!("temp-{name}"))
}

/// Writes the keyspace of the shard `ctx` runs on, as it is now, to the RDB
/// file `path` (`aof_base`: as the base of a log, which Redis marks in an
/// AUX field). `at_begin` runs in the same step as the snapshot's start,
/// with the sequence number it stands at: whatever it does happens at
/// exactly that point of the shard's history.
pub async fn save(
    ctx: &ShardCtx,
    path: &Path,
    aof_base: bool,
    at_begin: impl FnOnce(&mut Shard, u64),
) -> Result<Saved, SaveError> {
    let started = Instant::now();
    let tmp = temp_path(path);
    let file = fs::File::create(&tmp).map_err(SaveError::io(&tmp))?;
    let file = monoio::fs::File::from_std(file).map_err(SaveError::io(&tmp))?;
    let ctime = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let begun = ctx
        .with(|s| {
            let encoder = Rc::new(RefCell::new(FileWriter::new(ctime, s.used_memory() as u64, aof_base)));
            let seq = s.snapshot_begin(Box::new(Encoder(encoder.clone())))?;
            at_begin(s, seq);
            Ok::<_, SnapshotBusy>((encoder, seq))
        })
        .await;
    let (encoder, seq) = match begun {
        Ok(b) => b,
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            return Err(e.into());
        }
    };
    let written = write_all(ctx, &file, &encoder).await;
    // The snapshot is over either way; the encoder's other handle goes.
    ctx.with(|s| drop(s.snapshot_end())).await;
    let finished = match written {
        Ok(pos) => finish(&file, encoder, pos, &tmp, path).await,
        Err(e) => Err(e),
    };
    match finished {
        Ok((keys, bytes)) => Ok(Saved { seq, keys, bytes, elapsed: started.elapsed() }),
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            Err(SaveError::Io { path: tmp, source: e })
        }
    }
}

/// Runs the snapshot to its end, writing its output as it comes; returns
/// the bytes written.
async fn write_all(ctx: &ShardCtx, file: &monoio::fs::File, encoder: &Rc<RefCell<FileWriter>>) -> io::Result<u64> {
    let mut pos = 0u64;
    loop {
        let step = ctx
            .with(|s| {
                let t = Instant::now();
                loop {
                    let step = s.snapshot_step(KEYS_PER_LOOK, CHUNK);
                    if step == Step::Done || t.elapsed() >= SLICE || encoder.borrow().buffered() >= CHUNK {
                        return step;
                    }
                }
            })
            .await;
        let out = encoder.borrow_mut().take();
        if !out.is_empty() {
            let len = out.len() as u64;
            let (res, _) = file.write_all_at(out, pos).await;
            res?;
            pos += len;
        }
        if step == Step::Done {
            return Ok(pos);
        }
        yield_now().await;
    }
}

/// Writes the end of the file, syncs it and renames it into place.
async fn finish(
    file: &monoio::fs::File,
    encoder: Rc<RefCell<FileWriter>>,
    pos: u64,
    tmp: &Path,
    path: &Path,
) -> io::Result<(u64, u64)> {
    let encoder = Rc::try_unwrap(encoder).map_err(|_| io::Error::other("the snapshot still holds its encoder"))?;
    let writer = encoder.into_inner();
    let keys = writer.entries();
    let tail = writer.finish();
    let len = tail.len() as u64;
    let (res, _) = file.write_all_at(tail, pos).await;
    res?;
    file.sync_all().await?;
    fs::rename(tmp, path)?;
    if let Some(dir) = path.parent() {
        sync_dir(dir)?;
    }
    Ok((keys, pos + len))
}
