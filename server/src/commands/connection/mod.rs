//! Connection commands: PING, ECHO, SELECT, QUIT, AUTH, HELLO, RESET,
//! CLIENT, and the cluster connection modes READONLY, READWRITE, ASKING.

use crate::cmd::Command;

pub(crate) mod auth;
pub(crate) mod client;
mod client_list;
mod echo;
mod hello;
mod ping;
mod quit;
mod readonly;
mod reset;
mod select;

/// The family's commands.
pub const COMMANDS: &[&Command] = &[
    &ping::PING,
    &echo::ECHO,
    &quit::QUIT,
    &select::SELECT,
    &auth::AUTH,
    &hello::HELLO,
    &reset::RESET,
    &client::CLIENT,
    &readonly::READONLY,
    &readonly::READWRITE,
    &readonly::ASKING,
];

/// CLIENT's subcommands.
pub const CLIENT_SUBCOMMANDS: &[&Command] = client::SUBCOMMANDS;
