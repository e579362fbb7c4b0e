//! One action's metadata as its documentation page states it: method, path, versions, clouds,
//! response and the permissions table with its privilege levels.

use crate::service::{ApiVersion, NationalCloud, find};

/// An HTTP method used by Graph actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HttpMethod {
    /// GET
    Get,
    /// POST
    Post,
    /// PUT
    Put,
    /// PATCH
    Patch,
    /// DELETE
    Delete,
}

impl HttpMethod {
    /// Every method with its spelling.
    pub const ALL: &'static [(&'static str, HttpMethod)] = &[
        ("GET", HttpMethod::Get),
        ("POST", HttpMethod::Post),
        ("PUT", HttpMethod::Put),
        ("PATCH", HttpMethod::Patch),
        ("DELETE", HttpMethod::Delete),
    ];

    /// The method as sent, `POST`.
    pub const fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
            HttpMethod::Patch => "PATCH",
            HttpMethod::Delete => "DELETE",
        }
    }

    /// The method a spelling names (`POST`; exact case, as HTTP and the docs pages write it).
    pub fn parse(spelling: &str) -> Option<HttpMethod> {
        find(HttpMethod::ALL, spelling)
    }
}

impl std::fmt::Display for HttpMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One Graph action as its documentation page states it.
///
/// Values are written by the generated code (including that of downstream crates), so the fields
/// are public; read them, and expect new fields as the spec schema grows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionInfo {
    /// The spec's id for the action, such as `upgrade_chat_app_installation`.
    pub id: &'static str,
    /// The page's one-line summary.
    pub summary: &'static str,
    /// The documentation page.
    pub docs: &'static str,
    /// The HTTP method.
    pub method: HttpMethod,
    /// The path template, relative to the versioned service root.
    pub path: &'static str,
    /// API versions that have the action.
    pub versions: &'static [ApiVersion],
    /// National clouds that have the action.
    pub clouds: &'static [NationalCloud],
    /// Whether the action may be sent again after it may have been processed.
    pub idempotent: bool,
    /// Fixed request headers the page requires, besides `Authorization`.
    pub headers: &'static [(&'static str, &'static str)],
    /// The status code of success.
    pub success_status: u16,
    /// What a successful answer carries.
    pub response: ResponseKind,
    /// The OData query options the page lists for the action (`$filter`, `$expand`, ...).
    pub query_options: &'static [&'static str],
    /// The permissions table.
    pub permissions: Permissions,
}

/// What a successful answer carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResponseKind {
    /// No content.
    None,
    /// One value of the named model type.
    One(&'static str),
    /// A collection of the named model type, page by page.
    Collection(&'static str),
    /// No body: the `Location` header names where the work goes on (a long-running operation
    /// to follow) or what was made.
    Location,
}

/// The kinds of permission a token can carry, as the permission tables name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PermissionType {
    /// Delegated (work or school account).
    Delegated,
    /// Delegated (personal Microsoft account).
    DelegatedPersonal,
    /// Application.
    Application,
}

impl PermissionType {
    /// Every type, in the order the tables list them.
    pub const ALL: [PermissionType; 3] = [
        PermissionType::Delegated,
        PermissionType::DelegatedPersonal,
        PermissionType::Application,
    ];

    /// The row's key in spec files: `delegated`, `delegated_personal`, `application`.
    pub const fn spec_key(self) -> &'static str {
        match self {
            PermissionType::Delegated => "delegated",
            PermissionType::DelegatedPersonal => "delegated_personal",
            PermissionType::Application => "application",
        }
    }

    /// The scheme's name in Microsoft's `permissions.json`: `DelegatedWork`,
    /// `DelegatedPersonal`, `Application`.
    pub const fn json_scheme(self) -> &'static str {
        match self {
            PermissionType::Delegated => "DelegatedWork",
            PermissionType::DelegatedPersonal => "DelegatedPersonal",
            PermissionType::Application => "Application",
        }
    }

    /// The type in words, for messages: `delegated`, `personal-account delegated`, `application`.
    pub const fn words(self) -> &'static str {
        match self {
            PermissionType::Delegated => "delegated",
            PermissionType::DelegatedPersonal => "personal-account delegated",
            PermissionType::Application => "application",
        }
    }
}

/// Microsoft's privilege level of a permission for one permission type, 1 (least privileged)
/// to 5, as `permissions.json` gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PrivilegeLevel {
    /// The permission, such as `TeamsAppInstallation.ReadForChat`.
    pub permission: &'static str,
    /// The permission type the level is for.
    pub kind: PermissionType,
    /// The level.
    pub level: u8,
    /// Whether it is granted by resource-specific consent (per chat or team, through the app's
    /// manifest) rather than by an admin for the tenant.
    pub resource_specific: bool,
}

/// One row of a permissions table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PermissionScheme {
    /// This permission type cannot call the action.
    NotSupported,
    /// The permissions that can, least privileged first.
    Supported {
        /// Least privileged permissions.
        least: &'static [&'static str],
        /// Higher privileged permissions.
        higher: &'static [&'static str],
    },
}

/// A note under a permissions table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PermissionNote {
    /// The note's words.
    pub text: &'static str,
    /// Permissions that cannot be used when the request consents to resource-specific permissions.
    pub unusable_with_rsc_consent: &'static [&'static str],
}

/// A national cloud where one permission type cannot call the action although the cloud has it,
/// such as Microsoft Teams' user-scope app installations, which GCC High and DoD do not support in
/// application context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloudLimit {
    /// The permission type that cannot call the action there.
    pub kind: PermissionType,
    /// The clouds where it cannot.
    pub clouds: &'static [crate::NationalCloud],
    /// What the source says, in its words.
    pub text: &'static str,
    /// The page that says so.
    pub source: &'static str,
}

/// A permissions table with its notes, and the privilege levels of the permissions it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permissions {
    /// Delegated (work or school account).
    pub delegated: PermissionScheme,
    /// Delegated (personal Microsoft account).
    pub delegated_personal: PermissionScheme,
    /// Application.
    pub application: PermissionScheme,
    /// Notes under the table.
    pub notes: &'static [PermissionNote],
    /// Clouds where a permission type the table supports cannot call the action.
    pub cloud_limits: &'static [CloudLimit],
    /// Where the privilege levels (and resource-specific flags) of the table's permissions are
    /// read: the level tables of the spec that declares the action, first its own, then those
    /// of the crates it builds on (a downstream crate's actions list graph-api's table after
    /// theirs). The first table that has a permission decides.
    pub levels: &'static [&'static [PrivilegeLevel]],
}

impl Permissions {
    /// The limit that keeps `kind` from calling the action in `cloud`, if any.
    pub fn cloud_limit(
        &self,
        kind: PermissionType,
        cloud: crate::NationalCloud,
    ) -> Option<&CloudLimit> {
        self.cloud_limits
            .iter()
            .find(|l| l.kind == kind && l.clouds.contains(&cloud))
    }

    /// The row for one permission type.
    pub fn scheme(&self, kind: PermissionType) -> &PermissionScheme {
        match kind {
            PermissionType::Delegated => &self.delegated,
            PermissionType::DelegatedPersonal => &self.delegated_personal,
            PermissionType::Application => &self.application,
        }
    }

    /// The permissions of one type that can call the action, least privileged first, leaving out
    /// those the notes rule out when the request consents to resource-specific permissions
    /// (`rsc_consent`; see the request builder's `consents_to_rsc`). Empty when not supported.
    pub fn usable(&self, kind: PermissionType, rsc_consent: bool) -> Vec<&'static str> {
        let PermissionScheme::Supported { least, higher } = self.scheme(kind) else {
            return Vec::new();
        };
        usable_in_row(least, higher, rsc_consent, |p| {
            self.notes
                .iter()
                .any(|n| n.unusable_with_rsc_consent.contains(&p))
        })
    }

    /// The privilege level of `permission` for `kind`, from the first of [`levels`](Self::levels)
    /// that lists it.
    pub fn level(&self, kind: PermissionType, permission: &str) -> Option<&'static PrivilegeLevel> {
        self.levels
            .iter()
            .flat_map(|table| table.iter())
            .find(|l| l.kind == kind && l.permission == permission)
    }

    /// Whether `permission` is granted by resource-specific consent (per chat or team), as the
    /// level tables say; that is a property of the permission, whatever the permission type.
    pub fn is_resource_specific(&self, permission: &str) -> bool {
        self.levels
            .iter()
            .flat_map(|table| table.iter())
            .any(|l| l.resource_specific && l.permission == permission)
    }
}

/// The permissions of one row that can call an action, least privileged first: the row's least
/// and higher privileged permissions, less those its notes rule out (`ruled_out_with_rsc`) when
/// the request consents to resource-specific permissions. The one rule for generated tables
/// ([`Permissions::usable`]) and for tools that read spec files into their own model.
pub fn usable_in_row<'a, S: AsRef<str>>(
    least: &'a [S],
    higher: &'a [S],
    rsc_consent: bool,
    ruled_out_with_rsc: impl Fn(&str) -> bool,
) -> Vec<&'a str> {
    least
        .iter()
        .chain(higher)
        .map(AsRef::as_ref)
        .filter(|p| !(rsc_consent && ruled_out_with_rsc(p)))
        .collect()
}
