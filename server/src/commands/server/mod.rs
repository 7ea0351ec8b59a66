//! Server commands: INFO, CONFIG, COMMAND, TIME, LASTSAVE, SAVE, BGSAVE,
//! BGREWRITEAOF, SHUTDOWN, MEMORY, SLOWLOG.

use crate::cmd::{Command, Family};

mod command;
mod config;
mod describe;
mod info;
mod lastsave;
mod memory;
mod save;
mod shutdown;
mod slowlog;
mod time;

/// The Redis version this server is compatible with, reported by INFO and
/// HELLO (clients pick features by it).
pub const REDIS_VERSION: &str = "7.0.15";

/// The family's defaults, also those of the server commands other families hold (DBSIZE, FLUSHDB, ...).
pub(crate) const SERVER: Family = Family::new("server");

/// The family's commands.
pub const COMMANDS: &[&Command] = &[
    &info::INFO,
    &config::CONFIG,
    &command::COMMAND,
    &time::TIME,
    &lastsave::LASTSAVE,
    &save::SAVE,
    &save::BGSAVE,
    &save::BGREWRITEAOF,
    &shutdown::SHUTDOWN,
    &memory::MEMORY,
    &slowlog::SLOWLOG,
];

/// COMMAND's subcommands.
pub const COMMAND_SUBCOMMANDS: &[&Command] = command::SUBCOMMANDS;
/// CONFIG's subcommands.
pub const CONFIG_SUBCOMMANDS: &[&Command] = config::SUBCOMMANDS;
/// MEMORY's subcommands.
pub const MEMORY_SUBCOMMANDS: &[&Command] = memory::SUBCOMMANDS;
/// SLOWLOG's subcommands.
pub const SLOWLOG_SUBCOMMANDS: &[&Command] = slowlog::SUBCOMMANDS;
