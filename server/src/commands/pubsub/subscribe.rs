use bytes::Bytes;

use crate::cmd::{flags, CmdResult, Command, KeySpec, Run};
use crate::conn::Conn;
use crate::pubsub::{self, Kind};

const FLAGS: u32 = flags::PUBSUB | flags::NOSCRIPT | flags::LOADING | flags::STALE | flags::PUBSUB_OK;

/// `SUBSCRIBE channel [channel ...]`.
pub const SUBSCRIBE: Command = Command {
    name: "subscribe",
    arity: -2,
    flags: FLAGS,
    keys: KeySpec::None,
    run: Run::Conn(subscribe),
    group: "pubsub",
    summary: "Listens for messages published to channels.",
    since: "2.0.0",
};

/// `UNSUBSCRIBE [channel ...]`.
pub const UNSUBSCRIBE: Command = Command {
    name: "unsubscribe",
    arity: -1,
    flags: FLAGS,
    keys: KeySpec::None,
    run: Run::Conn(unsubscribe),
    group: "pubsub",
    summary: "Stops listening to messages posted to channels.",
    since: "2.0.0",
};

/// `PSUBSCRIBE pattern [pattern ...]`.
pub const PSUBSCRIBE: Command = Command {
    name: "psubscribe",
    arity: -2,
    flags: FLAGS,
    keys: KeySpec::None,
    run: Run::Conn(psubscribe),
    group: "pubsub",
    summary: "Listens for messages published to channels that match one or more patterns.",
    since: "2.0.0",
};

/// `PUNSUBSCRIBE [pattern ...]`.
pub const PUNSUBSCRIBE: Command = Command {
    name: "punsubscribe",
    arity: -1,
    flags: FLAGS,
    keys: KeySpec::None,
    run: Run::Conn(punsubscribe),
    group: "pubsub",
    summary: "Stops listening to messages published to channels that match one or more patterns.",
    since: "2.0.0",
};

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
