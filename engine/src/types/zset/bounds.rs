//! Score arguments, and the range bounds of the BYSCORE and BYLEX forms,
//! with Redis's exact acceptance rules.
//!
//! Redis reads scores with C `strtod` ([`crate::numbers`]), so it accepts
//! what `strtod` accepts: leading `+`, `.5`, `5.`, exponents,
//! `inf`/`infinity` in any case, and hex floats (`0x1p-2`). ZADD-style
//! arguments go through `string2d` (consumed entirely, no leading
//! whitespace, no overflow or underflow to zero); range bounds go through
//! bare `strtod`, which skips leading whitespace, accepts an empty string as
//! 0 and saturates on overflow.

use bytes::Bytes;

use crate::error::{ArgError, Error, Result};
use crate::numbers::{string2d, strtod};

/// Parses a score or increment argument (ZADD, ZINCRBY) as Redis does;
/// fails with [`Error::NotFloat`].
pub fn parse_score(arg: &[u8]) -> Result<f64> {
    string2d(arg).ok_or(Error::NotFloat)
}

/// Parses a WEIGHTS argument of ZUNION/ZINTER(STORE); fails with
/// [`ArgError::WeightNotFloat`].
pub fn parse_weight(arg: &[u8]) -> Result<f64> {
    parse_score(arg).map_err(|_| Error::InvalidArgument(ArgError::WeightNotFloat))
}

/// One end of a score range: `1.5`, `(1.5` (exclusive), `-inf`, `+inf`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoreBound {
    /// The bound's value (never NaN).
    pub value: f64,
    /// True for a `(` bound, which excludes `value` itself.
    pub exclusive: bool,
}

impl ScoreBound {
    /// An inclusive bound.
    pub fn inclusive(value: f64) -> Self {
        ScoreBound { value, exclusive: false }
    }

    /// An exclusive bound.
    pub fn exclusive(value: f64) -> Self {
        ScoreBound { value, exclusive: true }
    }

    /// Parses a ZRANGEBYSCORE/ZCOUNT bound; fails with
    /// [`ArgError::ScoreBoundNotFloat`].
    pub fn parse(arg: &[u8]) -> Result<Self> {
        let (exclusive, text) = match arg.first() {
            Some(b'(') => (true, &arg[1..]),
            _ => (false, arg),
        };
        let p = strtod(text);
        // Redis checks only that strtod stopped at the string's terminating
        // NUL, so a bound with an embedded NUL ends there.
        let stopped_at_end = text.get(p.len).is_none_or(|&b| b == 0);
        if !stopped_at_end || p.value.is_nan() {
            return Err(Error::InvalidArgument(ArgError::ScoreBoundNotFloat));
        }
        Ok(ScoreBound { value: p.value, exclusive })
    }

    /// True when `score` is not below this bound taken as a minimum.
    #[inline]
    pub fn gte_min(&self, score: f64) -> bool {
        if self.exclusive {
            score > self.value
        } else {
            score >= self.value
        }
    }

    /// True when `score` is not above this bound taken as a maximum.
    #[inline]
    pub fn lte_max(&self, score: f64) -> bool {
        if self.exclusive {
            score < self.value
        } else {
            score <= self.value
        }
    }
}

/// One end of a lexical range: `-`, `+`, `[member` or `(member`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LexBound {
    /// `-`: below every member.
    NegInf,
    /// `+`: above every member.
    PosInf,
    /// `[member`: includes `member`.
    Inclusive(Bytes),
    /// `(member`: excludes `member`.
    Exclusive(Bytes),
}

impl LexBound {
    /// Parses a ZRANGEBYLEX/ZLEXCOUNT bound; fails with
    /// [`ArgError::LexBoundInvalid`].
    pub fn parse(arg: &[u8]) -> Result<Self> {
        // As in Redis, `+`/`-` must be the whole C string (a NUL may follow).
        let alone = arg.get(1).is_none_or(|&b| b == 0);
        match arg.first() {
            Some(b'+') if alone => Ok(LexBound::PosInf),
            Some(b'-') if alone => Ok(LexBound::NegInf),
            Some(b'[') => Ok(LexBound::Inclusive(Bytes::copy_from_slice(&arg[1..]))),
            Some(b'(') => Ok(LexBound::Exclusive(Bytes::copy_from_slice(&arg[1..]))),
            _ => Err(Error::InvalidArgument(ArgError::LexBoundInvalid)),
        }
    }

    /// True when `member` is not below this bound taken as a minimum.
    #[inline]
    pub fn gte_min(&self, member: &[u8]) -> bool {
        match self {
            LexBound::NegInf => true,
            LexBound::PosInf => false,
            LexBound::Inclusive(b) => member >= b.as_ref(),
            LexBound::Exclusive(b) => member > b.as_ref(),
        }
    }

    /// True when `member` is not above this bound taken as a maximum.
    #[inline]
    pub fn lte_max(&self, member: &[u8]) -> bool {
        match self {
            LexBound::NegInf => false,
            LexBound::PosInf => true,
            LexBound::Inclusive(b) => member <= b.as_ref(),
            LexBound::Exclusive(b) => member < b.as_ref(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_are_whole_doubles() {
        assert_eq!(parse_score(b"0x1p-2"), Ok(0.25));
        assert_eq!(parse_score(b"1 "), Err(Error::NotFloat));
        assert_eq!(parse_score(b"nan"), Err(Error::NotFloat));
    }

    #[test]
    fn weights_have_their_own_error() {
        assert_eq!(parse_weight(b"2.5"), Ok(2.5));
        assert_eq!(parse_weight(b"x"), Err(Error::InvalidArgument(ArgError::WeightNotFloat)));
    }

    #[test]
    fn score_bounds() {
        assert_eq!(ScoreBound::parse(b"1.5"), Ok(ScoreBound::inclusive(1.5)));
        assert_eq!(ScoreBound::parse(b"(1.5"), Ok(ScoreBound::exclusive(1.5)));
        assert_eq!(ScoreBound::parse(b"-inf"), Ok(ScoreBound::inclusive(f64::NEG_INFINITY)));
        assert_eq!(ScoreBound::parse(b"(+inf"), Ok(ScoreBound::exclusive(f64::INFINITY)));
        // Bare strtod: empty is 0, leading space is skipped, overflow saturates.
        assert_eq!(ScoreBound::parse(b""), Ok(ScoreBound::inclusive(0.0)));
        assert_eq!(ScoreBound::parse(b"("), Ok(ScoreBound::exclusive(0.0)));
        assert_eq!(ScoreBound::parse(b" 1"), Ok(ScoreBound::inclusive(1.0)));
        assert_eq!(ScoreBound::parse(b"1e400"), Ok(ScoreBound::inclusive(f64::INFINITY)));
        assert_eq!(ScoreBound::parse(b"1e-400"), Ok(ScoreBound::inclusive(0.0)));
        assert_eq!(ScoreBound::parse(b"2\0junk"), Ok(ScoreBound::inclusive(2.0)));
        for s in ["1 ", "nan", "(nan", "-", "1e", "abc", "[1", "((1", "  "] {
            assert_eq!(
                ScoreBound::parse(s.as_bytes()),
                Err(Error::InvalidArgument(ArgError::ScoreBoundNotFloat)),
                "{s:?}"
            );
        }
        let b = ScoreBound::exclusive(1.0);
        assert!(b.gte_min(1.5) && !b.gte_min(1.0) && b.lte_max(0.5) && !b.lte_max(1.0));
        let b = ScoreBound::inclusive(1.0);
        assert!(b.gte_min(1.0) && b.lte_max(1.0));
    }

    #[test]
    fn lex_bounds() {
        assert_eq!(LexBound::parse(b"-"), Ok(LexBound::NegInf));
        assert_eq!(LexBound::parse(b"+"), Ok(LexBound::PosInf));
        assert_eq!(LexBound::parse(b"+\0x"), Ok(LexBound::PosInf));
        assert_eq!(LexBound::parse(b"[a"), Ok(LexBound::Inclusive(Bytes::from_static(b"a"))));
        assert_eq!(LexBound::parse(b"("), Ok(LexBound::Exclusive(Bytes::new())));
        for s in ["", "a", "+a", "-a", "]a"] {
            assert_eq!(LexBound::parse(s.as_bytes()), Err(Error::InvalidArgument(ArgError::LexBoundInvalid)), "{s:?}");
        }
        assert!(LexBound::NegInf.gte_min(b"") && !LexBound::NegInf.lte_max(b""));
        assert!(!LexBound::PosInf.gte_min(b"\xff") && LexBound::PosInf.lte_max(b"\xff"));
        let b = LexBound::Exclusive(Bytes::from_static(b"b"));
        assert!(b.gte_min(b"ba") && !b.gte_min(b"b") && b.lte_max(b"a") && !b.lte_max(b"b"));
    }
}
