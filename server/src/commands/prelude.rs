//! What nearly every command file uses, in one `use`.

pub use bytes::Bytes;

pub use crate::cmd::{
    eq_ic, parse_int, CmdResult, Command, Flags, Internal, KeySpec, LocalFuture, ReplyError, Run, ShardCall, TxnCall,
};
pub use crate::conn::Conn;
pub use crate::resp::ReplyBuf;
