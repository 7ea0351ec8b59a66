//! EXEC: runs the queued commands atomically, isolated from every other
//! client, wherever their keys live.
//!
//! The shards involved are those owning the queued commands' keys and the
//! watched keys. Then:
//!
//! - **One shard, only single-shard commands**: one job on that shard (inline
//!   when it is the connection's own) checks the watched keys, then runs
//!   every command. A job runs alone on its shard, so it is atomic; nothing
//!   is locked.
//! - **Otherwise**: the shards are locked in ascending order
//!   (`ShardCtx::lock`); the watched keys are checked under the locks; then
//!   each command runs in order: single-shard commands batched per shard
//!   (one hop per shard for a run of consecutive commands, the shards in
//!   parallel), multi-key commands through their cross-shard form on the
//!   same transaction, connection commands (PING, SELECT, ...) on the
//!   connection.
//!
//!   Commands that run on the connection and may visit shards themselves
//!   (`Run::Async`: PUBLISH, FLUSHALL, DBSIZE, KEYS, ...) and commands flagged
//!   `ALL_SHARDS` make EXEC lock every shard. They run with the connection's
//!   context joined to the transaction (`Txn::joined_ctx`), so their own
//!   `ctx.call`s reach the locked shards inside it: such a command needs no
//!   transaction-specific code and still runs atomically with the rest.
//!   Blocking commands see `conn.in_exec` and act as their non-blocking
//!   forms, as in Redis.
//!
//! Watched keys are "touched" on their shard before the flag is read, so a
//! key whose TTL ran out since WATCH is removed then and counts as modified
//! (Redis 7). The flag is read while the shards are held (inside the job, or
//! after the locks are granted), so no write can land between the check and
//! the commands.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use coreshard_engine::{Route, Shard, Txn};
use futures_util::future::join_all;
use futures_util::FutureExt;

use super::TRANSACTION;
use crate::cmd::{AsyncFn, ConnFn, Plan, ShardFn, TxnFn};
use crate::commands::prelude::*;
use crate::conn::{panicked, report_panic, run_shard_command};
use crate::core_state::{on_core, CoreState};
use crate::keyevents::WatchFlag;

/// `EXEC`.
pub const EXEC: Command = TRANSACTION
    .command("exec", 1, Run::Async(run))
    .flags(Flags::NOSCRIPT.union(Flags::LOADING).union(Flags::STALE))
    .internal(Internal::TXN_CONTROL)
    .doc("1.2.0", "Executes all commands in a transaction.");

fn run(conn: &mut Conn, _args: Vec<Bytes>) -> LocalFuture<'_> {
    Box::pin(exec(conn))
}

/// How one queued command runs.
enum Step {
    /// On the shard owning all its keys.
    Shard { f: ShardFn, owner: usize },
    /// Keys on several shards: the cross-shard form, with their route.
    Spanning(TxnFn, Route),
    /// On the connection, synchronously.
    Conn(ConnFn),
    /// On the connection, awaiting (with the joined context).
    Async(AsyncFn),
    /// Refused before running (CROSSSLOT).
    Error(ReplyError),
}

/// What EXEC will do: each command's step and the shards to hold.
struct ExecPlan {
    steps: Vec<(Step, Vec<Bytes>)>,
    /// Sorted, deduplicated.
    shards: Vec<usize>,
    /// Only `Step::Shard` and `Step::Error`: one job per shard suffices.
    simple: bool,
}

fn plan(conn: &Conn, queued: Vec<(&'static Command, Vec<Bytes>)>) -> ExecPlan {
    let local = conn.ctx.id();
    let router = conn.ctx.router();
    let mut shards: Vec<usize> = Vec::new();
    let mut all = false;
    let mut simple = true;
    let mut steps = Vec::with_capacity(queued.len());
    for (cmd, args) in queued {
        all |= cmd.internal.contains(Internal::ALL_SHARDS);
        let route = cmd.route(&args, router);
        let step = match cmd.plan(&route) {
            Err(e) => Step::Error(e),
            Ok(Plan::Spanning(f)) => {
                shards.extend_from_slice(route.shards());
                Step::Spanning(f, route)
            }
            Ok(Plan::Shard(f, owner)) => Step::Shard { f, owner: owner.unwrap_or(local) },
            Ok(Plan::Conn(f)) => Step::Conn(f),
            Ok(Plan::Async(f)) => {
                all = true;
                Step::Async(f)
            }
        };
        match &step {
            Step::Shard { owner, .. } => shards.push(*owner),
            Step::Error(_) => {}
            _ => simple = false,
        }
        steps.push((step, args));
    }
    shards.extend_from_slice(router.route(conn.tx.watched.iter().map(|(_, k)| &k[..])).shards());
    if all {
        shards = (0..conn.ctx.shards()).collect();
    }
    shards.sort_unstable();
    shards.dedup();
    ExecPlan { steps, shards, simple }
}

async fn exec(conn: &mut Conn) -> CmdResult {
    let Some(multi) = conn.tx.multi.take() else {
        return Err(ReplyError::text("ERR EXEC without MULTI"));
    };
    conn.client.multi.set(-1);
    if multi.aborted {
        super::unwatch_all(conn).await;
        return Err(ReplyError::text("EXECABORT Transaction discarded because of previous errors."));
    }
    if conn.tx.watch_flag.is_set() {
        // Doomed already: nothing to check under locks.
        super::unwatch_all(conn).await;
        conn.out.null_array();
        return Ok(());
    }
    let plan = plan(conn, multi.queued);
    if plan.simple && plan.shards.len() <= 1 {
        return exec_one_job(conn, plan).await;
    }
    exec_locked(conn, plan).await
}

/// Touches each watched key on this shard (a key whose TTL passed is removed
/// now, which sets the flag) and unregisters it.
fn check_watched(core: &CoreState, s: &mut Shard, keys: &[(u8, Bytes)], flag: &Arc<WatchFlag>) {
    for (db, key) in keys {
        s.kind_of(*db, key);
        core.keys.unwatch(*db, key, flag);
    }
}

/// Every command on one shard (or none): one job checks the watches and
/// runs them all.
async fn exec_one_job(conn: &mut Conn, plan: ExecPlan) -> CmdResult {
    let n = plan.steps.len();
    let Some(&shard) = plan.shards.first() else {
        // No key anywhere, nothing watched: only refused commands, or none.
        conn.out.array(n);
        for (step, _) in &plan.steps {
            if let Step::Error(e) = step {
                conn.out.error(&e.0);
            }
        }
        return Ok(());
    };
    let db = conn.db;
    let resp3 = conn.out.resp3();
    let watched = std::mem::take(&mut conn.tx.watched);
    let watching = !watched.is_empty();
    let flag = conn.tx.watch_flag.clone();
    let steps: Vec<(Result<ShardFn, ReplyError>, Vec<Bytes>)> = plan
        .steps
        .into_iter()
        .map(|(step, args)| match step {
            Step::Shard { f, .. } => (Ok(f), args),
            Step::Error(e) => (Err(e), args),
            // A `simple` plan holds nothing else.
            _ => (Err(ReplyError::text("ERR EXEC cannot run this command in a single-shard job")), args),
        })
        .collect();
    let job = move |core: &CoreState, s: &mut Shard| {
        check_watched(core, s, &watched, &flag);
        if flag.is_set() {
            return None;
        }
        let mut out = ReplyBuf::new(resp3);
        out.array(steps.len());
        for (f, args) in &steps {
            match f {
                Ok(f) => run_shard_command(core, *f, s, db, args, &mut out),
                Err(e) => out.error(&e.0),
            }
        }
        Some(out.into_bytes())
    };
    let result = on_core(&conn.ctx, shard, job).await;
    if watching {
        super::forget_watches(conn);
    }
    match result? {
        Some(bytes) => conn.out.raw(&bytes),
        None => conn.out.null_array(),
    }
    Ok(())
}

/// Locks the plan's shards, checks the watches, runs each command in order.
async fn exec_locked(conn: &mut Conn, plan: ExecPlan) -> CmdResult {
    let txn = conn.ctx.lock(plan.shards.iter().copied()).await?;
    if !conn.tx.watched.is_empty() {
        let flag = conn.tx.watch_flag.clone();
        let checks = super::watched_by_shard(conn).into_iter().map(|(shard, keys)| {
            let flag = flag.clone();
            txn.run_local(shard, move |s, local| {
                if let Some(core) = CoreState::of(local) {
                    check_watched(core, s, &keys, &flag);
                }
            })
        });
        let checked = join_all(checks).await;
        super::forget_watches(conn);
        for r in checked {
            r?;
        }
        if flag.is_set() {
            txn.release().await;
            conn.out.null_array();
            return Ok(());
        }
    }
    let saved = std::mem::replace(&mut conn.ctx, txn.joined_ctx());
    conn.tx.in_exec = true;
    conn.out.array(plan.steps.len());
    let mut steps = plan.steps.into_iter().peekable();
    while let Some((step, args)) = steps.next() {
        let mark = conn.out.mark();
        let result = match step {
            Step::Shard { f, owner } => {
                // This command and the single-shard ones right after it go
                // out as one batch per shard.
                let mut run = vec![(f, owner, args)];
                while let Some((Step::Shard { f, owner }, _)) = steps.peek() {
                    let (f, owner) = (*f, *owner);
                    if let Some((_, args)) = steps.next() {
                        run.push((f, owner, args));
                    }
                }
                run_batch(conn, &txn, run).await;
                Ok(())
            }
            Step::Spanning(f, route) => {
                let result = conn.run_txn_fn(f, &txn, &route, &args).await;
                caught(conn, &args, result)
            }
            Step::Conn(f) => {
                let result = catch_unwind(AssertUnwindSafe(|| f(conn, &args)));
                caught(conn, &args, result)
            }
            Step::Async(f) => {
                let name = args.first().cloned().unwrap_or_default();
                let result = AssertUnwindSafe(f(conn, args)).catch_unwind().await;
                caught(conn, &[name], result)
            }
            Step::Error(e) => Err(e),
        };
        if let Err(e) = result {
            conn.out.rollback(mark);
            conn.out.error(&e.0);
        }
    }
    conn.tx.in_exec = false;
    conn.ctx = saved;
    txn.release().await;
    Ok(())
}

/// A queued command's outcome, with a panic (a bug) reported and answered
/// as on every other path.
fn caught(conn: &Conn, args: &[Bytes], result: std::thread::Result<CmdResult>) -> CmdResult {
    result.unwrap_or_else(|payload| {
        let name = String::from_utf8_lossy(args.first().map_or(&b""[..], |a| &a[..])).to_ascii_lowercase();
        report_panic(&conn.core, &name, payload.as_ref());
        Err(panicked(&name))
    })
}

/// Commands for one shard, with their arguments.
type ShardJob = Vec<(ShardFn, Vec<Bytes>)>;

/// Runs consecutive single-shard commands: one job per shard, the shards in
/// parallel; replies spliced back in command order.
async fn run_batch(conn: &mut Conn, txn: &Txn, run: Vec<(ShardFn, usize, Vec<Bytes>)>) {
    let db = conn.db;
    let resp3 = conn.out.resp3();
    // For each command, its job and its index in that job.
    let mut slots = Vec::with_capacity(run.len());
    let mut jobs: Vec<(usize, ShardJob)> = Vec::new();
    for (f, owner, args) in run {
        let j = match jobs.iter().position(|(s, _)| *s == owner) {
            Some(j) => j,
            None => {
                jobs.push((owner, Vec::new()));
                jobs.len() - 1
            }
        };
        slots.push((j, jobs[j].1.len()));
        jobs[j].1.push((f, args));
    }
    let calls = jobs.into_iter().map(|(shard, cmds)| {
        txn.run_local(shard, move |s, local| {
            let core = CoreState::of(local)?;
            let mut out = ReplyBuf::new(resp3);
            let mut ends = Vec::with_capacity(cmds.len());
            for (f, args) in &cmds {
                run_shard_command(core, *f, s, db, args, &mut out);
                ends.push(out.len());
            }
            Some((out.into_bytes(), ends))
        })
    });
    let results = join_all(calls).await;
    for (j, i) in slots {
        match &results[j] {
            Ok(Some((buf, ends))) => {
                let start = if i == 0 { 0 } else { ends[i - 1] };
                conn.out.raw(&buf[start..ends[i]]);
            }
            Ok(None) => conn.out.error("ERR shard state is not available"),
            Err(e) => conn.out.error(&ReplyError::from(e.clone()).0),
        }
    }
}
