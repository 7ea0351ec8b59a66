//! CLUSTER KEYSLOT, COUNTKEYSINSLOT, GETKEYSINSLOT.

use bytes::Bytes;
use coreshard_engine::routing::SLOTS;
use coreshard_engine::{keyslot, Shard};

use crate::cmd::{parse_int, CmdResult, LocalFuture, ReplyError};
use crate::conn::Conn;

pub(super) fn keyslot_cmd(conn: &mut Conn, args: &[Bytes]) -> CmdResult {
    conn.out.int(i64::from(keyslot(&args[2])));
    Ok(())
}

/// The shard owning `slot` (with shard ports off too: the data is still
/// sharded).
fn owner(conn: &Conn, slot: u16) -> usize {
    conn.ctx.router().shard_of_slot(slot)
}

pub(super) fn countkeysinslot(conn: &mut Conn, args: Vec<Bytes>) -> LocalFuture<'_> {
    Box::pin(async move {
        let slot = parse_int(&args[2])?;
        let slot = u16::try_from(slot).ok().filter(|&s| s < SLOTS).ok_or(ReplyError::text("ERR Invalid slot"))?;
        let db = conn.db;
        let n = conn.ctx.call(owner(conn, slot), move |s: &mut Shard| s.count_keys_in_slot(db, slot)).await?;
        conn.out.int(n as i64);
        Ok(())
    })
}

pub(super) fn getkeysinslot(conn: &mut Conn, args: Vec<Bytes>) -> LocalFuture<'_> {
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
