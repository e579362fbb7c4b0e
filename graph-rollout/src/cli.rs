//! The `graph-rollout` command line: options, credentials, progress on a terminal and the reports.
//!
//! [`main`] is the whole command (the binary is one call to it); [`run`] is the same inside a
//! Tokio runtime the caller already has, as the in-process demo over graph-standin uses it.

use crate::journal::{self, Record};
use crate::{AppRef, Counter, Phase, Plan, Progress, Rollout, Scopes, Summary};
use graph_api::GraphClient;
use graph_api::meta::{NationalCloud, PermissionType};
use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Microsoft Graph's global service root.
const GLOBAL_ROOT: &str = "https://graph.microsoft.com";

/// What `--help` prints.
pub const USAGE: &str = "\
usage:
  GRAPH_TOKEN=... graph-rollout upgrade (--app <catalog teamsApp id> | --external-id <manifest id>)
                  --journal <file> [--base-url <service root>] [--scopes chats,teams,users]
                  [--dry-run] [--json] [--limits <factor>] [--no-batch] [--credential <kind>]
  graph-rollout status --journal <file> [--json]

upgrade: finds every installation of the app in chats, teams and personal scopes, upgrades each
outdated one to the catalog's newest published version with exactly the consent it requires,
paced at Microsoft Graph's published Teams limits, and confirms each by reading it back. Every
step is recorded in the journal; running the same command again resumes. --base-url defaults to
https://graph.microsoft.com; --limits scales Graph's limits (for a stand-in tenant; 1 is Graph's);
--no-batch reads each scope in its own request instead of $batch POSTs of 20.

credentials: an application access token in GRAPH_TOKEN, or, in a build with the azure-identity
feature, --credential with one of azure_identity's credentials: client-secret (AZURE_TENANT_ID,
AZURE_CLIENT_ID, AZURE_CLIENT_SECRET), managed-identity (AZURE_CLIENT_ID for a user-assigned
one), workload-identity (the AZURE_* variables a federated identity sets), azure-cli. The token
is asked for the .default scope of the --base-url's cloud.

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
    credential: Option<String>,
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
    let mut credential = None;
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
            "--credential" => credential = Some(value("--credential")?),
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
            credential,
        }))),
        "status" => Ok(Command::Status { journal, json }),
        "-h" | "--help" => Err(String::new()),
        other => Err(format!("unknown command `{other}`")),
    }
}

/// The whole command: `args` without the program's name, `token` the value of `GRAPH_TOKEN`.
pub fn main(args: Vec<String>, token: Option<String>) -> ExitCode {
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime.block_on(run(args, token)),
        Err(e) => {
            eprintln!("graph-rollout: cannot start the runtime: {e}");
            ExitCode::from(2)
        }
    }
}

/// The command inside a Tokio runtime the caller has (multi-threaded, with time and I/O).
pub async fn run(args: Vec<String>, token: Option<String>) -> ExitCode {
    let command = match parse(&args) {
        Ok(c) => c,
        Err(e) => {
            if e.is_empty() {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            eprintln!("graph-rollout: {e}");
            eprintln!("run `graph-rollout --help` for the usage");
            return ExitCode::from(2);
        }
    };
    match command {
        Command::Status { journal, json } => status(&journal, json),
        Command::Upgrade(u) => upgrade(*u, token).await,
    }
}

/// The national cloud whose Graph root `base_url` is (global for any other root, such as a
/// stand-in), so that actions the cloud lacks fail before sending.
fn cloud_of(base_url: &str) -> NationalCloud {
    let root = base_url.trim_end_matches('/');
    NationalCloud::ALL
        .iter()
        .map(|&(_, cloud)| cloud)
        .find(|cloud| cloud.graph_root() == root)
        .unwrap_or(NationalCloud::Global)
}

/// Where the client's tokens come from: `GRAPH_TOKEN`, or an azure_identity credential.
enum Credentials {
    Token(String),
    #[cfg(feature = "azure-identity")]
    Azure(graph_api::AzureCredential),
}

/// The credentials `--credential` names, or `GRAPH_TOKEN`'s; with a token in hand, for reading
/// its claims (permissions and tenant) before anything is sent.
async fn credentials(
    kind: Option<&str>,
    token: Option<String>,
    cloud: NationalCloud,
) -> Result<(Credentials, String), String> {
    match kind {
        None => {
            let token = token
                .filter(|t| !t.is_empty())
                .ok_or("set GRAPH_TOKEN to an access token for Microsoft Graph")?;
            Ok((Credentials::Token(token.clone()), token))
        }
        #[cfg(feature = "azure-identity")]
        Some(kind) => {
            use graph_api::TokenProvider as _;
            let credential = graph_api::AzureCredential::new(azure_credential(kind)?, cloud);
            let token = credential
                .fetch_token()
                .await
                .map_err(|e| format!("the {kind} credential gave no token: {e}"))?;
            Ok((
                Credentials::Azure(credential),
                token.token.expose().to_owned(),
            ))
        }
        #[cfg(not(feature = "azure-identity"))]
        Some(_) => {
            let _ = cloud;
            Err(
                "--credential needs a build with the azure-identity feature \
                 (cargo install graph-rollout --features azure-identity); \
                 or set GRAPH_TOKEN"
                    .into(),
            )
        }
    }
}

/// One of azure_identity's credentials, by the name `--credential` gives it.
#[cfg(feature = "azure-identity")]
fn azure_credential(
    kind: &str,
) -> Result<Arc<dyn azure_core::credentials::TokenCredential>, String> {
    use azure_identity as id;
    let var = |name: &str| {
        std::env::var(name)
            .ok()
            .filter(|v| !v.is_empty())
            .ok_or_else(|| format!("--credential {kind} needs {name} set"))
    };
    let made: azure_core::Result<Arc<dyn azure_core::credentials::TokenCredential>> = match kind {
        "client-secret" => {
            let (tenant, client, secret) = (
                var("AZURE_TENANT_ID")?,
                var("AZURE_CLIENT_ID")?,
                var("AZURE_CLIENT_SECRET")?,
            );
            id::ClientSecretCredential::new(&tenant, client, secret.into(), None)
                .map(|c| c as Arc<dyn azure_core::credentials::TokenCredential>)
        }
        "managed-identity" => {
            let user_assigned_id = std::env::var("AZURE_CLIENT_ID")
                .ok()
                .filter(|v| !v.is_empty())
                .map(id::UserAssignedId::ClientId);
            id::ManagedIdentityCredential::new(Some(id::ManagedIdentityCredentialOptions {
                user_assigned_id,
                ..Default::default()
            }))
            .map(|c| c as Arc<dyn azure_core::credentials::TokenCredential>)
        }
        "workload-identity" => id::WorkloadIdentityCredential::new(None)
            .map(|c| c as Arc<dyn azure_core::credentials::TokenCredential>),
        "azure-cli" => id::AzureCliCredential::new(None)
            .map(|c| c as Arc<dyn azure_core::credentials::TokenCredential>),
        other => {
            return Err(format!(
                "unknown credential `{other}`: give client-secret, managed-identity, \
                 workload-identity or azure-cli"
            ));
        }
    };
    made.map_err(|e| format!("--credential {kind}: {e}"))
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
    let planned = crate::actions(scopes);
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

async fn upgrade(u: Upgrade, token: Option<String>) -> ExitCode {
    let cloud = cloud_of(&u.base_url);
    let (credentials, token) = match credentials(u.credential.as_deref(), token, cloud).await {
        Ok(c) => c,
        Err(e) => {
            eprintln!("graph-rollout: {e}");
            return ExitCode::from(2);
        }
    };
    if let Err(e) = permissions(&token, u.scopes) {
        eprintln!("graph-rollout: {e}");
        return ExitCode::from(2);
    }
    let counter = Counter::new();
    let builder = GraphClient::builder()
        .base_url(u.base_url.clone())
        .national_cloud(cloud)
        .on_attempt(counter.clone());
    let builder = match credentials {
        Credentials::Token(token) => builder.bearer_token(token),
        #[cfg(feature = "azure-identity")]
        Credentials::Azure(provider) => builder.token_provider(provider),
    };
    let client = match builder.build() {
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
                crate::Error::Graph { .. } => ExitCode::from(1),
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
    println!(
        "{} ({}) -> version {}",
        s.app_name.as_deref().unwrap_or("app"),
        s.app_id,
        s.target_version
    );
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
        "{} HTTP request(s) (a $batch POST counts once), {} upgrade(s) sent, {} throttled (429), {:.1} s",
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
                // The catalog is one request: no rate or time left to show.
                let template = match p.phase {
                    Phase::Catalog => "{prefix:>9} [{bar:30}] {pos}/{len} {msg}",
                    _ => "{prefix:>9} [{bar:30}] {pos}/{len} {rate} eta {eta} {msg}",
                };
                let style = indicatif::ProgressStyle::with_template(template)
                    .map(|style| {
                        style.with_key(
                            "rate",
                            |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                                // The phase's average once it is over, the recent rate while it runs.
                                let rate = match state.is_finished() {
                                    true => {
                                        state.pos() as f64 / state.elapsed().as_secs_f64().max(1e-3)
                                    }
                                    false => state.per_sec(),
                                };
                                let _ = write!(w, "{rate:.0}/s");
                            },
                        )
                    })
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
        if p.phase == Phase::Catalog && p.done == p.total {
            bar.finish();
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn args(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    #[tokio::test]
    async fn usage_errors_exit_2_before_anything_is_sent_and_help_exits_0() {
        let journal = std::env::temp_dir().join("graph-rollout-cli-never-written.jsonl");
        let j = journal.display().to_string();
        // No token: refused before any request (the base URL is a closed port).
        let no_token = args(&[
            "upgrade",
            "--app",
            "a",
            "--journal",
            &j,
            "--base-url",
            "http://127.0.0.1:9",
        ]);
        assert_eq!(run(no_token.clone(), None).await, ExitCode::from(2));
        assert_eq!(run(no_token, Some(String::new())).await, ExitCode::from(2));
        assert_eq!(
            run(args(&["upgrade", "--journal", &j]), Some("t".into())).await,
            ExitCode::from(2)
        );
        assert_eq!(
            run(args(&["upgrade", "--app", "a"]), Some("t".into())).await,
            ExitCode::from(2)
        );
        assert_eq!(
            run(args(&["rollback", "--journal", &j]), None).await,
            ExitCode::from(2)
        );
        assert_eq!(
            run(args(&["upgrade", "--limits", "0", "--journal", &j]), None).await,
            ExitCode::from(2)
        );
        assert_eq!(
            run(args(&["status", "--help"]), None).await,
            ExitCode::SUCCESS
        );
        // Without the feature any credential is refused; with it, one it does not know.
        let credential = if cfg!(feature = "azure-identity") {
            "kerberos"
        } else {
            "azure-cli"
        };
        let with_credential = args(&[
            "upgrade",
            "--app",
            "a",
            "--journal",
            &j,
            "--credential",
            credential,
        ]);
        assert_eq!(run(with_credential, None).await, ExitCode::from(2));
        assert!(!journal.exists());
    }

    #[test]
    fn the_base_url_names_the_cloud_whose_limits_and_actions_apply() {
        assert_eq!(
            cloud_of("https://graph.microsoft.us/"),
            NationalCloud::UsGovL4
        );
        assert_eq!(
            cloud_of("https://dod-graph.microsoft.us"),
            NationalCloud::UsGovL5Dod
        );
        assert_eq!(
            cloud_of("https://microsoftgraph.chinacloudapi.cn"),
            NationalCloud::China21Vianet
        );
        assert_eq!(
            cloud_of("https://graph.microsoft.com"),
            NationalCloud::Global
        );
        assert_eq!(cloud_of("http://127.0.0.1:8080"), NationalCloud::Global);
    }
}
