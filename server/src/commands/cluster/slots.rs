//! CLUSTER KEYSLOT, COUNTKEYSINSLOT, GETKEYSINSLOT.

use coreshard_engine::routing::SLOTS;
use coreshard_engine::{keyslot, Shard};

use super::CLUSTER;
use crate::commands::prelude::*;

/// `CLUSTER KEYSLOT key`.
pub(super) const KEYSLOT: Command = CLUSTER
    .command("cluster|keyslot", 3, Run::Conn(keyslot_cmd))
    .flags(Flags::STALE)
    .doc("3.0.0", "Returns the hash slot for a key.");

/// `CLUSTER COUNTKEYSINSLOT slot`.
pub(super) const COUNTKEYSINSLOT: Command = CLUSTER
    .command("cluster|countkeysinslot", 3, Run::Async(countkeysinslot))
    .flags(Flags::STALE)
    .doc("3.0.0", "Returns the number of keys in a hash slot.");

/// `CLUSTER GETKEYSINSLOT slot count`.
pub(super) const GETKEYSINSLOT: Command = CLUSTER
    .command("cluster|getkeysinslot", 4, Run::Async(getkeysinslot))
    .flags(Flags::STALE)
    .doc("3.0.0", "Returns the key names in a hash slot.");

fn keyslot_cmd(conn: &mut Conn, args: &[Bytes]) -> CmdResult {
    conn.out.int(i64::from(keyslot(&args[2])));
    Ok(())
}

/// The shard owning `slot` (with shard ports off too: the data is still
/// sharded).
fn owner(conn: &Conn, slot: u16) -> usize {
    conn.ctx.router().shard_of_slot(slot)
}

fn countkeysinslot(conn: &mut Conn, args: Vec<Bytes>) -> LocalFuture<'_> {
    Box::pin(async move {
        let slot = parse_int(&args[2])?;
        let slot = u16::try_from(slot).ok().filter(|&s| s < SLOTS).ok_or(ReplyError::text("ERR Invalid slot"))?;
        let db = conn.db;
        let n = conn.ctx.call(owner(conn, slot), move |s: &mut Shard| s.count_keys_in_slot(db, slot)).await?;
        conn.out.int(n as i64);
        Ok(())
    })
}

fn getkeysinslot(conn: &mut Conn, args: Vec<Bytes>) -> LocalFuture<'_> {
    Box::pin(async move {
        let slot = parse_int(&args[2])?;
        let count = parse_int(&args[3])?;
        let invalid = ReplyError::text("ERR Invalid slot or number of keys");
        let slot = u16::try_from(slot).ok().filter(|&s| s < SLOTS).ok_or(invalid.clone())?;
        let count = usize::try_from(count).map_err(|_| invalid)?;
        let db = conn.db;
        let keys = conn.ctx.call(owner(conn, slot), move |s: &mut Shard| s.keys_in_slot(db, slot, count)).await?;
        conn.out.array(keys.len());
        for k in &keys {
            conn.out.bulk(k);
        }
        Ok(())
    })
}
