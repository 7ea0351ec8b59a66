//! CLIENT and its subcommands on the connection itself (ID, SETNAME,
//! GETNAME, SETINFO, NO-EVICT, HELP); LIST, INFO and KILL, which look at
//! the clients of every core, are in `client_list.rs`.

use super::CONNECTION;
use crate::commands::connection::client_list::{INFO, KILL, LIST, UNBLOCK};
use crate::commands::prelude::*;
use crate::commands::{reply_help, run_subcommand};

/// `CLIENT subcommand ...`.
pub const CLIENT: Command =
    CONNECTION.command("client", -2, Run::Async(run)).doc("2.4.0", "A container for client connection commands.");

/// CLIENT's subcommands.
pub const SUBCOMMANDS: &[&Command] =
    &[&ID, &SETNAME, &GETNAME, &LIST, &INFO, &KILL, &UNBLOCK, &SETINFO, &NO_EVICT, &HELP];

const CONN_FLAGS: Flags = Flags::NOSCRIPT.union(Flags::LOADING).union(Flags::STALE);

const ID: Command = CONNECTION
    .command("client|id", 2, Run::Conn(id))
    .flags(CONN_FLAGS)
    .doc("5.0.0", "Returns the unique client ID of the connection.");

const SETNAME: Command = CONNECTION
    .command("client|setname", 3, Run::Conn(setname))
    .flags(CONN_FLAGS)
    .doc("2.6.9", "Sets the connection name.");

const GETNAME: Command = CONNECTION
    .command("client|getname", 2, Run::Conn(getname))
    .flags(CONN_FLAGS)
    .doc("2.6.9", "Returns the name of the connection.");

const SETINFO: Command = CONNECTION
    .command("client|setinfo", 4, Run::Conn(setinfo))
    .flags(CONN_FLAGS)
    .doc("7.2.0", "Sets information specific to the client or connection.");

const NO_EVICT: Command = CONNECTION
    .command("client|no-evict", 3, Run::Conn(no_evict))
    .flags(Flags::ADMIN.union(Flags::NOSCRIPT).union(Flags::LOADING).union(Flags::STALE))
    .doc("7.0.0", "Sets the client eviction mode of the connection.");

const HELP: Command = CONNECTION
    .command("client|help", 2, Run::Conn(help))
    .flags(Flags::LOADING.union(Flags::STALE))
    .doc("5.0.0", "Returns helpful text about the different subcommands.");

fn run(conn: &mut Conn, args: Vec<Bytes>) -> LocalFuture<'_> {
    Box::pin(run_subcommand(conn, SUBCOMMANDS, args))
}

fn id(conn: &mut Conn, _args: &[Bytes]) -> CmdResult {
    conn.out.int(conn.client.id as i64);
    Ok(())
}

fn setname(conn: &mut Conn, args: &[Bytes]) -> CmdResult {
    let name = &args[2];
    if !super::valid_name(name) {
        return Err(ReplyError::text("ERR Client names cannot contain spaces, newlines or special characters."));
    }
    *conn.client.name.borrow_mut() = (!name.is_empty()).then(|| Bytes::copy_from_slice(name));
    conn.out.ok();
    Ok(())
}

fn getname(conn: &mut Conn, _args: &[Bytes]) -> CmdResult {
    let name = conn.client.name.borrow().clone();
    conn.out.bulk_opt(name.as_deref());
    Ok(())
}

fn setinfo(conn: &mut Conn, args: &[Bytes]) -> CmdResult {
    let (attr, value) = (&args[2], &args[3]);
    let slot = if eq_ic(attr, "lib-name") {
        &conn.client.lib_name
    } else if eq_ic(attr, "lib-ver") {
        &conn.client.lib_ver
    } else {
        return Err(ReplyError::owned(format!("ERR Unrecognized option '{}'", String::from_utf8_lossy(attr))));
    };
    if !super::valid_name(value) {
        return Err(ReplyError::owned(format!(
            "ERR {} cannot contain spaces, newlines or special characters.",
            String::from_utf8_lossy(attr)
        )));
    }
    *slot.borrow_mut() = (!value.is_empty()).then(|| Bytes::copy_from_slice(value));
    conn.out.ok();
    Ok(())
}

fn no_evict(conn: &mut Conn, args: &[Bytes]) -> CmdResult {
    // Clients are never evicted to free memory here (there is no
    // maxmemory-clients), so either mode already holds.
    if !eq_ic(&args[2], "on") && !eq_ic(&args[2], "off") {
        return Err(ReplyError::syntax());
    }
    conn.out.ok();
    Ok(())
}

fn help(conn: &mut Conn, args: &[Bytes]) -> CmdResult {
    reply_help(
        &mut conn.out,
        &args[0],
        &[
            "GETNAME",
            "    Return the name of the current connection.",
            "ID",
            "    Return the ID of the current connection.",
            "INFO",
            "    Return information about the current client connection.",
            "KILL <ip:port>",
            "    Kill connection made from <ip:port>.",
            "KILL <option> <value> [<option> <value> [...]]",
            "    Kill connections. Options are:",
            "    * ADDR (<ip:port>|<unixsocket>:0)",
            "      Kill connections made from the specified address",
            "    * LADDR (<ip:port>|<unixsocket>:0)",
            "      Kill connections made to specified local address",
            "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
            "      Kill connections by type.",
            "    * USER <username>",
            "      Kill connections authenticated by <username>.",
            "    * SKIPME (YES|NO)",
            "      Skip killing current connection (default: yes).",
            "    * ID <client-id>",
            "      Kill connections by client id.",
            "LIST [options ...]",
            "    Return information about client connections. Options:",
            "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
            "      Return clients of specified type.",
            "    * ID <client-id> [<client-id> ...]",
            "      Return clients of specified IDs only.",
            "SETNAME <name>",
            "    Assign the name <name> to the current connection.",
            "UNBLOCK <clientid> [TIMEOUT|ERROR]",
            "    Unblock the specified blocked client.",
            "SETINFO <option> <value>",
            "    Set client meta attr. Options are:",
            "    * LIB-NAME: the client lib name.",
            "    * LIB-VER: the client lib version.",
            "NO-EVICT (ON|OFF)",
            "    Protect current client connection from eviction.",
        ],
    );
    Ok(())
}
