//! `graph-spec`: checks spec files, prints the Rust they expand to, compares their permission
//! tables with Microsoft's `permissions.json`, plans the permissions a set of actions needs, and
//! drafts and verifies entries against Microsoft's metadata (CSDL).

mod csdl;
mod draft;
mod verify;

use graph_codegen::check;
use graph_codegen::model;
use graph_meta::PermissionType;
use graph_meta::permissions::{PlanAction, Privilege};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Each command's usage: its name and the lines `graph-spec <command> --help` prints.
const COMMANDS: &[(&str, &str)] = &[
    (
        "check",
        "  graph-spec check [--base <spec dir>] <file-or-dir>...
      print every problem; exit 1 on any. With --base (a downstream crate's spec checked against
      graph-api's `spec/`), also what the build reports against the base spec's navigation, and
      the base spec's types may be used by name",
    ),
    (
        "expand",
        "  graph-spec expand [--base <spec dir>] [--trait <Name>] <file-or-dir>
      print the generated Rust, formatted; with --base, as a downstream crate gets it (its
      extension traits on the base spec's navigation, trait name by --trait, default Ext)",
    ),
    (
        "drift",
        "  graph-spec drift --permissions <permissions.json> [--base <spec dir>] [--verbose] <file-or-dir>
      compare every permissions table with the one Microsoft's file renders, and the privilege
      levels with the file's: a level that differs, one missing for a permission a table names
      (with --base, the base spec's levels count as stated and its types may be used by name) and
      a stale one no table names; exit 1 on any difference. `metadata_exceptions = { permissions =
      \"why\" }` on an entry excepts its table, shown with --verbose",
    ),
    (
        "permissions",
        "  graph-spec permissions [--type delegated|application] [--rsc-consent]
                         <file-or-dir> [--spec <file-or-dir>]... <action-id>...
      the least-privileged permissions to request for those actions, and what each covers;
      each --spec adds a spec (graph-api's and a crate's own), its actions, privilege levels and
      types (each spec may use the others' by name)",
    ),
    (
        "build-script",
        "  graph-spec build-script [<spec dir>]...
      print the build.rs a crate needs so that `cargo build` sees new and removed spec files
      under each folder its `spec!` reads (default `spec`); write it to the crate's build.rs",
    ),
    (
        "synth",
        "  graph-spec synth <actions> [<first>]
      print a synthetic spec of that many actions (for scale tests); with <first>, actions
      first.. of it, so that files from consecutive ranges form one spec",
    ),
    (
        "draft",
        "  graph-spec draft --csdl <cleanMetadata.xml> [--permissions <permissions.json>] [--clouds <dir>]
                   [--base <spec dir>] ['METHOD /path'...] [--under </path> [--depth N]]...
      print spec entries for the named actions (or every action under a path, through at most N
      navigation properties, default 1), with the types and enums they need, docs from the
      metadata's descriptions, and (with --permissions) the privilege levels of the permissions
      the tables name, except those the --base spec states (the types and enums it declares are
      used by name, not drafted); what the metadata cannot know is
      marked TODO(draft): for `check` to report. Keys are named by the path given, or
      {<entity-type>-id} under --under. Prints what did not draft, and why, on stderr; exit 1
      when a named action did not draft",
    ),
    (
        "verify",
        "  graph-spec verify --csdl <cleanMetadata.xml> [--clouds <dir>] [--base <spec dir>] [--verbose]
                    <file-or-dir>...
      check entries against the metadata: every path segment resolves (a key's name is free, its
      place is not), the method is allowed there, body fields are the action's parameters or the
      entity's properties with their types, the response type, type fields and enum members
      exist with their types, and (with --clouds: v1.0-Prod/Fairfax/Mooncake.csdl) the clouds
      listed are those whose metadata has the action. `metadata_exceptions` on an entry excepts
      a check, shown with --verbose; with --base, the spec may use the base spec's types by name
      (a downstream crate's over graph-api's `spec/`); exit 1 on findings",
    ),
];

/// The last line of every usage text.
const EXIT_CODES: &str = "exit codes: 0 clean, 1 findings, 2 unusable input";

/// The whole usage: every command's.
fn usage() -> String {
    let mut text = String::from("usage:\n");
    for (_, lines) in COMMANDS {
        text.push_str(lines);
        text.push('\n');
    }
    text.push_str("  graph-spec <command> --help\n      that command's usage\n");
    text.push_str(EXIT_CODES);
    text
}

/// One command's usage, or `None` for a name that is no command.
fn command_usage(cmd: &str) -> Option<String> {
    COMMANDS
        .iter()
        .find(|(name, _)| *name == cmd)
        .map(|(_, lines)| format!("usage:\n{lines}\n{EXIT_CODES}"))
}

/// Whether an argument asks for help.
fn is_help(arg: &str) -> bool {
    matches!(arg, "--help" | "-h")
}

/// Writes to standard output; a closed pipe (`graph-spec expand spec | head`) ends the output
/// quietly instead of panicking.
macro_rules! out {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($t)*);
    }};
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let Some((cmd, rest)) = args.split_first() else {
        eprintln!("error: name a command\nrun `graph-spec --help` for usage");
        return ExitCode::from(2);
    };
    // Help, for the tool or one command, goes to standard output and exits 0.
    if is_help(cmd) || cmd == "help" {
        let text = rest
            .first()
            .and_then(|c| command_usage(c))
            .unwrap_or_else(usage);
        out!("{text}");
        return ExitCode::SUCCESS;
    }
    if let Some(text) = command_usage(cmd).filter(|_| rest.iter().any(|a| is_help(a))) {
        out!("{text}");
        return ExitCode::SUCCESS;
    }
    let result = match cmd.as_str() {
        "check" => check_cmd(rest, &cwd),
        "expand" => expand_cmd(rest, &cwd),
        "drift" => drift(rest, &cwd),
        "permissions" => permissions(rest, &cwd),
        "build-script" => build_script(rest),
        "draft" => draft_cmd(rest, &cwd),
        "verify" => verify_cmd(rest, &cwd),
        "synth" => synth(rest),
        _ => {
            let hint = graph_codegen::diag::did_you_mean(cmd, COMMANDS.iter().map(|(n, _)| *n))
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_default();
            Err(format!("no such command `{cmd}`{hint}"))
        }
    };
    result.unwrap_or_else(|message| {
        let help = match command_usage(cmd) {
            Some(_) => format!("graph-spec {cmd} --help"),
            None => "graph-spec --help".to_owned(),
        };
        eprintln!("error: {message}\nrun `{help}` for usage");
        ExitCode::from(2)
    })
}

/// `synth <actions> [<first>]`: a synthetic spec, or one range of it.
fn synth(args: &[String]) -> Result<ExitCode, String> {
    if !(1..=2).contains(&args.len()) {
        return Err("synth takes <actions> [<first>]".into());
    }
    let number = |s: &String| {
        s.parse::<usize>()
            .map_err(|_| format!("`{s}` is not a number"))
    };
    let actions = number(&args[0])?;
    let first = args.get(1).map(number).transpose()?.unwrap_or(0);
    out!("{}", graph_codegen::synth::synthetic_from(first, actions));
    Ok(ExitCode::SUCCESS)
}

/// The options a downstream crate's `spec!` expands with: graph-api's navigation from the base
/// spec, and an extension trait.
fn downstream_options(
    base: &str,
    cwd: &Path,
    name: &str,
) -> Result<graph_codegen::Options, String> {
    let index = base_index(base, cwd)?;
    let ident = syn_ident(name)?;
    Ok(graph_codegen::Options {
        extension_trait: Some(ident),
        base: Some(index),
        ..graph_codegen::Options::default()
    })
}

/// A trait name given on the command line, as an identifier.
fn syn_ident(name: &str) -> Result<proc_macro2::Ident, String> {
    let ok = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !ok {
        return Err(format!("`{name}` is not a Rust identifier"));
    }
    Ok(proc_macro2::Ident::new(
        name,
        proc_macro2::Span::call_site(),
    ))
}

/// The navigation a base spec (graph-api's `spec/`) makes, with the methods graph-api writes by
/// hand on it: what graph-api hands a downstream `spec!` when built with all its features.
fn base_index(base: &str, cwd: &Path) -> Result<graph_codegen::extension::BaseIndex, String> {
    let generated =
        graph_codegen::generate(Path::new(base), cwd, &graph_codegen::Options::default());
    if let Some(errors) = generated.render_errors() {
        return Err(format!(
            "{errors}\n\nthe base spec {base} has problems; `graph-spec check {base}` lists them"
        ));
    }
    Ok(generated
        .index()
        .reserving(graph_codegen::extension::BASE_HANDWRITTEN))
}

/// `check [--base <spec dir>] <file-or-dir>...`
fn check_cmd(args: &[String], cwd: &Path) -> Result<ExitCode, String> {
    let mut base = None;
    let mut paths = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--base" => base = Some(value(&mut it, a)?),
            flag if flag.starts_with("--") => return Err(format!("unknown option `{flag}`")),
            _ => paths.push(a.clone()),
        }
    }
    if paths.is_empty() {
        return Err("check takes spec files or folders".into());
    }
    let opts = match base {
        Some(b) => downstream_options(b, cwd, "Ext")?,
        None => graph_codegen::Options::default(),
    };
    Ok(check(&paths, cwd, &opts))
}

/// Said after a spec's problems when some type is not declared and no base was given: a crate's
/// spec naming graph-api's types reads only over graph-api's spec.
fn base_hint(diagnostics: &[graph_codegen::Diagnostic], has_base: bool) -> &'static str {
    let undeclared = diagnostics
        .iter()
        .any(|d| d.message.ends_with("is not declared"));
    if undeclared && !has_base {
        "; a crate's spec that uses graph-api's types by name needs `--base <graph-api's spec folder>`"
    } else {
        ""
    }
}

/// The same pipeline and rules as the `spec!` macro (the crate's features included); with a
/// base in `opts`, also the clashes with the navigation of the spec a downstream spec extends.
fn check(paths: &[String], cwd: &Path, opts: &graph_codegen::Options) -> ExitCode {
    let mut failed = false;
    for p in paths {
        // The same pipeline and rules as the macro, the crate's features included.
        let generated = graph_codegen::generate(Path::new(p), cwd, opts);
        if let Some(errors) = generated.render_errors() {
            let count = generated.diagnostics.len();
            let hint = base_hint(&generated.diagnostics, opts.base.is_some());
            eprintln!("{errors}\n\nerror: {p}: {count} problem(s){hint}\n");
            failed = true;
        } else {
            let files = generated.sources.files().count();
            out!("ok: {p} ({files} file(s))");
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// `expand [--base <spec dir>] [--trait <Name>] <file-or-dir>`
fn expand_cmd(args: &[String], cwd: &Path) -> Result<ExitCode, String> {
    let (mut base, mut name) = (None, None);
    let mut paths = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--base" => base = Some(value(&mut it, a)?),
            "--trait" => name = Some(value(&mut it, a)?),
            flag if flag.starts_with("--") => return Err(format!("unknown option `{flag}`")),
            _ => paths.push(a),
        }
    }
    let [path] = paths[..] else {
        return Err("expand takes one spec file or folder".into());
    };
    let opts = match (base, name) {
        (Some(b), n) => downstream_options(b, cwd, n.map_or("Ext", String::as_str))?,
        (None, Some(n)) => graph_codegen::Options {
            extension_trait: Some(syn_ident(n)?),
            ..graph_codegen::Options::default()
        },
        (None, None) => graph_codegen::Options::default(),
    };
    Ok(expand(Path::new(path), cwd, &opts))
}

fn expand(path: &Path, cwd: &Path, opts: &graph_codegen::Options) -> ExitCode {
    let generated = graph_codegen::generate(path, cwd, opts);
    if let Some(errors) = generated.render_errors() {
        eprintln!("{errors}");
        return ExitCode::FAILURE;
    }
    match graph_codegen::pretty(&generated.tokens) {
        Ok(code) => {
            out!("{code}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: the generated code does not parse (a graph-codegen bug): {e}");
            ExitCode::FAILURE
        }
    }
}

/// `build-script [<spec dir>]...`: the build script that makes cargo rerun the crate's build
/// when a file under a spec folder is added, edited or removed (a proc macro can track the files
/// it read, but not a folder), and tells `spec!` that the folder is tracked.
fn build_script(args: &[String]) -> Result<ExitCode, String> {
    if let Some(flag) = args.iter().find(|a| a.starts_with("--")) {
        return Err(format!("unknown option `{flag}`"));
    }
    let dirs: Vec<&str> = if args.is_empty() {
        vec!["spec"]
    } else {
        args.iter().map(String::as_str).collect()
    };
    out!("{}", graph_codegen::source::build_script(&dirs).trim_end());
    Ok(ExitCode::SUCCESS)
}

/// The spec under `path`, checked; its problems make it unusable for the other commands.
fn load(
    path: &str,
    cwd: &Path,
    base: Option<&graph_codegen::extension::BaseIndex>,
) -> Result<(graph_codegen::SourceMap, model::Spec), String> {
    load_spec(path, cwd, false, base)
}

/// Reads and checks a spec; with `drafts`, unfilled draft placeholders are not problems. With
/// `base`, the types of the spec it uses by name (graph-api's, for a downstream crate's spec).
fn load_spec(
    path: &str,
    cwd: &Path,
    drafts: bool,
    base: Option<&graph_codegen::extension::BaseIndex>,
) -> Result<(graph_codegen::SourceMap, model::Spec), String> {
    let sources = graph_codegen::read_sources(Path::new(path), cwd)
        .map_err(|d| d.render(&Default::default()))?;
    let env = check::Env {
        base: base.cloned(),
        features: None,
    };
    let (spec, _, diagnostics) = graph_codegen::load_with(&sources, &env);
    let rendered: Vec<String> = diagnostics
        .iter()
        .filter(|d| !(drafts && d.message.starts_with(check::PLACEHOLDER_UNFILLED)))
        .map(|d| d.render(&sources))
        .collect();
    if !rendered.is_empty() {
        let hint = base_hint(&diagnostics, base.is_some());
        return Err(format!(
            "{}\n\n{path} has problems; `graph-spec check {path}` lists them{hint}",
            rendered.join("\n\n")
        ));
    }
    Ok((sources, spec))
}

/// The model types and enums the specs at `paths` declare, as a base whose types another spec
/// uses by name (for the commands that read a spec's metadata rather than its navigation).
fn types_of(paths: &[&str], cwd: &Path) -> graph_codegen::extension::BaseIndex {
    let types = paths.iter().flat_map(|p| {
        graph_codegen::generate(Path::new(p), cwd, &graph_codegen::Options::default()).gated_types
    });
    graph_codegen::extension::BaseIndex::merge(Vec::new(), types.collect::<Vec<_>>())
}

/// The `permissions` reasons of the spec's `metadata_exceptions`, by action id: where an entry
/// knowingly follows its docs page over `permissions.json`.
fn permission_exceptions(sources: &graph_codegen::SourceMap) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (_, f) in sources.files() {
        if let (Some(parsed), _) = graph_codegen::spec::parse(&f.text) {
            for (id, a) in &parsed.actions {
                for (check, reason) in &a.get_ref().metadata_exceptions {
                    if check.get_ref() == "permissions" {
                        out.push((id.get_ref().clone(), reason.get_ref().clone()));
                    }
                }
            }
        }
    }
    out
}

fn drift(args: &[String], cwd: &Path) -> Result<ExitCode, String> {
    let (mut file, mut base, mut verbose) = (None, None, false);
    let mut paths = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--permissions" => file = Some(value(&mut it, a)?),
            "--base" => base = Some(value(&mut it, a)?),
            "--verbose" | "-v" => verbose = true,
            flag if flag.starts_with("--") => return Err(format!("unknown option `{flag}`")),
            _ => paths.push(a),
        }
    }
    let (Some(file), [spec_path]) = (file, &paths[..]) else {
        return Err("drift takes --permissions <permissions.json> <file-or-dir>".into());
    };
    let text = std::fs::read_to_string(file).map_err(|e| format!("cannot read `{file}`: {e}"))?;
    let source =
        graph_codegen::permissions::Source::parse(&text).map_err(|e| format!("`{file}`: {e}"))?;
    let inherited = match base {
        Some(b) => load(b, cwd, None)?.1.levels,
        None => Vec::new(),
    };
    let base_types = base.map(|b| types_of(&[b.as_str()], cwd));
    let (sources, spec) = load(spec_path, cwd, base_types.as_ref())?;
    let exceptions = permission_exceptions(&sources);
    let mut found = graph_codegen::permissions::drift(&spec, &source);
    found.extend(graph_codegen::permissions::level_coverage(
        &spec, &source, &inherited,
    ));
    let (excepted, found): (Vec<_>, Vec<_>) = found
        .into_iter()
        .partition(|d| exceptions.iter().any(|(id, _)| *id == d.subject));
    for d in &found {
        out!("{}", d.render(&sources));
    }
    if verbose {
        for d in &excepted {
            let reason = exceptions
                .iter()
                .find(|(id, _)| *id == d.subject)
                .map_or("", |(_, r)| r.as_str());
            out!("excepted ({reason}): {}", d.render(&sources));
        }
    }
    if found.is_empty() {
        let stated = match excepted.len() {
            0 => String::new(),
            n => format!(" ({n} stated exception(s); --verbose shows them)"),
        };
        out!(
            "ok: the {} permissions tables and {} privilege levels in {spec_path} agree with {file}{stated}",
            spec.actions.len(),
            spec.levels.len()
        );
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("{} difference(s) from {file}", found.len());
        Ok(ExitCode::FAILURE)
    }
}

/// An action of a loaded spec with the spec's privilege levels: what the planner reads, taken
/// from the spec model as it is (no `ActionInfo` statics are built for it).
struct Planned<'a> {
    action: &'a model::Action,
    /// The privilege-level tables the action is ranked by: its own spec's first, then the other
    /// specs' (as a downstream crate's action reads its own table, then graph-api's).
    levels: Vec<&'a [model::Level]>,
}

impl PlanAction for Planned<'_> {
    fn action_id(&self) -> &str {
        &self.action.id
    }

    fn usable_permissions(&self, kind: PermissionType, rsc_consent: bool) -> Vec<&str> {
        let p = &self.action.permissions;
        let model::Scheme::Supported { least, higher } = p.row(kind) else {
            return Vec::new();
        };
        graph_meta::usable_in_row(least, higher, rsc_consent, |name| {
            p.notes
                .iter()
                .any(|n| n.unusable_with_rsc_consent.iter().any(|u| u == name))
        })
    }

    fn privilege(&self, kind: PermissionType, permission: &str) -> Option<Privilege> {
        self.levels
            .iter()
            .flat_map(|table| table.iter())
            .find(|l| l.kind == kind && l.permission == permission)
            .map(|l| Privilege {
                level: l.level,
                resource_specific: l.resource_specific,
            })
    }
}

fn permissions(args: &[String], cwd: &Path) -> Result<ExitCode, String> {
    let mut kinds = vec![PermissionType::Delegated, PermissionType::Application];
    let mut rsc = false;
    let mut rest: Vec<&String> = Vec::new();
    let mut more: Vec<&String> = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--type" => {
                kinds = match it.next().map(String::as_str) {
                    Some("delegated") => vec![PermissionType::Delegated],
                    Some("application") => vec![PermissionType::Application],
                    other => {
                        return Err(format!(
                            "--type takes delegated or application, not {other:?}"
                        ));
                    }
                }
            }
            "--rsc-consent" => rsc = true,
            "--spec" => more.push(value(&mut it, a)?),
            flag if flag.starts_with("--") => return Err(format!("unknown option `{flag}`")),
            _ => rest.push(a),
        }
    }
    let Some((spec_path, ids)) = rest.split_first() else {
        return Err("permissions takes a spec file or folder and action ids".into());
    };
    if ids.is_empty() {
        return Err("name at least one action id".into());
    }
    // Every spec named: the first, then each --spec, in order; each may use the others' types
    // by name, as a crate's spec uses graph-api's.
    let paths: Vec<&String> = std::iter::once(*spec_path)
        .chain(more.iter().copied())
        .collect();
    let mut specs = Vec::new();
    for (k, path) in paths.iter().enumerate() {
        let others: Vec<&str> = paths
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != k)
            .map(|(_, p)| p.as_str())
            .collect();
        let base = (!others.is_empty()).then(|| types_of(&others, cwd));
        specs.push((*path, load(path, cwd, base.as_ref())?.1));
    }
    let mut actions = Vec::new();
    for id in ids {
        let found = specs
            .iter()
            .enumerate()
            .find_map(|(k, (_, spec))| spec.actions.iter().find(|a| &a.id == *id).map(|a| (k, a)));
        let Some((k, a)) = found else {
            let known = specs
                .iter()
                .flat_map(|(_, s)| s.actions.iter().map(|a| a.id.as_str()));
            let hint = graph_codegen::diag::did_you_mean(id, known)
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_default();
            let names: Vec<&str> = specs.iter().map(|(p, _)| p.as_str()).collect();
            return Err(format!("no action `{id}` in {}{hint}", names.join(", ")));
        };
        let levels = std::iter::once(&specs[k].1)
            .chain(
                specs
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| *j != k)
                    .map(|(_, (_, s))| s),
            )
            .map(|s| s.levels.as_slice())
            .collect();
        actions.push(Planned { action: a, levels });
    }
    let actions: Vec<&Planned> = actions.iter().collect();
    let mut failed = false;
    for kind in kinds {
        let label = kind.words();
        let consent = if rsc {
            ", consenting to resource-specific permissions"
        } else {
            ""
        };
        match graph_meta::permissions::plan(&actions, kind, rsc, &[]) {
            Ok(plan) => {
                out!(
                    "{label} permissions for {} action(s){consent}:",
                    actions.len()
                );
                for p in plan {
                    let mut level = p
                        .level
                        .map_or("no level".to_owned(), |l| format!("level {l}"));
                    if p.resource_specific {
                        level.push_str(", resource-specific");
                    }
                    out!("  {} ({level}): {}", p.permission, p.covers.join(", "));
                }
            }
            Err(e) => {
                out!("{label}{consent}: {e}");
                failed = true;
            }
        }
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// Reads and parses a CSDL file.
fn read_csdl(path: &str) -> Result<csdl::Model, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read `{path}`: {e}"))?;
    csdl::Model::parse(&text).map_err(|e| format!("`{path}`: {e}"))
}

/// The value after an option.
fn value<'a>(it: &mut std::slice::Iter<'a, String>, flag: &str) -> Result<&'a String, String> {
    it.next().ok_or_else(|| format!("{flag} takes a value"))
}

fn draft_cmd(args: &[String], cwd: &Path) -> Result<ExitCode, String> {
    let (mut csdl_path, mut perms_path, mut clouds_dir, mut base) = (None, None, None, None);
    let mut named: Vec<&String> = Vec::new();
    let mut under: Vec<(String, usize)> = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--csdl" => csdl_path = Some(value(&mut it, a)?),
            "--permissions" => perms_path = Some(value(&mut it, a)?),
            "--clouds" => clouds_dir = Some(value(&mut it, a)?),
            "--base" => base = Some(value(&mut it, a)?),
            "--under" => under.push((value(&mut it, a)?.clone(), 1)),
            "--depth" => {
                let n = value(&mut it, a)?;
                let depth = n
                    .parse()
                    .map_err(|_| format!("--depth takes a number, not `{n}`"))?;
                match under.last_mut() {
                    Some(u) => u.1 = depth,
                    None => return Err("--depth follows an --under".into()),
                }
            }
            flag if flag.starts_with("--") => return Err(format!("unknown option `{flag}`")),
            _ => named.push(a),
        }
    }
    let csdl_path = csdl_path.ok_or("draft needs --csdl <cleanMetadata.xml>")?;
    if named.is_empty() && under.is_empty() {
        return Err("name actions ('POST /chats/{chat-id}/...') or --under a path".into());
    }
    let model = read_csdl(csdl_path)?;
    let source = match perms_path {
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|e| format!("cannot read `{p}`: {e}"))?;
            Some(
                graph_codegen::permissions::Source::parse(&text)
                    .map_err(|e| format!("`{p}`: {e}"))?,
            )
        }
        None => None,
    };
    let clouds = match clouds_dir {
        Some(d) => Some(draft::read_clouds(Path::new(d))?),
        None => None,
    };
    let base = match base {
        Some(b) => Some(load(b, cwd, None)?.1),
        None => None,
    };
    let inherited = base.as_ref().map(|b| b.levels.clone()).unwrap_or_default();
    let drafter = draft::Drafter {
        model: &model,
        permissions: source.as_ref(),
        clouds: clouds.as_deref(),
        inherited: &inherited,
        base: base.as_ref(),
    };
    let mut out = draft::Drafted::default();
    let mut failed = false;
    for n in named {
        let Some((method, path)) = n.trim().split_once(' ') else {
            return Err(format!("`{n}` is not 'METHOD /path'"));
        };
        if let Err(why) = drafter.action(&mut out, method, path.trim()) {
            eprintln!("not drafted: {n}: {why}");
            failed = true;
        }
    }
    for (prefix, depth) in &under {
        for (method, path) in drafter.under(prefix, *depth)? {
            if let Err(why) = drafter.action(&mut out, &method, &path) {
                out.skipped.push((format!("{method} {path}"), why));
            }
        }
    }
    let text = drafter.render(&mut out);
    out!("{}", text.trim_end());
    for (what, why) in &out.skipped {
        eprintln!("skipped: {what}: {why}");
    }
    let reused = match out.reused.len() {
        0 => String::new(),
        n => format!("; {n} used by name from the base spec"),
    };
    eprintln!(
        "drafted {} action(s), {} type(s), {} enum(s){reused}; skipped {}",
        out.actions(),
        out.types,
        out.enums,
        out.skipped.len()
    );
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn verify_cmd(args: &[String], cwd: &Path) -> Result<ExitCode, String> {
    let (mut csdl_path, mut clouds_dir, mut verbose, mut base) = (None, None, false, None);
    let mut paths: Vec<&String> = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--csdl" => csdl_path = Some(value(&mut it, a)?),
            "--clouds" => clouds_dir = Some(value(&mut it, a)?),
            "--base" => base = Some(value(&mut it, a)?),
            "--verbose" | "-v" => verbose = true,
            flag if flag.starts_with("--") => return Err(format!("unknown option `{flag}`")),
            _ => paths.push(a),
        }
    }
    let base = base.map(|b| types_of(&[b.as_str()], cwd));
    let csdl_path = csdl_path.ok_or("verify needs --csdl <cleanMetadata.xml>")?;
    if paths.is_empty() {
        return Err("verify takes spec files or folders".into());
    }
    let model = read_csdl(csdl_path)?;
    let clouds = match clouds_dir {
        Some(d) => Some(draft::read_clouds(Path::new(d))?),
        None => None,
    };
    let mut failed = false;
    for p in paths {
        // The spec must be sound; a draft's unfilled placeholders do not stop verification.
        let (sources, _) = load_spec(p, cwd, true, base.as_ref())?;
        let mut files = Vec::new();
        for (id, f) in sources.files() {
            // The loader above refused a spec with shape errors, so every entry is here.
            if let (Some(parsed), _) = graph_codegen::spec::parse(&f.text) {
                files.push((id, parsed));
            }
        }
        let report = verify::verify(&files, &model, clouds.as_deref());
        for d in &report.findings {
            out!("{}\n", d.render(&sources));
        }
        if verbose {
            for (d, reason) in &report.excepted {
                out!("excepted ({reason}):\n{}\n", d.render(&sources));
            }
        }
        let (a, t, e) = report.counted;
        if report.findings.is_empty() {
            out!(
                "ok: {p}: {a} action(s), {t} type(s), {e} enum(s) agree with {csdl_path}{}{}",
                if clouds.is_some() {
                    " and the cloud metadata"
                } else {
                    ""
                },
                match report.excepted.len() {
                    0 => String::new(),
                    n => format!(" ({n} stated exception(s); --verbose shows them)"),
                }
            );
        } else {
            eprintln!(
                "error: {p}: {} difference(s) from the metadata",
                report.findings.len()
            );
            failed = true;
        }
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
