//! Rewriting a shard's log: a snapshot of memory becomes the new base, the
//! records after it go to a fresh incremental file, and the files before
//! are deleted, so the log stays about the size of the data it holds
//! (Redis 7's multi-part AOF rewrite, without a fork).
//!
//! The order makes every crash recoverable:
//!
//! 1. In the step the snapshot begins, a new incremental file is created
//!    and listed in the manifest after the old ones; records up to that
//!    point go on to the old file, later ones to the new.
//! 2. The snapshot is written beside its final name, synced and renamed
//!    into place as `appendonly.aof.<n>.base.rdb` (directory synced).
//! 3. The manifest is replaced by the new base followed by the new file
//!    (and any later ones); only then are the old files deleted.
//!
//! A crash before 3 replays the old files and then the new one; after 3,
//! the base and what followed it.
//!
//! The same rewrite repairs a log whose sync failed: the records that were
//! not reported durable are in memory, so they are in the snapshot, and
//! once its base is in place they are durable and the log goes on.

use std::fs;
use std::io;

use coreshard_engine::ShardCtx;

use super::manifest::{sync_dir, Entry, FileType, Manifest, FILE_PREFIX};
use super::writer::Log;
use crate::snapshot::{self, SaveError, Saved};

impl Log {
    /// Whether the log stopped after a failed sync and waits for a
    /// rewrite to replace it.
    pub fn is_broken(&self) -> bool {
        self.log.broken.get()
    }

    /// Rewrites the log of the shard `ctx` runs on (see the module
    /// documentation). Fails with [`SaveError::Busy`] while another
    /// snapshot of the shard is being taken.
    pub async fn rewrite(&self, ctx: &ShardCtx) -> Result<Saved, SaveError> {
        let log = &self.log;
        let repair = log.broken.get();
        let seq = {
            let m = log.manifest.borrow();
            m.files.iter().filter(|f| f.kind == FileType::Base).map(|f| f.seq).max().unwrap_or(0) + 1
        };
        let base = format!("{FILE_PREFIX}.{seq}.base.rdb");
        let path = log.dir.join(&base);
        let mut rotated = None;
        let saved = snapshot::save(ctx, &path, true, |_, _| {
            rotated = Some(log.rotate(repair).map(|name| (name, log.generation())));
        })
        .await;
        let io_err = |source: io::Error| SaveError::Io { path: log.dir.clone(), source };
        let (incr, generation) = match (saved.as_ref(), rotated) {
            (Ok(_), Some(Ok(r))) => r,
            (_, Some(Err(e))) => {
                let _ = fs::remove_file(&path);
                return Err(io_err(e));
            }
            _ => return saved,
        };
        let saved = saved?;
        let current = log.manifest.borrow().clone();
        let at = current.files.iter().position(|f| f.name == incr).unwrap_or(current.files.len());
        let mut next = Manifest { files: vec![Entry { name: base, seq, kind: FileType::Base }] };
        next.files.extend(current.files[at..].iter().cloned());
        next.store(&log.dir).map_err(io_err)?;
        *log.manifest.borrow_mut() = next;
        for old in &current.files[..at] {
            match fs::remove_file(log.dir.join(&old.name)) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => {
                    tracing::warn!(file = %log.dir.join(&old.name).display(), error = %e, "cannot delete an old log file");
                }
                _ => {}
            }
        }
        sync_dir(&log.dir).map_err(io_err)?;
        // Bytes of the new file so far, once the writer has moved to it.
        let tail = if log.generation() > generation { log.pos() } else { 0 };
        log.status.rewritten(log.shard, saved.bytes + tail);
        if repair {
            log.durability.mark_durable(saved.seq);
            log.broken.set(false);
            log.durability.set_failing(false);
            log.status.set_error(log.shard, None);
            tracing::warn!(
                shard = log.shard,
                "a snapshot of memory replaced the log that could not be synced; writes are accepted again"
            );
        }
        Ok(saved)
    }
}
