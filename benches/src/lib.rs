//! Benchmark support code shared by the benchmark binaries.
