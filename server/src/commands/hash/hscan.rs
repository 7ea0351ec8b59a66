use coreshard_engine::Kind;

use super::HASH;
use crate::commands::collection::{reply_empty_scan, scan_start, ScanStart};
use crate::commands::prelude::*;

/// `HSCAN key cursor [MATCH pattern] [COUNT count]`: `[next-cursor, [field,
/// value, ...]]`. (NOVALUES came with Redis 7.4 and is a syntax error here,
/// as in 7.0.)
pub const HSCAN: Command = HASH
    .command("hscan", -3, Run::Shard(run))
    .flags(Flags::READONLY)
    .doc("2.8.0", "Incrementally iterate hash fields and associated values");

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let found = c.shard.kind_of(c.db, &args[1]);
    let (cursor, opts) = match scan_start(args, found, Kind::Hash)? {
        ScanStart::Empty => {
            reply_empty_scan(c.out);
            return Ok(());
        }
        ScanStart::Scan { cursor, opts } => (cursor, opts),
    };
    let (next, pairs) = c.shard.hscan(c.db, &args[1], cursor, opts.pattern, opts.count_usize())?;
    c.out.array(2);
    c.out.bulk(itoa::Buffer::new().format(next).as_bytes());
    c.out.array(pairs.len() * 2);
    for (f, v) in &pairs {
        c.out.bulk(f);
        c.out.bulk(v);
    }
    Ok(())
}
