//! String commands.

use crate::cmd::Command;

mod get;
mod set;

/// The family's commands.
pub const COMMANDS: &[&Command] = &[&get::GET, &set::SET];
