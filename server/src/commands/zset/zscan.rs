use coreshard_engine::numbers::write_double;
use coreshard_engine::Kind;

use super::SORTED_SET;
use crate::commands::collection::{reply_empty_scan, scan_start, ScanStart};
use crate::commands::prelude::*;

/// `ZSCAN key cursor [MATCH pattern] [COUNT count]`: `[next-cursor,
/// [member, score, ...]]`, the scores as bulk strings in both protocols.
pub const ZSCAN: Command = SORTED_SET
    .command("zscan", -3, Run::Shard(run))
    .flags(Flags::READONLY)
    .doc("2.8.0", "Incrementally iterate sorted sets elements and associated scores");

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let found = c.shard.kind_of(c.db, &args[1]);
    let (cursor, opts) = match scan_start(args, found, Kind::ZSet)? {
        ScanStart::Empty => {
            reply_empty_scan(c.out);
            return Ok(());
        }
        ScanStart::Scan { cursor, opts } => (cursor, opts),
    };
    let (next, items) = c.shard.zscan(c.db, &args[1], cursor, opts.pattern, opts.count_usize())?;
    c.out.array(2);
    c.out.bulk(itoa::Buffer::new().format(next).as_bytes());
    c.out.array(items.len() * 2);
    let mut score = Vec::with_capacity(24);
    for (m, s) in &items {
        c.out.bulk(m);
        score.clear();
        write_double(&mut score, *s);
        c.out.bulk(&score);
    }
    Ok(())
}
