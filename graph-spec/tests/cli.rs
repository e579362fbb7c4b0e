//! The `graph-spec` tool as library authors and CI run it: exit codes, drift against the
//! vendored `permissions.json` with seeded differences, and permission plans.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_graph-spec");

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn run(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(root())
        .output()
        .expect("graph-spec runs")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

const SOURCE: &str = "tests/fixtures/msgraph/permissions.json";
const CSDL: &str = "tests/fixtures/msgraph/cleanMetadata.xml";
const CLOUDS: &str = "tests/fixtures/msgraph/clouds";

/// A copy of `spec/` in a fresh folder, with `edit` applied to the Teams file's text.
fn spec_copy(name: &str, edit: impl Fn(String) -> String) -> PathBuf {
    spec_copy_editing(name, "teams-app-installation.toml", edit)
}

/// A copy of `spec/` in a fresh folder, with `edit` applied to the text of `file`.
fn spec_copy_editing(name: &str, file: &str, edit: impl Fn(String) -> String) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("graph-spec-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    for f in [
        "teams-app-installation.toml",
        "app-catalog.toml",
        "discovery.toml",
        "teams.toml",
        "permissions.toml",
    ] {
        let text = std::fs::read_to_string(root().join("spec").join(f)).expect("spec file");
        let text = if f == file { edit(text) } else { text };
        std::fs::write(dir.join(f), text).expect("write");
    }
    dir
}

/// The 1-based line of the first occurrence of `needle` after `after`.
fn line_of(dir: &Path, after: &str, needle: &str) -> usize {
    let text = std::fs::read_to_string(dir.join("teams-app-installation.toml")).expect("read");
    let start = text.find(after).expect("anchor");
    let at = start + text[start..].find(needle).expect("needle");
    text[..at].lines().count() + usize::from(text[..at].ends_with('\n'))
}

#[test]
fn the_spec_agrees_with_microsofts_file() {
    let out = run(&["drift", "--permissions", SOURCE, "spec"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains("the 23 permissions tables"),
        "{}",
        text(&out)
    );
}

#[test]
fn each_seeded_difference_is_reported_at_its_row() {
    const LIST: &str = "[actions.list_chat_app_installations.permissions]";
    const UPGRADE: &str = "[actions.upgrade_chat_app_installation.permissions]";
    let dir = spec_copy("drift", |t| {
        let (head, rest) = t.split_at(t.find(LIST).expect("list entry"));
        let rest = rest
            // least swapped with the first higher one
            .replacen(
                "delegated = { least = [\"TeamsAppInstallation.ReadForChat\"], higher = [\n  \"TeamsAppInstallation.ReadWriteSelfForChat\",",
                "delegated = { least = [\"TeamsAppInstallation.ReadWriteSelfForChat\"], higher = [\n  \"TeamsAppInstallation.ReadForChat\",",
                1,
            );
        // the application row no longer supported
        let row = "application = { least = [\"TeamsAppInstallation.ReadForChat.All\"]";
        let start = rest.find(row).expect("application row");
        let end = start + rest[start..].find("] }").expect("row end") + 3;
        let rest = format!(
            "{}application = \"not_supported\"{}",
            &rest[..start],
            &rest[end..]
        );
        let t = format!("{head}{rest}");
        let (head, rest) = t.split_at(t.find(UPGRADE).expect("upgrade entry"));
        let rest = rest
            // a higher one missing (delegated) and one extra (application)
            .replacen("  \"TeamsAppInstallation.ManageSelectedForChat\",\n", "", 1)
            .replacen(
                "  \"Chat.Manage.Chat\",\n",
                "  \"Chat.Manage.Chat\",\n  \"Chat.ReadWrite.All\",\n",
                1,
            );
        let mut t = format!("{head}{rest}");
        // order changed in the delete entry's application row
        t = t.replacen(
            "  \"Chat.Manage.Chat\",\n  \"TeamsAppInstallation.ManageSelectedForChat.All\",\n  \"TeamsAppInstallation.ReadWriteForChat.All\",\n] }",
            "  \"TeamsAppInstallation.ManageSelectedForChat.All\",\n  \"Chat.Manage.Chat\",\n  \"TeamsAppInstallation.ReadWriteForChat.All\",\n] }",
            1,
        );
        // an action the file does not cover
        t.push_str(
            "\n[actions.list_chat_pins]\nsummary = \"x\"\ndocs = \"https://learn.microsoft.com/en-us/graph/api/x\"\nmethod = \"GET\"\npath = \"/chats/{chat-id}/pinnedThings\"\ncall = \"list\"\nversions = [\"v1.0\"]\nclouds = [\"global\"]\nresponse = { status = 204 }\nparams = { chat-id = {} }\n[actions.list_chat_pins.permissions]\ndelegated = { least = [\"Chat.Read\"] }\ndelegated_personal = \"not_supported\"\napplication = \"not_supported\"\n",
        );
        t
    });
    let spec = dir.to_string_lossy().into_owned();
    let out = run(&["drift", "--permissions", SOURCE, &spec]);
    let report = text(&out);
    assert_eq!(out.status.code(), Some(1), "{report}");
    let file = "teams-app-installation.toml";
    let at = |after: &str, needle: &str| format!("{file}:{}:", line_of(&dir, after, needle));
    let expect = [
        (
            at(LIST, "delegated ="),
            "list_chat_app_installations: delegated least: spec says [TeamsAppInstallation.ReadWriteSelfForChat], permissions.json says [TeamsAppInstallation.ReadForChat]",
        ),
        (
            at(LIST, "application ="),
            "list_chat_app_installations: application: spec says not supported, permissions.json says supported (least [TeamsAppInstallation.ReadForChat.All])",
        ),
        (
            at(UPGRADE, "delegated ="),
            "upgrade_chat_app_installation: delegated higher, missing: spec says nothing, permissions.json says [TeamsAppInstallation.ManageSelectedForChat]",
        ),
        (
            at(UPGRADE, "application ="),
            "upgrade_chat_app_installation: application higher, extra: spec says [Chat.ReadWrite.All], permissions.json says nothing",
        ),
        (
            at(
                "[actions.remove_chat_app_installation.permissions]",
                "application =",
            ),
            "remove_chat_app_installation: application higher order",
        ),
        (
            at("[actions.list_chat_pins]", "path ="),
            "list_chat_pins: GET /chats/{chat-id}/pinnedThings: spec says a permissions table, permissions.json says nothing",
        ),
    ];
    for (location, message) in &expect {
        assert!(
            report
                .lines()
                .any(|l| l.contains(location.as_str()) && l.contains(message)),
            "missing `{location} ... {message}` in\n{report}"
        );
    }
    // The swapped least also shows on the higher side; nothing else is reported.
    let findings = report.lines().filter(|l| l.contains(file)).count();
    assert!(findings <= expect.len() + 2, "{report}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn unusable_input_exits_2_with_a_reason() {
    for (args, says) in [
        (
            vec!["drift", "--permissions", "no/such/file.json", "spec"],
            "cannot read",
        ),
        (
            vec!["drift", "--permissions", "spec/README.md", "spec"],
            "not a permissions.json file",
        ),
        (
            vec!["drift", "--permissions", SOURCE, "no/such/spec"],
            "cannot read spec path",
        ),
        (vec!["drift", SOURCE, "spec"], "drift takes --permissions"),
        (
            vec!["permissions", "spec", "list_chat_apps"],
            "no action `list_chat_apps` in spec; did you mean",
        ),
        (
            vec![
                "permissions",
                "--type",
                "personal",
                "spec",
                "list_teams_apps",
            ],
            "--type takes delegated or application",
        ),
        (vec![], "name a command"),
        (
            vec!["chek", "spec"],
            "no such command `chek`; did you mean `check`?",
        ),
        (vec!["verify", "spec"], "verify needs --csdl"),
        (
            vec!["verify", "--csdl", "no/such/metadata.xml", "spec"],
            "cannot read",
        ),
        (
            vec!["verify", "--csdl", SOURCE, "spec"],
            "not an XML document",
        ),
        (
            vec!["verify", "--csdl", CSDL, "--clouds", "spec", "spec"],
            "v1.0-Prod.csdl",
        ),
        (
            vec!["draft", "--csdl", "spec/README.md", "GET /chats"],
            "not an XML document",
        ),
        (vec!["draft", "--csdl", CSDL], "name actions"),
        (
            vec!["draft", "--csdl", CSDL, "--depth", "2", "GET /chats"],
            "--depth follows an --under",
        ),
    ] {
        let out = run(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
        assert!(text(&out).contains(says), "{args:?}: {}", text(&out));
        // The error and one line on where usage is, not the whole usage.
        let help = match args.first() {
            Some(cmd) if *cmd != "chek" => format!("run `graph-spec {cmd} --help` for usage"),
            _ => "run `graph-spec --help` for usage".to_owned(),
        };
        assert!(text(&out).contains(&help), "{args:?}: {}", text(&out));
        assert!(!text(&out).contains("usage:"), "{args:?}: {}", text(&out));
    }
}

#[test]
fn help_on_every_command_prints_its_usage_and_exits_0() {
    for args in [vec!["--help"], vec!["-h"], vec!["help"]] {
        let out = run(&args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", text(&out));
        let usage = String::from_utf8_lossy(&out.stdout);
        for cmd in [
            "check",
            "expand",
            "drift",
            "permissions",
            "build-script",
            "draft",
            "verify",
            "synth",
        ] {
            assert!(
                usage.contains(&format!("graph-spec {cmd} ")),
                "{args:?} lacks {cmd}: {usage}"
            );
        }
    }
    for cmd in [
        "check",
        "expand",
        "drift",
        "permissions",
        "build-script",
        "draft",
        "verify",
        "synth",
    ] {
        // Help wins over whatever else is on the line, a misspelt option included.
        for args in [
            vec![cmd, "--help"],
            vec![cmd, "--nonsense", "-h"],
            vec!["help", cmd],
        ] {
            let out = run(&args);
            assert_eq!(out.status.code(), Some(0), "{args:?}: {}", text(&out));
            let usage = String::from_utf8_lossy(&out.stdout);
            assert!(
                usage.contains(&format!("graph-spec {cmd} ")),
                "{args:?}: {usage}"
            );
            let others = usage.matches("  graph-spec ").count();
            assert_eq!(others, 1, "{args:?} prints one command's usage: {usage}");
        }
    }
}

#[test]
fn check_and_expand_exit_codes() {
    let ok = run(&["check", "spec"]);
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok));
    let dir = std::env::temp_dir().join(format!("graph-spec-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let good = std::fs::read_to_string(root().join("tests/tests/ui/actions/body_on_get.toml"))
        .expect("a case spec");
    let first_action = good.split("[actions.get_thing.body").next().unwrap_or("");
    std::fs::write(
        dir.join("a.toml"),
        first_action.replacen("\"GET\"", "\"GETT\"", 1),
    )
    .expect("write");
    std::fs::write(dir.join("b.toml"), "not toml [[[").expect("write");
    let bad = run(&["check", &dir.to_string_lossy()]);
    assert_eq!(bad.status.code(), Some(1), "{}", text(&bad));
    assert!(
        text(&bad).contains("a.toml:4:10") && text(&bad).contains("b.toml:1:"),
        "{}",
        text(&bad)
    );
    let expanded = run(&["expand", "spec"]);
    assert_eq!(expanded.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&expanded.stdout)
            .contains("pub struct UpgradeChatAppInstallation<'a>")
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn one_permission_covering_two_actions_is_planned_instead_of_two() {
    let out = run(&[
        "permissions",
        "--type",
        "delegated",
        "spec",
        "list_chat_app_installations",
        "upgrade_chat_app_installation",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "delegated permissions for 2 action(s):\n  TeamsAppInstallation.ReadWriteSelfForChat (level 2): list_chat_app_installations, upgrade_chat_app_installation\n"
    );
}

#[test]
fn consent_to_resource_specific_permissions_changes_the_plan() {
    let args = [
        "permissions",
        "--type",
        "application",
        "spec",
        "upgrade_chat_app_installation",
    ];
    let plain = run(&args);
    assert!(text(&plain).contains("  TeamsAppInstallation.ReadWriteSelfForChat.All (level 3): upgrade_chat_app_installation"), "{}", text(&plain));
    let mut with = args.to_vec();
    with.insert(1, "--rsc-consent");
    let rsc = run(&with);
    // The note rules out ReadWriteSelfForChat.All; of the rest, the tenant-wide ones rank before
    // the resource-specific Chat.Manage.Chat.
    assert!(text(&rsc).contains("  TeamsAppInstallation.ManageSelectedForChat.All (level 3): upgrade_chat_app_installation"), "{}", text(&rsc));
}

#[test]
fn an_action_the_type_cannot_call_is_named() {
    let out = run(&[
        "permissions",
        "--type",
        "application",
        "tests/fixtures/contoso",
        "--spec",
        "spec",
        "remove_team_installation",
        "get_team_installation",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("application permissions cannot call remove_team_installation"),
        "{}",
        text(&out)
    );
}

/// The `--> file:line:col` of the diagnostic whose message contains `message`, in rendered
/// diagnostics separated by blank lines.
/// Fills a draft's placeholders mechanically (a docs link of the right shape, the marks
/// dropped), as `scripts/scale.sh` does, and asserts the result checks and verifies against the
/// vendored metadata.
fn assert_filled_draft_checks_and_verifies(draft: &str, name: &str) {
    let dir = std::env::temp_dir().join(format!("graph-spec-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let filled = draft
        .replace(
            "docs = \"TODO(draft): the page's address, https://learn.microsoft.com/...\"",
            "docs = \"https://learn.microsoft.com/en-us/graph/overview\"",
        )
        .replace("TODO(draft): ", "");
    std::fs::write(dir.join("drafted.toml"), filled).expect("write");
    let d = dir.to_string_lossy().into_owned();
    let checked = run(&["check", &d]);
    assert_eq!(checked.status.code(), Some(0), "{}", text(&checked));
    let verified = run(&["verify", "--csdl", CSDL, "--clouds", CLOUDS, &d]);
    assert_eq!(verified.status.code(), Some(0), "{}", text(&verified));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A fixed `@odata.type` says which type the body is: its fields are verified against that
/// type, and a type that is not the path's or derived from it is reported.
#[test]
fn verify_reads_a_body_as_the_type_its_fixed_odata_type_names() {
    let fixed = "value = \"#microsoft.graph.aadUserConversationMember\"";
    for (to, message) in [
        (
            "value = \"#microsoft.graph.conversationMember\"",
            "has no navigation property `user` to bind",
        ),
        (
            "value = \"#microsoft.graph.chat\"",
            "which the metadata does not have as `microsoft.graph.conversationMember` or a type derived from it",
        ),
    ] {
        let dir = spec_copy_editing("fixed-type", "teams.toml", |t| {
            assert!(t.contains(fixed), "the chat member entry");
            t.replacen(fixed, to, 1)
        });
        let out = run(&[
            "verify",
            "--csdl",
            CSDL,
            "--clouds",
            CLOUDS,
            dir.to_str().unwrap(),
        ]);
        let report = text(&out);
        assert_eq!(out.status.code(), Some(1), "{report}");
        assert!(report.contains(message), "{report}");
    }
}

fn located(report: &str, message: &str) -> Option<String> {
    report
        .split("\n\n")
        .find(|block| block.contains(message))
        .and_then(|block| block.lines().find_map(|l| l.trim().strip_prefix("--> ")))
        .map(str::to_owned)
}

#[test]
fn the_spec_verifies_against_the_metadata_with_its_stated_exceptions() {
    let out = run(&["verify", "--csdl", CSDL, "--clouds", CLOUDS, "spec"]);
    let report = text(&out);
    assert_eq!(out.status.code(), Some(0), "{report}");
    assert!(
        report.contains("ok: spec: 23 action(s), 18 type(s), 6 enum(s)")
            && report.contains("11 stated exception(s)")
            && !report.contains("excepted"),
        "{report}"
    );
    let verbose = text(&run(&[
        "verify",
        "--csdl",
        CSDL,
        "--clouds",
        CLOUDS,
        "--verbose",
        "spec",
    ]));
    let excepted = verbose.matches("excepted (").count();
    assert_eq!(excepted, 11, "{verbose}");
    assert!(
        verbose.contains("cloud `china_21vianet` has POST /users/{user-id}/teamwork/installedApps/{app-installation-id}/upgrade in its metadata but is not listed"),
        "{verbose}"
    );
}

#[test]
fn verify_reports_each_seeded_mistake_at_its_line() {
    let dir = spec_copy("verify", |t| {
        t
            // a misspelled body field
            .replacen(
                "[actions.upgrade_chat_app_installation.body.consentedPermissionSet]",
                "[actions.upgrade_chat_app_installation.body.consentedPermissionsSet]",
                1,
            )
            // a wrong path segment, and a key where the path has no collection
            .replacen(
                "path = \"/chats/{chat-id}/installedApps/{app-installation-id}\"\ncall = \"get\"",
                "path = \"/chats/{chat-id}/installedApplications/{app-installation-id}\"\ncall = \"get\"",
                1,
            )
            .replacen(
                "path = \"/users/{user-id}/teamwork/installedApps\"\ncall = \"list\"",
                "path = \"/users/{user-id}/teamwork/{user-id-2}/installedApps\"\ncall = \"list\"",
                1,
            )
            .replacen(
                "[actions.list_user_app_installations.params]\n",
                "[actions.list_user_app_installations.params]\nuser-id-2 = {}\n",
                1,
            )
            // a wrong field type
            .replacen(
                "[types.TeamsAppDefinition.fields.version]\ntype = \"string\"",
                "[types.TeamsAppDefinition.fields.version]\ntype = \"int64\"",
                1,
            )
            // an enum member the metadata does not have
            .replacen(
                "  { wire = \"group\",",
                "  { wire = \"channel\" },\n  { wire = \"group\",",
                1,
            )
            // an exception removed: the cloud the metadata has is reported
            .replacen(
                "clouds = [\"global\", \"us_gov_l4\", \"us_gov_l5_dod\"]\nmetadata_exceptions = { clouds = \"The page has no",
                "clouds = [\"global\", \"us_gov_l4\", \"us_gov_l5_dod\"]\nmetadata_exceptions = { path = \"The page has no",
                1,
            )
            // (the key's step gets a name of its own, so that the spec stays sound)
            + "\n[segments.teamwork]\nitem = \"teamwork_item\"\n"
            // a cloud listed where the action is not deployed (only Prod has team.schedule)
            + "\n[actions.get_team_schedule]\nsummary = \"x\"\ndocs = \"https://learn.microsoft.com/en-us/graph/api/schedule-get\"\nmethod = \"GET\"\npath = \"/teams/{team-id}/schedule\"\ncall = \"get\"\nversions = [\"v1.0\"]\nclouds = [\"global\", \"us_gov_l4\"]\nresponse = { status = 200, type = \"Schedule\" }\nparams = { team-id = {} }\n[actions.get_team_schedule.permissions]\ndelegated = { least = [\"Schedule.Read.All\"] }\ndelegated_personal = \"not_supported\"\napplication = \"not_supported\"\n[types.Schedule]\ndoc = \"x\"\nodata_type = \"#microsoft.graph.schedule\"\n"
    });
    let spec = dir.to_string_lossy().into_owned();
    let out = run(&["verify", "--csdl", CSDL, "--clouds", CLOUDS, &spec]);
    let report = text(&out);
    assert_eq!(out.status.code(), Some(1), "{report}");
    let file = "teams-app-installation.toml";
    let line = |after: &str, needle: &str| format!("{file}:{}:", line_of(&dir, after, needle));
    let expect = [
        (
            line(
                "[actions.upgrade_chat_app_installation.body",
                "consentedPermissionsSet",
            ),
            "body field `consentedPermissionsSet` is not a parameter of `upgrade` in the metadata",
        ),
        (
            line("[actions.get_chat_app_installation]", "path ="),
            "this path segment does not resolve in the metadata: `microsoft.graph.chat` has no navigation property, bound action or function named `installedApplications`",
        ),
        (
            line("[actions.list_user_app_installations]", "path ="),
            "this path segment does not resolve in the metadata: a key must follow a collection",
        ),
        (
            line("[types.TeamsAppDefinition.fields.version]", "type ="),
            "field `version` is declared `int64`; the metadata types it `string`",
        ),
        (
            line("[enums.ChatType]", "channel"),
            "enum member `channel` is not a member of `microsoft.graph.chatType` in the metadata",
        ),
        (
            line("[actions.upgrade_user_app_installation]", "clouds ="),
            "cloud `china_21vianet` has POST /users/{user-id}/teamwork/installedApps/{app-installation-id}/upgrade in its metadata but is not listed",
        ),
        (
            line("[actions.get_team_schedule]", "us_gov_l4"),
            "cloud `us_gov_l4` is listed, but its metadata has no GET /teams/{team-id}/schedule",
        ),
    ];
    for (location, message) in &expect {
        let at = located(&report, message);
        assert!(
            at.as_deref().is_some_and(|a| a.contains(location.as_str())),
            "`{message}` not reported at {location} (found {at:?}) in\n{report}"
        );
    }
    // The segment itself is pointed at (`path = "/chats/{chat-id}/` is 25 characters), not the path.
    let seg = located(&report, "named `installedApplications`").unwrap_or_default();
    assert!(seg.ends_with(":26"), "{seg}");
    assert_eq!(
        report.matches("--> ").count(),
        expect.len(),
        "only the seeded mistakes are reported:\n{report}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The seed's draft with its placeholders filled in as the page (the spec entry's own words)
/// says: summary, notes, docs, the keys' docs, the beta version, the note under the permissions
/// table and the body field that consents to resource-specific permissions.
fn fill_seed_draft(draft: &str, spec: &str) -> String {
    let entry = &spec[spec
        .find("[actions.upgrade_chat_app_installation]")
        .expect("seed entry")..];
    let value = |key: &str| -> String {
        let at = entry.find(&format!("\n{key} = ")).expect("key") + key.len() + 4;
        let mut lines = entry[at..].lines();
        let first = lines.next().expect("line");
        if first == "[" {
            // A multi-line array, up to its closing line.
            let rest: Vec<&str> = lines.take_while(|l| *l != "]").collect();
            format!("[\n{}\n]", rest.join("\n"))
        } else {
            first.to_owned()
        }
    };
    let note_start = entry
        .find("[[actions.upgrade_chat_app_installation.permissions.notes]]")
        .expect("note");
    let note_end = note_start + entry[note_start..].find("\n\n").expect("note end");
    let note = entry[note_start..note_end].replace(
        "upgrade_chat_app_installation",
        "upgrade_chat_installed_app",
    );
    draft
        .lines()
        .filter_map(|l| {
            if l.starts_with("summary = \"TODO(draft):") {
                Some(format!("summary = {}", value("summary")))
            } else if l.starts_with("docs = \"TODO(draft):") {
                Some(format!("docs = {}", value("docs")))
            } else if l.starts_with("# TODO(draft): notes") {
                Some(format!("notes = {}", value("notes")))
            } else if l.starts_with("# TODO(draft): the notes under") {
                Some(note.clone())
            } else if l.starts_with("chat-id = ") {
                Some(format!("chat-id = {}", value("chat-id")))
            } else if l.starts_with("app-installation-id = ") {
                Some(format!("app-installation-id = {}", value("app-installation-id")))
            } else if l.starts_with("# TODO(draft):") {
                None
            } else if l == "versions = [\"v1.0\"]" {
                Some("versions = [\"v1.0\", \"beta\"]".to_owned())
            } else if l == "optional = true" && draft.contains("body.consentedPermissionSet]") {
                Some(l.to_owned())
            } else {
                Some(l.replace("TODO(draft): one sentence", "One sentence"))
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        .replacen(
            "consentedPermissionSet = { type = \"TeamsAppPermissionSet\", optional = true }",
            "consentedPermissionSet = { type = \"TeamsAppPermissionSet\", optional = true, rsc_consent = true }",
            1,
        )
}

fn load_dir(dir: &Path) -> graph_codegen::model::Spec {
    let sources = graph_codegen::read_sources(dir, dir).expect("readable");
    let (spec, _, diagnostics) = graph_codegen::load(&sources);
    let rendered: Vec<String> = diagnostics.iter().map(|d| d.render(&sources)).collect();
    assert!(diagnostics.is_empty(), "{}", rendered.join("\n\n"));
    spec
}

#[test]
fn the_seed_draft_once_filled_in_is_the_spec_entry() {
    let seed = "POST /chats/{chat-id}/installedApps/{app-installation-id}/upgrade";
    let out = run(&[
        "draft",
        "--csdl",
        CSDL,
        "--permissions",
        SOURCE,
        "--clouds",
        CLOUDS,
        seed,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let draft = String::from_utf8_lossy(&out.stdout).into_owned();
    // Unfilled, every placeholder is reported where it is.
    let dir = std::env::temp_dir().join(format!("graph-spec-seed-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::write(dir.join("draft.toml"), &draft).expect("write");
    let checked = run(&["check", &dir.to_string_lossy()]);
    assert_eq!(checked.status.code(), Some(1), "{}", text(&checked));
    let placeholders = draft.matches("TODO(draft):").count();
    assert_eq!(
        text(&checked)
            .matches("draft placeholder not filled in")
            .count(),
        placeholders,
        "{}",
        text(&checked)
    );
    let summary_line = draft
        .lines()
        .position(|l| l.starts_with("summary = \"TODO(draft):"))
        .expect("a summary placeholder")
        + 1;
    assert!(
        text(&checked).contains(&format!("draft.toml:{summary_line}:12")),
        "the summary's placeholder is located: {}",
        text(&checked)
    );
    // The privilege levels of every permission the table names are drafted, as graph-api's
    // spec states them; the type docs come from the metadata, not placeholders.
    assert!(
        draft.contains("[privilege_levels.application]\n"),
        "{draft}"
    );
    assert!(!draft.contains("one sentence from"), "{draft}");
    let spec_text =
        std::fs::read_to_string(root().join("spec/teams-app-installation.toml")).expect("spec");
    std::fs::write(dir.join("draft.toml"), fill_seed_draft(&draft, &spec_text)).expect("write");
    let drafted = load_dir(&dir);
    let spec = load_dir(&root().join("spec"));
    assert!(!drafted.levels.is_empty());
    for l in &drafted.levels {
        let stated = spec
            .levels
            .iter()
            .find(|s| s.kind == l.kind && s.permission == l.permission)
            .unwrap_or_else(|| panic!("{} has a level in graph-api's spec", l.permission));
        assert_eq!(
            (stated.level, stated.resource_specific),
            (l.level, l.resource_specific),
            "{}",
            l.permission
        );
    }
    let mine = drafted.actions.first().expect("one action");
    let theirs = spec
        .actions
        .iter()
        .find(|a| a.id == "upgrade_chat_app_installation")
        .expect("seed");
    assert_eq!(drafted.actions.len(), 1);
    let fields = |b: &Option<Vec<graph_codegen::model::Field>>| -> Vec<String> {
        b.iter()
            .flatten()
            .map(|f| format!("{} {:?} {} {}", f.wire, f.ty, f.optional, f.rsc_consent))
            .collect()
    };
    let params = |a: &graph_codegen::model::Action| -> Vec<(String, Option<String>)> {
        a.params
            .iter()
            .map(|p| (p.name.clone(), p.doc.clone()))
            .collect()
    };
    let notes = |a: &graph_codegen::model::Action| -> Vec<(String, Vec<String>)> {
        a.permissions
            .notes
            .iter()
            .map(|n| (n.text.clone(), n.unusable_with_rsc_consent.clone()))
            .collect()
    };
    assert_eq!(mine.summary, theirs.summary);
    assert_eq!(mine.notes, theirs.notes);
    assert_eq!(mine.docs, theirs.docs);
    assert_eq!(mine.method, theirs.method);
    assert_eq!(mine.path, theirs.path);
    assert_eq!(mine.call, theirs.call);
    assert_eq!(mine.versions, theirs.versions);
    assert_eq!(mine.clouds, theirs.clouds);
    assert_eq!(mine.idempotent, theirs.idempotent);
    assert_eq!(mine.headers, theirs.headers);
    assert_eq!(params(mine), params(theirs));
    assert_eq!(mine.permissions.delegated, theirs.permissions.delegated);
    assert_eq!(
        mine.permissions.delegated_personal,
        theirs.permissions.delegated_personal
    );
    assert_eq!(mine.permissions.application, theirs.permissions.application);
    assert_eq!(notes(mine), notes(theirs));
    assert_eq!(fields(&mine.body), fields(&theirs.body));
    assert_eq!(
        (mine.status, &mine.response),
        (theirs.status, &theirs.response)
    );
    // The types and enums it needs are the spec's, field for field (in any order; the spec
    // orders one type's fields as the page's example does), members in any casing.
    assert_eq!(drafted.types.len(), 2);
    for t in &drafted.types {
        let s = spec
            .types
            .iter()
            .find(|s| s.name == t.name)
            .expect("spec type");
        let mut a: Vec<String> = t
            .fields
            .iter()
            .map(|f| format!("{} {:?} {}", f.wire, f.ty, f.optional))
            .collect();
        let mut b: Vec<String> = s
            .fields
            .iter()
            .map(|f| format!("{} {:?} {}", f.wire, f.ty, f.optional))
            .collect();
        a.sort();
        b.sort();
        assert_eq!(a, b, "{}", t.name);
        assert_eq!(
            (&t.odata_type, &t.base),
            (&s.odata_type, &s.base),
            "{}",
            t.name
        );
    }
    assert_eq!(drafted.enums.len(), 1);
    for e in &drafted.enums {
        let s = spec
            .enums
            .iter()
            .find(|s| s.name == e.name)
            .expect("spec enum");
        let lower = |m: &[graph_codegen::model::Member]| -> Vec<String> {
            m.iter().map(|m| m.wire.to_ascii_lowercase()).collect()
        };
        assert_eq!(lower(&e.members), lower(&s.members), "{}", e.name);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn drafts_under_a_path_check_and_verify_once_filled_in() {
    let out = run(&[
        "draft",
        "--csdl",
        CSDL,
        "--permissions",
        SOURCE,
        "--clouds",
        CLOUDS,
        "--under",
        "/chats",
        "--depth",
        "2",
        "--under",
        "/appCatalogs",
        "--depth",
        "1",
        "--under",
        "/users/{user-id}/teamwork",
        "--depth",
        "1",
        "GET /chats/{chat-id}/nope",
        "GET /chats/{chat-id}/installedApps/microsoft.graph.userScopeTeamsAppInstallation",
    ]);
    let report = text(&out);
    // A named action that does not resolve is reported, and the rest is still drafted.
    assert_eq!(out.status.code(), Some(1), "{report}");
    assert!(
        report.contains("not drafted: GET /chats/{chat-id}/nope: segment 3 does not resolve"),
        "{report}"
    );
    let draft = String::from_utf8_lossy(&out.stdout).into_owned();
    for path in [
        "path = \"/chats\"",
        "path = \"/chats/{chat-id}/installedApps/{teams-app-installation-id}/upgrade\"",
        "path = \"/chats/{chat-id}/installedApps/{teams-app-installation-id}/teamsApp\"",
        "path = \"/appCatalogs/teamsApps/{teams-app-id}\"",
        // a cast to a derived type narrows the collection's type
        "path = \"/chats/{chat-id}/installedApps/microsoft.graph.userScopeTeamsAppInstallation\"\ncall = \"list\"",
        "response = { status = 200, type = \"[UserScopeTeamsAppInstallation]\" }",
        // an action bound to the base type, on a collection of the derived type
        "path = \"/users/{user-id}/teamwork/installedApps/{user-scope-teams-app-installation-id}/upgrade\"",
    ] {
        assert!(draft.contains(path), "{path} missing from\n{draft}");
    }
    // Two navigation properties below /appCatalogs would reach appDefinitions; one does not.
    assert!(!draft.contains("appDefinitions/{"), "{draft}");
    assert_filled_draft_checks_and_verifies(&draft, "under");
}

#[test]
fn an_exception_names_a_check_and_a_reason() {
    let dir = spec_copy("exception", |t| {
        t.replacen(
            "metadata_exceptions = { clouds = ",
            "metadata_exceptions = { cloud = ",
            1,
        )
        .replacen(
            "metadata_exceptions = { clouds = \"The page has no national-cloud table;",
            "metadata_exceptions = { clouds = \"  \", body = \"",
            1,
        )
    });
    let out = run(&["check", &dir.to_string_lossy()]);
    let report = text(&out);
    assert_eq!(out.status.code(), Some(1), "{report}");
    assert!(
        report.contains("`cloud` is not a check of `graph-spec verify` or `drift`")
            && report.contains("did you mean `clouds`?"),
        "{report}"
    );
    assert!(report.contains("an exception needs its reason"), "{report}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The three actions of spec/teams.toml drafted from the metadata: a POST that answers a
/// collection, a function with its parameters, a flags enum; once filled in they check and
/// verify.
#[test]
fn drafts_what_spec_teams_needs() {
    let out = run(&[
        "draft",
        "--csdl",
        CSDL,
        "--permissions",
        SOURCE,
        "--clouds",
        CLOUDS,
        "POST /teams/{team-id}/members/add",
        "GET /teams/{team-id}/channels/{channel-id}/doesUserHaveAccess",
        "POST /teams/{team-id}/clone",
    ]);
    let draft = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    for expected in [
        "response = { status = 200, type = \"[ActionResultPart]\" }",
        "[actions.does_user_have_access_team_channel.function_params]\nuserId = { type = \"string\", optional = true,",
        "userPrincipalName = { type = \"string\", optional = true,",
        "[enums.ClonableTeamParts]",
        "flags = true",
        "partsToClone = { type = \"ClonableTeamParts\" }",
    ] {
        assert!(draft.contains(expected), "{expected} missing from\n{draft}");
    }
    assert!(!draft.contains("doesUserHaveAccess("), "{draft}");
    assert_filled_draft_checks_and_verifies(&draft, "teams");
}

/// Mistakes in function parameters and flags are reported at their lines.
#[test]
fn verify_reports_function_and_flags_mistakes() {
    let dir = std::env::temp_dir().join(format!("graph-spec-teams-verify-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let text_of =
        |f: &str| std::fs::read_to_string(root().join("spec").join(f)).expect("spec file");
    let teams = text_of("teams.toml")
        .replacen("function_params.tenantId]", "function_params.tenant]", 1)
        .replacen(
            "function_params.userId]\ntype = \"string\"",
            "function_params.userId]\ntype = \"guid\"",
            1,
        )
        .replacen("flags = true\n", "", 1);
    std::fs::write(dir.join("teams.toml"), &teams).expect("write");
    std::fs::write(dir.join("permissions.toml"), text_of("permissions.toml")).expect("write");
    let d = dir.to_string_lossy().into_owned();
    let out = run(&["verify", "--csdl", CSDL, "--clouds", CLOUDS, &d]);
    let report = text(&out);
    assert_eq!(out.status.code(), Some(1), "{report}");
    let line = |needle: &str| {
        let at = teams.find(needle).expect("needle");
        format!(
            "teams.toml:{}:",
            teams[..at].lines().count() + usize::from(teams[..at].ends_with('\n'))
        )
    };
    for (at, message) in [
        (
            line("tenant]"),
            "`tenant` is not a parameter of the function `doesUserHaveAccess` in the metadata",
        ),
        (
            line("type = \"guid\""),
            "function parameter `userId` is declared `guid`; the metadata types it `string`",
        ),
        (
            line("[enums.ClonableTeamParts]"),
            "enum `ClonableTeamParts` is declared a plain enum (one member); the metadata has `microsoft.graph.clonableTeamParts` as a flags enum",
        ),
    ] {
        assert!(
            report.lines().any(|l| l.contains(&at)) && report.contains(message),
            "{at} {message} in\n{report}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The messages of rendered diagnostics (the text after the carets), in order.
fn messages(report: &str) -> Vec<String> {
    report
        .lines()
        .filter_map(|l| {
            let t = l.trim_start();
            let t = t.strip_prefix('|')?.trim_start();
            let message = t.strip_prefix('^')?.trim_start_matches('^').trim();
            (!message.is_empty()).then(|| message.to_owned())
        })
        .collect()
}

#[test]
fn check_with_a_base_reports_what_the_downstream_build_reports() {
    let case = "tests/tests/ui/paths/shadows_graph_api_navigation";
    let build = std::fs::read_to_string(root().join(format!("{case}.stderr"))).expect("stderr");
    let expected = messages(&build);
    assert_eq!(expected.len(), 2, "{build}");
    let plain = run(&["check", &format!("{case}.toml")]);
    assert_eq!(
        plain.status.code(),
        Some(0),
        "without the base: {}",
        text(&plain)
    );
    let based = run(&["check", "--base", "spec", &format!("{case}.toml")]);
    assert_eq!(based.status.code(), Some(1), "{}", text(&based));
    assert_eq!(messages(&text(&based)), expected, "{}", text(&based));
    // The contoso fixture builds (tests/src/lib.rs), so it checks clean against the base too,
    // graph-api's types it uses by name included; without the base they are not declared.
    let contoso = run(&["check", "--base", "spec", "tests/fixtures/contoso"]);
    assert_eq!(contoso.status.code(), Some(0), "{}", text(&contoso));
    let alone = run(&["check", "tests/fixtures/contoso"]);
    assert_eq!(alone.status.code(), Some(1), "{}", text(&alone));
    let undeclared: Vec<String> = messages(&text(&alone))
        .into_iter()
        .filter(|m| m.ends_with("is not declared"))
        .collect();
    assert_eq!(
        undeclared,
        [
            "type `Chat` is not declared",
            "type `IdentitySet` is not declared",
            "type `Chat` is not declared",
            "type `Chat` is not declared",
            "type `ChatType` is not declared",
            "type `ChatType` is not declared",
        ],
        "{}",
        text(&alone)
    );
    assert!(
        text(&alone).contains("needs `--base <graph-api's spec folder>`"),
        "{}",
        text(&alone)
    );
    // verify and drift read the fixture over graph-api's spec too (their findings are about
    // its made-up paths and permissions, not its types), and say what is missing without it.
    for command in [
        &["verify", "--csdl", CSDL][..],
        &["drift", "--permissions", SOURCE][..],
    ] {
        let over = run(&[command, &["--base", "spec", "tests/fixtures/contoso"]].concat());
        assert_eq!(over.status.code(), Some(1), "{}", text(&over));
        assert!(!text(&over).contains("is not declared"), "{}", text(&over));
        let without = run(&[command, &["tests/fixtures/contoso"]].concat());
        assert_eq!(without.status.code(), Some(2), "{}", text(&without));
        assert!(
            text(&without).contains("type `Chat` is not declared")
                && text(&without).contains("needs `--base <graph-api's spec folder>`"),
            "{}",
            text(&without)
        );
    }
}

#[test]
fn expand_with_a_base_is_what_a_downstream_crate_gets() {
    let out = run(&[
        "expand",
        "--base",
        "spec",
        "--trait",
        "ContosoGraph",
        "tests/fixtures/contoso",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let snapshot =
        std::fs::read_to_string(root().join("tests/snapshots/contoso.rs")).expect("snapshot");
    let body: String = snapshot
        .lines()
        .skip_while(|l| !l.is_empty())
        .skip(1)
        .map(|l| format!("{l}\n"))
        .collect();
    let expanded = String::from_utf8_lossy(&out.stdout);
    assert_eq!(expanded.trim_end(), body.trim_end());
    assert!(expanded.contains("impl<'a> ContosoGraphChat<'a> for ::graph_api::nav::Chat<'a>"));
}

#[test]
fn the_build_script_it_writes_tracks_the_folders_named() {
    let out = run(&["build-script", "spec", "more/spec"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let script = String::from_utf8_lossy(&out.stdout);
    assert!(
        script.contains("println!(\"cargo::rerun-if-changed=spec\");"),
        "{script}"
    );
    assert!(
        script.contains("println!(\"cargo::rerun-if-changed=more/spec\");"),
        "{script}"
    );
    assert!(
        script.contains("println!(\"cargo::rustc-env=GRAPH_API_SPEC_TRACKED=spec;more/spec\");"),
        "{script}"
    );
    // graph-api's own build script is the one the tool writes for its folder.
    let own = std::fs::read_to_string(root().join("graph-api/build.rs")).expect("build.rs");
    let lines = |t: &str| -> Vec<String> {
        t.lines()
            .filter(|l| l.contains("println!"))
            .map(str::to_owned)
            .collect()
    };
    let default = run(&["build-script"]);
    assert_eq!(
        lines(&own),
        lines(&String::from_utf8_lossy(&default.stdout))
    );
}

#[test]
fn permissions_plans_over_several_spec_folders() {
    // A downstream action beside graph-api's own, in one plan.
    let out = run(&[
        "permissions",
        "--type",
        "application",
        "tests/fixtures/contoso",
        "--spec",
        "spec",
        "get_team_installation",
        "list_teams_apps",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "application permissions for 2 action(s):\n  Fixture.Read.All (level 2): get_team_installation\n  AppCatalog.Read.All (level 3): list_teams_apps\n"
    );
    let alone = run(&["permissions", "spec", "get_team_installation"]);
    assert_eq!(alone.status.code(), Some(2), "{}", text(&alone));
    assert!(
        text(&alone).contains("no action `get_team_installation` in spec"),
        "{}",
        text(&alone)
    );
    // The fixture uses graph-api's `Chat` by name: without graph-api's spec it does not load.
    let without = run(&[
        "permissions",
        "tests/fixtures/contoso",
        "get_team_installation",
    ]);
    assert_eq!(without.status.code(), Some(2), "{}", text(&without));
    assert!(
        text(&without).contains("type `Chat` is not declared"),
        "{}",
        text(&without)
    );
    // A crate's action naming a permission whose level only graph-api's table has: ranked by it
    // once graph-api's spec is in the plan.
    let dir = std::env::temp_dir().join(format!("graph-spec-plan-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let entry = r#"[actions.read_chat_things]
summary = "Fixture: read a chat's things."
docs = "https://learn.microsoft.com/en-us/graph/overview"
method = "GET"
path = "/chats/{chat-id}/contosoThings"
call = "list"
versions = ["v1.0"]
clouds = ["global"]
idempotent = true
response = { status = 200 }
params = { chat-id = {} }
[actions.read_chat_things.permissions]
delegated = { least = ["Chat.Read"] }
delegated_personal = "not_supported"
application = "not_supported"
"#;
    std::fs::write(dir.join("things.toml"), entry).expect("write");
    let d = dir.to_string_lossy().into_owned();
    let own = run(&["permissions", "--type", "delegated", &d, "read_chat_things"]);
    assert!(
        text(&own).contains("Chat.Read (no level): read_chat_things"),
        "{}",
        text(&own)
    );
    let both = run(&[
        "permissions",
        "--type",
        "delegated",
        &d,
        "--spec",
        "spec",
        "read_chat_things",
        "list_user_chats",
    ]);
    assert_eq!(both.status.code(), Some(0), "{}", text(&both));
    assert!(
        text(&both).contains("Chat.Read (level 2): read_chat_things, list_user_chats"),
        "{}",
        text(&both)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_stated_permissions_exception_is_reported_as_excepted() {
    const ANCHOR: &str = "[actions.upgrade_chat_app_installation.permissions]\n";
    // The entry follows a (made-up) page that lists one more higher application permission.
    let disagree = |t: String| {
        let at = t.find(ANCHOR).expect("upgrade table") + ANCHOR.len();
        let row = t[at..]
            .find("application = { least = [")
            .expect("application row")
            + at;
        let higher = t[row..].find("higher = [").expect("higher") + row + "higher = [".len();
        format!("{}\"Teamwork.Migrate.All\", {}", &t[..higher], &t[higher..])
    };
    let plain = spec_copy("perm-exception-none", disagree);
    let out = run(&["drift", "--permissions", SOURCE, &plain.to_string_lossy()]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("upgrade_chat_app_installation: application higher, extra"),
        "{}",
        text(&out)
    );
    let reason = "The docs page lists Teamwork.Migrate.All, permissions.json does not; the entry follows the page.";
    let stated = spec_copy("perm-exception", |t| {
        let t = disagree(t);
        let at = t
            .find("[actions.upgrade_chat_app_installation]\n")
            .expect("entry")
            + "[actions.upgrade_chat_app_installation]\n".len();
        format!(
            "{}metadata_exceptions = {{ permissions = \"{reason}\" }}\n{}",
            &t[..at],
            &t[at..]
        )
    });
    // The level of the permission the page adds, as permissions.json ranks it.
    let levels = std::fs::read_to_string(stated.join("permissions.toml")).expect("levels");
    let levels = levels.replacen(
        "[privilege_levels.application]\n",
        "[privilege_levels.application]\n\"Teamwork.Migrate.All\" = 3\n",
        1,
    );
    std::fs::write(stated.join("permissions.toml"), levels).expect("write");
    let d = stated.to_string_lossy().into_owned();
    let checked = run(&["check", &d]);
    assert_eq!(checked.status.code(), Some(0), "{}", text(&checked));
    let out = run(&["drift", "--permissions", SOURCE, &d]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains("(1 stated exception(s); --verbose shows them)"),
        "{}",
        text(&out)
    );
    assert!(
        !text(&out).contains("Teamwork.Migrate.All"),
        "{}",
        text(&out)
    );
    let verbose = run(&["drift", "--verbose", "--permissions", SOURCE, &d]);
    assert_eq!(verbose.status.code(), Some(0), "{}", text(&verbose));
    assert!(
        text(&verbose).contains(&format!("excepted ({reason}): "))
            && text(&verbose)
                .contains("application higher, extra: spec says [Teamwork.Migrate.All]"),
        "{}",
        text(&verbose)
    );
    let _ = std::fs::remove_dir_all(&plain);
    let _ = std::fs::remove_dir_all(&stated);
}

#[test]
fn drift_reports_missing_and_stale_privilege_levels() {
    let dir = spec_copy("levels", |t| t);
    let levels = std::fs::read_to_string(dir.join("permissions.toml")).expect("levels");
    // One level dropped (its permission is in tables), one added that no table names.
    let dropped = "\"TeamsAppInstallation.ReadForChat\" = 2\n";
    assert!(levels.contains(dropped), "{levels}");
    let edited = levels.replacen(dropped, "\"Bookings.Read.All\" = 2\n", 1);
    std::fs::write(dir.join("permissions.toml"), edited).expect("write");
    let out = run(&["drift", "--permissions", SOURCE, &dir.to_string_lossy()]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let report = text(&out);
    assert!(
        report.contains("TeamsAppInstallation.ReadForChat: delegated privilege level, missing: spec says nothing, permissions.json says"),
        "{report}"
    );
    assert!(
        report.contains("permissions.toml:")
            && report.contains("Bookings.Read.All: delegated privilege level, stale"),
        "{report}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_draft_over_a_base_uses_the_types_the_base_declares_by_name() {
    let action = "GET /chats/{chat-id}";
    let alone = run(&["draft", "--csdl", CSDL, action]);
    assert_eq!(alone.status.code(), Some(0), "{}", text(&alone));
    let alone = String::from_utf8_lossy(&alone.stdout).into_owned();
    assert!(
        alone.contains("[types.Chat]\n") && alone.contains("[enums.ChatType]\n"),
        "{alone}"
    );
    // graph-api's spec declares `Chat` (and `ChatType`, which only `Chat` needs): the draft
    // names it and writes neither, so the crate shares graph-api's instead of copying it.
    let over = run(&["draft", "--csdl", CSDL, "--base", "spec", action]);
    assert_eq!(over.status.code(), Some(0), "{}", text(&over));
    let drafted = String::from_utf8_lossy(&over.stdout).into_owned();
    assert!(
        drafted.contains("response = { status = 200, type = \"Chat\" }"),
        "{drafted}"
    );
    assert!(
        !drafted.contains("[types.") && !drafted.contains("[enums."),
        "{drafted}"
    );
    assert!(
        drafted.contains(
            "# Used by name from the base spec, which declares them (not drafted): Chat.\n"
        ),
        "{drafted}"
    );
    assert!(
        String::from_utf8_lossy(&over.stderr).contains("; 1 used by name from the base spec;"),
        "{}",
        text(&over)
    );
}
