// The call from the README, exactly as a user writes it.
async fn upgrade(
    token: String,
    chat_id: &str,
    app_installation_id: &str,
    set: graph_api::models::TeamsAppPermissionSet,
) -> Result<(), graph_api::Error> {
    let client = graph_api::GraphClient::builder()
        .base_url("https://graph.microsoft.com") // service root; the API version (default v1.0) is added
        .bearer_token(token)
        .build()?;
    client.chat(chat_id).installed_app(app_installation_id).upgrade().send().await?; // Result<(), graph_api::Error>
    client.chat(chat_id).installed_app(app_installation_id).upgrade()
        .consented_permission_set(set)
        .send().await?;
    Ok(())
}

fn assert_traits<T: std::fmt::Debug>() {}
fn assert_error<E: std::error::Error + std::fmt::Display + std::fmt::Debug>() {}
fn assert_serde<T: serde::Serialize + for<'de> serde::Deserialize<'de>>() {}

fn main() {
    let _ = upgrade;
    assert_traits::<graph_api::GraphClient>();
    assert_error::<graph_api::Error>();
    assert_serde::<graph_api::models::TeamsAppPermissionSet>();
    assert_serde::<graph_api::models::TeamsAppResourceSpecificPermission>();
    assert_serde::<graph_api::models::TeamsAppResourceSpecificPermissionType>();
}
