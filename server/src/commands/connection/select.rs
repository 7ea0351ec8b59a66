use bytes::Bytes;

use crate::cmd::{flags, parse_int, CmdResult, Command, KeySpec, ReplyError, Run};
use crate::conn::Conn;

/// `SELECT index`.
pub const SELECT: Command = Command {
    name: "select",
    arity: 2,
    flags: flags::FAST | flags::LOADING | flags::STALE,
    keys: KeySpec::None,
    run: Run::Conn(run),
    group: "connection",
    summary: "Changes the selected database.",
    since: "1.0.0",
};

fn run(conn: &mut Conn, args: &[Bytes]) -> CmdResult {
    let db = parse_int(&args[1])?;
    let databases = conn.server.settings().databases as i64;
    if !(0..databases).contains(&db) {
        return Err(ReplyError::text("ERR DB index is out of range"));
    }
    conn.db = db as u8;
    conn.client.db.set(conn.db);
    conn.out.ok();
    Ok(())
}
