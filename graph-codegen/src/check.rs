//! The check stage: every rule a spec must follow, one commented function each, listed in
//! [`check`] (per entry, then across entries over the lowered model), and the [`prune`] step
//! that leaves out what the rules rejected. Rules report; they never change the model.

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

/// The checks of `graph-spec verify` (and, for `permissions`, `graph-spec drift`) an action can
/// be excepted from.
pub const METADATA_CHECKS: &[&str] = &[
    "path",
    "method",
    "body",
    "response",
    "clouds",
    "permissions",
];

/// An exception names a check `graph-spec verify` runs and says why the entry differs.
pub(crate) fn check_metadata_exceptions(file: FileId, ex: &spec::Table<String>, cx: &mut Ctxt) {
    for (name, reason) in ex {
        if !METADATA_CHECKS.contains(&name.get_ref().as_str()) {
            let mut d = Diagnostic::new(
                span(file, name),
                format!(
                    "`{}` is not a check of `graph-spec verify` or `drift`",
                    name.get_ref()
                ),
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

/// A cloud limit names clouds the action has: where the action is not deployed at all, the
/// action's `clouds` already say so.
pub(crate) fn check_cloud_limits_in_clouds(
    file: FileId,
    p: &spec::PermissionsSpec,
    clouds: &[NationalCloud],
    cx: &mut Ctxt,
) {
    for l in &p.cloud_limits {
        for c in l.get_ref().clouds.get_ref() {
            let listed = NationalCloud::ALL
                .iter()
                .find(|(k, _)| k == c.get_ref())
                .is_none_or(|(_, cloud)| clouds.contains(cloud));
            if !listed {
                cx.push(
                    Diagnostic::new(
                        span(file, c),
                        format!("cloud \"{}\" is not in the action's `clouds`", c.get_ref()),
                    )
                    .help("a cloud limit names clouds that have the action; remove this one"),
                );
            }
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
    if let Some(location) = &r.get_ref().location
        && *location.get_ref()
    {
        if r.get_ref().ty.is_some() {
            cx.error(
                &span(file, location),
                "an answer is either a body (`type`) or a `Location` header (`location = true`), not both; keep the one the docs page's Response section describes",
            );
        } else if status == 204 {
            cx.error(
                &span(file, location),
                "a `Location` answer is a 201 or 202 with a `Location` header, not a 204; use the status the docs page gives",
            );
        }
    }
}

/// The method that builds a request takes the required body fields (a bound one as the id its
/// path names; a fixed `value` is not an argument), so their argument names must differ.
pub(crate) fn check_argument_names(
    file: FileId,
    body: &spec::Table<spec::FieldSpec>,
    cx: &mut Ctxt,
) {
    let mut seen: Vec<String> = Vec::new();
    let argument = |f: &spec::FieldSpec| !f.optional && f.value.is_none();
    for (wire, f) in body.iter().filter(|(_, f)| argument(f.get_ref())) {
        let bound = f.get_ref().bind.as_ref().and_then(|b| {
            PathTemplate::parse(b.get_ref())
                .ok()
                .and_then(|t| t.params().next().map(naming::snake))
        });
        let arg = bound.unwrap_or_else(|| naming::snake(wire.get_ref()));
        if seen.contains(&arg) {
            cx.error(
                &span(file, wire),
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
    params: &spec::Table<spec::ParamSpec>,
    cx: &mut Ctxt,
) {
    for name in path.params() {
        if !params.iter().any(|(p, _)| p.get_ref() == name) {
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
    for (p, _) in params {
        if !path.params().any(|n| n == p.get_ref()) {
            cx.push(
                Diagnostic::new(
                    span(file, p),
                    format!(
                        "parameter `{}` is declared but not in the path",
                        p.get_ref()
                    ),
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

/// A permission appears once in a row: twice in `least`, or twice in `higher`, is a slip (the
/// page lists each once), reported at the repeat. Across the two lists,
/// [`check_least_higher_disjoint`] reports it.
pub(crate) fn check_no_repeated_permission(file: FileId, l: &spec::ListsSpec, cx: &mut Ctxt) {
    for (list, which) in [(l.least.get_ref(), "least"), (&l.higher, "higher")] {
        for (i, name) in list.iter().enumerate() {
            if list[..i].iter().any(|x| x.get_ref() == name.get_ref()) {
                cx.push(
                    Diagnostic::new(
                        span(file, name),
                        format!(
                            "`{}` is listed twice as {which} privileged in this row",
                            name.get_ref()
                        ),
                    )
                    .help("list each permission once, as the page does"),
                );
            }
        }
    }
}

/// Names a `call` cannot take: methods a request already has (`send`, `all`, `stream`,
/// `build`, ...), which would read as the request itself (`messages().send(body).send()`).
pub fn request_method_names() -> impl Iterator<Item = &'static str> {
    crate::expand::requests::BUILDER_METHODS.into_iter()
}

/// An action's `call` names the step that makes its request; a name a request's own methods
/// have would make calls read like a request being sent twice, so it is refused with a name to
/// use instead.
pub(crate) fn check_call_name(file: FileId, call: &SString, method: HttpMethod, cx: &mut Ctxt) {
    let s = call.get_ref().as_str();
    if !request_method_names().any(|m| m == s) {
        return;
    }
    let instead = match method {
        HttpMethod::Get if s == "all" || s == "stream" => "list",
        HttpMethod::Get => "get",
        HttpMethod::Post => "add",
        HttpMethod::Patch => "update",
        HttpMethod::Put => "replace",
        HttpMethod::Delete => "delete",
    };
    cx.push(
        Diagnostic::new(
            span(file, call),
            format!(
                "`call = \"{s}\"` names the step like a request's own `.{s}()`, so a call would read `.{s}(..).{s}()`"
            ),
        )
        .help(format!(
            "name the step by what it does, such as `call = \"{instead}\"` (a request's own methods are {})",
            request_method_names().collect::<Vec<_>>().join(", ")
        )),
    );
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

/// `bind` makes a required body field hold the URL of the entity whose id the caller passes:
/// only a request body has one, it is not optional, its type is `string` (left out), and its
/// name is an `@odata.bind` name. (The path itself is parsed while lowering.)
pub(crate) fn check_bind_field(
    file: FileId,
    wire: &SString,
    f: &spec::FieldSpec,
    in_body: bool,
    cx: &mut Ctxt,
) {
    let Some(b) = f.bind.as_ref() else { return };
    if !in_body {
        cx.error(&span(file, b), "`bind` applies to request body fields only");
        return;
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
}

/// `value` makes a body field a fixed string the request always sends (a page's `@odata.type`):
/// only a request body has one, it is a required `string`, and nothing else fills it.
pub(crate) fn check_value_field(
    file: FileId,
    wire: &SString,
    f: &spec::FieldSpec,
    in_body: bool,
    cx: &mut Ctxt,
) {
    let Some(v) = f.value.as_ref() else { return };
    if !in_body {
        cx.error(
            &span(file, v),
            "`value` applies to request body fields only",
        );
        return;
    }
    if f.optional || f.bind.is_some() || f.rsc_consent {
        cx.push(
            Diagnostic::new(
                span(file, v),
                format!(
                    "body field `{}` has a fixed `value`, so it is always sent as is",
                    wire.get_ref()
                ),
            )
            .help("remove `optional`, `bind` and `rsc_consent` from it, or remove `value`"),
        );
    }
    if let Some(t) = f.ty.as_ref().filter(|t| t.get_ref() != "string") {
        cx.error(
            &span(file, t),
            "a field with a fixed `value` is a string; remove `type`",
        );
    }
}

/// A cargo feature name is letters, digits, `-` and `_`, starting with a letter or digit.
pub(crate) fn check_feature_name(file: FileId, name: &SString, cx: &mut Ctxt) {
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
}

/// Enum members are distinct ignoring case (reading ignores case), each names a Rust variant
/// (its `variant`, else its wire name in PascalCase, with a letter first), none is `Other` (kept
/// for values Graph adds later), there is one at least, and a flags enum has at most 64.
pub(crate) fn check_enum_members(file: FileId, name: &SString, e: &spec::EnumSpec, cx: &mut Ctxt) {
    let mut seen: Vec<(&str, String)> = Vec::new();
    for m in &e.members {
        let wire = m.get_ref().wire.get_ref().as_str();
        let Some(rust) = crate::lang::member_variant(file, m.get_ref(), cx) else {
            continue;
        };
        let at = m.get_ref().variant.as_ref().unwrap_or(&m.get_ref().wire);
        let sp = span(file, &m.get_ref().wire);
        if seen
            .iter()
            .any(|(p, r)| p.eq_ignore_ascii_case(wire) || *r == rust)
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
                    sp,
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
        seen.push((wire, rust));
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
}

/// Two wire names that make one Rust name (`displayName`, `display_name`) cannot both be fields.
pub(crate) fn check_field_rust_names(
    file: FileId,
    fields: &spec::Table<spec::FieldSpec>,
    cx: &mut Ctxt,
) {
    let mut rust_names: HashMap<String, &str> = HashMap::new();
    for (wire, _) in fields {
        let rust = naming::snake(wire.get_ref());
        if let Some(prev) = rust_names.insert(rust.clone(), wire.get_ref()) {
            cx.push(
                Diagnostic::new(span(file, wire), format!("field `{}` has the same Rust name `{rust}` as field `{prev}`", wire.get_ref()))
                    .help("rename one of them; wire names differing only in case or separators cannot both be fields"),
            );
        }
    }
}

/// A query option is listed once.
pub(crate) fn check_query_unique(file: FileId, query: &[Spanned<spec::QuerySpec>], cx: &mut Ctxt) {
    let mut seen: Vec<&str> = Vec::new();
    for q in query {
        let (name, sp, _) = crate::lower::query_name(file, q);
        if seen.contains(&name) {
            cx.error(
                &sp,
                format!("query option `{name}` is listed twice; keep one"),
            );
        }
        seen.push(name);
    }
}

/// A cloud limit is on a permission type the table supports (on a row that is
/// `"not_supported"` it would say nothing), and its source is a learn.microsoft.com page.
pub(crate) fn check_cloud_limit_rows(file: FileId, p: &spec::PermissionsSpec, cx: &mut Ctxt) {
    for l in &p.cloud_limits {
        let l = l.get_ref();
        let row = match l.kind.get_ref().as_str() {
            "delegated" => &p.delegated,
            "delegated_personal" => &p.delegated_personal,
            "application" => &p.application,
            _ => continue,
        };
        if matches!(row.get_ref(), spec::SchemeSpec::Keyword(_)) {
            cx.push(
                Diagnostic::new(
                    span(file, &l.kind),
                    format!("the {} row is \"not_supported\" already", l.kind.get_ref()),
                )
                .help("a cloud limit applies to a permission type the table supports; remove it"),
            );
        }
        check_docs_link(file, &l.source, cx);
    }
}

// ---------------------------------------------------------------------------------------------
// The check stage
// ---------------------------------------------------------------------------------------------

/// What the rules know besides the spec: the navigation and types of the crate a downstream
/// spec extends, and the cargo features of the crate the spec belongs to.
#[derive(Debug, Clone, Default)]
pub struct Env {
    /// graph-api's navigation and type names, for a downstream spec (see [`crate::extension`]).
    pub base: Option<crate::extension::BaseIndex>,
    /// The features the spec's crate declares in its `Cargo.toml`; `None` when unknown.
    pub features: Option<Vec<String>>,
}

/// Runs every rule over the lowered model, in this order. Per-entry rules read the parsed entry
/// (for its spans) and report into the entry (a report rejects it); rules across entries read the
/// lowered model and name the entries they reject. No rule changes anything: [`prune`] then
/// leaves out what was rejected.
pub fn check(files: &[(FileId, spec::SpecFile)], spec: &Spec, env: &Env, cx: &mut Ctxt) {
    for (file, f) in files {
        let file = *file;
        if let Some(feature) = &f.feature {
            cx.within(span(file, feature), |cx| {
                check_feature_name(file, feature, cx)
            });
        }
        for (_, s) in &f.segments {
            let item = &s.get_ref().item;
            cx.within(span(file, item), |cx| check_accessor_name(file, item, cx));
        }
        for (name, t) in &f.types {
            cx.within(span(file, name), |cx| {
                check_type_name(file, name, cx);
                check_fields(file, &t.get_ref().fields, false, cx);
            });
        }
        for (name, e) in &f.enums {
            cx.within(span(file, name), |cx| {
                check_type_name(file, name, cx);
                check_enum_members(file, name, e.get_ref(), cx);
            });
        }
        if let Some(levels) = &f.privilege_levels {
            let l = levels.get_ref();
            for (name, _) in l
                .delegated
                .iter()
                .chain(&l.delegated_personal)
                .chain(&l.application)
            {
                check_permission_name(file, name, cx);
            }
            for r in &levels.get_ref().resource_specific {
                check_rsc_has_level(file, r, &spec.levels, cx);
            }
        }
        for (id, a) in &f.actions {
            cx.within(span(file, id), |cx| check_action(file, id, a.get_ref(), cx));
        }
    }
    check_levels_unique(spec, cx);
    check_unique_names(spec, cx);
    let declared: HashSet<&str> = files
        .iter()
        .flat_map(|(_, f)| f.types.keys().chain(f.enums.keys()))
        .map(|n| n.get_ref().as_str())
        .collect();
    let base = env.base.as_ref();
    check_type_refs(spec, &declared, base, cx);
    crate::lang::check_function_types(spec, &base_types(spec, base), cx);
    check_bases(spec, &declared, base, cx);
    check_recursion(spec, cx);
    check_segment_items(spec, cx);
    // Last, over what is left: the navigation tree and, for a downstream spec, its base.
    check_navigation(spec, base, cx);
    if let Some(declared) = &env.features {
        check_crate_features(spec, declared, cx);
    }
}

/// The rules of one type's or body's fields.
fn check_fields(file: FileId, fields: &spec::Table<spec::FieldSpec>, in_body: bool, cx: &mut Ctxt) {
    for (wire, f) in fields {
        let f = f.get_ref();
        check_bind_field(file, wire, f, in_body, cx);
        check_value_field(file, wire, f, in_body, cx);
        check_rsc_flag_in_body(file, wire, f, in_body, cx);
        check_navigation_flag(file, wire, f, in_body, cx);
        check_field_name(file, wire, in_body, cx);
    }
    check_field_rust_names(file, fields, cx);
}

/// The rules of one action entry.
fn check_action(file: FileId, id: &SString, a: &spec::ActionSpec, cx: &mut Ctxt) {
    check_action_id(file, id, cx);
    check_docs_link(file, &a.docs, cx);
    for h in &a.headers {
        check_header(file, h.get_ref(), cx);
    }
    for q in &a.query {
        for h in crate::lower::query_name(file, q).2 {
            check_header(file, h.get_ref(), cx);
        }
    }
    check_query_unique(file, &a.query, cx);
    // Values the rules below need, parsed again without reporting (lowering reported them).
    let method = HttpMethod::parse(a.method.get_ref());
    let path = PathTemplate::parse(a.path.get_ref()).ok();
    let status = u16::try_from(*a.response.get_ref().status.get_ref()).ok();
    if let Some(b) = &a.body {
        check_fields(file, b.get_ref(), true, cx);
        if let Some(m) = method {
            check_body_allowed(file, m, b, cx);
        }
        check_argument_names(file, b.get_ref(), cx);
    }
    if let Some(path) = &path {
        check_params_match(file, id, &a.path, path, &a.params, cx);
        check_call(file, &a.path, path, &a.call, cx);
    }
    if let Some(status) = status {
        check_response_body(file, &a.response, status, cx);
    }
    crate::lang::check_function(file, a, method, path.as_ref(), cx);
    check_permissions(file, a.permissions.get_ref(), cx);
    let clouds: Vec<NationalCloud> = a
        .clouds
        .get_ref()
        .iter()
        .filter_map(|c| NationalCloud::ALL.iter().find(|(k, _)| k == c.get_ref()))
        .map(|(_, c)| *c)
        .collect();
    check_cloud_limits_in_clouds(file, a.permissions.get_ref(), &clouds, cx);
    check_cloud_limit_rows(file, a.permissions.get_ref(), cx);
    check_metadata_exceptions(file, &a.metadata_exceptions, cx);
    if let Some(call) = &a.call {
        check_accessor_name(file, call, cx);
        if let Some(m) = method {
            check_call_name(file, call, m, cx);
        }
    }
}

/// The rules of a permissions table.
fn check_permissions(file: FileId, p: &spec::PermissionsSpec, cx: &mut Ctxt) {
    let mut all: Vec<&String> = Vec::new();
    for row in [&p.delegated, &p.delegated_personal, &p.application] {
        if let spec::SchemeSpec::Lists(l) = row.get_ref() {
            check_least_not_empty(file, &l.least, cx);
            for name in l.least.get_ref().iter().chain(&l.higher) {
                check_permission_name(file, name, cx);
                all.push(name.get_ref());
            }
            check_least_higher_disjoint(file, l, cx);
            check_no_repeated_permission(file, l, cx);
        }
    }
    for n in &p.notes {
        for name in &n.get_ref().unusable_with_rsc_consent {
            check_permission_name(file, name, cx);
            check_note_names_listed(file, name, &all, cx);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Rules across entries, over the lowered model
// ---------------------------------------------------------------------------------------------

/// A permission's level is given once per permission type.
pub(crate) fn check_levels_unique(spec: &Spec, cx: &mut Ctxt) {
    let mut seen: HashSet<(PermissionType, &str)> = HashSet::new();
    for l in &spec.levels {
        if !seen.insert((l.kind, l.permission.as_str())) {
            cx.report(
                &l.span,
                Diagnostic::new(
                    l.span.clone(),
                    format!(
                        "the {} level of `{}` is given twice; keep one",
                        l.kind.spec_key(),
                        l.permission
                    ),
                ),
            );
        }
    }
}

/// Action ids, and type and enum names, are each declared once across all files; so are the
/// Rust names made from them (`a_b` and `a__b` both make `AB`), and none takes a name the
/// generated code uses itself (from the code that emits it: [`crate::expand::reserved_names`]).
/// The first declaration is kept.
pub(crate) fn check_unique_names(spec: &Spec, cx: &mut Ctxt) {
    // Rust name -> the spec name that made it; `None` for names the generated code uses itself.
    let mut taken: HashMap<String, Option<String>> = crate::expand::reserved_names()
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
        cx.report(sp, Diagnostic::new(sp.clone(), message).help(help));
        false
    };
    for t in &spec.types {
        first(t.name.clone(), &t.name, &t.span, "type", cx);
    }
    for e in &spec.enums {
        first(e.name.clone(), &e.name, &e.span, "type", cx);
    }
    for a in &spec.actions {
        let request = naming::pascal(&a.id);
        let shouty = naming::shouty(&a.id);
        // An id such as `v1` makes the same name twice; that is one name, not a duplicate.
        let _ = (shouty == request || first(shouty, &a.id, &a.span, "action", cx))
            && first(request.clone(), &a.id, &a.span, "action", cx)
            && (a.body.is_none() || first(format!("{request}Body"), &a.id, &a.span, "action", cx));
    }
}

/// The base crate's types a downstream spec uses by name: those the base crate was built with,
/// except where the spec declares a type of the same name (its own is used).
pub(crate) fn base_types<'b>(
    spec: &Spec,
    base: Option<&'b crate::extension::BaseIndex>,
) -> std::collections::BTreeMap<&'b str, crate::extension::BaseKind> {
    let local: HashSet<&str> = spec
        .types
        .iter()
        .map(|t| t.name.as_str())
        .chain(spec.enums.iter().map(|e| e.name.as_str()))
        .collect();
    base.iter()
        .flat_map(|b| &b.types)
        .filter(|t| t.compiled && !local.contains(t.name.as_str()))
        .map(|t| (t.name.as_str(), t.kind))
        .collect()
}

/// Every named field type is a declared type or enum, or, for a downstream spec, one of the
/// base crate's (graph-api's `models`) that it was built with. A base type whose feature
/// graph-api was built without is reported with the features that compile it. A name declared
/// with a problem is not reported again: what refers to it is left out by the prune step.
pub(crate) fn check_type_refs(
    spec: &Spec,
    declared: &HashSet<&str>,
    base: Option<&crate::extension::BaseIndex>,
    cx: &mut Ctxt,
) {
    let local: Vec<&str> = spec
        .types
        .iter()
        .map(|t| t.name.as_str())
        .chain(spec.enums.iter().map(|e| e.name.as_str()))
        .collect();
    let usable: Vec<&str> = base
        .iter()
        .flat_map(|b| &b.types)
        .filter(|t| t.compiled)
        .map(|t| t.name.as_str())
        .collect();
    let check = |name: Option<&str>, sp: &Span, cx: &mut Ctxt| {
        let Some(name) = name else { return };
        if declared.contains(name) || usable.contains(&name) {
            return;
        }
        if let Some(t) = base.and_then(|b| b.missing_type(name)) {
            let features: Vec<String> = t
                .features
                .iter()
                .flatten()
                .map(|f| format!("`{f}`"))
                .collect();
            let first = t
                .features
                .iter()
                .flatten()
                .next()
                .map_or("", String::as_str);
            let table = match t.kind {
                crate::extension::BaseKind::Type => "types",
                crate::extension::BaseKind::Enum => "enums",
            };
            cx.push(
                Diagnostic::new(
                    sp.clone(),
                    format!(
                        "type `{name}` is graph-api's, compiled only with its feature {}, which this build leaves off",
                        features.join(" or ")
                    ),
                )
                .help(format!(
                    "add \"{first}\" to the `features` of the graph-api dependency in Cargo.toml, or declare [{table}.{name}] here"
                )),
            );
            return;
        }
        let mut d = Diagnostic::new(sp.clone(), format!("type `{name}` is not declared"));
        // The spec's own names first: of two as near, the one it declares is meant.
        let near = did_you_mean(name, local.iter().copied())
            .or_else(|| did_you_mean(name, usable.iter().copied()));
        d = match near {
            Some(s) if local.contains(&s) => d.help(format!("did you mean `{s}`?")),
            Some(s) => d.help(format!("did you mean `{s}`, graph-api's `models::{s}`?")),
            None if base.is_some() => d.help(format!(
                "declare it as [types.{name}] or [enums.{name}]; graph-api has no type of that name to use"
            )),
            None => d.help(format!("declare it as [types.{name}] or [enums.{name}]")),
        };
        cx.push(d);
    };
    for t in &spec.types {
        for f in &t.fields {
            check(f.ty.named(), &f.ty_span, cx);
        }
    }
    for a in &spec.actions {
        for f in a.body.iter().flatten() {
            check(f.ty.named(), &f.ty_span, cx);
        }
        check(
            a.response.as_ref().and_then(TypeRef::named),
            &a.response_span,
            cx,
        );
    }
}

/// A derived type names a declared base, says which `@odata.type` names it, does not derive from
/// itself (through any chain), and declares no field its bases already have. The base is one
/// of the spec's own types: the conversions between the two need both its fields, so a type of
/// the base crate (graph-api) cannot be derived from in another crate.
pub(crate) fn check_bases(
    spec: &Spec,
    declared: &HashSet<&str>,
    base_crate: Option<&crate::extension::BaseIndex>,
    cx: &mut Ctxt,
) {
    let bases: HashMap<&str, Option<&str>> = spec
        .types
        .iter()
        .map(|t| (t.name.as_str(), t.base.as_ref().map(|(b, _)| b.as_str())))
        .collect();
    let fields: HashMap<&str, Vec<String>> = spec
        .types
        .iter()
        .map(|t| {
            (
                t.name.as_str(),
                t.fields.iter().map(|f| f.wire.clone()).collect(),
            )
        })
        .collect();
    for t in &spec.types {
        let Some((base, sp)) = &t.base else { continue };
        if !declared.contains(base.as_str()) {
            let in_base_crate = base_crate.is_some_and(|b| b.types.iter().any(|t| t.name == *base));
            let mut d = if in_base_crate {
                Diagnostic::new(
                    sp.clone(),
                    format!("base type `{base}` is graph-api's; a type of this crate derives only from one it declares"),
                )
                .help(format!("declare [types.{base}] here with the fields the derived type needs (it is then used instead of graph-api's), or remove `base`"))
            } else {
                Diagnostic::new(sp.clone(), format!("base type `{base}` is not declared"))
            };
            if !in_base_crate && let Some(s) = did_you_mean(base, bases.keys().copied()) {
                d = d.help(format!("did you mean `{s}`?"));
            }
            cx.report(&t.span, d);
            continue;
        }
        if t.odata_type.is_none() {
            cx.report(
                &t.span,
                Diagnostic::new(t.span.clone(), format!("derived type `{}` has no `odata_type`", t.name))
                    .help("add the `@odata.type` value Graph sends for it, such as \"#microsoft.graph.userScopeTeamsAppInstallation\""),
            );
        }
        // Walk up the chain: a cycle, or a field declared twice.
        let mut seen = vec![t.name.as_str()];
        let mut cur = Some(base.as_str());
        while let Some(b) = cur {
            if seen.contains(&b) {
                cx.report(
                    &t.span,
                    Diagnostic::new(
                        sp.clone(),
                        format!("type `{}` derives from itself through `{b}`", t.name),
                    ),
                );
                break;
            }
            for f in &t.fields {
                if fields
                    .get(b)
                    .is_some_and(|fs| fs.contains(&naming::snake(&f.wire)))
                {
                    cx.report(
                        &t.span,
                        Diagnostic::new(
                            f.span.clone(),
                            format!("field `{}` is already declared by base type `{b}`", f.wire),
                        )
                        .help("remove it here: a derived type has every field of its bases"),
                    );
                }
            }
            seen.push(b);
            cur = bases.get(b).copied().flatten();
        }
    }
}

/// A type may not contain itself except through a collection, which gives indirection.
pub(crate) fn check_recursion(spec: &Spec, cx: &mut Ctxt) {
    let by_name: HashMap<&str, &TypeDef> =
        spec.types.iter().map(|t| (t.name.as_str(), t)).collect();
    for t in &spec.types {
        let mut stack: Vec<&str> = vec![t.name.as_str()];
        let mut seen = HashSet::new();
        let mut recursive = false;
        while let Some(cur) = stack.pop() {
            let Some(def) = by_name.get(cur) else {
                continue;
            };
            for f in &def.fields {
                let TypeRef::Named(n) = &f.ty else { continue };
                if n == &t.name {
                    recursive = true;
                    if cur == t.name {
                        cx.report(
                            &t.span,
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
        // A cycle through several types is reported at each type's declaration.
        if recursive
            && !t
                .fields
                .iter()
                .any(|f| f.ty == TypeRef::Named(t.name.clone()))
        {
            cx.report(
                &t.span,
                Diagnostic::new(
                    t.span.clone(),
                    format!("type `{}` contains itself through other types", t.name),
                )
                .help("make one field of the cycle a collection `[T]`"),
            );
        }
    }
}

/// A collection segment has one item name across all files.
pub(crate) fn check_segment_items(spec: &Spec, cx: &mut Ctxt) {
    let mut seg_names: HashMap<&str, &str> = HashMap::new();
    for (seg, item, sp) in &spec.segments {
        if cx.is_rejected(sp) {
            continue;
        }
        match seg_names.get(seg.as_str()) {
            Some(prev) if prev != item => cx.report(
                sp,
                Diagnostic::new(
                    sp.clone(),
                    format!("segment `{seg}` is given two item names, `{prev}` and `{item}`"),
                ),
            ),
            _ => {
                seg_names.insert(seg, item);
            }
        }
    }
}

/// Paths that share a prefix navigate through the same methods: one name per segment and node
/// (the later action is rejected). For a downstream spec, no method shadows one graph-api has
/// on the same navigation type (see [`crate::extension`]). Runs over the entries that survive
/// the rules before it.
pub(crate) fn check_navigation(
    spec: &Spec,
    base: Option<&crate::extension::BaseIndex>,
    cx: &mut Ctxt,
) {
    let keep = Survivors::of(spec, base, cx);
    let (tree, conflicts) =
        crate::nav::Tree::build_with(spec, |i| keep.actions[i], |sp| !cx.is_rejected(sp));
    for (i, d) in conflicts {
        cx.report(&spec.actions[i].span, d);
    }
    if let Some(base) = base {
        for (i, d) in crate::extension::clashes(&tree, spec, base) {
            cx.report(&spec.actions[i].span, d);
        }
    }
}

/// Every feature a spec file names is one its crate declares, or its entries would never
/// compile.
pub(crate) fn check_crate_features(spec: &Spec, declared: &[String], cx: &mut Ctxt) {
    for (_, name, span) in &spec.features {
        if !declared.contains(name) {
            cx.push(
                Diagnostic::new(
                    span.clone(),
                    format!("feature `{name}` is not declared in the crate's Cargo.toml"),
                )
                .help(format!(
                    "add `{name} = []` under [features] (and to `default` if it should be on)"
                )),
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The prune step
// ---------------------------------------------------------------------------------------------

/// Which entries stay: those not rejected, and not referring (through a field type, a response
/// type or a base) to one that does not stay. A base crate's type it uses by name stays.
struct Survivors {
    types: HashSet<String>,
    actions: Vec<bool>,
}

impl Survivors {
    fn of(spec: &Spec, base: Option<&crate::extension::BaseIndex>, cx: &Ctxt) -> Survivors {
        let from_base: Vec<String> = base_types(spec, base)
            .into_keys()
            .map(str::to_owned)
            .collect();
        let mut types: HashSet<String> = spec
            .types
            .iter()
            .filter(|t| !cx.is_rejected(&t.span))
            .map(|t| t.name.clone())
            .chain(
                spec.enums
                    .iter()
                    .filter(|e| !cx.is_rejected(&e.span))
                    .map(|e| e.name.clone()),
            )
            .chain(from_base.iter().cloned())
            .collect();
        // A type whose base does not stay does not either, to a fixed point.
        loop {
            let gone: Vec<String> = spec
                .types
                .iter()
                .filter(|t| types.contains(&t.name))
                .filter(|t| t.base.as_ref().is_some_and(|(b, _)| !types.contains(b)))
                .map(|t| t.name.clone())
                .collect();
            if gone.is_empty() {
                break;
            }
            for g in gone {
                types.remove(&g);
            }
        }
        let resolves = |ty: Option<&str>| ty.is_none_or(|n| types.contains(n));
        let actions = spec
            .actions
            .iter()
            .map(|a| {
                !cx.is_rejected(&a.span)
                    && a.body.iter().flatten().all(|f| resolves(f.ty.named()))
                    && a.function.iter().flatten().all(|f| resolves(f.ty.named()))
                    && resolves(a.response.as_ref().and_then(TypeRef::named))
            })
            .collect();
        Survivors { types, actions }
    }
}

/// The one prune step after the rules: leaves out every rejected entry and what refers to it (a
/// model type keeps its other fields), and builds the navigation tree of what is left. `env`
/// says which base crate's types the spec may use by name.
pub fn prune(mut spec: Spec, env: &Env, cx: &Ctxt) -> (Spec, crate::nav::Tree) {
    let keep = Survivors::of(&spec, env.base.as_ref(), cx);
    // By declaration, not only by name: of a name declared twice, the first stays.
    spec.types
        .retain(|t| !cx.is_rejected(&t.span) && keep.types.contains(&t.name));
    spec.enums
        .retain(|e| !cx.is_rejected(&e.span) && keep.types.contains(&e.name));
    for t in &mut spec.types {
        t.fields
            .retain(|f| f.ty.named().is_none_or(|n| keep.types.contains(n)));
    }
    let mut index = 0;
    spec.actions.retain(|_| {
        index += 1;
        keep.actions[index - 1]
    });
    spec.segments.retain(|(_, _, sp)| !cx.is_rejected(sp));
    spec.levels.retain(|l| !cx.is_rejected(&l.span));
    spec.features.retain(|(_, _, sp)| !cx.is_rejected(sp));
    // The navigation rule rejected every action that would conflict; none is left.
    let (tree, _) = crate::nav::Tree::build(&spec);
    (spec, tree)
}
