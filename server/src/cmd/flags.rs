//! Command flags: Redis's, which `COMMAND INFO` lists, and this server's
//! own, which it does not.

bitflags::bitflags! {
    /// Redis's command flags, in `COMMAND INFO`'s order.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct Flags: u16 {
        /// Modifies the keyspace.
        const WRITE = 1;
        /// Only reads.
        const READONLY = 1 << 1;
        /// May grow memory: refused when out of memory.
        const DENYOOM = 1 << 2;
        /// Administrative.
        const ADMIN = 1 << 3;
        /// Pub/Sub related.
        const PUBSUB = 1 << 4;
        /// Not allowed in scripts.
        const NOSCRIPT = 1 << 5;
        /// May block the client.
        const BLOCKING = 1 << 6;
        /// Allowed while loading.
        const LOADING = 1 << 7;
        /// Allowed on a stale replica.
        const STALE = 1 << 8;
        /// O(1) or O(log N).
        const FAST = 1 << 9;
        /// Allowed before AUTH.
        const NO_AUTH = 1 << 10;
        /// Not allowed inside MULTI (it answers "ERR Command not allowed inside a transaction").
        const NO_MULTI = 1 << 11;
    }
}

bitflags::bitflags! {
    /// How this server treats a command, beyond Redis's flags.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct Internal: u8 {
        /// Allowed in subscribed (RESP2) mode.
        const PUBSUB_OK = 1;
        /// Touches every shard (FLUSHALL, DBSIZE, KEYS, ...): an EXEC
        /// holding it locks every shard.
        const ALL_SHARDS = 1 << 1;
        /// Runs at once even inside MULTI (MULTI, EXEC, DISCARD, WATCH,
        /// QUIT, RESET).
        const TXN_CONTROL = 1 << 2;
    }
}

/// Names for `COMMAND INFO`, in its order.
pub const NAMES: &[(Flags, &str)] = &[
    (Flags::WRITE, "write"),
    (Flags::READONLY, "readonly"),
    (Flags::DENYOOM, "denyoom"),
    (Flags::ADMIN, "admin"),
    (Flags::PUBSUB, "pubsub"),
    (Flags::NOSCRIPT, "noscript"),
    (Flags::BLOCKING, "blocking"),
    (Flags::LOADING, "loading"),
    (Flags::STALE, "stale"),
    (Flags::FAST, "fast"),
    (Flags::NO_AUTH, "no_auth"),
    (Flags::NO_MULTI, "no_multi"),
];
