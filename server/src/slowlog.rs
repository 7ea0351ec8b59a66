//! The slow log: commands whose execution took longer than
//! `slowlog-log-slower-than` microseconds, newest first, at most
//! `slowlog-max-len` of them, for the whole process.
//!
//! Deciding whether a command is slow costs two relaxed atomic loads;
//! only slow commands take the lock, so cores do not contend on it in
//! normal operation.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicI64, AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;

/// Most arguments kept per entry (the last kept one says how many more
/// there were), as Redis's `SLOWLOG_ENTRY_MAX_ARGC`.
pub const MAX_ARGC: usize = 32;
/// Longest argument kept, as Redis's `SLOWLOG_ENTRY_MAX_STRING`.
pub const MAX_STRING: usize = 128;

/// Default `slowlog-log-slower-than`, in microseconds.
pub const DEFAULT_SLOWER_THAN: i64 = 10_000;
/// Default `slowlog-max-len`.
pub const DEFAULT_MAX_LEN: usize = 128;

/// One logged command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Unique, increasing id.
    pub id: u64,
    /// Unix time the command was logged, in seconds.
    pub time: u64,
    /// Execution time in microseconds.
    pub micros: u64,
    /// The command's arguments, truncated as Redis does.
    pub args: Vec<Bytes>,
    /// Client address `ip:port`.
    pub addr: String,
    /// Client name (empty when unset).
    pub name: Bytes,
}

/// The process-wide slow log.
#[derive(Debug)]
pub struct SlowLog {
    slower_than: AtomicI64,
    max_len: AtomicUsize,
    next_id: AtomicU64,
    entries: Mutex<VecDeque<Entry>>,
}

impl Default for SlowLog {
    fn default() -> Self {
        SlowLog::new(DEFAULT_SLOWER_THAN, DEFAULT_MAX_LEN)
    }
}

impl SlowLog {
    /// An empty log with the given threshold (µs; negative disables it)
    /// and length.
    pub fn new(slower_than: i64, max_len: usize) -> SlowLog {
        SlowLog {
            slower_than: AtomicI64::new(slower_than),
            max_len: AtomicUsize::new(max_len),
            next_id: AtomicU64::new(0),
            entries: Mutex::new(VecDeque::new()),
        }
    }

    /// `slowlog-log-slower-than` in microseconds (negative: disabled).
    pub fn slower_than(&self) -> i64 {
        self.slower_than.load(Ordering::Relaxed)
    }

    /// Sets `slowlog-log-slower-than`.
    pub fn set_slower_than(&self, micros: i64) {
        self.slower_than.store(micros, Ordering::Relaxed);
    }

    /// `slowlog-max-len`.
    pub fn max_len(&self) -> usize {
        self.max_len.load(Ordering::Relaxed)
    }

    /// Sets `slowlog-max-len`, dropping the oldest entries beyond it.
    pub fn set_max_len(&self, len: usize) {
        self.max_len.store(len, Ordering::Relaxed);
        let mut e = self.lock();
        e.truncate(len);
    }

    /// Whether the log is on at all (it is unless the threshold is negative).
    #[inline]
    pub fn enabled(&self) -> bool {
        self.slower_than.load(Ordering::Relaxed) >= 0
    }

    /// Whether a command that took `micros` must be logged.
    #[inline]
    pub fn is_slow(&self, micros: u64) -> bool {
        let t = self.slower_than.load(Ordering::Relaxed);
        t >= 0 && micros >= t as u64
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<Entry>> {
        match self.entries.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Logs a command (the caller checked [`is_slow`](Self::is_slow)).
    /// Arguments are truncated and secrets redacted here.
    pub fn record(&self, args: &[Bytes], micros: u64, addr: String, name: Bytes) {
        let max = self.max_len();
        if max == 0 {
            return;
        }
        let entry = Entry {
            id: self.next_id.fetch_add(1, Ordering::Relaxed),
            time: SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()),
            micros,
            args: logged_args(args),
            addr,
            name,
        };
        let mut e = self.lock();
        e.push_front(entry);
        e.truncate(max);
    }

    /// Up to `count` newest entries.
    pub fn get(&self, count: usize) -> Vec<Entry> {
        self.lock().iter().take(count).cloned().collect()
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether the log is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Empties the log (ids keep increasing).
    pub fn reset(&self) {
        self.lock().clear();
    }
}

/// Which argument positions hold secrets Redis never logs: AUTH's
/// arguments, HELLO's `AUTH user pass`, CONFIG SET requirepass's value.
fn redacted(args: &[Bytes], i: usize) -> bool {
    let name = &args[0];
    if name.eq_ignore_ascii_case(b"auth") {
        return i >= 1;
    }
    if name.eq_ignore_ascii_case(b"hello") {
        return (2..args.len()).any(|j| args[j].eq_ignore_ascii_case(b"auth") && (i == j + 1 || i == j + 2));
    }
    if name.eq_ignore_ascii_case(b"config") && args.get(1).is_some_and(|a| a.eq_ignore_ascii_case(b"set")) {
        return i >= 3 && i % 2 == 1 && args[i - 1].eq_ignore_ascii_case(b"requirepass");
    }
    false
}

/// The arguments as the log keeps them: at most [`MAX_ARGC`] (the last
/// saying how many more there were), each at most [`MAX_STRING`] bytes
/// (with a note of how many more), secrets replaced by `(redacted)`.
/// Copies, so the log never pins a connection's read buffer.
fn logged_args(args: &[Bytes]) -> Vec<Bytes> {
    let keep = args.len().min(MAX_ARGC);
    let mut out = Vec::with_capacity(keep);
    for (i, a) in args.iter().enumerate().take(keep) {
        if keep != args.len() && i == keep - 1 {
            out.push(Bytes::from(format!("... ({} more arguments)", args.len() - keep + 1)));
        } else if redacted(args, i) {
            out.push(Bytes::from_static(b"(redacted)"));
        } else if a.len() > MAX_STRING {
            let mut s = a[..MAX_STRING].to_vec();
            s.extend_from_slice(format!("... ({} more bytes)", a.len() - MAX_STRING).as_bytes());
            out.push(Bytes::from(s));
        } else {
            out.push(Bytes::copy_from_slice(a));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(v: &[&str]) -> Vec<Bytes> {
        v.iter().map(|s| Bytes::copy_from_slice(s.as_bytes())).collect()
    }

    #[test]
    fn threshold_and_length() {
        let log = SlowLog::new(100, 2);
        assert!(!log.is_slow(99));
        assert!(log.is_slow(100));
        for i in 0..3 {
            log.record(&args(&["set", "k", &i.to_string()]), 150, "1.2.3.4:5".into(), Bytes::new());
        }
        let got = log.get(10);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].id, 2, "newest first");
        assert_eq!(got[1].id, 1);
        assert_eq!(got[0].args, args(&["set", "k", "2"]));
        assert_eq!(log.get(1).len(), 1);
        log.set_max_len(1);
        assert_eq!(log.len(), 1);
        log.reset();
        assert!(log.is_empty());
        log.set_slower_than(-1);
        assert!(!log.is_slow(u64::MAX));
        assert!(!log.enabled());
        log.set_slower_than(0);
        assert!(log.is_slow(0));
        let zero = SlowLog::new(0, 0);
        zero.record(&args(&["get", "k"]), 1, String::new(), Bytes::new());
        assert!(zero.is_empty(), "max-len 0 keeps nothing");
    }

    #[test]
    fn arguments_are_truncated_and_secrets_redacted() {
        let many: Vec<String> = (0..40).map(|i| i.to_string()).collect();
        let mut v = vec!["rpush".to_string()];
        v.extend(many);
        let v: Vec<&str> = v.iter().map(String::as_str).collect();
        let got = logged_args(&args(&v));
        assert_eq!(got.len(), MAX_ARGC);
        assert_eq!(got[MAX_ARGC - 1], Bytes::from_static(b"... (10 more arguments)"));
        assert_eq!(got[30], Bytes::from_static(b"29"));

        let long = "x".repeat(200);
        let got = logged_args(&args(&["set", "k", &long]));
        assert_eq!(got[2].len(), MAX_STRING + "... (72 more bytes)".len());
        assert!(got[2].ends_with(b"... (72 more bytes)"));

        assert_eq!(logged_args(&args(&["AUTH", "user", "pw"])), args(&["AUTH", "(redacted)", "(redacted)"]));
        assert_eq!(
            logged_args(&args(&["hello", "3", "auth", "u", "p", "setname", "n"])),
            args(&["hello", "3", "auth", "(redacted)", "(redacted)", "setname", "n"])
        );
        assert_eq!(
            logged_args(&args(&["config", "set", "requirepass", "pw", "timeout", "5"])),
            args(&["config", "set", "requirepass", "(redacted)", "timeout", "5"])
        );
    }
}
