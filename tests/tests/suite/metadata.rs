//! Permission and endpoint metadata: the seed action against its page, every action against its spec entry.

use graph_api::meta::{HttpMethod, PermissionScheme, PermissionType, ResponseKind};
use graph_api::requests::UpgradeChatAppInstallation;
use graph_api::{ApiVersion, NationalCloud};

// The permissions table of "teamsAppInstallation in chat: upgrade", as the page lists it.
const DELEGATED_LEAST: &[&str] = &["TeamsAppInstallation.ReadWriteSelfForChat"];
const DELEGATED_HIGHER: &[&str] = &[
    "TeamsAppInstallation.ManageSelectedForChat",
    "TeamsAppInstallation.ReadWriteAndConsentForChat",
    "TeamsAppInstallation.ReadWriteAndConsentSelfForChat",
    "TeamsAppInstallation.ReadWriteForChat",
];
const APPLICATION_LEAST: &[&str] = &["TeamsAppInstallation.ReadWriteSelfForChat.All"];
const APPLICATION_HIGHER: &[&str] = &[
    "Chat.Manage.Chat",
    "TeamsAppInstallation.ManageSelectedForChat.All",
    "TeamsAppInstallation.ReadWriteAndConsentForChat.All",
    "TeamsAppInstallation.ReadWriteAndConsentSelfForChat.All",
    "TeamsAppInstallation.ReadWriteForChat.All",
];
const NOT_WITH_RSC: &[&str] = &[
    "TeamsAppInstallation.ReadWriteSelfForChat",
    "TeamsAppInstallation.ReadWriteForChat",
    "TeamsAppInstallation.ReadWriteSelfForChat.All",
    "TeamsAppInstallation.ReadWriteForChat.All",
];

#[test]
fn permission_constants_hold_the_seed_table() {
    let info = &graph_api::actions::UPGRADE_CHAT_APP_INSTALLATION;
    let p = &info.permissions;
    assert_eq!(
        p.delegated,
        PermissionScheme::Supported {
            least: DELEGATED_LEAST,
            higher: DELEGATED_HIGHER
        }
    );
    assert_eq!(p.delegated_personal, PermissionScheme::NotSupported);
    assert_eq!(
        p.application,
        PermissionScheme::Supported {
            least: APPLICATION_LEAST,
            higher: APPLICATION_HIGHER
        }
    );
    assert_eq!(p.notes.len(), 1);
    assert_eq!(p.notes[0].unusable_with_rsc_consent, NOT_WITH_RSC);
    assert!(p.notes[0].text.contains(
        "can't be used to install apps that require consent to resource-specific permissions"
    ));
}

#[test]
fn endpoint_metadata_matches_the_seed_page() {
    let info = UpgradeChatAppInstallation::INFO;
    assert!(std::ptr::eq(
        info,
        &graph_api::actions::UPGRADE_CHAT_APP_INSTALLATION
    ));
    assert_eq!(info.method, HttpMethod::Post);
    assert_eq!(
        info.path,
        "/chats/{chat-id}/installedApps/{app-installation-id}/upgrade"
    );
    assert_eq!(info.success_status, 204);
    assert_eq!(info.headers, &[("Content-Type", "application/json")]);
    assert_eq!(
        info.clouds,
        &[
            NationalCloud::Global,
            NationalCloud::UsGovL4,
            NationalCloud::UsGovL5Dod,
            NationalCloud::China21Vianet
        ]
    );
    assert_eq!(info.versions, &[ApiVersion::V1, ApiVersion::Beta]);
    assert!(info.docs.starts_with(
        "https://learn.microsoft.com/en-us/graph/api/chat-teamsappinstallation-upgrade"
    ));
    assert!(
        !info.idempotent,
        "upgrade is a POST action: not safe to repeat"
    );
    assert!(
        graph_api::actions::ALL
            .iter()
            .any(|a| std::ptr::eq(*a, info))
    );
}

#[test]
fn usable_permissions_drop_the_ones_rsc_consent_rules_out() {
    let p = &UpgradeChatAppInstallation::INFO.permissions;
    let all: Vec<&str> = DELEGATED_LEAST
        .iter()
        .chain(DELEGATED_HIGHER)
        .copied()
        .collect();
    assert_eq!(p.usable(PermissionType::Delegated, false), all);
    let with_rsc = p.usable(PermissionType::Application, true);
    assert_eq!(
        with_rsc,
        [
            "Chat.Manage.Chat",
            "TeamsAppInstallation.ManageSelectedForChat.All",
            "TeamsAppInstallation.ReadWriteAndConsentForChat.All",
            "TeamsAppInstallation.ReadWriteAndConsentSelfForChat.All",
        ]
    );
    assert!(
        p.usable(PermissionType::DelegatedPersonal, false)
            .is_empty()
    );
}

#[test]
fn a_request_with_a_permission_set_consents_to_rsc() {
    let client = graph_api::GraphClient::builder()
        .bearer_token("t")
        .build()
        .expect("valid config");
    let plain = client.chat("c").installed_app("i").upgrade();
    assert!(!plain.consents_to_rsc());
    let consenting =
        plain.consented_permission_set(graph_api::models::TeamsAppPermissionSet::new());
    assert!(consenting.consents_to_rsc());
}

/// The spec files read as plain TOML, apart from the generator: every action's entry.
fn spec_entries() -> Vec<(String, toml::Table)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("spec folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).expect("readable");
        let table: toml::Table = text.parse().expect("valid TOML");
        if let Some(actions) = table.get("actions").and_then(toml::Value::as_table) {
            for (id, entry) in actions {
                let entry = entry.as_table().expect("an action is a table").clone();
                out.push((id.clone(), entry));
            }
        }
    }
    out
}

fn strings(v: Option<&toml::Value>) -> Vec<String> {
    v.and_then(toml::Value::as_array)
        .map(|a| {
            a.iter()
                .map(|x| match x {
                    toml::Value::String(s) => s.clone(),
                    // `{ option = "$count", headers = [...] }`
                    toml::Value::Table(t) => t["option"].as_str().unwrap_or("").to_owned(),
                    other => other.to_string(),
                })
                .collect()
        })
        .unwrap_or_default()
}

fn scheme(v: &toml::Value) -> PermissionScheme {
    match v {
        toml::Value::String(s) if s == "not_supported" => PermissionScheme::NotSupported,
        toml::Value::Table(t) => {
            let leak = |key: &str| -> &'static [&'static str] {
                let list: Vec<&'static str> = strings(t.get(key))
                    .into_iter()
                    .map(|s| &*Box::leak(s.into_boxed_str()))
                    .collect();
                Box::leak(list.into_boxed_slice())
            };
            PermissionScheme::Supported {
                least: leak("least"),
                higher: leak("higher"),
            }
        }
        other => panic!("not a permissions row: {other}"),
    }
}

#[test]
fn every_action_metadata_equals_its_spec_entry() {
    let entries = spec_entries();
    assert_eq!(entries.len(), graph_api::actions::ALL.len());
    assert!(entries.len() >= 16, "the Teams app installation family");
    for (id, e) in &entries {
        let info = graph_api::actions::ALL
            .iter()
            .find(|a| a.id == id)
            .unwrap_or_else(|| panic!("no metadata for `{id}`"));
        let s = |k: &str| e.get(k).and_then(toml::Value::as_str).unwrap_or("");
        assert_eq!(info.summary, s("summary"), "{id}");
        assert_eq!(info.docs, s("docs"), "{id}");
        assert!(
            info.docs
                .starts_with("https://learn.microsoft.com/en-us/graph/api/")
                && info.docs.ends_with("?view=graph-rest-1.0"),
            "{id}: docs link {}",
            info.docs
        );
        assert_eq!(info.method.as_str(), s("method"), "{id}");
        assert_eq!(info.path, s("path"), "{id}");
        let versions: Vec<&str> = info.versions.iter().map(|v| v.as_str()).collect();
        assert_eq!(versions, strings(e.get("versions")), "{id}");
        let clouds: Vec<&str> = info
            .clouds
            .iter()
            .map(|c| match c {
                NationalCloud::Global => "global",
                NationalCloud::UsGovL4 => "us_gov_l4",
                NationalCloud::UsGovL5Dod => "us_gov_l5_dod",
                NationalCloud::China21Vianet => "china_21vianet",
            })
            .collect();
        assert_eq!(clouds, strings(e.get("clouds")), "{id}");
        assert_eq!(
            info.idempotent,
            e.get("idempotent")
                .and_then(toml::Value::as_bool)
                .unwrap_or(false),
            "{id}"
        );
        assert_eq!(info.query_options, strings(e.get("query")), "{id}");
        let response = e["response"].as_table().expect("response table");
        assert_eq!(
            i64::from(info.success_status),
            response["status"].as_integer().expect("status"),
            "{id}"
        );
        let got = match info.response {
            ResponseKind::None => None,
            ResponseKind::One(t) => Some(t.to_owned()),
            ResponseKind::Collection(t) => Some(format!("[{t}]")),
            ResponseKind::Location => Some("Location".to_owned()),
        };
        let located = response.get("location").and_then(toml::Value::as_bool) == Some(true);
        let expected = response
            .get("type")
            .and_then(toml::Value::as_str)
            .map(str::to_owned)
            .or_else(|| located.then(|| "Location".to_owned()));
        assert_eq!(got, expected, "{id}");
        let p = e["permissions"].as_table().expect("permissions table");
        assert_eq!(info.permissions.delegated, scheme(&p["delegated"]), "{id}");
        assert_eq!(
            info.permissions.delegated_personal,
            scheme(&p["delegated_personal"]),
            "{id}"
        );
        assert_eq!(
            info.permissions.application,
            scheme(&p["application"]),
            "{id}"
        );
        let notes = p.get("notes").and_then(toml::Value::as_array);
        let texts: Vec<&str> = notes
            .into_iter()
            .flatten()
            .map(|n| n["text"].as_str().unwrap_or(""))
            .collect();
        let got: Vec<&str> = info.permissions.notes.iter().map(|n| n.text).collect();
        assert_eq!(got, texts, "{id}");
        let unusable: Vec<Vec<String>> = notes
            .into_iter()
            .flatten()
            .map(|n| strings(n.get("unusable_with_rsc_consent")))
            .collect();
        let got: Vec<Vec<&str>> = info
            .permissions
            .notes
            .iter()
            .map(|n| n.unusable_with_rsc_consent.to_vec())
            .collect();
        assert_eq!(got, unusable, "{id}");
        let headers: Vec<(String, String)> = e
            .get("headers")
            .and_then(toml::Value::as_array)
            .into_iter()
            .flatten()
            .map(|h| {
                (
                    h["name"].as_str().unwrap_or("").to_owned(),
                    h["value"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect();
        let got: Vec<(String, String)> = info
            .headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        assert_eq!(got, headers, "{id}");
    }
}

/// The public methods of graph-api's hand-written `GraphClient` (every `impl GraphClient` block
/// in its source) are names the checker keeps root navigation methods off, so no spec can
/// generate a second method of the same name.
#[test]
fn graph_client_methods_are_reserved() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../graph-api/src");
    let mut found = Vec::new();
    for entry in std::fs::read_dir(&src).expect("graph-api's source") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("source file");
        let mut inside = false;
        for line in text.lines() {
            if line.starts_with("impl GraphClient {") {
                inside = true;
            } else if inside && line.starts_with('}') {
                inside = false;
            } else if inside {
                let rest = line
                    .strip_prefix("    pub fn ")
                    .or_else(|| line.strip_prefix("    pub async fn "));
                if let Some(rest) = rest {
                    let name: String = rest
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    found.push(name);
                }
            }
        }
    }
    assert!(
        found.iter().any(|m| m == "builder"),
        "the scan finds methods: {found:?}"
    );
    for m in &found {
        assert!(
            graph_codegen::nav::RESERVED_ROOT.contains(&m.as_str()),
            "`GraphClient::{m}` is not in graph_codegen::nav::RESERVED_ROOT"
        );
    }
}
