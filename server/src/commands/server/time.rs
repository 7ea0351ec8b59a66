use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;

use crate::cmd::{flags, CmdResult, Command, KeySpec, Run};
use crate::conn::Conn;

/// `TIME`.
pub const TIME: Command = Command {
    name: "time",
    arity: 1,
    flags: flags::LOADING | flags::STALE | flags::FAST,
    keys: KeySpec::None,
    run: Run::Conn(run),
    group: "server",
    summary: "Returns the server time.",
    since: "2.6.0",
};

fn run(conn: &mut Conn, _args: &[Bytes]) -> CmdResult {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    conn.out.array(2);
    conn.out.bulk_int(now.as_secs() as i64);
    conn.out.bulk_int(i64::from(now.subsec_micros()));
    Ok(())
}
