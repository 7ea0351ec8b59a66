//! Connection commands: PING, ECHO, SELECT, QUIT, ...

use crate::cmd::Command;

mod echo;
mod ping;
mod quit;
mod select;

/// The family's commands.
pub const COMMANDS: &[&Command] = &[&ping::PING, &echo::ECHO, &quit::QUIT, &select::SELECT];
