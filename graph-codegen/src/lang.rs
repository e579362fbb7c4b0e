//! The spec language beyond plain resources: OData functions with parameters in the path, flags enums and members that name their own Rust variant; lowering and rules.

use crate::check::span;
use crate::diag::{Ctxt, Diagnostic, did_you_mean};
use crate::extension::BaseKind;
use crate::model::{Field, HttpMethod, Spec, TypeRef, is_type_name};
use crate::naming;
use crate::source::FileId;
use crate::spec::{self, SString};
use crate::template::{PathTemplate, Segment};
use std::collections::BTreeMap;

/// The most members a flags enum may have: each is one bit of a `u64`.
pub const MAX_FLAGS: usize = 64;

/// The Rust variant of an enum member: its `variant`, which must be a PascalCase name, else its
/// wire name in PascalCase; `None` (reported) for a `variant` that is no such name.
pub(crate) fn member_variant(file: FileId, m: &spec::MemberSpec, cx: &mut Ctxt) -> Option<String> {
    Some(match &m.variant {
        Some(v) if is_type_name(v.get_ref()) => v.get_ref().clone(),
        Some(v) => {
            cx.push(
                Diagnostic::new(
                    span(file, v),
                    format!("variant `{}` is not a PascalCase Rust name", v.get_ref()),
                )
                .help("start it with an upper-case letter and use only letters and digits, like `OtherValue`"),
            );
            return None;
        }
        None => naming::pascal(m.wire.get_ref()),
    })
}

/// A flags enum's value is a set held in 64 bits, one per member.
pub(crate) fn check_flags_size(file: FileId, name: &SString, e: &spec::EnumSpec, cx: &mut Ctxt) {
    if e.members.len() > MAX_FLAGS {
        cx.error(
            &span(file, name),
            format!(
                "flags enum `{}` has {} members; a flags enum holds at most {MAX_FLAGS}",
                name.get_ref(),
                e.members.len()
            ),
        );
    }
}

/// An action's OData function parameters: the action is a GET whose path ends in the
/// function's name (no `call`, no parentheses written into the path), and each parameter is a
/// single value (primitive or enum) under a name that makes a setter of its own.
pub(crate) fn check_function(
    file: FileId,
    a: &spec::ActionSpec,
    method: Option<HttpMethod>,
    path: Option<&PathTemplate>,
    cx: &mut Ctxt,
) {
    check_no_call_syntax(file, a, cx);
    let Some(table) = a.function_params.as_ref() else {
        return;
    };
    let at = span(file, table);
    if let Some(m) = method.filter(|m| *m != HttpMethod::Get) {
        cx.push(
            Diagnostic::new(
                at.clone(),
                format!("function parameters on a {} action", m.as_str()),
            )
            .help("OData functions are called with GET; an action's parameters go in `body`"),
        );
    }
    if let Some(call) = &a.call {
        cx.push(
            Diagnostic::new(
                span(file, call),
                "an action with `function_params` takes its method name from the function's",
            )
            .help("remove `call`; the path's last segment is the function's name"),
        );
    }
    if let Some(p) = path
        && !matches!(p.segments.last(), Some(Segment::Literal(_)))
    {
        cx.push(
            Diagnostic::new(span(file, &a.path), "the path of a function ends in the function's name")
                .help("end the path with the function's name, such as `/doesUserHaveAccess`, and list its parameters in `function_params`"),
        );
    }
    let reserved: Vec<&str> = crate::check::builder_methods().collect();
    let body_names: Vec<String> = a
        .body
        .iter()
        .flat_map(|b| b.get_ref().keys())
        .map(|k| naming::snake(k.get_ref()))
        .collect();
    for (wire, f) in table.get_ref() {
        let f = f.get_ref();
        let name = wire.get_ref();
        let rust = naming::snake(name);
        if !name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            cx.error(
                &span(file, wire),
                format!(
                    "function parameter `{name}` is not an OData name (letters, digits and `_`)"
                ),
            );
        } else if reserved.contains(&rust.as_str()) || body_names.contains(&rust) {
            cx.push(
                Diagnostic::new(
                    span(file, wire),
                    format!("function parameter `{name}` would make the setter `{rust}`, which the request builder has already"),
                )
                .help("a parameter named like a builder method or a body field cannot be said; report it"),
            );
        }
        if f.navigation || f.rsc_consent || f.bind.is_some() || f.value.is_some() {
            cx.error(
                &span(file, wire),
                "a function parameter is a value the caller passes: `navigation`, `rsc_consent`, `bind` and `value` do not apply",
            );
        }
        if let Some(ty) = &f.ty
            && matches!(TypeRef::parse(ty.get_ref()), Some(TypeRef::List(_)))
        {
            cx.push(
                Diagnostic::new(span(file, ty), format!("function parameter `{name}` is a collection"))
                    .help("the spec writes single values into the path (string, bool, int32, int64, double, datetime, guid or an enum)"),
            );
        }
    }
}

/// Parentheses in a path segment are a function call written into the path: the spec keeps
/// the path to the function's name and lists the parameters, so it can render and encode them.
fn check_no_call_syntax(file: FileId, a: &spec::ActionSpec, cx: &mut Ctxt) {
    let path = a.path.get_ref();
    if let Some(open) = path.find('(') {
        let name = path[..open].rsplit('/').next().unwrap_or("");
        cx.push(
            Diagnostic::new(span(file, &a.path), format!("the path writes the call of `{name}` with its parameters"))
                .help(format!("end the path at `{name}` and list each parameter under [actions.<id>.function_params.<name>] with its `type` (and `optional = true` when the page says so); the client writes `{name}(p='v')`")),
        );
    }
}

/// A function parameter named by type must be an enum (the spec's own, or the base crate's
/// it uses by name): the path holds values, not objects. A parameter naming anything else
/// rejects its action.
pub(crate) fn check_function_types(spec: &Spec, base: &BTreeMap<&str, BaseKind>, cx: &mut Ctxt) {
    let of_kind = |kind: BaseKind| {
        base.iter()
            .filter(move |(_, k)| **k == kind)
            .map(|(n, _)| *n)
    };
    let enums: Vec<&str> = spec
        .enums
        .iter()
        .map(|e| e.name.as_str())
        .chain(of_kind(BaseKind::Enum))
        .collect();
    let types: Vec<&str> = spec
        .types
        .iter()
        .map(|t| t.name.as_str())
        .chain(of_kind(BaseKind::Type))
        .collect();
    for a in &spec.actions {
        for f in a.function.iter().flatten() {
            let Some(name) = f.ty.named() else { continue };
            if enums.contains(&name) {
                continue;
            }
            let d = if types.contains(&name) {
                Diagnostic::new(f.ty_span.clone(), format!("function parameter `{}` is the model type `{name}`", f.wire))
                    .help("the spec writes single values into the path (string, bool, int32, int64, double, datetime, guid or an enum)")
            } else {
                let d =
                    Diagnostic::new(f.ty_span.clone(), format!("type `{name}` is not declared"));
                match did_you_mean(name, enums.iter().copied()) {
                    Some(s) => d.help(format!("did you mean `{s}`?")),
                    None => d.help(format!("declare it as [enums.{name}]")),
                }
            };
            cx.report(&a.span, d);
        }
    }
}

/// The OData call an action's docs show: `name(p='{p}',q={q})`, strings quoted.
pub fn call_syntax(name: &str, params: &[Field]) -> String {
    let args: Vec<String> = params
        .iter()
        .map(|p| match p.ty {
            TypeRef::String | TypeRef::Named(_) => format!("{0}='{{{0}}}'", p.wire),
            _ => format!("{0}={{{0}}}", p.wire),
        })
        .collect();
    format!("{name}({})", args.join(","))
}

/// Methods every navigation type has from its derives (`Clone`, `Debug`): an action's method
/// named by its path's last segment would hide them.
pub const NAV_DERIVED: &[&str] = &["clone", "fmt"];

/// The method an action's last path segment names: the segment in snake_case, and where that
/// is one of [`NAV_DERIVED`], followed by the step it hangs on (`/teams/{team-id}/clone` ->
/// `clone_team`, since `client.team(id).clone()` is `Clone::clone`). `step` is that step's
/// PascalCase name, `None` at the client (where such names are refused instead).
pub fn action_method_name(name: String, step: Option<&str>) -> String {
    match step {
        Some(step) if NAV_DERIVED.contains(&name.as_str()) => {
            format!("{name}_{}", naming::snake(step))
        }
        _ => name,
    }
}
