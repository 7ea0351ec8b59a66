//! The C `long double` of INCRBYFLOAT, HINCRBYFLOAT and blocking timeouts.
//!
//! Software x87 80-bit extended precision: 64-bit significand, exponents
//! down to subnormal 2^-16445 and up to 2^16384. Redis computes INCRBYFLOAT
//! and HINCRBYFLOAT with `strtold`, `+` and `printf("%.17Lf")` on this type;
//! emulating it bit for bit is the only way to answer with the same digits
//! (e.g. `0.1 + 0.2` is `0.3`, and `1e300` prints all 301 digits).
//! Arithmetic is exact big-integer arithmetic followed by one
//! round-half-even step, which is what the FPU does.

use std::cmp::Ordering;

use super::big::Big;
use super::syntax::{is_c_space, scan, Num, Scan};

/// Exponent of the least significant bit of the smallest subnormal.
const MIN_LSB: i64 = -16445;
/// Magnitudes at or above 2^MAX_EXP overflow to infinity.
const MAX_EXP: i64 = 16384;
/// `MAX_LONG_DOUBLE_CHARS` in Redis: longer inputs are rejected.
const MAX_CHARS: usize = 5 * 1024;

/// A C `long double` value as Redis's INCRBYFLOAT sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LongDouble(Repr);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Repr {
    /// `mant * 2^exp`; `mant` has its top bit set unless subnormal
    /// (`exp == MIN_LSB`) or zero.
    Finite {
        neg: bool,
        mant: u64,
        exp: i64,
    },
    Inf {
        neg: bool,
    },
}

impl LongDouble {
    /// True unless infinite (NaN is never represented).
    pub fn is_finite(&self) -> bool {
        matches!(self.0, Repr::Finite { .. })
    }

    /// Zero.
    pub const ZERO: LongDouble = LongDouble(Repr::Finite { neg: false, mant: 0, exp: 0 });

    /// Parses `text` like Redis's `string2ld`: the whole input must be a
    /// `strtold` number (decimal, hex float, `inf`/`infinity`), with no
    /// leading space, no NUL, under 5120 bytes, not NaN, and not so
    /// large or small that it overflows or underflows to zero.
    pub fn parse(text: &[u8]) -> Option<LongDouble> {
        if text.is_empty() || text.len() >= MAX_CHARS || is_c_space(text[0]) {
            return None;
        }
        // A NUL ends strtold's C string, so it fails this check too.
        let Scan { neg, num, len } = scan(text);
        if len != text.len() {
            return None;
        }
        let r = match num {
            Num::Nothing | Num::Nan => return None,
            Num::Inf => Repr::Inf { neg },
            Num::Dec { int, frac, exp, .. } => decimal(neg, int, frac, exp)?,
            Num::Hex { mant, sticky, exp } => hex(neg, mant, sticky, exp)?,
        };
        Some(LongDouble(r))
    }

    /// The sum, rounded once as the FPU does; `None` when it is NaN or
    /// infinite (Redis's `increment would produce NaN or Infinity`).
    pub fn add(&self, other: &LongDouble) -> Option<LongDouble> {
        let (Repr::Finite { neg: an, mant: am, exp: ae }, Repr::Finite { neg: bn, mant: bm, exp: be }) =
            (self.0, other.0)
        else {
            return None;
        };
        if am == 0 {
            return Some(*other);
        }
        if bm == 0 {
            return Some(*self);
        }
        let e = ae.min(be);
        let a = Big::from_u64(am).shl(ae - e);
        let b = Big::from_u64(bm).shl(be - e);
        let (neg, n) = if an == bn {
            (an, a.add(&b))
        } else {
            match a.cmp(&b) {
                Ordering::Equal => return Some(LongDouble::ZERO),
                Ordering::Greater => (an, a.sub(&b)),
                Ordering::Less => (bn, b.sub(&a)),
            }
        };
        match round_ratio(neg, &n, &Big::from_u64(1), e) {
            Repr::Inf { .. } => None,
            r => Some(LongDouble(r)),
        }
    }

    /// Redis's "human" format: `%.17Lf` with trailing zeros (and a
    /// trailing dot) removed, and `-0` written as `0`.
    pub fn to_human(&self) -> Vec<u8> {
        let (neg, mant, exp) = match self.0 {
            Repr::Finite { neg, mant, exp } => (neg, mant, exp),
            Repr::Inf { neg: true } => return b"-inf".to_vec(),
            Repr::Inf { neg: false } => return b"inf".to_vec(),
        };
        let mut out = Vec::with_capacity(24);
        if exp >= 0 {
            let digits = Big::from_u64(mant).shl(exp).to_decimal();
            if neg && digits != b"0" {
                out.push(b'-');
            }
            out.extend_from_slice(&digits);
            return out;
        }
        // Scaled by 10^17 and rounded half-even, the value fits in u128.
        const SCALE: u128 = 100_000_000_000_000_000;
        let p = mant as u128 * SCALE;
        let shift = -exp;
        let n = if shift >= 128 {
            0
        } else {
            let q = p >> shift;
            let rem = p & ((1u128 << shift) - 1);
            let half = 1u128 << (shift - 1);
            if rem > half || (rem == half && q & 1 == 1) {
                q + 1
            } else {
                q
            }
        };
        let (int, frac) = (n / SCALE, n % SCALE);
        if neg && n != 0 {
            out.push(b'-');
        }
        out.extend_from_slice(itoa::Buffer::new().format(int).as_bytes());
        if frac != 0 {
            let mut f = [b'0'; 17];
            let mut v = frac;
            for d in f.iter_mut().rev() {
                *d = b'0' + (v % 10) as u8;
                v /= 10;
            }
            let used = 17 - f.iter().rev().take_while(|&&d| d == b'0').count();
            out.push(b'.');
            out.extend_from_slice(&f[..used]);
        }
        out
    }
}

/// A decimal `int.frac × 10^exp`, rounded once.
fn decimal(neg: bool, int: &[u8], frac: &[u8], exp: i64) -> Option<Repr> {
    let digits = || int.iter().chain(frac).skip_while(|&&c| c == b'0');
    let nd = digits().count() as i64;
    if nd == 0 {
        return Some(Repr::Finite { neg, mant: 0, exp: 0 });
    }
    // The digits have no leading zeros, so the value is in
    // [10^(nd-1+e), 10^(nd+e)).
    let e = exp - frac.len() as i64;
    if nd - 1 + e > 4933 || nd + e < -4952 {
        return None; // overflow, or underflow to zero: ERANGE
    }
    let mut n = Big::from_u64(0);
    let (mut chunk, mut len) = (0u64, 0u32);
    for &c in digits() {
        chunk = chunk * 10 + u64::from(c - b'0');
        len += 1;
        if len == 19 {
            n.mul_add_small(10u64.pow(len), chunk);
            (chunk, len) = (0, 0);
        }
    }
    if len > 0 {
        n.mul_add_small(10u64.pow(len), chunk);
    }
    let r = if e >= 0 {
        round_ratio(neg, &n.mul(&Big::pow10(e as u64)), &Big::from_u64(1), 0)
    } else {
        round_ratio(neg, &n, &Big::pow10((-e) as u64), 0)
    };
    finish(r)
}

/// A hex float `mant × 2^exp` (plus a nonzero tail when `sticky`), rounded
/// once.
fn hex(neg: bool, mant: u128, sticky: bool, exp: i64) -> Option<Repr> {
    if mant == 0 {
        return Some(Repr::Finite { neg, mant: 0, exp: 0 });
    }
    // The tail becomes one more bit below the kept ones; with at least 125
    // bits kept whenever there is a tail, rounding to 64 bits sees it only
    // as "more than nothing", which is exact.
    let mut n = Big::from_u128(mant).shl(1);
    if sticky {
        n.mul_add_small(1, 1);
    }
    let e2 = exp - 1;
    let top = n.bit_len() + e2;
    if !(MIN_LSB - 8..=MAX_EXP + 8).contains(&top) {
        return None;
    }
    finish(round_ratio(neg, &n, &Big::from_u64(1), e2))
}

fn finish(r: Repr) -> Option<Repr> {
    match r {
        Repr::Inf { .. } | Repr::Finite { mant: 0, .. } => None, // ERANGE
        r => Some(r),
    }
}

/// Rounds `num / den * 2^e2` (num > 0) to the nearest long double,
/// ties to even, with subnormals and overflow to infinity.
fn round_ratio(neg: bool, num: &Big, den: &Big, e2: i64) -> Repr {
    let k = num.bit_len() - den.bit_len();
    let ge = if k >= 0 { num.cmp(&den.shl(k)) != Ordering::Less } else { num.shl(-k).cmp(den) != Ordering::Less };
    let top = if ge { k } else { k - 1 } + e2; // floor(log2(value))
    if top >= MAX_EXP {
        return Repr::Inf { neg };
    }
    let mut lsb = (top - 63).max(MIN_LSB);
    let s = lsb - e2;
    let (mut a, b) = if s >= 0 { (num.clone(), den.shl(s)) } else { (num.shl(-s), den.clone()) };
    // The quotient is below 2^64 by the choice of `lsb`.
    let mut q = 0u64;
    let mut bs = b.shl(63);
    for i in (0..64).rev() {
        if a.cmp(&bs) != Ordering::Less {
            a = a.sub(&bs);
            q |= 1 << i;
        }
        bs.shr1();
    }
    let up = match a.shl(1).cmp(&b) {
        Ordering::Greater => true,
        Ordering::Equal => q & 1 == 1,
        Ordering::Less => false,
    };
    let mut mant = q;
    if up {
        match q.checked_add(1) {
            Some(m) => mant = m,
            None => {
                mant = 1 << 63;
                lsb += 1;
            }
        }
    }
    if lsb + 63 >= MAX_EXP {
        return Repr::Inf { neg };
    }
    Repr::Finite { neg, mant, exp: lsb }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_double_extremes() {
        let max = LongDouble::parse(b"1.18973149535723176502e+4932").unwrap();
        let text = max.to_human();
        assert_eq!(text.len(), 4933);
        assert!(text.starts_with(b"118973149535723176502126385303097020516906332229462420044032373389173700552297072"));
        assert_eq!(max.add(&max), None);
        let tiny = LongDouble::parse(b"0x1p-16445").unwrap();
        assert_eq!(tiny.to_human(), b"0");
        assert_eq!(tiny.add(&tiny).map(|v| v.to_human()), Some(b"0".to_vec()));
        assert_eq!(LongDouble::parse(b"0x1p-16446"), None); // rounds to zero
        assert!(LongDouble::parse(b"0x1.8p-16446").is_some()); // rounds up to the minimum
        let long = "1".repeat(5113) + "e-5100";
        assert_eq!(long.len(), 5119);
        assert_eq!(LongDouble::parse(long.as_bytes()).unwrap().to_human(), b"1111111111111.11111116409301758");
        assert_eq!(LongDouble::parse("1".repeat(5120).as_bytes()), None);
        assert_eq!(LongDouble::ZERO.to_human(), b"0");
        let neg_inf = LongDouble::parse(b"-inf").unwrap();
        assert_eq!(neg_inf.to_human(), b"-inf");
        assert_eq!(neg_inf.add(&LongDouble::ZERO), None);
    }

    #[test]
    fn hex_digits_beyond_the_kept_ones_still_round() {
        let ld = |s: &str| LongDouble::parse(s.as_bytes()).unwrap();
        // 1 + 2^-64 is half way between 1 and the next long double: even wins.
        assert_eq!(ld("0x1.0000000000000001p0"), ld("1"));
        assert_eq!(ld("0x1.0000000000000003p0"), ld("0x1.0000000000000004p0"));
        // A nonzero digit far past the 32 kept ones breaks the tie upwards.
        let above = format!("0x1.0000000000000001{}1p0", "0".repeat(30));
        assert_eq!(ld(&above), ld("0x1.0000000000000002p0"));
        let above = format!("0x10000000000000001{}1p-128", "0".repeat(30));
        assert_eq!(ld(&above), ld("0x1.0000000000000002p60"));
    }

    #[test]
    fn whole_text_only() {
        for s in [" 1", "1 ", "", "1\0", "\0", "nan", "nan(1)", "1e", "0x", "0x1p", "- 1", "+-1", "infinit"] {
            assert_eq!(LongDouble::parse(s.as_bytes()), None, "{s:?}");
        }
        assert_eq!(LongDouble::parse(b"-0").map(|v| v.to_human()), Some(b"0".to_vec()));
        assert_eq!(LongDouble::parse(b"+Infinity").map(|v| v.is_finite()), Some(false));
    }
}
