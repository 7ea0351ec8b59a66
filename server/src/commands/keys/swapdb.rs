use coreshard_engine::Error;

use crate::commands::prelude::*;
use crate::commands::server::SERVER;

/// `SWAPDB index1 index2`: every shard swaps the two databases (O(1) each,
/// see `Shard::swapdb`) while all shards are held, so no client sees one
/// shard swapped and another not.
pub const SWAPDB: Command = SERVER
    .command("swapdb", 3, Run::Async(run))
    .flags(Flags::WRITE.union(Flags::FAST))
    .internal(Internal::ALL_SHARDS)
    .doc("4.0.0", "Swaps two Redis databases.");

/// A database index as `getIntFromObjectOrReply` reads it, with SWAPDB's
/// own message for anything that is not a 32-bit integer.
fn parse_index(arg: &[u8], msg: &'static str) -> Result<i64, ReplyError> {
    match parse_int(arg) {
        Ok(n) if i32::try_from(n).is_ok() => Ok(n),
        _ => Err(ReplyError::text(msg)),
    }
}

fn run(conn: &mut Conn, args: Vec<Bytes>) -> LocalFuture<'_> {
    Box::pin(async move {
        let a = parse_index(&args[1], "ERR invalid first DB index")?;
        let b = parse_index(&args[2], "ERR invalid second DB index")?;
        let databases = conn.server.settings().databases as i64;
        let (Ok(a), Ok(b)) = (u8::try_from(a), u8::try_from(b)) else {
            return Err(Error::DbIndexOutOfRange.into());
        };
        if i64::from(a) >= databases || i64::from(b) >= databases {
            return Err(Error::DbIndexOutOfRange.into());
        }
        let txn = conn.ctx.lock(0..conn.ctx.shards()).await?;
        let done = txn.run_all(move |s| s.swapdb(a, b)).await;
        txn.release().await;
        for r in done? {
            r?;
        }
        conn.out.ok();
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_errors() {
        let first = "ERR invalid first DB index";
        assert_eq!(parse_index(b"3", first), Ok(3));
        assert_eq!(parse_index(b"-1", first), Ok(-1));
        assert_eq!(parse_index(b"a", first), Err(ReplyError::text(first)));
        assert_eq!(parse_index(b"4294967296", first), Err(ReplyError::text(first)));
    }
}
