//! Request builders and request bodies, one of each per action.

use super::{Cx, block, describe, doc, gate, models, rust_type};
use crate::model::{Action, Field, QueryArg, QueryOption, Scheme, TypeRef};
use crate::naming;
use crate::template::Segment;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

pub(super) fn expand(cx: &Cx) -> TokenStream {
    let items = cx
        .spec
        .actions
        .iter()
        .zip(&cx.gates.actions)
        .map(|(a, g)| gate(g, request(cx, a)));
    let krate = cx.krate;
    // `models` only where a body or a response names one of the spec's own types (an unused
    // import would warn; the base crate's are named by their full path).
    let uses_models = cx.spec.actions.iter().any(|a| {
        a.body
            .iter()
            .flatten()
            .chain(a.function.iter().flatten())
            .any(|f| cx.names_local(&f.ty))
            || a.response.as_ref().is_some_and(|r| cx.names_local(r))
    });
    let models = uses_models.then(|| {
        quote!(
            use super::models;
        )
    });
    let body = block(
        std::iter::once(quote!(use #krate::__private as rt; use super::actions; #models))
            .chain(items),
    );
    quote! {
        /// Request builders of every action, and their request bodies.
        pub mod requests #body
    }
}

/// The methods every request builder may have besides its body setters and query options, as
/// the emitter names them: the first six are handed to graph-api's `__graph_api_request!`
/// (which defines them under exactly these names, see [`fixed_methods`]), and
/// `consents_to_rsc` is written below. The checker keeps body fields from taking them.
pub(crate) const BUILDER_METHODS: [&str; 7] = [
    "send",
    "stream",
    "all",
    "replace_body",
    "call_options",
    "build",
    "consents_to_rsc",
];

/// The names `__graph_api_request!` gives the fixed methods, in the order it takes them.
fn fixed_methods() -> TokenStream {
    let names = BUILDER_METHODS[..6].iter().map(|m| format_ident!("{m}"));
    quote!([#(#names)*])
}

fn request(cx: &Cx, a: &Action) -> TokenStream {
    let consents_to_rsc = format_ident!("{}", BUILDER_METHODS[6]);
    let name = format_ident!("{}", naming::pascal(&a.id));
    let info = format_ident!("{}", naming::shouty(&a.id));
    let text = format!(
        "{}: `{} {}`. Built by the method that names this action (its documentation has the permissions \
         and availability); nothing is sent until `.send().await`{}.",
        a.summary.trim_end_matches('.'),
        a.method.as_str(),
        a.path,
        if is_collection(a) {
            " (or `.stream()`, `.all().await`)"
        } else {
            ""
        },
    );
    let docs = doc(&text);
    let fixed = fixed_methods();
    let super_models = quote!(models::);
    let fields: &[Field] = a.body.as_deref().unwrap_or(&[]);
    let body_name = format_ident!("{}Body", name);
    let rsc_fields: Vec<_> = fields
        .iter()
        .filter(|f| f.rsc_consent)
        .map(|f| naming::ident(&f.wire))
        .collect();
    let body = a.body.is_some().then(|| {
        let body_doc = format!("The request body of [`{name}`].");
        let mut out = models::object(
            cx,
            &body_name.to_string(),
            &body_doc,
            fields,
            &super_models,
            false,
        );
        let rsc = (!rsc_fields.is_empty()).then(|| {
            let rsc = &rsc_fields;
            quote! {
                fn consents_to_rsc(&self) -> bool {
                    #(self.#rsc.is_some())||*
                }
            }
        });
        let binds: Vec<&Field> = fields.iter().filter(|f| f.bind.is_some()).collect();
        let bind = (!binds.is_empty()).then(|| {
            let wires = binds.iter().map(|f| &f.wire);
            let ids = binds.iter().map(|f| naming::ident(&f.wire));
            quote! {
                fn bind(&mut self, field: &str, url: String) {
                    match field {
                        #(#wires => self.#ids = url,)*
                        _ => {}
                    }
                }
            }
        });
        out.extend(quote! {
            impl rt::Body for #body_name {
                #rsc
                #bind
            }
        });
        out
    });
    let setters = fields.iter().filter(|f| f.optional).map(|f| {
        let id = naming::ident(&f.wire);
        let ty = rust_type(cx, &f.ty, &super_models);
        let d = doc(&format!(
            "Sets `{}`: {}",
            f.wire,
            f.doc.as_deref().unwrap_or(&describe(&f.ty))
        ));
        quote! {
            #d
            pub fn #id(mut self, value: impl Into<#ty>) -> Self {
                self.0.body.#id = Some(value.into());
                self
            }
        }
    });
    let rsc = (!rsc_fields.is_empty()).then(|| {
        let rsc_doc = doc(&format!(
            "Whether this request consents to resource-specific permissions, which rules out the\n\
             permissions the action's notes name (see\n\
             [`Permissions::usable`]({}::meta::Permissions::usable)).",
            cx.krate_path
        ));
        quote! {
            #rsc_doc
            #[inline]
            pub fn #consents_to_rsc(&self) -> bool {
                rt::Body::consents_to_rsc(&self.0.body)
            }
        }
    });
    let function_setters = a
        .function
        .iter()
        .flatten()
        .filter(|f| f.optional)
        .map(|f| function_setter(cx, f, &super_models));
    let methods: Vec<TokenStream> = setters
        .chain(rsc)
        .chain(function_setters)
        .chain(a.query.iter().map(query_method))
        .collect();
    let own = (!methods.is_empty()).then(|| quote! { impl #name<'_> { #(#methods)* } });
    // The core's body type, and the macro's body argument (none without a body).
    let (core, fixed_body) = match &a.body {
        Some(_) => (quote!(#body_name), quote!(, #body_name)),
        None => (quote!(()), TokenStream::new()),
    };
    let out = match &a.response {
        Some(TypeRef::List(item)) => {
            let item = rust_type(cx, item, &super_models);
            quote!([#item])
        }
        // OData wraps a primitive or enum answer as `{"value": ...}`.
        Some(t) if is_value(cx, t) => {
            let t = rust_type(cx, t, &super_models);
            quote!(value(#t))
        }
        Some(t) => rust_type(cx, t, &super_models),
        None if a.location => quote!(location),
        None => quote!(()),
    };
    quote! {
        #body

        #docs
        #[derive(Debug, Clone)]
        #[must_use = "a request does nothing until `.send().await`"]
        pub struct #name<'a>(rt::Request<'a, #core>);

        rt::request!(#fixed #name(actions::#info #fixed_body) -> #out);

        #own
    }
}

/// An optional function parameter's setter on the request builder.
fn function_setter(cx: &Cx, f: &Field, models: &TokenStream) -> TokenStream {
    let id = naming::ident(&f.wire);
    let wire = &f.wire;
    let (ty, value) = function_arg(cx, &f.ty, &quote!(value), models, &quote!(rt));
    let d = doc(&format!(
        "Sets the function parameter `{}`: {}. It is written into the path as an OData literal, encoded once; a value that would change the route (`/`, `\\`, control characters) fails `send` before anything is sent.",
        f.wire,
        f.doc
            .as_deref()
            .unwrap_or(&describe(&f.ty))
            .trim_end_matches('.')
    ));
    quote! {
        #d
        #[inline]
        pub fn #id(self, value: #ty) -> Self {
            Self(self.0.arg(#wire, #value))
        }
    }
}

/// A function parameter's Rust argument type and the expression that renders `value` as an
/// OData literal (`rt` names graph-api's `__private`).
pub(super) fn function_arg(
    cx: &Cx,
    ty: &TypeRef,
    value: &TokenStream,
    models: &TokenStream,
    rt: &TokenStream,
) -> (TokenStream, TokenStream) {
    let text = quote!(impl ::std::convert::AsRef<str>);
    match ty {
        TypeRef::Guid => (text, quote!(#rt::literal::guid(#value.as_ref()))),
        TypeRef::DateTime => (text, quote!(#rt::literal::datetime(#value.as_ref()))),
        TypeRef::Bool => (quote!(bool), quote!(#rt::literal::bool(#value))),
        TypeRef::Int32 => (
            quote!(i32),
            quote!(#rt::literal::int(::std::convert::From::from(#value))),
        ),
        TypeRef::Int64 => (quote!(i64), quote!(#rt::literal::int(#value))),
        TypeRef::Double => (quote!(f64), quote!(#rt::literal::double(#value))),
        TypeRef::Named(n) => (
            super::model_path(cx, n, models),
            quote!(#rt::literal::string(&::std::string::ToString::to_string(&#value))),
        ),
        TypeRef::String | TypeRef::List(_) => (text, quote!(#rt::literal::string(#value.as_ref()))),
    }
}

/// Whether a response type is a primitive or an enum, which OData sends as `{"value": ...}`.
fn is_value(cx: &Cx, t: &TypeRef) -> bool {
    match t {
        TypeRef::Named(n) => cx.enums.contains(n.as_str()),
        TypeRef::List(_) => false,
        _ => true,
    }
}

/// Whether the action answers with a collection, read page by page.
pub(super) fn is_collection(a: &Action) -> bool {
    matches!(a.response, Some(TypeRef::List(_)))
}

/// The Rust argument of a required body field: a bound field takes the id its path names.
pub(super) fn arg_name(f: &Field) -> proc_macro2::Ident {
    match f.bind.as_ref().and_then(|t| t.params().next()) {
        Some(p) => naming::ident(p),
        None => naming::ident(&f.wire),
    }
}

/// A `PathBuilder` expression for a template whose one parameter is in `arg`.
pub(super) fn path_builder(
    rt: &TokenStream,
    segments: &[Segment],
    arg: &TokenStream,
) -> TokenStream {
    let steps = segments.iter().map(|s| match s {
        Segment::Literal(l) => quote!(.segment(#l)),
        Segment::Param(p) => quote!(.param(#p, #arg, false)),
    });
    quote!(#rt::PathBuilder::root() #(#steps)*)
}

/// A query option's builder method. An option the page requires headers with sends them
/// whenever it is set, except a flag turned off.
fn query_method(q: &QueryOption) -> TokenStream {
    let method = naming::ident(&q.method);
    let wire = &q.name;
    let (names, values): (Vec<&String>, Vec<&String>) =
        q.headers.iter().map(|(n, v)| (n, v)).unzip();
    let headers = quote!(&[#((#names, #values)),*]);
    let note = if q.headers.is_empty() {
        String::new()
    } else {
        let list: Vec<String> = q
            .headers
            .iter()
            .map(|(n, v)| format!("`{n}: {v}`"))
            .collect();
        format!(" Sends {} with it, as the page requires.", list.join(", "))
    };
    let (d, arg, value, set) = match q.arg {
        QueryArg::Text => (
            format!(
                " Sets `{wire}`, written as Graph writes it (it is percent-encoded when sent).{note}"
            ),
            quote!(value: impl Into<String>),
            quote!(value.into()),
            headers,
        ),
        QueryArg::Count => (
            format!(" Sets `{wire}`.{note}"),
            quote!(value: u32),
            quote!(value.to_string()),
            headers,
        ),
        QueryArg::Flag => (
            format!(" Sets `{wire}`: whether the answer carries the total count.{note}"),
            quote!(value: bool),
            quote!(String::from(if value { "true" } else { "false" })),
            quote!(if value { #headers } else { &[] }),
        ),
    };
    quote! {
        #[doc = #d]
        #[inline]
        pub fn #method(self, #arg) -> Self {
            Self(self.0.query(#wire, #value, #set))
        }
    }
}

/// The rustdoc of an action's method: summary, request line, notes, permissions, availability,
/// response and the documentation link.
pub(super) fn method_doc(a: &Action) -> String {
    let mut s = format!(
        "{}\n\n`{} {}`\n",
        a.summary,
        a.method.as_str(),
        request_line(a)
    );
    for n in &a.notes {
        s.push_str(&format!("\n- {n}"));
    }
    if !a.notes.is_empty() {
        s.push('\n');
    }
    s.push_str(&arguments_doc(a));
    s.push_str("\n# Permissions\n| Permission type | Least privileged | Higher privileged |\n|---|---|---|\n");
    let p = &a.permissions;
    for (label, scheme) in [
        ("Delegated (work or school account)", &p.delegated),
        (
            "Delegated (personal Microsoft account)",
            &p.delegated_personal,
        ),
        ("Application", &p.application),
    ] {
        let (least, higher) = match scheme {
            Scheme::NotSupported => ("Not supported.".to_owned(), "Not supported.".to_owned()),
            Scheme::Supported { least, higher } => (code_list(least), code_list(higher)),
        };
        s.push_str(&format!("| {label} | {least} | {higher} |\n"));
    }
    for n in &p.notes {
        s.push_str(&format!("\n{}\n", n.text));
    }
    let versions: Vec<&str> = a.versions.iter().map(|v| v.as_str()).collect();
    let clouds: Vec<&str> = a.clouds.iter().map(|c| c.name()).collect();
    s.push_str(&format!(
        "# Availability\nAPI versions: {}. National clouds: {}.\n",
        versions.join(", "),
        clouds.join(", ")
    ));
    for l in &p.cloud_limits {
        let clouds: Vec<&str> = l.clouds.iter().map(|c| c.name()).collect();
        s.push_str(&format!(
            "\nNot with {} permissions in {}: \"{}\" ([source]({})). The client refuses such a \
             call before sending, with `Error::Unavailable`, when the token is a JWT whose claims \
             say it is {}.\n",
            row_label(l.kind),
            clouds.join(", "),
            l.text,
            l.source,
            row_label(l.kind).to_lowercase(),
        ));
    }
    let required_headers: Vec<String> = a
        .headers
        .iter()
        .map(|(n, v)| format!("`{n}: {v}`"))
        .collect();
    if !required_headers.is_empty() {
        s.push_str(&format!(
            "\nSent with {} and `Authorization: Bearer {{token}}`.\n",
            required_headers.join(", ")
        ));
    }
    let response = match &a.response {
        None if a.location => format!(
            "{} with a `Location` header, returned as `graph_api::Accepted` (its `location_key` \
             reads ids out of it)",
            a.status
        ),
        None => format!("{}, returned as `Ok(())`", a.status),
        Some(TypeRef::List(item)) => format!(
            "{} with a page of {} items: `.send()` reads the first page, `.stream()` and `.all()` every page",
            a.status,
            describe(item)
        ),
        Some(t) => format!("{} with {}", a.status, describe(t)),
    };
    if let Some(params) = &a.function {
        s.push_str(&function_doc(a, params));
    }
    if !a.query.is_empty() {
        let names: Vec<String> = a
            .query
            .iter()
            .map(|q| format!("`{}` (`.{}()`)", q.name, q.method))
            .collect();
        s.push_str(&format!("# Query options\n{}.\n", names.join(", ")));
    }
    s.push_str(&format!(
        "# Response\n{response}. [Microsoft Graph documentation]({})",
        a.docs
    ));
    s
}

/// `# Arguments`: each required body field the method takes, by its argument name, with the
/// field's doc (or where it goes on the wire); empty when the method takes none.
fn arguments_doc(a: &Action) -> String {
    let required: Vec<&Field> = a.arguments().collect();
    if required.is_empty() {
        return String::new();
    }
    let mut s = String::from("\n# Arguments\n");
    for f in required {
        let what = match (&f.doc, &f.bind) {
            (Some(d), _) => d.clone(),
            (None, Some(t)) => format!(
                "the id that `{}` binds, sent as `{}` (`{}` under the service root)",
                f.wire, f.wire, t
            ),
            (None, None) => format!("`{}` of the request body.", f.wire),
        };
        s.push_str(&format!("- `{}`: {what}\n", arg_name(f)));
    }
    s
}

fn code_list(names: &[String]) -> String {
    if names.is_empty() {
        "None.".to_owned()
    } else {
        names
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The path as the request line shows it: a function's last segment with its parameters.
pub(super) fn request_line(a: &Action) -> String {
    match (&a.function, a.path.segments.last()) {
        (Some(params), Some(Segment::Literal(name))) => {
            let text = a.path.to_string();
            let prefix = &text[..text.len() - name.len()];
            format!("{prefix}{}", crate::lang::call_syntax(name, params))
        }
        _ => a.path.to_string(),
    }
}

/// The "Function parameters" section of an action's docs: each parameter, how the call sets
/// it, and what goes on the wire.
fn function_doc(a: &Action, params: &[Field]) -> String {
    let mut s = String::from("# Function parameters\n");
    let mut example: Vec<String> = Vec::new();
    for p in params {
        let rust = naming::snake(&p.wire);
        let how = if p.optional {
            example.push(format!(".{rust}(..)"));
            format!("optional, set with `.{rust}(..)`")
        } else {
            format!("required, the method's argument `{rust}`")
        };
        let what = p
            .doc
            .as_deref()
            .map(|d| format!(" {d}"))
            .unwrap_or_default();
        s.push_str(&format!(
            "- `{}` ({}; {how}).{what}\n",
            p.wire,
            describe(&p.ty)
        ));
    }
    let name = match a.path.segments.last() {
        Some(Segment::Literal(l)) => l.as_str(),
        _ => "",
    };
    let set: Vec<&Field> = params
        .iter()
        .filter(|p| !p.optional)
        .chain(params.iter().filter(|p| p.optional).take(1))
        .collect();
    let wire: Vec<String> = set
        .iter()
        .map(|p| match p.ty {
            TypeRef::String | TypeRef::Named(_) => format!("{}='…'", p.wire),
            _ => format!("{}=…", p.wire),
        })
        .collect();
    let calls: String = example.into_iter().take(1).collect();
    s.push_str(&format!(
        "\nThe parameters set are written into the path as OData literals (strings quoted, with `'` doubled) and encoded once: `…{calls}` sends `{name}({})`; a parameter left unset is left out.\n",
        wire.join(",")
    ));
    s
}

/// The permission type as the docs' tables name it, without the account kind.
fn row_label(kind: crate::model::PermissionType) -> &'static str {
    match kind {
        crate::model::PermissionType::Delegated => "Delegated",
        crate::model::PermissionType::DelegatedPersonal => "Delegated (personal account)",
        crate::model::PermissionType::Application => "Application",
    }
}
