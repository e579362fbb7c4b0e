//! The seed page's examples ("teamsAppInstallation in chat: upgrade"): its ids and the
//! permission set of example 2.

use graph_api::models::{
    TeamsAppPermissionSet, TeamsAppResourceSpecificPermission,
    TeamsAppResourceSpecificPermissionType,
};

/// The chat id of the page's examples.
pub const CHAT_ID: &str = "19:ea28e88c00e94c7786b065394a61f296@thread.v2";

/// The app installation id of the page's examples.
pub const APP_INSTALLATION_ID: &str = "NjRiOWM3NDYtYjE1NS00MDQyLThkNDctOTQxYmQzODE2ODFiIyMwZDgyMGVjZC1kZWYyLTQyOTctYWRhZC03ODA1NmNkZTdjNzg=";

/// The `consentedPermissionSet` of example 2: one delegated and one application permission.
pub fn example_2_permission_set() -> TeamsAppPermissionSet {
    TeamsAppPermissionSet::new().with_resource_specific_permissions([
        TeamsAppResourceSpecificPermission::new()
            .with_permission_value("OnlineMeeting.ReadBasic.Chat")
            .with_permission_type(TeamsAppResourceSpecificPermissionType::Delegated),
        TeamsAppResourceSpecificPermission::new()
            .with_permission_value("ChatMember.Read.Chat")
            .with_permission_type(TeamsAppResourceSpecificPermissionType::Application),
    ])
}
