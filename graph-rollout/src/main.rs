//! The `graph-rollout` command: upgrade a Teams app across a tenant, or report on a journal.

use graph_api::meta::{ActionInfo, PermissionType};
use graph_api::{GraphClient, actions};
use graph_rollout::journal::{self, Record};
use graph_rollout::{AppRef, Counter, Phase, Plan, Progress, Rollout, Scopes, Summary};
use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Microsoft Graph's global service root.
const GLOBAL_ROOT: &str = "https://graph.microsoft.com";

const USAGE: &str = "\
usage:
  GRAPH_TOKEN=... graph-rollout upgrade (--app <catalog teamsApp id> | --external-id <manifest id>)
                  --journal <file> [--base-url <service root>] [--scopes chats,teams,users]
                  [--dry-run] [--json] [--limits <factor>] [--no-batch]
  graph-rollout status --journal <file> [--json]

upgrade: finds every installation of the app in chats, teams and personal scopes, upgrades each
outdated one to the catalog's newest published version with exactly the consent it requires,
paced at Microsoft Graph's published Teams limits, and confirms each by reading it back. Every
step is recorded in the journal; running the same command again resumes. --base-url defaults to
https://graph.microsoft.com; --limits scales Graph's limits (for a stand-in tenant; 1 is Graph's);
--no-batch reads each scope in its own request instead of $batch POSTs of 20.

exit status: 0 every installation found ends at the newest published version, 1 some failed
(each listed with its reason), 2 bad usage or configuration.";

struct Upgrade {
    app: AppRef,
    base_url: String,
    journal: PathBuf,
    scopes: Scopes,
    dry_run: bool,
    json: bool,
    limits: f64,
    batch: bool,
}

enum Command {
    Upgrade(Box<Upgrade>),
    Status { journal: PathBuf, json: bool },
}

fn parse(args: &[String]) -> Result<Command, String> {
    let mut it = args.iter();
    let sub = it.next().ok_or("no command given")?;
    let mut app = None;
    let mut base_url = None;
    let mut journal = None;
    let mut scopes = Scopes::default();
    let mut dry_run = false;
    let mut json = false;
    let mut limits = 1.0;
    let mut batch = true;
    while let Some(arg) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match arg.as_str() {
            "--app" if app.is_none() => app = Some(AppRef::Id(value("--app")?)),
            "--external-id" if app.is_none() => {
                app = Some(AppRef::ExternalId(value("--external-id")?))
            }
            "--app" | "--external-id" => return Err("give one of --app and --external-id".into()),
            "--base-url" => base_url = Some(value("--base-url")?),
            "--journal" => journal = Some(PathBuf::from(value("--journal")?)),
            "--scopes" => scopes = value("--scopes")?.parse()?,
            "--limits" => {
                limits = value("--limits")?
                    .parse::<f64>()
                    .ok()
                    .filter(|f| f.is_finite() && *f > 0.0)
                    .ok_or("--limits takes a positive number")?
            }
            "--dry-run" => dry_run = true,
            "--json" => json = true,
            "--no-batch" => batch = false,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    let journal = journal.ok_or("--journal <file> is required")?;
    match sub.as_str() {
        "upgrade" => Ok(Command::Upgrade(Box::new(Upgrade {
            app: app.ok_or("--app <id> or --external-id <id> is required")?,
            base_url: base_url.unwrap_or_else(|| GLOBAL_ROOT.to_owned()),
            journal,
            scopes,
            dry_run,
            json,
            limits,
            batch,
        }))),
        "status" => Ok(Command::Status { journal, json }),
        "-h" | "--help" => Err(String::new()),
        other => Err(format!("unknown command `{other}`")),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let command = match parse(&args) {
        Ok(c) => c,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("graph-rollout: {e}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match command {
        Command::Status { journal, json } => status(&journal, json),
        Command::Upgrade(u) => {
            let runtime = match tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
            {
                Ok(r) => r,
                Err(e) => {
                    eprintln!("graph-rollout: cannot start the runtime: {e}");
                    return ExitCode::from(2);
                }
            };
            runtime.block_on(upgrade(*u))
        }
    }
}

/// The actions a rollout sends, for the permission planner and the preflight.
fn rollout_actions(scopes: Scopes) -> Vec<&'static ActionInfo> {
    let mut a: Vec<&'static ActionInfo> = vec![&actions::LIST_TEAMS_APPS];
    if scopes.teams {
        a.extend([
            &actions::LIST_TEAMS,
            &actions::LIST_TEAM_APP_INSTALLATIONS,
            &actions::GET_TEAM_APP_INSTALLATION,
            &actions::UPGRADE_TEAM_APP_INSTALLATION,
        ]);
    }
    if scopes.users || scopes.chats {
        a.push(&actions::LIST_USERS);
    }
    if scopes.users {
        a.extend([
            &actions::LIST_USER_APP_INSTALLATIONS,
            &actions::GET_USER_APP_INSTALLATION,
            &actions::UPGRADE_USER_APP_INSTALLATION,
        ]);
    }
    if scopes.chats {
        a.extend([
            &actions::LIST_USER_CHATS,
            &actions::LIST_CHAT_APP_INSTALLATIONS,
            &actions::GET_CHAT_APP_INSTALLATION,
            &actions::UPGRADE_CHAT_APP_INSTALLATION,
        ]);
    }
    a
}

/// The `tid` claim of a JWT access token, when it is one (no signature check).
fn token_tenant(token: &str) -> Option<String> {
    use base64::Engine as _;
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    claims.get("tid")?.as_str().map(str::to_owned)
}

/// Prints the least-privileged application permissions for the rollout, and refuses (exit 2)
/// when the token's claims show it cannot make one of its calls.
fn permissions(token: &str, scopes: Scopes) -> Result<(), String> {
    let planned = rollout_actions(scopes);
    // The upgrades consent to resource-specific permissions when the app requires any; plan
    // for that case, which rules out the most.
    match graph_api::permissions::plan(&planned, PermissionType::Application, true, &[]) {
        Ok(plan) => {
            eprintln!(
                "least-privileged application permissions for this rollout ({} action(s)):",
                planned.len()
            );
            for p in &plan {
                eprintln!("  {}: {}", p.permission, p.covers.join(", "));
            }
        }
        Err(e) => eprintln!("no application permission set covers this rollout: {e}"),
    }
    if let Some(held) = graph_api::permissions::TokenPermissions::from_jwt(token) {
        for info in &planned {
            if let Err(missing) = held.check(info, true) {
                return Err(format!(
                    "the token cannot run this rollout: {missing}; nothing was sent"
                ));
            }
        }
    }
    Ok(())
}

async fn upgrade(u: Upgrade) -> ExitCode {
    let Ok(token) = std::env::var("GRAPH_TOKEN") else {
        eprintln!("graph-rollout: set GRAPH_TOKEN to an access token for Microsoft Graph");
        return ExitCode::from(2);
    };
    if let Err(e) = permissions(&token, u.scopes) {
        eprintln!("graph-rollout: {e}");
        return ExitCode::from(2);
    }
    let counter = Counter::new();
    let client = match GraphClient::builder()
        .base_url(u.base_url.clone())
        .bearer_token(token.clone())
        .on_attempt(counter.clone())
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            eprintln!("graph-rollout: {e}");
            return ExitCode::from(2);
        }
    };
    let display = Display::new();
    let shown = Arc::clone(&display.0);
    let mut rollout = Rollout::new(client, u.app)
        .scopes(u.scopes)
        .journal(u.journal)
        .dry_run(u.dry_run)
        .limits(u.limits)
        .batch(u.batch)
        .counter(counter)
        .on_progress(move |p| show(&shown, p));
    if let Some(tid) = token_tenant(&token) {
        rollout = rollout.tenant(tid);
    }
    let result = if u.dry_run {
        match rollout.plan().await {
            Ok(plan) => {
                display.finish();
                print_plan(&rollout, &plan);
                rollout.run_plan(&plan).await
            }
            Err(e) => Err(e),
        }
    } else {
        rollout.run().await
    };
    display.finish();
    match result {
        Ok(summary) => {
            if u.json {
                match serde_json::to_string_pretty(&summary) {
                    Ok(text) => println!("{text}"),
                    Err(e) => eprintln!("graph-rollout: {e}"),
                }
            } else {
                print_summary(&summary);
            }
            ExitCode::from(summary.exit_code() as u8)
        }
        Err(e) => {
            eprintln!("graph-rollout: {e}");
            match e {
                graph_rollout::Error::Graph { .. } => ExitCode::from(1),
                _ => ExitCode::from(2),
            }
        }
    }
}

fn print_plan(rollout: &Rollout, plan: &Plan) {
    println!(
        "plan: {} ({}) to version {}; {} installation(s) found, {} outdated",
        plan.app_name.as_deref().unwrap_or("?"),
        plan.app_id,
        plan.target_version,
        plan.installations.len(),
        plan.outdated().count()
    );
    match plan
        .consent
        .as_ref()
        .and_then(|c| c.resource_specific_permissions.as_ref())
    {
        Some(ps) => println!(
            "consent sent with each upgrade: {}",
            ps.iter()
                .map(|p| p.permission_value.clone().unwrap_or_default())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        None => println!("consent sent with each upgrade: none (the body is {{}})"),
    }
    println!("{:<6} {:<16} {:>8}", "scope", "version", "count");
    for ((scope, version), n) in plan.counts() {
        println!("{:<6} {:<16} {:>8}", scope.to_string(), version, n);
    }
    let sample: Vec<_> = plan.outdated().take(3).collect();
    if !sample.is_empty() {
        println!("sample of the requests it would send:");
    }
    for f in sample {
        match plan.upgrade_request(rollout.client(), &f.key) {
            Ok(req) => println!("{req}\n"),
            Err(e) => println!("{}: {e}", f.key),
        }
    }
}

fn print_summary(s: &Summary) {
    println!();
    println!("app {} -> version {}", s.app_id, s.target_version);
    println!("{:<28} {:>8}", "", "count");
    for (scope, n) in &s.found {
        println!("{:<28} {:>8}", format!("found in {scope}s"), n);
    }
    let rows = [
        ("already current", s.already_current),
        ("upgraded", s.upgraded),
        ("upgraded earlier (resumed)", s.resumed),
        ("would upgrade (dry run)", s.would_upgrade),
        ("failed", s.failed.len()),
    ];
    for (name, n) in rows {
        println!("{name:<28} {n:>8}");
    }
    println!(
        "{} request(s), {} upgrade(s) sent, {} throttled (429), {:.1} s",
        s.requests, s.writes, s.throttled, s.seconds
    );
    for f in &s.failed {
        println!("FAILED {}: {}", f.key, f.reason);
    }
}

/// Progress on stderr: bars on a terminal, a plain line every two seconds otherwise.
struct Display(Arc<Mutex<Shown>>);

struct Shown {
    bars: Option<(
        indicatif::MultiProgress,
        Vec<(Phase, indicatif::ProgressBar)>,
    )>,
    last_line: Option<Instant>,
}

impl Display {
    fn new() -> Display {
        let bars = std::io::stderr()
            .is_terminal()
            .then(|| (indicatif::MultiProgress::new(), Vec::new()));
        Display(Arc::new(Mutex::new(Shown {
            bars,
            last_line: None,
        })))
    }

    fn finish(&self) {
        let mut shown = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((_, bars)) = &mut shown.bars {
            for (_, bar) in bars.drain(..) {
                bar.finish();
            }
        }
    }
}

fn show(shown: &Mutex<Shown>, p: &Progress) {
    let mut shown = shown.lock().unwrap_or_else(|p| p.into_inner());
    let name = match p.phase {
        Phase::Catalog => "catalog",
        Phase::Discover => "discover",
        Phase::Upgrade => "upgrade",
    };
    if let Some((multi, bars)) = &mut shown.bars {
        let bar = match bars.iter().find(|(ph, _)| *ph == p.phase) {
            Some((_, bar)) => bar.clone(),
            None => {
                for (_, old) in bars.iter() {
                    old.finish();
                }
                let bar = multi.add(indicatif::ProgressBar::new(p.total));
                let style = indicatif::ProgressStyle::with_template(
                    "{prefix:>9} [{bar:30}] {pos}/{len} {per_sec} eta {eta} {msg}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .progress_chars("=> ");
                bar.set_style(style);
                bar.set_prefix(name);
                bar.enable_steady_tick(Duration::from_millis(200));
                bars.push((p.phase, bar.clone()));
                bar
            }
        };
        bar.set_length(p.total);
        bar.set_position(p.done);
        bar.set_message(format!("{} throttled, {} failed", p.throttled, p.failed));
        return;
    }
    let due = shown
        .last_line
        .is_none_or(|t| t.elapsed() >= Duration::from_secs(2));
    let last = p.done == p.total;
    if due || last {
        eprintln!(
            "{name}: {}/{} done, {} throttled, {} failed",
            p.done, p.total, p.throttled, p.failed
        );
        shown.last_line = Some(Instant::now());
    }
}

fn status(path: &std::path::Path, json: bool) -> ExitCode {
    let history = match journal::read(path) {
        Ok((h, _)) => h,
        Err(e) => {
            eprintln!("graph-rollout: {e}");
            return ExitCode::from(2);
        }
    };
    if json {
        let value = serde_json::json!({
            "confirmed": history.confirmed.len(),
            "sent_unconfirmed": history.sent_unconfirmed.iter().collect::<Vec<_>>(),
            "failed": history.failed,
            "records": history.records.len(),
        });
        println!("{value:#}");
    } else {
        if let Some((
            _,
            Record::Start {
                app,
                service_root,
                tenant,
                ..
            },
        )) = history.records.first()
        {
            println!(
                "rollout of app {app} at {service_root}{}",
                tenant
                    .as_ref()
                    .map(|t| format!(" (tenant {t})"))
                    .unwrap_or_default()
            );
        }
        println!("{} record(s)", history.records.len());
        println!("confirmed at a version: {}", history.confirmed.len());
        println!(
            "sent, not yet confirmed: {} (a run re-reads these before any resend)",
            history.sent_unconfirmed.len()
        );
        println!("failed: {}", history.failed.len());
        let mut failed: Vec<_> = history.failed.iter().collect();
        failed.sort();
        for (key, reason) in failed {
            println!("  {key}: {reason}");
        }
    }
    if history.failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
