//! The client side of blocking pops: try or register atomically, wait, and
//! reply or give back (steps 1 and 5 of the design in the module above).

use std::cell::{Cell, RefCell};
use std::future::{poll_fn, Future};
use std::pin::{pin, Pin};
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Poll, Waker};
use std::time::Instant;

use bytes::Bytes;
use coreshard_engine::Route;
use futures_util::future::join_all;

use super::serve::{register, restore, serve_key, unregister, Claim, Waiter};
use super::{Delivery, Op, Request, Shape};
use crate::cmd::{CmdResult, ReplyError};
use crate::commands::list::mpop_reply;
use crate::commands::zset;
use crate::conn::Conn;
use crate::core_state::{on_core, CoreState};

static NEXT_WAITER: AtomicU64 = AtomicU64::new(1);

/// What the atomic try-or-register step found.
enum Attempt {
    /// Served at once.
    Done(Delivery),
    /// Empty, and not registered (the deadline passed).
    Empty,
    /// Registered on these shards.
    Registered(Vec<usize>),
}

/// How waiting ended.
enum Outcome {
    Delivered(Delivery),
    TimedOut,
    /// The client disconnected; what a shard sent it meanwhile, if anything.
    Gone(Option<Delivery>),
}

/// The request's keys (positions in `req.keys`) grouped by owning shard,
/// from the route of the command's keys. A move registers on its source's
/// shard only.
fn key_groups(req: &Request, route: &Route) -> Vec<(usize, Vec<usize>)> {
    let groups = match req.op {
        Op::Pop(_) => route.group(0..req.keys.len()),
        Op::Move { .. } => route.group([0]),
    };
    groups
        .into_iter()
        .filter(|(_, g)| !g.is_empty())
        .map(|(s, g)| (s, g.into_iter().map(|(_, i)| i).collect()))
        .collect()
}

/// Runs a blocking command whose keys have route `route`: pops at once when
/// it can, else blocks until a push serves it, the timeout passes, or the
/// client disconnects.
pub async fn block(conn: &mut Conn, route: Route, req: Request) -> CmdResult {
    let deadline = req.timeout.map(|t| Instant::now() + t);
    let groups = key_groups(&req, &route);
    let mut front = false;
    loop {
        let can_wait = deadline.is_none_or(|d| Instant::now() < d);
        let (tx, rx) = oneshot::channel();
        let waiter = Waiter {
            id: NEXT_WAITER.fetch_add(1, Ordering::Relaxed),
            claim: Arc::new(Claim::new(tx)),
            op: Arc::new(req.op.clone()),
        };
        let shards = match attempt(conn, &route, &req, &groups, &waiter, can_wait, front).await? {
            Attempt::Done(d) => return reply(conn, req.shape, d),
            Attempt::Empty => {
                conn.out.null_array();
                return Ok(());
            }
            Attempt::Registered(shards) => shards,
        };
        conn.client.blocked.set(true);
        let outcome = wait(conn, rx, &waiter.claim, deadline).await;
        conn.client.blocked.set(false);
        let unregs = shards.iter().map(|&s| {
            let keys: Vec<Bytes> = groups
                .iter()
                .filter(|(g, _)| *g == s)
                .flat_map(|(_, pos)| pos.iter().map(|&i| req.keys[i].clone()))
                .collect();
            let (db, id) = (req.db, waiter.id);
            on_core(&conn.ctx, s, move |core, _| unregister(core, db, &keys, id))
        });
        join_all(unregs).await;
        match outcome {
            Outcome::Delivered(Delivery::Wake) => front = true,
            Outcome::Delivered(d) => return reply(conn, req.shape, d),
            Outcome::TimedOut => {
                conn.out.null_array();
                return Ok(());
            }
            Outcome::Gone(d) => {
                if let Some(d) = d {
                    give_back(conn, &route, &req, d).await;
                }
                return Ok(());
            }
        }
    }
}

/// Pops or moves at once if possible, else registers the waiter on every
/// key's shard, atomically.
async fn attempt(
    conn: &Conn,
    route: &Route,
    req: &Request,
    groups: &[(usize, Vec<usize>)],
    waiter: &Waiter,
    can_wait: bool,
    front: bool,
) -> Result<Attempt, ReplyError> {
    let db = req.db;
    match &req.op {
        Op::Pop(pop) => {
            let pop = *pop;
            if let [(shard, _)] = groups {
                let shard = *shard;
                let keys = req.keys.clone();
                let w = waiter.clone();
                return on_core(&conn.ctx, shard, move |core, s| {
                    if let Some(d) = pop.first_local(s, db, &keys)? {
                        return Ok(Attempt::Done(d));
                    }
                    if !can_wait {
                        return Ok(Attempt::Empty);
                    }
                    register(core, db, &keys, &w, front);
                    Ok(Attempt::Registered(vec![shard]))
                })
                .await?;
            }
            let txn = conn.ctx.lock(route.shards().iter().copied()).await?;
            let found = pop.first_spanning(&txn, route, db, &req.keys).await;
            let result = match found {
                Err(e) => Err(e),
                Ok(Some(d)) => Ok(Attempt::Done(d)),
                Ok(None) if !can_wait => Ok(Attempt::Empty),
                Ok(None) => {
                    let regs = groups.iter().map(|(s, pos)| {
                        let keys: Vec<Bytes> = pos.iter().map(|&i| req.keys[i].clone()).collect();
                        let w = waiter.clone();
                        txn.run_local(*s, move |_, local| {
                            CoreState::of(local).map(|core| register(core, db, &keys, &w, front)).is_some()
                        })
                    });
                    match join_all(regs).await.into_iter().collect::<Result<Vec<bool>, _>>() {
                        Ok(done) if done.iter().all(|d| *d) => {
                            Ok(Attempt::Registered(groups.iter().map(|(s, _)| *s).collect()))
                        }
                        Ok(_) => Err(ReplyError::text("ERR shard state is not available")),
                        Err(e) => Err(e.into()),
                    }
                }
            };
            txn.release().await;
            result
        }
        Op::Move { dst, from, to, local } => {
            let (from, to) = (*from, *to);
            let src = req.keys.first().cloned().unwrap_or_default();
            let s_src = groups.first().map_or(conn.ctx.id(), |(s, _)| *s);
            if *local {
                let dst = dst.clone();
                let w = waiter.clone();
                return on_core(&conn.ctx, s_src, move |core, s| {
                    if let Some(v) = s.lmove(db, &src, &dst, from, to)? {
                        return Ok(Attempt::Done(Delivery::Moved(v)));
                    }
                    if !can_wait {
                        return Ok(Attempt::Empty);
                    }
                    register(core, db, std::slice::from_ref(&src), &w, front);
                    Ok(Attempt::Registered(vec![s_src]))
                })
                .await?;
            }
            let txn = conn.ctx.lock(route.shards().iter().copied()).await?;
            let result = match txn.lmove(db, Some(route), src.clone(), dst.clone(), from, to).await {
                Err(e) => Err(e.into()),
                Ok(Some(v)) => Ok(Attempt::Done(Delivery::Moved(v))),
                Ok(None) if !can_wait => Ok(Attempt::Empty),
                Ok(None) => {
                    let w = waiter.clone();
                    let registered = txn
                        .run_local(s_src, move |_, local| {
                            CoreState::of(local).map(|core| register(core, db, std::slice::from_ref(&src), &w, front))
                        })
                        .await;
                    match registered {
                        Ok(Some(())) => Ok(Attempt::Registered(vec![s_src])),
                        Ok(None) => Err(ReplyError::text("ERR shard state is not available")),
                        Err(e) => Err(e.into()),
                    }
                }
            };
            txn.release().await;
            result
        }
    }
}

/// Why waiting stopped before a delivery.
enum Interrupt {
    Deadline,
    /// CLIENT UNBLOCK; `true` for its ERROR form.
    Unblocked(bool),
}

/// Waits for a delivery, the deadline, CLIENT UNBLOCK, or the client's
/// disconnect.
async fn wait(
    conn: &mut Conn,
    mut rx: oneshot::Receiver<Delivery>,
    claim: &Claim,
    deadline: Option<Instant>,
) -> Outcome {
    let sleep = async move {
        match deadline {
            Some(d) => monoio::time::sleep(d.saturating_duration_since(Instant::now())).await,
            None => std::future::pending::<()>().await,
        }
    };
    let mut sleep = pin!(sleep);
    let unblock = Rc::new(Unblock::default());
    let id = conn.client.id;
    let core = conn.core.clone();
    core.waiters.unblocks.borrow_mut().insert(id, unblock.clone());
    let first = {
        let rx = &mut rx;
        let unblock = &unblock;
        conn.wait_for(poll_fn(move |cx| {
            if let Poll::Ready(r) = Pin::new(&mut *rx).poll(cx) {
                return Poll::Ready(Ok(r.ok()));
            }
            if let Some(error) = unblock.reason.get() {
                return Poll::Ready(Err(Interrupt::Unblocked(error)));
            }
            *unblock.waker.borrow_mut() = Some(cx.waker().clone());
            if sleep.as_mut().poll(cx).is_ready() {
                return Poll::Ready(Err(Interrupt::Deadline));
            }
            Poll::Pending
        }))
        .await
    };
    core.waiters.unblocks.borrow_mut().remove(&id);
    match first {
        Some(Ok(Some(d))) => Outcome::Delivered(d),
        // The sender went away unused: nothing was taken for us.
        Some(Ok(None)) => Outcome::TimedOut,
        Some(Err(why)) => {
            if claim.take() {
                match why {
                    Interrupt::Deadline | Interrupt::Unblocked(false) => Outcome::TimedOut,
                    Interrupt::Unblocked(true) => Outcome::Delivered(Delivery::Error(ReplyError::text(
                        "UNBLOCKED client unblocked via CLIENT UNBLOCK",
                    ))),
                }
            } else {
                // A shard claimed us just now: its result is on the way.
                match rx.await {
                    Ok(d) => Outcome::Delivered(d),
                    Err(_) => Outcome::TimedOut,
                }
            }
        }
        None => {
            if claim.take() {
                Outcome::Gone(None)
            } else {
                Outcome::Gone(rx.await.ok())
            }
        }
    }
}

/// A CLIENT UNBLOCK request for a client blocked on this core.
#[derive(Default)]
pub(super) struct Unblock {
    reason: Cell<Option<bool>>,
    waker: RefCell<Option<Waker>>,
}

/// CLIENT UNBLOCK: ends the wait of client `id` if it is blocked in a
/// blocking pop on `core` (run it on every core to find the client). It
/// replies as on timeout, or with Redis's `UNBLOCKED` error when `error`; a
/// client that a write has served meanwhile gets its elements instead.
/// Returns whether the client was blocked here.
pub fn unblock_client(core: &CoreState, id: u64, error: bool) -> bool {
    let Some(u) = core.waiters.unblocks.borrow().get(&id).cloned() else { return false };
    if u.reason.get().is_some() {
        return false;
    }
    u.reason.set(Some(error));
    if let Some(w) = u.waker.borrow_mut().take() {
        w.wake();
    }
    true
}

/// Undoes a delivery that reached a client that left: popped elements go
/// back where they came from; a cross-shard move's wake-up goes on to the
/// next waiter.
async fn give_back(conn: &Conn, route: &Route, req: &Request, d: Delivery) {
    let db = req.db;
    match d {
        Delivery::Popped { ref key, .. } | Delivery::ZPopped { ref key, .. } => {
            let Some(i) = req.keys.iter().position(|k| k == key) else { return };
            let Some(shard) = route.owner(i) else { return };
            let _ = on_core(&conn.ctx, shard, move |_, s| restore(s, db, d)).await;
        }
        Delivery::Wake => {
            let (Some(src), Some(shard)) = (req.keys.first().cloned(), route.owner(0)) else { return };
            let _ = on_core(&conn.ctx, shard, move |core, s| serve_key(core, s, db, &src)).await;
        }
        Delivery::Moved(_) | Delivery::Error(_) => {}
    }
}

fn reply(conn: &mut Conn, shape: Shape, d: Delivery) -> CmdResult {
    match d {
        Delivery::Popped { key, values, .. } => match shape {
            Shape::KeyValues => mpop_reply(&mut conn.out, &key, &values),
            _ => {
                conn.out.array(2);
                conn.out.bulk(&key);
                conn.out.bulk(values.first().map_or(&b""[..], |v| &v[..]));
            }
        },
        Delivery::ZPopped { key, members } => match shape {
            Shape::KeyValues => zset::mpop_reply(&mut conn.out, Some((&key, &members))),
            _ => zset::key_member_score(&mut conn.out, Some((&key, &members))),
        },
        Delivery::Moved(v) => conn.out.bulk(&v),
        Delivery::Error(e) => return Err(e),
        Delivery::Wake => conn.out.null_array(),
    }
    Ok(())
}
