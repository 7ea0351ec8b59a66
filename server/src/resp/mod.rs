//! The Redis serialization protocol: request decoding and reply encoding.

pub mod decode;
pub mod encode;

pub use decode::{check, parse, peek_name_and_key, DecodeError, Frame, Limits};
pub use encode::{Mark, ReplyBuf};
