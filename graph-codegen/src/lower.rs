//! Lowering: parsed spec entries into the model. Each entry lowers to `Some` when every value in
//! it parses (the `parse_*` functions, which report what does not), and to `None` otherwise; the
//! rules that sound values must also follow are the `check` stage's.

use crate::check::span;
use crate::diag::{Ctxt, Diagnostic, did_you_mean};
use crate::model::*;
use crate::source::{FileId, Span};
use crate::spec::{self, SString, Spanned};
use crate::template::PathTemplate;

/// Lowers parsed files into one model, reporting every value that does not parse.
///
/// An entry with such a value is left out; whatever refers to it is left out by the prune step
/// after the rules (see [`crate::check::prune`]), so the user sees the spec's errors rather than
/// a cascade of unresolved names.
pub fn lower(files: &[(FileId, spec::SpecFile)], cx: &mut Ctxt) -> Spec {
    let mut out = Spec::default();
    for (file, f) in files {
        let file = *file;
        if let Some(feature) = &f.feature {
            out.features
                .push((file, feature.get_ref().clone(), span(file, feature)));
        }
        for (seg, s) in &f.segments {
            out.segments.push((
                seg.get_ref().clone(),
                s.get_ref().item.get_ref().clone(),
                span(file, &s.get_ref().item),
            ));
        }
        out.types.extend(
            f.types
                .iter()
                .filter_map(|(name, t)| lower_type(file, name, t.get_ref(), cx)),
        );
        out.enums.extend(
            f.enums
                .iter()
                .map(|(name, e)| lower_enum(file, name, e.get_ref())),
        );
        if let Some(levels) = &f.privilege_levels {
            lower_levels(file, levels.get_ref(), &mut out.levels, cx);
        }
        out.actions.extend(
            f.actions
                .iter()
                .filter_map(|(id, a)| lower_action(file, id, a.get_ref(), cx)),
        );
    }
    out
}

fn lower_type(file: FileId, name: &SString, t: &spec::TypeSpec, cx: &mut Ctxt) -> Option<TypeDef> {
    Some(TypeDef {
        name: name.get_ref().clone(),
        span: span(file, name),
        doc: t.doc.get_ref().clone(),
        docs: t.docs.as_ref().map(|d| d.get_ref().clone()),
        base: t
            .base
            .as_ref()
            .map(|b| (b.get_ref().clone(), span(file, b))),
        odata_type: t.odata_type.as_ref().map(|o| o.get_ref().clone()),
        fields: lower_fields(file, &t.fields, false, cx)?,
    })
}

/// The fields of a type or body; `None` when one of them does not parse (each is reported).
pub(crate) fn lower_fields(
    file: FileId,
    fields: &spec::Table<spec::FieldSpec>,
    in_body: bool,
    cx: &mut Ctxt,
) -> Option<Vec<Field>> {
    let lowered: Vec<Option<Field>> = fields
        .iter()
        .map(|(wire, f)| lower_field(file, wire, f.get_ref(), in_body, cx))
        .collect();
    lowered.into_iter().collect()
}

fn lower_field(
    file: FileId,
    wire: &SString,
    f: &spec::FieldSpec,
    in_body: bool,
    cx: &mut Ctxt,
) -> Option<Field> {
    let bind = match &f.bind {
        Some(b) if in_body => Some(parse_bind(file, b, cx)?),
        _ => None,
    };
    let ty = match (&f.ty, &f.bind) {
        (Some(t), _) => parse_type(file, t, cx),
        (None, Some(_)) => Some(TypeRef::String),
        (None, None) if f.value.is_some() => Some(TypeRef::String),
        (None, None) => {
            cx.push(
                Diagnostic::new(
                    span(file, wire),
                    format!("field `{}` has no `type`", wire.get_ref()),
                )
                .help("add `type = \"string\"` (or another type); only `bind` and `value` fields leave it out"),
            );
            None
        }
    }?;
    Some(Field {
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
        value: f.value.as_ref().map(|v| v.get_ref().clone()),
    })
}

fn lower_enum(file: FileId, name: &SString, e: &spec::EnumSpec) -> EnumDef {
    EnumDef {
        name: name.get_ref().clone(),
        span: span(file, name),
        doc: e.doc.get_ref().clone(),
        docs: e.docs.as_ref().map(|d| d.get_ref().clone()),
        members: e
            .members
            .iter()
            .map(|m| {
                let m = m.get_ref();
                Member {
                    wire: m.wire.get_ref().clone(),
                    span: span(file, &m.wire),
                    doc: m.doc.as_ref().map(|d| d.get_ref().clone()),
                    variant: m.variant.as_ref().map(|v| v.get_ref().clone()),
                }
            })
            .collect(),
        flags: e.flags,
    }
}

fn lower_action(file: FileId, id: &SString, a: &spec::ActionSpec, cx: &mut Ctxt) -> Option<Action> {
    // Every value is parsed (and reported) before the entry is given up on.
    let method = parse_method(file, &a.method, cx);
    let path = parse_template(file, &a.path, cx);
    let versions = parse_versions(file, &a.versions, cx);
    let clouds = parse_clouds(file, &a.clouds, cx);
    let status = parse_status(file, &a.response.get_ref().status, cx);
    let query = parse_query(file, &a.query, cx);
    let body = a
        .body
        .as_ref()
        .map(|b| lower_fields(file, b.get_ref(), true, cx));
    // An OData function's parameters: a field table, its rules in `lang::check_function`.
    let function = a
        .function_params
        .as_ref()
        .map(|f| lower_fields(file, f.get_ref(), false, cx));
    let response = a
        .response
        .get_ref()
        .ty
        .as_ref()
        .map(|t| parse_type(file, t, cx));
    let permissions = lower_permissions(file, a.permissions.get_ref(), cx);
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
        versions: versions?,
        clouds: clouds?,
        idempotent: a.idempotent,
        headers: header_pairs(&a.headers),
        query: query?,
        params: a
            .params
            .iter()
            .map(|(name, p)| Param {
                name: name.get_ref().clone(),
                span: span(file, name),
                doc: p.get_ref().doc.as_ref().map(|d| d.get_ref().clone()),
                allow_slash: p.get_ref().allow_slash,
            })
            .collect(),
        permissions: permissions?,
        body: match body {
            Some(b) => Some(b?),
            None => None,
        },
        function: match function {
            Some(f) => Some(f?),
            None => None,
        },
        status: status?,
        response: match response {
            Some(r) => Some(r?),
            None => None,
        },
        response_span: a
            .response
            .get_ref()
            .ty
            .as_ref()
            .map_or_else(|| span(file, &a.response), |t| span(file, t)),
        location: a
            .response
            .get_ref()
            .location
            .as_ref()
            .is_some_and(|l| *l.get_ref()),
    })
}

fn lower_levels(file: FileId, l: &spec::LevelsSpec, out: &mut Vec<Level>, cx: &mut Ctxt) {
    for (kind, table) in [
        (PermissionType::Delegated, &l.delegated),
        (PermissionType::DelegatedPersonal, &l.delegated_personal),
        (PermissionType::Application, &l.application),
    ] {
        for (name, level) in table {
            let Some(level) = parse_level(file, level, cx) else {
                continue;
            };
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
    let delegated = parse_scheme(file, &p.delegated, cx);
    let delegated_personal = parse_scheme(file, &p.delegated_personal, cx);
    let application = parse_scheme(file, &p.application, cx);
    let cloud_limits: Option<Vec<CloudLimit>> = p
        .cloud_limits
        .iter()
        .map(|l| lower_cloud_limit(file, l.get_ref(), cx))
        .collect::<Vec<_>>()
        .into_iter()
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
        notes: p
            .notes
            .iter()
            .map(|n| Note {
                text: n.get_ref().text.get_ref().clone(),
                unusable_with_rsc_consent: n
                    .get_ref()
                    .unusable_with_rsc_consent
                    .iter()
                    .map(|s| s.get_ref().clone())
                    .collect(),
            })
            .collect(),
        cloud_limits: cloud_limits?,
    })
}

fn lower_cloud_limit(file: FileId, l: &spec::CloudLimitSpec, cx: &mut Ctxt) -> Option<CloudLimit> {
    let kind = parse_permission_type(file, &l.kind, cx);
    let clouds = parse_clouds(file, &l.clouds, cx);
    Some(CloudLimit {
        kind: kind?,
        clouds: clouds?,
        text: l.text.get_ref().clone(),
        source: l.source.get_ref().clone(),
    })
}

// ---------------------------------------------------------------------------------------------
// Value parsers: each reports what does not parse, and returns `None` for it
// ---------------------------------------------------------------------------------------------

/// A field type is a primitive, a PascalCase name, or `[T]`.
pub(crate) fn parse_type(file: FileId, ty: &SString, cx: &mut Ctxt) -> Option<TypeRef> {
    let parsed = TypeRef::parse(ty.get_ref());
    if parsed.is_none() {
        let mut d = Diagnostic::new(span(file, ty), format!("`{}` is not a type", ty.get_ref()));
        d = match did_you_mean(ty.get_ref(), TypeRef::PRIMITIVES.iter().copied()) {
            Some(p) => d.help(format!("did you mean `{p}`?")),
            None => d.help(format!(
                "use one of {}, a type or enum name in PascalCase, or `[T]` for a collection",
                TypeRef::PRIMITIVES.join(", ")
            )),
        };
        cx.push(d);
    }
    parsed
}

/// A `bind` path is a path template naming exactly one parameter, the id the caller passes.
pub(crate) fn parse_bind(file: FileId, b: &SString, cx: &mut Ctxt) -> Option<PathTemplate> {
    let t = parse_template(file, b, cx)?;
    if t.params().count() != 1 {
        cx.push(
            Diagnostic::new(
                span(file, b),
                "a `bind` path names exactly one parameter, the id the caller passes",
            )
            .help("write it like \"/appCatalogs/teamsApps/{teams-app-id}\""),
        );
        return None;
    }
    Some(t)
}

/// The HTTP method is one Graph uses.
pub(crate) fn parse_method(file: FileId, m: &SString, cx: &mut Ctxt) -> Option<HttpMethod> {
    let found = HttpMethod::parse(m.get_ref());
    if found.is_none() {
        let names = HttpMethod::ALL.iter().map(|(s, _)| *s);
        let mut d = Diagnostic::new(
            span(file, m),
            format!("unknown HTTP method \"{}\"", m.get_ref()),
        );
        d = match did_you_mean(m.get_ref(), names.clone()) {
            Some(s) => d.help(format!("did you mean \"{s}\"?")),
            None => d.help(format!(
                "expected one of: {}",
                names.collect::<Vec<_>>().join(", ")
            )),
        };
        cx.push(d);
    }
    found
}

/// The path template is well formed (see `template.rs`).
pub(crate) fn parse_template(file: FileId, path: &SString, cx: &mut Ctxt) -> Option<PathTemplate> {
    match PathTemplate::parse(path.get_ref()) {
        Ok(t) => Some(t),
        Err(errors) => {
            // The template sits inside quotes; offsets are relative to its first character.
            let base = path.span().start + 1;
            for e in errors {
                cx.error(
                    &Span {
                        file,
                        range: base + e.range.start..base + e.range.end.max(e.range.start + 1),
                    },
                    e.message,
                );
            }
            None
        }
    }
}

/// A non-empty list of names from `known`.
fn parse_known<T: Copy>(
    file: FileId,
    list: &Spanned<Vec<SString>>,
    known: &[(&'static str, T)],
    what: &str,
    cx: &mut Ctxt,
) -> Option<Vec<T>> {
    let mut out = Vec::new();
    let mut ok = true;
    for v in list.get_ref() {
        match known.iter().find(|(s, _)| s == v.get_ref()) {
            Some((_, t)) => out.push(*t),
            None => {
                ok = false;
                let names: Vec<&str> = known.iter().map(|(s, _)| *s).collect();
                let mut d = Diagnostic::new(
                    span(file, v),
                    format!(
                        "unknown {what} \"{}\"; expected one of: {}",
                        v.get_ref(),
                        names.join(", ")
                    ),
                );
                if let Some(s) = did_you_mean(v.get_ref(), names.iter().copied()) {
                    d = d.help(format!("did you mean \"{s}\"?"));
                }
                cx.push(d);
            }
        }
    }
    if list.get_ref().is_empty() {
        cx.error(&span(file, list), format!("list at least one {what}"));
        ok = false;
    }
    ok.then_some(out)
}

/// API versions are `v1.0` or `beta`.
pub(crate) fn parse_versions(
    file: FileId,
    v: &Spanned<Vec<SString>>,
    cx: &mut Ctxt,
) -> Option<Vec<ApiVersion>> {
    parse_known(file, v, ApiVersion::ALL, "API version", cx)
}

/// Clouds are the four national cloud deployments Graph documents.
pub(crate) fn parse_clouds(
    file: FileId,
    v: &Spanned<Vec<SString>>,
    cx: &mut Ctxt,
) -> Option<Vec<NationalCloud>> {
    parse_known(file, v, NationalCloud::ALL, "cloud", cx)
}

/// A success status is a 2xx code.
pub(crate) fn parse_status(file: FileId, s: &Spanned<i64>, cx: &mut Ctxt) -> Option<u16> {
    match u16::try_from(*s.get_ref()) {
        Ok(code @ 200..=299) => Some(code),
        _ => {
            cx.push(
                Diagnostic::new(
                    span(file, s),
                    format!("success status {} is not a 2xx code", s.get_ref()),
                )
                .help("state the status the page gives for success, such as 200 or 204"),
            );
            None
        }
    }
}

/// A privilege level is one of Microsoft's five, 1 (least privileged) to 5.
pub(crate) fn parse_level(file: FileId, level: &Spanned<i64>, cx: &mut Ctxt) -> Option<u8> {
    match u8::try_from(*level.get_ref()) {
        Ok(l @ 1..=5) => Some(l),
        _ => {
            cx.push(
                Diagnostic::new(
                    span(file, level),
                    format!("privilege level {} is not 1 to 5", level.get_ref()),
                )
                .help("copy `privilegeLevel` from the permission's scheme in permissions.json"),
            );
            None
        }
    }
}

/// A permission type is a row key: `delegated`, `delegated_personal` or `application`.
pub(crate) fn parse_permission_type(
    file: FileId,
    kind: &SString,
    cx: &mut Ctxt,
) -> Option<PermissionType> {
    let found = PermissionType::ALL
        .into_iter()
        .find(|k| k.spec_key() == kind.get_ref());
    if found.is_none() {
        let keys = PermissionType::ALL.map(PermissionType::spec_key);
        let mut d = Diagnostic::new(
            span(file, kind),
            format!("\"{}\" is not a permission type", kind.get_ref()),
        );
        d = match did_you_mean(kind.get_ref(), keys.iter().copied()) {
            Some(s) => d.help(format!("did you mean \"{s}\"?")),
            None => d.help(format!("name one of {}", keys.join(", "))),
        };
        cx.push(d);
    }
    found
}

/// A permissions row is `"not_supported"` (the only bare word it takes) or the two lists.
pub(crate) fn parse_scheme(
    file: FileId,
    s: &Spanned<spec::SchemeSpec>,
    cx: &mut Ctxt,
) -> Option<Scheme> {
    match s.get_ref() {
        spec::SchemeSpec::Keyword(k) if k == "not_supported" => Some(Scheme::NotSupported),
        spec::SchemeSpec::Keyword(k) => {
            cx.push(
                Diagnostic::new(span(file, s), format!("\"{k}\" is not a permissions row")).help(
                    "write \"not_supported\", or a table { least = [\"...\"], higher = [\"...\"] }",
                ),
            );
            None
        }
        spec::SchemeSpec::Lists(l) => Some(Scheme::Supported {
            least: l
                .least
                .get_ref()
                .iter()
                .map(|s| s.get_ref().clone())
                .collect(),
            higher: l.higher.iter().map(|s| s.get_ref().clone()).collect(),
        }),
    }
}

/// Query options are OData system query options graph-api knows; each is reported where it is
/// not one.
pub(crate) fn parse_query(
    file: FileId,
    query: &[Spanned<spec::QuerySpec>],
    cx: &mut Ctxt,
) -> Option<Vec<QueryOption>> {
    let mut out = Some(Vec::new());
    for q in query {
        let (name, sp, headers) = query_name(file, q);
        let found = QUERY_OPTIONS.iter().find(|(w, _, _)| *w == name);
        match (found, &mut out) {
            (Some(&(wire, method, arg)), Some(out)) => out.push(QueryOption {
                name: wire.to_owned(),
                method: method.to_owned(),
                arg,
                headers: header_pairs(headers),
            }),
            (Some(_), None) => {}
            (None, _) => {
                let names = QUERY_OPTIONS.iter().map(|(w, _, _)| *w);
                let mut d = Diagnostic::new(sp, format!("unknown query option \"{name}\""));
                d = match did_you_mean(name, names.clone()) {
                    Some(s) => d.help(format!("did you mean \"{s}\"?")),
                    None => d.help(format!(
                        "expected one of: {}",
                        names.collect::<Vec<_>>().join(", ")
                    )),
                };
                cx.push(d);
                out = None;
            }
        }
    }
    out
}

/// A query entry's option name, where it is written, and the headers it requires.
pub(crate) fn query_name(
    file: FileId,
    q: &Spanned<spec::QuerySpec>,
) -> (&str, Span, &[Spanned<spec::HeaderSpec>]) {
    match q.get_ref() {
        spec::QuerySpec::Name(n) => (n.as_str(), span(file, q), &[][..]),
        spec::QuerySpec::Table(t) => (
            t.option.get_ref().as_str(),
            span(file, &t.option),
            &t.headers[..],
        ),
    }
}
