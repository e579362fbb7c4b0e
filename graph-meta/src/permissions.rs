//! Permissions as data: the least-privileged set to request for a group of actions, and what an
//! access token holds and lacks.
//!
//! ```
//! use graph_meta::permissions::plan;
//! use graph_meta::*;
//! static LEVELS: &[PrivilegeLevel] = &[
//!     PrivilegeLevel { permission: "Chat.Read.All", kind: PermissionType::Application, level: 3, resource_specific: false },
//!     PrivilegeLevel { permission: "Chat.ReadWrite.All", kind: PermissionType::Application, level: 4, resource_specific: false },
//! ];
//! static LIST_CHATS: ActionInfo = ActionInfo {
//!     id: "list_chats",
//!     summary: "List chats.",
//!     docs: "https://learn.microsoft.com/en-us/graph/api/chat-list",
//!     method: HttpMethod::Get,
//!     path: "/chats",
//!     versions: &[ApiVersion::V1],
//!     clouds: &[NationalCloud::Global],
//!     idempotent: true,
//!     headers: &[],
//!     success_status: 200,
//!     response: ResponseKind::Collection("Chat"),
//!     query_options: &[],
//!     permissions: Permissions {
//!         delegated: PermissionScheme::NotSupported,
//!         delegated_personal: PermissionScheme::NotSupported,
//!         application: PermissionScheme::Supported { least: &["Chat.Read.All"], higher: &["Chat.ReadWrite.All"] },
//!         notes: &[],
//!         cloud_limits: &[],
//!         levels: &[LEVELS],
//!     },
//! };
//! let plan = plan(&[&LIST_CHATS], PermissionType::Application, false, &[])?;
//! assert_eq!(plan[0].permission, "Chat.Read.All");
//! assert_eq!(plan[0].level, Some(3));
//! # Ok::<(), graph_meta::permissions::PlanError>(())
//! ```

use crate::{ActionInfo, PermissionType, PrivilegeLevel};
use std::collections::BTreeMap;

/// What the planner needs to know of an action: its id, the permissions that can call it and
/// their privilege levels. [`ActionInfo`] has it all; a tool that reads spec files implements it
/// for its own model instead of building `ActionInfo` values.
pub trait PlanAction {
    /// The action's id, such as `upgrade_chat_app_installation`.
    fn action_id(&self) -> &str;
    /// The permissions of `kind` that can call it, least privileged first, without those its
    /// notes rule out when the request consents to resource-specific permissions.
    fn usable_permissions(&self, kind: PermissionType, rsc_consent: bool) -> Vec<&str>;
    /// The privilege level of one of its permissions, when its level tables give one.
    fn privilege(&self, kind: PermissionType, permission: &str) -> Option<Privilege>;
}

/// How privileged a permission is for one permission type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Privilege {
    /// Microsoft's level, 1 (least privileged) to 5.
    pub level: u8,
    /// Whether it is granted by resource-specific consent (per chat or team) rather than for
    /// the tenant.
    pub resource_specific: bool,
}

impl From<&PrivilegeLevel> for Privilege {
    fn from(l: &PrivilegeLevel) -> Self {
        Privilege {
            level: l.level,
            resource_specific: l.resource_specific,
        }
    }
}

impl PlanAction for ActionInfo {
    fn action_id(&self) -> &str {
        self.id
    }

    fn usable_permissions(&self, kind: PermissionType, rsc_consent: bool) -> Vec<&str> {
        self.permissions.usable(kind, rsc_consent)
    }

    fn privilege(&self, kind: PermissionType, permission: &str) -> Option<Privilege> {
        self.permissions
            .level(kind, permission)
            .map(Privilege::from)
    }
}

/// A permission to request, and the actions it covers among those planned for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedPermission<'a> {
    /// The permission, such as `TeamsAppInstallation.ReadWriteSelfForChat`.
    pub permission: &'a str,
    /// Its privilege level for the permission type, when the level tables give one.
    pub level: Option<u8>,
    /// Whether it is granted by resource-specific consent (per chat or team).
    pub resource_specific: bool,
    /// The ids of the planned actions it can call.
    pub covers: Vec<&'a str>,
}

/// Why no set of permissions can call the actions.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError<'a> {
    /// These actions cannot be called with this permission type at all (or, with resource-specific
    /// consent, with none of the permissions that remain).
    #[error("{} permissions cannot call {}", kind.words(), actions.join(", "))]
    NotSupported {
        /// The permission type asked for.
        kind: PermissionType,
        /// The actions it cannot call.
        actions: Vec<&'a str>,
    },
}

/// Above this many actions the exact search gives way to a greedy one (still irredundant).
const EXACT_LIMIT: usize = 20;

/// How privileged a candidate is: its level where a table gives it; otherwise it ranks after
/// every known level, by its best place in the actions' least-to-higher lists. A
/// resource-specific permission ranks after every tenant-wide one: an admin cannot grant it for
/// the tenant, so it is the answer only when nothing else can call the actions.
fn rank(level: Option<Privilege>, position: usize) -> u32 {
    match level {
        Some(l) if l.resource_specific => 100 + u32::from(l.level),
        Some(l) => u32::from(l.level),
        None => 6 + position as u32,
    }
}

struct Candidate<'a> {
    permission: &'a str,
    privilege: Option<Privilege>,
    rank: u32,
    mask: u64,
    /// Its places in the tables of the actions it covers, summed (0 where it is the least).
    places: usize,
}

/// The permissions to request so that a token of `kind` can call every action: every action is
/// covered, none of the permissions can be dropped, and none can be swapped for a less
/// privileged one that covers the same actions.
///
/// Among the sets that cover, the one chosen has the lowest highest level (least privilege
/// first), then the fewest permissions, then the lowest sum of levels, then the places nearest
/// the start of the actions' tables (a permission the docs list as least privileged for an
/// action beats one they list as higher), then the first names in order; so one permission that
/// covers two actions wins over two of the same level.
///
/// Levels come from each action's own level tables (for generated actions, those of the spec
/// that declares it, and graph-api's for a downstream crate's); `levels` adds tables that take
/// precedence, and may be empty. A permission without a level ranks after all with one, by its
/// place in the actions' tables, and a resource-specific one after every tenant-wide one.
/// `rsc_consent` leaves out what the actions' notes rule out for requests that consent to
/// resource-specific permissions.
pub fn plan<'a, A: PlanAction + ?Sized>(
    actions: &[&'a A],
    kind: PermissionType,
    rsc_consent: bool,
    levels: &[&[PrivilegeLevel]],
) -> Result<Vec<PlannedPermission<'a>>, PlanError<'a>> {
    // Actions once each, in the order given.
    let mut unique: Vec<&'a A> = Vec::new();
    for a in actions {
        if !unique.iter().any(|u| u.action_id() == a.action_id()) {
            unique.push(a);
        }
    }
    let usable: Vec<Vec<&'a str>> = unique
        .iter()
        .map(|a| a.usable_permissions(kind, rsc_consent))
        .collect();
    let unsupported: Vec<&'a str> = unique
        .iter()
        .zip(&usable)
        .filter(|(_, u)| u.is_empty())
        .map(|(a, _)| a.action_id())
        .collect();
    if !unsupported.is_empty() {
        return Err(PlanError::NotSupported {
            kind,
            actions: unsupported,
        });
    }
    let privilege = |p: &str| {
        levels
            .iter()
            .flat_map(|l| l.iter())
            .find(|l| l.kind == kind && l.permission == p)
            .map(Privilege::from)
            .or_else(|| unique.iter().find_map(|a| a.privilege(kind, p)))
    };
    // Per permission: the actions it covers, its best place in their tables, and the sum.
    let mut by_name: BTreeMap<&'a str, (u64, usize, usize)> = BTreeMap::new();
    for (i, list) in usable.iter().enumerate() {
        for (pos, p) in list.iter().enumerate() {
            let e = by_name.entry(p).or_insert((0, usize::MAX, 0));
            e.0 |= 1u64 << (i % 64);
            e.1 = e.1.min(pos);
            e.2 += pos;
        }
    }
    let mut candidates: Vec<Candidate<'a>> = by_name
        .into_iter()
        .map(|(permission, (mask, best, places))| {
            let known = privilege(permission);
            Candidate {
                permission,
                privilege: known,
                rank: rank(known, best),
                mask,
                places,
            }
        })
        .collect();
    candidates
        .sort_by(|a, b| (a.rank, a.places, a.permission).cmp(&(b.rank, b.places, b.permission)));
    let chosen = if unique.len() <= EXACT_LIMIT {
        exact(&candidates, unique.len())
    } else {
        greedy(&candidates, &usable)
    };
    Ok(chosen
        .into_iter()
        .map(|c| {
            let c = &candidates[c];
            PlannedPermission {
                permission: c.permission,
                level: c.privilege.map(|p| p.level),
                resource_specific: c.privilege.is_some_and(|p| p.resource_specific),
                covers: unique
                    .iter()
                    .zip(&usable)
                    .filter(|(_, u)| u.contains(&c.permission))
                    .map(|(a, _)| a.action_id())
                    .collect(),
            }
        })
        .collect())
}

/// The best cover by the order `plan` documents: for each highest rank in turn, the cheapest
/// cover among the candidates up to it (dynamic programming over sets of covered actions).
fn exact(candidates: &[Candidate<'_>], n: usize) -> Vec<usize> {
    let full: u64 = if n == 64 { u64::MAX } else { (1u64 << n) - 1 };
    let mut ranks: Vec<u32> = candidates.iter().map(|c| c.rank).collect();
    ranks.dedup();
    for max in ranks {
        let allowed: Vec<usize> = (0..candidates.len())
            .filter(|&i| candidates[i].rank <= max)
            .collect();
        if allowed.iter().fold(0, |m, &i| m | candidates[i].mask) != full {
            continue;
        }
        // best[mask]: (count, sum of ranks, sum of places, chosen candidates in order) reaching
        // exactly `mask`.
        type Value = (usize, u32, usize, Vec<usize>);
        let mut best: Vec<Option<Value>> = vec![None; 1 << n];
        best[0] = Some((0, 0, 0, Vec::new()));
        for mask in 0..(1usize << n) {
            let Some((count, sum, places, chosen)) = best[mask].clone() else {
                continue;
            };
            if mask as u64 == full {
                continue;
            }
            // Some permission must cover the first uncovered action; try each that does.
            let first = (!(mask as u64)).trailing_zeros();
            for &i in &allowed {
                let c = &candidates[i];
                if c.mask & (1 << first) == 0 {
                    continue;
                }
                let next = (mask as u64 | c.mask) as usize;
                let mut picked = chosen.clone();
                picked.push(i);
                picked.sort_unstable();
                let value = (count + 1, sum + c.rank, places + c.places, picked);
                if best[next].as_ref().is_none_or(|b| value < *b) {
                    best[next] = Some(value);
                }
            }
        }
        if let Some((_, _, _, chosen)) = best[full as usize].take() {
            return chosen;
        }
    }
    Vec::new()
}

/// For many actions: the lowest rank whose candidates cover every action (least privilege
/// first, as `exact`), then among those, repeatedly the one covering the most uncovered actions
/// (the least privileged first on ties), then the redundant ones dropped, most privileged first.
fn greedy(candidates: &[Candidate<'_>], usable: &[Vec<&str>]) -> Vec<usize> {
    let covers = |c: &Candidate<'_>, i: usize| usable[i].contains(&c.permission);
    let covers_all =
        |set: &[usize]| (0..usable.len()).all(|i| set.iter().any(|&c| covers(&candidates[c], i)));
    // Candidates are sorted by rank: the shortest prefix that covers everything.
    let mut allowed = candidates.len();
    for end in 1..=candidates.len() {
        let prefix: Vec<usize> = (0..end).collect();
        if (end == candidates.len() || candidates[end].rank != candidates[end - 1].rank)
            && covers_all(&prefix)
        {
            allowed = end;
            break;
        }
    }
    let mut uncovered: Vec<usize> = (0..usable.len()).collect();
    let mut chosen: Vec<usize> = Vec::new();
    while !uncovered.is_empty() {
        let Some(best) = (0..allowed).max_by_key(|&c| {
            let n = uncovered
                .iter()
                .filter(|&&i| covers(&candidates[c], i))
                .count();
            (n, std::cmp::Reverse(c))
        }) else {
            break;
        };
        uncovered.retain(|&i| !covers(&candidates[best], i));
        chosen.push(best);
    }
    chosen.sort_unstable();
    // Candidates are in rank order, so from the end is most privileged first.
    for k in (0..chosen.len()).rev() {
        let without: Vec<usize> = chosen
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != k)
            .map(|(_, c)| *c)
            .collect();
        if covers_all(&without) {
            chosen = without;
        }
    }
    chosen
}

/// The tenant id of personal Microsoft accounts, in the `tid` claim of their tokens
/// (<https://learn.microsoft.com/en-us/entra/identity-platform/id-token-claims-reference>).
pub const PERSONAL_ACCOUNT_TENANT: &str = "9188040d-6c67-4c5b-b112-36a304b66dad";

/// What an access token says it may do, read from its claims without checking its signature
/// (Graph checks that; this is only for better errors before and after sending).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenPermissions {
    /// Delegated (`scp`, for a user; personal when the tenant is personal accounts') or
    /// application (`roles`, for the app itself).
    pub kind: PermissionType,
    /// The permissions the token holds, as the claim lists them.
    pub permissions: Vec<String>,
}

#[derive(serde::Deserialize)]
struct Claims {
    #[serde(default)]
    scp: Option<String>,
    #[serde(default)]
    roles: Option<Vec<String>>,
    #[serde(default)]
    tid: Option<String>,
    #[serde(default)]
    idtyp: Option<String>,
}

impl TokenPermissions {
    /// Reads a JWT access token's permissions: `scp` (space-separated) for delegated tokens,
    /// `roles` for application tokens. `None` for an opaque or malformed token, or one without
    /// either claim; never a panic.
    pub fn from_jwt(token: &str) -> Option<TokenPermissions> {
        use base64::Engine as _;
        let mut parts = token.split('.');
        let (_, payload, _) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload.trim_end_matches('='))
            .ok()?;
        let claims: Claims = serde_json::from_slice(&bytes).ok()?;
        let personal = claims.tid.as_deref() == Some(PERSONAL_ACCOUNT_TENANT);
        match (claims.scp, claims.roles) {
            (Some(scp), _) => Some(TokenPermissions {
                kind: if personal {
                    PermissionType::DelegatedPersonal
                } else {
                    PermissionType::Delegated
                },
                permissions: scp.split_whitespace().map(str::to_owned).collect(),
            }),
            (None, Some(roles)) => Some(TokenPermissions {
                kind: PermissionType::Application,
                permissions: roles,
            }),
            // An app token granted nothing has no `roles` claim at all.
            (None, None) if claims.idtyp.as_deref() == Some("app") => Some(TokenPermissions {
                kind: PermissionType::Application,
                permissions: Vec::new(),
            }),
            (None, None) => None,
        }
    }

    /// What the token lacks to call `info`, going by its claims alone: `None` when it holds one
    /// of the tenant-wide permissions that can call the action (taking resource-specific consent
    /// into account), otherwise the least-privileged tenant-wide permission to add and, when the
    /// table lists one, the resource-specific permission that would also do if granted on the
    /// chat or team. (Resource-specific grants never show in a token, so a token this names may
    /// still be allowed; see [`check`](Self::check).) This is the hint a 403 carries.
    pub fn missing(
        &self,
        info: &'static ActionInfo,
        rsc_consent: bool,
    ) -> Option<MissingPermission> {
        let usable = info.permissions.usable(self.kind, rsc_consent);
        let held = |p: &str| self.permissions.iter().any(|h| h.eq_ignore_ascii_case(p));
        let (rsc, tenant): (Vec<&'static str>, Vec<&'static str>) = usable
            .iter()
            .partition(|p| info.permissions.is_resource_specific(p));
        if tenant.iter().any(|p| held(p)) {
            return None;
        }
        // The least privileged by level, the table's order deciding between equals (so a
        // permission without a level comes after those with one).
        let least = |among: &[&'static str]| -> Option<&'static str> {
            among
                .iter()
                .min_by_key(|p| {
                    let level = info.permissions.level(self.kind, p).map(|l| l.level);
                    (level.is_none(), level)
                })
                .copied()
        };
        let add = least(&tenant);
        Some(MissingPermission {
            action: info.id,
            kind: self.kind,
            held: self.permissions.clone(),
            add,
            resource_specific: least(&rsc),
        })
    }

    /// Whether the token may call `info` (taking resource-specific consent into account), or
    /// `Err` with what to add: the preflight's question. A resource-specific permission is
    /// granted per chat or team and never shows in the token, so where the table lists one the
    /// token may be able to call the action all the same: that is left to Graph, and a 403
    /// answer then carries [`missing`](Self::missing)'s hint.
    pub fn check(
        &self,
        info: &'static ActionInfo,
        rsc_consent: bool,
    ) -> Result<(), MissingPermission> {
        match self.missing(info, rsc_consent) {
            Some(missing) if missing.resource_specific.is_none() => Err(missing),
            _ => Ok(()),
        }
    }
}

/// A token that cannot call an action by its claims: what it holds, the least-privileged
/// tenant-wide permission to add (`None` when its permission type cannot call the action with
/// one), and the resource-specific permission that would also do when granted on the chat or
/// team the call is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingPermission {
    /// The action's id.
    pub action: &'static str,
    /// The token's permission type.
    pub kind: PermissionType,
    /// The permissions the token holds.
    pub held: Vec<String>,
    /// The least-privileged tenant-wide permission that would let it call the action.
    pub add: Option<&'static str>,
    /// The least-privileged resource-specific permission in the action's table, which the app
    /// can be granted on one chat or team instead.
    pub resource_specific: Option<&'static str>,
}

impl std::fmt::Display for MissingPermission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = self.kind.words();
        let held = if self.held.is_empty() {
            "no permissions".to_owned()
        } else {
            self.held.join(" ")
        };
        let action = self.action;
        match (self.add, self.resource_specific) {
            (Some(p), rsc) => {
                write!(
                    f,
                    "`{action}` needs a {kind} permission the token lacks (it holds: {held}); add `{p}`, the least privileged"
                )?;
                if let Some(r) = rsc {
                    write!(
                        f,
                        ", or have `{r}` granted to the app on that chat or team by resource-specific consent"
                    )?;
                }
                Ok(())
            }
            (None, Some(r)) => write!(
                f,
                "`{action}` takes a resource-specific {kind} permission the token cannot show (it holds: {held}); have `{r}` granted to the app on that chat or team by resource-specific consent"
            ),
            (None, None) => write!(
                f,
                "`{action}` cannot be called with {kind} permissions at all (the token holds: {held})"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{HttpMethod, PermissionScheme, Permissions, ResponseKind};
    use proptest::prelude::*;

    fn leak<T>(v: Vec<T>) -> &'static [T] {
        Box::leak(v.into_boxed_slice())
    }

    /// An application-only action whose table lists `least` then `higher`.
    fn action(
        id: &'static str,
        least: &'static str,
        higher: &[&'static str],
    ) -> &'static ActionInfo {
        Box::leak(Box::new(ActionInfo {
            id,
            summary: "",
            docs: "",
            method: HttpMethod::Get,
            path: "/x",
            versions: &[],
            clouds: &[],
            idempotent: true,
            headers: &[],
            success_status: 200,
            response: ResponseKind::None,
            query_options: &[],
            permissions: Permissions {
                delegated: PermissionScheme::NotSupported,
                delegated_personal: PermissionScheme::NotSupported,
                application: PermissionScheme::Supported {
                    least: leak(vec![least]),
                    higher: leak(higher.to_vec()),
                },
                notes: &[],
                cloud_limits: &[],
                levels: &[],
            },
        }))
    }

    fn level(permission: &'static str, level: u8) -> PrivilegeLevel {
        PrivilegeLevel {
            permission,
            kind: PermissionType::Application,
            level,
            resource_specific: false,
        }
    }

    fn names<'a>(plan: &[PlannedPermission<'a>]) -> Vec<&'a str> {
        plan.iter().map(|p| p.permission).collect()
    }

    const APP: PermissionType = PermissionType::Application;

    #[test]
    fn one_higher_permission_of_the_same_level_beats_two_least_ones() {
        let a = action("a", "A.Read", &["Both.ReadWrite"]);
        let b = action("b", "B.Read", &["Both.ReadWrite"]);
        let levels = [
            level("A.Read", 2),
            level("B.Read", 2),
            level("Both.ReadWrite", 2),
        ];
        let plan = plan(&[a, b], APP, false, &[&levels]).expect("plan");
        assert_eq!(names(&plan), ["Both.ReadWrite"]);
        assert_eq!(plan[0].covers, ["a", "b"]);
    }

    #[test]
    fn a_more_privileged_permission_does_not_replace_two_less_privileged_ones() {
        let a = action("a", "A.Read", &["Both.ReadWrite"]);
        let b = action("b", "B.Read", &["Both.ReadWrite"]);
        let levels = [
            level("A.Read", 2),
            level("B.Read", 2),
            level("Both.ReadWrite", 4),
        ];
        let plan = plan(&[a, b], APP, false, &[&levels]).expect("plan");
        assert_eq!(names(&plan), ["A.Read", "B.Read"]);
    }

    #[test]
    fn resource_specific_and_unknown_permissions_rank_after_tenant_wide_ones() {
        let a = action("a", "Rsc.Chat", &["Tenant.All"]);
        let rsc = PrivilegeLevel {
            resource_specific: true,
            ..level("Rsc.Chat", 1)
        };
        assert_eq!(
            names(&plan(&[a], APP, false, &[&[rsc, level("Tenant.All", 3)]]).expect("plan")),
            ["Tenant.All"]
        );
        let b = action("b", "Unknown.Level", &["Known.Level"]);
        assert_eq!(
            names(&plan(&[b], APP, false, &[&[level("Known.Level", 5)]]).expect("plan")),
            ["Known.Level"]
        );
    }

    #[test]
    fn many_actions_still_get_least_privilege_first() {
        // Each of 25 actions has its own level-1 permission; one level-4 permission covers all.
        let levels: Vec<PrivilegeLevel> = (0..25)
            .map(|i| level(Box::leak(format!("Own{i}.Read").into_boxed_str()), 1))
            .chain([level("Directory.ReadWrite.All", 4)])
            .collect();
        let actions: Vec<&'static ActionInfo> = (0..25)
            .map(|i| {
                let id: &'static str = Box::leak(format!("a{i}").into_boxed_str());
                action(id, levels[i].permission, &["Directory.ReadWrite.All"])
            })
            .collect();
        let plan = plan(&actions, APP, false, &[&levels]).expect("plan");
        assert_eq!(plan.len(), 25, "{:?}", names(&plan));
        assert!(!names(&plan).contains(&"Directory.ReadWrite.All"));
    }

    #[test]
    fn actions_the_type_cannot_call_are_named() {
        let a = action("a", "A.Read", &[]);
        let err = plan(&[a], PermissionType::Delegated, false, &[]).expect_err("no delegated row");
        assert_eq!(
            err,
            PlanError::NotSupported {
                kind: PermissionType::Delegated,
                actions: vec!["a"]
            }
        );
    }

    const POOL: [&str; 6] = ["P0", "P1", "P2", "P3", "P4", "P5"];

    fn covers(plan: &[&str], usable: &[Vec<&str>]) -> bool {
        usable.iter().all(|u| plan.iter().any(|p| u.contains(p)))
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]

        /// On random tables: every action is covered, no permission can be dropped, none can be
        /// swapped for a less privileged one that still covers, and the answer does not depend
        /// on the order the actions are given in.
        #[test]
        fn plans_cover_are_irredundant_least_privileged_and_deterministic(
            tables in proptest::collection::vec(proptest::collection::vec(0usize..6, 1..4), 1..6),
            levels in proptest::collection::vec(1u8..=5, 6),
        ) {
            let actions: Vec<&'static ActionInfo> = tables
                .iter()
                .enumerate()
                .map(|(i, t)| {
                    let mut t = t.clone();
                    t.dedup();
                    let id: &'static str = Box::leak(format!("a{i}").into_boxed_str());
                    let higher: Vec<&'static str> = t[1..].iter().map(|&p| POOL[p]).filter(|p| *p != POOL[t[0]]).collect();
                    action(id, POOL[t[0]], &higher)
                })
                .collect();
            let lv: Vec<PrivilegeLevel> = POOL.iter().zip(&levels).map(|(p, l)| level(p, *l)).collect();
            let got = plan(&actions, APP, false, &[&lv]).expect("every action has a row");
            let chosen = names(&got);
            let usable: Vec<Vec<&str>> = actions.iter().map(|a| a.permissions.usable(APP, false)).collect();
            prop_assert!(covers(&chosen, &usable));
            for p in &chosen {
                let without: Vec<&str> = chosen.iter().copied().filter(|q| q != p).collect();
                prop_assert!(!covers(&without, &usable), "{p} could be dropped from {chosen:?}");
                let lvl = |n: &str| lv.iter().find(|l| l.permission == n).map(|l| l.level);
                for q in POOL.iter().filter(|q| !chosen.contains(q)) {
                    let mut swapped = without.clone();
                    swapped.push(q);
                    prop_assert!(
                        !(covers(&swapped, &usable) && lvl(q) < lvl(p)),
                        "{p} could be swapped for the less privileged {q} in {chosen:?}"
                    );
                }
            }
            let mut reversed = actions.clone();
            reversed.reverse();
            let again = plan(&reversed, APP, false, &[&lv]).expect("plan");
            let mut a = names(&again);
            let mut b = chosen.clone();
            a.sort_unstable();
            b.sort_unstable();
            prop_assert_eq!(a, b);
        }
    }

    fn jwt(claims: &str) -> String {
        use base64::Engine as _;
        let e = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        format!(
            "{}.{}.sig",
            e.encode(r#"{"alg":"RS256","typ":"JWT"}"#),
            e.encode(claims)
        )
    }

    #[test]
    fn tokens_say_their_kind_and_permissions_or_nothing() {
        let d = TokenPermissions::from_jwt(&jwt(r#"{"scp":"Chat.Read  TeamsAppInstallation.ReadForChat","tid":"72f988bf-86f1-41af-91ab-2d7cd011db47"}"#)).expect("delegated");
        assert_eq!(d.kind, PermissionType::Delegated);
        assert_eq!(
            d.permissions,
            ["Chat.Read", "TeamsAppInstallation.ReadForChat"]
        );
        let a = TokenPermissions::from_jwt(&jwt(r#"{"roles":["AppCatalog.Read.All"]}"#))
            .expect("application");
        assert_eq!(a.kind, PermissionType::Application);
        let p = TokenPermissions::from_jwt(&jwt(&format!(
            r#"{{"scp":"User.Read","tid":"{PERSONAL_ACCOUNT_TENANT}"}}"#
        )))
        .expect("personal");
        assert_eq!(p.kind, PermissionType::DelegatedPersonal);
        let app = TokenPermissions::from_jwt(&jwt(r#"{"idtyp":"app","appid":"x"}"#))
            .expect("an app token granted nothing");
        assert_eq!(app.kind, PermissionType::Application);
        assert!(app.permissions.is_empty());
        for opaque in [
            "",
            "opaque-token",
            "a.b.c",
            "a.b",
            "a.b.c.d",
            &jwt("[1,2]"),
            &jwt(r#"{"aud":"x"}"#),
            "é.é.é",
        ] {
            assert_eq!(TokenPermissions::from_jwt(opaque), None, "{opaque}");
        }
    }

    /// An application-only action whose table lists `least` then `higher`, with its own levels.
    fn action_with_levels(
        least: &'static str,
        higher: &[&'static str],
        levels: &[PrivilegeLevel],
    ) -> &'static ActionInfo {
        let levels: &'static [PrivilegeLevel] = leak(levels.to_vec());
        let a = action("act", least, higher);
        Box::leak(Box::new(ActionInfo {
            permissions: Permissions {
                levels: leak(vec![levels]),
                ..a.permissions.clone()
            },
            ..a.clone()
        }))
    }

    fn rsc(permission: &'static str, level: u8) -> PrivilegeLevel {
        PrivilegeLevel {
            resource_specific: true,
            ..self::level(permission, level)
        }
    }

    #[test]
    fn an_action_plans_from_its_own_levels_without_a_table_passed_in() {
        // Listed as least privileged, but more privileged than the higher one by its level.
        let a = action_with_levels(
            "Wide.ReadWrite.All",
            &["Narrow.Read.All"],
            &[level("Wide.ReadWrite.All", 4), level("Narrow.Read.All", 2)],
        );
        let plan = plan(&[a], APP, false, &[]).expect("plan");
        assert_eq!(names(&plan), ["Narrow.Read.All"]);
        assert_eq!(plan[0].level, Some(2));
        // A table passed in takes precedence over the action's own.
        let plan = super::plan(&[a], APP, false, &[&[level("Narrow.Read.All", 5)]]).expect("plan");
        assert_eq!(names(&plan), ["Wide.ReadWrite.All"]);
    }

    fn app_token(roles: &[&str]) -> TokenPermissions {
        TokenPermissions {
            kind: APP,
            permissions: roles.iter().map(|r| r.to_string()).collect(),
        }
    }

    #[test]
    fn a_token_without_a_tenant_wide_permission_is_told_both_ways_to_get_one() {
        let a = action_with_levels(
            "Install.ReadWriteSelfForChat.All",
            &["Install.ReadWriteForChat.All", "Chat.Manage.Chat"],
            &[
                level("Install.ReadWriteSelfForChat.All", 3),
                level("Install.ReadWriteForChat.All", 4),
                rsc("Chat.Manage.Chat", 3),
            ],
        );
        let none = app_token(&[]);
        let missing = none.missing(a, false).expect("no tenant-wide permission");
        assert_eq!(missing.add, Some("Install.ReadWriteSelfForChat.All"));
        assert_eq!(missing.resource_specific, Some("Chat.Manage.Chat"));
        let text = missing.to_string();
        assert!(
            text.contains("add `Install.ReadWriteSelfForChat.All`, the least privileged"),
            "{text}"
        );
        assert!(
            text.contains("`Chat.Manage.Chat` granted to the app on that chat or team"),
            "{text}"
        );
        // The preflight lets it through: the grant on the chat would not show in the token.
        assert_eq!(none.check(a, false), Ok(()));
        // Holding a higher one is enough; holding an unrelated one is not.
        assert_eq!(
            app_token(&["install.readwriteforchat.all"]).missing(a, false),
            None
        );
        assert!(app_token(&["User.Read.All"]).missing(a, false).is_some());
    }

    #[test]
    fn without_a_resource_specific_row_the_preflight_refuses() {
        let a = action_with_levels(
            "A.Read.All",
            &["A.ReadWrite.All"],
            &[level("A.Read.All", 2)],
        );
        let err = app_token(&["B.Read.All"])
            .check(a, false)
            .expect_err("refused");
        assert_eq!((err.add, err.resource_specific), (Some("A.Read.All"), None));
        let only_rsc = action_with_levels("Chat.Manage.Chat", &[], &[rsc("Chat.Manage.Chat", 3)]);
        let missing = app_token(&[])
            .missing(only_rsc, false)
            .expect("nothing tenant-wide");
        assert_eq!(
            (missing.add, missing.resource_specific),
            (None, Some("Chat.Manage.Chat"))
        );
        assert!(
            missing.to_string().contains("resource-specific"),
            "{missing}"
        );
        assert_eq!(app_token(&[]).check(only_rsc, false), Ok(()));
    }
}
