//! `graph-spec verify`: spec entries checked against Microsoft's metadata (paths, methods, bodies,
//! responses, types, enum members, clouds).

use crate::csdl::{Kind, Model, Seg, segments};
use crate::draft::{CloudModel, clouds_of, spec_type, type_name};
use graph_codegen::Diagnostic;
use graph_codegen::diag::did_you_mean;
use graph_codegen::source::{FileId, Span};
use graph_codegen::spec::{self, SString, Spanned};
use std::collections::HashMap;

/// What a verification found.
#[derive(Default)]
pub struct Report {
    /// Differences from the metadata.
    pub findings: Vec<Diagnostic>,
    /// Differences the entries state as exceptions, with the stated reason.
    pub excepted: Vec<(Diagnostic, String)>,
    /// Actions, types and enums checked.
    pub counted: (usize, usize, usize),
}

fn at<T>(file: FileId, s: &Spanned<T>) -> Span {
    Span {
        file,
        range: s.span(),
    }
}

/// The span of the `index`-th `/`-separated segment inside a path value.
fn segment_span(file: FileId, path: &SString, index: usize) -> Span {
    let text = path.get_ref();
    let mut start = 1;
    for (i, seg) in text.trim_start_matches('/').split('/').enumerate() {
        if i == index {
            // +1 for the opening quote of the TOML string.
            let base = path.span().start + 1;
            return Span {
                file,
                range: base + start..base + start + seg.len(),
            };
        }
        start += seg.len() + 1;
    }
    at(file, path)
}

/// The spec's name for each CSDL type it declares (by `odata_type`), so responses and fields
/// compare by meaning even where the spec names a type its own way.
struct Names {
    by_qualified: HashMap<String, String>,
}

impl Names {
    fn spelling(&self, model: &Model, ty: &str, collection: bool) -> Result<String, String> {
        if let Some(n) = self.by_qualified.get(ty) {
            return Ok(if collection {
                format!("[{n}]")
            } else {
                n.clone()
            });
        }
        spec_type(model, ty, collection)
    }
}

fn norm(t: &str) -> String {
    t.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Checks every entry of the parsed files.
pub fn verify(
    files: &[(FileId, spec::SpecFile)],
    model: &Model,
    clouds: Option<&[CloudModel]>,
) -> Report {
    let mut r = Report::default();
    let mut names = Names {
        by_qualified: HashMap::new(),
    };
    for (_, f) in files {
        for (name, t) in &f.types {
            names.by_qualified.insert(
                qualified_type(name, t.get_ref(), model),
                name.get_ref().clone(),
            );
        }
    }
    for (file, f) in files {
        let file = *file;
        for (name, t) in &f.types {
            r.counted.1 += 1;
            verify_type(file, name, t.get_ref(), model, &names, &mut r.findings);
        }
        for (name, e) in &f.enums {
            r.counted.2 += 1;
            verify_enum(file, name, e.get_ref(), model, &mut r.findings);
        }
        for (id, a) in &f.actions {
            r.counted.0 += 1;
            let a = a.get_ref();
            let mut found: Vec<(&'static str, Diagnostic)> = Vec::new();
            verify_action(file, id, a, model, &names, clouds, &mut found);
            for (check, d) in found {
                match a
                    .metadata_exceptions
                    .iter()
                    .find(|(k, _)| k.get_ref() == check)
                {
                    Some((_, reason)) => r.excepted.push((d, reason.get_ref().clone())),
                    None => r.findings.push(d),
                }
            }
        }
    }
    r
}

/// The CSDL entry a spec name stands for: the one whose drafted name ([`type_name`]) it is.
/// Types and enums are found the same way, so a name in a sub-namespace resolves too.
fn by_spec_name<'m, T>(defs: &'m HashMap<String, T>, name: &str) -> Option<(&'m String, &'m T)> {
    defs.iter().find(|(q, _)| type_name(q) == name)
}

/// The CSDL name of a spec type: its `odata_type`, else the metadata's type of that name (or,
/// when there is none, the name it would have, for the message).
fn qualified_type(name: &SString, t: &spec::TypeSpec, model: &Model) -> String {
    match &t.odata_type {
        Some(o) => o.get_ref().trim_start_matches('#').to_owned(),
        None => match by_spec_name(&model.types, name.get_ref()) {
            Some((q, _)) => q.clone(),
            None => {
                let n = name.get_ref();
                let first = n.get(..1).unwrap_or_default().to_ascii_lowercase();
                format!("microsoft.graph.{first}{}", n.get(1..).unwrap_or_default())
            }
        },
    }
}

fn verify_type(
    file: FileId,
    name: &SString,
    t: &spec::TypeSpec,
    model: &Model,
    names: &Names,
    out: &mut Vec<Diagnostic>,
) {
    let q = qualified_type(name, t, model);
    if !model.types.contains_key(&q) {
        let anchor = t
            .odata_type
            .as_ref()
            .map_or_else(|| at(file, name), |o| at(file, o));
        out.push(
            Diagnostic::new(anchor, format!("type `{q}` is not in the metadata"))
                .help("check `odata_type` against the resource page's JSON representation"),
        );
        return;
    }
    if let Some(base) = &t.base {
        let base_q = names
            .by_qualified
            .iter()
            .find(|(_, n)| *n == base.get_ref())
            .map(|(q, _)| q.clone());
        if let Some(bq) = base_q
            && !model.derives(&q, &bq)
        {
            out.push(Diagnostic::new(
                at(file, base),
                format!("`{q}` does not derive from `{bq}` in the metadata"),
            ));
        }
    }
    let props = model.all_props(&q);
    let navs = model.all_navs(&q);
    for (wire, f) in &t.fields {
        let f = f.get_ref();
        // `<navigation>@odata.bind` names the related entity by URL in a value the client sends.
        if let Some(nav) = wire.get_ref().strip_suffix("@odata.bind")
            && navs.iter().any(|n| n.name == nav)
        {
            continue;
        }
        let Some(ty) = &f.ty else { continue };
        let expected = if f.navigation {
            match navs.iter().find(|n| &n.name == wire.get_ref()) {
                Some(n) => names.spelling(model, &n.ty, n.collection),
                None => {
                    let d = Diagnostic::new(
                        at(file, wire),
                        format!(
                            "`{q}` has no navigation property `{}` in the metadata",
                            wire.get_ref()
                        ),
                    );
                    out.push(hint(
                        d,
                        wire.get_ref(),
                        navs.iter().map(|n| n.name.as_str()),
                    ));
                    continue;
                }
            }
        } else {
            match props.iter().find(|p| &p.name == wire.get_ref()) {
                Some(p) => names.spelling(model, &p.ty, p.collection),
                None => {
                    let what = if navs.iter().any(|n| &n.name == wire.get_ref()) {
                        " (it is a navigation property: add `navigation = true`)"
                    } else {
                        ""
                    };
                    let d = Diagnostic::new(
                        at(file, wire),
                        format!(
                            "`{q}` has no property `{}` in the metadata{what}",
                            wire.get_ref()
                        ),
                    );
                    out.push(hint(
                        d,
                        wire.get_ref(),
                        props.iter().map(|p| p.name.as_str()),
                    ));
                    continue;
                }
            }
        };
        if let Ok(expected) = expected
            && norm(ty.get_ref()) != expected
        {
            out.push(
                Diagnostic::new(
                    at(file, ty),
                    format!(
                        "field `{}` is declared `{}`; the metadata types it `{expected}`",
                        wire.get_ref(),
                        ty.get_ref()
                    ),
                )
                .help(format!("write type = \"{expected}\"")),
            );
        }
    }
}

fn hint<'a>(d: Diagnostic, word: &str, candidates: impl Iterator<Item = &'a str>) -> Diagnostic {
    match did_you_mean(word, candidates) {
        Some(s) => d.help(format!("did you mean `{s}`?")),
        None => d,
    }
}

fn verify_enum(
    file: FileId,
    name: &SString,
    e: &spec::EnumSpec,
    model: &Model,
    out: &mut Vec<Diagnostic>,
) {
    let Some((q, def)) = by_spec_name(&model.enums, name.get_ref()) else {
        out.push(Diagnostic::new(
            at(file, name),
            format!("enum `{}` is not in the metadata", name.get_ref()),
        ));
        return;
    };
    if e.flags != def.flags {
        let says = |f: bool| {
            if f {
                "a flags enum (a set of members)"
            } else {
                "a plain enum (one member)"
            }
        };
        out.push(
            Diagnostic::new(
                at(file, name),
                format!(
                    "enum `{}` is declared {}; the metadata has `{q}` as {}",
                    name.get_ref(),
                    says(e.flags),
                    says(def.flags)
                ),
            )
            .help(if def.flags {
                "add `flags = true`"
            } else {
                "remove `flags = true`"
            }),
        );
    }
    for m in &e.members {
        let wire = &m.get_ref().wire;
        if !def
            .members
            .iter()
            .any(|x| x.eq_ignore_ascii_case(wire.get_ref()))
        {
            let d = Diagnostic::new(
                at(file, wire),
                format!(
                    "enum member `{}` is not a member of `{q}` in the metadata",
                    wire.get_ref()
                ),
            );
            out.push(hint(
                d,
                wire.get_ref(),
                def.members.iter().map(String::as_str),
            ));
        }
    }
}

fn verify_action(
    file: FileId,
    id: &SString,
    a: &spec::ActionSpec,
    model: &Model,
    names: &Names,
    clouds: Option<&[CloudModel]>,
    out: &mut Vec<(&'static str, Diagnostic)>,
) {
    let path = a.path.get_ref();
    let segs = segments(path);
    let node = match model.resolve(&segs) {
        Ok(n) => n,
        Err((i, why)) => {
            let mut d = Diagnostic::new(
                segment_span(file, &a.path, i),
                format!("this path segment does not resolve in the metadata: {why}"),
            );
            if let (Some(Seg::Lit(word)), Ok(prev)) = (segs.get(i), model.resolve(&segs[..i])) {
                let mut cands: Vec<String> = Vec::new();
                if !prev.collection {
                    cands.extend(model.all_navs(&prev.ty).iter().map(|n| n.name.clone()));
                }
                cands.extend(
                    model
                        .ops_on(&prev.ty, prev.collection)
                        .iter()
                        .map(|o| o.name.clone()),
                );
                d = hint(d, word, cands.iter().map(String::as_str));
            } else if i == 0
                && let Some(Seg::Lit(word)) = segs.first()
            {
                d = hint(d, word, model.roots.keys().map(String::as_str));
            }
            out.push(("path", d));
            return;
        }
    };
    let method = a.method.get_ref().to_ascii_uppercase();
    let allowed = model.methods(&node);
    if !allowed.contains(&method.as_str()) {
        out.push((
            "method",
            Diagnostic::new(
                at(file, &a.method),
                format!(
                    "{method} is not allowed on this path by the metadata, which allows {}",
                    allowed.join(", ")
                ),
            ),
        ));
        return;
    }
    // The body's fields.
    let op = model.op_of(&node);
    // A body that fixes `@odata.type` sends that type, the path's or one derived from it, and
    // its fields are read against it.
    let mut body_ty = node.ty.as_str();
    let fixed_type = a.body.as_ref().and_then(|b| {
        b.get_ref()
            .iter()
            .find(|(w, _)| w.get_ref() == "@odata.type")
            .and_then(|(_, f)| f.get_ref().value.as_ref())
    });
    if let Some(v) = fixed_type {
        let named = v.get_ref().trim_start_matches('#');
        if model.derives(named, &node.ty) {
            body_ty = named;
        } else {
            out.push((
                "body",
                Diagnostic::new(
                    at(file, v),
                    format!(
                        "`@odata.type` is `{}`, which the metadata does not have as `{}` or a type derived from it",
                        v.get_ref(),
                        node.ty
                    ),
                ),
            ));
        }
    }
    if let Some(body) = &a.body {
        for (wire, f) in body.get_ref() {
            let f = f.get_ref();
            let w = wire.get_ref();
            if w == "@odata.type" && f.value.is_some() {
                continue;
            }
            let expected = if let Some(op) = op {
                match op.params.iter().find(|p| &p.name == w) {
                    Some(p) => Some(names.spelling(model, &p.ty, p.collection)),
                    None => {
                        let d = Diagnostic::new(
                            at(file, wire),
                            format!(
                                "body field `{w}` is not a parameter of `{}` in the metadata",
                                op.name
                            ),
                        );
                        out.push((
                            "body",
                            hint(d, w, op.params.iter().map(|p| p.name.as_str())),
                        ));
                        continue;
                    }
                }
            } else if let Some(nav) = w.strip_suffix("@odata.bind") {
                if model.nav(body_ty, nav).is_none() {
                    let d = Diagnostic::new(
                        at(file, wire),
                        format!(
                            "`{}` has no navigation property `{nav}` to bind in the metadata",
                            body_ty
                        ),
                    );
                    let navs = model.all_navs(body_ty);
                    out.push(("body", hint(d, nav, navs.iter().map(|n| n.name.as_str()))));
                }
                None
            } else {
                let props = model.all_props(body_ty);
                match props.iter().find(|p| &p.name == w) {
                    Some(p) => Some(names.spelling(model, &p.ty, p.collection)),
                    None => {
                        let d = Diagnostic::new(
                            at(file, wire),
                            format!(
                                "body field `{w}` is not a property of `{}` in the metadata",
                                body_ty
                            ),
                        );
                        out.push(("body", hint(d, w, props.iter().map(|p| p.name.as_str()))));
                        continue;
                    }
                }
            };
            if let (Some(Ok(expected)), Some(ty)) = (expected, &f.ty)
                && norm(ty.get_ref()) != expected
            {
                out.push((
                    "body",
                    Diagnostic::new(
                        at(file, ty),
                        format!(
                            "body field `{w}` is declared `{}`; the metadata types it `{expected}`",
                            ty.get_ref()
                        ),
                    )
                    .help(format!("write type = \"{expected}\"")),
                ));
            }
        }
    }
    verify_function(file, id, a, op, model, names, out);
    if let Some(op) = op.filter(|o| o.action) {
        let given: Vec<&String> = a
            .body
            .as_ref()
            .map(|b| b.get_ref().keys().map(|k| k.get_ref()).collect())
            .unwrap_or_default();
        for p in &op.params {
            if !p.nullable && !op.optional.contains(&p.name) && !given.contains(&&p.name) {
                out.push((
                    "body",
                    Diagnostic::new(
                        a.body
                            .as_ref()
                            .map_or_else(|| at(file, id), |b| at(file, b)),
                        format!(
                            "the metadata requires parameter `{}`, which the body lacks",
                            p.name
                        ),
                    ),
                ));
            }
        }
    }
    // The response.
    let declared = a.response.get_ref().ty.as_ref();
    let expected: Vec<Option<(String, bool)>> = match (&node.kind, method.as_str()) {
        (Kind::Operation { .. }, _) => vec![op.and_then(|o| o.returns.clone())],
        (_, "GET") => vec![Some((node.ty.clone(), node.collection))],
        (_, "POST") => vec![Some((node.ty.clone(), false)), None],
        (_, "PATCH") => vec![None, Some((node.ty.clone(), false))],
        _ => vec![None],
    };
    let spelled: Vec<Option<String>> = expected
        .iter()
        .map(|e| {
            e.as_ref()
                .map(|(t, c)| names.spelling(model, t, *c).unwrap_or_else(|e| e))
        })
        .collect();
    let mine = declared.map(|t| norm(t.get_ref()));
    if !spelled.contains(&mine) {
        let says =
            |t: &Option<String>| t.clone().map_or("no body".to_owned(), |t| format!("`{t}`"));
        let options: Vec<String> = spelled.iter().map(says).collect();
        out.push((
            "response",
            Diagnostic::new(
                declared.map_or_else(|| at(file, &a.response), |t| at(file, t)),
                format!(
                    "the response is declared {}; the metadata gives {}",
                    says(&mine),
                    options.join(" or ")
                ),
            ),
        ));
    }
    // The clouds.
    if let Some(clouds) = clouds {
        let present = clouds_of(clouds, &method, &segs);
        for c in a.clouds.get_ref() {
            if !present.contains(&c.get_ref().as_str()) {
                out.push((
                    "clouds",
                    Diagnostic::new(
                        at(file, c),
                        format!(
                            "cloud `{}` is listed, but its metadata has no {method} {path}",
                            c.get_ref()
                        ),
                    )
                    .help(
                        "remove it: an action absent from a cloud's metadata is not deployed there",
                    ),
                ));
            }
        }
        for p in present {
            if !a.clouds.get_ref().iter().any(|c| c.get_ref() == p) {
                out.push((
                    "clouds",
                    Diagnostic::new(
                        at(file, &a.clouds),
                        format!(
                            "cloud `{p}` has {method} {path} in its metadata but is not listed"
                        ),
                    )
                    .help(format!(
                        "add \"{p}\", or state why not in `metadata_exceptions`"
                    )),
                ));
            }
        }
    }
}

/// An OData function's parameters: the spec's `function_params` are the metadata's, with the
/// same types; one the metadata does not mark optional is stated and required.
fn verify_function(
    file: FileId,
    id: &SString,
    a: &spec::ActionSpec,
    op: Option<&crate::csdl::Operation>,
    model: &Model,
    names: &Names,
    out: &mut Vec<(&'static str, Diagnostic)>,
) {
    let declared = a.function_params.as_ref();
    let Some(op) = op.filter(|o| !o.action) else {
        if let Some(d) = declared {
            out.push((
                "body",
                Diagnostic::new(
                    at(file, d),
                    "`function_params` on a path that is not a function in the metadata",
                )
                .help("function parameters belong to a GET of a bound function; an action's go in `body`"),
            ));
        }
        return;
    };
    let given = declared.map(|d| d.get_ref());
    for (wire, f) in given.into_iter().flatten() {
        let f = f.get_ref();
        let w = wire.get_ref();
        let Some(p) = op.params.iter().find(|p| &p.name == w) else {
            let d = Diagnostic::new(
                at(file, wire),
                format!(
                    "`{w}` is not a parameter of the function `{}` in the metadata",
                    op.name
                ),
            );
            out.push((
                "body",
                hint(d, w, op.params.iter().map(|p| p.name.as_str())),
            ));
            continue;
        };
        if let (Ok(expected), Some(ty)) = (names.spelling(model, &p.ty, p.collection), &f.ty)
            && norm(ty.get_ref()) != expected
        {
            out.push((
                "body",
                Diagnostic::new(
                    at(file, ty),
                    format!("function parameter `{w}` is declared `{}`; the metadata types it `{expected}`", ty.get_ref()),
                )
                .help(format!("write type = \"{expected}\"")),
            ));
        }
        if f.optional && !op.optional.contains(&p.name) {
            out.push((
                "body",
                Diagnostic::new(
                    at(file, wire),
                    format!("function parameter `{w}` is optional here; the metadata requires it"),
                )
                .help("remove `optional = true`"),
            ));
        }
    }
    for p in &op.params {
        let stated = given.is_some_and(|g| g.keys().any(|k| k.get_ref() == &p.name));
        if !stated && !op.optional.contains(&p.name) {
            out.push((
                "body",
                Diagnostic::new(
                    declared.map_or_else(|| at(file, id), |d| at(file, d)),
                    format!("the metadata requires function parameter `{}`, which `function_params` lacks", p.name),
                )
                .help(format!("add [actions.{}.function_params.{}]", id.get_ref(), p.name)),
            ));
        }
    }
}
