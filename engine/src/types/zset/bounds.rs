//! Score parsing and formatting, and the range bounds of the BYSCORE and
//! BYLEX forms, with Redis's exact acceptance rules.
//!
//! Redis reads scores with C `strtod`, so it accepts what `strtod` accepts:
//! leading `+`, `.5`, `5.`, exponents, `inf`/`infinity` in any case, and hex
//! floats (`0x1p-2`). ZADD-style arguments must be consumed entirely, may not
//! start with whitespace, and may not overflow or underflow to zero; range
//! bounds go through bare `strtod`, which skips leading whitespace, accepts
//! an empty string as 0 and saturates on overflow.

use bytes::Bytes;

use crate::error::{ArgError, Error, Result};

/// Parses a score or increment argument (ZADD, ZINCRBY) as Redis does;
/// fails with [`Error::NotFloat`].
pub fn parse_score(arg: &[u8]) -> Result<f64> {
    if arg.is_empty() || is_c_space(arg[0]) {
        return Err(Error::NotFloat);
    }
    let p = strtod(arg);
    if p.consumed != arg.len() || p.range_error || p.value.is_nan() {
        return Err(Error::NotFloat);
    }
    Ok(p.value)
}

/// Parses a WEIGHTS argument of ZUNION/ZINTER(STORE); fails with
/// [`ArgError::WeightNotFloat`].
pub fn parse_weight(arg: &[u8]) -> Result<f64> {
    parse_score(arg).map_err(|_| Error::InvalidArgument(ArgError::WeightNotFloat))
}

/// One end of a score range: `1.5`, `(1.5` (exclusive), `-inf`, `+inf`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoreBound {
    /// The bound's value (never NaN).
    pub value: f64,
    /// True for a `(` bound, which excludes `value` itself.
    pub exclusive: bool,
}

impl ScoreBound {
    /// An inclusive bound.
    pub fn inclusive(value: f64) -> Self {
        ScoreBound { value, exclusive: false }
    }

    /// An exclusive bound.
    pub fn exclusive(value: f64) -> Self {
        ScoreBound { value, exclusive: true }
    }

    /// Parses a ZRANGEBYSCORE/ZCOUNT bound; fails with
    /// [`ArgError::ScoreBoundNotFloat`].
    pub fn parse(arg: &[u8]) -> Result<Self> {
        let (exclusive, text) = match arg.first() {
            Some(b'(') => (true, &arg[1..]),
            _ => (false, arg),
        };
        let p = strtod(text);
        // Redis checks only that strtod stopped at the string's terminating
        // NUL, so a bound with an embedded NUL ends there.
        let stopped_at_end = text.get(p.consumed).is_none_or(|&b| b == 0);
        if !stopped_at_end || p.value.is_nan() {
            return Err(Error::InvalidArgument(ArgError::ScoreBoundNotFloat));
        }
        Ok(ScoreBound { value: p.value, exclusive })
    }

    /// True when `score` is not below this bound taken as a minimum.
    #[inline]
    pub fn gte_min(&self, score: f64) -> bool {
        if self.exclusive {
            score > self.value
        } else {
            score >= self.value
        }
    }

    /// True when `score` is not above this bound taken as a maximum.
    #[inline]
    pub fn lte_max(&self, score: f64) -> bool {
        if self.exclusive {
            score < self.value
        } else {
            score <= self.value
        }
    }
}

/// One end of a lexical range: `-`, `+`, `[member` or `(member`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LexBound {
    /// `-`: below every member.
    NegInf,
    /// `+`: above every member.
    PosInf,
    /// `[member`: includes `member`.
    Inclusive(Bytes),
    /// `(member`: excludes `member`.
    Exclusive(Bytes),
}

impl LexBound {
    /// Parses a ZRANGEBYLEX/ZLEXCOUNT bound; fails with
    /// [`ArgError::LexBoundInvalid`].
    pub fn parse(arg: &[u8]) -> Result<Self> {
        // As in Redis, `+`/`-` must be the whole C string (a NUL may follow).
        let alone = arg.get(1).is_none_or(|&b| b == 0);
        match arg.first() {
            Some(b'+') if alone => Ok(LexBound::PosInf),
            Some(b'-') if alone => Ok(LexBound::NegInf),
            Some(b'[') => Ok(LexBound::Inclusive(Bytes::copy_from_slice(&arg[1..]))),
            Some(b'(') => Ok(LexBound::Exclusive(Bytes::copy_from_slice(&arg[1..]))),
            _ => Err(Error::InvalidArgument(ArgError::LexBoundInvalid)),
        }
    }

    /// True when `member` is not below this bound taken as a minimum.
    #[inline]
    pub fn gte_min(&self, member: &[u8]) -> bool {
        match self {
            LexBound::NegInf => true,
            LexBound::PosInf => false,
            LexBound::Inclusive(b) => member >= b.as_ref(),
            LexBound::Exclusive(b) => member > b.as_ref(),
        }
    }

    /// True when `member` is not above this bound taken as a maximum.
    #[inline]
    pub fn lte_max(&self, member: &[u8]) -> bool {
        match self {
            LexBound::NegInf => false,
            LexBound::PosInf => true,
            LexBound::Inclusive(b) => member <= b.as_ref(),
            LexBound::Exclusive(b) => member < b.as_ref(),
        }
    }
}

/// Formats a score as Redis 7.0 replies with it (`%.17g`): `1.5`, `3`,
/// `0.10000000000000001`, `1e+20`, `inf`, `-inf`.
pub fn format_score(score: f64) -> String {
    let mut out = Vec::with_capacity(24);
    write_score(&mut out, score);
    // write_score emits ASCII only.
    String::from_utf8(out).unwrap_or_default()
}

/// Appends the `%.17g` text of `score` to `out` without allocating anything
/// else.
pub fn write_score(out: &mut Vec<u8>, score: f64) {
    if score.is_nan() {
        out.extend_from_slice(b"nan");
        return;
    }
    if score.is_infinite() {
        out.extend_from_slice(if score > 0.0 { b"inf" } else { b"-inf" });
        return;
    }
    // 17 significant digits, correctly rounded, in scientific form.
    let mut buf = StackBuf { buf: [0; 40], len: 0 };
    let _ = std::fmt::Write::write_fmt(&mut buf, format_args!("{score:.16e}"));
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
    let exp: i32 = std::str::from_utf8(&text[epos + 1..]).ok().and_then(|e| e.parse().ok()).unwrap_or(0);
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
        let mut ebuf = [0u8; 4];
        let mut i = ebuf.len();
        let mut v = e;
        loop {
            i -= 1;
            ebuf[i] = b'0' + (v % 10) as u8;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        out.extend_from_slice(&ebuf[i..]);
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

// ----- strtod -----------------------------------------------------------------

/// Result of parsing the longest float prefix, as C `strtod` does.
struct Parsed {
    value: f64,
    /// Bytes consumed; 0 when no conversion was possible.
    consumed: usize,
    /// `strtod` would set ERANGE with a result of ±HUGE_VAL or 0: the number
    /// overflowed, or underflowed to zero.
    range_error: bool,
}

#[inline]
fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

fn starts_with_ci(s: &[u8], word: &[u8]) -> bool {
    s.len() >= word.len() && s[..word.len()].eq_ignore_ascii_case(word)
}

/// Parses the longest prefix of `s` that C `strtod` would (C locale).
fn strtod(s: &[u8]) -> Parsed {
    const NONE: Parsed = Parsed { value: 0.0, consumed: 0, range_error: false };
    let mut i = 0;
    while i < s.len() && is_c_space(s[i]) {
        i += 1;
    }
    let start = i;
    let negative = match s.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let sign = if negative { -1.0 } else { 1.0 };
    let rest = &s[i..];
    if starts_with_ci(rest, b"inf") {
        let len = if starts_with_ci(rest, b"infinity") { 8 } else { 3 };
        return Parsed { value: sign * f64::INFINITY, consumed: i + len, range_error: false };
    }
    if starts_with_ci(rest, b"nan") {
        let mut len = 3;
        if rest.get(3) == Some(&b'(') {
            let close = rest[4..].iter().position(|&b| !(b.is_ascii_alphanumeric() || b == b'_'));
            if let Some(k) = close {
                if rest[4 + k] == b')' {
                    len = 4 + k + 1;
                }
            }
        }
        return Parsed { value: f64::NAN, consumed: i + len, range_error: false };
    }
    if rest.len() >= 2 && rest[0] == b'0' && (rest[1] == b'x' || rest[1] == b'X') {
        if let Some(p) = parse_hex(&rest[2..]) {
            let value = if negative { -p.value } else { p.value };
            return Parsed { value, consumed: i + 2 + p.consumed, range_error: p.range_error };
        }
        // "0x" without hex digits: strtod reads just the "0".
        return Parsed { value: 0.0 * sign, consumed: i + 1, range_error: false };
    }
    // Decimal: digits [. digits] [e [sign] digits], at least one digit.
    let mut j = i;
    let mut digits = 0;
    let mut nonzero = false;
    while j < s.len() && s[j].is_ascii_digit() {
        nonzero |= s[j] != b'0';
        digits += 1;
        j += 1;
    }
    if j < s.len() && s[j] == b'.' {
        j += 1;
        while j < s.len() && s[j].is_ascii_digit() {
            nonzero |= s[j] != b'0';
            digits += 1;
            j += 1;
        }
    }
    if digits == 0 {
        return NONE;
    }
    if j < s.len() && (s[j] == b'e' || s[j] == b'E') {
        let mut k = j + 1;
        if k < s.len() && (s[k] == b'+' || s[k] == b'-') {
            k += 1;
        }
        if k < s.len() && s[k].is_ascii_digit() {
            while k < s.len() && s[k].is_ascii_digit() {
                k += 1;
            }
            j = k;
        }
    }
    let value = std::str::from_utf8(&s[start..j]).ok().and_then(|t| t.parse::<f64>().ok());
    let Some(value) = value else { return NONE };
    let range_error = value.is_infinite() || (value == 0.0 && nonzero);
    Parsed { value, consumed: j, range_error }
}

/// Parses the hex float body after `0x`; `None` when it has no hex digit.
fn parse_hex(s: &[u8]) -> Option<Parsed> {
    let mut mant: u64 = 0;
    let mut sticky = false;
    let mut exp: i64 = 0;
    let mut sig = 0; // significant hex digits kept in `mant`
    let mut any = false;
    let mut j = 0;
    let mut after_point = false;
    loop {
        match s.get(j) {
            Some(&b) if b.is_ascii_hexdigit() => {
                any = true;
                let d = (b as char).to_digit(16).unwrap_or(0) as u64;
                if mant == 0 && d == 0 {
                    if after_point {
                        exp -= 4;
                    }
                } else if sig < 16 {
                    mant = (mant << 4) | d;
                    sig += 1;
                    if after_point {
                        exp -= 4;
                    }
                } else {
                    sticky |= d != 0;
                    if !after_point {
                        exp += 4;
                    }
                }
                j += 1;
            }
            Some(b'.') if !after_point => {
                after_point = true;
                j += 1;
            }
            _ => break,
        }
    }
    if !any {
        return None;
    }
    if matches!(s.get(j), Some(b'p') | Some(b'P')) {
        let mut k = j + 1;
        let neg = match s.get(k) {
            Some(b'-') => {
                k += 1;
                true
            }
            Some(b'+') => {
                k += 1;
                false
            }
            _ => false,
        };
        if s.get(k).is_some_and(u8::is_ascii_digit) {
            let mut e: i64 = 0;
            while let Some(&b) = s.get(k).filter(|b| b.is_ascii_digit()) {
                e = (e * 10 + (b - b'0') as i64).min(1 << 40);
                k += 1;
            }
            exp += if neg { -e } else { e };
            j = k;
        }
    }
    let value = compose(mant, sticky, exp);
    let range_error = value.is_infinite() || (value == 0.0 && mant != 0);
    Some(Parsed { value, consumed: j, range_error })
}

/// `mant × 2^exp` (plus a nonzero tail if `sticky`), rounded to nearest even.
fn compose(mant: u64, sticky: bool, exp: i64) -> f64 {
    if mant == 0 {
        return 0.0;
    }
    let lz = mant.leading_zeros() as i64;
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
    let m128 = m as u128;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_parse_like_redis() {
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
            assert_eq!(parse_score(s.as_bytes()), Ok(*v), "{s}");
        }
        for s in [" 1", "1 ", "", "1e400", "1e-400", "nan", "-nan", "1e", "1e+", "-", "0x", "1.5e3x", "infinit", "1\0"]
        {
            assert_eq!(parse_score(s.as_bytes()), Err(Error::NotFloat), "{s:?}");
        }
        assert!(parse_score(b"-0").is_ok_and(|v| v == 0.0 && v.is_sign_negative()));
    }

    #[test]
    fn weights_have_their_own_error() {
        assert_eq!(parse_weight(b"2.5"), Ok(2.5));
        assert_eq!(parse_weight(b"x"), Err(Error::InvalidArgument(ArgError::WeightNotFloat)));
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
            assert_eq!(p.consumed, s.len(), "{s}");
            assert_eq!(p.value, *v, "{s}");
        }
        assert!(strtod(b"0x1p1024").range_error);
        assert!(strtod(b"0x1p-1080").range_error);
    }

    #[test]
    fn score_bounds() {
        assert_eq!(ScoreBound::parse(b"1.5"), Ok(ScoreBound::inclusive(1.5)));
        assert_eq!(ScoreBound::parse(b"(1.5"), Ok(ScoreBound::exclusive(1.5)));
        assert_eq!(ScoreBound::parse(b"-inf"), Ok(ScoreBound::inclusive(f64::NEG_INFINITY)));
        assert_eq!(ScoreBound::parse(b"(+inf"), Ok(ScoreBound::exclusive(f64::INFINITY)));
        // Bare strtod: empty is 0, leading space is skipped, overflow saturates.
        assert_eq!(ScoreBound::parse(b""), Ok(ScoreBound::inclusive(0.0)));
        assert_eq!(ScoreBound::parse(b"("), Ok(ScoreBound::exclusive(0.0)));
        assert_eq!(ScoreBound::parse(b" 1"), Ok(ScoreBound::inclusive(1.0)));
        assert_eq!(ScoreBound::parse(b"1e400"), Ok(ScoreBound::inclusive(f64::INFINITY)));
        assert_eq!(ScoreBound::parse(b"1e-400"), Ok(ScoreBound::inclusive(0.0)));
        assert_eq!(ScoreBound::parse(b"2\0junk"), Ok(ScoreBound::inclusive(2.0)));
        for s in ["1 ", "nan", "(nan", "-", "1e", "abc", "[1", "((1", "  "] {
            assert_eq!(
                ScoreBound::parse(s.as_bytes()),
                Err(Error::InvalidArgument(ArgError::ScoreBoundNotFloat)),
                "{s:?}"
            );
        }
        let b = ScoreBound::exclusive(1.0);
        assert!(b.gte_min(1.5) && !b.gte_min(1.0) && b.lte_max(0.5) && !b.lte_max(1.0));
        let b = ScoreBound::inclusive(1.0);
        assert!(b.gte_min(1.0) && b.lte_max(1.0));
    }

    #[test]
    fn lex_bounds() {
        assert_eq!(LexBound::parse(b"-"), Ok(LexBound::NegInf));
        assert_eq!(LexBound::parse(b"+"), Ok(LexBound::PosInf));
        assert_eq!(LexBound::parse(b"+\0x"), Ok(LexBound::PosInf));
        assert_eq!(LexBound::parse(b"[a"), Ok(LexBound::Inclusive(Bytes::from_static(b"a"))));
        assert_eq!(LexBound::parse(b"("), Ok(LexBound::Exclusive(Bytes::new())));
        for s in ["", "a", "+a", "-a", "]a"] {
            assert_eq!(LexBound::parse(s.as_bytes()), Err(Error::InvalidArgument(ArgError::LexBoundInvalid)), "{s:?}");
        }
        assert!(LexBound::NegInf.gte_min(b"") && !LexBound::NegInf.lte_max(b""));
        assert!(!LexBound::PosInf.gte_min(b"\xff") && LexBound::PosInf.lte_max(b"\xff"));
        let b = LexBound::Exclusive(Bytes::from_static(b"b"));
        assert!(b.gte_min(b"ba") && !b.gte_min(b"b") && b.lte_max(b"a") && !b.lte_max(b"b"));
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
            assert_eq!(format_score(*v), *s, "{v:e}");
        }
    }
}
