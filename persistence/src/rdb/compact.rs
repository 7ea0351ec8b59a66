//! The older compact encodings a DUMP payload may still carry: ziplists
//! (Redis < 7), zipmaps (Redis < 2.6) and intsets (sets of integers, still
//! current). Readers check framing and refuse malformed input with `None`.

use super::listpack::Entry;

/// Reads every element of a ziplist.
pub fn ziplist(zl: &[u8]) -> Option<Vec<Entry<'_>>> {
    if zl.len() < 11 || u32::from_le_bytes(zl[..4].try_into().ok()?) as usize != zl.len() {
        return None;
    }
    let declared = usize::from(u16::from_le_bytes([zl[8], zl[9]]));
    let mut out = Vec::with_capacity(declared.min(zl.len()));
    let mut p = 10;
    loop {
        let first = *zl.get(p)?;
        if first == 0xff {
            break;
        }
        // Length of the previous entry: one byte, or 0xfe and four bytes.
        p += if first == 0xfe { 5 } else { 1 };
        let enc = *zl.get(p)?;
        let (entry, size) = match enc >> 6 {
            0 => {
                let n = usize::from(enc & 0x3f);
                (Entry::Str(zl.get(p + 1..p + 1 + n)?), 1 + n)
            }
            1 => {
                let n = (usize::from(enc & 0x3f) << 8) | usize::from(*zl.get(p + 1)?);
                (Entry::Str(zl.get(p + 2..p + 2 + n)?), 2 + n)
            }
            2 => {
                let n = u32::from_be_bytes(zl.get(p + 1..p + 5)?.try_into().ok()?) as usize;
                (Entry::Str(zl.get(p + 5..p + 5usize.checked_add(n)?)?), 5 + n)
            }
            _ => match enc {
                0xc0 => (Entry::Int(i64::from(i16::from_le_bytes(zl.get(p + 1..p + 3)?.try_into().ok()?))), 3),
                0xd0 => (Entry::Int(i64::from(i32::from_le_bytes(zl.get(p + 1..p + 5)?.try_into().ok()?))), 5),
                0xe0 => (Entry::Int(i64::from_le_bytes(zl.get(p + 1..p + 9)?.try_into().ok()?)), 9),
                0xf0 => {
                    let d = zl.get(p + 1..p + 4)?;
                    (Entry::Int(i64::from(i32::from_le_bytes([0, d[0], d[1], d[2]]) >> 8)), 4)
                }
                0xfe => (Entry::Int(i64::from(*zl.get(p + 1)? as i8)), 2),
                0xf1..=0xfd => (Entry::Int(i64::from(enc & 0x0f) - 1), 1),
                _ => return None,
            },
        };
        p += size;
        out.push(entry);
    }
    if p + 1 != zl.len() || (declared != 65535 && declared != out.len()) {
        return None;
    }
    Some(out)
}

/// Reads the field/value pairs of a zipmap.
pub fn zipmap(zm: &[u8]) -> Option<Vec<(&[u8], &[u8])>> {
    fn len_at(zm: &[u8], p: &mut usize) -> Option<Option<usize>> {
        let b = *zm.get(*p)?;
        *p += 1;
        Some(match b {
            0xff => None,
            0xfe => {
                let n = u32::from_le_bytes(zm.get(*p..*p + 4)?.try_into().ok()?) as usize;
                *p += 4;
                Some(n)
            }
            n => Some(usize::from(n)),
        })
    }
    let mut p = 1; // zmlen: a hint only
    let mut out = Vec::new();
    while let Some(klen) = len_at(zm, &mut p)? {
        let key = zm.get(p..p.checked_add(klen)?)?;
        p += klen;
        let vlen = len_at(zm, &mut p)??;
        let free = usize::from(*zm.get(p)?);
        p += 1;
        let value = zm.get(p..p.checked_add(vlen)?)?;
        p += vlen + free;
        out.push((key, value));
    }
    (p == zm.len()).then_some(out)
}

/// Reads the members of an intset.
pub fn intset(is: &[u8]) -> Option<Vec<i64>> {
    let width = u32::from_le_bytes(is.get(..4)?.try_into().ok()?) as usize;
    let len = u32::from_le_bytes(is.get(4..8)?.try_into().ok()?) as usize;
    if !matches!(width, 2 | 4 | 8) || is.len() != 8 + width.checked_mul(len)? {
        return None;
    }
    let values: Vec<i64> = is[8..]
        .chunks_exact(width)
        .map(|c| match width {
            2 => i64::from(i16::from_le_bytes([c[0], c[1]])),
            4 => i64::from(i32::from_le_bytes([c[0], c[1], c[2], c[3]])),
            _ => i64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]),
        })
        .collect();
    // Members are strictly ascending in a valid intset.
    values.windows(2).all(|w| w[0] < w[1]).then_some(values)
}

/// Encodes sorted, distinct integers as an intset of the narrowest width.
pub fn write_intset(values: &[i64]) -> Vec<u8> {
    let fits = |lo: i64, hi: i64| values.iter().all(|v| (lo..=hi).contains(v));
    let width: usize = if fits(i64::from(i16::MIN), i64::from(i16::MAX)) {
        2
    } else if fits(i64::from(i32::MIN), i64::from(i32::MAX)) {
        4
    } else {
        8
    };
    let mut out = Vec::with_capacity(8 + width * values.len());
    out.extend_from_slice(&(width as u32).to_le_bytes());
    out.extend_from_slice(&(values.len() as u32).to_le_bytes());
    for &v in values {
        out.extend_from_slice(&v.to_le_bytes()[..width]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ziplist_of_every_encoding() {
        // A ziplist as Redis 6 writes it for: "ab", 7, 200, -70000, 5000000000, 300000, -3.
        let entries: &[&[u8]] = &[
            &[0x02, b'a', b'b'],
            &[0xf8],
            &[0xc0, 200, 0],
            &[0xd0, 0x90, 0xee, 0xfe, 0xff],
            &[0xe0, 0x00, 0xf2, 0x05, 0x2a, 0x01, 0, 0, 0],
            &[0xf0, 0xe0, 0x93, 0x04],
            &[0xfe, 0xfd],
        ];
        let mut body = Vec::new();
        let mut prev = 0usize;
        for e in entries {
            body.push(prev as u8);
            body.extend_from_slice(e);
            prev = e.len() + 1;
        }
        let total = 10 + body.len() + 1;
        let mut zl = Vec::new();
        zl.extend_from_slice(&(total as u32).to_le_bytes());
        zl.extend_from_slice(&0u32.to_le_bytes());
        zl.extend_from_slice(&(entries.len() as u16).to_le_bytes());
        zl.extend_from_slice(&body);
        zl.push(0xff);
        assert_eq!(
            ziplist(&zl).unwrap(),
            vec![
                Entry::Str(b"ab"),
                Entry::Int(7),
                Entry::Int(200),
                Entry::Int(-70000),
                Entry::Int(5_000_000_000),
                Entry::Int(300_000),
                Entry::Int(-3)
            ]
        );
        let mut bad = zl.clone();
        bad[8] = 9;
        assert_eq!(ziplist(&bad), None);
        assert_eq!(ziplist(&zl[..zl.len() - 1]), None);
    }

    #[test]
    fn zipmap_pairs() {
        let zm = [2, 1, b'a', 2, 0, b'x', b'y', 1, b'b', 1, 3, b'z', 0, 0, 0, 0xff];
        assert_eq!(zipmap(&zm).unwrap(), vec![(&b"a"[..], &b"xy"[..]), (&b"b"[..], &b"z"[..])]);
        assert_eq!(zipmap(&zm[..zm.len() - 1]), None);
    }

    #[test]
    fn intsets() {
        let is = write_intset(&[-7, 1, 2, 70000]);
        // Redis 7.0's DUMP of SADD st 1 2 -7 70000 carries exactly this.
        let expect: &[u8] = &[4, 0, 0, 0, 4, 0, 0, 0, 0xf9, 0xff, 0xff, 0xff, 1, 0, 0, 0, 2, 0, 0, 0, 0x70, 0x11, 1, 0];
        assert_eq!(is, expect);
        assert_eq!(intset(&is).unwrap(), vec![-7, 1, 2, 70000]);
        assert_eq!(write_intset(&[1, 2])[..4], [2, 0, 0, 0]);
        assert_eq!(write_intset(&[i64::MIN])[..4], [8, 0, 0, 0]);
        assert_eq!(intset(&write_intset(&[i64::MIN, 0, i64::MAX])).unwrap(), vec![i64::MIN, 0, i64::MAX]);
        assert_eq!(intset(&[4, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0]), None, "not ascending");
        assert_eq!(intset(&[3, 0, 0, 0, 0, 0, 0, 0]), None, "bad width");
        assert_eq!(intset(&[2, 0, 0, 0, 2, 0, 0, 0, 1, 0]), None, "short");
    }
}
