//! Shared pieces of the benchmark binaries: deterministic key streams,
//! pinning, and RSS measurement. Every implementation is driven by the same
//! seeded stream, and pays its own hashing and routing on it.

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Zipf};

/// Which keys a stream draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dist {
    /// Zipf with exponent 0.99 (rank 1 most popular).
    Zipf,
    /// Uniform.
    Uniform,
}

impl Dist {
    /// Name used in CSV output.
    pub fn name(self) -> &'static str {
        match self {
            Dist::Zipf => "zipf",
            Dist::Uniform => "uniform",
        }
    }
}

/// One operation of a stream: read or write key `key`.
#[derive(Debug, Clone, Copy)]
pub struct Op {
    /// Index into the key table.
    pub key: u32,
    /// True for a write.
    pub write: bool,
}

/// A seeded stream of `len` operations over `keys` keys, with the given
/// fraction of writes.
pub fn op_stream(seed: u64, len: usize, keys: usize, dist: Dist, write_ratio: f64) -> Vec<Op> {
    let mut rng = SmallRng::seed_from_u64(seed);
    let zipf = Zipf::new(keys as u64, 0.99).expect("valid zipf parameters");
    (0..len)
        .map(|_| {
            let key = match dist {
                // Scatter ranks over the key space so hot keys are not neighbours.
                Dist::Zipf => ((zipf.sample(&mut rng) as u64 - 1).wrapping_mul(2_654_435_761) % keys as u64) as u32,
                Dist::Uniform => rng.gen_range(0..keys as u32),
            };
            Op { key, write: write_ratio > 0.0 && rng.gen_bool(write_ratio) }
        })
        .collect()
}

/// The key table: `n` distinct 16-byte keys (`key:` + 12 digits).
pub fn keys(n: usize) -> Vec<[u8; 16]> {
    (0..n)
        .map(|i| {
            let mut k = *b"key:000000000000";
            let mut v = i;
            for b in k[4..].iter_mut().rev() {
                *b = b'0' + (v % 10) as u8;
                v /= 10;
            }
            k
        })
        .collect()
}

/// Resident set size of this process in bytes.
pub fn rss_bytes() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: usize = statm.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    pages * 4096
}

/// Pins the current thread to `core` if it exists.
pub fn pin(core: usize) {
    if let Some(ids) = core_affinity::get_core_ids() {
        if let Some(id) = ids.get(core % ids.len().max(1)) {
            core_affinity::set_for_current(*id);
        }
    }
}

/// Thread CPU time of the calling process so far, in seconds.
pub fn process_cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat.rsplit(')').next().unwrap_or("").split_whitespace().collect();
    let ticks: f64 = fields.get(11).and_then(|s| s.parse::<f64>().ok()).unwrap_or(0.0)
        + fields.get(12).and_then(|s| s.parse::<f64>().ok()).unwrap_or(0.0);
    ticks / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_deterministic_and_in_range() {
        let a = op_stream(7, 10_000, 1000, Dist::Zipf, 0.2);
        let b = op_stream(7, 10_000, 1000, Dist::Zipf, 0.2);
        assert!(a.iter().zip(&b).all(|(x, y)| x.key == y.key && x.write == y.write));
        assert!(a.iter().all(|o| (o.key as usize) < 1000));
        let writes = a.iter().filter(|o| o.write).count();
        assert!((1500..2500).contains(&writes), "{writes}");
        // Zipf is skewed: the most frequent key takes far more than 1/1000.
        let mut counts = vec![0usize; 1000];
        a.iter().for_each(|o| counts[o.key as usize] += 1);
        assert!(*counts.iter().max().unwrap() > 500);
    }

    #[test]
    fn keys_are_distinct_16_byte_strings() {
        let k = keys(1000);
        assert_eq!(&k[42], b"key:000000000042");
        let set: std::collections::HashSet<_> = k.iter().collect();
        assert_eq!(set.len(), 1000);
    }
}
