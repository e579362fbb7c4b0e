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

const USAGE: &str = "usage:
  graph-spec check [--base <spec>] <file-or-dir>...
      print every problem, as the spec! macro reports them (the crate's features included);
      with --base, also methods that would shadow the base spec's navigation (graph-api's
      spec folder, for a downstream spec); exit 1 on any
  graph-spec expand <file-or-dir>
      print the generated Rust, formatted
  graph-spec drift --permissions <permissions.json> <file-or-dir>
      compare every permissions table with the one Microsoft's file renders; exit 1 on any difference
  graph-spec permissions [--type delegated|application] [--rsc-consent] <file-or-dir> <action-id>...
      the least-privileged permissions to request for those actions, and what each covers
  graph-spec synth <actions> [<first>]
      print a synthetic spec of that many actions (for scale tests); with <first>, actions
      first.. of it, so that files from consecutive ranges form one spec
  graph-spec draft --csdl <cleanMetadata.xml> [--permissions <permissions.json>] [--clouds <dir>]
                   ['METHOD /path'...] [--under </path> [--depth N]]...
      print spec entries for the named actions (or every action under a path, through at most N
      navigation properties, default 1), with the types and enums they need; what the metadata
      cannot know is marked TODO(draft): for `check` to report. Keys are named by the path given,
      or {<entity-type>-id} under --under. Prints what did not draft, and why, on stderr; exit 1
      when a named action did not draft
  graph-spec verify --csdl <cleanMetadata.xml> [--clouds <dir>] [--verbose] <file-or-dir>...
      check entries against the metadata: every path segment resolves (a key's name is free, its
      place is not), the method is allowed there, body fields are the action's parameters or the
      entity's properties with their types, the response type, type fields and enum members
      exist with their types, and (with --clouds: v1.0-Prod/Fairfax/Mooncake.csdl) the clouds
      listed are those whose metadata has the action. `metadata_exceptions` on an entry excepts
      a check, shown with --verbose; exit 1 on findings
exit codes: 0 clean, 1 findings, 2 unusable input";

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
    let result = match args.split_first() {
        Some((cmd, rest)) if cmd == "check" && !rest.is_empty() => check(rest, &cwd),
        Some((cmd, [path])) if cmd == "expand" => Ok(expand(Path::new(path), &cwd)),
        Some((cmd, rest)) if cmd == "drift" => drift(rest, &cwd),
        Some((cmd, rest)) if cmd == "permissions" => permissions(rest, &cwd),
        Some((cmd, rest)) if cmd == "draft" => draft_cmd(rest),
        Some((cmd, rest)) if cmd == "verify" => verify_cmd(rest, &cwd),
        Some((cmd, rest @ ([_] | [_, _]))) if cmd == "synth" => synth(rest),
        _ => Err("no such command".to_owned()),
    };
    result.unwrap_or_else(|message| {
        eprintln!("error: {message}\n{USAGE}");
        ExitCode::from(2)
    })
}

/// `synth <actions> [<first>]`: a synthetic spec, or one range of it.
fn synth(args: &[String]) -> Result<ExitCode, String> {
    let number = |s: &String| {
        s.parse::<usize>()
            .map_err(|_| format!("`{s}` is not a number"))
    };
    let actions = number(&args[0])?;
    let first = args.get(1).map(number).transpose()?.unwrap_or(0);
    out!("{}", graph_codegen::synth::synthetic_from(first, actions));
    Ok(ExitCode::SUCCESS)
}

/// `check [--base <spec>] <file-or-dir>...`: the same pipeline and rules as the `spec!` macro
/// (the crate's features included); with `--base`, also the clashes with the navigation of the
/// spec a downstream spec extends (graph-api's `spec` folder), as the macro checks them for an
/// invocation with `trait = Name`.
fn check(args: &[String], cwd: &Path) -> Result<ExitCode, String> {
    let (base, paths) = match args {
        [flag, base, rest @ ..] if flag == "--base" => (Some(base), rest),
        _ => (None, args),
    };
    if paths.is_empty() {
        return Err("check takes [--base <spec>] <file-or-dir>...".into());
    }
    let opts = graph_codegen::Options {
        base: match base {
            Some(b) => {
                let g = graph_codegen::generate(Path::new(b), cwd, &Default::default());
                if let Some(errors) = g.render_errors() {
                    return Err(format!("the base spec {b} has problems:\n{errors}"));
                }
                Some(g.index())
            }
            None => None,
        },
        ..Default::default()
    };
    let mut failed = false;
    for p in paths {
        let generated = graph_codegen::generate(Path::new(p), cwd, &opts);
        if let Some(errors) = generated.render_errors() {
            let count = generated.diagnostics.len();
            eprintln!("{errors}\n\nerror: {p}: {count} problem(s)\n");
            failed = true;
        } else {
            let files = generated.sources.files().count();
            out!("ok: {p} ({files} file(s))");
        }
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn expand(path: &Path, cwd: &Path) -> ExitCode {
    let generated = graph_codegen::generate(path, cwd, &graph_codegen::Options::default());
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

/// The spec under `path`, checked; its problems make it unusable for the other commands.
fn load(path: &str, cwd: &Path) -> Result<(graph_codegen::SourceMap, model::Spec), String> {
    load_spec(path, cwd, false)
}

/// Reads and checks a spec; with `drafts`, unfilled draft placeholders are not problems.
fn load_spec(
    path: &str,
    cwd: &Path,
    drafts: bool,
) -> Result<(graph_codegen::SourceMap, model::Spec), String> {
    let sources = graph_codegen::read_sources(Path::new(path), cwd)
        .map_err(|d| d.render(&Default::default()))?;
    let (spec, _, diagnostics) = graph_codegen::load(&sources);
    let rendered: Vec<String> = diagnostics
        .iter()
        .filter(|d| !(drafts && d.message.starts_with(check::PLACEHOLDER_UNFILLED)))
        .map(|d| d.render(&sources))
        .collect();
    if !rendered.is_empty() {
        return Err(format!(
            "{}\n\n{path} has problems; `graph-spec check {path}` lists them",
            rendered.join("\n\n")
        ));
    }
    Ok((sources, spec))
}

fn drift(args: &[String], cwd: &Path) -> Result<ExitCode, String> {
    let [flag, file, spec_path] = args else {
        return Err("drift takes --permissions <permissions.json> <file-or-dir>".into());
    };
    if flag != "--permissions" {
        return Err(format!("unknown option `{flag}`"));
    }
    let text = std::fs::read_to_string(file).map_err(|e| format!("cannot read `{file}`: {e}"))?;
    let source =
        graph_codegen::permissions::Source::parse(&text).map_err(|e| format!("`{file}`: {e}"))?;
    let (sources, spec) = load(spec_path, cwd)?;
    let found = graph_codegen::permissions::drift(&spec, &source);
    for d in &found {
        out!("{}", d.render(&sources));
    }
    if found.is_empty() {
        out!(
            "ok: the {} permissions tables and {} privilege levels in {spec_path} agree with {file}",
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
    levels: &'a [model::Level],
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
            _ => rest.push(a),
        }
    }
    let Some((spec_path, ids)) = rest.split_first() else {
        return Err("permissions takes a spec file or folder and action ids".into());
    };
    if ids.is_empty() {
        return Err("name at least one action id".into());
    }
    let (_, spec) = load(spec_path, cwd)?;
    let mut actions = Vec::new();
    for id in ids {
        let Some(a) = spec.actions.iter().find(|a| &a.id == *id) else {
            let hint =
                graph_codegen::diag::did_you_mean(id, spec.actions.iter().map(|a| a.id.as_str()))
                    .map(|s| format!("; did you mean `{s}`?"))
                    .unwrap_or_default();
            return Err(format!("no action `{id}` in {spec_path}{hint}"));
        };
        actions.push(Planned {
            action: a,
            levels: &spec.levels,
        });
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

fn draft_cmd(args: &[String]) -> Result<ExitCode, String> {
    let (mut csdl_path, mut perms_path, mut clouds_dir) = (None, None, None);
    let mut named: Vec<&String> = Vec::new();
    let mut under: Vec<(String, usize)> = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--csdl" => csdl_path = Some(value(&mut it, a)?),
            "--permissions" => perms_path = Some(value(&mut it, a)?),
            "--clouds" => clouds_dir = Some(value(&mut it, a)?),
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
    let drafter = draft::Drafter {
        model: &model,
        permissions: source.as_ref(),
        clouds: clouds.as_deref(),
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
    eprintln!(
        "drafted {} action(s), {} type(s), {} enum(s); skipped {}",
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
    let (mut csdl_path, mut clouds_dir, mut verbose) = (None, None, false);
    let mut paths: Vec<&String> = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--csdl" => csdl_path = Some(value(&mut it, a)?),
            "--clouds" => clouds_dir = Some(value(&mut it, a)?),
            "--verbose" | "-v" => verbose = true,
            flag if flag.starts_with("--") => return Err(format!("unknown option `{flag}`")),
            _ => paths.push(a),
        }
    }
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
        let (sources, _) = load_spec(p, cwd, true)?;
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
