use coreshard_engine::Kind;

use super::SET;
use crate::commands::collection::{reply_empty_scan, scan_start, ScanStart};
use crate::commands::prelude::*;

/// `SSCAN key cursor [MATCH pattern] [COUNT count]`: `[next-cursor,
/// [member, ...]]`.
pub const SSCAN: Command =
    SET.command("sscan", -3, Run::Shard(run)).flags(Flags::READONLY).doc("2.8.0", "Incrementally iterate Set elements");

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let found = c.shard.kind_of(c.db, &args[1]);
    let (cursor, opts) = match scan_start(args, found, Kind::Set)? {
        ScanStart::Empty => {
            reply_empty_scan(c.out);
            return Ok(());
        }
        ScanStart::Scan { cursor, opts } => (cursor, opts),
    };
    let (next, members) = c.shard.sscan(c.db, &args[1], cursor, opts.pattern, Some(opts.count))?;
    c.out.array(2);
    c.out.bulk(itoa::Buffer::new().format(next).as_bytes());
    c.out.array(members.len());
    for m in &members {
        c.out.bulk(m);
    }
    Ok(())
}
