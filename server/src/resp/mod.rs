//! The Redis serialization protocol: request decoding and reply encoding.

pub mod decode;
pub mod encode;

pub use decode::{check, parse, DecodeError, Frame, Limits};
pub use encode::ReplyBuf;
