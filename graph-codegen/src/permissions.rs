//! Microsoft's `permissions.json`: permission tables rendered by the docs pages' rule, and the
//! differences between them and the spec's entries.
//!
//! The rule (Microsoft's generator, as `shared/msgraph/README.md` describes it): for each
//! permission type, every permission whose path sets name the method, the path and the scheme
//! is in the row. The least privileged one is marked `least=<scheme>` on that path; where several
//! are marked, the lowest `privilegeLevel` wins, then the name. The other marked ones come first
//! among the higher privileged (by level, then name), then the rest by name. A row with no
//! marked permission is not supported.

use crate::model::{HttpMethod, Level, PermissionType, Scheme, Spec};
use crate::source::{SourceMap, Span};
use serde::Deserialize;
use std::collections::HashMap;

#[derive(Deserialize)]
struct File {
    permissions: HashMap<String, Permission>,
}

#[derive(Deserialize)]
struct Permission {
    #[serde(default, rename = "authorizationType")]
    authorization_type: Option<String>,
    #[serde(default)]
    schemes: HashMap<String, SchemeInfo>,
    #[serde(default, rename = "pathSets")]
    path_sets: Vec<PathSet>,
}

#[derive(Deserialize)]
struct SchemeInfo {
    #[serde(default, rename = "privilegeLevel")]
    privilege_level: Option<u8>,
}

#[derive(Deserialize)]
struct PathSet {
    #[serde(default, rename = "schemeKeys")]
    scheme_keys: Vec<String>,
    #[serde(default)]
    methods: Vec<String>,
    #[serde(default)]
    paths: HashMap<String, String>,
}

/// One permission's entry for a method and path.
#[derive(Debug, Clone)]
struct Grant {
    permission: String,
    kind: PermissionType,
    least: bool,
}

/// `permissions.json`, indexed by method and path.
#[derive(Debug, Default)]
pub struct Source {
    grants: HashMap<(String, String), Vec<Grant>>,
    levels: HashMap<(String, PermissionType), u8>,
    resource_specific: std::collections::HashSet<String>,
}

/// A path as `permissions.json` writes it: lower case, every parameter `{id}`, no
/// `microsoft.graph.` prefix on a segment.
pub fn normalize(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for (i, seg) in path.trim().split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        let seg = seg.to_ascii_lowercase();
        if seg.starts_with('{') && seg.ends_with('}') {
            out.push_str("{id}");
        } else {
            out.push_str(seg.strip_prefix("microsoft.graph.").unwrap_or(&seg));
        }
    }
    out
}

fn kind_of(scheme: &str) -> Option<PermissionType> {
    PermissionType::ALL
        .into_iter()
        .find(|k| k.json_scheme() == scheme)
}

impl Source {
    /// Reads the file's text; the error says what is wrong with it.
    pub fn parse(text: &str) -> Result<Source, String> {
        let file: File =
            serde_json::from_str(text).map_err(|e| format!("not a permissions.json file: {e}"))?;
        let mut source = Source::default();
        for (name, p) in file.permissions {
            if p.authorization_type.as_deref() == Some("RSC") {
                source.resource_specific.insert(name.clone());
            }
            for (scheme, info) in &p.schemes {
                if let (Some(kind), Some(level)) = (kind_of(scheme), info.privilege_level) {
                    source.levels.insert((name.clone(), kind), level);
                }
            }
            for set in &p.path_sets {
                let kinds: Vec<PermissionType> =
                    set.scheme_keys.iter().filter_map(|s| kind_of(s)).collect();
                for (path, value) in &set.paths {
                    let least: Vec<&str> = value
                        .split(';')
                        .filter_map(|part| part.trim().strip_prefix("least="))
                        .flat_map(|v| v.split(','))
                        .map(str::trim)
                        .collect();
                    let path = normalize(path);
                    for method in &set.methods {
                        let grants = source
                            .grants
                            .entry((method.to_ascii_uppercase(), path.clone()))
                            .or_default();
                        for &kind in &kinds {
                            grants.push(Grant {
                                permission: name.clone(),
                                kind,
                                least: least.contains(&kind.json_scheme()),
                            });
                        }
                    }
                }
            }
        }
        Ok(source)
    }

    /// A permission's privilege level for one kind, if the file gives one.
    pub fn level(&self, permission: &str, kind: PermissionType) -> Option<u8> {
        self.levels.get(&(permission.to_owned(), kind)).copied()
    }

    /// Whether the file marks the permission as granted by resource-specific consent
    /// (`"authorizationType": "RSC"`).
    pub fn is_resource_specific(&self, permission: &str) -> bool {
        self.resource_specific.contains(permission)
    }

    /// The table the docs render for a method and path, one row per kind in the order of
    /// [`PermissionType::ALL`]; `None` when the file names no permission for them at all.
    pub fn table(&self, method: HttpMethod, path: &str) -> Option<[Scheme; 3]> {
        let grants = self
            .grants
            .get(&(method.as_str().to_owned(), normalize(path)))?;
        Some(PermissionType::ALL.map(|kind| self.row(grants, kind)))
    }

    fn row(&self, grants: &[Grant], kind: PermissionType) -> Scheme {
        // A permission marked least in any of its path sets counts as marked.
        let mut marked: HashMap<&str, bool> = HashMap::new();
        for g in grants.iter().filter(|g| g.kind == kind) {
            *marked.entry(g.permission.as_str()).or_default() |= g.least;
        }
        let rank = |name: &&str| (self.level(name, kind).unwrap_or(u8::MAX), name.to_string());
        let mut least: Vec<&str> = marked
            .iter()
            .filter(|(_, l)| **l)
            .map(|(n, _)| *n)
            .collect();
        least.sort_by_key(rank);
        let mut rest: Vec<&str> = marked
            .iter()
            .filter(|(_, l)| !**l)
            .map(|(n, _)| *n)
            .collect();
        rest.sort_unstable();
        if least.is_empty() {
            return Scheme::NotSupported;
        }
        let first = least.remove(0);
        Scheme::Supported {
            least: vec![first.to_owned()],
            higher: least.into_iter().chain(rest).map(str::to_owned).collect(),
        }
    }
}

/// One way a spec entry differs from `permissions.json`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drift {
    /// The action's id, or the permission whose level differs.
    pub subject: String,
    /// Where the spec says it.
    pub span: Span,
    /// Which row and part: `delegated least`, `application higher order`, ...
    pub what: String,
    /// What the spec says.
    pub spec: String,
    /// What `permissions.json` says.
    pub source: String,
}

impl Drift {
    /// `spec/x.toml:12:1: action: row: spec says ..., permissions.json says ...`
    pub fn render(&self, sources: &SourceMap) -> String {
        let file = sources.get(self.span.file);
        let (line, col) = file.line_col(self.span.range.start);
        format!(
            "{}:{line}:{col}: {}: {}: spec says {}, permissions.json says {}",
            file.name, self.subject, self.what, self.spec, self.source
        )
    }
}

fn list(names: &[String]) -> String {
    if names.is_empty() {
        "nothing".to_owned()
    } else {
        format!("[{}]", names.join(", "))
    }
}

fn describe(s: &Scheme) -> String {
    match s {
        Scheme::NotSupported => "not supported".to_owned(),
        Scheme::Supported { least, .. } => format!("supported (least {})", list(least)),
    }
}

/// Every difference between the spec's permission tables (and privilege levels) and the tables
/// `permissions.json` renders, row by row, in spec order.
pub fn drift(spec: &Spec, source: &Source) -> Vec<Drift> {
    let mut out = Vec::new();
    for a in &spec.actions {
        let mut push = |span: &Span, what: String, spec: String, source: String| {
            out.push(Drift {
                subject: a.id.clone(),
                span: span.clone(),
                what,
                spec,
                source,
            });
        };
        let Some(table) = source.table(a.method, &a.path.to_string()) else {
            push(
                &a.path_span,
                format!("{} {}", a.method.as_str(), a.path),
                "a permissions table".into(),
                "nothing: it has no permission for this method and path".into(),
            );
            continue;
        };
        for (i, kind) in PermissionType::ALL.into_iter().enumerate() {
            let span = &a.permissions.spans[i];
            let key = kind.spec_key();
            let (mine, theirs) = (a.permissions.row(kind), &table[i]);
            let (
                Scheme::Supported {
                    least: l1,
                    higher: h1,
                },
                Scheme::Supported {
                    least: l2,
                    higher: h2,
                },
            ) = (mine, theirs)
            else {
                if mine != theirs {
                    push(span, key.to_owned(), describe(mine), describe(theirs));
                }
                continue;
            };
            if l1 != l2 {
                push(span, format!("{key} least"), list(l1), list(l2));
            }
            let missing: Vec<String> = h2.iter().filter(|p| !h1.contains(p)).cloned().collect();
            let extra: Vec<String> = h1.iter().filter(|p| !h2.contains(p)).cloned().collect();
            if !missing.is_empty() {
                push(
                    span,
                    format!("{key} higher, missing"),
                    "nothing".into(),
                    list(&missing),
                );
            }
            if !extra.is_empty() {
                push(
                    span,
                    format!("{key} higher, extra"),
                    list(&extra),
                    "nothing".into(),
                );
            }
            if missing.is_empty() && extra.is_empty() && h1 != h2 {
                push(span, format!("{key} higher order"), list(h1), list(h2));
            }
        }
    }
    for l in &spec.levels {
        let rsc = source.resource_specific.contains(&l.permission);
        if rsc != l.resource_specific {
            let says = |r: bool| {
                if r {
                    "resource-specific"
                } else {
                    "tenant-wide"
                }
                .to_owned()
            };
            out.push(Drift {
                subject: l.permission.clone(),
                span: l.span.clone(),
                what: "authorization type".into(),
                spec: says(l.resource_specific),
                source: says(rsc),
            });
        }
        let theirs = source.level(&l.permission, l.kind);
        if theirs != Some(l.level) {
            out.push(Drift {
                subject: l.permission.clone(),
                span: l.span.clone(),
                what: format!("{} privilege level", l.kind.spec_key()),
                spec: l.level.to_string(),
                source: theirs.map_or("no level".to_owned(), |t| t.to_string()),
            });
        }
    }
    out
}

/// Where the spec's `[privilege_levels]` and its tables part ways: a permission a table names
/// (delegated or application) that `permissions.json` ranks but no level of the spec or of
/// `inherited` (graph-api's, for a downstream spec) states is missing; a level for a permission
/// no table of the spec names is stale. Both are drifts: the planner ranks an unlevelled
/// permission last, and a stale level is one nobody checks against a table.
pub fn level_coverage(spec: &Spec, source: &Source, inherited: &[Level]) -> Vec<Drift> {
    let mut out = Vec::new();
    let mut named: Vec<(PermissionType, &str)> = Vec::new();
    for a in &spec.actions {
        for (i, kind) in PermissionType::ALL.into_iter().enumerate() {
            if kind == PermissionType::DelegatedPersonal {
                continue;
            }
            let Scheme::Supported { least, higher } = a.permissions.row(kind) else {
                continue;
            };
            for p in least.iter().chain(higher) {
                if named.contains(&(kind, p.as_str())) {
                    continue;
                }
                named.push((kind, p.as_str()));
                let stated = spec
                    .levels
                    .iter()
                    .chain(inherited)
                    .any(|l| l.kind == kind && &l.permission == p);
                if let (false, Some(level)) = (stated, source.level(p, kind)) {
                    out.push(Drift {
                        subject: p.clone(),
                        span: a.permissions.spans[i].clone(),
                        what: format!("{} privilege level, missing", kind.spec_key()),
                        spec: "nothing".into(),
                        source: level.to_string(),
                    });
                }
            }
        }
    }
    for l in &spec.levels {
        if !named.contains(&(l.kind, l.permission.as_str())) {
            out.push(Drift {
                subject: l.permission.clone(),
                span: l.span.clone(),
                what: format!("{} privilege level, stale", l.kind.spec_key()),
                spec: format!("{} for a permission no table names", l.level),
                source: source
                    .level(&l.permission, l.kind)
                    .map_or("no level".to_owned(), |t| t.to_string()),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_normalize_as_the_file_writes_them() {
        assert_eq!(
            normalize("/chats/{chat-id}/installedApps/{app-installation-id}/upgrade"),
            "/chats/{id}/installedapps/{id}/upgrade"
        );
        assert_eq!(
            normalize("/users/{user-id}/microsoft.graph.assignLicense"),
            "/users/{id}/assignlicense"
        );
    }
}
