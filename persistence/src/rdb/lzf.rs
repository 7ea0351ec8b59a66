//! LZF, the compression Redis applies to strings longer than 20 bytes in
//! RDB files and DUMP payloads.
//!
//! The compressor follows Redis 7's `lzf_c.c` (liblzf 3.6) step by step
//! (16-bit hash table, the `VERY_FAST` variant, the same output-size
//! bail-outs) so that a DUMP has the same bytes as Redis's. Redis leaves the hash
//! table uninitialised; here it starts empty, which is the only difference
//! and can only make Redis find a match this code does not find by chance.
//!
//! It is written here rather than taken from a crate because a DUMP must
//! reproduce Redis's bytes, not just decompress to the same data: any other
//! LZF encoder (another hash, another search order) picks other matches.

use std::cell::RefCell;

const HLOG: u32 = 16;
const HSIZE: usize = 1 << HLOG;
const MAX_LIT: usize = 1 << 5;
const MAX_OFF: usize = 1 << 13;
const MAX_REF: usize = (1 << 8) + (1 << 3);

thread_local! {
    /// The hash table, kept between calls: entries are `generation << 32 |
    /// position`, and only those of the current call's generation count, so
    /// a call starts with an empty table without clearing 64 K entries.
    static TABLE: RefCell<(u32, Vec<u64>)> = const { RefCell::new((0, Vec::new())) };
}

/// The hash table of one compression.
struct Table<'a> {
    generation: u64,
    slots: &'a mut [u64],
}

impl Table<'_> {
    /// The position stored in `slot`, replacing it with `pos`.
    #[inline]
    fn swap(&mut self, slot: usize, pos: usize) -> Option<usize> {
        let old = std::mem::replace(&mut self.slots[slot], self.generation | pos as u64);
        (old & !0xffff_ffff == self.generation).then_some((old & 0xffff_ffff) as usize)
    }

    #[inline]
    fn set(&mut self, slot: usize, pos: usize) {
        self.slots[slot] = self.generation | pos as u64;
    }
}

#[inline]
fn frst(p: &[u8], i: usize) -> u32 {
    (u32::from(p[i]) << 8) | u32::from(p[i + 1])
}

#[inline]
fn next(v: u32, p: &[u8], i: usize) -> u32 {
    (v << 8) | u32::from(p[i + 2])
}

#[inline]
fn idx(h: u32) -> usize {
    ((h >> (3 * 8 - HLOG)).wrapping_sub(h.wrapping_mul(5)) as usize) & (HSIZE - 1)
}

/// Compresses `input` into at most `out_len` bytes; `None` when it does not
/// fit (Redis then stores the string as is).
pub fn compress(input: &[u8], out_len: usize) -> Option<Vec<u8>> {
    // Positions are kept in 32 bits (strings are at most 512 MB).
    if input.len() < 3 || out_len == 0 || u32::try_from(input.len()).is_err() {
        return None;
    }
    TABLE.with(|t| {
        let mut t = t.borrow_mut();
        let (generation, slots) = &mut *t;
        if slots.is_empty() || *generation == u32::MAX {
            *slots = vec![0; HSIZE];
            *generation = 0;
        }
        *generation += 1;
        compress_with(input, out_len, Table { generation: u64::from(*generation) << 32, slots })
    })
}

fn compress_with(input: &[u8], out_len: usize, mut htab: Table<'_>) -> Option<Vec<u8>> {
    let in_len = input.len();
    // One spare byte: like Redis's buffer, a run header may be reserved one
    // past the end just before giving up.
    let mut out = vec![0u8; out_len + 1];
    let mut ip = 0usize;
    let mut op = 1usize; // start run
    let mut lit = 0usize;
    let mut hval = frst(input, ip);
    while ip + 2 < in_len {
        hval = next(hval, input, ip);
        let r = htab.swap(idx(hval), ip);
        let (r, off) = match r {
            Some(r) => (r, ip - r - 1),
            None => (0, MAX_OFF),
        };
        if off < MAX_OFF
            && r > 0
            && input[r + 2] == input[ip + 2]
            && input[r] == input[ip]
            && input[r + 1] == input[ip + 1]
        {
            let mut len = 2usize;
            let maxlen = (in_len - ip - len).min(MAX_REF);
            // Room for the reference and the next run header, counting the
            // empty run header this match takes back.
            if op + 3 + 1 >= out_len && op - usize::from(lit == 0) + 3 + 1 >= out_len {
                return None;
            }
            out[op - lit - 1] = (lit as u8).wrapping_sub(1); // stop run
            if lit == 0 {
                op -= 1; // undo run if length is zero
            }
            // Redis's unrolled loop compares 16 bytes without the length
            // check, then one more step of the plain loop: keep its result.
            let mut done = false;
            if maxlen > 16 {
                for _ in 0..16 {
                    len += 1;
                    if input[r + len] != input[ip + len] {
                        done = true;
                        break;
                    }
                }
            }
            if !done {
                loop {
                    len += 1;
                    if !(len < maxlen && input[r + len] == input[ip + len]) {
                        break;
                    }
                }
            }
            len -= 2; // now the number of octets - 1
            ip += 1;
            if len < 7 {
                out[op] = ((off >> 8) + (len << 5)) as u8;
                op += 1;
            } else {
                out[op] = ((off >> 8) + (7 << 5)) as u8;
                out[op + 1] = (len - 7) as u8;
                op += 2;
            }
            out[op] = off as u8;
            op += 2; // and start a run
            lit = 0;
            ip += len + 1;
            if ip + 2 >= in_len {
                break;
            }
            ip -= 2;
            hval = frst(input, ip);
            for _ in 0..2 {
                hval = next(hval, input, ip);
                htab.set(idx(hval), ip);
                ip += 1;
            }
        } else {
            if op >= out_len {
                return None;
            }
            lit += 1;
            out[op] = input[ip];
            op += 1;
            ip += 1;
            if lit == MAX_LIT {
                out[op - lit - 1] = (lit - 1) as u8;
                lit = 0;
                op += 1;
            }
        }
    }
    if op + 3 > out_len {
        return None;
    }
    while ip < in_len {
        lit += 1;
        out[op] = input[ip];
        op += 1;
        ip += 1;
        if lit == MAX_LIT {
            out[op - lit - 1] = (lit - 1) as u8;
            lit = 0;
            op += 1;
        }
    }
    out[op - lit - 1] = (lit as u8).wrapping_sub(1); // end run
    if lit == 0 {
        op -= 1;
    }
    out.truncate(op);
    Some(out)
}

/// Decompresses `input`, which must expand to exactly `len` bytes.
pub fn decompress(input: &[u8], len: usize) -> Option<Vec<u8>> {
    let mut out: Vec<u8> = Vec::with_capacity(len.min(input.len().saturating_mul(300)));
    let mut ip = 0;
    while ip < input.len() {
        let ctrl = usize::from(input[ip]);
        ip += 1;
        if ctrl < 32 {
            let run = ctrl + 1;
            if out.len() + run > len || ip + run > input.len() {
                return None;
            }
            out.extend_from_slice(&input[ip..ip + run]);
            ip += run;
        } else {
            let mut n = ctrl >> 5;
            let back = (ctrl & 0x1f) << 8;
            if n == 7 {
                n += usize::from(*input.get(ip)?);
                ip += 1;
            }
            let back = back + usize::from(*input.get(ip)?) + 1;
            ip += 1;
            if out.len() + n + 2 > len || back > out.len() {
                return None;
            }
            let from = out.len() - back;
            for i in 0..n + 2 {
                let b = out[from + i];
                out.push(b);
            }
        }
    }
    (out.len() == len).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
    }

    #[test]
    fn same_bytes_as_redis() {
        // Compressed bodies of Redis 7.0 DUMP payloads of these strings.
        let a65 = vec![b'a'; 65];
        assert_eq!(compress(&a65, 61).unwrap(), hex("016161e034000161610a00")[..9].to_vec());
        let fox = b"the quick brown fox jumps over the lazy dog, the quick brown fox jumps over the lazy dog";
        let expect = hex(
            "1f74686520717569636b2062726f776e20666f78206a756d7073206f7665722074201e086c617a7920646f672c600de01c2c016f67",
        );
        assert_eq!(compress(fox, fox.len() - 4).unwrap(), expect);
        // The table kept between calls starts every call empty.
        assert!(compress(&a65, 61).is_some());
        assert_eq!(compress(fox, fox.len() - 4).unwrap(), expect);
        assert_eq!(decompress(&expect, fox.len()).unwrap(), fox.to_vec());
    }

    #[test]
    fn round_trips_and_refuses_what_does_not_shrink() {
        let mut data = Vec::new();
        for i in 0..5000u32 {
            data.extend_from_slice(format!("key:{}:{} ", i % 97, i % 13).as_bytes());
        }
        let c = compress(&data, data.len() - 4).unwrap();
        assert!(c.len() < data.len() / 2);
        assert_eq!(decompress(&c, data.len()).unwrap(), data);
        // Incompressible input does not fit in len - 4 bytes.
        let noise: Vec<u8> = (0..200u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
        assert_eq!(compress(&noise, noise.len() - 4), None);
    }

    #[test]
    fn corrupt_input_is_refused() {
        let c = compress(&[b'x'; 100], 96).unwrap();
        assert_eq!(decompress(&c, 99), None, "wrong length");
        assert_eq!(decompress(&c, 101), None, "wrong length");
        assert_eq!(decompress(&[0xe0], 10), None, "truncated back reference");
        assert_eq!(decompress(&[0x20, 0x05], 10), None, "reference before the start");
        assert_eq!(decompress(&[0x05, b'a'], 6), None, "truncated literal run");
    }
}
