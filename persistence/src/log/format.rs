//! The bytes of a log file: Redis AOF commands in batches, each sealed by
//! a checksum line.
//!
//! A batch is what one write put in the file: RESP arrays of bulk strings
//! (`SELECT db` wherever the database changes; a file starts in database
//! 0), then one trailer line
//!
//! ```text
//! #CRC:<length of the batch in bytes>:<CRC-32C of the batch, 8 hex digits>\r\n
//! ```
//!
//! Redis 7 skips lines starting with `#` when it loads an AOF (they are
//! its annotations), so a shard's log loads in `redis-server` as it is;
//! here the trailer tells a batch that was written whole from one a crash
//! cut short.

use bytes::Bytes;
use coreshard_engine::mutation::Arg;

/// CRC-32C (Castagnoli) of `data`, with the CPU's instruction where it
/// has one (SSE 4.2, ARMv8 CRC).
pub fn crc32c(data: &[u8]) -> u32 {
    crc32c::crc32c(data)
}

/// Appends `args` to `out` as one RESP array of bulk strings.
pub fn encode_command(out: &mut Vec<u8>, args: &[Arg<'_>]) {
    let mut num = itoa::Buffer::new();
    out.push(b'*');
    out.extend_from_slice(num.format(args.len()).as_bytes());
    out.extend_from_slice(b"\r\n");
    let mut scratch = Vec::new();
    for a in args {
        let bytes: &[u8] = match a {
            Arg::Bytes(b) => b,
            Arg::Owned(b) => b,
            other => {
                scratch.clear();
                other.write_to(&mut scratch);
                &scratch
            }
        };
        out.push(b'$');
        out.extend_from_slice(num.format(bytes.len()).as_bytes());
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(bytes);
        out.extend_from_slice(b"\r\n");
    }
}

/// Appends `SELECT db`.
pub fn encode_select(out: &mut Vec<u8>, db: u8) {
    encode_command(out, &[Arg::Bytes(b"SELECT"), Arg::Uint(u64::from(db))]);
}

/// Appends the trailer that seals `batch` (the bytes since the previous
/// trailer).
pub fn encode_trailer(out: &mut Vec<u8>, batch_len: usize, crc: u32) {
    out.extend_from_slice(b"#CRC:");
    out.extend_from_slice(itoa::Buffer::new().format(batch_len).as_bytes());
    out.extend_from_slice(format!(":{crc:08x}\r\n").as_bytes());
}

/// One command read back, with the database it applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// The database (after the file's `SELECT`s).
    pub db: u8,
    /// The arguments, name first.
    pub args: Vec<Bytes>,
}

/// What went wrong at some offset of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Damage {
    /// The file ends inside a command or before a batch's trailer: the
    /// last write was cut short.
    Truncated,
    /// Bytes that are not a command, a trailer, or a batch whose length or
    /// checksum does not match its trailer.
    Corrupt(String),
}

/// A file read batch by batch.
#[derive(Debug, Default)]
pub struct Parsed {
    /// The commands of every whole batch, in order.
    pub commands: Vec<Command>,
    /// How many whole batches.
    pub batches: usize,
    /// Where the whole batches end (the length of the good prefix).
    pub good_len: usize,
    /// The damage found after `good_len`, if any, and whether any bytes
    /// follow the damaged batch (damage with nothing after it is a torn
    /// tail; damage followed by more is corruption in the middle).
    pub damage: Option<(Damage, bool)>,
    /// The database the file is in after the last whole batch.
    pub db: u8,
}

/// Reads `data` (a whole file) batch by batch, stopping at the first
/// damaged batch.
pub fn parse(data: &[u8]) -> Parsed {
    let mut p = Parsed::default();
    let mut pos = 0;
    let mut batch_start = 0;
    let mut db = 0u8;
    let mut pending: Vec<Command> = Vec::new();
    let damage = |p: &mut Parsed, d: Damage, after: usize| {
        // Bytes beyond the damaged batch: look for another trailer after it.
        let rest = &data[after.min(data.len())..];
        let more = memchr::memmem::find(rest, b"#CRC:").is_some();
        p.damage = Some((d, more));
    };
    while pos < data.len() {
        match data[pos] {
            b'#' => {
                let Some(end) = memchr::memmem::find(&data[pos..], b"\r\n").map(|e| pos + e) else {
                    damage(&mut p, Damage::Truncated, data.len());
                    return p;
                };
                let line = &data[pos..end];
                pos = end + 2;
                let Some(rest) = line.strip_prefix(b"#CRC:") else {
                    // Another annotation (Redis writes `#TS:`): skipped,
                    // and not part of a batch when it starts one.
                    if batch_start == end - line.len() {
                        batch_start = pos;
                    }
                    continue;
                };
                let Some((len, crc)) = parse_trailer(rest) else {
                    damage(&mut p, Damage::Corrupt(format!("bad trailer at offset {}", end - line.len())), pos);
                    return p;
                };
                let body = &data[batch_start..end - line.len()];
                if body.len() != len || crc32c(body) != crc {
                    damage(
                        &mut p,
                        Damage::Corrupt(format!(
                            "batch at offset {batch_start} ({} bytes) does not match its checksum",
                            body.len()
                        )),
                        pos,
                    );
                    return p;
                }
                p.commands.append(&mut pending);
                p.batches += 1;
                p.good_len = pos;
                p.db = db;
                batch_start = pos;
            }
            b'*' => match parse_array(&data[pos..]) {
                Ok(Some((args, used))) => {
                    pos += used;
                    if args.len() == 2 && args[0].eq_ignore_ascii_case(b"SELECT") {
                        match std::str::from_utf8(&args[1]).ok().and_then(|s| s.parse::<u8>().ok()) {
                            Some(n) => db = n,
                            None => {
                                damage(&mut p, Damage::Corrupt(format!("bad SELECT before offset {pos}")), pos);
                                return p;
                            }
                        }
                    } else {
                        pending.push(Command { db, args });
                    }
                }
                Ok(None) => {
                    damage(&mut p, Damage::Truncated, data.len());
                    return p;
                }
                Err(what) => {
                    damage(&mut p, Damage::Corrupt(format!("{what} at offset {pos}")), pos + 1);
                    return p;
                }
            },
            other => {
                damage(&mut p, Damage::Corrupt(format!("unexpected byte {other:#04x} at offset {pos}")), pos + 1);
                return p;
            }
        }
    }
    if batch_start < data.len() {
        // Commands after the last trailer: a write that did not finish.
        damage(&mut p, Damage::Truncated, data.len());
    }
    p
}

fn parse_trailer(rest: &[u8]) -> Option<(usize, u32)> {
    let s = std::str::from_utf8(rest).ok()?;
    let (len, crc) = s.split_once(':')?;
    if crc.len() != 8 {
        return None;
    }
    Some((len.parse().ok()?, u32::from_str_radix(crc, 16).ok()?))
}

/// Parses one `*N\r\n($len\r\nbytes\r\n)*N` at the start of `data`:
/// `Ok(None)` if `data` ends before it does.
fn parse_array(data: &[u8]) -> Result<Option<(Vec<Bytes>, usize)>, &'static str> {
    let mut pos = 0;
    let Some(n) = parse_header(data, &mut pos, b'*')? else { return Ok(None) };
    if n == 0 || n > 1 << 20 {
        return Err("bad array length");
    }
    let mut args = Vec::with_capacity(n);
    for _ in 0..n {
        let Some(len) = parse_header(data, &mut pos, b'$')? else { return Ok(None) };
        if data.len() < pos + len + 2 {
            return Ok(None);
        }
        if &data[pos + len..pos + len + 2] != b"\r\n" {
            return Err("bulk string not terminated");
        }
        args.push(Bytes::copy_from_slice(&data[pos..pos + len]));
        pos += len + 2;
    }
    Ok(Some((args, pos)))
}

fn parse_header(data: &[u8], pos: &mut usize, kind: u8) -> Result<Option<usize>, &'static str> {
    let Some(&first) = data.get(*pos) else { return Ok(None) };
    if first != kind {
        return Err(if kind == b'*' { "expected an array" } else { "expected a bulk string" });
    }
    let Some(end) = memchr::memmem::find(&data[*pos..], b"\r\n").map(|e| *pos + e) else {
        return if data.len() - *pos > 24 { Err("header too long") } else { Ok(None) };
    };
    let digits = &data[*pos + 1..end];
    if digits.is_empty() || digits.len() > 20 || !digits.iter().all(u8::is_ascii_digit) {
        return Err("bad length");
    }
    let n: usize = std::str::from_utf8(digits).map_err(|_| "bad length")?.parse().map_err(|_| "bad length")?;
    *pos = end + 2;
    Ok(Some(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(out: &mut Vec<u8>, cmds: &[&[&[u8]]]) {
        let start = out.len();
        for c in cmds {
            let args: Vec<Arg<'_>> = c.iter().map(|a| Arg::Bytes(a)).collect();
            encode_command(out, &args);
        }
        let len = out.len() - start;
        let crc = crc32c(&out[start..]);
        encode_trailer(out, len, crc);
    }

    #[test]
    fn numbers_are_written_in_decimal() {
        let mut out = Vec::new();
        encode_command(&mut out, &[Arg::Bytes(b"PEXPIREAT"), Arg::Bytes(b"k"), Arg::Uint(1700000000000)]);
        assert_eq!(out, b"*3\r\n$9\r\nPEXPIREAT\r\n$1\r\nk\r\n$13\r\n1700000000000\r\n");
        out.clear();
        encode_command(&mut out, &[Arg::Double(1.5), Arg::Double(f64::INFINITY), Arg::Int(-3)]);
        assert_eq!(out, b"*3\r\n$3\r\n1.5\r\n$3\r\ninf\r\n$2\r\n-3\r\n");
    }

    #[test]
    fn whole_batches_read_back_with_their_databases() {
        let mut f = Vec::new();
        batch(&mut f, &[&[b"SET", b"a", b"1"], &[b"SELECT", b"3"], &[b"DEL", b"b"]]);
        batch(&mut f, &[&[b"RPUSH", b"l", b"x", b""]]);
        let p = parse(&f);
        assert_eq!(p.damage, None);
        assert_eq!(p.batches, 2);
        assert_eq!(p.good_len, f.len());
        assert_eq!(p.db, 3);
        let got: Vec<(u8, Vec<&[u8]>)> =
            p.commands.iter().map(|c| (c.db, c.args.iter().map(|a| &a[..]).collect())).collect();
        assert_eq!(
            got,
            vec![
                (0, vec![&b"SET"[..], b"a", b"1"]),
                (3, vec![&b"DEL"[..], b"b"]),
                (3, vec![&b"RPUSH"[..], b"l", b"x", b""]),
            ]
        );
    }

    #[test]
    fn a_cut_short_tail_is_truncated_at_every_length() {
        let mut f = Vec::new();
        batch(&mut f, &[&[b"SET", b"a", b"1"]]);
        let good = f.len();
        batch(&mut f, &[&[b"SET", b"b", b"2"], &[b"SET", b"c", b"3"]]);
        for cut in good + 1..f.len() {
            let p = parse(&f[..cut]);
            assert_eq!(p.good_len, good, "cut at {cut}");
            assert_eq!(p.commands.len(), 1, "cut at {cut}: the half batch is not applied");
            assert!(p.damage.is_some(), "cut at {cut}");
            assert!(!p.damage.as_ref().unwrap().1, "cut at {cut}: nothing follows a torn tail");
        }
    }

    #[test]
    fn a_flipped_byte_in_the_middle_is_corruption() {
        let mut f = Vec::new();
        batch(&mut f, &[&[b"SET", b"a", b"1"]]);
        let second = f.len();
        batch(&mut f, &[&[b"SET", b"b", b"hello"]]);
        batch(&mut f, &[&[b"SET", b"c", b"3"]]);
        let mut bad = f.clone();
        let at = second + 20;
        bad[at] ^= 0x01;
        let p = parse(&bad);
        assert_eq!(p.good_len, second);
        let (damage, more) = p.damage.expect("damage found");
        assert!(matches!(damage, Damage::Corrupt(_)), "{damage:?}");
        assert!(more, "a later batch follows");
    }

    #[test]
    fn other_annotations_are_skipped() {
        let mut f = b"#TS:1700000000\r\n".to_vec();
        batch(&mut f, &[&[b"SET", b"a", b"1"]]);
        let p = parse(&f);
        assert_eq!(p.damage, None);
        assert_eq!(p.commands.len(), 1);
    }
}
