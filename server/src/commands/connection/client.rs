//! CLIENT and its subcommands on the connection itself (ID, SETNAME,
//! GETNAME, SETINFO, NO-EVICT, HELP); LIST, INFO and KILL, which look at
//! the clients of every core, are in `client_list.rs`.

use bytes::Bytes;

use crate::cmd::{eq_ic, flags, CmdResult, Command, KeySpec, LocalFuture, ReplyError, Run};
use crate::commands::connection::client_list::{INFO, KILL, LIST, UNBLOCK};
use crate::commands::{reply_help, run_subcommand};
use crate::conn::Conn;

/// `CLIENT subcommand ...`.
pub const CLIENT: Command = Command {
    name: "client",
    arity: -2,
    flags: 0,
    keys: KeySpec::None,
    run: Run::Async(run),
    group: "connection",
    summary: "A container for client connection commands.",
    since: "2.4.0",
};

/// CLIENT's subcommands.
pub const SUBCOMMANDS: &[&Command] =
    &[&ID, &SETNAME, &GETNAME, &LIST, &INFO, &KILL, &UNBLOCK, &SETINFO, &NO_EVICT, &HELP];

const CONN_FLAGS: u32 = flags::NOSCRIPT | flags::LOADING | flags::STALE;

const ID: Command = Command {
    name: "client|id",
    arity: 2,
    flags: CONN_FLAGS,
    keys: KeySpec::None,
    run: Run::Conn(id),
    group: "connection",
    summary: "Returns the unique client ID of the connection.",
    since: "5.0.0",
};

const SETNAME: Command = Command {
    name: "client|setname",
    arity: 3,
    flags: CONN_FLAGS,
    keys: KeySpec::None,
    run: Run::Conn(setname),
    group: "connection",
    summary: "Sets the connection name.",
    since: "2.6.9",
};

const GETNAME: Command = Command {
    name: "client|getname",
    arity: 2,
    flags: CONN_FLAGS,
    keys: KeySpec::None,
    run: Run::Conn(getname),
    group: "connection",
    summary: "Returns the name of the connection.",
    since: "2.6.9",
};

const SETINFO: Command = Command {
    name: "client|setinfo",
    arity: 4,
    flags: CONN_FLAGS,
    keys: KeySpec::None,
    run: Run::Conn(setinfo),
    group: "connection",
    summary: "Sets information specific to the client or connection.",
    since: "7.2.0",
};

const NO_EVICT: Command = Command {
    name: "client|no-evict",
    arity: 3,
    flags: flags::ADMIN | CONN_FLAGS,
    keys: KeySpec::None,
    run: Run::Conn(no_evict),
    group: "connection",
    summary: "Sets the client eviction mode of the connection.",
    since: "7.0.0",
};

const HELP: Command = Command {
    name: "client|help",
    arity: 2,
    flags: flags::LOADING | flags::STALE,
    keys: KeySpec::None,
    run: Run::Conn(help),
    group: "connection",
    summary: "Returns helpful text about the different subcommands.",
    since: "5.0.0",
};

fn run(conn: &mut Conn, args: Vec<Bytes>) -> LocalFuture<'_> {
    Box::pin(run_subcommand(conn, SUBCOMMANDS, args))
}

/// Whether `name` may name a client (or a library): printable ASCII
/// without spaces, so CLIENT LIST stays splittable on spaces.
pub fn valid_name(name: &[u8]) -> bool {
    name.iter().all(|&b| (b'!'..=b'~').contains(&b))
}

fn id(conn: &mut Conn, _args: &[Bytes]) -> CmdResult {
    conn.out.int(conn.client.id as i64);
    Ok(())
}

fn setname(conn: &mut Conn, args: &[Bytes]) -> CmdResult {
    let name = &args[2];
    if !valid_name(name) {
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
    if !valid_name(value) {
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

#[cfg(test)]
mod tests {
    use super::valid_name;

    #[test]
    fn names_are_printable_without_spaces() {
        assert!(valid_name(b"worker-1"));
        assert!(valid_name(b""));
        assert!(!valid_name(b"a b"));
        assert!(!valid_name(b"a\nb"));
        assert!(!valid_name("é".as_bytes()));
    }
}
