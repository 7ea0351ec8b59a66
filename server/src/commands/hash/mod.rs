//! Hash commands: HSET, HGET, HGETALL, HINCRBY, HRANDFIELD, HSCAN, ...

use crate::cmd::{Command, Family, KeySpec};

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

/// The family's defaults.
const HASH: Family = Family::new("hash").keys(KeySpec::FIRST);

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

#[cfg(test)]
mod tests {
    use crate::commands::collection::run_lines;

    /// Replies recorded from Redis 7.0 over RESP3.
    #[test]
    fn resp3_shapes() {
        let got = run_lines(
            true,
            &[
                "hset h a 1 b 2",
                "hgetall h",
                "hgetall nokey",
                "hrandfield h 5 withvalues",
                "hrandfield h 2",
                "hrandfield nokey",
                "hrandfield nokey 2",
                "hscan h 0",
                "hmget h a x",
                "hexists h a",
            ],
        );
        let want = [
            ":2\r\n",
            "%2\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n",
            "%0\r\n",
            "*2\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n",
            "*2\r\n$1\r\na\r\n$1\r\nb\r\n",
            "_\r\n",
            "*0\r\n",
            "*2\r\n$1\r\n0\r\n*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n",
            "*2\r\n$1\r\n1\r\n_\r\n",
            ":1\r\n",
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn resp2_pairs_are_flat() {
        let got = run_lines(false, &["hset h a 1", "hgetall h", "hrandfield h 1 withvalues", "hget h x"]);
        assert_eq!(got, [":1\r\n", "*2\r\n$1\r\na\r\n$1\r\n1\r\n", "*2\r\n$1\r\na\r\n$1\r\n1\r\n", "$-1\r\n"]);
    }
}
