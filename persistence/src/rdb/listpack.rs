//! Listpacks: Redis 7's compact encoding of small hashes, sorted sets and
//! list nodes, as they appear inside RDB values.
//!
//! ```text
//! [total bytes u32][count u16] entry* [0xff]
//! entry: [encoding + data][backlen: length of encoding + data, 1-5 bytes]
//! ```
//! Strings that are canonical 64-bit integers are stored as integers.

use coreshard_engine::numbers::string2ll;

/// Builds a listpack.
pub struct Writer {
    buf: Vec<u8>,
    count: usize,
}

impl Default for Writer {
    fn default() -> Self {
        Writer::new()
    }
}

impl Writer {
    /// An empty listpack.
    pub fn new() -> Writer {
        let mut buf = Vec::with_capacity(64);
        buf.extend_from_slice(&[0; 6]);
        Writer { buf, count: 0 }
    }

    /// Bytes so far, with the terminator (Redis's `lpBytes`).
    pub fn bytes(&self) -> usize {
        self.buf.len() + 1
    }

    /// Entries so far.
    pub fn count(&self) -> usize {
        self.count
    }

    /// Appends an element the way `lpAppend` encodes it.
    pub fn push(&mut self, s: &[u8]) {
        let start = self.buf.len();
        match string2ll(s) {
            Some(v) => self.push_int(v),
            None => {
                let n = s.len();
                if n < 64 {
                    self.buf.push(0x80 | n as u8);
                } else if n < 4096 {
                    self.buf.push(0xe0 | (n >> 8) as u8);
                    self.buf.push(n as u8);
                } else {
                    self.buf.push(0xf0);
                    self.buf.extend_from_slice(&(n as u32).to_le_bytes());
                }
                self.buf.extend_from_slice(s);
            }
        }
        let len = self.buf.len() - start;
        encode_backlen(&mut self.buf, len);
        self.count += 1;
    }

    fn push_int(&mut self, v: i64) {
        if (0..=127).contains(&v) {
            self.buf.push(v as u8);
        } else if (-4096..=4095).contains(&v) {
            let u = if v < 0 { (1 << 13) + v } else { v } as u16;
            self.buf.push(0xc0 | (u >> 8) as u8);
            self.buf.push(u as u8);
        } else if (-32768..=32767).contains(&v) {
            self.buf.push(0xf1);
            self.buf.extend_from_slice(&(v as i16).to_le_bytes());
        } else if (-8_388_608..=8_388_607).contains(&v) {
            self.buf.push(0xf2);
            self.buf.extend_from_slice(&(v as i32).to_le_bytes()[..3]);
        } else if (i64::from(i32::MIN)..=i64::from(i32::MAX)).contains(&v) {
            self.buf.push(0xf3);
            self.buf.extend_from_slice(&(v as i32).to_le_bytes());
        } else {
            self.buf.push(0xf4);
            self.buf.extend_from_slice(&v.to_le_bytes());
        }
    }

    /// The finished listpack.
    pub fn finish(mut self) -> Vec<u8> {
        self.buf.push(0xff);
        let total = self.buf.len() as u32;
        self.buf[..4].copy_from_slice(&total.to_le_bytes());
        let count = self.count.min(65535) as u16;
        self.buf[4..6].copy_from_slice(&count.to_le_bytes());
        self.buf
    }
}

fn backlen_size(l: usize) -> usize {
    match l {
        0..=127 => 1,
        128..=16382 => 2,
        16383..=2_097_150 => 3,
        2_097_151..=268_435_454 => 4,
        _ => 5,
    }
}

fn encode_backlen(buf: &mut Vec<u8>, l: usize) {
    let n = backlen_size(l);
    // Most significant 7-bit group first; every byte but the first has the
    // high bit set (the listpack is read backwards from the last byte).
    for i in (0..n).rev() {
        let group = ((l >> (7 * i)) & 127) as u8;
        buf.push(if i == n - 1 { group } else { group | 128 });
    }
}

/// One element read back: a string, or an integer to be shown in decimal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry<'a> {
    /// A string element.
    Str(&'a [u8]),
    /// An integer element.
    Int(i64),
}

/// Reads every element of a listpack, checking its framing; `None` if it
/// is malformed.
pub fn read(lp: &[u8]) -> Option<Vec<Entry<'_>>> {
    if lp.len() < 7 || u32::from_le_bytes(lp[..4].try_into().ok()?) as usize != lp.len() {
        return None;
    }
    let declared = usize::from(u16::from_le_bytes([lp[4], lp[5]]));
    let mut out = Vec::with_capacity(declared.min(lp.len()));
    let mut p = 6;
    loop {
        let b = *lp.get(p)?;
        if b == 0xff {
            break;
        }
        let (entry, size) = match b {
            0x00..=0x7f => (Entry::Int(i64::from(b)), 1),
            0x80..=0xbf => {
                let n = usize::from(b & 0x3f);
                (Entry::Str(lp.get(p + 1..p + 1 + n)?), 1 + n)
            }
            0xc0..=0xdf => {
                let u = (i64::from(b & 0x1f) << 8) | i64::from(*lp.get(p + 1)?);
                (Entry::Int(if u >= 1 << 12 { u - (1 << 13) } else { u }), 2)
            }
            0xe0..=0xef => {
                let n = (usize::from(b & 0x0f) << 8) | usize::from(*lp.get(p + 1)?);
                (Entry::Str(lp.get(p + 2..p + 2 + n)?), 2 + n)
            }
            0xf0 => {
                let n = u32::from_le_bytes(lp.get(p + 1..p + 5)?.try_into().ok()?) as usize;
                (Entry::Str(lp.get(p + 5..p + 5usize.checked_add(n)?)?), 5 + n)
            }
            0xf1 => (Entry::Int(i64::from(i16::from_le_bytes(lp.get(p + 1..p + 3)?.try_into().ok()?))), 3),
            0xf2 => {
                let d = lp.get(p + 1..p + 4)?;
                // Sign-extend from 24 bits.
                let v = i32::from_le_bytes([0, d[0], d[1], d[2]]) >> 8;
                (Entry::Int(i64::from(v)), 4)
            }
            0xf3 => (Entry::Int(i64::from(i32::from_le_bytes(lp.get(p + 1..p + 5)?.try_into().ok()?))), 5),
            0xf4 => (Entry::Int(i64::from_le_bytes(lp.get(p + 1..p + 9)?.try_into().ok()?)), 9),
            _ => return None,
        };
        p += size + backlen_size(size);
        out.push(entry);
    }
    // The terminator must be the last byte, and a count below 65535 exact.
    if p + 1 != lp.len() || (declared != 65535 && declared != out.len()) {
        return None;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_like_redis() {
        // The listpack of a Redis 7.0 list: RPUSH lst a b 1 -5 300 70000.
        let mut w = Writer::new();
        for e in ["a", "b", "1", "-5", "300", "70000"] {
            w.push(e.as_bytes());
        }
        let lp = w.finish();
        let expect: &[u8] = &[
            0x1a, 0, 0, 0, 6, 0, 0x81, b'a', 2, 0x81, b'b', 2, 1, 1, 0xdf, 0xfb, 2, 0xc1, 0x2c, 2, 0xf2, 0x70, 0x11, 1,
            4, 0xff,
        ];
        assert_eq!(lp, expect);
        let back = read(&lp).unwrap();
        assert_eq!(
            back,
            vec![Entry::Str(b"a"), Entry::Str(b"b"), Entry::Int(1), Entry::Int(-5), Entry::Int(300), Entry::Int(70000)]
        );
    }

    #[test]
    fn every_encoding_round_trips() {
        let long = vec![b'x'; 5000];
        let mid = vec![b'y'; 300];
        let values: Vec<Vec<u8>> = [
            "0",
            "127",
            "128",
            "-1",
            "-4096",
            "4095",
            "4096",
            "-32768",
            "32767",
            "-8388608",
            "8388607",
            "2147483647",
            "-2147483648",
            "9223372036854775807",
            "-9223372036854775808",
            "01",
            "-0",
            "",
            "9223372036854775808",
        ]
        .iter()
        .map(|s| s.as_bytes().to_vec())
        .chain([long.clone(), mid.clone()])
        .collect();
        let mut w = Writer::new();
        for v in &values {
            w.push(v);
        }
        let lp = w.finish();
        let back = read(&lp).unwrap();
        assert_eq!(back.len(), values.len());
        for (e, v) in back.iter().zip(&values) {
            match e {
                Entry::Str(s) => assert_eq!(s, &&v[..]),
                Entry::Int(n) => assert_eq!(n.to_string().as_bytes(), &v[..]),
            }
        }
        assert!(matches!(back[15], Entry::Str(b"01")));
    }

    #[test]
    fn malformed_listpacks_are_refused() {
        let mut w = Writer::new();
        w.push(b"hello");
        let lp = w.finish();
        assert!(read(&lp).is_some());
        assert_eq!(read(&lp[..lp.len() - 1]), None);
        let mut bad = lp.clone();
        bad[4] = 2; // count mismatch
        assert_eq!(read(&bad), None);
        let mut bad = lp.clone();
        bad[6] = 0x85 + 10; // string running past the end
        assert_eq!(read(&bad), None);
        assert_eq!(read(&[7, 0, 0, 0, 0, 0, 0xf7]), None);
    }
}
