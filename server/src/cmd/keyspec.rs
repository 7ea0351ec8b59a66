//! Where a command's keys are among its arguments.

use bytes::Bytes;
use coreshard_engine::numbers::string2ll;

/// Where a command's keys are among its arguments (`args[0]` is the name).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeySpec {
    /// No keys.
    None,
    /// Keys at `first`, `first + step`, ... up to `last`; a negative `last`
    /// counts from the end (-1 is the last argument).
    Range {
        /// First key position.
        first: u8,
        /// Last key position (negative: from the end).
        last: i8,
        /// Distance between keys.
        step: u8,
    },
    /// A `numkeys` argument at position `at`, followed by that many keys;
    /// with `dest`, `args[1]` is a key too (ZUNIONSTORE dst numkeys ...).
    NumKeys {
        /// Position of `numkeys`.
        at: u8,
        /// Whether `args[1]` is a destination key.
        dest: bool,
    },
}

impl KeySpec {
    /// One key at position 1.
    pub const FIRST: KeySpec = KeySpec::Range { first: 1, last: 1, step: 1 };
    /// Every argument from position 1 is a key.
    pub const ALL: KeySpec = KeySpec::Range { first: 1, last: -1, step: 1 };
    /// Two keys at positions 1 and 2.
    pub const TWO: KeySpec = KeySpec::Range { first: 1, last: 2, step: 1 };

    /// Calls `f` with the position of every key in `args`. Malformed
    /// arguments (a bad `numkeys`) yield no keys: the command reports the
    /// error itself.
    #[inline]
    pub fn for_each(&self, args: &[Bytes], mut f: impl FnMut(usize)) {
        match *self {
            KeySpec::None => {}
            KeySpec::Range { first, last, step } => {
                let n = args.len() as i64;
                let last = if last < 0 { n + i64::from(last) } else { i64::from(last) };
                let mut i = i64::from(first);
                while i <= last && i < n {
                    f(i as usize);
                    i += i64::from(step.max(1));
                }
            }
            KeySpec::NumKeys { at, dest } => {
                let at = usize::from(at);
                let Some(numkeys) = args.get(at).and_then(|a| usize::try_from(string2ll(a)?).ok()) else {
                    return;
                };
                if numkeys == 0 || at + numkeys >= args.len() {
                    return;
                }
                if dest {
                    f(1);
                }
                for i in 0..numkeys {
                    f(at + 1 + i);
                }
            }
        }
    }

    /// The positions of every key.
    pub fn positions(&self, args: &[Bytes]) -> Vec<usize> {
        let mut v = Vec::new();
        self.for_each(args, |i| v.push(i));
        v
    }

    /// `(first, last, step)` as `COMMAND INFO` reports them.
    pub fn legacy_triple(&self) -> (i64, i64, i64) {
        match *self {
            KeySpec::None => (0, 0, 0),
            KeySpec::Range { first, last, step } => (i64::from(first), i64::from(last), i64::from(step)),
            KeySpec::NumKeys { dest: true, .. } => (1, 1, 1),
            KeySpec::NumKeys { .. } => (0, 0, 0),
        }
    }
}
