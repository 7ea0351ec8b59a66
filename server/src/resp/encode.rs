//! Reply encoding for RESP2 and RESP3 into a reused buffer.
//!
//! Every writer picks the right wire type for the connection's protocol:
//! maps become flat arrays in RESP2, doubles become bulk strings, and so on,
//! so command code states *what* it replies and never checks the version.

use coreshard_engine::numbers::write_double;

/// A connection's reply buffer: replies are appended here and the whole
/// buffer goes out in one write per pipeline.
///
/// Code that may fail after writing part of a reply takes a [`Mark`] first
/// and [`rollback`](Self::rollback)s to it, so a failed command leaves no
/// half reply behind.
#[derive(Debug, Default, Clone)]
pub struct ReplyBuf {
    buf: Vec<u8>,
    resp3: bool,
}

/// A position in a [`ReplyBuf`] to roll back to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Mark(usize);

impl Mark {
    /// Bytes written before the mark.
    pub fn offset(self) -> usize {
        self.0
    }
}

impl ReplyBuf {
    /// An empty buffer for the given protocol.
    pub fn new(resp3: bool) -> ReplyBuf {
        ReplyBuf { buf: Vec::new(), resp3 }
    }

    /// Whether replies are RESP3 (after `HELLO 3`) rather than RESP2.
    #[inline]
    pub fn resp3(&self) -> bool {
        self.resp3
    }

    /// Switches the protocol of the replies written from now on.
    pub fn set_resp3(&mut self, resp3: bool) {
        self.resp3 = resp3;
    }

    /// The current end of the buffer, to roll back to.
    #[inline]
    pub fn mark(&self) -> Mark {
        Mark(self.buf.len())
    }

    /// Drops everything written after `mark`.
    #[inline]
    pub fn rollback(&mut self, mark: Mark) {
        self.buf.truncate(mark.0);
    }

    /// The bytes written since `mark`.
    pub fn since(&self, mark: Mark) -> &[u8] {
        self.buf.get(mark.0..).unwrap_or_default()
    }

    /// The encoded bytes.
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf
    }

    /// The encoded bytes, taking the buffer.
    pub fn into_bytes(self) -> Vec<u8> {
        self.buf
    }

    /// Takes the encoded bytes out (to write them), leaving the buffer
    /// empty; [`reuse`](Self::reuse) gives the allocation back.
    pub fn take(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.buf)
    }

    /// Gives back an allocation taken with [`take`](Self::take), emptied.
    pub fn reuse(&mut self, mut buf: Vec<u8>) {
        buf.clear();
        self.buf = buf;
    }

    /// Drops everything written.
    pub fn clear(&mut self) {
        self.buf.clear();
    }

    /// Bytes written so far.
    #[inline]
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// Whether nothing is written.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    #[inline]
    fn header(&mut self, tag: u8, n: i64) {
        self.buf.push(tag);
        self.buf.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
        self.buf.extend_from_slice(b"\r\n");
    }

    /// `+OK`.
    #[inline]
    pub fn ok(&mut self) {
        self.buf.extend_from_slice(b"+OK\r\n");
    }

    /// A simple string (`+...`). `s` must not contain CR or LF.
    #[inline]
    pub fn simple(&mut self, s: &str) {
        self.buf.push(b'+');
        self.buf.extend_from_slice(s.as_bytes());
        self.buf.extend_from_slice(b"\r\n");
    }

    /// An error reply. `msg` starts with the error code (`ERR ...`,
    /// `WRONGTYPE ...`); line breaks are replaced by spaces, as Redis does.
    pub fn error(&mut self, msg: &str) {
        self.buf.push(b'-');
        self.buf.extend(msg.bytes().map(|b| if b == b'\r' || b == b'\n' { b' ' } else { b }));
        self.buf.extend_from_slice(b"\r\n");
    }

    /// An integer.
    #[inline]
    pub fn int(&mut self, n: i64) {
        self.header(b':', n);
    }

    /// A bulk string.
    #[inline]
    pub fn bulk(&mut self, b: &[u8]) {
        self.header(b'$', b.len() as i64);
        self.buf.extend_from_slice(b);
        self.buf.extend_from_slice(b"\r\n");
    }

    /// A bulk string holding a decimal integer.
    pub fn bulk_int(&mut self, n: i64) {
        self.bulk(itoa::Buffer::new().format(n).as_bytes());
    }

    /// A bulk string or null.
    #[inline]
    pub fn bulk_opt(&mut self, b: Option<&[u8]>) {
        match b {
            Some(b) => self.bulk(b),
            None => self.null(),
        }
    }

    /// The null bulk string (`$-1`; `_` in RESP3).
    #[inline]
    pub fn null(&mut self) {
        if self.resp3 {
            self.buf.extend_from_slice(b"_\r\n");
        } else {
            self.buf.extend_from_slice(b"$-1\r\n");
        }
    }

    /// The null array (`*-1`; `_` in RESP3).
    pub fn null_array(&mut self) {
        if self.resp3 {
            self.buf.extend_from_slice(b"_\r\n");
        } else {
            self.buf.extend_from_slice(b"*-1\r\n");
        }
    }

    /// The header of an array of `n` elements.
    #[inline]
    pub fn array(&mut self, n: usize) {
        self.header(b'*', n as i64);
    }

    /// The header of a map of `n` pairs (a flat array of `2n` in RESP2).
    pub fn map(&mut self, n: usize) {
        if self.resp3 {
            self.header(b'%', n as i64);
        } else {
            self.header(b'*', 2 * n as i64);
        }
    }

    /// The header of a set of `n` elements (an array in RESP2).
    pub fn set(&mut self, n: usize) {
        if self.resp3 {
            self.header(b'~', n as i64);
        } else {
            self.header(b'*', n as i64);
        }
    }

    /// The header of a push message of `n` elements (an array in RESP2).
    pub fn push(&mut self, n: usize) {
        if self.resp3 {
            self.header(b'>', n as i64);
        } else {
            self.header(b'*', n as i64);
        }
    }

    /// A double, formatted as Redis does (`%.17g`; `inf`, `-inf`): a RESP3
    /// double, or a bulk string in RESP2.
    pub fn double(&mut self, d: f64) {
        if self.resp3 {
            self.buf.push(b',');
            write_double(&mut self.buf, d);
            self.buf.extend_from_slice(b"\r\n");
        } else {
            let mut text = Vec::with_capacity(24);
            write_double(&mut text, d);
            self.bulk(&text);
        }
    }

    /// A boolean (`#t`/`#f` in RESP3, `:1`/`:0` in RESP2).
    pub fn boolean(&mut self, b: bool) {
        if self.resp3 {
            self.buf.extend_from_slice(if b { b"#t\r\n" } else { b"#f\r\n" });
        } else {
            self.int(i64::from(b));
        }
    }

    /// Verbatim text (`=` with format `txt` in RESP3, a bulk string in RESP2).
    pub fn verbatim(&mut self, text: &[u8]) {
        if self.resp3 {
            self.header(b'=', text.len() as i64 + 4);
            self.buf.extend_from_slice(b"txt:");
            self.buf.extend_from_slice(text);
            self.buf.extend_from_slice(b"\r\n");
        } else {
            self.bulk(text);
        }
    }

    /// Raw, already-encoded bytes.
    #[inline]
    pub fn raw(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resp2_and_resp3_shapes() {
        let mut r2 = ReplyBuf::new(false);
        let mut r3 = ReplyBuf::new(true);
        for r in [&mut r2, &mut r3] {
            r.map(1);
            r.bulk(b"k");
            r.double(1.5);
            r.null();
            r.boolean(true);
        }
        assert_eq!(r2.as_bytes(), b"*2\r\n$1\r\nk\r\n$3\r\n1.5\r\n$-1\r\n:1\r\n");
        assert_eq!(r3.as_bytes(), b"%1\r\n$1\r\nk\r\n,1.5\r\n_\r\n#t\r\n");
    }

    #[test]
    fn errors_never_break_the_line() {
        let mut r = ReplyBuf::new(false);
        r.error("ERR a\r\nb");
        assert_eq!(r.as_bytes(), b"-ERR a  b\r\n");
    }
}
