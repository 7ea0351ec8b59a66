use coreshard_engine::{Error, Kind};

use super::LIST;
use crate::commands::prelude::*;

/// `LSET key index element`.
pub const LSET: Command = LIST
    .command("lset", 4, Run::Shard(run))
    .flags(Flags::WRITE.union(Flags::DENYOOM))
    .doc("1.0.0", "Set the value of an element in a list by its index");

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let index = match parse_int(&args[2]) {
        Ok(i) => i,
        // Redis checks the key (missing, wrong type) before the index.
        Err(e) => {
            return Err(match c.shard.kind_of(c.db, &args[1]) {
                None => Error::NoSuchKey.into(),
                Some(Kind::List) => e,
                Some(_) => Error::WrongType.into(),
            })
        }
    };
    c.shard.lset(c.db, &args[1], index, Bytes::copy_from_slice(&args[3]))?;
    c.out.ok();
    Ok(())
}
