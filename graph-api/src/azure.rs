//! Credentials of `azure_identity` (any `azure_core` `TokenCredential`) as a token provider.

use crate::NationalCloud;
use crate::auth::{AccessToken, AuthError, BoxFuture, Secret, TokenProvider};
use azure_core::credentials::TokenCredential;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// Gets Graph tokens from an `azure_core` credential, such as `azure_identity`'s
/// `ClientSecretCredential` or `ManagedIdentityCredential`.
///
/// ```no_run
/// # fn build(credential: std::sync::Arc<dyn azure_core::credentials::TokenCredential>) -> Result<(), graph_api::Error> {
/// let client = graph_api::GraphClient::builder()
///     .token_provider(graph_api::AzureCredential::new(credential, graph_api::NationalCloud::Global))
///     .build()?;
/// # Ok(()) }
/// ```
pub struct AzureCredential {
    credential: Arc<dyn TokenCredential>,
    scopes: Vec<String>,
}

impl AzureCredential {
    /// Asks for the `.default` scope of the cloud's Graph root, such as
    /// `https://graph.microsoft.com/.default`: every permission the app has been granted.
    /// (Scopes that name the Graph domain use the national cloud's root, per
    /// <https://learn.microsoft.com/en-us/graph/sdks/national-clouds>.)
    pub fn new(credential: Arc<dyn TokenCredential>, cloud: NationalCloud) -> Self {
        AzureCredential {
            credential,
            scopes: vec![format!("{}/.default", cloud.graph_root())],
        }
    }

    /// Asks for these scopes instead, such as `User.Read` for a delegated credential.
    pub fn with_scopes(
        credential: Arc<dyn TokenCredential>,
        scopes: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        AzureCredential {
            credential,
            scopes: scopes.into_iter().map(Into::into).collect(),
        }
    }

    /// The scopes asked for.
    pub fn scopes(&self) -> &[String] {
        &self.scopes
    }
}

impl std::fmt::Debug for AzureCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AzureCredential")
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

impl TokenProvider for AzureCredential {
    fn fetch_token(&self) -> BoxFuture<'_, Result<AccessToken, AuthError>> {
        Box::pin(async move {
            let scopes: Vec<&str> = self.scopes.iter().map(String::as_str).collect();
            let token = self.credential.get_token(&scopes, None).await?;
            let expires_at = u64::try_from(token.expires_on.unix_timestamp())
                .ok()
                .map(|secs| SystemTime::UNIX_EPOCH + Duration::from_secs(secs));
            Ok(AccessToken {
                token: Secret::new(token.token.secret()),
                expires_at,
            })
        })
    }
}
