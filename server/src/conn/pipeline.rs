//! Requests of a pipeline that run on other shards: queued per shard while
//! the pipeline is decoded, sent as one hop per shard, and their replies
//! spliced back into the reply buffer in request order.

use std::time::Instant;

use bytes::Bytes;
use futures_util::future::join_all;

use super::dispatch::run_shard_command;
use super::Conn;
use crate::cmd::{ReplyError, ShardFn};
use crate::core_state::{CoreState, Counters};
use crate::resp::{Mark, ReplyBuf};

/// The commands of one pipeline for one other shard.
struct Batch {
    shard: usize,
    resp3: bool,
    cmds: Vec<(ShardFn, u8, Vec<Bytes>)>,
}

/// Where a hopped command's reply goes: at `at` in the reply buffer, the
/// `idx`-th reply of batch `batch`.
struct Hole {
    at: Mark,
    batch: usize,
    idx: usize,
}

/// The part of the current pipeline waiting for other shards.
#[derive(Default)]
pub(super) struct Pipeline {
    batches: Vec<Batch>,
    holes: Vec<Hole>,
}

impl Pipeline {
    /// Whether every reply so far is in the reply buffer.
    pub(super) fn is_complete(&self) -> bool {
        self.holes.is_empty()
    }
}

/// What one shard sends back for a batch: the replies' bytes, where each
/// reply ends, and the commands slow enough for the slow log.
type BatchReply = (Vec<u8>, Vec<usize>, Vec<(u64, Vec<Bytes>)>);

/// Runs a batch on its shard. Commands slow enough for the slow log are
/// timed here where they run: one clock read per command, each command's
/// end being the next one's start.
fn run_batch(core: &CoreState, shard: &mut coreshard_engine::Shard, batch: Batch, slower_than: i64) -> BatchReply {
    Counters::add(&core.counters.hops_in, batch.cmds.len() as u64);
    let mut out = ReplyBuf::new(batch.resp3);
    let mut ends = Vec::with_capacity(batch.cmds.len());
    let mut slow = Vec::new();
    let mut mark = (slower_than >= 0).then(Instant::now);
    for (f, db, args) in batch.cmds {
        run_shard_command(core, f, shard, db, &args, &mut out);
        ends.push(out.len());
        if let Some(start) = mark {
            let now = Instant::now();
            mark = Some(now);
            let micros = now.saturating_duration_since(start).as_micros() as u64;
            if micros >= slower_than as u64 {
                slow.push((micros, args));
            }
        }
    }
    (out.into_bytes(), ends, slow)
}

impl Conn {
    /// Queues a command for `shard`, to go in that shard's batch; its reply
    /// will fill a hole at the current end of the reply buffer.
    pub(super) fn queue_hop(&mut self, shard: usize, f: ShardFn, args: &mut Vec<Bytes>) {
        Counters::bump(&self.core.counters.hops_out);
        let p = &mut self.pipeline;
        let batch = match p.batches.iter().position(|b| b.shard == shard) {
            Some(i) => i,
            None => {
                p.batches.push(Batch { shard, resp3: self.out.resp3(), cmds: Vec::new() });
                p.batches.len() - 1
            }
        };
        let cmds = &mut p.batches[batch].cmds;
        p.holes.push(Hole { at: self.out.mark(), batch, idx: cmds.len() });
        cmds.push((f, self.db, std::mem::take(args)));
    }

    /// Sends the batches queued for other shards, waits for their replies
    /// and splices them into the reply buffer in request order.
    pub async fn finish_pipeline(&mut self) {
        if self.pipeline.batches.is_empty() {
            return;
        }
        let batches = std::mem::take(&mut self.pipeline.batches);
        let slower_than = self.server.slowlog.slower_than();
        let calls = batches.into_iter().map(|b| {
            let shard = b.shard;
            crate::core_state::on_core(&self.ctx, shard, move |core, s| run_batch(core, s, b, slower_than))
        });
        let results = join_all(calls).await;
        let holes = std::mem::take(&mut self.pipeline.holes);
        let old = self.out.take();
        let extra: usize = results.iter().map(|r| r.as_ref().map_or(64, |(b, _, _)| b.len())).sum();
        let mut buf = ReplyBuf::new(self.out.resp3());
        buf.reuse(Vec::with_capacity(old.len() + extra));
        let mut at = 0;
        for h in holes {
            buf.raw(&old[at..h.at.offset()]);
            at = h.at.offset();
            match &results[h.batch] {
                Ok((bytes, ends, _)) => {
                    let start = if h.idx == 0 { 0 } else { ends[h.idx - 1] };
                    buf.raw(&bytes[start..ends[h.idx]]);
                }
                Err(e) => buf.error(&ReplyError::clone(e).0),
            }
        }
        buf.raw(&old[at..]);
        self.out = buf;
        for (micros, args) in results.iter().filter_map(|r| r.as_ref().ok()).flat_map(|(_, _, slow)| slow) {
            self.log_slow(args, *micros);
        }
    }
}
