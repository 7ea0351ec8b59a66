use bytes::Bytes;
use coreshard_engine::Kind;

use crate::cmd::{flags, CmdResult, Command, KeySpec, Run, ShardCall};
use crate::commands::collection::{reply_empty_scan, scan_start, ScanStart};

/// `SSCAN key cursor [MATCH pattern] [COUNT count]`: `[next-cursor,
/// [member, ...]]`.
pub const SSCAN: Command = Command {
    name: "sscan",
    arity: -3,
    flags: flags::READONLY,
    keys: KeySpec::FIRST,
    run: Run::Shard(run),
    group: "set",
    summary: "Incrementally iterate Set elements",
    since: "2.8.0",
};

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
