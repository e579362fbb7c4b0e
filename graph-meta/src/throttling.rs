//! Microsoft's published Teams throttling limits as data: the request kinds, their rates, and the per-chat, team and user limits.
//!
//! Source: "Microsoft Graph service-specific throttling limits", section "Microsoft Teams service
//! limits", <https://learn.microsoft.com/graph/throttling-limits#microsoft-teams-service-limits>.
//! The table gives requests per second per app, per tenant and across all tenants for each
//! kind of Teams request; notes under it add one request per second on a given chat or
//! channel, four on a given team, and five per user when listing chats. graph-standin enforces
//! these numbers and graph-rollout paces itself by them; both read them from here.

/// Where the limits come from.
pub const SOURCE: &str =
    "https://learn.microsoft.com/graph/throttling-limits#microsoft-teams-service-limits";

/// A row of the Teams limits table: a kind of Teams request.
///
/// The table does not name every request: an app upgrade (`POST .../installedApps/{id}/upgrade`)
/// is either "POST installedApps" or "Other API calls" (30 per second per tenant either way),
/// and listing a user's chats is "Other GET API calls". `GET /users` is a directory request,
/// which the Teams table does not cover at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TeamsRequest {
    /// `GET installedApps for user, team`.
    GetInstalledAppsUserTeam,
    /// `GET installedApps for chat`.
    GetInstalledAppsChat,
    /// `GET appCatalogs`.
    GetAppCatalogs,
    /// `POST installedApps for chat, user, team` (adds and upgrades).
    PostInstalledApps,
    /// `POST appCatalogs`.
    PostAppCatalogs,
    /// `DELETE installedApps for chat, user, team`.
    DeleteInstalledApps,
    /// `DELETE appCatalogs`.
    DeleteAppCatalogs,
    /// `GET /teams/{id}, joinedTeams`.
    GetTeamsJoinedTeams,
    /// `Other GET API calls for Microsoft Teams` (listing teams, a user's chats).
    OtherGet,
    /// `Other API calls for Microsoft Teams`.
    Other,
}

impl TeamsRequest {
    /// Every row, in the table's order.
    pub const ALL: [TeamsRequest; 10] = [
        TeamsRequest::GetInstalledAppsUserTeam,
        TeamsRequest::GetInstalledAppsChat,
        TeamsRequest::GetAppCatalogs,
        TeamsRequest::PostInstalledApps,
        TeamsRequest::PostAppCatalogs,
        TeamsRequest::DeleteInstalledApps,
        TeamsRequest::DeleteAppCatalogs,
        TeamsRequest::GetTeamsJoinedTeams,
        TeamsRequest::OtherGet,
        TeamsRequest::Other,
    ];

    /// The row's name as the table writes it.
    pub const fn name(self) -> &'static str {
        match self {
            TeamsRequest::GetInstalledAppsUserTeam => "GET installedApps for user, team",
            TeamsRequest::GetInstalledAppsChat => "GET installedApps for chat",
            TeamsRequest::GetAppCatalogs => "GET appCatalogs",
            TeamsRequest::PostInstalledApps => "POST installedApps for chat, user, team",
            TeamsRequest::PostAppCatalogs => "POST appCatalogs",
            TeamsRequest::DeleteInstalledApps => "DELETE installedApps for chat, user, team",
            TeamsRequest::DeleteAppCatalogs => "DELETE appCatalogs",
            TeamsRequest::GetTeamsJoinedTeams => "GET /teams/{id}, joinedTeams",
            TeamsRequest::OtherGet => "Other GET API calls for Microsoft Teams",
            TeamsRequest::Other => "Other API calls for Microsoft Teams",
        }
    }

    /// Requests per second per app per tenant.
    pub const fn per_tenant_rps(self) -> f64 {
        match self {
            TeamsRequest::DeleteInstalledApps | TeamsRequest::DeleteAppCatalogs => 15.0,
            _ => 30.0,
        }
    }

    /// Requests per second per app across all tenants.
    pub const fn across_tenants_rps(self) -> f64 {
        match self {
            TeamsRequest::GetInstalledAppsUserTeam
            | TeamsRequest::GetInstalledAppsChat
            | TeamsRequest::GetAppCatalogs => 600.0,
            TeamsRequest::PostInstalledApps
            | TeamsRequest::PostAppCatalogs
            | TeamsRequest::GetTeamsJoinedTeams
            | TeamsRequest::Other => 300.0,
            TeamsRequest::DeleteInstalledApps | TeamsRequest::DeleteAppCatalogs => 150.0,
            TeamsRequest::OtherGet => 1500.0,
        }
    }

    /// The table's own per-chat-or-channel column, where the row has one. The note under the
    /// table ([`PER_CHAT_RPS`]) limits every request on a chat, whatever the row says.
    pub const fn per_chat_or_channel_rps(self) -> Option<f64> {
        match self {
            TeamsRequest::GetInstalledAppsChat | TeamsRequest::OtherGet | TeamsRequest::Other => {
                Some(1.0)
            }
            _ => None,
        }
    }
}

/// "A maximum of one request per second per app per tenant can be issued on a given channel or chat."
pub const PER_CHAT_RPS: f64 = 1.0;
/// "A maximum of four requests per second per app can be issued on a given team."
pub const PER_TEAM_RPS: f64 = 4.0;
/// "A maximum of five requests per second per user can be issued when listing chats or getting a chat."
pub const PER_USER_LIST_CHATS_RPS: f64 = 5.0;

/// What a request is limited on besides its row's per-tenant rate: a chat, a team, or a
/// user whose chats are listed, each named by its id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LimitedOn {
    /// Requests on a given chat (or channel).
    Chat(String),
    /// Requests on a given team.
    Team(String),
    /// A user's chats being listed.
    UserChats(String),
}

impl LimitedOn {
    /// Requests per second allowed on it.
    pub const fn rps(&self) -> f64 {
        match self {
            LimitedOn::Chat(_) => PER_CHAT_RPS,
            LimitedOn::Team(_) => PER_TEAM_RPS,
            LimitedOn::UserChats(_) => PER_USER_LIST_CHATS_RPS,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The vendored copy of Microsoft's table (tests/fixtures/msgraph/throttling-teams.md).
    fn table() -> String {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/fixtures/msgraph/throttling-teams.md"
        );
        std::fs::read_to_string(path).expect("the vendored limits table")
    }

    #[test]
    fn every_row_and_rate_is_the_published_tables() {
        let table = table();
        let rows: Vec<Vec<&str>> = table
            .lines()
            .filter(|l| l.starts_with("| ") && !l.starts_with("| Teams request type"))
            .map(|l| l.trim_matches('|').split(" | ").map(str::trim).collect())
            .collect();
        assert_eq!(rows.len(), TeamsRequest::ALL.len());
        for (row, kind) in rows.iter().zip(TeamsRequest::ALL) {
            let number = |cell: &str| cell.parse::<f64>().ok();
            assert_eq!(row[0], kind.name());
            assert_eq!(number(row[1]), Some(kind.per_tenant_rps()), "{}", row[0]);
            assert_eq!(
                number(row[2]),
                Some(kind.across_tenants_rps()),
                "{}",
                row[0]
            );
            assert_eq!(number(row[3]), kind.per_chat_or_channel_rps(), "{}", row[0]);
        }
    }

    #[test]
    fn the_notes_under_the_table_give_the_chat_team_and_user_limits() {
        let table = table();
        let note = |words: &str| {
            let line = table
                .lines()
                .find(|l| l.contains(words))
                .unwrap_or_else(|| panic!("no note about {words}"));
            let n = ["one", "two", "three", "four", "five"]
                .iter()
                .position(|w| line.contains(&format!("maximum of {w} request")))
                .expect("a number in words");
            (n + 1) as f64
        };
        assert_eq!(
            note("on a given channel or chat"),
            LimitedOn::Chat("c".into()).rps()
        );
        assert_eq!(note("on a given team"), LimitedOn::Team("t".into()).rps());
        assert_eq!(
            note("when listing chats"),
            LimitedOn::UserChats("u".into()).rps()
        );
    }
}
