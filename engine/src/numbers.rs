//! Redis's number rules, each written once: what Redis accepts as an
//! integer or a float, and the digits it answers with.
//!
//! * Integers: [`string2ll`] is Redis's strict `string2ll` (canonical
//!   decimal only), used for every integer argument, for stored counters
//!   and for RESP lengths; [`strtoul`] is the looser C `strtoul` reading
//!   Redis applies to `SCAN` cursors.
//! * Doubles: [`strtod`] reads the longest prefix C `strtod` would (score
//!   range bounds use it bare); [`string2d`] is Redis's whole-argument
//!   check on top of it (ZADD scores, weights). [`write_double`] is the
//!   `%.17g` text of replies.
//! * Long doubles: [`LongDouble`] is the x87 80-bit `long double` of
//!   INCRBYFLOAT, HINCRBYFLOAT and blocking timeouts, read as `strtold`
//!   reads it (Redis's `string2ld`), added exactly as the FPU adds, and
//!   written in Redis's "human" `%.17Lf` form.
//!
//! The double and long-double parsers share one reader of the C syntax
//! (decimal, hex floats, `inf`, `nan`), so they accept exactly the same
//! texts and differ only in how they round. Integers are written with
//! `itoa`.
//!
//! ```
//! use coreshard_engine::numbers::{string2d, string2ll, write_double, LongDouble};
//!
//! assert_eq!(string2ll(b"-42"), Some(-42));
//! assert_eq!(string2ll(b"042"), None); // no leading zeros
//! assert_eq!(string2d(b"0x1p-2"), Some(0.25));
//! let mut out = Vec::new();
//! write_double(&mut out, 0.1);
//! assert_eq!(out, b"0.10000000000000001");
//! let sum = LongDouble::parse(b"0.1").and_then(|a| a.add(&LongDouble::parse(b"0.2")?));
//! assert_eq!(sum.map(|s| s.to_human()), Some(b"0.3".to_vec()));
//! ```

mod big;
mod double;
mod integer;
mod long_double;
mod syntax;

pub use double::{format_double, string2d, strtod, write_double, Strtod};
pub use integer::{string2ll, strtoul};
pub use long_double::LongDouble;
