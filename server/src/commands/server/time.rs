use std::time::{SystemTime, UNIX_EPOCH};

use super::SERVER;
use crate::commands::prelude::*;

/// `TIME`.
pub const TIME: Command = SERVER
    .command("time", 1, Run::Conn(run))
    .flags(Flags::LOADING.union(Flags::STALE).union(Flags::FAST))
    .doc("2.6.0", "Returns the server time.");

fn run(conn: &mut Conn, _args: &[Bytes]) -> CmdResult {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    conn.out.array(2);
    conn.out.bulk_int(now.as_secs() as i64);
    conn.out.bulk_int(i64::from(now.subsec_micros()));
    Ok(())
}
