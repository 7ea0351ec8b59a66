//! String commands.

use crate::cmd::{Command, Family, KeySpec};

mod append;
mod get;
mod getdel;
mod getex;
mod getrange;
mod getset;
mod incr;
mod incrbyfloat;
mod lcs;
mod mget;
mod mset;
mod set;
mod setex;
mod setnx;
mod setrange;
mod strlen;

/// The family's defaults.
const STRING: Family = Family::new("string").keys(KeySpec::FIRST);

/// The family's commands.
pub const COMMANDS: &[&Command] = &[
    &get::GET,
    &set::SET,
    &getset::GETSET,
    &getdel::GETDEL,
    &getex::GETEX,
    &setnx::SETNX,
    &setex::SETEX,
    &setex::PSETEX,
    &append::APPEND,
    &strlen::STRLEN,
    &getrange::GETRANGE,
    &getrange::SUBSTR,
    &setrange::SETRANGE,
    &incr::INCR,
    &incr::DECR,
    &incr::INCRBY,
    &incr::DECRBY,
    &incrbyfloat::INCRBYFLOAT,
    &mget::MGET,
    &mset::MSET,
    &mset::MSETNX,
    &lcs::LCS,
];
