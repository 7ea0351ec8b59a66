//! PUBSUB CHANNELS, NUMSUB, NUMPAT and HELP: what every core's subscription
//! registry holds, gathered.

use std::collections::HashSet;

use crate::commands::prelude::*;
use crate::core_state::on_every_core;

/// `PUBSUB CHANNELS [pattern] | NUMSUB [channel ...] | NUMPAT | HELP`.
// `super::PUBSUB` is the family, named like its container.
pub const PUBSUB: Command = super::PUBSUB
    .command("pubsub", -2, Run::Async(run))
    .flags(Flags::PUBSUB.union(Flags::LOADING).union(Flags::STALE))
    .doc("2.8.0", "A container for Pub/Sub commands.");

const HELP: &[&str] = &[
    "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CHANNELS [<pattern>]",
    "    Return the currently active channels matching a <pattern> (default: '*').",
    "NUMPAT",
    "    Return number of subscriptions to patterns.",
    "NUMSUB [<channel> ...]",
    "    Return the number of subscribers for the specified channels, excluding",
    "    pattern subscriptions(default: no channels).",
    "HELP",
    "    Prints this help.",
];

fn run(conn: &mut Conn, args: Vec<Bytes>) -> LocalFuture<'_> {
    Box::pin(pubsub_cmd(conn, args))
}

async fn pubsub_cmd(conn: &mut Conn, args: Vec<Bytes>) -> CmdResult {
    let sub = &args[1];
    if eq_ic(sub, "channels") {
        if args.len() > 3 {
            return Err(subcommand_error(sub));
        }
        let pattern: Option<Bytes> = args.get(2).map(|p| Bytes::copy_from_slice(p));
        let per_core = on_every_core(&conn.ctx, move |core, _| core.pubsub.channels(pattern.as_deref())).await?;
        let all: HashSet<Bytes> = per_core.into_iter().flatten().collect();
        conn.out.array(all.len());
        for c in &all {
            conn.out.bulk(c);
        }
    } else if eq_ic(sub, "numsub") {
        let channels: Vec<Bytes> = args[2..].iter().map(|c| Bytes::copy_from_slice(c)).collect();
        let asked = channels.clone();
        let per_core = on_every_core(&conn.ctx, move |core, _| core.pubsub.numsub(&asked)).await?;
        conn.out.array(2 * channels.len());
        for (i, c) in channels.iter().enumerate() {
            conn.out.bulk(c);
            conn.out.int(per_core.iter().map(|counts| counts[i]).sum::<usize>() as i64);
        }
    } else if eq_ic(sub, "numpat") {
        if args.len() != 2 {
            return Err(ReplyError::arity("pubsub|numpat"));
        }
        let per_core = on_every_core(&conn.ctx, |core, _| core.pubsub.patterns()).await?;
        let all: HashSet<Bytes> = per_core.into_iter().flatten().collect();
        conn.out.int(all.len() as i64);
    } else if eq_ic(sub, "help") {
        if args.len() != 2 {
            return Err(ReplyError::arity("pubsub|help"));
        }
        conn.out.array(HELP.len());
        for line in HELP {
            conn.out.simple(line);
        }
    } else {
        let name = String::from_utf8_lossy(&sub[..sub.len().min(128)]);
        return Err(ReplyError::owned(format!("ERR unknown subcommand '{name}'. Try PUBSUB HELP.")));
    }
    Ok(())
}

fn subcommand_error(sub: &[u8]) -> ReplyError {
    let name = String::from_utf8_lossy(sub);
    ReplyError::owned(format!("ERR unknown subcommand or wrong number of arguments for '{name}'. Try PUBSUB HELP."))
}
