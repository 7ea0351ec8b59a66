//! The socket: reading request bytes into the read buffer, writing the
//! replies, and closing gracefully at shutdown.

use std::future::{poll_fn, Future};
use std::pin::{pin, Pin};
use std::task::Poll;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use monoio::buf::IoBufMut;
use monoio::io::{AsyncReadRent, AsyncWriteRentExt, CancelableAsyncReadRent, Canceller};
use monoio::net::TcpStream;

use super::Conn;
use crate::resp::ReplyBuf;

/// Replies are written out early once this much is buffered.
pub(super) const OUT_FLUSH: usize = 1 << 20;
/// Every read asks for at least this many bytes (as Redis's
/// `PROTO_IOBUF_LEN`). With less room, pipelines of large values were read
/// in more, smaller pieces, each answered by its own write: 33% more TCP
/// segments than Redis for SET of 4 KiB values at pipeline 16.
const READ_CHUNK: usize = 16 * 1024;

/// What one read brought.
pub(super) enum Read {
    /// Some bytes.
    Data,
    /// End of input or an error: the client is gone.
    Closed,
    /// Nothing came within the idle timeout.
    Idle,
    /// Cancelled before anything arrived.
    Cancelled,
}

/// A connection's socket and read buffer.
pub(super) struct Io {
    stream: TcpStream,
    /// Request bytes read and not yet parsed. Parsed arguments point into
    /// it (zero-copy), so it is reused only once they are dropped.
    pub(super) rbuf: BytesMut,
    /// The client closed its side (or the connection failed).
    pub(super) eof: bool,
}

impl Io {
    pub(super) fn new(stream: TcpStream) -> Io {
        Io { stream, rbuf: BytesMut::with_capacity(2 * READ_CHUNK), eof: false }
    }

    fn prepare_read(&mut self) -> monoio::buf::SliceMut<BytesMut> {
        // Once no argument refers to it any more, the buffer is reused: the
        // unread tail moves to its front instead of to a new allocation.
        if self.rbuf.capacity() - self.rbuf.len() < READ_CHUNK {
            self.rbuf.reserve(READ_CHUNK);
        }
        let buf = std::mem::take(&mut self.rbuf);
        let (start, end) = (buf.len(), buf.capacity());
        buf.slice_mut(start..end)
    }

    fn finish_read(eof: &mut bool, res: std::io::Result<usize>) -> Read {
        match res {
            Ok(0) => {
                *eof = true;
                Read::Closed
            }
            Ok(_) => Read::Data,
            Err(e) if e.raw_os_error() == Some(libc::ECANCELED) => Read::Cancelled,
            Err(_) => {
                *eof = true;
                Read::Closed
            }
        }
    }

    /// Reads more request bytes, giving up after `idle` without any.
    pub(super) async fn read(&mut self, idle: Option<Duration>) -> Read {
        let slice = self.prepare_read();
        let Some(idle) = idle else {
            let (res, slice) = self.stream.read(slice).await;
            self.rbuf = slice.into_inner();
            return Self::finish_read(&mut self.eof, res);
        };
        let canceller = Canceller::new();
        let read = self.stream.cancelable_read(slice, canceller.handle());
        let mut read = pin!(read);
        match monoio::time::timeout(idle, read.as_mut()).await {
            Ok((res, slice)) => {
                self.rbuf = slice.into_inner();
                Self::finish_read(&mut self.eof, res)
            }
            Err(_) => {
                canceller.cancel();
                let (_, slice) = read.await;
                self.rbuf = slice.into_inner();
                self.eof = true;
                Read::Idle
            }
        }
    }

    /// Reads once while polling `fut`: `fut`'s value if it finished first
    /// (the read is cancelled, keeping anything it got), with what the read
    /// brought.
    pub(super) async fn read_or<F: Future>(&mut self, mut fut: Pin<&mut F>) -> (Option<F::Output>, Read) {
        let canceller = Canceller::new();
        let slice = self.prepare_read();
        let read = self.stream.cancelable_read(slice, canceller.handle());
        let mut read = pin!(read);
        let first = poll_fn(|cx| {
            if let Poll::Ready(v) = fut.as_mut().poll(cx) {
                return Poll::Ready(Ok(v));
            }
            read.as_mut().poll(cx).map(Err)
        })
        .await;
        let (res, slice, value) = match first {
            Ok(v) => {
                canceller.cancel();
                let (res, slice) = read.await;
                (res, slice, Some(v))
            }
            Err((res, slice)) => (res, slice, None),
        };
        self.rbuf = slice.into_inner();
        (value, Self::finish_read(&mut self.eof, res))
    }

    /// Writes everything in `out`; false when the client is gone.
    pub(super) async fn write(&mut self, out: &mut ReplyBuf) -> bool {
        let (res, mut buf) = self.stream.write_all(out.take()).await;
        if buf.capacity() > 4 * OUT_FLUSH {
            buf.clear();
            buf.shrink_to(64 * 1024);
        }
        out.reuse(buf);
        res.is_ok()
    }

    /// Closes gracefully at shutdown. Shutdown stops reading (the socket's
    /// read side is shut, so a read returns end-of-file as soon as nothing
    /// is queued), but the client may still be sending. Closing a socket
    /// with unread input makes the kernel reset the connection, and a reset
    /// destroys replies the client has not read yet. So: half-close after
    /// the last reply (the client reads every reply, then end-of-file), and
    /// discard input until none has come for 100 ms (at most 2 s).
    pub(super) async fn linger(&mut self, fd: std::os::fd::RawFd) {
        let _ = nix::sys::socket::shutdown(fd, nix::sys::socket::Shutdown::Write);
        let deadline = Instant::now() + Duration::from_secs(2);
        let mut quiet = 0;
        while quiet < 10 && Instant::now() < deadline {
            self.rbuf.clear();
            let slice = self.prepare_read();
            let (res, slice) = self.stream.read(slice).await;
            self.rbuf = slice.into_inner();
            match res {
                Ok(0) => {
                    quiet += 1;
                    monoio::time::sleep(Duration::from_millis(10)).await;
                }
                Ok(_) => quiet = 0,
                Err(_) => break,
            }
        }
        self.rbuf.clear();
    }
}

impl Conn {
    /// Writes the reply buffer; false when the client is gone.
    pub async fn write_out(&mut self) -> bool {
        self.wait_durable().await;
        self.client.obuf.set(self.out.len());
        let ok = self.io.write(&mut self.out).await;
        self.client.obuf.set(0);
        ok
    }

    /// Waits until the writes this connection's replies may depend on are
    /// safe in the shard's log (at once when nothing is pending). While the
    /// log cannot be written, replies to what appended nothing go out.
    async fn wait_durable(&mut self) {
        let Some(d) = self.durability.as_ref() else { return };
        if d.is_pending() {
            d.settled(self.durable_mark).await;
        }
        self.durable_mark = d.last_appended();
    }

    /// Reads more request bytes (giving up after the idle `timeout`, outside
    /// MULTI); false at end of input or on error.
    pub(super) async fn read_more(&mut self) -> bool {
        let timeout = self.server.settings().timeout;
        let idle = (timeout > 0 && self.tx.multi.is_none()).then(|| Duration::from_secs(timeout));
        let read = self.io.read(idle).await;
        self.client.qbuf.set(self.io.rbuf.len());
        match read {
            Read::Data | Read::Cancelled => !self.io.eof,
            Read::Closed => false,
            Read::Idle => {
                tracing::debug!(client = self.client.id, "closing idle client");
                false
            }
        }
    }

    /// Reads once from the socket while polling `fut`: returns `fut`'s
    /// value if it finished first, `None` once the read completed (or hit
    /// end of input).
    pub(super) async fn read_or<F: Future>(&mut self, fut: Pin<&mut F>) -> Option<F::Output> {
        if self.io.eof {
            return None;
        }
        let (value, read) = self.io.read_or(fut).await;
        self.client.qbuf.set(self.io.rbuf.len());
        if let Read::Data = read {
            self.client.last_active.set(Instant::now());
        }
        value
    }

    /// Whether the unparsed input passed the query buffer limit.
    pub(super) fn over_query_limit(&self, bytes: usize) -> bool {
        bytes as u64 > self.server.settings().client_query_buffer_limit
    }

    /// Waits for `fut` while still reading the socket, so that input is
    /// buffered and a client that disconnects is noticed. `None` when the
    /// client went away first.
    pub async fn wait_for<F: Future>(&mut self, fut: F) -> Option<F::Output> {
        let mut fut = pin!(fut);
        loop {
            if self.io.eof {
                return None;
            }
            if let Some(v) = self.read_or(fut.as_mut()).await {
                return Some(v);
            }
            if self.over_query_limit(self.io.rbuf.len()) {
                self.io.eof = true;
            }
        }
    }
}
