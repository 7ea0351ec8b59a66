//! Doubles: C `strtod`, Redis's `string2d` on top of it, and the `%.17g`
//! text Redis replies with.

use super::integer::string2ll;
use super::syntax::{is_c_space, scan, Num, Scan};

/// What C `strtod` makes of the front of a string.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Strtod {
    /// The value read (0 when nothing was).
    pub value: f64,
    /// Bytes read, leading whitespace included; 0 when no conversion was
    /// possible.
    pub len: usize,
    /// `strtod` would set ERANGE with a result of ±HUGE_VAL or 0: the number
    /// overflowed, or underflowed to zero.
    pub range_error: bool,
}

/// Parses the longest prefix of `s` that C `strtod` would (C locale),
/// rounding correctly as glibc does, hex floats included.
pub fn strtod(s: &[u8]) -> Strtod {
    const NOTHING: Strtod = Strtod { value: 0.0, len: 0, range_error: false };
    let Scan { neg, num, len } = scan(s);
    let sign = if neg { -1.0 } else { 1.0 };
    let (value, range_error) = match num {
        Num::Nothing => return NOTHING,
        Num::Inf => (sign * f64::INFINITY, false),
        Num::Nan => (f64::NAN, false),
        Num::Dec { int, frac, text, .. } => {
            // Rust's parser rounds correctly, as glibc's strtod does.
            let Some(v) = std::str::from_utf8(text).ok().and_then(|t| t.parse::<f64>().ok()) else { return NOTHING };
            let nonzero = int.iter().chain(frac).any(|&d| d != b'0');
            (v, v.is_infinite() || (v == 0.0 && nonzero))
        }
        Num::Hex { mant, sticky, exp } => {
            let v = sign * compose(mant, sticky, exp);
            (v, v.is_infinite() || (v == 0.0 && mant != 0))
        }
    };
    Strtod { value, len, range_error }
}

/// Parses a whole argument as a double exactly as Redis's `string2d`: what
/// `strtod` accepts, consumed entirely, not starting with whitespace, not
/// NaN, and not overflowing or underflowing to zero.
pub fn string2d(s: &[u8]) -> Option<f64> {
    if s.is_empty() || is_c_space(s[0]) {
        return None;
    }
    let p = strtod(s);
    if p.len != s.len() || p.range_error || p.value.is_nan() {
        return None;
    }
    Some(p.value)
}

/// `mant × 2^exp` (plus a nonzero tail if `sticky`), rounded to the nearest
/// double, ties to even.
fn compose(mant: u128, sticky: bool, exp: i64) -> f64 {
    // Keep the top 64 bits; what falls off only counts as nonzero or not.
    let shift = (128 - mant.leading_zeros()).saturating_sub(64);
    let sticky = sticky || mant & ((1u128 << shift) - 1) != 0;
    let mant = (mant >> shift) as u64;
    let exp = exp + i64::from(shift);
    if mant == 0 {
        return 0.0;
    }
    let lz = i64::from(mant.leading_zeros());
    let m = mant << lz;
    // Value = m × 2^(e2 - 63), with the leading bit of m at 2^63.
    let e2 = exp - lz + 63;
    if e2 > 1023 {
        return f64::INFINITY;
    }
    // Bits of precision available at this magnitude (fewer when subnormal).
    let keep = if e2 >= -1022 { 53 } else { e2 + 1074 + 1 };
    if keep < 0 {
        return 0.0;
    }
    let shift = (64 - keep) as u32; // 11..=64
    let m128 = u128::from(m);
    let mut kept = (m128 >> shift) as u64;
    let rem = m128 & ((1u128 << shift) - 1);
    let half = 1u128 << (shift - 1);
    if rem > half || (rem == half && (sticky || kept & 1 == 1)) {
        kept += 1;
    }
    if e2 >= -1022 {
        let mut e = e2;
        if kept == 1 << 53 {
            kept >>= 1;
            e += 1;
            if e > 1023 {
                return f64::INFINITY;
            }
        }
        f64::from_bits((((e + 1023) as u64) << 52) | (kept & ((1 << 52) - 1)))
    } else {
        // Subnormal (a carry into bit 52 yields the smallest normal).
        f64::from_bits(kept)
    }
}

/// Formats a double as Redis 7.0 replies with it (`%.17g`): `1.5`, `3`,
/// `0.10000000000000001`, `1e+20`, `inf`, `-inf`.
pub fn format_double(v: f64) -> String {
    let mut out = Vec::with_capacity(24);
    write_double(&mut out, v);
    // write_double emits ASCII only.
    String::from_utf8(out).unwrap_or_default()
}

/// Appends the `%.17g` text of `v` to `out` without allocating anything
/// else.
pub fn write_double(out: &mut Vec<u8>, v: f64) {
    if v.is_nan() {
        out.extend_from_slice(b"nan");
        return;
    }
    if v.is_infinite() {
        out.extend_from_slice(if v > 0.0 { b"inf" } else { b"-inf" });
        return;
    }
    // 17 significant digits, correctly rounded, in scientific form.
    let mut buf = StackBuf { buf: [0; 40], len: 0 };
    let _ = std::fmt::Write::write_fmt(&mut buf, format_args!("{v:.16e}"));
    let text = &buf.buf[..buf.len];
    let (negative, text) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    let Some(epos) = text.iter().position(|&b| b == b'e') else { return };
    let mut digits = [0u8; 17];
    let mut nd = 0;
    for &b in &text[..epos] {
        if b.is_ascii_digit() && nd < digits.len() {
            digits[nd] = b;
            nd += 1;
        }
    }
    // Rust writes the exponent canonically ("-5", "20").
    let exp = string2ll(&text[epos + 1..]).unwrap_or(0);
    // %g drops trailing zeros of the significand.
    while nd > 1 && digits[nd - 1] == b'0' {
        nd -= 1;
    }
    let digits = &digits[..nd];
    if negative {
        out.push(b'-');
    }
    if !(-4..17).contains(&exp) {
        out.push(digits[0]);
        if digits.len() > 1 {
            out.push(b'.');
            out.extend_from_slice(&digits[1..]);
        }
        out.push(b'e');
        out.push(if exp < 0 { b'-' } else { b'+' });
        let e = exp.unsigned_abs();
        if e < 10 {
            out.push(b'0');
        }
        out.extend_from_slice(itoa::Buffer::new().format(e).as_bytes());
    } else if exp < 0 {
        out.extend_from_slice(b"0.");
        for _ in 0..(-exp - 1) {
            out.push(b'0');
        }
        out.extend_from_slice(digits);
    } else {
        let int_len = exp as usize + 1;
        for i in 0..int_len {
            out.push(digits.get(i).copied().unwrap_or(b'0'));
        }
        if digits.len() > int_len {
            out.push(b'.');
            out.extend_from_slice(&digits[int_len..]);
        }
    }
}

struct StackBuf {
    buf: [u8; 40],
    len: usize,
}

impl std::fmt::Write for StackBuf {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let bytes = s.as_bytes();
        let end = self.len + bytes.len();
        if end > self.buf.len() {
            return Err(std::fmt::Error);
        }
        self.buf[self.len..end].copy_from_slice(bytes);
        self.len = end;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_parse_like_redis() {
        let ok: &[(&str, f64)] = &[
            ("1", 1.0),
            ("-1.5", -1.5),
            ("+.5e1", 5.0),
            (".5", 0.5),
            ("5.", 5.0),
            ("0x10", 16.0),
            ("0X1p-2", 0.25),
            ("0x.8", 0.5),
            ("inf", f64::INFINITY),
            ("-INF", f64::NEG_INFINITY),
            ("+Infinity", f64::INFINITY),
            ("1e-310", 1e-310),
            ("123456789012345678901234567890", 1.2345678901234568e29),
        ];
        for (s, v) in ok {
            assert_eq!(string2d(s.as_bytes()), Some(*v), "{s}");
        }
        for s in [" 1", "1 ", "", "1e400", "1e-400", "nan", "-nan", "1e", "1e+", "-", "0x", "1.5e3x", "infinit", "1\0"]
        {
            assert_eq!(string2d(s.as_bytes()), None, "{s:?}");
        }
        assert!(string2d(b"-0").is_some_and(|v| v == 0.0 && v.is_sign_negative()));
    }

    #[test]
    fn hex_floats_round_correctly() {
        // Values cross-checked with Python's float.fromhex.
        let cases: &[(&str, f64)] = &[
            ("0x1p-1074", 5e-324),
            ("0x1p-1075", 0.0),
            ("0x1.8p-1074", 1e-323),
            ("0x1.fffffffffffff8p0", 2.0),
            ("0x1.fffffffffffff7p0", 1.9999999999999998),
            ("0x123456789abcdef0123", 5.373003642731685e21),
            ("0x1.4p-1075", 5e-324),
            ("0x3p-1076", 5e-324),
            ("0x1p1023", 8.98846567431158e307),
            ("0x1.fffffffffffffp1023", f64::MAX),
        ];
        for (s, v) in cases {
            let p = strtod(s.as_bytes());
            assert_eq!(p.len, s.len(), "{s}");
            assert_eq!(p.value, *v, "{s}");
        }
        assert!(strtod(b"0x1p1024").range_error);
        assert!(strtod(b"0x1p-1080").range_error);
    }

    #[test]
    fn strtod_reads_a_prefix() {
        let read = |s: &str| {
            let p = strtod(s.as_bytes());
            (p.value, p.len)
        };
        assert_eq!(read(""), (0.0, 0));
        assert_eq!(read("  -2.5e1x"), (-25.0, 8));
        assert_eq!(read("1e"), (1.0, 1));
        assert_eq!(read("0x"), (0.0, 1));
        assert_eq!(read("0x1p"), (1.0, 3));
        assert_eq!(read("infinit"), (f64::INFINITY, 3));
        assert_eq!(read("x"), (0.0, 0));
        assert_eq!(strtod(b"nan(abc)").len, 8);
        assert_eq!(strtod(b"nan(abc").len, 3);
        assert!(strtod(b"1e400").range_error && strtod(b"1e-400").range_error && !strtod(b"0e-400").range_error);
    }

    #[test]
    fn formats_like_percent_17g() {
        // Texts as redis-server 7.0 replies them.
        let cases: &[(f64, &str)] = &[
            (1.5, "1.5"),
            (3.0, "3"),
            (0.0, "0"),
            (-0.0, "-0"),
            (-2.0, "-2"),
            (0.1, "0.10000000000000001"),
            (1e20, "1e+20"),
            (1e-5, "1.0000000000000001e-05"),
            (1.2345678901234568e17, "1.2345678901234568e+17"),
            (1e16, "10000000000000000"),
            (1e17, "1e+17"),
            (0.0001, "0.0001"),
            (123.456, "123.456"),
            (1e-310, "9.9999999999999694e-311"),
            (f64::MAX, "1.7976931348623157e+308"),
            (5e-324, "4.9406564584124654e-324"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
        ];
        for (v, s) in cases {
            assert_eq!(format_double(*v), *s, "{v:e}");
        }
    }
}
