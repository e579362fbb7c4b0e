//! The Graph API the stand-in answers: routing, throttling, faults and every action on the
//! tenant, from a request's method, path, query, headers and body to Graph's answer.
//!
//! Shapes and status codes follow the Graph docs pages named in spec/ (and, for the discovery
//! requests, user-list, team-list and chat-list):
//! - list: 200 `{"@odata.context", "value": [...], "@odata.nextLink"?}`;
//! - add: 201 in a chat (chat-post-installedapps) and a personal scope
//!   (userteamwork-post-installedapps), 200 in a team (team-post-installedapps);
//! - upgrade and remove: 204;
//! - errors: Graph's error object with `innerError` carrying `date`, `request-id` and
//!   `client-request-id`, and those as headers too.
//!
//! Where the pages are silent the stand-in chooses, and says so here: an upgrade of an
//! installation already at the newest published definition answers 204 and counts as a write;
//! installation and catalog lists page at [`State::installed_apps_page`]; `/teams` pages like
//! `/users`; requests are throttled before the resource they name is looked up. Tokens are not
//! inspected: any `Authorization: Bearer ...` is accepted, and permissions are not checked.

use crate::limits::{LimitedOn, Limiter, RequestKind, retry_after_value};
use crate::odata::{Condition, Expand, Query, percent_decode, select};
use crate::tenant::{
    CatalogApp, ChatType, Installation, Permission, PermissionType, Rng, ScopeRef, Tenant,
};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};
use tokio::time::Instant;

/// Random faults, each a probability in `[0, 1]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Faults {
    /// Answer 503 with `Retry-After` before doing anything.
    pub unavailable: f64,
    /// How long the 503's `Retry-After` says to wait.
    pub unavailable_retry_after: Duration,
    /// Do a write, then answer 429 as if it had not been done (Graph has been seen to).
    pub throttled_after_write: f64,
}

impl Default for Faults {
    /// No faults; a 503, when asked for, says to retry after one second.
    fn default() -> Self {
        Faults {
            unavailable: 0.0,
            unavailable_retry_after: Duration::from_secs(1),
            throttled_after_write: 0.0,
        }
    }
}

/// What the stand-in counted, for tests and benchmarks.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct Stats {
    /// Requests received, by kind (the limits table's row names); batch items count one by one.
    pub requests: BTreeMap<String, u64>,
    /// Requests answered 429 (throttled, or after a write as a fault).
    pub throttled: u64,
    /// Requests answered 503 (the fault).
    pub unavailable: u64,
    /// Successful writes (add, upgrade, remove), by installation id.
    pub writes: BTreeMap<String, u64>,
    /// Installations whose last written definition is not their app's newest published one.
    pub outdated_installations: usize,
    /// The least time, in seconds, a client that was never throttled would have needed for
    /// the requests that were admitted, under the limits in force.
    pub least_seconds: f64,
}

/// Page sizes: the default and the most `$top` may ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageSize {
    /// Items per page without `$top`.
    pub default: usize,
    /// The largest `$top` accepted (a larger one is answered 400).
    pub max: usize,
}

/// The stand-in's state behind the server: the tenant, the buckets, the counters.
#[derive(Debug)]
pub struct State {
    /// The tenant.
    pub tenant: Tenant,
    /// The throttling buckets.
    pub limiter: Limiter,
    /// The faults in force.
    pub faults: Faults,
    /// How long an upgrade takes to show in reads.
    pub consistency_delay: Duration,
    /// Page size of installation and catalog lists (Graph documents none; 100 by default).
    pub installed_apps_page: PageSize,
    /// Shuffle `$batch` answers (Graph answers in any order).
    pub shuffle_batch: bool,
    /// The service root links are built on, such as `http://127.0.0.1:41234`.
    pub base_url: String,
    /// Randomness for faults, jitter, ids and batch order.
    pub rng: Rng,
    pub(crate) requests: BTreeMap<RequestKind, u64>,
    pub(crate) throttled: u64,
    pub(crate) unavailable: u64,
    pub(crate) writes: BTreeMap<String, u64>,
    pub(crate) log: Vec<Logged>,
    pub(crate) log_limit: usize,
    /// Chats, teams and users (by id) on which writes are answered 403, as Graph answers an app
    /// that holds no permission for them (see [`crate::StandIn::deny_writes`]).
    pub(crate) denied_writes: std::collections::HashSet<String>,
}

/// A request as received, with the status it got (see [`crate::Config::request_log`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Logged {
    /// The method.
    pub method: String,
    /// The request target as sent: path and query, still percent-encoded.
    pub target: String,
    /// The body, as text (lossy), at most 4 KiB of it.
    pub body: String,
    /// The status answered.
    pub status: u16,
}

impl State {
    /// The counters, with the outdated installations counted now.
    pub fn stats(&self) -> Stats {
        Stats {
            requests: self
                .requests
                .iter()
                .map(|(k, v)| (k.name().to_owned(), *v))
                .collect(),
            throttled: self.throttled,
            unavailable: self.unavailable,
            writes: self.writes.clone(),
            outdated_installations: self.tenant.outdated(),
            least_seconds: self.limiter.least_time().as_secs_f64(),
        }
    }
}

/// A request as the API sees it (one HTTP request, or one `$batch` item).
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The method.
    pub method: &'a str,
    /// The path after the version segment, still percent-encoded, such as `/chats/19%3A.../installedApps`.
    pub path: &'a str,
    /// The query string without `?`.
    pub query: &'a str,
    /// The `client-request-id` header, echoed back.
    pub client_request_id: Option<&'a str>,
    /// The body.
    pub body: &'a [u8],
}

/// An answer: status, headers and an optional JSON body.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// Headers besides `Content-Type`.
    pub headers: Vec<(&'static str, String)>,
    /// The JSON body, if any.
    pub body: Option<Value>,
}

impl Response {
    fn empty(status: u16) -> Response {
        Response {
            status,
            headers: Vec::new(),
            body: None,
        }
    }

    fn json(status: u16, body: Value) -> Response {
        Response {
            status,
            headers: Vec::new(),
            body: Some(body),
        }
    }
}

/// Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// The current time as Graph writes it in `innerError.date` (`2026-12-02T17:44:13`).
pub fn iso_now() -> String {
    let secs = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let (y, m, d) = civil(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
        s / 3600,
        (s / 60) % 60,
        s % 60
    )
}

/// Graph's error answer: the object, plus `request-id`, `client-request-id` and `date` in
/// `innerError` and as headers.
pub fn error(
    rng: &mut Rng,
    client_request_id: Option<&str>,
    status: u16,
    code: &str,
    message: &str,
) -> Response {
    let request_id = rng.guid();
    let client_request_id = client_request_id.map_or_else(|| rng.guid(), str::to_owned);
    let date = iso_now();
    Response {
        status,
        headers: vec![
            ("request-id", request_id.clone()),
            ("client-request-id", client_request_id.clone()),
        ],
        body: Some(json!({
            "error": {
                "code": code,
                "message": message,
                "innerError": {
                    "date": date,
                    "request-id": request_id,
                    "client-request-id": client_request_id,
                }
            }
        })),
    }
}

/// What a route does.
#[derive(Debug, Clone, PartialEq)]
enum Action {
    ListUsers,
    ListTeams,
    ListUserChats(String),
    ListCatalog,
    ListInstalled(ScopeKey),
    GetInstalled(ScopeKey, String),
    AddInstalled(ScopeKey),
    UpgradeInstalled(ScopeKey, String),
    RemoveInstalled(ScopeKey, String),
}

#[derive(Debug, Clone, PartialEq)]
enum ScopeKey {
    Chat(String),
    Team(String),
    User(String),
}

fn route(method: &str, segments: &[String]) -> Result<Action, (u16, &'static str)> {
    let s: Vec<&str> = segments.iter().map(String::as_str).collect();
    let (scope, rest) = match s.as_slice() {
        ["users"] => return only(method, "GET", Action::ListUsers),
        ["teams"] => return only(method, "GET", Action::ListTeams),
        ["users", u, "chats"] => return only(method, "GET", Action::ListUserChats((*u).into())),
        ["appCatalogs", "teamsApps"] => return only(method, "GET", Action::ListCatalog),
        ["chats", c, rest @ ..] => (ScopeKey::Chat((*c).into()), rest),
        ["teams", t, rest @ ..] => (ScopeKey::Team((*t).into()), rest),
        ["users", u, "teamwork", rest @ ..] => (ScopeKey::User((*u).into()), rest),
        _ => return Err((404, "No such resource on the stand-in.")),
    };
    match (method, rest) {
        ("GET", ["installedApps"]) => Ok(Action::ListInstalled(scope)),
        ("POST", ["installedApps"]) => Ok(Action::AddInstalled(scope)),
        ("GET", ["installedApps", i]) => Ok(Action::GetInstalled(scope, (*i).into())),
        ("DELETE", ["installedApps", i]) => Ok(Action::RemoveInstalled(scope, (*i).into())),
        ("POST", ["installedApps", i, "upgrade"]) => {
            Ok(Action::UpgradeInstalled(scope, (*i).into()))
        }
        (_, ["installedApps"] | ["installedApps", _] | ["installedApps", _, "upgrade"]) => {
            Err((405, "The method is not allowed on this resource."))
        }
        _ => Err((404, "No such resource on the stand-in.")),
    }
}

fn only(method: &str, want: &str, action: Action) -> Result<Action, (u16, &'static str)> {
    if method == want {
        Ok(action)
    } else {
        Err((405, "The method is not allowed on this resource."))
    }
}

fn kind_and_scope(action: &Action) -> (RequestKind, Option<LimitedOn>) {
    let scoped = |k: &ScopeKey| match k {
        ScopeKey::Chat(c) => Some(LimitedOn::Chat(c.clone())),
        ScopeKey::Team(t) => Some(LimitedOn::Team(t.clone())),
        ScopeKey::User(_) => None,
    };
    match action {
        Action::ListUsers => (RequestKind::ListUsers, None),
        Action::ListTeams => (RequestKind::OtherGet, None),
        Action::ListUserChats(u) => (RequestKind::OtherGet, Some(LimitedOn::UserChats(u.clone()))),
        Action::ListCatalog => (RequestKind::GetAppCatalogs, None),
        Action::ListInstalled(k) | Action::GetInstalled(k, _) => {
            let kind = if matches!(k, ScopeKey::Chat(_)) {
                RequestKind::GetInstalledAppsChat
            } else {
                RequestKind::GetInstalledAppsUserTeam
            };
            (kind, scoped(k))
        }
        Action::AddInstalled(k) | Action::UpgradeInstalled(k, _) => {
            (RequestKind::PostInstalledApps, scoped(k))
        }
        Action::RemoveInstalled(k, _) => (RequestKind::DeleteInstalledApps, scoped(k)),
    }
}

/// The kind a request counts as, for `$batch` bookkeeping; `None` when no route matches.
pub fn kind_of(method: &str, path: &str) -> Option<RequestKind> {
    route(method, &segments(path))
        .ok()
        .map(|a| kind_and_scope(&a).0)
}

fn segments(path: &str) -> Vec<String> {
    path.split('/')
        .filter(|s| !s.is_empty())
        .map(percent_decode)
        .collect()
}

/// Answers one request at `now`: route, fault, throttle, act, count.
pub fn handle(state: &mut State, req: &Request<'_>, now: Instant) -> Response {
    let crid = req.client_request_id;
    let action = match route(req.method, &segments(req.path)) {
        Ok(a) => a,
        Err((status, message)) => {
            let code = if status == 404 {
                "NotFound"
            } else {
                "BadRequest"
            };
            return error(&mut state.rng, crid, status, code, message);
        }
    };
    let (kind, scope) = kind_and_scope(&action);
    *state.requests.entry(kind).or_insert(0) += 1;
    if state.faults.unavailable > 0.0 && state.rng.unit() < state.faults.unavailable {
        state.unavailable += 1;
        let mut r = error(
            &mut state.rng,
            crid,
            503,
            "serviceNotAvailable",
            "The service is temporarily unavailable (a fault the stand-in was asked for).",
        );
        r.headers.push((
            "Retry-After",
            retry_after_value(state.faults.unavailable_retry_after),
        ));
        return r;
    }
    if let Err(wait) = state.limiter.admit(kind, scope.as_ref(), now) {
        state.throttled += 1;
        let mut r = error(
            &mut state.rng,
            crid,
            429,
            "TooManyRequests",
            "Too many requests: the app's limit for this request type or resource is exhausted. Retry after the time given in Retry-After.",
        );
        r.headers.push(("Retry-After", retry_after_value(wait)));
        return r;
    }
    if kind.is_write()
        && let Action::AddInstalled(k)
        | Action::UpgradeInstalled(k, _)
        | Action::RemoveInstalled(k, _) = &action
        && let ScopeKey::Chat(id) | ScopeKey::Team(id) | ScopeKey::User(id) = k
        && state.denied_writes.contains(id)
    {
        return error(
            &mut state.rng,
            crid,
            403,
            "Forbidden",
            "Missing role permissions on the request. (A fault the stand-in was asked for: writes on this chat, team or user are refused.)",
        );
    }
    let query = match Query::parse(req.query) {
        Ok(q) => q,
        Err(e) => return error(&mut state.rng, crid, 400, "BadRequest", &e.0),
    };
    let result = act(state, &action, &query, req, now);
    let mut response = match result {
        Ok(r) => r,
        Err((status, code, message)) => return error(&mut state.rng, crid, status, code, &message),
    };
    if kind.is_write()
        && (200..300).contains(&response.status)
        && state.faults.throttled_after_write > 0.0
        && state.rng.unit() < state.faults.throttled_after_write
    {
        state.throttled += 1;
        let mut r = error(
            &mut state.rng,
            crid,
            429,
            "TooManyRequests",
            "Too many requests (a fault the stand-in was asked for: the write was done).",
        );
        r.headers
            .push(("Retry-After", retry_after_value(Duration::from_secs(1))));
        return r;
    }
    let request_id = state.rng.guid();
    response.headers.push(("request-id", request_id));
    response.headers.push((
        "client-request-id",
        crid.map_or_else(|| state.rng.guid(), str::to_owned),
    ));
    response
}

type Failure = (u16, &'static str, String);

fn not_found(what: &str, id: &str) -> Failure {
    (404, "NotFound", format!("No {what} with id '{id}' exists."))
}

fn resolve(tenant: &Tenant, key: &ScopeKey) -> Result<ScopeRef, Failure> {
    match key {
        ScopeKey::Chat(c) => tenant
            .chat(c)
            .map(ScopeRef::Chat)
            .ok_or_else(|| not_found("chat", c)),
        ScopeKey::Team(t) => tenant
            .team(t)
            .map(ScopeRef::Team)
            .ok_or_else(|| not_found("team", t)),
        ScopeKey::User(u) => tenant
            .user(u)
            .map(ScopeRef::User)
            .ok_or_else(|| not_found("user", u)),
    }
}

fn act(
    state: &mut State,
    action: &Action,
    q: &Query,
    req: &Request<'_>,
    now: Instant,
) -> Result<Response, Failure> {
    let base = format!("{}/v1.0", state.base_url);
    let link = |size: PageSize, total: usize| -> Result<(usize, usize, Option<String>), Failure> {
        let top = q.top.unwrap_or(size.default);
        if top == 0 || top > size.max {
            return Err((
                400,
                "BadRequest",
                format!(
                    "Invalid page size {top}: this collection takes $top from 1 to {}.",
                    size.max
                ),
            ));
        }
        let start = q.skip.min(total);
        let end = (start + top).min(total);
        let next = (end < total).then(|| format!("{base}{}?{}", req.path, q.next_query(end)));
        Ok((start, end, next))
    };
    let t = &state.tenant;
    match action {
        Action::ListUsers => {
            check_filter(&q.filter, &["id", "userPrincipalName", "displayName"], None)?;
            let users: Vec<usize> = (0..t.users.len())
                .filter(|&i| {
                    let u = &t.users[i];
                    q.filter.iter().all(|c| match c {
                        Condition::Eq(p, v) if p.len() == 1 => match p[0].as_str() {
                            "id" => &u.id == v,
                            "userPrincipalName" => u.user_principal_name.eq_ignore_ascii_case(v),
                            "displayName" => &u.display_name == v,
                            _ => false,
                        },
                        _ => false,
                    })
                })
                .collect();
            // user-list: "The default and maximum page sizes are 100 and 999 user objects."
            let (s, e, next) = link(
                PageSize {
                    default: 100,
                    max: 999,
                },
                users.len(),
            )?;
            let value = users[s..e]
                .iter()
                .map(|&i| {
                    let mut v = user_json(t, i);
                    select(&mut v, &q.select);
                    v
                })
                .collect();
            Ok(collection(&base, "users", value, next))
        }
        Action::ListTeams => {
            check_filter(&q.filter, &["id", "displayName"], None)?;
            let teams: Vec<usize> = (0..t.teams.len())
                .filter(|&i| {
                    let team = &t.teams[i];
                    q.filter.iter().all(|c| match c {
                        Condition::Eq(p, v) => match p[0].as_str() {
                            "id" => &team.id == v,
                            _ => &team.display_name == v,
                        },
                        Condition::Any(..) => false,
                    })
                })
                .collect();
            // team-list names no page size; the stand-in pages like /users.
            let (s, e, next) = link(
                PageSize {
                    default: 100,
                    max: 999,
                },
                teams.len(),
            )?;
            let value = teams[s..e]
                .iter()
                .map(|&i| {
                    let mut v = team_json(t, i);
                    select(&mut v, &q.select);
                    v
                })
                .collect();
            Ok(collection(&base, "teams", value, next))
        }
        Action::ListUserChats(u) => {
            let user = t.user(u).ok_or_else(|| not_found("user", u))?;
            check_filter(
                &q.filter,
                &["id", "chatType", "topic"],
                Some("installedApps"),
            )?;
            let chats: Vec<u32> = t.users[user]
                .chats
                .iter()
                .copied()
                .filter(|&c| {
                    let chat = &t.chats[c as usize];
                    q.filter.iter().all(|cond| match cond {
                        Condition::Eq(p, v) => match p[0].as_str() {
                            "id" => &chat.id == v,
                            "chatType" => chat.chat_type.wire() == v,
                            _ => chat.topic.as_deref() == Some(v.as_str()),
                        },
                        Condition::Any(_, path, v) => chat
                            .installed
                            .iter()
                            .any(|inst| installation_matches(t, inst, path, v)),
                    })
                })
                .collect();
            // chat-list: "Maximum allowed $top value is 50."
            let (s, e, next) = link(
                PageSize {
                    default: 50,
                    max: 50,
                },
                chats.len(),
            )?;
            let value = chats[s..e]
                .iter()
                .map(|&c| {
                    let mut v = chat_json(t, c as usize, &q.expand);
                    select(&mut v, &q.select);
                    v
                })
                .collect();
            Ok(collection(
                &base,
                &format!("users('{u}')/chats"),
                value,
                next,
            ))
        }
        Action::ListCatalog => {
            check_filter(
                &q.filter,
                &["id", "externalId", "displayName", "distributionMethod"],
                None,
            )?;
            let apps: Vec<usize> = (0..t.apps.len())
                .filter(|&i| {
                    let a = &t.apps[i];
                    q.filter.iter().all(|c| match c {
                        Condition::Eq(p, v) => match p[0].as_str() {
                            "id" => &a.id == v,
                            "externalId" => &a.external_id == v,
                            "displayName" => &a.display_name == v,
                            _ => &a.distribution_method == v,
                        },
                        Condition::Any(..) => false,
                    })
                })
                .collect();
            let (s, e, next) = link(state.installed_apps_page, apps.len())?;
            let value = apps[s..e]
                .iter()
                .map(|&i| {
                    let mut v = app_json(&t.apps[i], q.expand.get("appDefinitions"));
                    select(&mut v, &q.select);
                    v
                })
                .collect();
            Ok(collection(&base, "appCatalogs/teamsApps", value, next))
        }
        Action::ListInstalled(key) => {
            let scope = resolve(t, key)?;
            check_filter(&q.filter, &["id"], None)?;
            let installed: Vec<&Installation> = t
                .installed(scope)
                .iter()
                .filter(|inst| {
                    q.filter.iter().all(|c| match c {
                        Condition::Eq(p, v) if p.len() == 1 => &inst.id == v,
                        Condition::Eq(p, v) => installation_matches(t, inst, p, v),
                        Condition::Any(..) => false,
                    })
                })
                .collect();
            let (s, e, next) = link(state.installed_apps_page, installed.len())?;
            let value = installed[s..e]
                .iter()
                .map(|inst| {
                    let mut v = installation_json(t, scope, inst, &q.expand, now);
                    select(&mut v, &q.select);
                    v
                })
                .collect();
            Ok(collection(&base, "installedApps", value, next))
        }
        Action::GetInstalled(key, id) => {
            let scope = resolve(t, key)?;
            let inst = t
                .installed(scope)
                .iter()
                .find(|i| &i.id == id)
                .ok_or_else(|| not_found("app installation", id))?;
            let mut v = installation_json(t, scope, inst, &q.expand, now);
            select(&mut v, &q.select);
            Ok(Response::json(200, v))
        }
        Action::AddInstalled(key) => {
            let scope = resolve(t, key)?;
            let body = parse_body(req.body)?;
            let bind = body
                .get("teamsApp@odata.bind")
                .and_then(Value::as_str)
                .ok_or_else(|| {
                    (
                        400,
                        "BadRequest",
                        "The body must bind the app: `teamsApp@odata.bind`.".to_owned(),
                    )
                })?;
            let app_id = bind
                .split_once("/appCatalogs/teamsApps/")
                .map(|(_, id)| percent_decode(id.trim_end_matches('/')))
                .ok_or_else(|| {
                    (
                        400,
                        "BadRequest",
                        format!("`{bind}` does not name an app in the catalog."),
                    )
                })?;
            let app = t
                .app(&app_id)
                .ok_or_else(|| not_found("teamsApp", &app_id))?;
            if t.installed(scope).iter().any(|i| i.app == app) {
                return Err((
                    409,
                    "Conflict",
                    format!("The app '{app_id}' is already installed in this scope."),
                ));
            }
            let def = t.apps[app].newest_published().ok_or_else(|| {
                (
                    400,
                    "BadRequest",
                    format!("The app '{app_id}' has no published definition."),
                )
            })?;
            let consented = check_consent(&t.apps[app], def, &body)?;
            let id = state
                .tenant
                .install(scope, app, def)
                .ok_or_else(|| not_found("scope", "?"))?;
            if let Some(inst) = state
                .tenant
                .installed_mut(scope)
                .and_then(|list| list.iter_mut().find(|i| i.id == id))
            {
                inst.consented = consented;
            }
            *state.writes.entry(id).or_insert(0) += 1;
            Ok(Response::empty(match scope {
                ScopeRef::Team(_) => 200,
                _ => 201,
            }))
        }
        Action::UpgradeInstalled(key, id) => {
            let scope = resolve(t, key)?;
            let inst = t
                .installed(scope)
                .iter()
                .find(|i| &i.id == id)
                .ok_or_else(|| not_found("app installation", id))?;
            let app = &t.apps[inst.app];
            let target = app.newest_published().unwrap_or(inst.written());
            let body = if req.body.is_empty() {
                Map::new()
            } else {
                parse_body(req.body)?
            };
            let consented = check_consent(app, target, &body)?;
            let delay = state.consistency_delay;
            if let Some(inst) = state
                .tenant
                .installed_mut(scope)
                .and_then(|l| l.iter_mut().find(|i| &i.id == id))
            {
                if inst.visible(now) != inst.definition {
                    inst.definition = inst.visible(now);
                }
                inst.pending = Some((target, now + delay));
                inst.consented = consented;
            }
            *state.writes.entry(id.clone()).or_insert(0) += 1;
            Ok(Response::empty(204))
        }
        Action::RemoveInstalled(key, id) => {
            let scope = resolve(t, key)?;
            let list = state
                .tenant
                .installed_mut(scope)
                .ok_or_else(|| not_found("scope", "?"))?;
            let at = list
                .iter()
                .position(|i| &i.id == id)
                .ok_or_else(|| not_found("app installation", id))?;
            list.remove(at);
            *state.writes.entry(id.clone()).or_insert(0) += 1;
            Ok(Response::empty(204))
        }
    }
}

/// Refuses filters on properties the stand-in does not index for this collection.
fn check_filter(filter: &[Condition], props: &[&str], any_on: Option<&str>) -> Result<(), Failure> {
    for c in filter {
        let ok = match c {
            Condition::Eq(p, _) if p.len() == 1 => props.contains(&p[0].as_str()),
            Condition::Eq(p, _) => {
                props == ["id"]
                    && p.len() == 2
                    && p[0] == "teamsApp"
                    && ["id", "externalId"].contains(&p[1].as_str())
            }
            Condition::Any(coll, p, _) => {
                any_on == Some(coll.as_str())
                    && p.len() == 2
                    && p[0] == "teamsApp"
                    && ["id", "externalId"].contains(&p[1].as_str())
            }
        };
        if !ok {
            return Err((
                400,
                "BadRequest",
                format!("Invalid filter clause: filtering on {c:?} is not supported here."),
            ));
        }
    }
    Ok(())
}

fn installation_matches(t: &Tenant, inst: &Installation, path: &[String], v: &str) -> bool {
    let app = &t.apps[inst.app];
    match (
        path.first().map(String::as_str),
        path.get(1).map(String::as_str),
    ) {
        (Some("teamsApp"), Some("id")) => app.id == v,
        (Some("teamsApp"), Some("externalId")) => app.external_id == v,
        _ => false,
    }
}

fn parse_body(body: &[u8]) -> Result<Map<String, Value>, Failure> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err((
            400,
            "BadRequest",
            "The request body is not a JSON object.".to_owned(),
        )),
    }
}

/// The consent rule of the add and upgrade pages: the consented set "must be the same as the
/// resource-specific permissions present in the app's teamsAppDefinition"; when that
/// definition only has delegated ones, they can be left out. Graph refuses anything else with
/// 400 Bad Request (microsoftgraph/microsoft-graph-docs issue 13349 reports the 400 for an
/// install without the consent an app requires).
fn check_consent(
    app: &CatalogApp,
    def: usize,
    body: &Map<String, Value>,
) -> Result<Vec<Permission>, Failure> {
    let required = app
        .definitions
        .get(def)
        .map(|d| d.required.clone())
        .unwrap_or_default();
    let given = match body.get("consentedPermissionSet") {
        None | Some(Value::Null) => None,
        Some(set) => Some(parse_permissions(set)?),
    };
    let same = |given: &[Permission]| {
        given.len() == required.len() && required.iter().all(|r| given.contains(r))
    };
    let ok = match &given {
        None => required.iter().all(|p| p.kind == PermissionType::Delegated),
        Some(g) if g.is_empty() => required.iter().all(|p| p.kind == PermissionType::Delegated),
        Some(g) => same(g),
    };
    if !ok {
        let want: Vec<String> = required
            .iter()
            .map(|p| format!("{} ({})", p.value, p.kind.wire()))
            .collect();
        return Err((
            400,
            "BadRequest",
            format!(
                "The consented resource-specific permissions must be exactly those the app's definition {} requires: [{}].",
                app.definitions.get(def).map_or("?", |d| d.version.as_str()),
                want.join(", ")
            ),
        ));
    }
    Ok(given.filter(|g| !g.is_empty()).unwrap_or_default())
}

fn parse_permissions(set: &Value) -> Result<Vec<Permission>, Failure> {
    let bad = || {
        (
            400,
            "BadRequest",
            "consentedPermissionSet must be an object with resourceSpecificPermissions, each with permissionValue and permissionType.".to_owned(),
        )
    };
    let list = match set.get("resourceSpecificPermissions") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(l)) => l,
        Some(_) => return Err(bad()),
    };
    list.iter()
        .map(|p| {
            let value = p
                .get("permissionValue")
                .and_then(Value::as_str)
                .ok_or_else(bad)?;
            let kind = match p.get("permissionType").and_then(Value::as_str) {
                Some(k) if k.eq_ignore_ascii_case("delegated") => PermissionType::Delegated,
                Some(k) if k.eq_ignore_ascii_case("application") => PermissionType::Application,
                _ => return Err(bad()),
            };
            Ok(Permission::new(value, kind))
        })
        .collect()
}

fn collection(base: &str, context: &str, value: Vec<Value>, next: Option<String>) -> Response {
    let mut body = json!({
        "@odata.context": format!("{base}/$metadata#{context}"),
        "value": value,
    });
    if let (Some(next), Value::Object(m)) = (next, &mut body) {
        m.insert("@odata.nextLink".into(), Value::String(next));
    }
    Response::json(200, body)
}

fn permissions_json(list: &[Permission]) -> Value {
    json!({
        "resourceSpecificPermissions": list
            .iter()
            .map(|p| json!({ "permissionValue": p.value, "permissionType": p.kind.wire() }))
            .collect::<Vec<_>>()
    })
}

fn definition_json(app: &CatalogApp, def: usize, expand: Option<&Expand>) -> Value {
    let Some(d) = app.definitions.get(def) else {
        return Value::Null;
    };
    let mut v = json!({
        "id": d.id,
        "teamsAppId": app.id,
        "displayName": app.display_name,
        "version": d.version,
        "publishingState": if d.published { "published" } else { "submitted" },
        "shortDescription": format!("{}, as the catalog describes it.", app.display_name),
        "description": format!("{} version {}.", app.display_name, d.version),
        "lastModifiedDateTime": Value::Null,
        "createdBy": Value::Null,
    });
    if expand.is_some_and(|e| e.has("authorization"))
        && let Value::Object(m) = &mut v
    {
        m.insert(
            "authorization".into(),
            json!({
                "clientAppId": app.client_app_id,
                "requiredPermissionSet": permissions_json(&d.required),
            }),
        );
    }
    v
}

fn app_json(app: &CatalogApp, definitions: Option<&Expand>) -> Value {
    let mut v = json!({
        "id": app.id,
        "externalId": app.external_id,
        "displayName": app.display_name,
        "distributionMethod": app.distribution_method,
    });
    if let (Some(e), Value::Object(m)) = (definitions, &mut v) {
        let defs = (0..app.definitions.len())
            .map(|i| definition_json(app, i, Some(e)))
            .collect();
        m.insert("appDefinitions".into(), Value::Array(defs));
    }
    v
}

fn installation_json(
    t: &Tenant,
    scope: ScopeRef,
    inst: &Installation,
    expand: &Expand,
    now: Instant,
) -> Value {
    let app = &t.apps[inst.app];
    let mut m = Map::new();
    if matches!(scope, ScopeRef::User(_)) {
        m.insert(
            "@odata.type".into(),
            "#microsoft.graph.userScopeTeamsAppInstallation".into(),
        );
    }
    m.insert("id".into(), inst.id.clone().into());
    m.insert(
        "consentedPermissionSet".into(),
        permissions_json(&inst.consented),
    );
    if expand.has("teamsApp") {
        m.insert("teamsApp".into(), app_json(app, None));
    }
    if let Some(e) = expand.get("teamsAppDefinition") {
        m.insert(
            "teamsAppDefinition".into(),
            definition_json(app, inst.visible(now), Some(e)),
        );
    }
    Value::Object(m)
}

fn user_json(t: &Tenant, i: usize) -> Value {
    let u = &t.users[i];
    let (given, surname) = u
        .display_name
        .split_once(' ')
        .unwrap_or((&u.display_name, ""));
    json!({
        "businessPhones": [],
        "displayName": u.display_name,
        "givenName": given,
        "jobTitle": Value::Null,
        "mail": u.user_principal_name,
        "mobilePhone": Value::Null,
        "officeLocation": Value::Null,
        "preferredLanguage": "en-US",
        "surname": surname,
        "userPrincipalName": u.user_principal_name,
        "id": u.id,
    })
}

fn team_json(t: &Tenant, i: usize) -> Value {
    let team = &t.teams[i];
    json!({
        "id": team.id,
        "displayName": team.display_name,
        "description": format!("{}, generated by the stand-in.", team.display_name),
        "visibility": "private",
        "isArchived": false,
        "tenantId": t.tenant_id,
    })
}

fn chat_json(t: &Tenant, c: usize, expand: &Expand) -> Value {
    let chat = &t.chats[c];
    let mut v = json!({
        "id": chat.id,
        "topic": chat.topic,
        "createdDateTime": "2026-01-05T09:30:00.000Z",
        "lastUpdatedDateTime": "2026-01-05T09:30:00.000Z",
        "chatType": chat.chat_type.wire(),
        "webUrl": format!("https://teams.microsoft.com/l/chat/{}/0?tenantId={}", chat.id, t.tenant_id),
        "tenantId": t.tenant_id,
        "isHiddenForAllMembers": false,
    });
    if chat.chat_type == ChatType::Meeting
        && let Value::Object(m) = &mut v
    {
        m.insert(
            "onlineMeetingInfo".into(),
            json!({ "joinWebUrl": format!("https://teams.microsoft.com/l/meetup-join/{}/0", chat.id) }),
        );
    }
    if let (true, Value::Object(m)) = (expand.has("members"), &mut v) {
        let members = chat
            .members
            .iter()
            .map(|&u| {
                let u = &t.users[u as usize];
                json!({
                    "@odata.type": "#microsoft.graph.aadUserConversationMember",
                    "id": crate::tenant::definition_id(&chat.id, &u.id),
                    "roles": ["owner"],
                    "displayName": u.display_name,
                    "userId": u.id,
                    "email": u.user_principal_name,
                    "tenantId": t.tenant_id,
                })
            })
            .collect();
        m.insert("members".into(), Value::Array(members));
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_civil() {
        assert_eq!(civil(0), (1970, 1, 1));
        assert_eq!(civil(20_789), (2026, 12, 2));
        assert_eq!(civil(11_016), (2000, 2, 29));
    }

    #[test]
    fn routes_cover_every_scope_and_refuse_other_methods() {
        let seg = |p: &str| segments(p);
        assert_eq!(
            route("GET", &seg("/chats/19%3Aa%40thread.v2/installedApps")),
            Ok(Action::ListInstalled(ScopeKey::Chat(
                "19:a@thread.v2".into()
            )))
        );
        assert_eq!(
            route(
                "POST",
                &seg("/users/u/teamwork/installedApps/a%2Bb%3D/upgrade")
            ),
            Ok(Action::UpgradeInstalled(
                ScopeKey::User("u".into()),
                "a+b=".into()
            ))
        );
        assert_eq!(
            route("PATCH", &seg("/teams/t/installedApps/x")).map_err(|e| e.0),
            Err(405)
        );
        assert_eq!(
            route("GET", &seg("/planner/tasks")).map_err(|e| e.0),
            Err(404)
        );
    }
}
