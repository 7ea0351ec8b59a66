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
