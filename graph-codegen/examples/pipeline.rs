//! Runs the generator's pipeline (parse, check, model, expand) over a synthetic spec, for
//! instruction counts that a shared machine does not disturb:
//!
//! ```sh
//! cargo build --release -p graph-codegen --example pipeline
//! valgrind --tool=callgrind target/release/examples/pipeline 1000 1   # one run
//! valgrind --tool=callgrind target/release/examples/pipeline 1000 2   # two; the difference is one
//! ```

use graph_codegen::{SourceFile, SourceMap};

fn main() {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<usize>());
    let (Some(Ok(actions)), Some(Ok(runs))) = (args.next(), args.next()) else {
        eprintln!("usage: pipeline <actions> <runs>");
        std::process::exit(2);
    };
    let mut map = SourceMap::default();
    map.add(SourceFile::new(
        "synthetic.toml",
        "synthetic.toml",
        graph_codegen::synth::synthetic(actions),
    ));
    let mut tokens = 0;
    for _ in 0..runs {
        let (spec, tree, diags) = graph_codegen::load(&map);
        assert!(diags.is_empty(), "the synthetic spec checks clean");
        let out = graph_codegen::expand::expand(&spec, &tree, &graph_codegen::Options::default());
        tokens += out.into_iter().count();
    }
    println!("{actions} actions, {runs} runs, {tokens} top-level token trees");
}
