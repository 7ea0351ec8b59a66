use super::GENERIC;
use crate::commands::prelude::*;

/// `COPY source destination [DB destination-db] [REPLACE]`, atomic across
/// shards.
pub const COPY: Command = GENERIC
    .command("copy", -3, Run::Keyed { shard: run, spanning })
    .flags(Flags::WRITE.union(Flags::DENYOOM))
    .keys(KeySpec::TWO)
    .doc("6.2.0", "Copies the value of a key to a new key.");

/// Most databases any configuration has (the index is a byte); the engine
/// checks the configured number.
const DB_LIMIT: usize = 256;

/// `(destination db, replace)`; `None` for the db means the client's own.
fn parse_options(args: &[Bytes]) -> Result<(Option<u8>, bool), ReplyError> {
    let (mut db, mut replace) = (None, false);
    let mut i = 0;
    while i < args.len() {
        let a = &args[i][..];
        if eq_ic(a, "replace") {
            replace = true;
        } else if let (true, Some(v)) = (eq_ic(a, "db"), args.get(i + 1)) {
            db = Some(super::parse_db(v, DB_LIMIT)?);
            i += 1;
        } else {
            return Err(ReplyError::syntax());
        }
        i += 1;
    }
    Ok((db, replace))
}

fn run(c: &mut ShardCall<'_>, args: &[Bytes]) -> CmdResult {
    let (dst_db, replace) = parse_options(&args[3..])?;
    let copied = c.shard.copy(c.db, &args[1], dst_db.unwrap_or(c.db), &args[2], replace)?;
    c.out.int(i64::from(copied));
    Ok(())
}

fn spanning<'a>(c: TxnCall<'a>, args: &'a [Bytes]) -> LocalFuture<'a> {
    let TxnCall { txn, route, db, out } = c;
    Box::pin(async move {
        let (dst_db, replace) = parse_options(&args[3..])?;
        let copied = txn.copy(Some(route), db, args[1].clone(), dst_db.unwrap_or(db), args[2].clone(), replace).await?;
        out.int(i64::from(copied));
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<(Option<u8>, bool), ReplyError> {
        let owned: Vec<Bytes> = args.iter().map(|a| Bytes::copy_from_slice(a.as_bytes())).collect();
        parse_options(&owned)
    }

    #[test]
    fn options() {
        assert_eq!(parse(&[]), Ok((None, false)));
        assert_eq!(parse(&["REPLACE", "db", "3", "replace"]), Ok((Some(3), true)));
        assert_eq!(parse(&["db"]), Err(ReplyError::syntax()));
        assert_eq!(parse(&["foo"]), Err(ReplyError::syntax()));
        assert_eq!(parse(&["db", "x"]), Err(ReplyError::not_integer()));
        assert_eq!(parse(&["db", "-1"]), Err(ReplyError::text("ERR DB index is out of range")));
    }
}
