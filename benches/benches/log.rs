//! The log's hot paths: turning a record into commands and appending them
//! to a shard's buffer (what every write pays with persistence on), sealing
//! a batch (CRC-32C), and reading a file back at start.
//!
//! `cargo bench -p coreshard-benches --bench log`

use std::hint::black_box;

use coreshard_engine::mutation::{Arg, Event, Mutation};
use coreshard_engine::propagate::commands;
use coreshard_engine::ValueRef;
use coreshard_persistence::log::format::{crc32c, encode_command, encode_trailer, parse};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};

fn write_record<'a>(key: &'a [u8], value: &'a [u8]) -> Mutation<'a> {
    Mutation {
        shard: 0,
        seq: 1,
        db: 0,
        key,
        event: Event::Write { value: ValueRef::Str(value), expire_at: None },
        delta: None,
    }
}

fn append(c: &mut Criterion) {
    let mut g = c.benchmark_group("log_append");
    g.throughput(Throughput::Elements(1));
    let value = vec![b'v'; 64];
    let key = b"key:000000012345";
    let m = write_record(key, &value);
    let mut buf = Vec::with_capacity(1 << 20);
    g.bench_function("set_64B", |b| {
        b.iter(|| {
            if buf.len() > 1 << 19 {
                buf.clear();
            }
            commands(black_box(&m), |args| encode_command(&mut buf, args));
        })
    });
    // A delta on a large list: the record holds the list, the delta is what
    // gets written.
    let list: coreshard_engine::types::List = (0..100_000).map(|i| bytes::Bytes::from(format!("e{i}"))).collect();
    let delta = [Arg::Bytes(b"LPUSH"), Arg::Key, Arg::Bytes(b"one-more")];
    let m = Mutation {
        shard: 0,
        seq: 2,
        db: 0,
        key: b"biglist",
        event: Event::Write { value: ValueRef::List(&list), expire_at: None },
        delta: Some(&delta),
    };
    g.bench_function("lpush_delta_on_100k_list", |b| {
        b.iter(|| {
            if buf.len() > 1 << 19 {
                buf.clear();
            }
            commands(black_box(&m), |args| encode_command(&mut buf, args));
        })
    });
    g.finish();
}

/// A batch of `n` SETs of 64-byte values, as the batcher leaves it.
fn batch(n: usize) -> Vec<u8> {
    let value = vec![b'v'; 64];
    let mut out = Vec::new();
    for i in 0..n {
        let key = format!("key:{i:012}");
        commands(&write_record(key.as_bytes(), &value), |args| encode_command(&mut out, args));
    }
    out
}

fn seal_and_read(c: &mut Criterion) {
    let mut g = c.benchmark_group("log_batch");
    let body = batch(1000);
    g.throughput(Throughput::Bytes(body.len() as u64));
    g.bench_function("crc32c_1000_sets", |b| b.iter(|| crc32c(black_box(&body))));
    let mut file = Vec::new();
    for _ in 0..100 {
        let crc = crc32c(&body);
        file.extend_from_slice(&body);
        encode_trailer(&mut file, body.len(), crc);
    }
    g.throughput(Throughput::Bytes(file.len() as u64));
    g.bench_function("parse_100k_sets", |b| {
        b.iter_batched(|| (), |_| parse(black_box(&file)).commands.len(), BatchSize::SmallInput)
    });
    g.finish();
}

criterion_group!(benches, append, seal_and_read);
criterion_main!(benches);
