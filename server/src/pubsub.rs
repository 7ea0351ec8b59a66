//! Pub/Sub subscriptions of this core's connections.
//!
//! Each core keeps a thread-local registry of the channels and patterns its
//! own connections subscribe to, with each subscriber's outbox. Subscribing
//! and unsubscribing therefore never leave the core. PUBLISH, from any core,
//! runs [`deliver`] on every core (one hop each, concurrently); each core
//! encodes the message once per protocol version and appends it to its
//! subscribers' outboxes, which their connections drain into their replies.
//! A subscriber whose outbox passes `pubsub-output-limit` is disconnected,
//! as Redis does with its `pubsub` client output buffer limit.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use bytes::Bytes;
use coreshard_engine::glob;

use crate::conn::{Conn, Outbox};
use crate::local::ClientEntry;
use crate::resp::ReplyBuf;

/// One subscribed connection.
struct Subscriber {
    client: Rc<ClientEntry>,
    outbox: Rc<Outbox>,
}

#[derive(Default)]
struct Registry {
    channels: HashMap<Bytes, Vec<Subscriber>, ahash::RandomState>,
    patterns: HashMap<Bytes, Vec<Subscriber>, ahash::RandomState>,
}

thread_local! {
    static REGISTRY: RefCell<Registry> = RefCell::new(Registry::default());
}

/// Which registry a subscription lives in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// SUBSCRIBE: exact channel names.
    Channel,
    /// PSUBSCRIBE: glob patterns.
    Pattern,
}

impl Kind {
    fn subscribe_word(self) -> &'static [u8] {
        match self {
            Kind::Channel => b"subscribe",
            Kind::Pattern => b"psubscribe",
        }
    }

    fn unsubscribe_word(self) -> &'static [u8] {
        match self {
            Kind::Channel => b"unsubscribe",
            Kind::Pattern => b"punsubscribe",
        }
    }
}

fn set_of(conn: &mut Conn, kind: Kind) -> &mut HashSet<Bytes> {
    match kind {
        Kind::Channel => &mut conn.channels,
        Kind::Pattern => &mut conn.patterns,
    }
}

fn update_counts(conn: &Conn) {
    conn.client.sub.set(conn.channels.len());
    conn.client.psub.set(conn.patterns.len());
}

fn confirm(conn: &mut Conn, word: &[u8], name: Option<&[u8]>) {
    let count = (conn.channels.len() + conn.patterns.len()) as i64;
    conn.out.push(3);
    conn.out.bulk(word);
    conn.out.bulk_opt(name);
    conn.out.int(count);
}

/// SUBSCRIBE / PSUBSCRIBE: registers each name and confirms each, in order,
/// with the connection's subscription count after it (repeats included, as
/// Redis does).
pub fn subscribe(conn: &mut Conn, kind: Kind, names: &[Bytes]) {
    // Deliveries queued before these replies go out first.
    conn.drain_outbox();
    for name in names {
        if !set_of(conn, kind).contains(&name[..]) {
            // Copied: the argument points into the connection's read buffer.
            let name = Bytes::copy_from_slice(name);
            set_of(conn, kind).insert(name.clone());
            let sub = Subscriber { client: conn.client.clone(), outbox: conn.outbox.clone() };
            REGISTRY.with(|r| {
                let mut r = r.borrow_mut();
                let map = match kind {
                    Kind::Channel => &mut r.channels,
                    Kind::Pattern => &mut r.patterns,
                };
                map.entry(name).or_default().push(sub);
            });
        }
        update_counts(conn);
        confirm(conn, kind.subscribe_word(), Some(name));
    }
}

fn remove(kind: Kind, name: &Bytes, client: u64) {
    REGISTRY.with(|r| {
        let mut r = r.borrow_mut();
        let map = match kind {
            Kind::Channel => &mut r.channels,
            Kind::Pattern => &mut r.patterns,
        };
        if let Some(subs) = map.get_mut(name) {
            subs.retain(|s| s.client.id != client);
            if subs.is_empty() {
                map.remove(name);
            }
        }
    });
}

/// UNSUBSCRIBE / PUNSUBSCRIBE: with names, removes and confirms each; with
/// none, every subscription of that kind, or one confirmation with a null
/// name when there is none.
pub fn unsubscribe(conn: &mut Conn, kind: Kind, names: &[Bytes]) {
    conn.drain_outbox();
    let word = kind.unsubscribe_word();
    if names.is_empty() {
        let all: Vec<Bytes> = set_of(conn, kind).drain().collect();
        if all.is_empty() {
            confirm(conn, word, None);
            return;
        }
        let remaining = all.len();
        for (i, name) in all.iter().enumerate() {
            remove(kind, name, conn.client.id);
            update_counts(conn);
            // The count goes down one confirmation at a time.
            let count = (conn.channels.len() + conn.patterns.len() + remaining - 1 - i) as i64;
            conn.out.push(3);
            conn.out.bulk(word);
            conn.out.bulk(name);
            conn.out.int(count);
        }
        return;
    }
    for name in names {
        if let Some(owned) = set_of(conn, kind).take(&name[..]) {
            remove(kind, &owned, conn.client.id);
        }
        update_counts(conn);
        confirm(conn, word, Some(name));
    }
}

/// Drops every subscription of a connection (disconnect, RESET).
pub fn unsubscribe_all(conn: &mut Conn) {
    let id = conn.client.id;
    for name in conn.channels.drain() {
        remove(Kind::Channel, &name, id);
    }
    for name in conn.patterns.drain() {
        remove(Kind::Pattern, &name, id);
    }
    update_counts(conn);
}

/// Releases a closing connection's subscriptions.
pub fn on_disconnect(conn: &mut Conn) {
    unsubscribe_all(conn);
}

/// An encoded message for each protocol version, built on first use.
struct Encoded<'a> {
    pattern: Option<&'a [u8]>,
    channel: &'a [u8],
    message: &'a [u8],
    bufs: [Option<Vec<u8>>; 2],
}

impl Encoded<'_> {
    fn get(&mut self, resp3: bool) -> &[u8] {
        let (pattern, channel, message) = (self.pattern, self.channel, self.message);
        self.bufs[usize::from(resp3)].get_or_insert_with(|| {
            let mut out = ReplyBuf::new(resp3);
            match pattern {
                Some(p) => {
                    out.push(4);
                    out.bulk(b"pmessage");
                    out.bulk(p);
                }
                None => {
                    out.push(3);
                    out.bulk(b"message");
                }
            }
            out.bulk(channel);
            out.bulk(message);
            out.buf
        })
    }
}

fn send(sub: &Subscriber, enc: &mut Encoded<'_>) {
    if sub.outbox.overflowed() {
        return;
    }
    sub.outbox.push(enc.get(sub.client.resp.get() == 3));
    if sub.outbox.overflowed() {
        tracing::warn!(client = sub.client.id, "pubsub output limit reached, closing the subscriber");
        // Closing the socket also ends a write the client is not reading.
        sub.client.kill();
    }
}

/// Delivers `message` on `channel` to this core's subscribers (channel and
/// matching pattern subscriptions); returns how many deliveries were made.
pub fn deliver(channel: &[u8], message: &[u8]) -> usize {
    REGISTRY.with(|r| {
        let r = r.borrow();
        let mut n = 0;
        if let Some(subs) = r.channels.get(channel) {
            let mut enc = Encoded { pattern: None, channel, message, bufs: [None, None] };
            for s in subs {
                send(s, &mut enc);
            }
            n += subs.len();
        }
        for (pattern, subs) in &r.patterns {
            if glob::matches(pattern, channel) {
                let mut enc = Encoded { pattern: Some(pattern), channel, message, bufs: [None, None] };
                for s in subs {
                    send(s, &mut enc);
                }
                n += subs.len();
            }
        }
        n
    })
}

/// Channels with at least one subscriber on this core, matching `pattern`
/// if given.
pub fn channels(pattern: Option<&[u8]>) -> Vec<Bytes> {
    REGISTRY
        .with(|r| r.borrow().channels.keys().filter(|c| pattern.is_none_or(|p| glob::matches(p, c))).cloned().collect())
}

/// Subscribers of each channel on this core.
pub fn numsub(channels: &[Bytes]) -> Vec<usize> {
    REGISTRY.with(|r| {
        let r = r.borrow();
        channels.iter().map(|c| r.channels.get(c).map_or(0, Vec::len)).collect()
    })
}

/// Patterns with at least one subscriber on this core.
pub fn patterns() -> Vec<Bytes> {
    REGISTRY.with(|r| r.borrow().patterns.keys().cloned().collect())
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::time::Instant;

    use super::*;
    use crate::server::PortKind;

    fn client(id: u64, resp: u8) -> Rc<ClientEntry> {
        let addr = "127.0.0.1:1".parse().unwrap();
        Rc::new(ClientEntry {
            id,
            addr,
            laddr: addr,
            fd: -1,
            port: PortKind::Main,
            created: Instant::now(),
            last_active: Cell::new(Instant::now()),
            name: RefCell::new(None),
            lib_name: RefCell::new(None),
            lib_ver: RefCell::new(None),
            db: Cell::new(0),
            last_cmd: Cell::new("NULL"),
            resp: Cell::new(resp),
            sub: Cell::new(0),
            psub: Cell::new(0),
            multi: Cell::new(-1),
            qbuf: Cell::new(0),
            obuf: Cell::new(0),
            blocked: Cell::new(false),
            killed: Cell::new(false),
        })
    }

    fn add(kind: Kind, name: &str, client: &Rc<ClientEntry>, outbox: &Rc<Outbox>) {
        REGISTRY.with(|r| {
            let mut r = r.borrow_mut();
            let map = if kind == Kind::Channel { &mut r.channels } else { &mut r.patterns };
            let sub = Subscriber { client: client.clone(), outbox: outbox.clone() };
            map.entry(Bytes::copy_from_slice(name.as_bytes())).or_default().push(sub);
        });
    }

    fn take(outbox: &Outbox) -> Vec<u8> {
        let mut v = Vec::new();
        outbox.drain_into(&mut v);
        v
    }

    #[test]
    fn messages_are_encoded_per_protocol_and_counted_per_delivery() {
        let (c2, c3) = (client(1, 2), client(2, 3));
        let (o2, o3) = (Rc::new(Outbox::new(1 << 20)), Rc::new(Outbox::new(1 << 20)));
        add(Kind::Channel, "ch", &c2, &o2);
        add(Kind::Channel, "ch", &c3, &o3);
        add(Kind::Pattern, "c?", &c3, &o3);
        add(Kind::Pattern, "x*", &c3, &o3);
        assert_eq!(deliver(b"ch", b"hi"), 3);
        assert_eq!(take(&o2), b"*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n");
        assert_eq!(
            take(&o3),
            &b">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n>4\r\n$8\r\npmessage\r\n$2\r\nc?\r\n$2\r\nch\r\n$2\r\nhi\r\n"[..]
        );
        assert_eq!(deliver(b"xy", b""), 1);
        assert_eq!(take(&o3), b">4\r\n$8\r\npmessage\r\n$2\r\nx*\r\n$2\r\nxy\r\n$0\r\n\r\n");
        assert_eq!(deliver(b"none", b"m"), 0);
        let mut names = channels(None);
        names.sort();
        assert_eq!(names, vec![Bytes::from_static(b"ch")]);
        assert_eq!(numsub(&[Bytes::from_static(b"ch"), Bytes::from_static(b"c?")]), vec![2, 0]);
        assert_eq!(patterns().len(), 2);
        remove(Kind::Channel, &Bytes::from_static(b"ch"), 1);
        assert_eq!(numsub(&[Bytes::from_static(b"ch")]), vec![1]);
    }

    #[test]
    fn a_subscriber_past_its_limit_is_closed_and_gets_nothing_more() {
        let c = client(7, 2);
        let o = Rc::new(Outbox::new(100));
        add(Kind::Channel, "big", &c, &o);
        assert_eq!(deliver(b"big", &[b'x'; 40]), 1);
        assert!(!o.overflowed());
        assert_eq!(deliver(b"big", &[b'x'; 40]), 1);
        assert!(o.overflowed() && c.killed.get());
        assert_eq!(deliver(b"big", b"small"), 1);
        assert!(take(&o).is_empty(), "nothing is queued for a closing subscriber");
    }
}
