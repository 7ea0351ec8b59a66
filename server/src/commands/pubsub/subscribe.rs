use super::PUBSUB;
use crate::commands::prelude::*;
use crate::pubsub::{self, Kind};

/// `SUBSCRIBE channel [channel ...]`.
pub const SUBSCRIBE: Command = PUBSUB
    .command("subscribe", -2, Run::Conn(subscribe))
    .flags(Flags::PUBSUB.union(Flags::NOSCRIPT).union(Flags::LOADING).union(Flags::STALE))
    .internal(Internal::PUBSUB_OK)
    .doc("2.0.0", "Listens for messages published to channels.");

/// `UNSUBSCRIBE [channel ...]`.
pub const UNSUBSCRIBE: Command = PUBSUB
    .command("unsubscribe", -1, Run::Conn(unsubscribe))
    .flags(Flags::PUBSUB.union(Flags::NOSCRIPT).union(Flags::LOADING).union(Flags::STALE))
    .internal(Internal::PUBSUB_OK)
    .doc("2.0.0", "Stops listening to messages posted to channels.");

/// `PSUBSCRIBE pattern [pattern ...]`.
pub const PSUBSCRIBE: Command = PUBSUB
    .command("psubscribe", -2, Run::Conn(psubscribe))
    .flags(Flags::PUBSUB.union(Flags::NOSCRIPT).union(Flags::LOADING).union(Flags::STALE))
    .internal(Internal::PUBSUB_OK)
    .doc("2.0.0", "Listens for messages published to channels that match one or more patterns.");

/// `PUNSUBSCRIBE [pattern ...]`.
pub const PUNSUBSCRIBE: Command = PUBSUB
    .command("punsubscribe", -1, Run::Conn(punsubscribe))
    .flags(Flags::PUBSUB.union(Flags::NOSCRIPT).union(Flags::LOADING).union(Flags::STALE))
    .internal(Internal::PUBSUB_OK)
    .doc("2.0.0", "Stops listening to messages published to channels that match one or more patterns.");

fn subscribe(conn: &mut Conn, args: &[Bytes]) -> CmdResult {
    pubsub::subscribe(conn, Kind::Channel, &args[1..]);
    Ok(())
}

fn unsubscribe(conn: &mut Conn, args: &[Bytes]) -> CmdResult {
    pubsub::unsubscribe(conn, Kind::Channel, &args[1..]);
    Ok(())
}

fn psubscribe(conn: &mut Conn, args: &[Bytes]) -> CmdResult {
    pubsub::subscribe(conn, Kind::Pattern, &args[1..]);
    Ok(())
}

fn punsubscribe(conn: &mut Conn, args: &[Bytes]) -> CmdResult {
    pubsub::unsubscribe(conn, Kind::Pattern, &args[1..]);
    Ok(())
}
