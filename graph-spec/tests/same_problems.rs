//! The `spec!` macro and `graph-spec check` report the same problems: for every case of the
//! trybuild UI corpus (`tests/tests/ui`), the diagnostics of the graph-codegen entry the macro
//! calls, with the options a downstream `spec!(..., trait = Name)` invocation gets (graph-api's
//! navigation as its base), are compared with what `graph-spec check --base graph-api/spec`
//! prints for the same spec.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_graph-spec");

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every UI case's spec path (`ui/<category>/<case>`, a file or a folder), from the path
/// literal of its `graph_api::spec!` invocation, for invocations with `trait = `.
fn cases() -> Vec<String> {
    let ui = root().join("tests/tests/ui");
    let mut out = Vec::new();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&ui)
        .expect("ui folder")
        .map(|e| e.expect("entry").path())
        .collect();
    dirs.sort();
    for dir in dirs.into_iter().filter(|d| d.is_dir()) {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .expect("category folder")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "rs"))
            .collect();
        files.sort();
        for f in files {
            let text = std::fs::read_to_string(&f).expect("case");
            let Some(at) = text.find("spec!(\"ui/") else {
                continue;
            };
            let rest = &text[at + "spec!(\"".len()..];
            let path = &rest[..rest.find('"').expect("closing quote")];
            let args = &rest[..rest.find(')').expect("closing paren")];
            if args.contains("trait =") {
                out.push(path.to_owned());
            }
        }
    }
    out
}

/// Problems as a multiset of rendered diagnostics.
fn counted(items: impl IntoIterator<Item = String>) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for i in items {
        *m.entry(i).or_insert(0) += 1;
    }
    m
}

#[test]
fn the_macro_and_graph_spec_check_report_the_same_problems_on_the_ui_corpus() {
    let tests = root().join("tests/tests");
    // What graph-api's forwarding macro hands a downstream invocation: its whole navigation
    // (the UI crate builds graph-api with its default features, which are all of them) and
    // the methods it writes by hand.
    let graph_api = root().join("graph-api");
    let base = graph_codegen::generate(&graph_api.join("spec"), &graph_api, &Default::default());
    assert!(base.diagnostics.is_empty(), "graph-api's spec is clean");
    let opts = graph_codegen::Options {
        extension_trait: Some(quote::format_ident!("Spec")),
        base: Some(
            base.index()
                .reserving(graph_codegen::extension::BASE_HANDWRITTEN),
        ),
        ..Default::default()
    };
    let cases = cases();
    assert!(
        cases.len() >= 40,
        "the corpus has its cases: {}",
        cases.len()
    );
    let mut compared = 0;
    for case in &cases {
        let spec = tests.join(case);
        if !spec.exists() {
            continue;
        }
        let generated = graph_codegen::generate(&spec, &tests, &opts);
        let from_macro = counted(
            generated
                .diagnostics
                .iter()
                .map(|d| d.render(&generated.sources)),
        );
        let out = Command::new(BIN)
            .args(["check", "--base", "../../graph-api/spec", case])
            .current_dir(&tests)
            .output()
            .expect("graph-spec runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let from_cli = counted(
            stderr
                .split("\n\n")
                .map(str::trim_end)
                .filter(|b| !b.is_empty() && !b.starts_with("error: "))
                .map(str::to_owned),
        );
        assert_eq!(
            from_macro, from_cli,
            "{case}: the macro's problems (left) and graph-spec check's (right) differ"
        );
        assert_eq!(
            out.status.code(),
            Some(if from_macro.is_empty() { 0 } else { 1 }),
            "{case}: exit code"
        );
        compared += 1;
    }
    assert!(compared >= 40, "compared {compared} cases");
}

/// The ten-mistake case: both report all ten.
#[test]
fn ten_mistakes_in_two_files_are_ten_problems_in_one_run() {
    let out = Command::new(BIN)
        .args(["check", "ui/multi/ten_mistakes_in_two_files"])
        .current_dir(root().join("tests/tests"))
        .output()
        .expect("graph-spec runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("ui/multi/ten_mistakes_in_two_files: 10 problem(s)"),
        "{stderr}"
    );
    assert_eq!(
        stderr
            .matches("--> ui/multi/ten_mistakes_in_two_files/a.toml")
            .count(),
        5
    );
    assert_eq!(
        stderr
            .matches("--> ui/multi/ten_mistakes_in_two_files/b.toml")
            .count(),
        5
    );
}
