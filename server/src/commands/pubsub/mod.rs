//! Pub/Sub commands. Subscriptions live in the registry of the
//! connection's own core (`crate::pubsub`); PUBLISH and PUBSUB visit every
//! core.

use crate::cmd::{Command, Family};

mod publish;
mod pubsub_cmd;
mod subscribe;

/// The family's defaults.
const PUBSUB: Family = Family::new("pubsub");

/// The family's commands.
pub const COMMANDS: &[&Command] = &[
    &subscribe::SUBSCRIBE,
    &subscribe::UNSUBSCRIBE,
    &subscribe::PSUBSCRIBE,
    &subscribe::PUNSUBSCRIBE,
    &publish::PUBLISH,
    &pubsub_cmd::PUBSUB,
];
