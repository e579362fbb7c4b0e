//! The `azure-identity` feature: azure_core credentials as the client's token provider.

use azure_core::credentials::{
    AccessToken as AzureToken, Secret as AzureSecret, TokenCredential, TokenRequestOptions,
};
use azure_core::time::OffsetDateTime;
use graph_api::{AzureCredential, Error, GraphClient, NationalCloud};
use graph_api_tests::standin::{Recorded, Reply, StandIn};
use std::sync::{Arc, Mutex};

/// A credential that hands out fixed tokens and records the scopes it was asked for.
#[derive(Debug, Default)]
struct Recording {
    asked: Mutex<Vec<Vec<String>>>,
}

#[async_trait::async_trait]
impl TokenCredential for Recording {
    async fn get_token(
        &self,
        scopes: &[&str],
        _: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AzureToken> {
        let mut asked = self.asked.lock().expect("lock");
        asked.push(scopes.iter().map(|s| s.to_string()).collect());
        let token = format!("azure-token-{}", asked.len());
        Ok(AzureToken::new(
            token,
            OffsetDateTime::now_utc() + azure_core::time::Duration::hours(1),
        ))
    }
}

#[tokio::test]
async fn azure_credentials_supply_the_bearer_token_for_the_clouds_graph_scope() {
    let server = StandIn::start(|_: &Recorded| Reply::status(204))
        .await
        .expect("listener");
    let credential = Arc::new(Recording::default());
    let provider = AzureCredential::new(credential.clone(), NationalCloud::UsGovL4);
    assert_eq!(provider.scopes(), ["https://graph.microsoft.us/.default"]);
    let client = GraphClient::builder()
        .base_url(server.url())
        .national_cloud(NationalCloud::UsGovL4)
        .token_provider(provider)
        .build()
        .expect("valid config");
    client
        .chat("c")
        .installed_app("i")
        .upgrade()
        .send()
        .await
        .expect("204");
    client
        .chat("c")
        .installed_app("i")
        .upgrade()
        .send()
        .await
        .expect("204");
    assert_eq!(
        *credential.asked.lock().expect("lock"),
        [vec!["https://graph.microsoft.us/.default".to_owned()]]
    );
    assert!(
        server
            .requests()
            .iter()
            .all(|r| r.header("authorization") == Some("Bearer azure-token-1"))
    );
}

/// Credential options whose token service is a closed port on loopback, tried once (azure_core's
/// own retries would wait in real time).
fn loopback_authority() -> azure_core::http::ClientOptions {
    let mut cloud = azure_core::cloud::CustomConfiguration::default();
    cloud.authority_host = "https://127.0.0.1:9".to_owned();
    azure_core::http::ClientOptions {
        retry: azure_core::http::RetryOptions::none(),
        cloud: Some(Arc::new(cloud.into())),
        ..Default::default()
    }
}

#[tokio::test]
async fn a_failing_azure_identity_credential_is_an_auth_error_that_hides_the_secret() {
    let server = StandIn::start(|_: &Recorded| Reply::status(204))
        .await
        .expect("listener");
    let secret = "client-secret-value-that-must-not-leak";
    let credential = azure_identity::ClientSecretCredential::new(
        "00000000-0000-0000-0000-000000000001",
        "00000000-0000-0000-0000-000000000002".to_owned(),
        AzureSecret::new(secret),
        Some(azure_identity::ClientSecretCredentialOptions {
            client_options: loopback_authority(),
        }),
    )
    .expect("a well-formed credential");
    let provider = AzureCredential::new(credential, NationalCloud::Global);
    let client = GraphClient::builder()
        .base_url(server.url())
        .token_provider(provider)
        .build()
        .expect("valid config");
    let err = client
        .chat("c")
        .installed_app("i")
        .upgrade()
        .send()
        .await
        .expect_err("no token service is reachable");
    assert!(matches!(err, Error::Auth(_)), "{err:?}");
    assert!(!format!("{err} {err:?} {client:?}").contains(secret));
    assert!(
        server.requests().is_empty(),
        "nothing may reach Graph without a token"
    );
}
