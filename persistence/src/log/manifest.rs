//! The files of one shard's log, in Redis 7's multi-part AOF layout:
//! `appendonlydir/` holding the incremental files
//! `appendonly.aof.<n>.incr.aof` (and, once there are snapshots, a base
//! file) and the manifest `appendonly.aof.manifest` that lists them in
//! order, one line each:
//!
//! ```text
//! file appendonly.aof.1.incr.aof seq 1 type i
//! ```
//!
//! The manifest is replaced atomically (written beside, synced, renamed,
//! the directory synced), so a crash leaves the old list or the new one.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Name of the directory holding a shard's log (Redis's `appenddirname`).
pub const DIR_NAME: &str = "appendonlydir";
/// Prefix of the log's file names (Redis's `appendfilename`).
pub const FILE_PREFIX: &str = "appendonly.aof";

/// What a file of the log holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileType {
    /// A base the incremental files apply to (`b`).
    Base,
    /// Commands (`i`).
    Incr,
}

/// One line of the manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The file's name inside the log directory.
    pub name: String,
    /// Its sequence number.
    pub seq: u64,
    /// What it holds.
    pub kind: FileType,
}

/// The manifest: the log's files in the order they apply.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Manifest {
    /// Base first (if any), then incremental files in order.
    pub files: Vec<Entry>,
}

impl Manifest {
    /// The manifest's path in log directory `dir`.
    pub fn path(dir: &Path) -> PathBuf {
        dir.join(format!("{FILE_PREFIX}.manifest"))
    }

    /// Reads the manifest of `dir`; `Ok(None)` if there is none.
    pub fn load(dir: &Path) -> io::Result<Option<Manifest>> {
        let text = match fs::read_to_string(Self::path(dir)) {
            Ok(t) => t,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        Self::parse(&text).map(Some).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
    }

    /// Parses a manifest's text.
    pub fn parse(text: &str) -> Result<Manifest, String> {
        let mut files = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let words: Vec<&str> = line.split_ascii_whitespace().collect();
            if words.len() % 2 != 0 {
                return Err(format!("manifest line {}: odd number of words", i + 1));
            }
            let (mut name, mut seq, mut kind) = (None, None, None);
            for kv in words.chunks(2) {
                match kv[0] {
                    "file" => name = Some(kv[1].to_string()),
                    "seq" => seq = kv[1].parse::<u64>().ok(),
                    "type" => {
                        kind = match kv[1] {
                            "b" => Some(FileType::Base),
                            "i" => Some(FileType::Incr),
                            _ => None,
                        }
                    }
                    _ => {}
                }
            }
            match (name, seq, kind) {
                (Some(name), Some(seq), Some(kind)) if !name.contains('/') => files.push(Entry { name, seq, kind }),
                _ => return Err(format!("manifest line {}: not `file NAME seq N type b|i`", i + 1)),
            }
        }
        if files.is_empty() {
            return Err("empty manifest".into());
        }
        Ok(Manifest { files })
    }

    /// The manifest's text.
    pub fn render(&self) -> String {
        let mut s = String::new();
        for f in &self.files {
            let t = match f.kind {
                FileType::Base => 'b',
                FileType::Incr => 'i',
            };
            s.push_str(&format!("file {} seq {} type {t}\n", f.name, f.seq));
        }
        s
    }

    /// Replaces the manifest of `dir` atomically.
    pub fn store(&self, dir: &Path) -> io::Result<()> {
        let tmp = dir.join(format!("{FILE_PREFIX}.manifest.tmp"));
        {
            let mut f = fs::File::create(&tmp)?;
            f.write_all(self.render().as_bytes())?;
            f.sync_all()?;
        }
        fs::rename(&tmp, Self::path(dir))?;
        sync_dir(dir)
    }

    /// Adds a new, empty incremental file after the others and returns its
    /// name.
    pub fn push_incr(&mut self) -> String {
        let seq = self.files.iter().filter(|f| f.kind == FileType::Incr).map(|f| f.seq).max().unwrap_or(0) + 1;
        let name = format!("{FILE_PREFIX}.{seq}.incr.aof");
        self.files.push(Entry { name: name.clone(), seq, kind: FileType::Incr });
        name
    }
}

/// Syncs a directory, so that files created or renamed in it survive a
/// power failure.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    fs::File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redis_manifests_parse_and_render_alike() {
        let text = "file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n";
        let m = Manifest::parse(text).expect("parses");
        assert_eq!(m.files.len(), 2);
        assert_eq!(m.files[0].kind, FileType::Base);
        assert_eq!(m.render(), text);
    }

    #[test]
    fn new_incremental_files_number_on() {
        let mut m = Manifest::default();
        assert_eq!(m.push_incr(), "appendonly.aof.1.incr.aof");
        assert_eq!(m.push_incr(), "appendonly.aof.2.incr.aof");
        assert_eq!(m.files[1].seq, 2);
    }

    #[test]
    fn bad_manifests_are_refused() {
        assert!(Manifest::parse("").is_err());
        assert!(Manifest::parse("file x seq 1\n").is_err());
        assert!(Manifest::parse("file ../x seq 1 type i\n").is_err());
        assert!(Manifest::parse("file x seq one type i\n").is_err());
    }
}
