//! Opening a shard's log: reading back what it holds, repairing a torn
//! tail, and starting the file new records go to.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use coreshard_engine::propagate::ApplyError;
use coreshard_engine::Shard;

use super::format::{self, Command, Damage};
use super::manifest::{self, FileType, Manifest};
use crate::rdb::{self, file::FileError};

/// What a log holds, handed to the shard in order while it is read back.
#[derive(Debug)]
pub enum Replay<'a> {
    /// A key of the base snapshot.
    Key(rdb::file::Entry),
    /// A command of an incremental file.
    Command(&'a Command),
}

impl Replay<'_> {
    /// Applies it to `shard`: a key is stored as it was (expired keys are
    /// not), a command is replayed ([`Shard::apply`]).
    pub fn apply_to(self, shard: &mut Shard) -> Result<(), ApplyError> {
        match self {
            Replay::Command(c) => shard.apply(c.db, &c.args),
            Replay::Key(e) => {
                if e.expire_at_ms.is_some_and(|at| at <= shard.now_ms()) {
                    return Ok(());
                }
                shard
                    .restore(e.db, &e.key, e.value, e.expire_at_ms, true)
                    .map(drop)
                    .map_err(|error| ApplyError::Failed { command: "RESTORE".into(), error })
            }
        }
    }
}

/// What opening a log found.
#[derive(Debug, Default, Clone)]
pub struct Recovered {
    /// Files read.
    pub files: usize,
    /// Bytes of whole batches read.
    pub bytes: u64,
    /// Whole batches read.
    pub batches: usize,
    /// Keys loaded from the base snapshot.
    pub base_keys: u64,
    /// Commands replayed.
    pub commands: usize,
    /// A torn tail cut off: the file, the offset it now ends at, and how
    /// many bytes were dropped.
    pub truncated: Option<(PathBuf, u64, u64)>,
}

/// Why a log could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// A file or directory could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// Damage before the end of a file: acknowledged writes follow it, so
    /// the log is not cut there unless asked to.
    #[error(
        "{path} is damaged at offset {offset}: {what}; valid batches follow it, so the file was left as it is \
         (start with `aof-truncate-corrupt yes` to cut the file at this offset, losing what follows)"
    )]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// Where the damage starts.
        offset: u64,
        /// What is wrong.
        what: String,
    },
    /// The base snapshot could not be read.
    #[error("{path}: {error}")]
    Base {
        /// The file.
        path: PathBuf,
        /// Why.
        error: FileError,
    },
    /// A key of the base snapshot could not be loaded.
    #[error("{path}: key {key:?} cannot be loaded ({error})")]
    Load {
        /// The file.
        path: PathBuf,
        /// The key.
        key: String,
        /// Why.
        error: ApplyError,
    },
    /// A command of the log could not be applied.
    #[error("{path}: command {index} ({error}) cannot be replayed")]
    Replay {
        /// The file.
        path: PathBuf,
        /// Which command of the file (from 0).
        index: usize,
        /// Why.
        error: ApplyError,
    },
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> OpenError + '_ {
    move |source| OpenError::Io { path: path.to_path_buf(), source }
}

/// A shard's log, opened: the file new batches are appended to.
#[derive(Debug)]
pub struct Opened {
    /// What was read back.
    pub recovered: Recovered,
    /// The log directory.
    pub dir: PathBuf,
    /// The file to append to, empty and listed in the manifest.
    pub file: fs::File,
    /// Its path.
    pub path: PathBuf,
    /// The manifest as stored, listing it last.
    pub manifest: Manifest,
}

/// Opens the log in `dir` (creating it if needed): loads the base
/// snapshot, if there is one, through `load`, replays every whole batch of
/// every incremental file through `apply`, cuts a torn tail off the last file
/// (logging where), and starts a new incremental file. Damage anywhere
/// else stops with [`OpenError::Corrupt`] unless `truncate_corrupt`, which
/// cuts the file at the damage and drops the files after it.
pub fn open(
    dir: &Path,
    truncate_corrupt: bool,
    mut apply: impl FnMut(Replay<'_>) -> Result<(), ApplyError>,
) -> Result<Opened, OpenError> {
    fs::create_dir_all(dir).map_err(io_err(dir))?;
    let mut manifest = Manifest::load(dir).map_err(io_err(&Manifest::path(dir)))?.unwrap_or_default();
    let mut rec = Recovered::default();
    let count = manifest.files.len();
    let mut keep = count;
    let mut last_empty = false;
    for (i, entry) in manifest.files.clone().iter().enumerate() {
        let path = dir.join(&entry.name);
        if entry.kind == FileType::Base {
            if i != 0 {
                return Err(OpenError::Corrupt { path, offset: 0, what: "a base file after the first".into() });
            }
            let mut failed = None;
            let loaded = rdb::file::read_path(&path, |e| {
                let key = String::from_utf8_lossy(&e.key).into_owned();
                apply(Replay::Key(e)).map_err(|error| failed = Some((key, error)))
            });
            if let Some((key, error)) = failed {
                return Err(OpenError::Load { path, key, error });
            }
            let loaded = loaded.map_err(|error| OpenError::Base { path: path.clone(), error })?;
            rec.files += 1;
            rec.bytes += loaded.bytes;
            rec.base_keys += loaded.entries;
            continue;
        }
        let data = match fs::read(&path) {
            Ok(d) => d,
            // Created in the manifest, then a crash before the file was.
            Err(e) if e.kind() == io::ErrorKind::NotFound && i + 1 == count => Vec::new(),
            Err(e) => return Err(io_err(&path)(e)),
        };
        let parsed = format::parse(&data);
        let last = i + 1 == count;
        last_empty = last && data.is_empty();
        if let Some((damage, more)) = &parsed.damage {
            let torn = last && !*more;
            if !torn && !truncate_corrupt {
                let what = match damage {
                    Damage::Truncated => "the file ends inside a batch".to_string(),
                    Damage::Corrupt(w) => w.clone(),
                };
                return Err(OpenError::Corrupt { path, offset: parsed.good_len as u64, what });
            }
            let dropped = (data.len() - parsed.good_len) as u64;
            let f = fs::OpenOptions::new().write(true).open(&path).map_err(io_err(&path))?;
            f.set_len(parsed.good_len as u64).map_err(io_err(&path))?;
            f.sync_all().map_err(io_err(&path))?;
            tracing::warn!(
                file = %path.display(),
                offset = parsed.good_len,
                dropped_bytes = dropped,
                "the log ended inside a batch (a write cut short); cut it after the last whole batch"
            );
            rec.truncated = Some((path.clone(), parsed.good_len as u64, dropped));
            if !last {
                keep = i + 1;
            }
        }
        for (index, c) in parsed.commands.iter().enumerate() {
            apply(Replay::Command(c)).map_err(|error| OpenError::Replay { path: path.clone(), index, error })?;
        }
        rec.files += 1;
        rec.bytes += parsed.good_len as u64;
        rec.batches += parsed.batches;
        rec.commands += parsed.commands.len();
        if keep < count {
            break;
        }
    }
    if keep < count {
        for e in manifest.files.drain(keep..) {
            tracing::warn!(file = %dir.join(&e.name).display(), "dropped from the log after damage before it");
        }
    }
    // New records go to a file of their own (what was read stays as it
    // was), unless the last file is empty.
    let name = match manifest.files.last() {
        Some(e) if last_empty && keep == count => e.name.clone(),
        _ => manifest.push_incr(),
    };
    let path = dir.join(&name);
    let file = fs::OpenOptions::new().create(true).truncate(true).write(true).open(&path).map_err(io_err(&path))?;
    file.sync_all().map_err(io_err(&path))?;
    manifest::sync_dir(dir).map_err(io_err(dir))?;
    manifest.store(dir).map_err(io_err(dir))?;
    Ok(Opened { recovered: rec, dir: dir.to_path_buf(), file, path, manifest })
}
