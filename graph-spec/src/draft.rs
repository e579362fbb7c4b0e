//! `graph-spec draft`: spec entries drafted from the CSDL, with placeholders for what it cannot know.

use crate::csdl::{Kind, Model, Node, Seg, segments};
use graph_codegen::model::{HttpMethod, PermissionType, Scheme};
use graph_codegen::naming;
use graph_codegen::permissions::Source;
use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;

/// The marker of a value the author fills in from the docs page; `graph-spec check` reports it.
pub const MARK: &str = graph_codegen::check::PLACEHOLDER;

/// The clouds each cloud CSDL stands for, by file stem.
pub const CLOUD_FILES: &[(&str, &[&str])] = &[
    ("v1.0-Prod", &["global"]),
    ("v1.0-Fairfax", &["us_gov_l4", "us_gov_l5_dod"]),
    ("v1.0-Mooncake", &["china_21vianet"]),
];

/// A cloud's metadata and the spec's names for the clouds it stands for.
pub struct CloudModel {
    /// The spec's cloud names.
    pub names: &'static [&'static str],
    /// Its metadata.
    pub model: Model,
}

/// Reads the three cloud CSDLs from a folder.
pub fn read_clouds(dir: &std::path::Path) -> Result<Vec<CloudModel>, String> {
    let mut out = Vec::new();
    for (stem, names) in CLOUD_FILES {
        let path = dir.join(format!("{stem}.csdl"));
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
        let model = Model::parse(&text).map_err(|e| format!("`{}`: {e}", path.display()))?;
        out.push(CloudModel { names, model });
    }
    Ok(out)
}

/// The spec's spelling of a CSDL type, or why the spec cannot express it.
///
/// Besides the exact primitives (`Edm.String` -> `string`, ...), types that JSON carries the same
/// way map to the spec type that reads them: `Edm.Int16`/`Byte`/`SByte` -> `int32`, `Edm.Single`
/// -> `double`, and `Edm.Date`/`TimeOfDay`/`Duration`/`Binary` (strings in JSON) -> `string`.
pub fn spec_type(model: &Model, ty: &str, collection: bool) -> Result<String, String> {
    let inner = match ty {
        "Edm.String" | "Edm.Date" | "Edm.TimeOfDay" | "Edm.Duration" | "Edm.Binary" => {
            "string".to_owned()
        }
        "Edm.Boolean" => "bool".to_owned(),
        "Edm.Int32" | "Edm.Int16" | "Edm.Byte" | "Edm.SByte" => "int32".to_owned(),
        "Edm.Int64" => "int64".to_owned(),
        "Edm.Double" | "Edm.Single" => "double".to_owned(),
        "Edm.DateTimeOffset" => "datetime".to_owned(),
        "Edm.Guid" => "guid".to_owned(),
        t if t.starts_with("Edm.") => {
            return Err(format!(
                "`{t}` has no spec type (the spec has string, bool, int32, int64, double, datetime, guid)"
            ));
        }
        t => match model.enums.get(t) {
            Some(_) => type_name(t),
            None if model.types.contains_key(t) => type_name(t),
            None => return Err(format!("`{t}` is not declared in the metadata")),
        },
    };
    Ok(if collection {
        format!("[{inner}]")
    } else {
        inner
    })
}

/// The spec name of a CSDL type: `microsoft.graph.teamsApp` -> `TeamsApp`; a type of a
/// sub-namespace gets its last part first (`microsoft.graph.security.alert` -> `SecurityAlert`).
pub fn type_name(qualified: &str) -> String {
    let rest = qualified
        .strip_prefix("microsoft.graph.")
        .unwrap_or(qualified);
    rest.split('.').map(naming::pascal).collect()
}

/// One drafted action.
struct ActionDraft {
    id: String,
    path: Vec<Seg>,
    text: String,
}

/// What a draft run produced.
#[derive(Default)]
pub struct Drafted {
    actions: Vec<ActionDraft>,
    /// Qualified names of the types and enums the actions need, in the order first needed.
    needed: Vec<String>,
    /// What did not draft: (what, why).
    pub skipped: Vec<(String, String)>,
    /// Number of model types drafted.
    pub types: usize,
    /// Number of enums drafted.
    pub enums: usize,
    /// Spec names of the types and enums the base spec declares, used by name, not drafted.
    pub reused: Vec<String>,
    /// The permissions the drafted tables name (delegated and application), in order, for the
    /// `[privilege_levels]` drafted with them.
    named: Vec<(PermissionType, String)>,
}

impl Drafted {
    /// Number of actions drafted.
    pub fn actions(&self) -> usize {
        self.actions.len()
    }
}

/// The inputs of a draft.
pub struct Drafter<'a> {
    /// The v1.0 metadata.
    pub model: &'a Model,
    /// Microsoft's permissions file, for the tables.
    pub permissions: Option<&'a Source>,
    /// The clouds' metadata.
    pub clouds: Option<&'a [CloudModel]>,
    /// Privilege levels the drafted spec inherits (graph-api's, for a downstream crate), which
    /// its own `[privilege_levels]` need not repeat.
    pub inherited: &'a [graph_codegen::model::Level],
    /// The spec whose types and enums the drafted spec uses by name (graph-api's, for a
    /// downstream crate): a type it declares for the same metadata type is not drafted.
    pub base: Option<&'a graph_codegen::model::Spec>,
}

fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn key(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        s.to_owned()
    } else {
        quote(s)
    }
}

fn list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| quote(s)).collect();
    format!("[{}]", quoted.join(", "))
}

/// The clouds where `method path` resolves in the cloud metadata, in the spec's order.
pub fn clouds_of(clouds: &[CloudModel], method: &str, segs: &[Seg]) -> Vec<&'static str> {
    let mut out = Vec::new();
    for c in clouds {
        if let Ok(node) = c.model.resolve(segs)
            && c.model.methods(&node).contains(&method)
        {
            out.extend(c.names.iter().copied());
        }
    }
    out
}

impl Drafter<'_> {
    /// Drafts one action; the error says why it cannot be drafted.
    pub fn action(&self, out: &mut Drafted, method: &str, path: &str) -> Result<(), String> {
        let model = self.model;
        let method_u = method.to_ascii_uppercase();
        let Some(m) = HttpMethod::parse(&method_u) else {
            return Err(format!("`{method}` is not GET, POST, PUT, PATCH or DELETE"));
        };
        if let Err(e) = graph_codegen::template::PathTemplate::parse(path) {
            let why: Vec<String> = e.into_iter().map(|e| e.message).collect();
            return Err(why.join("; "));
        }
        let segs = segments(path);
        let node = model
            .resolve(&segs)
            .map_err(|(i, why)| format!("segment {} does not resolve: {why}", i + 1))?;
        let allowed = model.methods(&node);
        if !allowed.contains(&method_u.as_str()) {
            return Err(format!(
                "{method_u} is not allowed there (the metadata allows {})",
                allowed.join(", ")
            ));
        }
        let mut needed: Vec<String> = Vec::new();
        let mut body: Vec<(String, String, bool)> = Vec::new();
        let mut function: Vec<(String, String, bool)> = Vec::new();
        let (status, response, call): (u16, Option<String>, Option<&str>);
        let entity = |t: &str| spec_type(model, t, false);
        match &node.kind {
            Kind::Operation { .. } => {
                let op = model
                    .op_of(&node)
                    .ok_or_else(|| "the operation vanished".to_owned())?;
                for p in &op.params {
                    let ty = spec_type(model, &p.ty, p.collection)
                        .map_err(|e| format!("parameter `{}`: {e}", p.name))?;
                    needed.push(p.ty.clone());
                    if op.action {
                        let optional = p.nullable || op.optional.contains(&p.name);
                        body.push((p.name.clone(), ty, optional));
                    } else {
                        // A function's parameters go in the path; one may be left out only
                        // where the metadata marks it optional.
                        function.push((p.name.clone(), ty, op.optional.contains(&p.name)));
                    }
                }
                call = None;
                match &op.returns {
                    None => {
                        status = 204;
                        response = None;
                    }
                    Some((t, coll)) => {
                        let _ = coll;
                        status = 200;
                        response = Some(
                            spec_type(model, t, *coll).map_err(|e| format!("the response: {e}"))?,
                        );
                        needed.push(t.clone());
                    }
                }
            }
            _ => {
                let ty = entity(&node.ty).map_err(|e| format!("the entity: {e}"))?;
                match m {
                    HttpMethod::Get if node.collection => {
                        (status, response, call) = (200, Some(format!("[{ty}]")), Some("list"));
                    }
                    HttpMethod::Get => (status, response, call) = (200, Some(ty), Some("get")),
                    HttpMethod::Delete => (status, response, call) = (204, None, Some("delete")),
                    HttpMethod::Post | HttpMethod::Patch => {
                        // What the service sets (its key, and what the metadata marks
                        // computed) is never sent. A create requires a structured property the
                        // metadata says is never null (a message's `body`); a primitive or enum
                        // one the service defaults stays optional, and an update sends only what
                        // changes.
                        let keys = model.all_keys(&node.ty);
                        for p in model.all_props(&node.ty) {
                            if p.computed || keys.contains(&p.name.as_str()) {
                                continue;
                            }
                            let structured = model.types.contains_key(&p.ty);
                            let optional = m == HttpMethod::Patch || p.nullable || !structured;
                            match spec_type(model, &p.ty, p.collection) {
                                Ok(t) => {
                                    body.push((p.name.clone(), t, optional));
                                    needed.push(p.ty.clone());
                                }
                                Err(e) => out.skipped.push((
                                    format!("body field `{}` of {method_u} {path}", p.name),
                                    e,
                                )),
                            }
                        }
                        if m == HttpMethod::Post {
                            (status, response, call) = (201, Some(ty), Some("add"));
                        } else {
                            (status, response, call) = (204, None, Some("update"));
                        }
                    }
                    HttpMethod::Put => return Err("PUT is not drafted".into()),
                }
                needed.push(node.ty.clone());
            }
        }
        let reserved: Vec<&str> = graph_codegen::check::builder_methods().collect();
        if let Some((name, ty, _)) = function
            .iter()
            .find(|(_, t, _)| t.starts_with('[') || model.types.keys().any(|k| type_name(k) == **t))
        {
            return Err(format!(
                "function parameter `{name}` is `{ty}`, and the path holds single values (a primitive or an enum)"
            ));
        }
        if let Some((name, _, _)) = body
            .iter()
            .chain(&function)
            .find(|(n, _, _)| reserved.contains(&naming::snake(n).as_str()))
        {
            return Err(format!(
                "body field `{name}` is named like a request builder method, which the spec forbids"
            ));
        }
        let id = self.unique_id(out, action_id(&node, m, &segs));
        let mut t = String::new();
        let _ = writeln!(t, "[actions.{id}]");
        let _ = writeln!(
            t,
            "summary = {}",
            quote(&format!("{MARK} the page's one-line summary"))
        );
        let _ = writeln!(
            t,
            "# {MARK} notes = [\"...\"], the page's notes, one string each; or delete this line"
        );
        let _ = writeln!(
            t,
            "docs = {}",
            quote(&format!(
                "{MARK} the page's address, https://learn.microsoft.com/..."
            ))
        );
        let _ = writeln!(t, "method = \"{method_u}\"");
        let _ = writeln!(t, "path = {}", quote(path));
        if let Some(c) = call {
            let _ = writeln!(t, "call = \"{c}\"");
        }
        let _ = writeln!(
            t,
            "# The v1.0 metadata has it; add \"beta\" if the page has a beta view."
        );
        let _ = writeln!(t, "versions = [\"v1.0\"]");
        match self.clouds {
            Some(clouds) => {
                let cs: Vec<String> = clouds_of(clouds, &method_u, &segs)
                    .into_iter()
                    .map(str::to_owned)
                    .collect();
                let _ = writeln!(t, "# The clouds whose metadata has it.");
                let _ = writeln!(t, "clouds = {}", list(&cs));
            }
            None => {
                let _ = writeln!(
                    t,
                    "# {MARK} clouds: the v1.0 metadata has it, so it is global; the page (or `--clouds`) says which others"
                );
                let _ = writeln!(t, "clouds = [\"global\"]");
            }
        }
        match m {
            HttpMethod::Get | HttpMethod::Delete => {
                let _ = writeln!(
                    t,
                    "# {} is idempotent by HTTP's definition of the method.",
                    method_u
                );
                let _ = writeln!(t, "idempotent = true");
            }
            _ => {
                let _ = writeln!(
                    t,
                    "# {MARK} idempotent = true if sending it twice equals sending it once; or delete this line"
                );
            }
        }
        if !body.is_empty() {
            let _ = writeln!(
                t,
                "headers = [{{ name = \"Content-Type\", value = \"application/json\" }}]"
            );
        }
        if m == HttpMethod::Get {
            let _ = writeln!(
                t,
                "# {MARK} query = [\"$select\", ...], the page's optional query parameters; or delete this line"
            );
        }
        match &response {
            Some(r) => {
                let _ = writeln!(t, "response = {{ status = {status}, type = {} }}", quote(r));
            }
            None => {
                let _ = writeln!(t, "response = {{ status = {status} }}");
            }
        }
        let params: Vec<&str> = segs
            .iter()
            .filter_map(|s| match s {
                Seg::Param(p) => Some(p.as_str()),
                Seg::Lit(_) => None,
            })
            .collect();
        if !params.is_empty() {
            let _ = writeln!(t, "\n[actions.{id}.params]");
            for p in params {
                let _ = writeln!(
                    t,
                    "{} = {{ doc = {} }}",
                    key(p),
                    quote(&format!("{MARK} what the key identifies"))
                );
            }
        }
        let _ = writeln!(t, "\n[actions.{id}.permissions]");
        match self.permissions.and_then(|s| s.table(m, path)) {
            Some(rows) => {
                for (kind, row) in PermissionType::ALL.iter().zip(rows.iter()) {
                    match row {
                        Scheme::NotSupported => {
                            let _ = writeln!(t, "{} = \"not_supported\"", kind.spec_key());
                        }
                        Scheme::Supported { least, higher } => {
                            if *kind != PermissionType::DelegatedPersonal {
                                for p in least.iter().chain(higher) {
                                    let named = (*kind, p.clone());
                                    if !out.named.contains(&named) {
                                        out.named.push(named);
                                    }
                                }
                            }
                            let _ = writeln!(
                                t,
                                "{} = {{ least = {}, higher = {} }}",
                                kind.spec_key(),
                                list(least),
                                list(higher)
                            );
                        }
                    }
                }
                let _ = writeln!(
                    t,
                    "# {MARK} the notes under the page's table as [[actions.{id}.permissions.notes]]; or delete this line"
                );
            }
            None => {
                let why = if self.permissions.is_some() {
                    "permissions.json names no permission for this method and path"
                } else {
                    "no --permissions file was given"
                };
                let _ = writeln!(t, "# {MARK} {why}: copy the page's table");
                for kind in PermissionType::ALL {
                    let _ = writeln!(t, "{} = \"not_supported\"", kind.spec_key());
                }
            }
        }
        // One line per field, in wire order, so that a field the page does not send is one line
        // to delete.
        if !body.is_empty() {
            let _ = writeln!(t, "\n[actions.{id}.body]");
        }
        for (name, ty, optional) in &body {
            let optional = if *optional { ", optional = true" } else { "" };
            let _ = writeln!(t, "{} = {{ type = {}{optional} }}", key(name), quote(ty));
        }
        // A function's parameters go in its path segment, one line each in the call's order.
        if !function.is_empty() {
            let _ = writeln!(t, "\n[actions.{id}.function_params]");
        }
        for (name, ty, optional) in &function {
            let optional = if *optional { ", optional = true" } else { "" };
            let _ = writeln!(
                t,
                "{} = {{ type = {}{optional}, doc = {} }}",
                key(name),
                quote(ty),
                quote(&format!("{MARK} the page's description of the parameter"))
            );
        }
        for n in needed {
            if !n.starts_with("Edm.") && !out.needed.contains(&n) {
                out.needed.push(n);
            }
        }
        out.actions.push(ActionDraft {
            id,
            path: segs,
            text: t,
        });
        Ok(())
    }

    fn unique_id(&self, out: &Drafted, id: String) -> String {
        let mut candidate = id.clone();
        let mut n = 2;
        while out.actions.iter().any(|a| a.id == candidate) {
            candidate = format!("{id}_{n}");
            n += 1;
        }
        candidate
    }

    /// Every action reachable under `prefix` (a path, with keys as `{name}`) through at most
    /// `depth` navigation properties: (method, path).
    pub fn under(&self, prefix: &str, depth: usize) -> Result<Vec<(String, String)>, String> {
        let segs = segments(prefix);
        let node = self
            .model
            .resolve(&segs)
            .map_err(|(i, why)| format!("`{prefix}`: segment {} does not resolve: {why}", i + 1))?;
        let mut out = Vec::new();
        self.walk(&segs, &node, depth, &mut out);
        Ok(out)
    }

    fn walk(&self, segs: &[Seg], node: &Node, depth: usize, out: &mut Vec<(String, String)>) {
        let model = self.model;
        let path = render(segs);
        for m in model.methods(node) {
            out.push((m.to_owned(), path.clone()));
        }
        if matches!(node.kind, Kind::Operation { .. }) {
            return;
        }
        for op in model.ops_on(&node.ty, node.collection) {
            let mut s = segs.to_vec();
            s.push(Seg::Lit(op.name.clone()));
            let verb = if op.action { "POST" } else { "GET" };
            out.push((verb.to_owned(), render(&s)));
        }
        if node.collection {
            let mut s = segs.to_vec();
            s.push(Seg::Param(param_name(segs, &node.ty)));
            if let Ok(key) = model.resolve(&s) {
                self.walk(&s, &key, depth, out);
            }
            return;
        }
        if depth == 0 {
            return;
        }
        for nav in model.all_navs(&node.ty) {
            let mut s = segs.to_vec();
            s.push(Seg::Lit(nav.name.clone()));
            if let Ok(next) = model.resolve(&s) {
                self.walk(&s, &next, depth - 1, out);
            }
        }
    }

    /// The spec text of every drafted action, then of every type and enum they need.
    pub fn render(&self, out: &mut Drafted) -> String {
        let mut text = String::new();
        let _ = writeln!(
            text,
            "# Drafted by `graph-spec draft` from Microsoft Graph's v1.0 metadata. What is marked TODO(draft)\n# comes from the docs pages; `graph-spec check` lists each mark until it is filled in.\n"
        );
        text.push_str(&self.levels(out));
        // A collection's item method (`drives/{id}` -> `drive`) must not be the name of a
        // literal step (`drive`) or of the collection itself (`calendarView` -> `calendar_view`).
        let mut steps: BTreeSet<String> = BTreeSet::new();
        let mut keyed: BTreeSet<String> = BTreeSet::new();
        for a in &out.actions {
            for (i, s) in a.path.iter().enumerate() {
                if let Seg::Lit(l) = s {
                    if matches!(a.path.get(i + 1), Some(Seg::Param(_))) {
                        keyed.insert(l.clone());
                    } else {
                        steps.insert(naming::snake(l));
                    }
                }
            }
        }
        for k in &keyed {
            let item = naming::singular(k);
            if steps.contains(&item) || item == naming::snake(k) {
                let _ = writeln!(
                    text,
                    "# `{k}` and its item would share the method name `{item}`.\n[segments.{}]\nitem = \"{item}_by_id\"\n",
                    key(k)
                );
            }
        }
        // A collection's create (`POST .../members`, method `add`) and its bound action `add`
        // (`POST .../members/add`) would share the method name: the create takes `create`.
        let paths: BTreeSet<String> = out.actions.iter().map(|a| render(&a.path)).collect();
        for a in &out.actions {
            let bound_add = format!("{}/add", render(&a.path));
            if paths.contains(&bound_add) && a.text.contains("\ncall = \"add\"\n") {
                text.push_str(&a.text.replacen(
                    "\ncall = \"add\"\n",
                    "\n# `add` is the collection's bound action (`.../add`) here.\ncall = \"create\"\n",
                    1,
                ));
            } else {
                text.push_str(&a.text);
            }
            text.push('\n');
        }
        // Every type and enum needed, transitively, with base types; those the base spec
        // declares are used by name instead (and what only they need is not drafted).
        let types_start = text.len();
        let mut queue: Vec<String> = std::mem::take(&mut out.needed);
        let mut seen: BTreeSet<String> = BTreeSet::new();
        let mut names: HashMap<String, String> = HashMap::new();
        let mut i = 0;
        while i < queue.len() {
            let q = queue[i].clone();
            i += 1;
            if !seen.insert(q.clone()) {
                continue;
            }
            let name = type_name(&q);
            if let Some(prev) = names.insert(name.clone(), q.clone()) {
                out.skipped.push((
                    format!("type `{q}`"),
                    format!("its spec name `{name}` is that of `{prev}` too"),
                ));
                continue;
            }
            match self.in_base(&q, &name) {
                Some(true) => {
                    out.reused.push(name);
                    continue;
                }
                Some(false) => {
                    let _ = writeln!(
                        text,
                        "# The base spec's `{name}` is another type; this one is drafted, and the spec uses it instead."
                    );
                }
                None => {}
            }
            if let Some(e) = self.model.enums.get(&q) {
                let _ = writeln!(text, "[enums.{name}]");
                let doc = e.description.clone().unwrap_or_else(|| {
                    format!("Microsoft Graph's `{}` enumeration.", simple_name(&q))
                });
                let _ = writeln!(text, "doc = {}", quote(&doc));
                if e.flags {
                    let _ = writeln!(
                        text,
                        "# A value is a set of members, written `a,b` on the wire (`IsFlags` in the metadata)."
                    );
                    let _ = writeln!(text, "flags = true");
                }
                let mut members: Vec<String> = Vec::new();
                for m in &e.members {
                    let variant = naming::pascal(m);
                    // A member whose name makes no variant of its own gets one: `Other` is the
                    // variant for values the enum does not list, and a variant starts with a letter.
                    if variant == "Other" {
                        members.push(format!(
                            "{{ wire = {}, variant = \"OtherValue\" }}",
                            quote(m)
                        ));
                    } else if !variant.starts_with(|c: char| c.is_ascii_alphabetic()) {
                        members.push(format!(
                            "{{ wire = {}, variant = {} }}",
                            quote(m),
                            quote(&format!("Member{variant}"))
                        ));
                    } else {
                        members.push(format!("{{ wire = {} }}", quote(m)));
                    }
                }
                let _ = writeln!(text, "members = [{}]\n", members.join(", "));
                out.enums += 1;
                continue;
            }
            let Some(t) = self.model.types.get(&q) else {
                continue;
            };
            let _ = writeln!(text, "[types.{name}]");
            let doc = t.description.clone().unwrap_or_else(|| {
                format!("Microsoft Graph's `{}` resource type.", simple_name(&q))
            });
            let _ = writeln!(text, "doc = {}", quote(&doc));
            let _ = writeln!(text, "odata_type = {}", quote(&format!("#{q}")));
            // `entity` (only `id`) is the root of every entity type: its field is written into
            // each type, as the spec's own types do, rather than drafted as a base.
            let mut props: Vec<&crate::csdl::Prop> = Vec::new();
            match t.base.as_deref() {
                Some("microsoft.graph.entity") | None => {
                    if let Some(base) = &t.base {
                        props.extend(self.model.all_props(base));
                    }
                }
                Some(base) => {
                    let _ = writeln!(text, "base = {}", quote(&type_name(base)));
                    queue.push(base.to_owned());
                }
            }
            props.extend(t.props.iter());
            let navs: Vec<&str> = t.navs.iter().map(|n| n.name.as_str()).collect();
            if !navs.is_empty() {
                let _ = writeln!(
                    text,
                    "# Navigation properties, left out (kept in `additional` when expanded): {}",
                    navs.join(", ")
                );
            }
            let mut fields = format!("[types.{name}.fields]\n");
            for p in props {
                match spec_type(self.model, &p.ty, p.collection) {
                    Ok(ty)
                        if ty == name || (ty.trim_matches(['[', ']']) == name && !p.collection) =>
                    {
                        out.skipped.push((
                            format!("field `{}` of `{q}`", p.name),
                            "a type cannot contain itself except through a collection".into(),
                        ));
                    }
                    Ok(ty) => {
                        let doc = p
                            .description
                            .as_ref()
                            .map(|d| format!(", doc = {}", quote(d)))
                            .unwrap_or_default();
                        let _ = writeln!(
                            fields,
                            "{} = {{ type = {}, optional = true{doc} }}",
                            key(&p.name),
                            quote(&ty)
                        );
                        if !p.ty.starts_with("Edm.") {
                            queue.push(p.ty.clone());
                        }
                    }
                    // A stream property is never in the entity's JSON: its bytes are read
                    // from its own path, so there is nothing to declare.
                    Err(_) if p.ty == "Edm.Stream" => {
                        let _ = writeln!(
                            fields,
                            "# left out: `{}`: a stream property, not part of the JSON (its bytes are at `.../{}`)",
                            p.name, p.name
                        );
                    }
                    Err(e) => {
                        let _ = writeln!(fields, "# left out: `{}`: {e}", p.name);
                        out.skipped
                            .push((format!("field `{}` of `{q}`", p.name), e));
                    }
                }
            }
            // A type without fields (all left out) has no fields table.
            if fields.lines().count() > 1 {
                text.push('\n');
                text.push_str(&fields);
            }
            text.push('\n');
            out.types += 1;
        }
        if !out.reused.is_empty() {
            let note = format!(
                "# Used by name from the base spec, which declares them (not drafted): {}.\n\n",
                out.reused.join(", ")
            );
            text.insert_str(types_start, &note);
        }
        text
    }

    /// Whether the base spec declares the metadata type `qualified` under its spec name `name`:
    /// `Some(true)` when it does (an enum of that name, or a type of that name whose
    /// `@odata.type`, if it states one, names it), `Some(false)` when the name is the base's
    /// for another type, `None` when the base has no such name.
    fn in_base(&self, qualified: &str, name: &str) -> Option<bool> {
        let base = self.base?;
        if base.enums.iter().any(|e| e.name == name) {
            return Some(self.model.enums.contains_key(qualified));
        }
        let t = base.types.iter().find(|t| t.name == name)?;
        Some(
            self.model.types.contains_key(qualified)
                && t.odata_type
                    .as_deref()
                    .is_none_or(|o| o.trim_start_matches('#').eq_ignore_ascii_case(qualified)),
        )
    }
}

/// A qualified CSDL name without its namespace: `chatMessage`.
fn simple_name(qualified: &str) -> &str {
    qualified.rsplit('.').next().unwrap_or(qualified)
}

impl Drafter<'_> {
    /// `[privilege_levels]` for every permission the drafted tables name that
    /// `permissions.json` ranks and no inherited level states, and which of them are granted by
    /// resource-specific consent; empty without a permissions file.
    fn levels(&self, out: &Drafted) -> String {
        let Some(source) = self.permissions else {
            return String::new();
        };
        let mut rsc: Vec<&str> = Vec::new();
        let mut rows: [Vec<String>; 2] = Default::default();
        for (kind, p) in &out.named {
            if self
                .inherited
                .iter()
                .any(|l| l.kind == *kind && &l.permission == p)
            {
                continue;
            }
            let Some(level) = source.level(p, *kind) else {
                continue;
            };
            if source.is_resource_specific(p) && !rsc.contains(&p.as_str()) {
                rsc.push(p);
            }
            let row = usize::from(*kind == PermissionType::Application);
            rows[row].push(format!("{} = {level}", quote(p)));
        }
        if rows.iter().all(Vec::is_empty) {
            return String::new();
        }
        let mut text = String::from(
            "# How privileged each permission the tables name is, from permissions.json.\n[privilege_levels]\n",
        );
        if !rsc.is_empty() {
            let names: Vec<String> = rsc.iter().map(|p| p.to_string()).collect();
            let _ = writeln!(text, "resource_specific = {}", list(&names));
        }
        for (key, row) in ["delegated", "application"].iter().zip(&rows) {
            if !row.is_empty() {
                let _ = writeln!(text, "[privilege_levels.{key}]");
                for line in row {
                    let _ = writeln!(text, "{line}");
                }
            }
        }
        text.push('\n');
        text
    }
}

/// `[Seg]` back to a path template.
pub fn render(segs: &[Seg]) -> String {
    let mut s = String::new();
    for seg in segs {
        s.push('/');
        match seg {
            Seg::Lit(l) => s.push_str(l),
            Seg::Param(p) => {
                let _ = write!(s, "{{{p}}}");
            }
        }
    }
    s
}

/// The drafting convention for keys: `{<entity type in kebab case>-id}` (`{chat-id}`,
/// `{teams-app-installation-id}`); when the path already has that name, the collection's item
/// name (`{reply-id}`), then a number.
pub fn param_name(segs: &[Seg], ty: &str) -> String {
    let taken: Vec<&str> = segs
        .iter()
        .filter_map(|s| match s {
            Seg::Param(p) => Some(p.as_str()),
            Seg::Lit(_) => None,
        })
        .collect();
    let simple = ty.rsplit('.').next().unwrap_or(ty);
    let base = format!("{}-id", naming::snake(simple).replace('_', "-"));
    if !taken.contains(&base.as_str()) {
        return base;
    }
    if let Some(Seg::Lit(l)) = segs.last() {
        let item = format!("{}-id", naming::singular(l).replace('_', "-"));
        if !taken.contains(&item.as_str()) {
            return item;
        }
    }
    let mut n = 2;
    loop {
        let c = format!("{base}-{n}");
        if !taken.contains(&c.as_str()) {
            return c;
        }
        n += 1;
    }
}

/// The drafting convention for ids: the verb (`list`, `get`, `create`, `update`, `delete`, or
/// the action's own name) then the path's literal segments, singular before a key
/// (`POST /chats/{chat-id}/installedApps/{id}/upgrade` -> `upgrade_chat_installed_app`).
fn action_id(node: &Node, m: HttpMethod, segs: &[Seg]) -> String {
    let mut words: Vec<String> = Vec::new();
    let lits: Vec<(usize, &str)> = segs
        .iter()
        .enumerate()
        .filter_map(|(i, s)| match s {
            Seg::Lit(l) => Some((i, l.as_str())),
            Seg::Param(_) => None,
        })
        .collect();
    let op = matches!(node.kind, Kind::Operation { .. });
    let verb = if op {
        lits.last()
            .map(|(_, l)| naming::snake(l.rsplit('.').next().unwrap_or(l)))
            .unwrap_or_default()
    } else {
        match m {
            HttpMethod::Get if node.collection => "list".into(),
            HttpMethod::Get => "get".into(),
            HttpMethod::Post => "create".into(),
            HttpMethod::Patch => "update".into(),
            HttpMethod::Delete => "delete".into(),
            HttpMethod::Put => "put".into(),
        }
    };
    words.push(verb);
    let n = if op { lits.len() - 1 } else { lits.len() };
    // A create adds one item to the collection: it is named by the item, singular
    // (`POST /chats/{chat-id}/messages` -> `create_chat_message`).
    let creates = !op && m == HttpMethod::Post && node.collection;
    for (k, (i, l)) in lits.iter().take(n).enumerate() {
        let l = l.rsplit('.').next().unwrap_or(l);
        let keyed = matches!(segs.get(i + 1), Some(Seg::Param(_))) || (creates && k + 1 == n);
        words.push(if keyed {
            naming::singular(l)
        } else {
            naming::snake(l)
        });
    }
    words.join("_")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small metadata document: an entity with a key, a computed property and descriptions,
    /// some inline and some in out-of-line `<Annotations>` blocks, as Microsoft's file has both.
    const CSDL: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">
  <edmx:DataServices>
    <Schema Namespace="microsoft.graph" Alias="graph" xmlns="http://docs.oasis-open.org/odata/ns/edm">
      <EntityType Name="entity" Abstract="true">
        <Key><PropertyRef Name="id" /></Key>
        <Property Name="id" Type="Edm.String" Nullable="false" />
      </EntityType>
      <EntityType Name="note" BaseType="graph.entity">
        <Property Name="body" Type="graph.noteBody" Nullable="false" />
        <Property Name="kind" Type="graph.noteKind" Nullable="false" />
        <Property Name="title" Type="Edm.String">
          <Annotation Term="Org.OData.Core.V1.Description" String="The note's title." />
        </Property>
        <Property Name="createdDateTime" Type="Edm.DateTimeOffset" />
      </EntityType>
      <ComplexType Name="noteBody">
        <Property Name="content" Type="Edm.String" />
      </ComplexType>
      <EnumType Name="noteKind">
        <Member Name="plain" Value="0" />
      </EnumType>
      <EntityContainer Name="GraphService">
        <EntitySet Name="notes" EntityType="microsoft.graph.note" />
      </EntityContainer>
      <Annotations Target="graph.note">
        <Annotation Term="Org.OData.Core.V1.Description" String="A note someone keeps." />
      </Annotations>
      <Annotations Target="graph.note/createdDateTime">
        <Annotation Term="Org.OData.Core.V1.Computed" Bool="true" />
      </Annotations>
    </Schema>
  </edmx:DataServices>
</edmx:Edmx>"#;

    fn draft(method: &str, path: &str) -> String {
        draft_over(method, path, None).0
    }

    /// The draft of one action over an optional base spec, and what the drafter recorded.
    fn draft_over(
        method: &str,
        path: &str,
        base: Option<&graph_codegen::model::Spec>,
    ) -> (String, Drafted) {
        let model = Model::parse(CSDL).expect("a CSDL document");
        let drafter = Drafter {
            model: &model,
            permissions: None,
            clouds: None,
            inherited: &[],
            base,
        };
        let mut out = Drafted::default();
        drafter.action(&mut out, method, path).expect("drafts");
        (drafter.render(&mut out), out)
    }

    #[test]
    fn a_base_name_is_used_only_for_the_metadata_type_it_declares() {
        let base_text = "[types.Note]\ndoc = \"n\"\nodata_type = \"#microsoft.graph.otherNote\"\n\
                         [enums.NoteKind]\ndoc = \"k\"\nmembers = [{ wire = \"plain\" }]\n";
        let mut map = graph_codegen::SourceMap::default();
        map.add(graph_codegen::SourceFile::new(
            "b.toml", "b.toml", base_text,
        ));
        let (base, _, problems) = graph_codegen::load(&map);
        assert!(problems.is_empty(), "{problems:?}");
        let (text, out) = draft_over("GET", "/notes", Some(&base));
        // The base's `NoteKind` is the metadata's enum: named, not drafted.
        assert!(!text.contains("[enums.NoteKind]"), "{text}");
        assert_eq!(out.reused, ["NoteKind"]);
        // Its `Note` is another type (`@odata.type` says so): this one is drafted and shadows it.
        assert!(
            text.contains("# The base spec's `Note` is another type; this one is drafted, and the spec uses it instead.\n[types.Note]\n"),
            "{text}"
        );
    }

    #[test]
    fn a_create_is_named_by_its_item_and_sends_only_what_a_client_sets() {
        let text = draft("POST", "/notes");
        assert!(text.contains("[actions.create_note]\n"), "{text}");
        // The key and the computed property are the service's. A structured property that is
        // never null is required; an enum one the service defaults, and a nullable one, are
        // not. One line per field.
        let body = "[actions.create_note.body]\nbody = { type = \"NoteBody\" }\nkind = { type = \"NoteKind\", optional = true }\ntitle = { type = \"string\", optional = true }\n\n";
        assert!(text.contains(body), "{text}");
        // An update sends only what changes: every field optional, the key still left out.
        let update = draft("PATCH", "/notes/{note-id}");
        let body = "body]\nbody = { type = \"NoteBody\", optional = true }\nkind = { type = \"NoteKind\", optional = true }\ntitle";
        assert!(update.contains(body), "{update}");
    }

    #[test]
    fn docs_come_from_the_metadata_descriptions() {
        let text = draft("GET", "/notes");
        assert!(
            text.contains("[types.Note]\ndoc = \"A note someone keeps.\"\n"),
            "{text}"
        );
        assert!(
            text.contains(
                "title = { type = \"string\", optional = true, doc = \"The note's title.\" }\n"
            ),
            "{text}"
        );
        // Without a description, a doc that is true as it stands rather than a placeholder.
        assert!(
            text.contains(
                "[types.NoteBody]\ndoc = \"Microsoft Graph's `noteBody` resource type.\"\n"
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "[enums.NoteKind]\ndoc = \"Microsoft Graph's `noteKind` enumeration.\"\n"
            ),
            "{text}"
        );
    }
}
