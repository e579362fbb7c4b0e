//! Model types read what Graph sends, including casings and members it adds later.

use graph_api::models::{
    TeamsAppPermissionSet, TeamsAppResourceSpecificPermission,
    TeamsAppResourceSpecificPermissionType as Kind,
};

#[test]
fn enum_reads_any_casing_and_writes_the_csdl_spelling() {
    // Responses and the CSDL have `delegated`/`application`; some request examples on the pages
    // write `Delegated`/`Application`. Both are read; the CSDL's spelling is sent.
    for (wire, kind) in [
        ("delegated", Kind::Delegated),
        ("Delegated", Kind::Delegated),
        ("APPLICATION", Kind::Application),
    ] {
        let read: Kind = serde_json::from_str(&format!("\"{wire}\"")).expect("known member");
        assert_eq!(read, kind);
    }
    assert_eq!(
        serde_json::to_string(&Kind::Delegated).expect("serializes"),
        "\"delegated\""
    );
    assert_eq!(
        serde_json::to_string(&Kind::Application).expect("serializes"),
        "\"application\""
    );
}

#[test]
fn unknown_enum_members_and_fields_are_kept_or_ignored_not_fatal() {
    let body = r##"{
        "@odata.type": "#microsoft.graph.teamsAppPermissionSet",
        "resourceSpecificPermissions": [
            {"permissionValue": "ChatMember.Read.Chat", "permissionType": "application", "addedLater": 1},
            {"permissionValue": "Future.Thing", "permissionType": "somethingNew"}
        ]
    }"##;
    let set: TeamsAppPermissionSet = serde_json::from_str(body).expect("tolerant read");
    let perms = set.resource_specific_permissions.expect("present");
    assert_eq!(perms[0].permission_type, Some(Kind::Application));
    assert_eq!(
        perms[1].permission_type,
        Some(Kind::Other("somethingNew".into()))
    );
    // An unknown member is written back exactly as it was read.
    assert_eq!(
        serde_json::to_string(&perms[1].permission_type).expect("serializes"),
        "\"somethingNew\""
    );
}

#[test]
fn unset_fields_are_left_out_of_the_json() {
    let p = TeamsAppResourceSpecificPermission::new().with_permission_value("Chat.Read.Chat");
    assert_eq!(
        serde_json::to_string(&p).expect("serializes"),
        r#"{"permissionValue":"Chat.Read.Chat"}"#
    );
    assert_eq!(
        serde_json::to_string(&TeamsAppPermissionSet::default()).expect("serializes"),
        "{}"
    );
}

#[test]
fn downstream_models_have_required_fields_and_keyword_names() {
    use graph_api_tests::contoso::models::{Installation, InstallationKind};
    let i: Installation =
        serde_json::from_str(r#"{"id":"a","type":"TEAM","tags":["x"],"version":3}"#)
            .expect("reads");
    assert_eq!(i.id, "a");
    assert_eq!(i.r#type, Some(InstallationKind::Team));
    assert_eq!(i.version, Some(3));
    let missing =
        serde_json::from_str::<Installation>(r#"{"type":"team"}"#).expect_err("id is required");
    assert!(
        missing.to_string().contains("missing field `id`"),
        "{missing}"
    );
    assert_eq!(
        serde_json::to_string(&Installation::new("b")).expect("serializes"),
        r#"{"id":"b"}"#
    );
}
