//! Rollouts against graph-standin with Graph's limits: outcome, consent, no double writes, dry run, crash and resume, failures.

use crate::journal::{self, JournalError, Record};
use crate::{AppRef, Counter, Error, Phase, Progress, Rollout, Verify};
use graph_api::GraphClient;
use graph_standin::tenant::PermissionType;
use graph_standin::{Config, Faults, Size, StandIn, Tenant};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

const SIZE: Size = Size {
    users: 30,
    chats: 150,
    teams: 8,
};

/// A client with the default retry policy but no time limits: the paused clock jumps to the
/// next timer while sockets work, which would fire them.
fn client(standin: &StandIn, counter: &Counter) -> GraphClient {
    GraphClient::builder()
        .base_url(standin.url())
        .bearer_token(token())
        .no_timeout()
        .no_attempt_timeout()
        .no_connect_timeout()
        .on_attempt(counter.clone())
        .build()
        .expect("client")
}

/// An application token (unsigned; the stand-in checks none) with the read permissions a
/// rollout needs and none to write installations, so a 403 says which one to add.
fn token() -> String {
    use base64::Engine as _;
    let b64 = |v: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
    let claims = r#"{"tid":"contoso","idtyp":"app","roles":["AppCatalog.Read.All","User.ReadBasic.All","Team.ReadBasic.All","Chat.ReadBasic.All","TeamsAppInstallation.ReadForChat.All"]}"#;
    format!("{}.{}.sig", b64(r#"{"alg":"none"}"#), b64(claims))
}

fn journal_path(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("graph-rollout-tests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    let _ = std::fs::remove_file(&path);
    path
}

/// The catalog id of the generated app with this name.
fn app_id(standin: &StandIn, name: &str) -> String {
    standin.with_tenant(|t| {
        t.apps
            .iter()
            .find(|a| a.display_name == name)
            .map(|a| a.id.clone())
            .expect("app")
    })
}

/// Every installation of the app: id -> (version written, consented permissions).
fn installations(standin: &StandIn, app: &str) -> BTreeMap<String, (String, Vec<String>)> {
    standin.with_tenant(|t| {
        let a = t.app(app).expect("app");
        t.all_installations()
            .filter(|(_, i)| i.app == a)
            .map(|(_, i)| {
                let v = t.apps[a].definitions[i.written()].version.clone();
                let consented = i.consented.iter().map(|p| p.value.clone()).collect();
                (i.id.clone(), (v, consented))
            })
            .collect()
    })
}

fn newest_published(standin: &StandIn, app: &str) -> (String, Vec<String>) {
    standin.with_tenant(|t| {
        let a = &t.apps[t.app(app).expect("app")];
        let d = &a.definitions[a.newest_published().expect("published")];
        (
            d.version.clone(),
            d.required.iter().map(|p| p.value.clone()).collect(),
        )
    })
}

async fn start(seed: u64, config: Config) -> StandIn {
    StandIn::start(Tenant::generate(SIZE, seed), config)
        .await
        .expect("listener")
}

fn rollout(standin: &StandIn, app: &str, counter: &Counter) -> Rollout {
    Rollout::new(client(standin, counter), AppRef::Id(app.to_owned())).counter(counter.clone())
}

/// Asserts every installation of the app is at the newest published version with exactly its
/// consent, and none was written more than once.
fn assert_done(standin: &StandIn, app: &str, outdated_before: usize) {
    let (target, required) = newest_published(standin, app);
    let after = installations(standin, app);
    for (id, (version, consented)) in &after {
        assert_eq!(version, &target, "{id}");
        let mut c = consented.clone();
        let mut r = required.clone();
        c.sort();
        r.sort();
        assert_eq!(c, r, "{id} consented");
    }
    let writes = standin.stats().writes;
    let ours: Vec<_> = writes
        .iter()
        .filter(|(id, _)| after.contains_key(*id))
        .collect();
    assert!(ours.iter().all(|(_, n)| **n == 1), "{ours:?}");
    assert_eq!(ours.len(), outdated_before);
}

fn outdated(standin: &StandIn, app: &str) -> usize {
    let (target, _) = newest_published(standin, app);
    installations(standin, app)
        .values()
        .filter(|(v, _)| *v != target)
        .count()
}

#[tokio::test(start_paused = true)]
async fn every_outdated_installation_ends_at_the_newest_published_version_with_exact_consent() {
    let standin = start(3, Config::default()).await;
    // Meeting Notes 1.1.0 requires application and delegated consent; Standup's newest is a
    // submitted 2.0.0 that must never be the target (1.2.0 is).
    for name in ["Meeting Notes", "Standup"] {
        let app = app_id(&standin, name);
        let before = outdated(&standin, &app);
        let total = installations(&standin, &app).len();
        assert!(
            before > 5,
            "{name}: the generated tenant has outdated installations"
        );
        let counter = Counter::new();
        // Meeting Notes with the scope reads batched, Standup with each read alone.
        let summary = rollout(&standin, &app, &counter)
            .batch(name == "Meeting Notes")
            .run()
            .await
            .expect("rollout");
        assert_eq!(summary.failed, vec![], "{name}");
        assert_eq!(summary.exit_code(), 0);
        assert_eq!(summary.upgraded, before, "{name}");
        assert_eq!(summary.already_current, total - before, "{name}");
        assert_eq!(summary.found.values().sum::<usize>(), total, "{name}");
        assert_eq!(summary.target_version, newest_published(&standin, &app).0);
        assert_done(&standin, &app, before);
        // Paced at the limits: at most 1% of requests (batch items one by one, as the
        // stand-in counts them) were answered 429.
        let stats = standin.stats();
        let requests: u64 = stats.requests.values().sum();
        assert!(
            stats.throttled * 100 <= requests,
            "{name}: {} of {requests} throttled",
            stats.throttled
        );
    }
    assert_eq!(
        newest_published(&standin, &app_id(&standin, "Standup")).0,
        "1.2.0"
    );
}

#[tokio::test(start_paused = true)]
async fn with_faults_on_every_installation_still_ends_upgraded_once() {
    // 503s before anything is done, 429s after an upgrade was done (Graph has been seen to),
    // and reads that show an upgrade a second late.
    let config = Config {
        faults: Faults {
            unavailable: 0.03,
            throttled_after_write: 0.2,
            ..Faults::default()
        },
        consistency_delay: Duration::from_secs(1),
        ..Config::default()
    };
    let standin = start(9, config).await;
    let app = app_id(&standin, "Timesheets");
    let before = outdated(&standin, &app);
    let counter = Counter::new();
    let summary = rollout(&standin, &app, &counter)
        .journal(journal_path("faults.jsonl"))
        .run()
        .await
        .expect("rollout");
    assert_eq!(summary.failed, vec![]);
    assert_eq!(summary.upgraded, before);
    assert!(standin.stats().throttled > 0, "the faults fired");
    assert_done(&standin, &app, before);
}

#[tokio::test(start_paused = true)]
async fn a_dry_run_sends_no_write_and_counts_what_it_would_do() {
    let standin = start(4, Config::default()).await;
    let app = app_id(&standin, "Timesheets");
    let before = outdated(&standin, &app);
    let path = journal_path("dry.jsonl");
    let counter = Counter::new();
    let r = rollout(&standin, &app, &counter)
        .dry_run(true)
        .journal(&path);
    let plan = r.plan().await.expect("plan");
    assert_eq!(plan.outdated().count(), before);
    let sample = plan
        .upgrade_request(r.client(), &plan.outdated().next().expect("one").key)
        .expect("request");
    assert_eq!(sample.method().as_str(), "POST");
    assert!(
        sample.url().path().ends_with("/upgrade"),
        "{}",
        sample.url()
    );
    assert!(
        String::from_utf8_lossy(sample.body()).contains("ChatMember.Read.Chat"),
        "the sample carries the consent"
    );
    let summary = r.run_plan(&plan).await.expect("dry run");
    assert_eq!(summary.would_upgrade, before);
    assert_eq!(summary.upgraded, 0);
    assert!(standin.stats().writes.is_empty(), "no write was sent");
    assert!(!path.exists(), "a dry run writes no journal");
    assert_eq!(outdated(&standin, &app), before);
}

#[tokio::test(start_paused = true)]
async fn a_crash_at_any_of_several_points_resumes_without_repeating_a_write() {
    // Reads show an upgrade two seconds late, so a resumed run that finds a sent upgrade must
    // poll before it would send it again.
    let config = Config {
        consistency_delay: Duration::from_secs(2),
        ..Config::default()
    };
    for stop in [1usize, 2, 3, 7, 12] {
        let standin = start(5, config.clone()).await;
        let app = app_id(&standin, "Meeting Notes");
        let before = outdated(&standin, &app);
        let path = journal_path(&format!("crash-{stop}.jsonl"));
        let counter = Counter::new();
        let err = rollout(&standin, &app, &counter)
            .journal(&path)
            .stop_after_journal_records(stop)
            .run()
            .await
            .expect_err("stopped");
        assert!(
            matches!(err, Error::Journal(JournalError::Stopped(n)) if n == stop),
            "{err}"
        );
        let summary = rollout(&standin, &app, &counter)
            .journal(&path)
            .run()
            .await
            .expect("resumed");
        assert_eq!(summary.failed, vec![], "stop after {stop}");
        assert_eq!(
            summary.upgraded + summary.resumed,
            before,
            "stop after {stop}"
        );
        assert_done(&standin, &app, before);
        // A third run finds nothing to do and sends no write.
        let writes = standin.stats().writes.values().sum::<u64>();
        let again = rollout(&standin, &app, &counter)
            .journal(&path)
            .run()
            .await
            .expect("third");
        assert_eq!((again.upgraded, again.writes), (0, 0));
        assert_eq!(standin.stats().writes.values().sum::<u64>(), writes);
        let (history, _) = journal::read(&path).expect("journal");
        assert!(history.sent_unconfirmed.is_empty());
        assert!(matches!(
            history.records.first(),
            Some((_, Record::Start { .. }))
        ));
    }
}

#[tokio::test(start_paused = true)]
async fn dropping_the_run_mid_way_and_running_again_repeats_nothing() {
    let standin = start(6, Config::default()).await;
    let app = app_id(&standin, "Approvals");
    let before = outdated(&standin, &app);
    let path = journal_path("dropped.jsonl");
    let counter = Counter::new();
    let r = rollout(&standin, &app, &counter).journal(&path);
    // Stop it (drop the future) once about half the outdated installations are upgraded.
    tokio::select! {
        _ = r.run() => panic!("the run should have been cut short"),
        () = async {
            while outdated(&standin, &app) > before / 2 {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        } => {}
    }
    let part = outdated(&standin, &app);
    assert!(
        part < before,
        "some upgrades were done before the cut ({part} of {before} left)"
    );
    assert!(part > 0, "the cut came before the end");
    let summary = r.run().await.expect("resumed");
    assert_eq!(summary.failed, vec![]);
    assert_done(&standin, &app, before);
}

#[tokio::test(start_paused = true)]
async fn another_apps_journal_is_refused() {
    let standin = start(7, Config::default()).await;
    let path = journal_path("other-app.jsonl");
    let counter = Counter::new();
    rollout(&standin, &app_id(&standin, "Wiki"), &counter)
        .journal(&path)
        .run()
        .await
        .expect("first");
    let writes = standin.stats().writes.len();
    let err = rollout(&standin, &app_id(&standin, "Polls"), &counter)
        .journal(&path)
        .run()
        .await
        .expect_err("refused");
    assert!(
        matches!(err, Error::Journal(JournalError::Mismatch { .. })),
        "{err}"
    );
    assert_eq!(standin.stats().writes.len(), writes, "nothing was sent");
}

#[tokio::test(start_paused = true)]
async fn a_permission_failure_and_a_consent_failure_are_reported_per_installation() {
    let standin = start(8, Config::default()).await;
    let app = app_id(&standin, "Meeting Notes");
    let counter = Counter::new();
    let r = rollout(&standin, &app, &counter).verify(Verify {
        attempts: 2,
        interval: Duration::from_secs(1),
    });
    let plan = r.plan().await.expect("plan");
    let outdated: Vec<_> = plan.outdated().cloned().collect();
    assert!(outdated.len() > 3);
    // Writes on one chat are refused (the app holds no permission for it).
    let denied = outdated
        .iter()
        .find(|f| f.key.scope == crate::ScopeKind::Chat)
        .expect("an outdated chat")
        .clone();
    standin.deny_writes(&denied.key.scope_id);
    // After planning, the catalog's target starts requiring one more permission, so the
    // consent the plan sends is no longer what it requires.
    standin.with_tenant(|t| {
        let a = t.app(&app).expect("app");
        let newest = t.apps[a].newest_published().expect("published");
        t.apps[a].definitions[newest]
            .required
            .push(graph_standin::tenant::Permission::new(
                "ChannelMessage.Read.Group",
                PermissionType::Application,
            ));
    });
    let summary = r.run_plan(&plan).await.expect("run");
    assert_eq!(summary.exit_code(), 1);
    assert_eq!(summary.failed.len(), outdated.len(), "{:?}", summary.failed);
    let denied_key = denied.key.to_string();
    for f in &summary.failed {
        if f.key == denied_key {
            assert!(f.reason.contains("403"), "{}", f.reason);
            assert!(
                f.reason.contains("add `TeamsAppInstallation."),
                "the 403 names the permission to add: {}",
                f.reason
            );
        } else {
            assert!(f.reason.starts_with("consent refused"), "{}", f.reason);
            assert!(f.reason.contains("ChatMember.Read.Chat"), "{}", f.reason);
        }
    }
}

/// Every phase's progress ends at all of its steps done, so a display's last line for a phase
/// (the catalog's included) says `n/n`.
#[tokio::test(start_paused = true)]
async fn each_phases_progress_ends_with_every_step_done() {
    let standin = start(5, Config::default()).await;
    let app = app_id(&standin, "Standup");
    let seen = Arc::new(std::sync::Mutex::new(Vec::<Progress>::new()));
    let sink = Arc::clone(&seen);
    let counter = Counter::new();
    rollout(&standin, &app, &counter)
        .on_progress(move |p| sink.lock().expect("not poisoned").push(p.clone()))
        .run()
        .await
        .expect("rollout");
    let seen = seen.lock().expect("not poisoned");
    for phase in [Phase::Catalog, Phase::Discover, Phase::Upgrade] {
        let last = seen
            .iter()
            .rev()
            .find(|p| p.phase == phase)
            .unwrap_or_else(|| panic!("no progress for {phase:?}"));
        assert!(last.total > 0, "{phase:?}: {last:?}");
        assert_eq!(last.done, last.total, "{phase:?}: {last:?}");
    }
}
