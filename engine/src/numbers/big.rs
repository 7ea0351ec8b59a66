//! The little big-integer arithmetic exact long-double rounding needs.

use std::cmp::Ordering;

/// Minimal unsigned big integer: little-endian 64-bit limbs, no
/// trailing zero limbs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Big(Vec<u64>);

impl Big {
    pub(super) fn from_u64(v: u64) -> Big {
        if v == 0 {
            Big(Vec::new())
        } else {
            Big(vec![v])
        }
    }

    pub(super) fn from_u128(v: u128) -> Big {
        let mut b = Big(vec![v as u64, (v >> 64) as u64]);
        b.trim();
        b
    }

    pub(super) fn pow10(mut n: u64) -> Big {
        let mut b = Big::from_u64(1);
        while n >= 19 {
            b.mul_add_small(10u64.pow(19), 0);
            n -= 19;
        }
        b.mul_add_small(10u64.pow(n as u32), 0);
        b
    }

    fn trim(&mut self) {
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
    }

    pub(super) fn is_zero(&self) -> bool {
        self.0.is_empty()
    }

    pub(super) fn bit_len(&self) -> i64 {
        match self.0.last() {
            None => 0,
            Some(&top) => (self.0.len() as i64 - 1) * 64 + (64 - top.leading_zeros() as i64),
        }
    }

    /// `self = self * m + a`.
    pub(super) fn mul_add_small(&mut self, m: u64, a: u64) {
        let mut carry = a as u128;
        for limb in self.0.iter_mut() {
            let t = *limb as u128 * m as u128 + carry;
            *limb = t as u64;
            carry = t >> 64;
        }
        if carry != 0 {
            self.0.push(carry as u64);
        }
        self.trim();
    }

    pub(super) fn mul(&self, o: &Big) -> Big {
        let mut r = vec![0u64; self.0.len() + o.0.len()];
        for (i, &x) in self.0.iter().enumerate() {
            let mut carry = 0u128;
            for (j, &y) in o.0.iter().enumerate() {
                let t = r[i + j] as u128 + x as u128 * y as u128 + carry;
                r[i + j] = t as u64;
                carry = t >> 64;
            }
            r[i + o.0.len()] = carry as u64;
        }
        let mut b = Big(r);
        b.trim();
        b
    }

    pub(super) fn shl(&self, n: i64) -> Big {
        if self.is_zero() || n <= 0 {
            return self.clone();
        }
        let (limbs, bits) = ((n / 64) as usize, (n % 64) as u32);
        let mut r = vec![0u64; limbs];
        r.reserve(self.0.len() + 1);
        if bits == 0 {
            r.extend_from_slice(&self.0);
        } else {
            let mut carry = 0u64;
            for &x in &self.0 {
                r.push((x << bits) | carry);
                carry = x >> (64 - bits);
            }
            r.push(carry);
        }
        let mut b = Big(r);
        b.trim();
        b
    }

    pub(super) fn shr1(&mut self) {
        let mut carry = 0u64;
        for limb in self.0.iter_mut().rev() {
            let next = *limb << 63;
            *limb = (*limb >> 1) | carry;
            carry = next;
        }
        self.trim();
    }

    pub(super) fn cmp(&self, o: &Big) -> Ordering {
        self.0.len().cmp(&o.0.len()).then_with(|| self.0.iter().rev().cmp(o.0.iter().rev()))
    }

    pub(super) fn add(&self, o: &Big) -> Big {
        let (long, short) = if self.0.len() >= o.0.len() { (self, o) } else { (o, self) };
        let mut r = Vec::with_capacity(long.0.len() + 1);
        let mut carry = false;
        for (i, &x) in long.0.iter().enumerate() {
            let y = short.0.get(i).copied().unwrap_or(0);
            let (s1, c1) = x.overflowing_add(y);
            let (s2, c2) = s1.overflowing_add(carry as u64);
            r.push(s2);
            carry = c1 || c2;
        }
        if carry {
            r.push(1);
        }
        Big(r)
    }

    /// `self - o`, for `self >= o`.
    pub(super) fn sub(&self, o: &Big) -> Big {
        let mut r = Vec::with_capacity(self.0.len());
        let mut borrow = false;
        for (i, &x) in self.0.iter().enumerate() {
            let y = o.0.get(i).copied().unwrap_or(0);
            let (d1, b1) = x.overflowing_sub(y);
            let (d2, b2) = d1.overflowing_sub(borrow as u64);
            r.push(d2);
            borrow = b1 || b2;
        }
        let mut b = Big(r);
        b.trim();
        b
    }

    pub(super) fn to_decimal(&self) -> Vec<u8> {
        const CHUNK: u64 = 10_000_000_000_000_000_000; // 10^19
        let mut n = self.clone();
        let mut chunks = Vec::new();
        while !n.is_zero() {
            let mut rem = 0u128;
            for limb in n.0.iter_mut().rev() {
                let cur = (rem << 64) | *limb as u128;
                *limb = (cur / CHUNK as u128) as u64;
                rem = cur % CHUNK as u128;
            }
            n.trim();
            chunks.push(rem as u64);
        }
        let mut out = Vec::with_capacity(chunks.len() * 19 + 1);
        match chunks.pop() {
            None => out.push(b'0'),
            Some(top) => out.extend_from_slice(itoa::Buffer::new().format(top).as_bytes()),
        }
        let mut digits = itoa::Buffer::new();
        for &c in chunks.iter().rev() {
            let s = digits.format(c).as_bytes();
            out.resize(out.len() + 19 - s.len(), b'0');
            out.extend_from_slice(s);
        }
        out
    }
}
