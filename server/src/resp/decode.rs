//! Request decoding: RESP multibulk frames and inline commands.
//!
//! Decoding is two-step, as the style guide asks: [`check`] scans the buffer
//! for one complete request without allocating and enforces every limit
//! before anything is allocated; only then does [`parse`] split the request
//! out of the buffer zero-copy.

use std::borrow::Cow;

use bytes::{Bytes, BytesMut};
// Redis reads the lengths with `string2ll`, so `*01` and `$-0` are invalid.
use coreshard_engine::numbers::string2ll;

/// Longest line (multibulk count, bulk length, or inline request) accepted
/// before the request is rejected, as Redis's `PROTO_INLINE_MAX_SIZE`.
pub const INLINE_MAX: usize = 64 * 1024;
/// Most arguments in one request (Redis accepts up to `INT_MAX`; a count of
/// more than this is refused before any allocation).
pub const MULTIBULK_MAX: i64 = 1024 * 1024;
/// A multibulk count above this is refused from clients that have not
/// authenticated, as Redis does.
pub const UNAUTH_MULTIBULK_MAX: i64 = 10;
/// Longest bulk argument from clients that have not authenticated.
pub const UNAUTH_BULK_MAX: i64 = 16384;

/// Per-connection decoding limits.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// `proto-max-bulk-len`.
    pub max_bulk: i64,
    /// Whether the client has authenticated (or no password is set).
    pub authenticated: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_bulk: 512 * 1024 * 1024, authenticated: true }
    }
}

/// Why a request could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// More bytes are needed; `hint` is how many the request needs in all,
    /// when known (so the reader can reserve it at once).
    Incomplete {
        /// Total length of the request, when the header told us.
        hint: Option<usize>,
    },
    /// The bytes are not a valid request; the text follows
    /// `-ERR Protocol error: `. The connection must be closed.
    Protocol(Cow<'static, str>),
}

/// A complete request found by [`check`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame {
    /// Bytes the request occupies at the front of the buffer.
    pub len: usize,
    /// Number of arguments (0 for an empty request, which is skipped).
    pub argc: usize,
    /// Whether it is an inline (telnet-style) request.
    pub inline: bool,
}

#[inline]
fn find_crlf(buf: &[u8], from: usize) -> Option<usize> {
    let hay = buf.get(from..)?;
    memchr::memchr_iter(b'\r', hay).find(|&at| hay.get(at + 1) == Some(&b'\n')).map(|at| from + at)
}

/// Looks for one complete request at the front of `buf`.
pub fn check(buf: &[u8], limits: &Limits) -> Result<Frame, DecodeError> {
    match buf.first() {
        None => Err(DecodeError::Incomplete { hint: None }),
        Some(b'*') => check_multibulk(buf, limits),
        Some(_) => check_inline(buf),
    }
}

fn check_multibulk(buf: &[u8], limits: &Limits) -> Result<Frame, DecodeError> {
    let Some(end) = find_crlf(buf, 1) else {
        if buf.len() > INLINE_MAX {
            return Err(DecodeError::Protocol(Cow::Borrowed("too big mbulk count string")));
        }
        return Err(DecodeError::Incomplete { hint: None });
    };
    if end > INLINE_MAX {
        return Err(DecodeError::Protocol(Cow::Borrowed("too big mbulk count string")));
    }
    let count = string2ll(&buf[1..end]);
    let max = if limits.authenticated { MULTIBULK_MAX } else { UNAUTH_MULTIBULK_MAX };
    let count = match count {
        Some(n) if n > max => return Err(DecodeError::Protocol(Cow::Borrowed("invalid multibulk length"))),
        Some(n) => n,
        None => return Err(DecodeError::Protocol(Cow::Borrowed("invalid multibulk length"))),
    };
    let mut pos = end + 2;
    if count <= 0 {
        return Ok(Frame { len: pos, argc: 0, inline: false });
    }
    let bulk_max = if limits.authenticated { limits.max_bulk } else { UNAUTH_BULK_MAX.min(limits.max_bulk) };
    for _ in 0..count {
        match buf.get(pos) {
            None => return Err(DecodeError::Incomplete { hint: None }),
            Some(b'$') => {}
            Some(_) => return Err(DecodeError::Protocol(expected_dollar(buf[pos]))),
        }
        let Some(end) = find_crlf(buf, pos + 1) else {
            if buf.len() - pos > INLINE_MAX {
                return Err(DecodeError::Protocol(Cow::Borrowed("too big bulk count string")));
            }
            return Err(DecodeError::Incomplete { hint: None });
        };
        if end - pos > INLINE_MAX {
            return Err(DecodeError::Protocol(Cow::Borrowed("too big bulk count string")));
        }
        let len = match string2ll(&buf[pos + 1..end]) {
            Some(n) if (0..=bulk_max).contains(&n) => n as usize,
            _ => return Err(DecodeError::Protocol(Cow::Borrowed("invalid bulk length"))),
        };
        let next = end + 2 + len + 2;
        if buf.len() < next {
            return Err(DecodeError::Incomplete { hint: Some(next) });
        }
        pos = next;
    }
    Ok(Frame { len: pos, argc: count as usize, inline: false })
}

/// Redis reports the unexpected byte: "expected '$', got 'x'".
fn expected_dollar(got: u8) -> Cow<'static, str> {
    Cow::Owned(format!("expected '$', got '{}'", got as char))
}

fn check_inline(buf: &[u8]) -> Result<Frame, DecodeError> {
    let Some(nl) = memchr::memchr(b'\n', buf) else {
        if buf.len() > INLINE_MAX {
            return Err(DecodeError::Protocol(Cow::Borrowed("too big inline request")));
        }
        return Err(DecodeError::Incomplete { hint: None });
    };
    if nl > INLINE_MAX {
        return Err(DecodeError::Protocol(Cow::Borrowed("too big inline request")));
    }
    let line = trim_cr(&buf[..nl]);
    let argc = split_inline(line, |_| {})?;
    Ok(Frame { len: nl + 1, argc, inline: true })
}

fn trim_cr(line: &[u8]) -> &[u8] {
    match line.last() {
        Some(b'\r') => &line[..line.len() - 1],
        _ => line,
    }
}

/// Splits the argument bytes out of `buf`, which starts with the request
/// `frame` that [`check`] found. Arguments are zero-copy slices of one
/// frozen buffer for multibulk requests.
pub fn parse(buf: &mut BytesMut, frame: Frame, args: &mut Vec<Bytes>) {
    args.clear();
    let data = buf.split_to(frame.len).freeze();
    if frame.inline {
        let line = trim_cr(&data[..data.len() - 1]);
        // Checked by `check`, so this cannot fail.
        let _ = split_inline(line, |arg| args.push(Bytes::from(arg)));
        return;
    }
    let mut pos = match find_crlf(&data, 1) {
        Some(end) => end + 2,
        None => return,
    };
    for _ in 0..frame.argc {
        let Some(end) = find_crlf(&data, pos + 1) else { return };
        let len = string2ll(&data[pos + 1..end]).unwrap_or(0) as usize;
        let start = end + 2;
        args.push(data.slice(start..start + len));
        pos = start + len + 2;
    }
}

/// The first two arguments (command name and, usually, key) of the
/// multibulk request `frame` at the front of `buf`, as [`check`] found it,
/// without consuming or copying anything. `None` for inline requests and
/// requests of fewer than two arguments.
pub fn peek_name_and_key(buf: &[u8], frame: Frame) -> Option<(&[u8], &[u8])> {
    if frame.inline || frame.argc < 2 {
        return None;
    }
    let data = buf.get(..frame.len)?;
    let mut pos = find_crlf(data, 1)? + 2;
    let mut arg = || {
        let end = find_crlf(data, pos + 1)?;
        let len = string2ll(&data[pos + 1..end])? as usize;
        let start = end + 2;
        pos = start + len + 2;
        data.get(start..start + len)
    };
    let name = arg()?;
    let key = arg()?;
    Some((name, key))
}

fn is_hex(c: u8) -> bool {
    c.is_ascii_hexdigit()
}

fn hex_val(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        _ => c - b'A' + 10,
    }
}

/// Splits an inline request like Redis's `sdssplitargs`: whitespace
/// separated, with "double" (escapes) and 'single' quoted arguments.
/// Calls `emit` with each argument and returns how many there were.
pub fn split_inline(line: &[u8], mut emit: impl FnMut(Vec<u8>)) -> Result<usize, DecodeError> {
    let mut n = 0;
    let mut i = 0;
    loop {
        while i < line.len() && line[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= line.len() {
            return Ok(n);
        }
        let mut cur = Vec::new();
        let mut in_dq = false;
        let mut in_sq = false;
        loop {
            let c = line.get(i).copied();
            if in_dq {
                match c {
                    None => return Err(DecodeError::Protocol(Cow::Borrowed("unbalanced quotes in request"))),
                    Some(b'\\')
                        if line.get(i + 1) == Some(&b'x')
                            && line.get(i + 2).is_some_and(|&c| is_hex(c))
                            && line.get(i + 3).is_some_and(|&c| is_hex(c)) =>
                    {
                        cur.push(hex_val(line[i + 2]) * 16 + hex_val(line[i + 3]));
                        i += 3;
                    }
                    Some(b'\\') if i + 1 < line.len() => {
                        i += 1;
                        cur.push(match line[i] {
                            b'n' => b'\n',
                            b'r' => b'\r',
                            b't' => b'\t',
                            b'b' => 8,
                            b'a' => 7,
                            other => other,
                        });
                    }
                    Some(b'"') => {
                        // The closing quote must be followed by a space or the end.
                        if line.get(i + 1).is_some_and(|c| !c.is_ascii_whitespace()) {
                            return Err(DecodeError::Protocol(Cow::Borrowed("unbalanced quotes in request")));
                        }
                        i += 1;
                        break;
                    }
                    Some(c) => cur.push(c),
                }
            } else if in_sq {
                match c {
                    None => return Err(DecodeError::Protocol(Cow::Borrowed("unbalanced quotes in request"))),
                    Some(b'\\') if line.get(i + 1) == Some(&b'\'') => {
                        i += 1;
                        cur.push(b'\'');
                    }
                    Some(b'\'') => {
                        if line.get(i + 1).is_some_and(|c| !c.is_ascii_whitespace()) {
                            return Err(DecodeError::Protocol(Cow::Borrowed("unbalanced quotes in request")));
                        }
                        i += 1;
                        break;
                    }
                    Some(c) => cur.push(c),
                }
            } else {
                match c {
                    None => break,
                    Some(c) if c.is_ascii_whitespace() => break,
                    Some(b'"') => in_dq = true,
                    Some(b'\'') => in_sq = true,
                    Some(c) => cur.push(c),
                }
            }
            i += 1;
        }
        n += 1;
        emit(cur);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(input: &[u8]) -> Result<Vec<Vec<Vec<u8>>>, DecodeError> {
        let mut buf = BytesMut::from(input);
        let mut out = Vec::new();
        let mut args = Vec::new();
        loop {
            match check(&buf, &Limits::default()) {
                Ok(frame) => {
                    parse(&mut buf, frame, &mut args);
                    out.push(args.iter().map(|a| a.to_vec()).collect());
                }
                Err(DecodeError::Incomplete { .. }) => return Ok(out),
                Err(e) => return Err(e),
            }
        }
    }

    #[test]
    fn multibulk_and_inline() {
        let got = decode_all(b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\nPING\r\nset a \"b c\\n\"\r\n").unwrap();
        assert_eq!(got[0], vec![b"GET".to_vec(), b"k".to_vec()]);
        assert_eq!(got[1], vec![b"PING".to_vec()]);
        assert_eq!(got[2], vec![b"set".to_vec(), b"a".to_vec(), b"b c\n".to_vec()]);
    }

    #[test]
    fn peek_name_and_key_sees_the_first_two_arguments() {
        let buf = b"*3\r\n$3\r\nSET\r\n$2\r\nk1\r\n$3\r\nabc\r\n*1\r\n$4\r\nPING\r\n";
        let frame = check(buf, &Limits::default()).unwrap();
        assert_eq!(peek_name_and_key(buf, frame), Some((&b"SET"[..], &b"k1"[..])));
        let rest = &buf[frame.len..];
        let ping = check(rest, &Limits::default()).unwrap();
        assert_eq!(peek_name_and_key(rest, ping), None);
        let inline = b"get k\r\n";
        let frame = check(inline, &Limits::default()).unwrap();
        assert_eq!(peek_name_and_key(inline, frame), None);
        let empty_key = b"*2\r\n$3\r\nGET\r\n$0\r\n\r\n";
        let frame = check(empty_key, &Limits::default()).unwrap();
        assert_eq!(peek_name_and_key(empty_key, frame), Some((&b"GET"[..], &b""[..])));
    }

    #[test]
    fn empty_requests_are_frames_without_arguments() {
        let got = decode_all(b"*0\r\n\r\n*-1\r\n").unwrap();
        assert_eq!(got, vec![Vec::<Vec<u8>>::new(); 3]);
    }

    #[test]
    fn errors_use_redis_wording() {
        assert_eq!(decode_all(b"*1\r\n+x\r\n"), Err(DecodeError::Protocol(Cow::Borrowed("expected '$', got '+'"))));
        assert_eq!(decode_all(b"*x\r\n"), Err(DecodeError::Protocol(Cow::Borrowed("invalid multibulk length"))));
        assert_eq!(decode_all(b"*1\r\n$-5\r\n"), Err(DecodeError::Protocol(Cow::Borrowed("invalid bulk length"))));
        assert_eq!(
            decode_all(b"*1\r\n$999999999999\r\n"),
            Err(DecodeError::Protocol(Cow::Borrowed("invalid bulk length")))
        );
        assert_eq!(decode_all(b"*2000000\r\n"), Err(DecodeError::Protocol(Cow::Borrowed("invalid multibulk length"))));
        assert_eq!(
            decode_all(b"set \"a\r\n"),
            Err(DecodeError::Protocol(Cow::Borrowed("unbalanced quotes in request")))
        );
        let long = vec![b'a'; INLINE_MAX + 10];
        assert_eq!(decode_all(&long), Err(DecodeError::Protocol(Cow::Borrowed("too big inline request"))));
    }

    #[test]
    fn lengths_are_strict_integers() {
        // Checked against redis-server 7.0.
        for bad in [&b"*01\r\n"[..], b"*-0\r\n", b"*+1\r\n"] {
            assert_eq!(decode_all(bad), Err(DecodeError::Protocol(Cow::Borrowed("invalid multibulk length"))));
        }
        for bad in [&b"*1\r\n$04\r\nPING\r\n"[..], b"*1\r\n$-0\r\n", b"*1\r\n$+4\r\nPING\r\n"] {
            assert_eq!(decode_all(bad), Err(DecodeError::Protocol(Cow::Borrowed("invalid bulk length"))));
        }
    }

    #[test]
    fn unauthenticated_clients_get_small_limits() {
        let limits = Limits { authenticated: false, ..Limits::default() };
        assert_eq!(check(b"*11\r\n", &limits), Err(DecodeError::Protocol(Cow::Borrowed("invalid multibulk length"))));
        assert_eq!(
            check(b"*1\r\n$20000\r\n", &limits),
            Err(DecodeError::Protocol(Cow::Borrowed("invalid bulk length")))
        );
    }

    #[test]
    fn incomplete_bulk_reports_the_total_length() {
        assert_eq!(check(b"*1\r\n$10\r\nabc", &Limits::default()), Err(DecodeError::Incomplete { hint: Some(21) }));
    }

    proptest::proptest! {
        /// Any split of a valid pipeline decodes to the same commands as the
        /// whole: a prefix is either complete frames or `Incomplete`.
        #[test]
        fn split_anywhere(cut in 0usize..200, args in proptest::collection::vec(proptest::collection::vec(proptest::num::u8::ANY, 0..20), 1..6)) {
            let mut wire = Vec::new();
            for _ in 0..3 {
                wire.extend_from_slice(format!("*{}\r\n", args.len()).as_bytes());
                for a in &args {
                    wire.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
                    wire.extend_from_slice(a);
                    wire.extend_from_slice(b"\r\n");
                }
            }
            let cut = cut.min(wire.len());
            let mut buf = BytesMut::from(&wire[..cut]);
            let mut got = Vec::new();
            let mut parsed = Vec::new();
            let mut feed = |buf: &mut BytesMut, got: &mut Vec<Vec<Bytes>>| loop {
                match check(buf, &Limits::default()) {
                    Ok(frame) => { parse(buf, frame, &mut parsed); got.push(parsed.clone()); }
                    Err(DecodeError::Incomplete { .. }) => break,
                    Err(e) => panic!("{e:?}"),
                }
            };
            feed(&mut buf, &mut got);
            buf.extend_from_slice(&wire[cut..]);
            feed(&mut buf, &mut got);
            proptest::prop_assert_eq!(got.len(), 3);
            for cmd in got {
                let cmd: Vec<Vec<u8>> = cmd.iter().map(|b| b.to_vec()).collect();
                proptest::prop_assert_eq!(&cmd, &args);
            }
        }
    }
}
