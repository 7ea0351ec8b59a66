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

use std::sync::Arc;

use bytes::Bytes;
use coreshard_engine::{Shard, Txn};
use futures_util::future::join_all;

use crate::cmd::{flags, AsyncFn, CmdResult, Command, ConnFn, KeySpec, LocalFuture, ReplyError, Run, ShardFn, TxnFn};
use crate::conn::{exec_shard, Conn};
use crate::keyevents::{self, WatchFlag};
use crate::resp::ReplyBuf;

/// `EXEC`.
pub const EXEC: Command = Command {
    name: "exec",
    arity: 1,
    flags: flags::NOSCRIPT | flags::LOADING | flags::STALE | flags::TXN_CONTROL,
    keys: KeySpec::None,
    run: Run::Async(run),
    group: "transaction",
    summary: "Executes all commands in a transaction.",
    since: "1.2.0",
};

fn run(conn: &mut Conn, _args: Vec<Bytes>) -> LocalFuture<'_> {
    Box::pin(exec(conn))
}

/// How one queued command runs.
enum Step {
    /// On the shard owning all its keys.
    Shard { f: ShardFn, owner: usize },
    /// Keys on several shards: the cross-shard form.
    Spanning(TxnFn),
    /// On the connection, synchronously.
    Conn(ConnFn),
    /// On the connection, awaiting (with the joined context).
    Async(AsyncFn),
    /// Refused before running (CROSSSLOT).
    Error(ReplyError),
}

/// What EXEC will do: each command's step and the shards to hold.
struct Plan {
    steps: Vec<(Step, Vec<Bytes>)>,
    /// Sorted, deduplicated.
    shards: Vec<usize>,
    /// Only `Step::Shard` and `Step::Error`: one job per shard suffices.
    simple: bool,
}

fn plan(conn: &Conn, queued: Vec<(&'static Command, Vec<Bytes>)>) -> Plan {
    let local = conn.ctx.id();
    let router = conn.ctx.router();
    let mut shards: Vec<usize> = Vec::new();
    let mut all = false;
    let mut simple = true;
    let mut steps = Vec::with_capacity(queued.len());
    for (cmd, args) in queued {
        all |= cmd.has(flags::ALL_SHARDS);
        let mut owner = None;
        let mut spans = false;
        cmd.keys.for_each(&args, |i| {
            let s = router.shard_of(&args[i]);
            match owner {
                None => owner = Some(s),
                Some(o) if o != s => spans = true,
                Some(_) => {}
            }
        });
        let step = match cmd.run {
            Run::Shard(_) if spans => {
                Step::Error(ReplyError::text("CROSSSLOT Keys in request don't hash to the same slot"))
            }
            Run::Keyed { spanning, .. } if spans => {
                cmd.keys.for_each(&args, |i| shards.push(router.shard_of(&args[i])));
                Step::Spanning(spanning)
            }
            Run::Shard(f) | Run::Keyed { shard: f, .. } => Step::Shard { f, owner: owner.unwrap_or(local) },
            Run::Conn(f) => Step::Conn(f),
            Run::Async(f) => {
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
    for (_, key) in &conn.watched {
        shards.push(router.shard_of(key));
    }
    if all {
        shards = (0..conn.ctx.shards()).collect();
    }
    shards.sort_unstable();
    shards.dedup();
    Plan { steps, shards, simple }
}

async fn exec(conn: &mut Conn) -> CmdResult {
    let Some(multi) = conn.multi.take() else {
        return Err(ReplyError::text("ERR EXEC without MULTI"));
    };
    conn.client.multi.set(-1);
    if multi.aborted {
        super::unwatch_all(conn).await;
        return Err(ReplyError::text("EXECABORT Transaction discarded because of previous errors."));
    }
    if conn.watch_flag.is_set() {
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
fn check_watched(s: &mut Shard, keys: &[(u8, Bytes)], flag: &Arc<WatchFlag>) {
    for (db, key) in keys {
        s.kind_of(*db, key);
        keyevents::unwatch(*db, key, flag);
    }
}

/// Every command on one shard (or none): one job checks the watches and
/// runs them all.
async fn exec_one_job(conn: &mut Conn, plan: Plan) -> CmdResult {
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
    let resp3 = conn.out.resp3;
    let watched = std::mem::take(&mut conn.watched);
    let watching = !watched.is_empty();
    let flag = conn.watch_flag.clone();
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
    let job = move |s: &mut Shard| {
        check_watched(s, &watched, &flag);
        if flag.is_set() {
            return None;
        }
        let mut out = ReplyBuf::new(resp3);
        out.array(steps.len());
        for (f, args) in &steps {
            match f {
                Ok(f) => exec_shard(*f, s, db, args, &mut out),
                Err(e) => out.error(&e.0),
            }
        }
        Some(out.buf)
    };
    let result = conn.ctx.call(shard, job).await;
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
async fn exec_locked(conn: &mut Conn, plan: Plan) -> CmdResult {
    let txn = conn.ctx.lock(plan.shards.iter().copied()).await?;
    if !conn.watched.is_empty() {
        let flag = conn.watch_flag.clone();
        let checks = super::watched_by_shard(conn).into_iter().map(|(shard, keys)| {
            let flag = flag.clone();
            txn.run(shard, move |s| check_watched(s, &keys, &flag))
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
    conn.in_exec = true;
    conn.out.array(plan.steps.len());
    let mut steps = plan.steps.into_iter().peekable();
    while let Some((step, args)) = steps.next() {
        let mark = conn.out.len();
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
            Step::Spanning(f) => f(&txn, conn.db, &args, &mut conn.out).await,
            Step::Conn(f) => f(conn, &args),
            Step::Async(f) => f(conn, args).await,
            Step::Error(e) => Err(e),
        };
        if let Err(e) = result {
            conn.out.buf.truncate(mark);
            conn.out.error(&e.0);
        }
    }
    conn.in_exec = false;
    conn.ctx = saved;
    txn.release().await;
    Ok(())
}

/// Commands for one shard, with their arguments.
type ShardJob = Vec<(ShardFn, Vec<Bytes>)>;

/// Runs consecutive single-shard commands: one job per shard, the shards in
/// parallel; replies spliced back in command order.
async fn run_batch(conn: &mut Conn, txn: &Txn, run: Vec<(ShardFn, usize, Vec<Bytes>)>) {
    let db = conn.db;
    let resp3 = conn.out.resp3;
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
        txn.run(shard, move |s| {
            let mut out = ReplyBuf::new(resp3);
            let mut ends = Vec::with_capacity(cmds.len());
            for (f, args) in &cmds {
                exec_shard(*f, s, db, args, &mut out);
                ends.push(out.len());
            }
            (out.buf, ends)
        })
    });
    let results = join_all(calls).await;
    for (j, i) in slots {
        match &results[j] {
            Ok((buf, ends)) => {
                let start = if i == 0 { 0 } else { ends[i - 1] };
                conn.out.raw(&buf[start..ends[i]]);
            }
            Err(e) => conn.out.error(&ReplyError::from(e.clone()).0),
        }
    }
}
