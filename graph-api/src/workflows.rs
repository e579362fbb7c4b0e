//! Calls that chain several actions: upgrading an installed app with the consent it requires.

use crate::models::{TeamsApp, TeamsAppDefinition, TeamsAppPermissionSet, TeamsAppPublishingState};
use crate::{Error, GraphClient};

/// What [`upgrade_with_required_consent`](crate::nav::ChatInstalledApp::upgrade_with_required_consent)
/// did: which app it upgraded, between which versions, and the consent it sent.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ConsentedUpgrade {
    /// The id of the app in the catalog (not of its installation).
    pub teams_app_id: String,
    /// The installed definition's version before the upgrade, when Graph said.
    pub from_version: Option<String>,
    /// The catalog definition's version the upgrade moves to, when Graph said.
    pub to_version: Option<String>,
    /// The resource-specific permissions consented to; `None` when the app requires none and
    /// the upgrade sent `{}`.
    pub consented: Option<TeamsAppPermissionSet>,
}

/// What the installation said about its app: the app's catalog id and the installed version.
struct Installed {
    teams_app_id: Option<String>,
    version: Option<String>,
}

/// Escapes a value for a single-quoted OData string literal (`'` is written `''`).
fn odata_string(value: &str) -> String {
    value.replace('\'', "''")
}

/// Orders versions such as `1.10.0` after `1.9.2`: each dot-separated part by its number,
/// and a part with text after the number (`0-beta`) before the same number alone.
fn version_key(version: &str) -> Vec<(u64, bool, String)> {
    version
        .split('.')
        .map(|part| {
            let digits = part.len() - part.trim_start_matches(|c: char| c.is_ascii_digit()).len();
            let number = part[..digits].parse::<u64>().unwrap_or(0);
            let rest = &part[digits..];
            (number, rest.is_empty(), rest.to_owned())
        })
        .collect()
}

impl TeamsAppDefinition {
    /// Whether this definition's version is older than `other`'s (`1.9.2` before `1.10.0`,
    /// `1.0.0-beta` before `1.0.0`); `false` when either has no version.
    pub fn is_older_than(&self, other: &TeamsAppDefinition) -> bool {
        match (&self.version, &other.version) {
            (Some(a), Some(b)) => version_key(a) < version_key(b),
            _ => false,
        }
    }
}

impl TeamsApp {
    /// The definition an upgrade moves to: the newest published one, else the newest of any
    /// publishing state. Needs the app read with `$expand=appDefinitions`.
    pub fn newest_definition(&self) -> Option<&TeamsAppDefinition> {
        let defs = self.app_definitions.as_deref().unwrap_or(&[]);
        let newest = |published: bool| {
            defs.iter()
                .filter(move |d| {
                    !published || d.publishing_state == Some(TeamsAppPublishingState::Published)
                })
                .max_by_key(|d| version_key(d.version.as_deref().unwrap_or("")))
        };
        newest(true).or_else(|| newest(false))
    }
}

/// Reads the app's required resource-specific permissions from the catalog.
async fn required_consent(
    client: &GraphClient,
    teams_app_id: &str,
) -> Result<(Option<String>, Option<TeamsAppPermissionSet>), Error> {
    let apps = client
        .app_catalogs()
        .teams_apps()
        .list()
        .filter(format!("id eq '{}'", odata_string(teams_app_id)))
        .expand("appDefinitions($expand=authorization)")
        .all()
        .await?;
    let Some(app) = apps.iter().find(|a| a.id.as_deref() == Some(teams_app_id)) else {
        return Err(Error::Incomplete(format!(
            "the app catalog does not list app `{teams_app_id}`, so there is nothing to upgrade to; no upgrade was sent"
        )));
    };
    let definition = app.newest_definition();
    let required = definition
        .and_then(|d| d.authorization.as_ref())
        .and_then(|a| a.required_permission_set.as_ref())
        .filter(|set| {
            set.resource_specific_permissions
                .as_ref()
                .is_some_and(|p| !p.is_empty())
        })
        .cloned();
    Ok((definition.and_then(|d| d.version.clone()), required))
}

fn installed(app: Option<&TeamsApp>, definition: Option<&TeamsAppDefinition>) -> Installed {
    Installed {
        teams_app_id: app
            .and_then(|a| a.id.clone())
            .or_else(|| definition.and_then(|d| d.teams_app_id.clone())),
        version: definition.and_then(|d| d.version.clone()),
    }
}

macro_rules! upgrade_with_required_consent {
    ($($nav:ident),*) => {$(
        impl crate::nav::$nav<'_> {
            /// Upgrades the installed app to the catalog's newest published definition, consenting
            /// to exactly the resource-specific permissions that definition requires.
            ///
            /// Three calls: the installation (expanded with its app and definition), the app in
            /// the catalog (`$expand=appDefinitions($expand=authorization)`), and the upgrade,
            /// which sends `consentedPermissionSet` with the required permissions, or `{}` when
            /// the app requires none. The token needs the permissions of all three actions
            /// (see each one's documentation).
            pub async fn upgrade_with_required_consent(&self) -> Result<ConsentedUpgrade, Error> {
                let client = self.__client();
                let installation = self
                    .clone()
                    .get()
                    .expand("teamsApp,teamsAppDefinition")
                    .send()
                    .await?;
                let found = installed(
                    installation.teams_app.as_ref(),
                    installation.teams_app_definition.as_ref(),
                );
                let Some(teams_app_id) = found.teams_app_id else {
                    return Err(Error::Incomplete(
                        "the installation names no app (neither `teamsApp` nor `teamsAppDefinition.teamsAppId`); no upgrade was sent".into(),
                    ));
                };
                let (to_version, consented) = required_consent(client, &teams_app_id).await?;
                let mut upgrade = self.clone().upgrade();
                if let Some(set) = &consented {
                    upgrade = upgrade.consented_permission_set(set.clone());
                }
                upgrade.send().await?;
                Ok(ConsentedUpgrade {
                    teams_app_id,
                    from_version: found.version,
                    to_version,
                    consented,
                })
            }
        }
    )*};
}

upgrade_with_required_consent!(ChatInstalledApp, TeamInstalledApp, UserTeamworkInstalledApp);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newer_versions_sort_after_older_ones() {
        assert!(version_key("1.10.0") > version_key("1.9.2"));
        assert!(version_key("2.0") > version_key("1.99.99"));
        assert!(version_key("1.0.1") > version_key("1.0"));
        assert!(version_key("1.0.0") > version_key("1.0.0-beta"));
        assert!(version_key("1.0.0-rc2") > version_key("1.0.0-rc1"));
    }

    #[test]
    fn the_newest_published_definition_is_the_target() {
        let def = |v: &str, state: TeamsAppPublishingState| {
            TeamsAppDefinition::new()
                .with_version(v)
                .with_publishing_state(state)
        };
        let app = TeamsApp::new().with_app_definitions(vec![
            def("1.2.0", TeamsAppPublishingState::Published),
            def("1.10.0", TeamsAppPublishingState::Published),
            def("2.0.0", TeamsAppPublishingState::Submitted),
        ]);
        let newest = app.newest_definition().expect("a definition");
        assert_eq!(newest.version.as_deref(), Some("1.10.0"));
        assert!(def("1.2.0", TeamsAppPublishingState::Published).is_older_than(newest));
        assert!(!newest.is_older_than(newest));
    }

    #[test]
    fn quotes_in_ids_cannot_end_the_filter_literal() {
        assert_eq!(odata_string("a'b"), "a''b");
    }
}
