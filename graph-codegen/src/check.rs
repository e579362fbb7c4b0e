//! The rules a spec must follow, one function each: per value (called while lowering) and
//! across entries (run on the lowered model).

use crate::diag::{Ctxt, Diagnostic, did_you_mean};
use crate::model::*;
use crate::naming;
use crate::source::{FileId, Span};
use crate::spec::{self, SString, Spanned};
use crate::template::{PathTemplate, Segment};
use std::collections::{HashMap, HashSet};

/// The span of a parsed value in its file.
pub(crate) fn span<T>(file: FileId, s: &Spanned<T>) -> Span {
    Span {
        file,
        range: s.span(),
    }
}

/// The checks of `graph-spec verify` an action can be excepted from.
pub const METADATA_CHECKS: &[&str] = &["path", "method", "body", "response", "clouds"];

/// An exception names a check `graph-spec verify` runs and says why the entry differs.
pub(crate) fn check_metadata_exceptions(file: FileId, ex: &spec::Table<String>, cx: &mut Ctxt) {
    for (name, reason) in ex {
        if !METADATA_CHECKS.contains(&name.get_ref().as_str()) {
            let mut d = Diagnostic::new(
                span(file, name),
                format!("`{}` is not a check of `graph-spec verify`", name.get_ref()),
            );
            d = match did_you_mean(name.get_ref(), METADATA_CHECKS.iter().copied()) {
                Some(s) => d.help(format!("did you mean `{s}`?")),
                None => d.help(format!("name one of {}", METADATA_CHECKS.join(", "))),
            };
            cx.push(d);
        }
        if reason.get_ref().trim().is_empty() {
            cx.push(
                Diagnostic::new(span(file, reason), "an exception needs its reason").help(
                    "say where the docs and the metadata disagree, and which the entry follows",
                ),
            );
        }
    }
}

/// The marker `graph-spec draft` puts on what the metadata cannot know (a summary, the docs
/// link, notes, idempotency): a string value or a comment starting with it.
pub const PLACEHOLDER: &str = "TODO(draft):";

/// How a placeholder's diagnostic begins, so tools that accept drafts (`graph-spec verify`) can
/// tell it from a real problem.
pub const PLACEHOLDER_UNFILLED: &str = "draft placeholder not filled in";

/// A drafted file is finished when no placeholder is left: each one, in a value or a comment, is
/// reported where it is.
pub fn check_placeholders(file: FileId, text: &str, cx: &mut Ctxt) {
    for (at, _) in text.match_indices(PLACEHOLDER) {
        let rest = text[at + PLACEHOLDER.len()..]
            .lines()
            .next()
            .unwrap_or("")
            .trim()
            .trim_end_matches('"');
        cx.push(
            Diagnostic::new(
                Span {
                    file,
                    range: at..at + PLACEHOLDER.len(),
                },
                format!("{PLACEHOLDER_UNFILLED}: {rest}"),
            )
            .help("write what the action's docs page says (or delete the line where it says so), and remove the marker"),
        );
    }
}

/// A resource-specific permission is listed with its level, since the planner ranks it by both.
pub(crate) fn check_rsc_has_level(file: FileId, name: &SString, levels: &[Level], cx: &mut Ctxt) {
    if !levels.iter().any(|l| l.permission == *name.get_ref()) {
        cx.push(
            Diagnostic::new(
                span(file, name),
                format!(
                    "resource-specific permission `{}` has no privilege level",
                    name.get_ref()
                ),
            )
            .help("add its level under [privilege_levels.application]"),
        );
    }
}

/// A cargo feature name is letters, digits, `-` and `_`, starting with a letter or digit.
pub(crate) fn check_feature_name(file: FileId, name: &SString, cx: &mut Ctxt) -> bool {
    let s = name.get_ref();
    let ok = s.starts_with(|c: char| c.is_ascii_alphanumeric())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !ok {
        cx.push(
            Diagnostic::new(
                span(file, name),
                format!("\"{s}\" is not a cargo feature name"),
            )
            .help("use letters, digits, `-` and `_`, like \"teams-apps\""),
        );
    }
    ok
}

/// A privilege level is one of Microsoft's five, 1 (least privileged) to 5.
pub(crate) fn check_level(file: FileId, level: &Spanned<i64>, cx: &mut Ctxt) -> Option<u8> {
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

// ---------------------------------------------------------------------------------------------
// Rules on single values
// ---------------------------------------------------------------------------------------------

/// Action ids are snake_case, since they name constants and request types.
pub(crate) fn check_action_id(file: FileId, id: &SString, cx: &mut Ctxt) {
    let s = id.get_ref();
    let ok = s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !ok {
        cx.push(
            Diagnostic::new(
                span(file, id),
                format!("action id `{s}` must be snake_case"),
            )
            .help(format!("write `{}`", naming::snake(s))),
        );
    }
}

/// Type and enum names are PascalCase Rust identifiers.
pub(crate) fn check_type_name(file: FileId, name: &SString, cx: &mut Ctxt) {
    if !is_type_name(name.get_ref()) {
        cx.push(
            Diagnostic::new(
                span(file, name),
                format!(
                    "type name `{}` must be PascalCase letters and digits",
                    name.get_ref()
                ),
            )
            .help(format!("write `{}`", naming::pascal(name.get_ref()))),
        );
    }
}

/// Navigation and call names are snake_case method names.
pub(crate) fn check_accessor_name(file: FileId, name: &SString, cx: &mut Ctxt) {
    let s = name.get_ref();
    let ok = s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !ok || naming::is_keyword(s) {
        cx.push(
            Diagnostic::new(
                span(file, name),
                format!("`{s}` is not usable as a method name"),
            )
            .help("use a snake_case name that is not a Rust keyword"),
        );
    }
}

/// A field type is a primitive, a PascalCase name, or `[T]`.
pub(crate) fn check_type_syntax(file: FileId, ty: &SString, cx: &mut Ctxt) -> Option<TypeRef> {
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

/// `rsc_consent` only means something on a request body field.
/// A fixed header is one that HTTP can carry: a token name and a visible-ASCII value.
pub(crate) fn check_header(file: FileId, h: &spec::HeaderSpec, cx: &mut Ctxt) {
    let name = h.name.get_ref();
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c))
    {
        cx.push(
            Diagnostic::new(
                span(file, &h.name),
                format!("\"{name}\" is not an HTTP header name"),
            )
            .help("use letters, digits and `-`, like `Content-Type`"),
        );
    }
    if h.name.get_ref().eq_ignore_ascii_case("authorization") {
        cx.push(
            Diagnostic::new(
                span(file, &h.name),
                "`Authorization` is sent by the client from its credentials",
            )
            .help("remove this header"),
        );
    }
    let value = h.value.get_ref();
    if !value.chars().all(|c| c == ' ' || c.is_ascii_graphic()) {
        cx.push(Diagnostic::new(
            span(file, &h.value),
            "a header value holds only visible ASCII characters and spaces",
        ));
    }
}

/// The methods every request builder has besides its body setters: the fixed ones, and those of
/// the query options a page can list (both as the emitter names them).
pub fn builder_methods() -> impl Iterator<Item = &'static str> {
    crate::expand::requests::BUILDER_METHODS
        .into_iter()
        .chain(QUERY_OPTIONS.iter().map(|(_, method, _)| *method))
}

/// A body field's setter cannot take the name of one of the request builder's own methods, and a
/// model type's field cannot take the name of a field every model type has.
pub(crate) fn check_field_name(file: FileId, wire: &SString, in_body: bool, cx: &mut Ctxt) {
    let rust = naming::snake(wire.get_ref());
    if in_body && builder_methods().any(|m| m == rust) {
        cx.push(
            Diagnostic::new(
                span(file, wire),
                format!(
                    "body field `{}` would be named `{rust}`, a method every request builder has",
                    wire.get_ref()
                ),
            )
            .help("graph-api cannot generate a setter for it yet; please report the endpoint"),
        );
    }
    if !in_body
        && crate::expand::models::MODEL_FIELDS
            .iter()
            .any(|(w, r)| *w == wire.get_ref() || *r == rust)
    {
        cx.push(
            Diagnostic::new(
                span(file, wire),
                format!(
                    "field `{}` is one every model type has already (`odata_type` for `@odata.type`, `additional` for undeclared fields)",
                    wire.get_ref()
                ),
            )
            .help("remove it; it is generated"),
        );
    }
}

/// `bind` makes a required body field hold the URL of the entity whose id the caller passes, so
/// its template has exactly one parameter and the field is a string.
pub(crate) fn check_bind(
    file: FileId,
    wire: &SString,
    f: &spec::FieldSpec,
    in_body: bool,
    cx: &mut Ctxt,
) -> Option<PathTemplate> {
    let b = f.bind.as_ref()?;
    if !in_body {
        cx.error(&span(file, b), "`bind` applies to request body fields only");
        return None;
    }
    if f.optional {
        cx.error(&span(file, b), "a `bind` field is required: the method that builds the request takes its id; remove `optional`");
    }
    if let Some(t) = f.ty.as_ref().filter(|t| t.get_ref() != "string") {
        cx.error(
            &span(file, t),
            "a `bind` field holds a URL, so its type is `string`; remove `type`",
        );
    }
    if !wire.get_ref().ends_with("@odata.bind") {
        cx.push(
            Diagnostic::new(
                span(file, wire),
                format!(
                    "`bind` field `{}` is not an `@odata.bind` name",
                    wire.get_ref()
                ),
            )
            .help("name it as the page does, such as \"teamsApp@odata.bind\""),
        );
    }
    let t = check_template(file, b, cx)?;
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

/// `navigation` marks relationships of model types, which only responses carry.
pub(crate) fn check_navigation_flag(
    file: FileId,
    wire: &SString,
    f: &spec::FieldSpec,
    in_body: bool,
    cx: &mut Ctxt,
) {
    if f.navigation && in_body {
        cx.error(
            &span(file, wire),
            "`navigation` applies to model type fields only; remove it from the body",
        );
    }
}

/// A query option is one of the OData system query options graph-api knows.
pub(crate) fn check_query_option(
    name: &str,
    sp: &Span,
    cx: &mut Ctxt,
) -> Option<&'static (&'static str, &'static str, QueryArg)> {
    let found = QUERY_OPTIONS.iter().find(|(w, _, _)| *w == name);
    if found.is_none() {
        let names = QUERY_OPTIONS.iter().map(|(w, _, _)| *w);
        let mut d = Diagnostic::new(sp.clone(), format!("unknown query option \"{name}\""));
        d = match did_you_mean(name, names.clone()) {
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

pub(crate) fn check_rsc_flag_in_body(
    file: FileId,
    wire: &SString,
    f: &spec::FieldSpec,
    in_body: bool,
    cx: &mut Ctxt,
) {
    if f.rsc_consent && !in_body {
        cx.error(
            &f.ty
                .as_ref()
                .map_or_else(|| span(file, wire), |t| span(file, t)),
            "`rsc_consent` applies to request body fields only; remove it from the model type",
        );
    }
}

/// The HTTP method is one Graph uses.
pub(crate) fn check_method(file: FileId, m: &SString, cx: &mut Ctxt) -> Option<HttpMethod> {
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
pub(crate) fn check_template(file: FileId, path: &SString, cx: &mut Ctxt) -> Option<PathTemplate> {
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

pub(crate) fn check_known<T: Copy>(
    file: FileId,
    list: &Spanned<Vec<SString>>,
    known: &[(&'static str, T)],
    what: &str,
    cx: &mut Ctxt,
) -> Vec<T> {
    let mut out = Vec::new();
    for v in list.get_ref() {
        match known.iter().find(|(s, _)| s == v.get_ref()) {
            Some((_, t)) => out.push(*t),
            None => {
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
    }
    out
}

/// API versions are `v1.0` or `beta`.
pub(crate) fn check_versions(
    file: FileId,
    v: &Spanned<Vec<SString>>,
    cx: &mut Ctxt,
) -> Vec<ApiVersion> {
    check_known(file, v, ApiVersion::ALL, "API version", cx)
}

/// Clouds are the four national cloud deployments Graph documents.
pub(crate) fn check_clouds(
    file: FileId,
    v: &Spanned<Vec<SString>>,
    cx: &mut Ctxt,
) -> Vec<NationalCloud> {
    check_known(file, v, NationalCloud::ALL, "cloud", cx)
}

/// A success status is a 2xx code.
pub(crate) fn check_status(file: FileId, s: &Spanned<i64>, cx: &mut Ctxt) -> Option<u16> {
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

/// A 204 response has no body to type; a 200 or 201 with a body names its type.
pub(crate) fn check_response_body(
    file: FileId,
    r: &Spanned<spec::ResponseSpec>,
    status: u16,
    cx: &mut Ctxt,
) {
    if status == 204 && r.get_ref().ty.is_some() {
        cx.error(
            &span(file, r),
            "a 204 No Content response has no body; remove `type`",
        );
    }
}

/// The method that builds a request takes the required body fields (a bound one as the id its
/// path names), so their argument names must differ.
pub(crate) fn check_argument_names(body: &[Field], cx: &mut Ctxt) {
    let mut seen: Vec<String> = Vec::new();
    for f in body.iter().filter(|f| !f.optional) {
        let arg = match f.bind.as_ref().and_then(|t| t.params().next()) {
            Some(p) => naming::snake(p),
            None => naming::snake(&f.wire),
        };
        if seen.contains(&arg) {
            cx.error(
                &f.span,
                format!("the request method would take two arguments named `{arg}`; rename the bind parameter or the field"),
            );
        }
        seen.push(arg);
    }
}

/// The docs link is a learn.microsoft.com page, since facts come from Microsoft's documentation.
/// (A draft's placeholder is reported once, by [`check_placeholders`].)
pub(crate) fn check_docs_link(file: FileId, docs: &SString, cx: &mut Ctxt) {
    if !docs.get_ref().starts_with("https://learn.microsoft.com/")
        && !docs.get_ref().starts_with(PLACEHOLDER)
    {
        cx.push(
            Diagnostic::new(
                span(file, docs),
                "`docs` must link the Microsoft Graph documentation page",
            )
            .help(
                "use the https://learn.microsoft.com/... address of the page the entry comes from",
            ),
        );
    }
}

/// GET and DELETE requests carry no body in Graph.
pub(crate) fn check_body_allowed(
    file: FileId,
    m: HttpMethod,
    body: &Spanned<spec::Table<spec::FieldSpec>>,
    cx: &mut Ctxt,
) {
    if matches!(m, HttpMethod::Get | HttpMethod::Delete) {
        cx.push(
            Diagnostic::new(
                span(file, body),
                format!("a {} request has no body", m.as_str()),
            )
            .help("remove the `body` table, or use the method the page gives"),
        );
    }
}

/// Every `{param}` in the path is declared under `params`, and every declared one is used.
pub(crate) fn check_params_match(
    file: FileId,
    id: &SString,
    path_s: &SString,
    path: &PathTemplate,
    params: &[Param],
    cx: &mut Ctxt,
) {
    for name in path.params() {
        if !params.iter().any(|p| p.name == name) {
            let offset = path_s.get_ref().find(&format!("{{{name}}}")).unwrap_or(0)
                + path_s.span().start
                + 1;
            cx.push(
                Diagnostic::new(
                    Span {
                        file,
                        range: offset..offset + name.len() + 2,
                    },
                    format!("path parameter `{name}` is not declared"),
                )
                .help(format!(
                    "add it under [actions.{}.params]: {name} = {{ doc = \"...\" }}",
                    id.get_ref()
                )),
            );
        }
    }
    for p in params {
        if !path.params().any(|n| n == p.name) {
            cx.push(
                Diagnostic::new(
                    p.span.clone(),
                    format!("parameter `{}` is declared but not in the path", p.name),
                )
                .help("remove it, or add `{name}` to the path"),
            );
        }
    }
}

/// A path that ends in a parameter needs `call` to name its method.
pub(crate) fn check_call(
    file: FileId,
    path_s: &SString,
    path: &PathTemplate,
    call: &Option<SString>,
    cx: &mut Ctxt,
) {
    if call.is_none() && matches!(path.segments.last(), Some(Segment::Param(_)) | None) {
        cx.push(
            Diagnostic::new(
                span(file, path_s),
                "this path ends in a parameter, so the method name cannot come from it",
            )
            .help(
                "add `call = \"get\"` (or `delete`, `update`, ...) to name the method on the item",
            ),
        );
    }
}

/// `"not_supported"` is the only bare word a permissions row accepts.
pub(crate) fn check_not_supported_keyword(
    file: FileId,
    s: &Spanned<spec::SchemeSpec>,
    k: &str,
    cx: &mut Ctxt,
) {
    if k != "not_supported" {
        cx.push(
            Diagnostic::new(span(file, s), format!("\"{k}\" is not a permissions row")).help(
                "write \"not_supported\", or a table { least = [\"...\"], higher = [\"...\"] }",
            ),
        );
    }
}

/// A supported permission type has at least one least-privileged permission.
pub(crate) fn check_least_not_empty(file: FileId, least: &Spanned<Vec<SString>>, cx: &mut Ctxt) {
    if least.get_ref().is_empty() {
        cx.push(
            Diagnostic::new(
                span(file, least),
                "a supported permission type needs at least one least-privileged permission",
            )
            .help("copy it from the page, or write \"not_supported\" for the row"),
        );
    }
}

/// A permission is either least or higher privileged, not both.
pub(crate) fn check_least_higher_disjoint(file: FileId, l: &spec::ListsSpec, cx: &mut Ctxt) {
    for h in &l.higher {
        if l.least.get_ref().iter().any(|x| x.get_ref() == h.get_ref()) {
            cx.push(
                Diagnostic::new(
                    span(file, h),
                    format!(
                        "`{}` is listed as both least and higher privileged",
                        h.get_ref()
                    ),
                )
                .help("keep it in one list, as the page does"),
            );
        }
    }
}

/// Permission names are dot-separated words, such as `TeamsAppInstallation.ReadWriteForChat.All`.
pub(crate) fn check_permission_name(file: FileId, name: &SString, cx: &mut Ctxt) {
    let s = name.get_ref();
    let ok = !s.is_empty()
        && s.split('.').all(|part| {
            part.starts_with(|c: char| c.is_ascii_alphabetic())
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        });
    if !ok {
        let help = if s.contains(',') {
            "list each permission as its own string"
        } else {
            "a permission is dot-separated words, like `Chat.Read.All`"
        };
        cx.push(
            Diagnostic::new(
                span(file, name),
                format!("malformed permission name \"{s}\""),
            )
            .help(help),
        );
    }
}

/// A note restricts permissions that the table lists.
pub(crate) fn check_note_names_listed(
    file: FileId,
    name: &SString,
    all: &[&String],
    cx: &mut Ctxt,
) {
    if !all.iter().any(|p| *p == name.get_ref()) {
        cx.error(
            &span(file, name),
            format!(
                "`{}` is not in this action's permissions table",
                name.get_ref()
            ),
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Rules across entries
// ---------------------------------------------------------------------------------------------

/// Action ids, and type and enum names, are each declared once across all files; so are the
/// Rust names made from them (`a_b` and `a__b` both make `AB`), and none takes a reserved name.
pub(crate) fn check_unique_names(spec: &mut Spec, cx: &mut Ctxt) {
    // Rust name -> the spec name that made it; `None` for names the generated code uses itself.
    // `Self`, the statics the generated `actions` module has of its own, and the prelude names
    // the generated code uses unqualified.
    let mut taken: HashMap<String, Option<String>> = std::iter::once("Self")
        .chain(crate::expand::actions::STATICS)
        .chain(crate::expand::PRELUDE_NAMES)
        .map(|k| (k.to_owned(), None))
        .collect();
    let mut first = |rust: String, name: &str, sp: &Span, what: &str, cx: &mut Ctxt| {
        let (message, help) = match taken.get(&rust) {
            None => {
                taken.insert(rust, Some(name.to_owned()));
                return true;
            }
            Some(Some(prev)) if prev == name => (
                format!("{what} `{name}` is declared more than once"),
                "keep one declaration; all spec files share one namespace".to_owned(),
            ),
            Some(Some(prev)) => (
                format!("{what} `{name}` makes the Rust name `{rust}`, which `{prev}` makes too"),
                "rename one of them".to_owned(),
            ),
            Some(None) => (
                format!(
                    "{what} `{name}` makes the Rust name `{rust}`, which the generated code uses itself"
                ),
                "rename it".to_owned(),
            ),
        };
        cx.push(Diagnostic::new(sp.clone(), message).help(help));
        false
    };
    spec.types
        .retain(|t| first(t.name.clone(), &t.name, &t.span, "type", cx));
    spec.enums
        .retain(|e| first(e.name.clone(), &e.name, &e.span, "type", cx));
    spec.actions.retain(|a| {
        let request = naming::pascal(&a.id);
        let shouty = naming::shouty(&a.id);
        // An id such as `v1` makes the same name twice; that is one name, not a duplicate.
        let ok = (shouty == request || first(shouty, &a.id, &a.span, "action", cx))
            && first(request.clone(), &a.id, &a.span, "action", cx);
        ok && (a.body.is_none() || first(format!("{request}Body"), &a.id, &a.span, "action", cx))
    });
}

/// Every named field type is a declared type or enum.
pub(crate) fn check_type_refs(spec: &mut Spec, poisoned: &HashSet<String>, cx: &mut Ctxt) {
    let known: HashSet<String> = spec
        .types
        .iter()
        .map(|t| t.name.clone())
        .chain(spec.enums.iter().map(|e| e.name.clone()))
        .collect();
    let resolves = |name: Option<&str>, sp: &Span, cx: &mut Ctxt| -> bool {
        let Some(name) = name else { return true };
        if known.contains(name) {
            return true;
        }
        if !poisoned.contains(name) {
            let mut d = Diagnostic::new(sp.clone(), format!("type `{name}` is not declared"));
            d = match did_you_mean(name, known.iter().map(String::as_str)) {
                Some(s) => d.help(format!("did you mean `{s}`?")),
                None => d.help(format!("declare it as [types.{name}] or [enums.{name}]")),
            };
            cx.push(d);
        }
        false
    };
    for t in &mut spec.types {
        t.fields.retain(|f| resolves(f.ty.named(), &f.ty_span, cx));
    }
    spec.actions.retain_mut(|a| {
        let before = cx.len();
        if let Some(body) = &mut a.body {
            body.retain(|f| resolves(f.ty.named(), &f.ty_span, cx));
        }
        let response_ok = resolves(
            a.response.as_ref().and_then(TypeRef::named),
            &a.response_span,
            cx,
        );
        response_ok && cx.len() == before
    });
}

/// A derived type names a declared base, says which `@odata.type` names it, does not derive from
/// itself (through any chain), and declares no field its bases already have.
pub(crate) fn check_bases(spec: &mut Spec, cx: &mut Ctxt) {
    let bases: HashMap<String, Option<(String, Span)>> = spec
        .types
        .iter()
        .map(|t| (t.name.clone(), t.base.clone()))
        .collect();
    let fields: HashMap<String, Vec<String>> = spec
        .types
        .iter()
        .map(|t| {
            (
                t.name.clone(),
                t.fields.iter().map(|f| f.wire.clone()).collect(),
            )
        })
        .collect();
    let mut bad: HashSet<String> = HashSet::new();
    for t in &spec.types {
        let Some((base, sp)) = &t.base else { continue };
        if !bases.contains_key(base) {
            let mut d = Diagnostic::new(sp.clone(), format!("base type `{base}` is not declared"));
            if let Some(s) = did_you_mean(base, bases.keys().map(String::as_str)) {
                d = d.help(format!("did you mean `{s}`?"));
            }
            cx.push(d);
            bad.insert(t.name.clone());
            continue;
        }
        if t.odata_type.is_none() {
            cx.push(
                Diagnostic::new(t.span.clone(), format!("derived type `{}` has no `odata_type`", t.name))
                    .help("add the `@odata.type` value Graph sends for it, such as \"#microsoft.graph.userScopeTeamsAppInstallation\""),
            );
            bad.insert(t.name.clone());
        }
        // Walk up the chain: a cycle, or a field declared twice.
        let mut seen = vec![t.name.clone()];
        let mut cur = Some(base.clone());
        while let Some(b) = cur {
            if seen.contains(&b) {
                cx.error(
                    sp,
                    format!("type `{}` derives from itself through `{b}`", t.name),
                );
                bad.insert(t.name.clone());
                break;
            }
            for f in &t.fields {
                if fields
                    .get(&b)
                    .is_some_and(|fs: &Vec<String>| fs.contains(&naming::snake(&f.wire)))
                {
                    cx.push(
                        Diagnostic::new(
                            f.span.clone(),
                            format!("field `{}` is already declared by base type `{b}`", f.wire),
                        )
                        .help("remove it here: a derived type has every field of its bases"),
                    );
                    bad.insert(t.name.clone());
                }
            }
            seen.push(b.clone());
            cur = bases.get(&b).cloned().flatten().map(|(n, _)| n);
        }
    }
    if !bad.is_empty() {
        spec.types.retain(|t| !bad.contains(&t.name));
        check_type_refs(spec, &bad, &mut Ctxt::default());
    }
}

/// A type may not contain itself except through a collection, which gives indirection.
pub(crate) fn check_recursion(spec: &mut Spec, cx: &mut Ctxt) {
    let by_name: HashMap<&str, &TypeDef> =
        spec.types.iter().map(|t| (t.name.as_str(), t)).collect();
    let mut recursive: HashSet<String> = HashSet::new();
    for t in &spec.types {
        let mut stack: Vec<&str> = vec![t.name.as_str()];
        let mut seen = HashSet::new();
        while let Some(cur) = stack.pop() {
            let Some(def) = by_name.get(cur) else {
                continue;
            };
            for f in &def.fields {
                let TypeRef::Named(n) = &f.ty else { continue };
                if n == &t.name {
                    recursive.insert(t.name.clone());
                    if cur == t.name {
                        cx.push(
                            Diagnostic::new(
                                f.ty_span.clone(),
                                format!(
                                    "type `{}` contains itself through field `{}`",
                                    t.name, f.wire
                                ),
                            )
                            .help("make the field a collection `[T]`, or break the cycle"),
                        );
                    }
                } else if seen.insert(n.as_str()) {
                    stack.push(n);
                }
            }
        }
    }
    // A cycle through several types is reported at each type's declaration.
    for t in &spec.types {
        if recursive.contains(&t.name)
            && !t
                .fields
                .iter()
                .any(|f| f.ty == TypeRef::Named(t.name.clone()))
        {
            cx.push(
                Diagnostic::new(
                    t.span.clone(),
                    format!("type `{}` contains itself through other types", t.name),
                )
                .help("make one field of the cycle a collection `[T]`"),
            );
        }
    }
    if !recursive.is_empty() {
        spec.types.retain(|t| !recursive.contains(&t.name));
        // Drop the fields that referred to them; they were reported above.
        check_type_refs(spec, &recursive, &mut Ctxt::default());
    }
}

/// Paths that share a prefix navigate through the same methods: one name per segment and node.
/// Returns the navigation tree of the actions that pass, built once here.
pub(crate) fn check_navigation(spec: &mut Spec, cx: &mut Ctxt) -> crate::nav::Tree {
    let mut seg_names: HashMap<String, String> = HashMap::new();
    spec.segments
        .retain(|(seg, item, sp)| match seg_names.get(seg) {
            Some(prev) if prev != item => {
                cx.error(
                    sp,
                    format!("segment `{seg}` is given two item names, `{prev}` and `{item}`"),
                );
                false
            }
            _ => {
                seg_names.insert(seg.clone(), item.clone());
                true
            }
        });
    let (mut tree, conflicts) = crate::nav::Tree::build(spec);
    let dropped: HashSet<usize> = conflicts.iter().map(|(i, _)| *i).collect();
    for (_, d) in conflicts {
        cx.push(d);
    }
    if !dropped.is_empty() {
        let mut next = 0;
        let new_index: Vec<Option<usize>> = (0..spec.actions.len())
            .map(|i| {
                (!dropped.contains(&i)).then(|| {
                    next += 1;
                    next - 1
                })
            })
            .collect();
        let mut index = 0;
        spec.actions.retain(|_| {
            index += 1;
            !dropped.contains(&(index - 1))
        });
        tree.renumber(&new_index);
    }
    tree
}
