//! The graph-api code generator: spec files in, diagnostics or Rust tokens out.
//!
//! The pipeline is `read files -> parse TOML (spans kept) -> check (every error) -> model ->
//! expand`. Each stage is a module whose output is a plain value; [`generate`] runs them all.
//! `graph-macros` is a thin proc-macro over this crate, and the `graph-spec` binary runs the same
//! pipeline from the command line.

pub mod check;
pub mod diag;
pub mod expand;
pub mod extension;
pub mod invocation;
pub mod lang;
pub mod lower;
pub mod model;
pub mod naming;
pub mod nav;
pub mod permissions;
pub mod source;
pub mod spec;
pub mod synth;
pub mod template;

pub use diag::Diagnostic;
pub use expand::Options;
pub use source::{SourceFile, SourceMap};

use proc_macro2::TokenStream;
use std::path::{Path, PathBuf};

/// The outcome of one run of the pipeline.
#[derive(Debug)]
pub struct Generated {
    /// Every file that was read, also when there were errors (for rebuild tracking).
    pub sources: SourceMap,
    /// The generated items: everything sound in the spec, also when other entries have errors.
    pub tokens: TokenStream,
    /// Every problem found; the spec is correct when this is empty.
    pub diagnostics: Vec<Diagnostic>,
    /// The navigation this spec makes, one entry per node and feature gate (for a base crate
    /// built with only some of its features); [`Generated::index`] merges it.
    pub gated_index: Vec<extension::BaseNode>,
    /// The model types and enums this spec makes, with the features that compile each, which
    /// downstream specs may use by name.
    pub gated_types: Vec<extension::BaseType>,
}

impl Generated {
    /// The navigation and types this spec makes, as the base that downstream specs extend and
    /// use (built with every feature).
    pub fn index(&self) -> extension::BaseIndex {
        extension::BaseIndex::merge(self.gated_index.clone(), self.gated_types.clone())
    }

    /// Every diagnostic rendered like rustc does, separated by blank lines; `None` when clean.
    pub fn render_errors(&self) -> Option<String> {
        if self.diagnostics.is_empty() {
            return None;
        }
        Some(
            self.diagnostics
                .iter()
                .map(|d| d.render(&self.sources))
                .collect::<Vec<_>>()
                .join("\n\n"),
        )
    }
}

/// Reads every `.toml` file under `path` (a file or a folder, searched recursively, in name
/// order). `display_base` is the folder that diagnostics show paths relative to.
pub fn read_sources(path: &Path, display_base: &Path) -> Result<SourceMap, Diagnostic> {
    let mut files = Vec::new();
    collect(path, &mut files).map_err(|e| {
        Diagnostic::global(format!(
            "cannot read spec path `{}`: {e}",
            shown(path, display_base)
        ))
    })?;
    if files.is_empty() {
        return Err(Diagnostic::global(format!(
            "no .toml spec files under `{}`",
            shown(path, display_base)
        )));
    }
    let mut map = SourceMap::default();
    for f in files {
        let text = std::fs::read_to_string(&f).map_err(|e| {
            Diagnostic::global(format!("cannot read `{}`: {e}", shown(&f, display_base)))
        })?;
        map.add(SourceFile::new(shown(&f, display_base), f, text));
    }
    Ok(map)
}

fn shown(path: &Path, base: &Path) -> String {
    path.strip_prefix(base)
        .unwrap_or(path)
        .display()
        .to_string()
}

fn collect(path: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if path.is_file() {
        out.push(path.to_owned());
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    entries.sort();
    for e in entries {
        if e.is_dir() {
            collect(&e, out)?;
        } else if e.extension().is_some_and(|x| x == "toml") {
            out.push(e);
        }
    }
    Ok(())
}

/// Parses and checks every source: the sound part of the spec with its navigation tree, and
/// every problem found (as [`load_with`] with nothing known about the spec's crate).
pub fn load(sources: &SourceMap) -> (model::Spec, nav::Tree, Vec<Diagnostic>) {
    load_with(sources, &check::Env::default())
}

/// The pipeline up to the model: each file parsed entry by entry (shape errors drop only their
/// entry), lowered (values that do not parse drop theirs), checked (every rule, knowing `env`),
/// and pruned of what the rules rejected, with the navigation tree of what is left.
pub fn load_with(
    sources: &SourceMap,
    env: &check::Env,
) -> (model::Spec, nav::Tree, Vec<Diagnostic>) {
    let mut cx = diag::Ctxt::default();
    let mut parsed = Vec::new();
    for (id, file) in sources.files() {
        check::check_placeholders(id, &file.text, &mut cx);
        let (f, errors) = spec::parse(&file.text);
        for e in &errors {
            cx.push(toml_diagnostic(id, e));
        }
        if let Some(f) = f {
            parsed.push((id, f));
        }
    }
    let lowered = lower::lower(&parsed, &mut cx);
    check::check(&parsed, &lowered, env, &mut cx);
    let (spec, tree) = check::prune(lowered, env, &cx);
    (spec, tree, cx.finish())
}

/// The `[features]` the package holding `spec` declares: the nearest `Cargo.toml` with a
/// `[package]` going up from the spec path as given (so a linked spec folder counts as its
/// crate's). `None` when there is none or it does not parse.
pub fn crate_features(spec: &Path) -> Option<Vec<String>> {
    let mut dir = spec.parent();
    while let Some(d) = dir {
        let manifest = if d.as_os_str().is_empty() {
            PathBuf::from("Cargo.toml")
        } else {
            d.join("Cargo.toml")
        };
        if let Ok(text) = std::fs::read_to_string(&manifest)
            && let Ok(table) = text.parse::<toml::Table>()
            && table.contains_key("package")
        {
            return Some(
                table
                    .get("features")
                    .and_then(toml::Value::as_table)
                    .map(|f| f.keys().cloned().collect())
                    .unwrap_or_default(),
            );
        }
        dir = d.parent();
    }
    None
}

/// Turns a TOML or shape error into a diagnostic, with a did-you-mean for misspelt keys.
fn toml_diagnostic(id: source::FileId, e: &spec::ShapeError) -> Diagnostic {
    let range = e.span.clone().unwrap_or(0..0);
    let message = e.message.clone();
    let mut d = Diagnostic::new(
        source::Span {
            file: id,
            range: range.clone(),
        },
        message.clone(),
    );
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let word = rest.split('`').next().unwrap_or("");
        let expected: Vec<&str> = rest.split('`').skip(2).step_by(2).collect();
        if word == "not_supported" {
            d = d.help("a permissions row is either \"not_supported\" or { least = [...], higher = [...] }, not both");
        } else if let Some(s) = diag::did_you_mean(word, expected.iter().copied()) {
            d = d.help(format!("did you mean `{s}`?"));
        } else if !expected.is_empty() {
            d = d.help(format!(
                "remove it; this table takes {}",
                expected.join(", ")
            ));
        }
    } else if message.starts_with("missing field") {
        d = d.help("add the key; spec/README.md lists what each table needs");
    }
    d
}

/// Runs the whole pipeline over a spec file or folder.
pub fn generate(path: &Path, display_base: &Path, opts: &Options) -> Generated {
    let sources = match read_sources(path, display_base) {
        Ok(s) => s,
        Err(d) => {
            let (spec, tree) = (
                model::Spec::default(),
                nav::Tree::build(&model::Spec::default()).0,
            );
            let tokens = expand::expand(&spec, &tree, opts);
            return Generated {
                sources: SourceMap::default(),
                tokens,
                diagnostics: vec![d],
                gated_index: Vec::new(),
                gated_types: Vec::new(),
            };
        }
    };
    // The same rules for the macro and `graph-spec check`: the base a downstream spec extends,
    // and the features of the crate the spec is in.
    let env = check::Env {
        base: opts.base.clone(),
        features: crate_features(path),
    };
    let (spec, tree, diagnostics) = load_with(&sources, &env);
    let (tokens, gated_index, gated_types) = expand::expand_indexed(&spec, &tree, opts);
    Generated {
        sources,
        tokens,
        diagnostics,
        gated_index,
        gated_types,
    }
}

/// Formats generated tokens as Rust source with prettyplease.
pub fn pretty(tokens: &TokenStream) -> Result<String, syn::Error> {
    Ok(prettyplease::unparse(&syn::parse2::<syn::File>(
        tokens.clone(),
    )?))
}
