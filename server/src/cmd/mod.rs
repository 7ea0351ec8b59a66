//! The command table's building blocks: what a command is, where its keys
//! are, and how it runs.
//!
//! Every command is one [`Command`] value, declared from its [`Family`]'s
//! defaults in the file under `commands/<family>/` that holds its code. The
//! connection looks it up by name, checks arity,
//! finds the shard owning its keys, and runs it there: inline when that is
//! the connection's own core, else over the mesh in a batch with the rest of
//! the pipeline's commands for that shard.

use std::future::Future;
use std::pin::Pin;

use bytes::Bytes;
use coreshard_engine::{Route, RouteBuilder, Router, Shard, Txn};

use crate::conn::Conn;
pub use crate::error::ReplyError;
use crate::resp::ReplyBuf;

/// The refusal of a single-shard command whose keys live on several shards.
pub const CROSSSLOT: ReplyError = ReplyError::text("CROSSSLOT Keys in request don't hash to the same slot");

/// What a command returns: its reply is already written to the buffer on
/// success; on error the caller writes the error (so a command MUST NOT write
/// anything before it can fail).
pub type CmdResult = Result<(), ReplyError>;

/// A command running on the shard that owns its keys.
pub struct ShardCall<'a> {
    /// The owning shard, exclusively ours for the duration of the call.
    pub shard: &'a mut Shard,
    /// The client's selected database.
    pub db: u8,
    /// Where the reply goes (knows RESP2 vs RESP3).
    pub out: &'a mut ReplyBuf,
}

/// A multi-key command whose keys span shards, running inside a transaction
/// that holds every shard involved (its own, or an EXEC's).
pub struct TxnCall<'a> {
    /// The transaction.
    pub txn: &'a Txn,
    /// The route of the command's keys, in the order its [`KeySpec`] lists
    /// them: what the `Txn` methods take so as not to hash them again.
    pub route: &'a Route,
    /// The client's selected database.
    pub db: u8,
    /// Where the reply goes.
    pub out: &'a mut ReplyBuf,
}

/// Runs a command on the shard owning all its keys.
pub type ShardFn = fn(&mut ShardCall<'_>, &[Bytes]) -> CmdResult;
/// A boxed future borrowed from the connection.
pub type LocalFuture<'a> = Pin<Box<dyn Future<Output = CmdResult> + 'a>>;
/// Runs a multi-key command whose keys span shards.
pub type TxnFn = for<'a> fn(TxnCall<'a>, &'a [Bytes]) -> LocalFuture<'a>;
/// Runs a blocking command on the connection, given the route of its keys.
pub type BlockFn = for<'a> fn(&'a mut Conn, Route, Vec<Bytes>) -> LocalFuture<'a>;
/// Runs on the connection without touching keys, synchronously.
pub type ConnFn = fn(&mut Conn, &[Bytes]) -> CmdResult;
/// Runs on the connection and may wait (blocking pops, pub/sub, commands
/// over every shard).
pub type AsyncFn = for<'a> fn(&'a mut Conn, Vec<Bytes>) -> LocalFuture<'a>;

/// How a command runs.
#[derive(Clone, Copy)]
pub enum Run {
    /// On the shard owning its keys; all its keys MUST map to one shard
    /// (they do for single-key commands). With no key it runs on the
    /// connection's own shard.
    Shard(ShardFn),
    /// Keys may span shards: `shard` runs when they all map to one shard,
    /// `spanning` otherwise (atomically, under a transaction).
    Keyed {
        /// Single-shard form.
        shard: ShardFn,
        /// Cross-shard form.
        spanning: TxnFn,
    },
    /// A blocking command (BLPOP, BZMPOP, ...): `block` waits for its keys
    /// to get elements; inside MULTI it acts at once, as the `Keyed` pair
    /// `shard`/`spanning` (its non-blocking form), as Redis does.
    Blocking {
        /// Single-shard non-blocking form.
        shard: ShardFn,
        /// Cross-shard non-blocking form.
        spanning: TxnFn,
        /// The blocking form.
        block: BlockFn,
    },
    /// On the connection, synchronously, touching no keys.
    Conn(ConnFn),
    /// On the connection, may wait.
    Async(AsyncFn),
}

pub mod flags;
mod keyspec;

pub use flags::{Flags, Internal};
pub use keyspec::KeySpec;

/// One command of the table.
pub struct Command {
    /// Lower-case name.
    pub name: &'static str,
    /// Redis's arity: `n` means exactly `n` arguments including the name,
    /// `-n` at least `n`.
    pub arity: i32,
    /// Redis's flags.
    pub flags: Flags,
    /// This server's own flags.
    pub internal: Internal,
    /// Where the keys are.
    pub keys: KeySpec,
    /// How it runs.
    pub run: Run,
    /// Command group as `COMMAND DOCS` reports it (`string`, `list`, ...).
    pub group: &'static str,
    /// One-line summary for `COMMAND DOCS`.
    pub summary: &'static str,
    /// Redis version that introduced the command.
    pub since: &'static str,
}

/// What a family of commands shares: the group `COMMAND DOCS` reports
/// them in, and the key spec most of them have. Each family's `mod.rs`
/// defines its own once (`STRING`, `LIST`, ...); a container's subcommands
/// are declared from their container's family.
#[derive(Clone, Copy)]
pub struct Family {
    group: &'static str,
    keys: KeySpec,
}

// Commands are declared with a `const fn` builder rather than a
// `macro_rules!` table: each step is an ordinary typed function, so a
// wrong argument is reported at that argument, rustdoc lists the steps,
// and what a step leaves out visibly comes from the family. A command file
// then reads as its table row followed by its logic:
//
//     pub const GET: Command = STRING
//         .command("get", 2, Run::Shard(run))
//         .flags(Flags::READONLY.union(Flags::FAST))
//         .doc("1.0.0", "Returns the string value of a key.");
impl Family {
    /// A family reporting `group`, whose commands have no keys unless
    /// [`keys`](Family::keys) says otherwise.
    pub const fn new(group: &'static str) -> Family {
        Family { group, keys: KeySpec::None }
    }

    /// The key spec of the family's commands, unless a command sets its
    /// own.
    pub const fn keys(self, keys: KeySpec) -> Family {
        Family { keys, ..self }
    }

    /// Command `name` of this family, with Redis's `arity`, running as
    /// `run`; no flags until [`Command::flags`] and [`Command::internal`]
    /// add them, no docs until [`Command::doc`].
    pub const fn command(self, name: &'static str, arity: i32, run: Run) -> Command {
        Command {
            name,
            arity,
            flags: Flags::empty(),
            internal: Internal::empty(),
            keys: self.keys,
            run,
            group: self.group,
            summary: "",
            since: "",
        }
    }
}

impl Command {
    /// With Redis's flags `flags`.
    pub const fn flags(self, flags: Flags) -> Command {
        Command { flags, ..self }
    }

    /// With this server's own flags `internal`.
    pub const fn internal(self, internal: Internal) -> Command {
        Command { internal, ..self }
    }

    /// With key spec `keys` instead of the family's.
    pub const fn keys(self, keys: KeySpec) -> Command {
        Command { keys, ..self }
    }

    /// With the Redis version that introduced it and its one-line summary,
    /// for `COMMAND DOCS`.
    pub const fn doc(self, since: &'static str, summary: &'static str) -> Command {
        Command { since, summary, ..self }
    }

    /// Whether `argc` arguments (including the name) satisfy the arity.
    #[inline]
    pub fn arity_ok(&self, argc: usize) -> bool {
        let argc = argc as i32;
        if self.arity >= 0 {
            argc == self.arity
        } else {
            argc >= -self.arity
        }
    }

    /// The route of this command's keys among `args`, each hashed once.
    #[inline]
    pub fn route(&self, args: &[Bytes], router: &Router) -> Route {
        let mut b = RouteBuilder::new(router);
        self.keys.for_each(args, |i| b.key(&args[i]));
        b.finish()
    }

    /// How the command runs when its keys have `route`, with the error for
    /// one that cannot run there.
    pub fn plan(&self, route: &Route) -> Result<Plan, ReplyError> {
        Ok(match (self.run, route) {
            (Run::Shard(_), Route::Spanning(_)) => return Err(CROSSSLOT),
            (Run::Keyed { spanning, .. } | Run::Blocking { spanning, .. }, Route::Spanning(_)) => {
                Plan::Spanning(spanning)
            }
            (Run::Shard(f) | Run::Keyed { shard: f, .. } | Run::Blocking { shard: f, .. }, _) => {
                Plan::Shard(f, route.single())
            }
            (Run::Conn(f), _) => Plan::Conn(f),
            (Run::Async(f), _) => Plan::Async(f),
        })
    }
}

/// How one request runs, once its route is known (blocking commands by
/// their non-blocking form).
#[derive(Clone, Copy)]
pub enum Plan {
    /// On the shard owning every key (`None`: no key, the connection's own).
    Shard(ShardFn, Option<usize>),
    /// Keys on several shards: the cross-shard form, under a transaction.
    Spanning(TxnFn),
    /// On the connection, synchronously.
    Conn(ConnFn),
    /// On the connection, may wait.
    Async(AsyncFn),
}

/// Parses an argument as a 64-bit integer exactly as Redis does.
pub fn parse_int(arg: &[u8]) -> Result<i64, ReplyError> {
    coreshard_engine::numbers::string2ll(arg).ok_or_else(ReplyError::not_integer)
}

/// Whether `arg` equals `word` ignoring ASCII case (option names).
#[inline]
pub fn eq_ic(arg: &[u8], word: &str) -> bool {
    arg.eq_ignore_ascii_case(word.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_names_list_every_flag_in_order() {
        assert!(flags::NAMES.iter().map(|(f, _)| *f).eq(Flags::all().iter()));
        for ((_, name), (upper, _)) in flags::NAMES.iter().zip(Flags::all().iter_names()) {
            assert_eq!(*name, upper.to_ascii_lowercase());
        }
    }
}
