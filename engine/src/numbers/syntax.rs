//! The number syntax C's `strtod` and `strtold` read (C locale), shared by
//! the double and the long-double parser so that both accept exactly the
//! same texts: leading whitespace, a sign, then decimal digits with an
//! optional point and `e` exponent, a hex float (`0x1.8p3`), `inf`,
//! `infinity` or `nan` (any case, `nan(chars)` too).

/// Exponents saturate here: far beyond any finite value, and beyond what
/// any count of digits can bring back into range.
const EXP_LIMIT: i64 = 1 << 40;

/// Hex digits kept of a hex float's significand (128 bits); the rest only
/// counts as zero or not, which is all that rounding to 64 or fewer bits
/// needs.
const HEX_KEPT: u32 = 32;

/// Whitespace as C's `isspace` sees it in the C locale.
#[inline]
pub(super) fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// What `strtod` reads at the front of a string.
pub(super) struct Scan<'a> {
    /// A leading `-`.
    pub neg: bool,
    pub num: Num<'a>,
    /// Bytes read, leading whitespace included; 0 when nothing was read.
    pub len: usize,
}

pub(super) enum Num<'a> {
    /// Nothing could be read.
    Nothing,
    Inf,
    Nan,
    /// `int[.frac][e exp]`, the digits as written; `text` is the number
    /// from its sign on, in a form Rust's float parser accepts.
    Dec {
        int: &'a [u8],
        frac: &'a [u8],
        exp: i64,
        text: &'a [u8],
    },
    /// `mant × 2^exp`, plus something nonzero below `mant`'s last bit when
    /// `sticky`.
    Hex {
        mant: u128,
        sticky: bool,
        exp: i64,
    },
}

/// Reads the longest prefix of `s` that `strtod` would.
pub(super) fn scan(s: &[u8]) -> Scan<'_> {
    let nothing = Scan { neg: false, num: Num::Nothing, len: 0 };
    let start = s.iter().take_while(|&&b| is_c_space(b)).count();
    let neg = s.get(start) == Some(&b'-');
    let i = start + usize::from(matches!(s.get(start), Some(b'-' | b'+')));
    let rest = &s[i..];
    if starts_with_ci(rest, b"inf") {
        let len = if starts_with_ci(rest, b"infinity") { 8 } else { 3 };
        return Scan { neg, num: Num::Inf, len: i + len };
    }
    if starts_with_ci(rest, b"nan") {
        let mut len = 3;
        if rest.get(3) == Some(&b'(') {
            let close = rest[4..].iter().position(|&b| !(b.is_ascii_alphanumeric() || b == b'_'));
            if let Some(k) = close.filter(|&k| rest[4 + k] == b')') {
                len = 4 + k + 1;
            }
        }
        return Scan { neg, num: Num::Nan, len: i + len };
    }
    if rest.len() >= 2 && rest[0] == b'0' && (rest[1] | 0x20) == b'x' {
        if let Some((num, len)) = hex(&rest[2..]) {
            return Scan { neg, num, len: i + 2 + len };
        }
        // "0x" without hex digits: strtod reads just the "0".
        let num = Num::Dec { int: &rest[..1], frac: &[], exp: 0, text: &s[start..i + 1] };
        return Scan { neg, num, len: i + 1 };
    }
    let int_len = digits_len(rest);
    let mut j = int_len;
    let mut frac: &[u8] = &[];
    if rest.get(j) == Some(&b'.') {
        let n = digits_len(&rest[j + 1..]);
        frac = &rest[j + 1..j + 1 + n];
        j += 1 + n;
    }
    if int_len + frac.len() == 0 {
        return nothing;
    }
    let mut exp = 0;
    if rest.get(j).is_some_and(|&b| b | 0x20 == b'e') {
        if let Some((e, len)) = exponent(&rest[j + 1..]) {
            exp = e;
            j += 1 + len;
        }
    }
    Scan { neg, num: Num::Dec { int: &rest[..int_len], frac, exp, text: &s[start..i + j] }, len: i + j }
}

/// A hex float's body after `0x`, and its length; `None` without a digit.
fn hex(s: &[u8]) -> Option<(Num<'static>, usize)> {
    let mut mant: u128 = 0;
    let mut kept = 0;
    let mut sticky = false;
    let mut exp: i64 = 0;
    let mut any = false;
    let mut point = false;
    let mut j = 0;
    loop {
        match s.get(j).copied() {
            Some(b) if b.is_ascii_hexdigit() => {
                any = true;
                let d = u128::from((b as char).to_digit(16).unwrap_or(0));
                if kept < HEX_KEPT {
                    // Leading zeros are not kept, but move the point.
                    if mant != 0 || d != 0 {
                        mant = mant << 4 | d;
                        kept += 1;
                    }
                    if point {
                        exp -= 4;
                    }
                } else {
                    sticky |= d != 0;
                    if !point {
                        exp += 4;
                    }
                }
            }
            Some(b'.') if !point => point = true,
            _ => break,
        }
        j += 1;
    }
    if !any {
        return None;
    }
    if s.get(j).is_some_and(|&b| b | 0x20 == b'p') {
        if let Some((e, len)) = exponent(&s[j + 1..]) {
            exp += e;
            j += 1 + len;
        }
    }
    Some((Num::Hex { mant, sticky, exp }, j))
}

/// An exponent `[+-]digits` and its length; `None` without a digit (then
/// `strtod` stops before the `e` or `p`).
fn exponent(s: &[u8]) -> Option<(i64, usize)> {
    let sign = usize::from(matches!(s.first(), Some(b'+' | b'-')));
    let n = digits_len(&s[sign..]);
    if n == 0 {
        return None;
    }
    let v = s[sign..sign + n].iter().fold(0i64, |v, &d| (v * 10 + i64::from(d - b'0')).min(EXP_LIMIT));
    Some((if s[0] == b'-' { -v } else { v }, sign + n))
}

fn digits_len(s: &[u8]) -> usize {
    s.iter().take_while(|b| b.is_ascii_digit()).count()
}

fn starts_with_ci(s: &[u8], word: &[u8]) -> bool {
    s.len() >= word.len() && s[..word.len()].eq_ignore_ascii_case(word)
}
