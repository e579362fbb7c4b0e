//! Permission and endpoint metadata of the seed action, compared with the seed page.

use graph_api::meta::{HttpMethod, PermissionScheme, PermissionType};
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
