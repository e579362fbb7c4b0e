//! Generator scaling: check plus expand time for synthetic specs of 10 to 10,000 actions, and the
//! size of the generated code per action.
//!
//! `cargo bench -p graph-codegen --bench generator`

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use graph_codegen::{SourceFile, SourceMap};
use std::hint::black_box;

const SIZES: [usize; 4] = [10, 100, 1_000, 10_000];

fn sources(actions: usize) -> SourceMap {
    let mut map = SourceMap::default();
    map.add(SourceFile::new(
        "synthetic.toml",
        "synthetic.toml",
        graph_codegen::synth::synthetic(actions),
    ));
    map
}

/// Parse, check, model and expand: what the macro does on every build.
fn pipeline(map: &SourceMap) -> proc_macro2::TokenStream {
    let (spec, tree, diags) = graph_codegen::load(map);
    assert!(diags.is_empty());
    graph_codegen::expand::expand(&spec, &tree, &graph_codegen::Options::default())
}

fn generator(c: &mut Criterion) {
    let mut group = c.benchmark_group("check_and_expand");
    group.sample_size(10);
    for n in SIZES {
        let map = sources(n);
        let code = graph_codegen::pretty(&pipeline(&map)).expect("valid Rust");
        let spec_bytes = map.files().map(|(_, f)| f.text.len()).sum::<usize>();
        eprintln!(
            "size {n:>6} actions: spec {:>9} bytes, generated {:>10} bytes formatted = {:>5} bytes/action, {:>4} lines/action",
            spec_bytes,
            code.len(),
            code.len() / n,
            code.lines().count() / n
        );
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::from_parameter(n), &map, |b, map| {
            b.iter(|| black_box(pipeline(map)))
        });
    }
    group.finish();
}

criterion_group!(benches, generator);
criterion_main!(benches);
