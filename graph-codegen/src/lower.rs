//! Lowering: parsed spec files into the model, with each value's rules (in `check`) applied on
//! the way; an entry with a problem is left out.

use crate::check::*;
use crate::diag::{Ctxt, Diagnostic};
use crate::model::*;
use crate::naming;
use crate::source::FileId;
use crate::spec::{self, SString, Spanned};
use std::collections::{HashMap, HashSet};

/// Lowers parsed files into one model, recording every problem in `cx`.
///
/// The model holds only what is sound: an entry with a problem is left out (and whatever refers
/// to it), so that the generator can still emit the rest and a user sees the spec's errors rather
/// than a cascade of unresolved names.
pub fn lower(files: &[(FileId, spec::SpecFile)], cx: &mut Ctxt) -> (Spec, crate::nav::Tree) {
    let mut out = Spec::default();
    // Names declared with a problem: references to them are not reported again.
    let mut poisoned: HashSet<String> = HashSet::new();
    for (file, f) in files {
        let file = *file;
        if let Some(feature) = &f.feature
            && check_feature_name(file, feature, cx)
        {
            out.features
                .push((file, feature.get_ref().clone(), span(file, feature)));
        }
        for (seg, s) in &f.segments {
            let before = cx.len();
            check_accessor_name(file, &s.get_ref().item, cx);
            if cx.len() == before {
                out.segments.push((
                    seg.get_ref().clone(),
                    s.get_ref().item.get_ref().clone(),
                    span(file, &s.get_ref().item),
                ));
            }
        }
        for (name, t) in &f.types {
            let before = cx.len();
            check_type_name(file, name, cx);
            let t = t.get_ref();
            let def = TypeDef {
                name: name.get_ref().clone(),
                span: span(file, name),
                doc: t.doc.get_ref().clone(),
                docs: t.docs.as_ref().map(|d| d.get_ref().clone()),
                base: t
                    .base
                    .as_ref()
                    .map(|b| (b.get_ref().clone(), span(file, b))),
                odata_type: t.odata_type.as_ref().map(|o| o.get_ref().clone()),
                fields: lower_fields(file, &t.fields, false, cx),
            };
            if cx.len() == before {
                out.types.push(def);
            } else {
                poisoned.insert(def.name);
            }
        }
        for (name, e) in &f.enums {
            let before = cx.len();
            check_type_name(file, name, cx);
            let def = lower_enum(file, name, e.get_ref(), cx);
            if cx.len() == before {
                out.enums.push(def);
            } else {
                poisoned.insert(def.name);
            }
        }
        if let Some(levels) = &f.privilege_levels {
            lower_levels(file, levels.get_ref(), &mut out.levels, cx);
        }
        for (id, a) in &f.actions {
            let before = cx.len();
            let action = lower_action(file, id, a.get_ref(), cx);
            if let Some(action) = action.filter(|_| cx.len() == before) {
                out.actions.push(action);
            }
        }
    }
    check_unique_names(&mut out, cx);
    check_type_refs(&mut out, &poisoned, cx);
    crate::lang::check_function_types(&mut out, cx);
    check_bases(&mut out, cx);
    check_recursion(&mut out, cx);
    let tree = check_navigation(&mut out, cx);
    (out, tree)
}

pub(crate) fn lower_fields(
    file: FileId,
    fields: &spec::Table<spec::FieldSpec>,
    in_body: bool,
    cx: &mut Ctxt,
) -> Vec<Field> {
    let mut out = Vec::new();
    let mut rust_names: HashMap<String, String> = HashMap::new();
    for (wire, f) in fields {
        let f = f.get_ref();
        let bind = check_bind(file, wire, f, in_body, cx);
        let ty = match (&f.ty, &f.bind) {
            (Some(t), _) => check_type_syntax(file, t, cx),
            (None, Some(_)) => Some(TypeRef::String),
            (None, None) => {
                cx.push(
                    Diagnostic::new(span(file, wire), format!("field `{}` has no `type`", wire.get_ref()))
                        .help("add `type = \"string\"` (or another type); only `bind` fields leave it out"),
                );
                None
            }
        };
        let Some(ty) = ty else {
            continue;
        };
        check_rsc_flag_in_body(file, wire, f, in_body, cx);
        check_navigation_flag(file, wire, f, in_body, cx);
        check_field_name(file, wire, in_body, cx);
        // Two wire names may map to one Rust name (`displayName`, `display_name`).
        let rust = naming::snake(wire.get_ref());
        if let Some(prev) = rust_names.insert(rust.clone(), wire.get_ref().clone()) {
            cx.push(
                Diagnostic::new(span(file, wire), format!("field `{}` has the same Rust name `{rust}` as field `{prev}`", wire.get_ref()))
                    .help("rename one of them; wire names differing only in case or separators cannot both be fields"),
            );
        }
        out.push(Field {
            wire: wire.get_ref().clone(),
            span: span(file, wire),
            ty,
            ty_span: f
                .ty
                .as_ref()
                .or(f.bind.as_ref())
                .map_or_else(|| span(file, wire), |t| span(file, t)),
            optional: f.optional,
            doc: f.doc.as_ref().map(|d| d.get_ref().clone()),
            rsc_consent: f.rsc_consent,
            navigation: f.navigation,
            bind,
        });
    }
    out
}

fn lower_enum(file: FileId, name: &SString, e: &spec::EnumSpec, cx: &mut Ctxt) -> EnumDef {
    let mut members: Vec<Member> = Vec::new();
    for m in &e.members {
        let m = m.get_ref();
        let wire = m.wire.get_ref();
        // The variant a member makes: its own `variant`, else its wire name in PascalCase.
        let Some(rust) = crate::lang::member_variant(file, m, cx) else {
            continue;
        };
        let at = m.variant.as_ref().unwrap_or(&m.wire);
        // Enum members must be distinct ignoring case, since reading ignores case.
        if members
            .iter()
            .any(|p| p.wire.eq_ignore_ascii_case(wire) || p.rust_name() == rust)
        {
            cx.error(
                &span(file, at),
                format!("enum member `{wire}` is listed twice (reading ignores case); remove one"),
            );
            continue;
        }
        if !rust.starts_with(|c: char| c.is_ascii_alphabetic()) {
            cx.push(
                Diagnostic::new(
                    span(file, &m.wire),
                    format!("enum member `{wire}` needs a letter first to name a Rust variant"),
                )
                .help("name its variant: { wire = \"...\", variant = \"PascalCaseName\" }"),
            );
            continue;
        }
        if rust == "Other" {
            cx.push(
                Diagnostic::new(
                    span(file, at),
                    "enum member `Other` is reserved for values Graph adds later; rename it",
                )
                .help("keep the wire name and name the variant: { wire = \"other\", variant = \"OtherValue\" }"),
            );
            continue;
        }
        members.push(Member {
            wire: wire.clone(),
            span: span(file, &m.wire),
            doc: m.doc.as_ref().map(|d| d.get_ref().clone()),
            variant: m.variant.as_ref().map(|v| v.get_ref().clone()),
        });
    }
    if e.members.is_empty() {
        cx.error(
            &span(file, name),
            format!(
                "enum `{}` has no members; list them as members = [{{ wire = \"...\" }}]",
                name.get_ref()
            ),
        );
    }
    if e.flags {
        crate::lang::check_flags_size(file, name, e, cx);
    }
    EnumDef {
        name: name.get_ref().clone(),
        span: span(file, name),
        doc: e.doc.get_ref().clone(),
        docs: e.docs.as_ref().map(|d| d.get_ref().clone()),
        members,
        flags: e.flags,
    }
}

fn lower_action(file: FileId, id: &SString, a: &spec::ActionSpec, cx: &mut Ctxt) -> Option<Action> {
    check_action_id(file, id, cx);
    let method = check_method(file, &a.method, cx);
    let path = check_template(file, &a.path, cx);
    let versions = check_versions(file, &a.versions, cx);
    let clouds = check_clouds(file, &a.clouds, cx);
    let status = check_status(file, &a.response.get_ref().status, cx);
    check_docs_link(file, &a.docs, cx);
    for h in &a.headers {
        check_header(file, h.get_ref(), cx);
    }
    let query = lower_query(file, &a.query, cx);
    let body = a
        .body
        .as_ref()
        .map(|b| lower_fields(file, b.get_ref(), true, cx));
    if let (Some(m), Some(b)) = (method, &a.body) {
        check_body_allowed(file, m, b, cx);
    }
    let params: Vec<Param> = a
        .params
        .iter()
        .map(|(name, p)| Param {
            name: name.get_ref().clone(),
            span: span(file, name),
            doc: p.get_ref().doc.as_ref().map(|d| d.get_ref().clone()),
            allow_slash: p.get_ref().allow_slash,
        })
        .collect();
    if let Some(path) = &path {
        check_params_match(file, id, &a.path, path, &params, cx);
        check_call(file, &a.path, path, &a.call, cx);
    }
    let response = a
        .response
        .get_ref()
        .ty
        .as_ref()
        .and_then(|t| check_type_syntax(file, t, cx));
    if let Some(status) = status {
        check_response_body(file, &a.response, status, cx);
    }
    if let Some(body) = &body {
        check_argument_names(body, cx);
    }
    let function = crate::lang::lower_function(file, a, method, path.as_ref(), cx);
    let permissions = lower_permissions(file, a.permissions.get_ref(), cx);
    check_metadata_exceptions(file, &a.metadata_exceptions, cx);
    if let Some(call) = &a.call {
        check_accessor_name(file, call, cx);
    }
    Some(Action {
        id: id.get_ref().clone(),
        span: span(file, id),
        summary: a.summary.get_ref().clone(),
        notes: a.notes.iter().map(|n| n.get_ref().clone()).collect(),
        docs: a.docs.get_ref().clone(),
        method: method?,
        path: path?,
        path_span: span(file, &a.path),
        call: a.call.as_ref().map(|c| c.get_ref().clone()),
        call_span: a.call.as_ref().map(|c| span(file, c)),
        versions,
        clouds,
        idempotent: a.idempotent,
        headers: header_pairs(&a.headers),
        query,
        params,
        permissions: permissions?,
        body,
        function,
        status: status?,
        response,
        response_span: a
            .response
            .get_ref()
            .ty
            .as_ref()
            .map_or_else(|| span(file, &a.response), |t| span(file, t)),
    })
}

fn lower_levels(file: FileId, l: &spec::LevelsSpec, out: &mut Vec<Level>, cx: &mut Ctxt) {
    for (kind, table) in [
        (PermissionType::Delegated, &l.delegated),
        (PermissionType::DelegatedPersonal, &l.delegated_personal),
        (PermissionType::Application, &l.application),
    ] {
        for (name, level) in table {
            check_permission_name(file, name, cx);
            let Some(level) = check_level(file, level, cx) else {
                continue;
            };
            if out
                .iter()
                .any(|l| l.kind == kind && l.permission == *name.get_ref())
            {
                cx.error(
                    &span(file, name),
                    format!(
                        "the {} level of `{}` is given twice; keep one",
                        kind.spec_key(),
                        name.get_ref()
                    ),
                );
                continue;
            }
            out.push(Level {
                permission: name.get_ref().clone(),
                kind,
                level,
                resource_specific: l
                    .resource_specific
                    .iter()
                    .any(|r| r.get_ref() == name.get_ref()),
                span: span(file, name),
            });
        }
    }
    for r in &l.resource_specific {
        check_rsc_has_level(file, r, out, cx);
    }
}

fn lower_query(
    file: FileId,
    query: &[Spanned<spec::QuerySpec>],
    cx: &mut Ctxt,
) -> Vec<QueryOption> {
    let mut out: Vec<QueryOption> = Vec::new();
    for q in query {
        let (name, sp, headers) = match q.get_ref() {
            spec::QuerySpec::Name(n) => (n.as_str(), span(file, q), &[][..]),
            spec::QuerySpec::Table(t) => (
                t.option.get_ref().as_str(),
                span(file, &t.option),
                &t.headers[..],
            ),
        };
        for h in headers {
            check_header(file, h.get_ref(), cx);
        }
        let Some(&(wire, method, arg)) = check_query_option(name, &sp, cx) else {
            continue;
        };
        if out.iter().any(|o| o.name == wire) {
            cx.error(
                &sp,
                format!("query option `{wire}` is listed twice; keep one"),
            );
            continue;
        }
        out.push(QueryOption {
            name: wire.to_owned(),
            method: method.to_owned(),
            arg,
            headers: header_pairs(headers),
        });
    }
    out
}

/// Checked headers as (name, value).
fn header_pairs(headers: &[Spanned<spec::HeaderSpec>]) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|h| {
            let h = h.get_ref();
            (h.name.get_ref().clone(), h.value.get_ref().clone())
        })
        .collect()
}

fn lower_permissions(
    file: FileId,
    p: &spec::PermissionsSpec,
    cx: &mut Ctxt,
) -> Option<Permissions> {
    let delegated = lower_scheme(file, &p.delegated, cx);
    let delegated_personal = lower_scheme(file, &p.delegated_personal, cx);
    let application = lower_scheme(file, &p.application, cx);
    let all: Vec<&String> = [&delegated, &delegated_personal, &application]
        .into_iter()
        .flatten()
        .flat_map(|s| match s {
            Scheme::Supported { least, higher } => least.iter().chain(higher).collect(),
            Scheme::NotSupported => Vec::new(),
        })
        .collect();
    let notes = p
        .notes
        .iter()
        .map(|n| {
            let n = n.get_ref();
            for name in &n.unusable_with_rsc_consent {
                check_permission_name(file, name, cx);
                check_note_names_listed(file, name, &all, cx);
            }
            Note {
                text: n.text.get_ref().clone(),
                unusable_with_rsc_consent: n
                    .unusable_with_rsc_consent
                    .iter()
                    .map(|s| s.get_ref().clone())
                    .collect(),
            }
        })
        .collect();
    Some(Permissions {
        spans: [
            span(file, &p.delegated),
            span(file, &p.delegated_personal),
            span(file, &p.application),
        ],
        delegated: delegated?,
        delegated_personal: delegated_personal?,
        application: application?,
        notes,
    })
}

fn lower_scheme(file: FileId, s: &Spanned<spec::SchemeSpec>, cx: &mut Ctxt) -> Option<Scheme> {
    match s.get_ref() {
        spec::SchemeSpec::Keyword(k) => {
            check_not_supported_keyword(file, s, k, cx);
            Some(Scheme::NotSupported)
        }
        spec::SchemeSpec::Lists(l) => {
            check_least_not_empty(file, &l.least, cx);
            for name in l.least.get_ref().iter().chain(&l.higher) {
                check_permission_name(file, name, cx);
            }
            check_least_higher_disjoint(file, l, cx);
            Some(Scheme::Supported {
                least: l
                    .least
                    .get_ref()
                    .iter()
                    .map(|s| s.get_ref().clone())
                    .collect(),
                higher: l.higher.iter().map(|s| s.get_ref().clone()).collect(),
            })
        }
    }
}
