//! Pub/Sub commands. Subscriptions live in the registry of the
//! connection's own core (`crate::pubsub`); PUBLISH and PUBSUB visit every
//! core.

use crate::cmd::Command;

mod introspection;
mod publish;
mod subscribe;

/// The family's commands.
pub const COMMANDS: &[&Command] = &[
    &subscribe::SUBSCRIBE,
    &subscribe::UNSUBSCRIBE,
    &subscribe::PSUBSCRIBE,
    &subscribe::PUNSUBSCRIBE,
    &publish::PUBLISH,
    &introspection::PUBSUB,
];
