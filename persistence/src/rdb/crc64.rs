//! Redis's CRC-64 (Jones polynomial 0xad93d23594c935a9, reflected, initial
//! value 0, no final xor: `CRC_64_REDIS` in the CRC catalogue), which
//! checksums DUMP payloads and RDB files.

/// Its table is built at compile time.
static CRC64: crc::Crc<u64> = crc::Crc::<u64>::new(&crc::CRC_64_REDIS);

/// Continues `crc` over `data` (start with 0).
pub fn crc64(crc: u64, data: &[u8]) -> u64 {
    // The crate takes the initial value unreflected and reflects it itself;
    // a running CRC of this algorithm is already reflected.
    let mut digest = CRC64.digest_with_initial(crc.reverse_bits());
    digest.update(data);
    digest.finalize()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redis_test_vectors() {
        // From Redis's crc64.c self-test.
        assert_eq!(crc64(0, b"123456789"), 0xe9c6_d914_c4b8_d9ca);
        // Incremental use gives the same result.
        assert_eq!(crc64(crc64(0, b"1234"), b"56789"), 0xe9c6_d914_c4b8_d9ca);
    }
}
