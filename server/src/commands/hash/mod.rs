//! Hash commands: HSET, HGET, HGETALL, HINCRBY, HRANDFIELD, HSCAN, ...

use crate::cmd::Command;

mod hdel;
mod hexists;
mod hget;
mod hgetall;
mod hincrby;
mod hincrbyfloat;
mod hkeys;
mod hlen;
mod hmget;
mod hrandfield;
mod hscan;
mod hset;
mod hsetnx;
mod hstrlen;
mod hvals;

/// The family's commands.
pub const COMMANDS: &[&Command] = &[
    &hset::HSET,
    &hset::HMSET,
    &hsetnx::HSETNX,
    &hget::HGET,
    &hmget::HMGET,
    &hdel::HDEL,
    &hlen::HLEN,
    &hstrlen::HSTRLEN,
    &hexists::HEXISTS,
    &hkeys::HKEYS,
    &hvals::HVALS,
    &hgetall::HGETALL,
    &hincrby::HINCRBY,
    &hincrbyfloat::HINCRBYFLOAT,
    &hrandfield::HRANDFIELD,
    &hscan::HSCAN,
];
