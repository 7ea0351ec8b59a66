//! The local log: every shard appends its writes, as Redis commands, to a
//! Redis 7 append-only file of its own, and reads it back at start.
//!
//! Layout under the data directory (`--dir`):
//!
//! ```text
//! <dir>/shard-0/appendonlydir/appendonly.aof.manifest
//! <dir>/shard-0/appendonlydir/appendonly.aof.1.incr.aof
//! <dir>/shard-1/appendonlydir/...
//! ```
//!
//! Each `shard-N` directory is what `redis-server --dir <dir>/shard-N
//! --appendonly yes` loads: the commands are the engine's propagation
//! vocabulary ([`coreshard_engine::propagate`]), batches are sealed by a
//! checksum line Redis skips as an annotation ([`format`]), and the
//! manifest is Redis's ([`manifest`]).
//!
//! What a reply waits for ([`Fsync`], Redis's `appendfsync`): with every
//! policy, a write is acknowledged only once its batch is written to the
//! file (so a crash of the process loses nothing acknowledged); with
//! `always` only once it is also synced to the device; with `everysec` the
//! file is synced once a second, so a power failure loses at most about
//! the last second.

pub mod format;
pub mod manifest;
mod recover;
mod rewrite;
mod writer;

use std::io;
use std::path::{Path, PathBuf};

pub use recover::{open, OpenError, Opened, Recovered, Replay};
pub use writer::{start, Log, LogSink, LogStatus, Writer};

/// When the log is synced to the device (Redis's `appendfsync`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Fsync {
    /// After every batch, before its writes are acknowledged.
    Always,
    /// Once a second.
    #[default]
    EverySec,
    /// Never: the kernel writes the pages back when it will.
    No,
}

impl Fsync {
    /// Redis's name for the policy.
    pub fn name(self) -> &'static str {
        match self {
            Fsync::Always => "always",
            Fsync::EverySec => "everysec",
            Fsync::No => "no",
        }
    }

    /// The policy Redis calls `name` (case-insensitive).
    pub fn from_name(name: &str) -> Option<Fsync> {
        match name.to_ascii_lowercase().as_str() {
            "always" => Some(Fsync::Always),
            "everysec" => Some(Fsync::EverySec),
            "no" => Some(Fsync::No),
            _ => None,
        }
    }
}

/// The log directory of shard `shard` under data directory `dir`.
pub fn shard_dir(dir: &Path, shard: usize) -> PathBuf {
    dir.join(format!("shard-{shard}")).join(manifest::DIR_NAME)
}

/// Checks that the data in `dir` was written by `shards` shards (or that
/// there is none yet): keys are placed by shard, so a log read by a
/// different number of shards would put them on the wrong ones.
pub fn check_layout(dir: &Path, shards: usize) -> Result<(), OpenError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(source) => return Err(OpenError::Io { path: dir.to_path_buf(), source }),
    };
    let mut found = Vec::new();
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(n) = name.to_str().and_then(|n| n.strip_prefix("shard-")).and_then(|n| n.parse::<usize>().ok()) else {
            continue;
        };
        if manifest::Manifest::path(&e.path().join(manifest::DIR_NAME)).exists() {
            found.push(n);
        }
    }
    found.sort_unstable();
    if found.is_empty() || found == (0..shards).collect::<Vec<_>>() {
        return Ok(());
    }
    Err(OpenError::Io {
        path: dir.to_path_buf(),
        source: io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "holds the logs of {} shards ({}), but this server runs {shards}: start it with --shards {}",
                found.len(),
                found.iter().map(|n| format!("shard-{n}")).collect::<Vec<_>>().join(", "),
                found.len()
            ),
        ),
    })
}

#[cfg(test)]
mod tests;
