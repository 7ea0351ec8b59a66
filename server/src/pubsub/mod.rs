//! Pub/Sub subscriptions of this core's connections.
//!
//! Each core keeps a [`Registry`] (in its
//! [`CoreState`](crate::core_state::CoreState)) of the channels and patterns
//! its own connections subscribe to, with each subscriber's [`Outbox`]. Subscribing
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

use crate::client::ClientEntry;
use crate::conn::Conn;
use crate::resp::ReplyBuf;

mod outbox;

pub use outbox::Outbox;

/// A connection's subscriptions, and the queue its deliveries wait in.
pub struct Subscriptions {
    /// Subscribed channels.
    pub channels: HashSet<Bytes>,
    /// Subscribed patterns.
    pub patterns: HashSet<Bytes>,
    /// Deliveries not yet moved into the connection's replies.
    pub outbox: Rc<Outbox>,
}

impl Subscriptions {
    /// No subscription; at most `limit` bytes of deliveries may wait.
    pub fn new(limit: usize) -> Subscriptions {
        Subscriptions { channels: HashSet::new(), patterns: HashSet::new(), outbox: Rc::new(Outbox::new(limit)) }
    }

    /// Whether the connection subscribes to anything (RESP2's subscribed
    /// mode).
    pub fn any(&self) -> bool {
        !self.channels.is_empty() || !self.patterns.is_empty()
    }

    /// Channels and patterns together.
    fn count(&self) -> usize {
        self.channels.len() + self.patterns.len()
    }

    fn set_of(&mut self, kind: Kind) -> &mut HashSet<Bytes> {
        match kind {
            Kind::Channel => &mut self.channels,
            Kind::Pattern => &mut self.patterns,
        }
    }
}

/// One subscribed connection.
struct Subscriber {
    client: Rc<ClientEntry>,
    outbox: Rc<Outbox>,
}

#[derive(Default)]
struct Maps {
    channels: HashMap<Bytes, Vec<Subscriber>, ahash::RandomState>,
    patterns: HashMap<Bytes, Vec<Subscriber>, ahash::RandomState>,
}

impl Maps {
    fn of(&mut self, kind: Kind) -> &mut HashMap<Bytes, Vec<Subscriber>, ahash::RandomState> {
        match kind {
            Kind::Channel => &mut self.channels,
            Kind::Pattern => &mut self.patterns,
        }
    }
}

/// The subscriptions of one core's connections.
#[derive(Default)]
pub struct Registry {
    maps: RefCell<Maps>,
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

fn update_counts(conn: &Conn) {
    conn.client.sub.set(conn.subs.channels.len());
    conn.client.psub.set(conn.subs.patterns.len());
}

fn confirm(out: &mut ReplyBuf, word: &[u8], name: Option<&[u8]>, count: usize) {
    out.push(3);
    out.bulk(word);
    out.bulk_opt(name);
    out.int(count as i64);
}

/// SUBSCRIBE / PSUBSCRIBE: registers each name and confirms each, in order,
/// with the connection's subscription count after it (repeats included, as
/// Redis does).
pub fn subscribe(conn: &mut Conn, kind: Kind, names: &[Bytes]) {
    // Deliveries queued before these replies go out first.
    conn.drain_outbox();
    for name in names {
        if !conn.subs.set_of(kind).contains(&name[..]) {
            // Copied: the argument points into the connection's read buffer.
            let name = Bytes::copy_from_slice(name);
            conn.subs.set_of(kind).insert(name.clone());
            let sub = Subscriber { client: conn.client.clone(), outbox: conn.subs.outbox.clone() };
            conn.core.pubsub.maps.borrow_mut().of(kind).entry(name).or_default().push(sub);
        }
        update_counts(conn);
        confirm(&mut conn.out, kind.subscribe_word(), Some(name), conn.subs.count());
    }
}

impl Registry {
    fn remove(&self, kind: Kind, name: &Bytes, client: u64) {
        let mut maps = self.maps.borrow_mut();
        let map = maps.of(kind);
        if let Some(subs) = map.get_mut(name) {
            subs.retain(|s| s.client.id != client);
            if subs.is_empty() {
                map.remove(name);
            }
        }
    }
}

/// UNSUBSCRIBE / PUNSUBSCRIBE: with names, removes and confirms each; with
/// none, every subscription of that kind, or one confirmation with a null
/// name when there is none.
pub fn unsubscribe(conn: &mut Conn, kind: Kind, names: &[Bytes]) {
    conn.drain_outbox();
    let word = kind.unsubscribe_word();
    if names.is_empty() {
        let all: Vec<Bytes> = conn.subs.set_of(kind).drain().collect();
        if all.is_empty() {
            confirm(&mut conn.out, word, None, conn.subs.count());
            return;
        }
        let remaining = all.len();
        for (i, name) in all.iter().enumerate() {
            conn.core.pubsub.remove(kind, name, conn.client.id);
            update_counts(conn);
            // The count goes down one confirmation at a time.
            confirm(&mut conn.out, word, Some(name), conn.subs.count() + remaining - 1 - i);
        }
        return;
    }
    for name in names {
        if let Some(owned) = conn.subs.set_of(kind).take(&name[..]) {
            conn.core.pubsub.remove(kind, &owned, conn.client.id);
        }
        update_counts(conn);
        confirm(&mut conn.out, word, Some(name), conn.subs.count());
    }
}

/// Drops every subscription of a connection (disconnect, RESET).
pub fn unsubscribe_all(conn: &mut Conn) {
    let id = conn.client.id;
    for name in conn.subs.channels.drain() {
        conn.core.pubsub.remove(Kind::Channel, &name, id);
    }
    for name in conn.subs.patterns.drain() {
        conn.core.pubsub.remove(Kind::Pattern, &name, id);
    }
    update_counts(conn);
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
            out.into_bytes()
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

impl Registry {
    /// Delivers `message` on `channel` to this core's subscribers (channel
    /// and matching pattern subscriptions); returns how many deliveries were
    /// made.
    pub fn deliver(&self, channel: &[u8], message: &[u8]) -> usize {
        let r = self.maps.borrow();
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
    }

    /// Channels with at least one subscriber on this core, matching
    /// `pattern` if given.
    pub fn channels(&self, pattern: Option<&[u8]>) -> Vec<Bytes> {
        let r = self.maps.borrow();
        r.channels.keys().filter(|c| pattern.is_none_or(|p| glob::matches(p, c))).cloned().collect()
    }

    /// Subscribers of each channel on this core.
    pub fn numsub(&self, channels: &[Bytes]) -> Vec<usize> {
        let r = self.maps.borrow();
        channels.iter().map(|c| r.channels.get(c).map_or(0, Vec::len)).collect()
    }

    /// Patterns with at least one subscriber on this core.
    pub fn patterns(&self) -> Vec<Bytes> {
        self.maps.borrow().patterns.keys().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::PortKind;

    fn client(id: u64, resp: u8) -> Rc<ClientEntry> {
        let addr = "127.0.0.1:1".parse().unwrap();
        let c = ClientEntry::new(id, addr, addr, -1, PortKind::Main);
        c.resp.set(resp);
        Rc::new(c)
    }

    fn add(r: &Registry, kind: Kind, name: &str, client: &Rc<ClientEntry>, outbox: &Rc<Outbox>) {
        let sub = Subscriber { client: client.clone(), outbox: outbox.clone() };
        r.maps.borrow_mut().of(kind).entry(Bytes::copy_from_slice(name.as_bytes())).or_default().push(sub);
    }

    fn take(outbox: &Outbox) -> Vec<u8> {
        let mut out = ReplyBuf::new(false);
        outbox.drain_into(&mut out);
        out.into_bytes()
    }

    #[test]
    fn messages_are_encoded_per_protocol_and_counted_per_delivery() {
        let r = Registry::default();
        let (c2, c3) = (client(1, 2), client(2, 3));
        let (o2, o3) = (Rc::new(Outbox::new(1 << 20)), Rc::new(Outbox::new(1 << 20)));
        add(&r, Kind::Channel, "ch", &c2, &o2);
        add(&r, Kind::Channel, "ch", &c3, &o3);
        add(&r, Kind::Pattern, "c?", &c3, &o3);
        add(&r, Kind::Pattern, "x*", &c3, &o3);
        assert_eq!(r.deliver(b"ch", b"hi"), 3);
        assert_eq!(take(&o2), b"*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n");
        assert_eq!(
            take(&o3),
            &b">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n>4\r\n$8\r\npmessage\r\n$2\r\nc?\r\n$2\r\nch\r\n$2\r\nhi\r\n"[..]
        );
        assert_eq!(r.deliver(b"xy", b""), 1);
        assert_eq!(take(&o3), b">4\r\n$8\r\npmessage\r\n$2\r\nx*\r\n$2\r\nxy\r\n$0\r\n\r\n");
        assert_eq!(r.deliver(b"none", b"m"), 0);
        let mut names = r.channels(None);
        names.sort();
        assert_eq!(names, vec![Bytes::from_static(b"ch")]);
        assert_eq!(r.numsub(&[Bytes::from_static(b"ch"), Bytes::from_static(b"c?")]), vec![2, 0]);
        assert_eq!(r.patterns().len(), 2);
        r.remove(Kind::Channel, &Bytes::from_static(b"ch"), 1);
        assert_eq!(r.numsub(&[Bytes::from_static(b"ch")]), vec![1]);
    }

    #[test]
    fn a_subscriber_past_its_limit_is_closed_and_gets_nothing_more() {
        let r = Registry::default();
        let c = client(7, 2);
        let o = Rc::new(Outbox::new(100));
        add(&r, Kind::Channel, "big", &c, &o);
        assert_eq!(r.deliver(b"big", &[b'x'; 40]), 1);
        assert!(!o.overflowed());
        assert_eq!(r.deliver(b"big", &[b'x'; 40]), 1);
        assert!(o.overflowed() && c.killed.get());
        assert_eq!(r.deliver(b"big", b"small"), 1);
        assert!(take(&o).is_empty(), "nothing is queued for a closing subscriber");
    }
}
