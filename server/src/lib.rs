//! coreshard-server: a Redis-compatible server on the coreshard engine.
