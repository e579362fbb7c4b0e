//! The tenant's state: users, chats, teams, the app catalog and the apps installed in each
//! scope; generated from a seed and a size, or built explicitly for a test.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use std::collections::HashMap;
use tokio::time::Instant;

/// A small deterministic generator (SplitMix64): the same seed gives the same tenant.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }

    /// A number in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A random (version 4) GUID in Graph's lower-case form.
    pub fn guid(&mut self) -> String {
        let (a, b) = (self.next_u64(), self.next_u64());
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0x0fff,
            ((b >> 48) & 0x3fff) | 0x8000,
            b & 0xffff_ffff_ffff
        )
    }
}

/// The type of a resource-specific permission (`teamsAppResourceSpecificPermissionType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PermissionType {
    /// `delegated`.
    Delegated,
    /// `application`.
    Application,
}

impl PermissionType {
    /// The wire value, as Graph's responses spell it.
    pub fn wire(self) -> &'static str {
        match self {
            PermissionType::Delegated => "delegated",
            PermissionType::Application => "application",
        }
    }
}

/// A resource-specific permission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permission {
    /// Such as `ChatMember.Read.Chat`.
    pub value: String,
    /// Delegated or application.
    pub kind: PermissionType,
}

impl Permission {
    /// A permission.
    pub fn new(value: &str, kind: PermissionType) -> Permission {
        Permission {
            value: value.into(),
            kind,
        }
    }
}

/// One version of an app in the catalog (`teamsAppDefinition`).
#[derive(Debug, Clone, PartialEq)]
pub struct AppDefinition {
    /// Graph's definition id (base64 of the app id and the version).
    pub id: String,
    /// Such as `1.2.0`.
    pub version: String,
    /// `true` for `published`, `false` for `submitted`.
    pub published: bool,
    /// The resource-specific permissions it requires (`authorization.requiredPermissionSet`).
    pub required: Vec<Permission>,
}

/// An app in the catalog (`teamsApp`) with its definitions, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct CatalogApp {
    /// The catalog's id for the app.
    pub id: String,
    /// The id from the app's manifest.
    pub external_id: String,
    /// The app's name.
    pub display_name: String,
    /// `store`, `organization` or `sideloaded`.
    pub distribution_method: String,
    /// The Entra app registration behind it (`authorization.clientAppId`).
    pub client_app_id: String,
    /// Every version, oldest first.
    pub definitions: Vec<AppDefinition>,
}

impl CatalogApp {
    /// The definition an upgrade moves to: the newest published one.
    pub fn newest_published(&self) -> Option<usize> {
        self.definitions.iter().rposition(|d| d.published)
    }
}

/// An app installed in a scope.
#[derive(Debug, Clone, PartialEq)]
pub struct Installation {
    /// Graph's installation id (base64, contains `+` and ends in `=`).
    pub id: String,
    /// Index of the app in [`Tenant::apps`].
    pub app: usize,
    /// Index of the definition reads show.
    pub definition: usize,
    /// A written definition and when reads start to show it (the consistency delay).
    pub pending: Option<(usize, Instant)>,
    /// The resource-specific permissions consented to.
    pub consented: Vec<Permission>,
}

impl Installation {
    /// The definition reads show at `now`.
    pub fn visible(&self, now: Instant) -> usize {
        match self.pending {
            Some((def, at)) if at <= now => def,
            _ => self.definition,
        }
    }

    /// The definition last written, shown or not yet.
    pub fn written(&self) -> usize {
        self.pending.map_or(self.definition, |(d, _)| d)
    }
}

/// The type of a chat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChatType {
    /// `oneOnOne`.
    OneOnOne,
    /// `group`.
    Group,
    /// `meeting`.
    Meeting,
}

impl ChatType {
    /// The wire value.
    pub fn wire(self) -> &'static str {
        match self {
            ChatType::OneOnOne => "oneOnOne",
            ChatType::Group => "group",
            ChatType::Meeting => "meeting",
        }
    }
}

/// A user with the chats they are a member of and their personal-scope apps.
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    /// The user's object id.
    pub id: String,
    /// The user's name.
    pub display_name: String,
    /// The user's sign-in name (also accepted in paths instead of the id).
    pub user_principal_name: String,
    /// Indexes into [`Tenant::chats`].
    pub chats: Vec<u32>,
    /// Apps installed in the user's personal scope.
    pub installed: Vec<Installation>,
}

/// A chat with its members and installed apps.
#[derive(Debug, Clone, PartialEq)]
pub struct Chat {
    /// Such as `19:...@thread.v2`.
    pub id: String,
    /// One-on-one, group or meeting.
    pub chat_type: ChatType,
    /// The topic (group and meeting chats).
    pub topic: Option<String>,
    /// Indexes into [`Tenant::users`].
    pub members: Vec<u32>,
    /// Apps installed in the chat.
    pub installed: Vec<Installation>,
}

/// A team with its installed apps.
#[derive(Debug, Clone, PartialEq)]
pub struct Team {
    /// The team's (group's) id.
    pub id: String,
    /// The team's name.
    pub display_name: String,
    /// Apps installed in the team.
    pub installed: Vec<Installation>,
}

/// How big a generated tenant is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    /// Users.
    pub users: usize,
    /// Chats (one-on-one, group and meeting).
    pub chats: usize,
    /// Teams.
    pub teams: usize,
}

/// A scope apps are installed in, by index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeRef {
    /// A chat.
    Chat(usize),
    /// A team.
    Team(usize),
    /// A user's personal scope.
    User(usize),
}

/// The whole tenant.
#[derive(Debug, Clone, Default)]
pub struct Tenant {
    /// The tenant's id.
    pub tenant_id: String,
    /// The users.
    pub users: Vec<User>,
    /// The chats.
    pub chats: Vec<Chat>,
    /// The teams.
    pub teams: Vec<Team>,
    /// The app catalog.
    pub apps: Vec<CatalogApp>,
    user_index: HashMap<String, usize>,
    chat_index: HashMap<String, usize>,
    team_index: HashMap<String, usize>,
    app_index: HashMap<String, usize>,
}

/// Graph's installation ids are base64 of the scope's and the app's ids joined by `##` (as the
/// docs' examples decode); the stand-in appends a marker so that every id also contains `+`
/// and ends in `=`, the characters clients most often fail to encode.
pub fn installation_id(scope: &str, app: &str) -> String {
    let mut raw = format!("{scope}##{app}").into_bytes();
    // A '>' at a position that is 2 modulo 3 encodes as '+'.
    while raw.len() % 3 != 2 {
        raw.push(b'#');
    }
    raw.push(b'>');
    // One more byte leaves a partial group, so the encoding ends in "==".
    raw.push(b'#');
    STANDARD.encode(raw)
}

/// A definition id: base64 of the app id and the version joined by `##`.
pub fn definition_id(app: &str, version: &str) -> String {
    STANDARD.encode(format!("{app}##{version}"))
}

const FIRST: [&str; 12] = [
    "Adele",
    "Alex",
    "Diego",
    "Grady",
    "Henrietta",
    "Isaiah",
    "Johanna",
    "Joni",
    "Lee",
    "Lidia",
    "Megan",
    "Nestor",
];
const LAST: [&str; 12] = [
    "Vance",
    "Wilber",
    "Siciliani",
    "Archie",
    "Mueller",
    "Langer",
    "Lauren",
    "Sherman",
    "Gu",
    "Holloway",
    "Bowen",
    "Wilke",
];

impl Tenant {
    /// An empty tenant with a tenant id.
    pub fn new(tenant_id: &str) -> Tenant {
        Tenant {
            tenant_id: tenant_id.into(),
            ..Tenant::default()
        }
    }

    /// Adds an app to the catalog; returns its index.
    pub fn add_app(&mut self, app: CatalogApp) -> usize {
        self.app_index.insert(app.id.clone(), self.apps.len());
        self.apps.push(app);
        self.apps.len() - 1
    }

    /// Adds a user; returns their index.
    pub fn add_user(&mut self, id: &str, display_name: &str, upn: &str) -> usize {
        let i = self.users.len();
        self.user_index.insert(id.to_owned(), i);
        self.user_index.insert(upn.to_ascii_lowercase(), i);
        self.users.push(User {
            id: id.into(),
            display_name: display_name.into(),
            user_principal_name: upn.into(),
            chats: Vec::new(),
            installed: Vec::new(),
        });
        i
    }

    /// Adds a chat between the users at these indexes; returns its index.
    pub fn add_chat(
        &mut self,
        id: &str,
        chat_type: ChatType,
        topic: Option<&str>,
        members: &[usize],
    ) -> usize {
        let i = self.chats.len();
        self.chat_index.insert(id.to_owned(), i);
        for &m in members {
            if let Some(u) = self.users.get_mut(m) {
                u.chats.push(i as u32);
            }
        }
        self.chats.push(Chat {
            id: id.into(),
            chat_type,
            topic: topic.map(str::to_owned),
            members: members.iter().map(|&m| m as u32).collect(),
            installed: Vec::new(),
        });
        i
    }

    /// Adds a team; returns its index.
    pub fn add_team(&mut self, id: &str, display_name: &str) -> usize {
        self.team_index.insert(id.to_owned(), self.teams.len());
        self.teams.push(Team {
            id: id.into(),
            display_name: display_name.into(),
            installed: Vec::new(),
        });
        self.teams.len() - 1
    }

    /// Installs the app at `app` (index) at its definition `definition` in a scope, consenting
    /// to what that definition requires; returns the installation id.
    pub fn install(&mut self, scope: ScopeRef, app: usize, definition: usize) -> Option<String> {
        let a = self.apps.get(app)?;
        let def = a.definitions.get(definition)?;
        let consented = def.required.clone();
        let app_id = a.id.clone();
        let (scope_id, list) = match scope {
            ScopeRef::Chat(i) => {
                let c = self.chats.get_mut(i)?;
                (c.id.clone(), &mut c.installed)
            }
            ScopeRef::Team(i) => {
                let t = self.teams.get_mut(i)?;
                (t.id.clone(), &mut t.installed)
            }
            ScopeRef::User(i) => {
                let u = self.users.get_mut(i)?;
                (u.id.clone(), &mut u.installed)
            }
        };
        let id = installation_id(&scope_id, &app_id);
        list.push(Installation {
            id: id.clone(),
            app,
            definition,
            pending: None,
            consented,
        });
        Some(id)
    }

    /// A user's index by id or user principal name.
    pub fn user(&self, id_or_upn: &str) -> Option<usize> {
        self.user_index
            .get(id_or_upn)
            .or_else(|| self.user_index.get(&id_or_upn.to_ascii_lowercase()))
            .copied()
    }

    /// A chat's index by id.
    pub fn chat(&self, id: &str) -> Option<usize> {
        self.chat_index.get(id).copied()
    }

    /// A team's index by id.
    pub fn team(&self, id: &str) -> Option<usize> {
        self.team_index.get(id).copied()
    }

    /// An app's index by catalog id.
    pub fn app(&self, id: &str) -> Option<usize> {
        self.app_index.get(id).copied()
    }

    /// The installations in a scope.
    pub fn installed(&self, scope: ScopeRef) -> &[Installation] {
        match scope {
            ScopeRef::Chat(i) => self.chats.get(i).map(|c| &c.installed[..]),
            ScopeRef::Team(i) => self.teams.get(i).map(|t| &t.installed[..]),
            ScopeRef::User(i) => self.users.get(i).map(|u| &u.installed[..]),
        }
        .unwrap_or(&[])
    }

    /// The installations in a scope, to change.
    pub fn installed_mut(&mut self, scope: ScopeRef) -> Option<&mut Vec<Installation>> {
        match scope {
            ScopeRef::Chat(i) => self.chats.get_mut(i).map(|c| &mut c.installed),
            ScopeRef::Team(i) => self.teams.get_mut(i).map(|t| &mut t.installed),
            ScopeRef::User(i) => self.users.get_mut(i).map(|u| &mut u.installed),
        }
    }

    /// Every installation in every scope, with its scope.
    pub fn all_installations(&self) -> impl Iterator<Item = (ScopeRef, &Installation)> {
        let chats = self.chats.iter().enumerate().flat_map(|(i, c)| {
            c.installed
                .iter()
                .map(move |inst| (ScopeRef::Chat(i), inst))
        });
        let teams = self.teams.iter().enumerate().flat_map(|(i, t)| {
            t.installed
                .iter()
                .map(move |inst| (ScopeRef::Team(i), inst))
        });
        let users = self.users.iter().enumerate().flat_map(|(i, u)| {
            u.installed
                .iter()
                .map(move |inst| (ScopeRef::User(i), inst))
        });
        chats.chain(teams).chain(users)
    }

    /// Installations whose last written definition is not their app's newest published one.
    pub fn outdated(&self) -> usize {
        self.all_installations()
            .filter(|(_, inst)| {
                self.apps
                    .get(inst.app)
                    .and_then(CatalogApp::newest_published)
                    .is_some_and(|newest| newest != inst.written())
            })
            .count()
    }

    /// A tenant of this size, the same for the same seed: users; one-on-one, group and meeting
    /// chats between them; teams; a catalog of eight apps whose newer versions require
    /// resource-specific consent (one with a newer version only submitted, not published);
    /// and apps installed in chats, teams and personal scopes at older and current versions.
    /// Chats need members: with fewer than two users, no chats are made.
    pub fn generate(size: Size, seed: u64) -> Tenant {
        let mut rng = Rng::new(seed);
        let mut t = Tenant::new(&rng.guid());
        for app in catalog(&mut rng) {
            t.add_app(app);
        }
        for i in 0..size.users {
            let (f, l) = (FIRST[i % FIRST.len()], LAST[(i / FIRST.len()) % LAST.len()]);
            let id = rng.guid();
            t.add_user(
                &id,
                &format!("{f} {l} {i}"),
                &format!(
                    "{}.{}{i}@contoso.onmicrosoft.com",
                    f.to_lowercase(),
                    l.to_lowercase()
                ),
            );
        }
        let users = size.users;
        for i in 0..size.chats {
            if users < 2 {
                break;
            }
            let roll = rng.below(100);
            let (mut chat_type, count) = match roll {
                0..50 => (ChatType::OneOnOne, 2),
                50..85 => (ChatType::Group, 3 + rng.below(4)),
                _ => (ChatType::Meeting, 2 + rng.below(7)),
            };
            let mut members: Vec<usize> = Vec::with_capacity(count);
            while members.len() < count.min(users) {
                let m = rng.below(users);
                if !members.contains(&m) {
                    members.push(m);
                }
            }
            let mut id = match chat_type {
                ChatType::OneOnOne => format!(
                    "19:{}_{}@unq.gbl.spaces",
                    t.users[members[0]].id, t.users[members[1]].id
                ),
                ChatType::Group => format!(
                    "19:{:016x}{:016x}@thread.v2",
                    rng.next_u64(),
                    rng.next_u64()
                ),
                ChatType::Meeting => format!(
                    "19:meeting_{}@thread.v2",
                    STANDARD
                        .encode(rng.next_u64().to_be_bytes())
                        .trim_end_matches('=')
                        .replace(['+', '/'], "A")
                ),
            };
            if t.chat(&id).is_some() {
                // The pair already has its one-on-one chat: make this one a group chat.
                chat_type = ChatType::Group;
                id = format!(
                    "19:{:016x}{:016x}@thread.v2",
                    rng.next_u64(),
                    rng.next_u64()
                );
            }
            let topic = match chat_type {
                ChatType::OneOnOne => None,
                ChatType::Group => Some(format!("Project {i}")),
                ChatType::Meeting => Some(format!("Weekly sync {i}")),
            };
            let c = t.add_chat(&id, chat_type, topic.as_deref(), &members);
            install_some(&mut t, &mut rng, ScopeRef::Chat(c), 3);
        }
        for i in 0..size.teams {
            let id = rng.guid();
            let team = t.add_team(&id, &format!("Team {i}"));
            install_some(&mut t, &mut rng, ScopeRef::Team(team), 4);
        }
        for u in 0..size.users {
            install_some(&mut t, &mut rng, ScopeRef::User(u), 3);
        }
        t
    }
}

/// Installs up to `most - 1` distinct apps in a scope, each at its oldest or newest published
/// version (never a submitted one: only published definitions can be installed).
fn install_some(t: &mut Tenant, rng: &mut Rng, scope: ScopeRef, most: usize) {
    let count = rng.below(most);
    let mut chosen: Vec<usize> = Vec::new();
    while chosen.len() < count.min(t.apps.len()) {
        let app = rng.below(t.apps.len());
        if chosen.contains(&app) {
            continue;
        }
        chosen.push(app);
        let newest = t.apps[app].newest_published().unwrap_or(0);
        let def = if rng.below(2) == 0 { 0 } else { newest };
        t.install(scope, app, def);
    }
}

/// The generated catalog. Permission names are ones the Graph docs' examples use
/// (`ChatMember.Read.Chat`, `OnlineMeeting.ReadBasic.Chat`, `TeamSettings.Read.Group`,
/// `ChannelMessage.Read.Group`).
fn catalog(rng: &mut Rng) -> Vec<CatalogApp> {
    use PermissionType::{Application, Delegated};
    let rsc_chat = vec![
        Permission::new("OnlineMeeting.ReadBasic.Chat", Delegated),
        Permission::new("ChatMember.Read.Chat", Application),
    ];
    let rsc_delegated = vec![Permission::new("OnlineMeeting.ReadBasic.Chat", Delegated)];
    let rsc_team = vec![
        Permission::new("TeamSettings.Read.Group", Application),
        Permission::new("ChannelMessage.Read.Group", Application),
    ];
    // (name, distribution, versions as (version, published, required))
    type Versions = Vec<(&'static str, bool, Vec<Permission>)>;
    let apps: Vec<(&str, &str, Versions)> = vec![
        ("OneNote", "store", vec![("1.0.0", true, vec![])]),
        (
            "Meeting Notes",
            "organization",
            vec![("1.0.0", true, vec![]), ("1.1.0", true, rsc_chat.clone())],
        ),
        (
            "Polls",
            "store",
            vec![("2.3.0", true, vec![]), ("2.10.0", true, vec![])],
        ),
        (
            "Standup",
            "organization",
            vec![
                ("1.0.0", true, vec![]),
                ("1.2.0", true, rsc_delegated.clone()),
                ("2.0.0", false, rsc_chat.clone()),
            ],
        ),
        (
            "Approvals",
            "store",
            vec![("3.0.0", true, vec![]), ("3.1.0", true, rsc_team.clone())],
        ),
        (
            "Wiki",
            "organization",
            vec![("0.9.0", true, vec![]), ("1.0.0", true, vec![])],
        ),
        (
            "Timesheets",
            "organization",
            vec![("1.0.0", true, rsc_delegated), ("1.4.2", true, rsc_chat)],
        ),
        (
            "Forms",
            "store",
            vec![("1.0.0", true, vec![]), ("1.1.0", true, rsc_team)],
        ),
    ];
    apps.into_iter()
        .map(|(name, distribution, versions)| {
            let id = rng.guid();
            CatalogApp {
                external_id: rng.guid(),
                display_name: name.into(),
                distribution_method: distribution.into(),
                client_app_id: rng.guid(),
                definitions: versions
                    .into_iter()
                    .map(|(v, published, required)| AppDefinition {
                        id: definition_id(&id, v),
                        version: v.into(),
                        published,
                        required,
                    })
                    .collect(),
                id,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIZE: Size = Size {
        users: 50,
        chats: 400,
        teams: 10,
    };

    #[test]
    fn the_same_seed_gives_the_same_tenant() {
        let (a, b) = (Tenant::generate(SIZE, 7), Tenant::generate(SIZE, 7));
        assert_eq!(a.chats, b.chats);
        assert_eq!(a.users, b.users);
        assert_ne!(Tenant::generate(SIZE, 8).chats, a.chats);
    }

    #[test]
    fn a_generated_tenant_has_the_size_asked_for_and_every_chat_type() {
        let t = Tenant::generate(SIZE, 1);
        assert_eq!((t.users.len(), t.chats.len(), t.teams.len()), (50, 400, 10));
        for ty in [ChatType::OneOnOne, ChatType::Group, ChatType::Meeting] {
            assert!(t.chats.iter().any(|c| c.chat_type == ty), "{ty:?}");
        }
        for c in &t.chats {
            assert!(c.members.len() >= 2);
            assert!(c.id.starts_with("19:"));
            // Every member sees the chat.
            for &m in &c.members {
                let i = t.chat(&c.id).expect("indexed");
                assert!(t.users[m as usize].chats.contains(&(i as u32)));
            }
        }
        assert!(t.chats.iter().any(|c| c.id.ends_with("@thread.v2")));
    }

    #[test]
    fn installations_are_at_older_and_current_versions_with_graph_shaped_ids() {
        let t = Tenant::generate(SIZE, 3);
        let all: Vec<_> = t.all_installations().collect();
        assert!(all.iter().any(|(s, _)| matches!(s, ScopeRef::Chat(_))));
        assert!(all.iter().any(|(s, _)| matches!(s, ScopeRef::Team(_))));
        assert!(all.iter().any(|(s, _)| matches!(s, ScopeRef::User(_))));
        assert!(t.outdated() > 0 && t.outdated() < all.len());
        for (_, inst) in &all {
            assert!(
                inst.id.contains('+') && inst.id.ends_with('='),
                "{}",
                inst.id
            );
            assert!(!inst.id.contains('/'), "{}", inst.id);
            assert!(t.apps[inst.app].definitions[inst.definition].published);
        }
    }

    #[test]
    fn installation_ids_decode_to_scope_and_app() {
        let id = installation_id("19:abc@thread.v2", "0d820ecd-def2-4297-adad-78056cde7c78");
        let raw = STANDARD.decode(&id).expect("base64");
        let raw = String::from_utf8(raw).expect("text");
        assert!(raw.starts_with("19:abc@thread.v2##0d820ecd-def2-4297-adad-78056cde7c78"));
    }

    #[test]
    fn the_catalog_has_a_submitted_newest_version_that_upgrades_skip() {
        let t = Tenant::generate(SIZE, 3);
        let standup = t
            .apps
            .iter()
            .find(|a| a.display_name == "Standup")
            .expect("app");
        assert_eq!(standup.newest_published(), Some(1));
        assert!(!standup.definitions[2].published);
    }

    #[test]
    fn users_are_found_by_id_or_principal_name() {
        let t = Tenant::generate(SIZE, 3);
        let u = &t.users[4];
        assert_eq!(t.user(&u.id), Some(4));
        assert_eq!(t.user(&u.user_principal_name.to_uppercase()), Some(4));
    }
}
