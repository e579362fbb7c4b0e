//! `graph-spec`: checks spec files and prints the Rust they expand to, for library authors and CI.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "usage:\n  graph-spec check <file-or-dir>...   print every problem; exit 1 on any\n  graph-spec expand <file-or-dir>     print the generated Rust, formatted\n  graph-spec synth <actions>          print a synthetic spec of that many actions (for scale tests)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    match args.split_first() {
        Some((cmd, paths)) if cmd == "check" && !paths.is_empty() => check(paths, &cwd),
        Some((cmd, [path])) if cmd == "expand" => expand(Path::new(path), &cwd),
        Some((cmd, [n])) if cmd == "synth" => match n.parse() {
            Ok(n) => {
                print!("{}", graph_codegen::synth::synthetic(n));
                ExitCode::SUCCESS
            }
            Err(_) => {
                eprintln!("error: `{n}` is not a number of actions\n{USAGE}");
                ExitCode::from(2)
            }
        },
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn check(paths: &[String], cwd: &Path) -> ExitCode {
    let mut failed = false;
    for p in paths {
        let generated =
            graph_codegen::generate(Path::new(p), cwd, &graph_codegen::Options::default());
        if let Some(errors) = generated.render_errors() {
            let count = generated.diagnostics.len();
            eprintln!("{errors}\n\nerror: {p}: {count} problem(s)\n");
            failed = true;
        } else {
            let files = generated.sources.files().count();
            println!("ok: {p} ({files} file(s))");
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn expand(path: &Path, cwd: &Path) -> ExitCode {
    let generated = graph_codegen::generate(path, cwd, &graph_codegen::Options::default());
    if let Some(errors) = generated.render_errors() {
        eprintln!("{errors}");
        return ExitCode::FAILURE;
    }
    match graph_codegen::pretty(&generated.tokens) {
        Ok(code) => {
            print!("{code}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: the generated code does not parse (a graph-codegen bug): {e}");
            ExitCode::FAILURE
        }
    }
}
