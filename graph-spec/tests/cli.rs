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

/// A copy of `spec/` in a fresh folder, with `edit` applied to the Teams file's text.
fn spec_copy(name: &str, edit: impl Fn(String) -> String) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("graph-spec-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    for f in ["teams-app-installation.toml", "permissions.toml"] {
        let text = std::fs::read_to_string(root().join("spec").join(f)).expect("spec file");
        let text = if f.starts_with("teams") {
            edit(text)
        } else {
            text
        };
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
        text(&out).contains("the 16 permissions tables"),
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
        (vec![], "no such command"),
    ] {
        let out = run(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
        assert!(text(&out).contains(says), "{args:?}: {}", text(&out));
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
        "remove_team_installation",
        "get_team_installation",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("Application permissions cannot call remove_team_installation"),
        "{}",
        text(&out)
    );
}
