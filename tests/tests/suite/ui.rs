//! Compile-time behaviour, checked against the real compiler with trybuild: the README call
//! compiles, and every spec mistake in `tests/ui/<category>/` fails with the committed `.stderr`.
//!
//! To accept new output: `TRYBUILD=overwrite cargo test -p graph-api-tests ui`, then read the diff.

use std::path::{Path, PathBuf};

#[test]
fn ui() {
    stage_case_specs();
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    for category in [
        "toml",
        "paths",
        "actions",
        "types",
        "permissions",
        "multi",
        "macro",
    ] {
        t.compile_fail(format!("tests/ui/{category}/*.rs"));
    }
}

/// trybuild compiles each case in its own project folder, which is the `CARGO_MANIFEST_DIR` the
/// macro resolves spec paths against; the cases' spec files are copied there under `ui/`.
fn stage_case_specs() {
    let exe = std::env::current_exe().expect("test binary path");
    // <target>/debug/deps/suite-<hash>
    let target = exe.ancestors().nth(3).expect("target folder");
    let project = target.join("tests/trybuild").join(env!("CARGO_PKG_NAME"));
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ui");
    let dest = project.join("ui");
    let _ = std::fs::remove_dir_all(&dest);
    copy_specs(&source, &dest);
    // The cases that read a folder (every folder below a group) need it declared tracked, as a crate's build script does
    // (`graph-spec build-script`); trybuild's project has no build script, so cargo's `[env]`
    // in the project's own config declares them, over the value this crate's own build script
    // set, which cargo hands to the test process and so to trybuild's cargo.
    let mut folders: Vec<String> = Vec::new();
    for group in std::fs::read_dir(&source).expect("ui folder") {
        let group = group.expect("entry").path();
        if !group.is_dir() {
            continue;
        }
        for case in std::fs::read_dir(&group).expect("ui group folder") {
            let case = case.expect("entry").path();
            if case.is_dir()
                && let Ok(rel) = case.strip_prefix(&source)
            {
                folders.push(format!("ui/{}", rel.display()));
            }
        }
    }
    folders.sort();
    let config = project.join(".cargo");
    std::fs::create_dir_all(&config).expect("create cargo config folder");
    std::fs::write(
        config.join("config.toml"),
        format!(
            "[env]\n{} = {{ value = \"{}\", force = true }}\n",
            graph_codegen::source::TRACKED_ENV,
            folders.join(";")
        ),
    )
    .expect("write cargo config");
}

fn copy_specs(from: &Path, to: &Path) {
    let entries: Vec<PathBuf> = std::fs::read_dir(from)
        .expect("ui folder")
        .map(|e| e.expect("entry").path())
        .collect();
    for path in entries {
        let name = path.file_name().expect("file name");
        if path.is_dir() {
            copy_specs(&path, &to.join(name));
        } else if path.extension().is_some_and(|e| e == "toml") {
            std::fs::create_dir_all(to).expect("create staging folder");
            std::fs::copy(&path, to.join(name)).expect("copy case spec");
        }
    }
}
