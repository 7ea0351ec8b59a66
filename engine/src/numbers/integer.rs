//! Integers: Redis's strict `string2ll`, and the C `strtoul` reading of
//! `SCAN` cursors.

/// Parses a 64-bit integer exactly as Redis's `string2ll`: optional `-`,
/// no leading zeros (except "0" itself), no `+`, no spaces, at most 20 bytes.
#[inline]
pub fn string2ll(s: &[u8]) -> Option<i64> {
    // LONG_STR_SIZE: 21 bytes or more cannot be a 64-bit integer.
    if s.is_empty() || s.len() > 20 {
        return None;
    }
    if s == b"0" {
        return Some(0);
    }
    let (neg, digits) = match s.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, s),
    };
    // "0" alone was handled above, so "-0" and "01" fail here.
    if !matches!(digits.first(), Some(b'1'..=b'9')) {
        return None;
    }
    let v = decimal_u64(digits)?;
    if neg {
        0i64.checked_sub_unsigned(v)
    } else {
        i64::try_from(v).ok()
    }
}

/// Parses a `SCAN` cursor as Redis does: `strtoul(s, &end, 10)`, accepted
/// only when `end` is the end of the C string, `s` does not start with
/// whitespace and the value does not overflow. So an optional sign (a
/// negative value wraps around), decimal digits and nothing else; an empty
/// string is 0, and a NUL ends the string, as it does in C.
pub fn strtoul(s: &[u8]) -> Option<u64> {
    let s = s.iter().position(|&b| b == 0).map_or(s, |nul| &s[..nul]);
    if s.is_empty() {
        return Some(0);
    }
    let (neg, digits) = match s[0] {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let v = decimal_u64(digits)?;
    Some(if neg { v.wrapping_neg() } else { v })
}

/// One or more ASCII digits as a `u64`; `None` for any other byte or on
/// overflow.
#[inline]
fn decimal_u64(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() {
        return None;
    }
    digits.iter().try_fold(0u64, |v, &d| {
        if !d.is_ascii_digit() {
            return None;
        }
        v.checked_mul(10)?.checked_add(u64::from(d - b'0'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string2ll_is_redis_string2ll() {
        let ok: &[(&str, i64)] = &[
            ("0", 0),
            ("1", 1),
            ("-1", -1),
            ("9223372036854775807", i64::MAX),
            ("-9223372036854775808", i64::MIN),
            ("1234567890", 1234567890),
        ];
        for (s, v) in ok {
            assert_eq!(string2ll(s.as_bytes()), Some(*v), "{s}");
            assert_eq!(itoa::Buffer::new().format(*v).as_bytes(), s.as_bytes());
        }
        for s in
            ["", "-", "-0", "00", "01", "+5", " 5", "5 ", "1e3", "0x10", "99999999999999999999", "-9223372036854775809"]
        {
            assert_eq!(string2ll(s.as_bytes()), None, "{s}");
        }
    }

    #[test]
    fn string2ll_strict_round_trips() {
        assert_eq!(string2ll(b"0"), Some(0));
        assert_eq!(string2ll(b"-9223372036854775808"), Some(i64::MIN));
        assert_eq!(string2ll(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(string2ll(b"123"), Some(123));
        assert_eq!(string2ll(b"-123"), Some(-123));
        assert_eq!(string2ll(b"00"), None);
        assert_eq!(string2ll(b"99999999999999999999"), None);
        assert_eq!(string2ll(b"000000000000000000001"), None);
        for v in [0, 1, -1, 42, i64::MAX, i64::MIN, -1234567890] {
            assert_eq!(string2ll(itoa::Buffer::new().format(v).as_bytes()), Some(v));
        }
    }

    #[test]
    fn cursors_follow_strtoul() {
        assert_eq!(strtoul(b"0"), Some(0));
        assert_eq!(strtoul(b""), Some(0));
        assert_eq!(strtoul(b"+7"), Some(7));
        assert_eq!(strtoul(b"007"), Some(7));
        assert_eq!(strtoul(b"-1"), Some(u64::MAX));
        assert_eq!(strtoul(b"-18446744073709551615"), Some(1));
        assert_eq!(strtoul(b"18446744073709551615"), Some(u64::MAX));
        // Checked against redis-server 7.0: SCAN's cursor ends at a NUL.
        assert_eq!(strtoul(b"\0"), Some(0));
        assert_eq!(strtoul(b"1\0x"), Some(1));
        for bad in [
            &b"18446744073709551616"[..],
            b"-18446744073709551616",
            b"x",
            b"abc",
            b" 1",
            b"1 ",
            b"-",
            b"+",
            b"-\0",
            b"1.0",
            b"1.5",
            b"0x10",
        ] {
            assert_eq!(strtoul(bad), None, "{bad:?}");
        }
    }
}
