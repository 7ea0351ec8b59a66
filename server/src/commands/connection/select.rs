use coreshard_engine::Error;

use super::CONNECTION;
use crate::commands::prelude::*;

/// `SELECT index`.
pub const SELECT: Command = CONNECTION
    .command("select", 2, Run::Conn(run))
    .flags(Flags::FAST.union(Flags::LOADING).union(Flags::STALE))
    .doc("1.0.0", "Changes the selected database.");

fn run(conn: &mut Conn, args: &[Bytes]) -> CmdResult {
    let db = parse_int(&args[1])?;
    let databases = conn.server.settings().databases as i64;
    if !(0..databases).contains(&db) {
        return Err(Error::DbIndexOutOfRange.into());
    }
    conn.db = db as u8;
    conn.client.db.set(conn.db);
    conn.out.ok();
    Ok(())
}
