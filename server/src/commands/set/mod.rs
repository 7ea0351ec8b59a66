//! Set commands: SADD, SMEMBERS, SPOP, SMOVE, SINTER/SUNION/SDIFF and their
//! STORE forms, SINTERCARD, SSCAN, ...
//!
//! The multi-key commands run as one shard operation when their keys share
//! a shard, and as a transaction over every involved shard otherwise.

use bytes::Bytes;

use crate::cmd::{Command, Family, KeySpec};
use crate::resp::ReplyBuf;

mod sadd;
mod scard;
mod sinter;
mod sintercard;
mod sismember;
mod smembers;
mod smismember;
mod smove;
mod spop;
mod srandmember;
mod srem;
mod sscan;

/// The family's defaults.
const SET: Family = Family::new("set").keys(KeySpec::FIRST);

/// The family's commands.
pub const COMMANDS: &[&Command] = &[
    &sadd::SADD,
    &srem::SREM,
    &scard::SCARD,
    &sismember::SISMEMBER,
    &smismember::SMISMEMBER,
    &smembers::SMEMBERS,
    &srandmember::SRANDMEMBER,
    &spop::SPOP,
    &sscan::SSCAN,
    &smove::SMOVE,
    &sinter::SINTER,
    &sinter::SUNION,
    &sinter::SDIFF,
    &sinter::SINTERSTORE,
    &sinter::SUNIONSTORE,
    &sinter::SDIFFSTORE,
    &sintercard::SINTERCARD,
];

/// Writes members as a set reply (RESP3 `~`, an array in RESP2).
fn reply_set(out: &mut ReplyBuf, members: &[Bytes]) {
    out.set(members.len());
    for m in members {
        out.bulk(m);
    }
}

#[cfg(test)]
mod tests {
    use crate::commands::collection::run_lines;

    /// Replies recorded from Redis 7.0 over RESP3.
    #[test]
    fn resp3_shapes() {
        let got = run_lines(
            true,
            &[
                "sadd s a",
                "smembers s",
                "smembers nokey",
                "sinter s",
                "sunion s nokey",
                "sdiff s nokey",
                "spop nokey 2",
                "spop nokey",
                "spop s 5",
                "sadd s a",
                "srandmember s 2",
                "srandmember nokey",
                "smismember s a b",
                "sscan s 0",
            ],
        );
        let want = [
            ":1\r\n",
            "~1\r\n$1\r\na\r\n",
            "~0\r\n",
            "~1\r\n$1\r\na\r\n",
            "~1\r\n$1\r\na\r\n",
            "~1\r\n$1\r\na\r\n",
            "~0\r\n",
            "_\r\n",
            "~1\r\n$1\r\na\r\n",
            ":1\r\n",
            "*1\r\n$1\r\na\r\n",
            "_\r\n",
            "*2\r\n:1\r\n:0\r\n",
            "*2\r\n$1\r\n0\r\n*1\r\n$1\r\na\r\n",
        ];
        assert_eq!(got, want);
    }
}
