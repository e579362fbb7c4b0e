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

#[test]
fn a_model_reads_escaped_keys_and_nulls_and_writes_back_in_a_fixed_order() {
    use graph_api_tests::contoso::models::{Installation, InstallationKind};
    // `\u0069d` is `id` with an escape (the key arrives unborrowed); `isPinned: null` is unset;
    // `extra` and `more` are not declared, so they are kept, `null` included.
    let text = r##"{"more":{"k":[1]},"isPinned":null,"\u0069d":"a","@odata.type":"#contoso.installation","extra":null,"type":"team"}"##;
    let i: Installation = serde_json::from_str(text).expect("reads");
    assert_eq!(i.id, "a");
    assert_eq!(i.r#type, Some(InstallationKind::Team));
    assert_eq!(i.is_pinned, None);
    assert_eq!(i.odata_type.as_deref(), Some("#contoso.installation"));
    assert_eq!(i.additional.len(), 2, "{:?}", i.additional);
    assert_eq!(i.additional["extra"], serde_json::Value::Null);
    // Written back: declared fields in declaration order (unset ones left out), then
    // `@odata.type`, then the undeclared fields.
    assert_eq!(
        serde_json::to_string(&i).expect("serializes"),
        r##"{"id":"a","type":"team","@odata.type":"#contoso.installation","extra":null,"more":{"k":[1]}}"##
    );
    // A repeated key counts once, the last time.
    let twice: Installation =
        serde_json::from_str(r#"{"id":"a","version":1,"version":2}"#).expect("reads");
    assert_eq!(twice.version, Some(2));
    // Anything but an object is refused with the type's name.
    let not_object = serde_json::from_str::<Installation>(r#"["a"]"#).expect_err("an array");
    assert!(
        not_object
            .to_string()
            .contains("a JSON object (Installation)"),
        "{not_object}"
    );
}

#[test]
fn a_failing_writer_stops_a_model_at_its_first_error_and_returns_it() {
    use graph_api_tests::contoso::models::{Installation, InstallationKind};
    /// Takes `room` bytes, then fails every write; counts the writes it failed.
    struct Full {
        room: usize,
        failed: usize,
    }
    impl std::io::Write for Full {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if self.room == 0 {
                self.failed += 1;
                return Err(std::io::Error::other("disk full"));
            }
            let n = buf.len().min(self.room);
            self.room -= n;
            Ok(n)
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut i: Installation =
        serde_json::from_str(r#"{"id":"a","extra":[1,2,3],"more":"x"}"#).expect("reads");
    i.r#type = Some(InstallationKind::Team);
    let whole = serde_json::to_vec(&i).expect("serializes").len();
    // The room runs out inside the declared fields; the undeclared ones after it are not tried.
    let mut out = Full { room: 8, failed: 0 };
    let error = serde_json::to_writer(&mut out, &i).expect_err("the writer is full");
    assert!(error.is_io(), "{error}");
    assert!(error.to_string().contains("disk full"), "{error}");
    assert!(8 < whole);
    assert_eq!(out.failed, 1, "nothing is written after the first error");
}
