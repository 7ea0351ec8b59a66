//! The route of a request: which shards own its keys, computed once.
//!
//! A multi-key request (MSET, SUNIONSTORE, a blocking pop over several
//! lists) is routed by hashing each of its keys exactly once
//! ([`Router::route`]). The resulting [`Route`] says whether no shard, one
//! shard or several own the keys; for several it keeps the owner of every key
//! ([`Placement`]), so whoever runs the request (a transaction over those
//! shards, [`Txn`](crate::Txn)) groups the keys by shard without hashing
//! them again.
//!
//! ```
//! use coreshard_engine::{Route, Router};
//!
//! let router = Router::new(4)?;
//! let keys: [&[u8]; 3] = [b"{a}1", b"{a}2", b"{b}1"];
//! match router.route(keys) {
//!     Route::Spanning(p) => {
//!         assert_eq!(p.owner(0), p.owner(1));
//!         assert_eq!(p.shards().len(), 2);
//!     }
//!     other => panic!("{other:?}"),
//! }
//! assert_eq!(router.route([&b"{a}1"[..], b"{a}2"]), Route::Single(router.shard_of(b"a")));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::routing::Router;

/// Where the keys of one request live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// The request names no key.
    None,
    /// Every key lives on this shard.
    Single(usize),
    /// The keys live on several shards.
    Spanning(Placement),
}

/// The owning shard of each key of a request that spans shards, in key
/// order, and the distinct shards in ascending order (the order in which a
/// transaction locks them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    owners: Vec<usize>,
    shards: Vec<usize>,
}

impl Placement {
    fn new(owners: Vec<usize>) -> Placement {
        let mut shards = owners.clone();
        shards.sort_unstable();
        shards.dedup();
        Placement { owners, shards }
    }

    /// The shard owning the `i`-th key.
    ///
    /// # Panics
    /// When the request has fewer than `i + 1` keys.
    #[inline]
    pub fn owner(&self, i: usize) -> usize {
        self.owners[i]
    }

    /// The owner of every key, in key order.
    #[inline]
    pub fn owners(&self) -> &[usize] {
        &self.owners
    }

    /// The distinct shards, ascending.
    #[inline]
    pub fn shards(&self) -> &[usize] {
        &self.shards
    }

    /// Number of keys.
    #[inline]
    pub fn len(&self) -> usize {
        self.owners.len()
    }

    /// Whether there are no keys (never true for a spanning route).
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.owners.is_empty()
    }

    /// `items` (one per key, in key order) grouped by the shard owning their
    /// key, in ascending shard order, each with its position in `items`.
    /// Extra items beyond the number of keys are dropped.
    pub fn group<T>(&self, items: impl IntoIterator<Item = T>) -> Vec<(usize, Vec<(usize, T)>)> {
        let mut groups: Vec<(usize, Vec<(usize, T)>)> = self.shards.iter().map(|&s| (s, Vec::new())).collect();
        for (pos, (item, owner)) in items.into_iter().zip(&self.owners).enumerate() {
            // `shards` is sorted and holds every owner.
            if let Ok(g) = self.shards.binary_search(owner) {
                groups[g].1.push((pos, item));
            }
        }
        groups
    }
}

impl Route {
    /// The distinct shards, ascending: none, one, or several.
    pub fn shards(&self) -> &[usize] {
        match self {
            Route::None => &[],
            Route::Single(s) => std::slice::from_ref(s),
            Route::Spanning(p) => p.shards(),
        }
    }

    /// The single owning shard, when the keys do not span shards.
    #[inline]
    pub fn single(&self) -> Option<usize> {
        match self {
            Route::Single(s) => Some(*s),
            _ => None,
        }
    }

    /// The shard owning the `i`-th key (`None` when there is no key).
    #[inline]
    pub fn owner(&self, i: usize) -> Option<usize> {
        match self {
            Route::None => None,
            Route::Single(s) => Some(*s),
            Route::Spanning(p) => p.owners.get(i).copied(),
        }
    }

    /// `items` (one per key, in key order) grouped by owning shard, as
    /// [`Placement::group`].
    pub fn group<T>(&self, items: impl IntoIterator<Item = T>) -> Vec<(usize, Vec<(usize, T)>)> {
        match self {
            Route::None => Vec::new(),
            Route::Single(s) => vec![(*s, items.into_iter().enumerate().collect())],
            Route::Spanning(p) => p.group(items),
        }
    }
}

/// Builds a [`Route`] one key at a time, hashing each key once; allocates
/// only once a second shard appears.
#[derive(Debug)]
pub struct RouteBuilder<'r> {
    router: &'r Router,
    first: Option<usize>,
    count: usize,
    /// The owner of every key so far, once they span shards.
    owners: Vec<usize>,
}

impl<'r> RouteBuilder<'r> {
    /// An empty route over `router`.
    #[inline]
    pub fn new(router: &'r Router) -> RouteBuilder<'r> {
        RouteBuilder { router, first: None, count: 0, owners: Vec::new() }
    }

    /// Adds the request's next key.
    #[inline]
    pub fn key(&mut self, key: &[u8]) {
        let shard = self.router.shard_of(key);
        match self.first {
            None => self.first = Some(shard),
            Some(first) if self.owners.is_empty() && first != shard => {
                self.owners.reserve(self.count + 4);
                self.owners.extend(std::iter::repeat_n(first, self.count));
                self.owners.push(shard);
            }
            Some(_) if !self.owners.is_empty() => self.owners.push(shard),
            Some(_) => {}
        }
        self.count += 1;
    }

    /// The route of the keys added.
    #[inline]
    pub fn finish(self) -> Route {
        match self.first {
            None => Route::None,
            Some(s) if self.owners.is_empty() => Route::Single(s),
            Some(_) => Route::Spanning(Placement::new(self.owners)),
        }
    }
}

impl Router {
    /// The route of a request whose keys are `keys`, in order.
    pub fn route<'k>(&self, keys: impl IntoIterator<Item = &'k [u8]>) -> Route {
        let mut b = RouteBuilder::new(self);
        for k in keys {
            b.key(k);
        }
        b.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys_on(router: &Router, shard: usize, n: usize) -> Vec<Vec<u8>> {
        (0..).map(|i: u32| format!("k{i}").into_bytes()).filter(|k| router.shard_of(k) == shard).take(n).collect()
    }

    #[test]
    fn one_shard_no_keys_and_spanning() {
        let r = Router::new(3).unwrap();
        assert_eq!(r.route(std::iter::empty::<&[u8]>()), Route::None);
        let on1 = keys_on(&r, 1, 3);
        assert_eq!(r.route(on1.iter().map(Vec::as_slice)), Route::Single(1));
        let (a, b, c) = (keys_on(&r, 2, 1), keys_on(&r, 0, 1), keys_on(&r, 2, 2));
        let keys = [&on1[0][..], &on1[1], &a[0], &b[0], &c[1]];
        let Route::Spanning(p) = r.route(keys) else { panic!("spans") };
        assert_eq!(p.owners(), &[1, 1, 2, 0, 2]);
        assert_eq!(p.shards(), &[0, 1, 2]);
        assert_eq!(p.len(), 5);
        let grouped = p.group(["a", "b", "c", "d", "e"]);
        assert_eq!(grouped, vec![(0, vec![(3, "d")]), (1, vec![(0, "a"), (1, "b")]), (2, vec![(2, "c"), (4, "e")])]);
    }

    #[test]
    fn every_key_is_hashed_into_its_owner() {
        let r = Router::new(4).unwrap();
        let keys: Vec<Vec<u8>> = (0..50u32).map(|i| format!("key:{i}").into_bytes()).collect();
        let route = r.route(keys.iter().map(Vec::as_slice));
        for (i, k) in keys.iter().enumerate() {
            assert_eq!(route.owner(i), Some(r.shard_of(k)));
        }
        assert_eq!(route.owner(50), None);
    }

    #[test]
    fn single_route_groups_everything_on_its_shard() {
        let route = Route::Single(3);
        assert_eq!(route.shards(), &[3]);
        assert_eq!(route.group([7, 8]), vec![(3, vec![(0, 7), (1, 8)])]);
        assert!(Route::None.group([1]).is_empty());
        assert!(Route::None.shards().is_empty());
    }
}
