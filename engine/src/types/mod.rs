//! Redis value types and the engine operations on them, one file per type.
//! Each file defines the collection type (where there is one) and the
//! operations as methods on [`Shard`](crate::Shard), so embedded users and the
//! server share one implementation.

mod hash;
mod keys;
mod list;
mod set;
mod string;
mod zset;

pub use hash::Hash;
pub use keys::*;
pub use list::*;
pub use set::Set;
pub use string::*;
pub use zset::*;
