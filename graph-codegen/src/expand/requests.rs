//! Request builders and request bodies, one of each per action.

use super::{Cx, block, describe, doc, gate, models, rust_type};
use crate::model::{Action, Cloud, Field, QueryArg, QueryOption, Scheme, TypeRef, Version};
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
    let body = block(items);
    quote! {
        /// Request builders of every action, and their request bodies.
        pub mod requests #body
    }
}

/// The methods every request builder may have besides its body setters and query options, in
/// the order the emitter below binds them; the checker keeps body fields from taking them.
pub(crate) const BUILDER_METHODS: [&str; 6] = [
    "send",
    "stream",
    "all",
    "replace_body",
    "call_options",
    "consents_to_rsc",
];

fn request(cx: &Cx, a: &Action) -> TokenStream {
    let krate = cx.krate;
    let [
        send,
        stream,
        all,
        replace_body,
        call_options,
        consents_to_rsc,
    ] = BUILDER_METHODS.map(|m| format_ident!("{m}"));
    let name = format_ident!("{}", naming::pascal(&a.id));
    let info = format_ident!("{}", naming::shouty(&a.id));
    let text = format!(
        "{}\n\nBuilt by the method that names this action; nothing is sent until `.send().await`{}. \
         The method's documentation carries the permissions table and availability.\n\n`{} {}`",
        a.summary,
        if is_collection(a) {
            " (or `.stream()`, `.all().await`)"
        } else {
            ""
        },
        a.method.as_str(),
        a.path
    );
    let docs = doc(&text);
    let super_models = quote!(super::models::);
    let fields: &[Field] = a.body.as_deref().unwrap_or(&[]);
    let has_body = a.body.is_some();
    let body_name = format_ident!("{}Body", name);
    let body_struct = has_body.then(|| {
        let body_doc = format!("The request body of [`{name}`].");
        models::object(
            cx,
            &body_name.to_string(),
            &body_doc,
            fields,
            &super_models,
            false,
        )
    });
    let binds: Vec<&Field> = fields.iter().filter(|f| f.bind.is_some()).collect();
    let bind_slots: Vec<_> = binds
        .iter()
        .map(|f| format_ident!("bind_{}", naming::snake(&f.wire)))
        .collect();
    let bind_fields = binds.iter().map(|f| naming::ident(&f.wire));
    // `__new` takes the required body fields; a bound one as the id, whose URL is made at `send`.
    let required: Vec<&Field> = fields.iter().filter(|f| !f.optional).collect();
    let new_args = required.iter().map(|f| {
        let id = arg_name(f);
        match &f.bind {
            Some(_) => quote!(#id: &str),
            None => {
                let ty = rust_type(&f.ty, &super_models);
                quote!(#id: #ty)
            }
        }
    });
    let body_inits = required.iter().map(|f| match &f.bind {
        Some(_) => quote!(::std::string::String::new()),
        None => {
            let id = arg_name(f);
            quote!(#id)
        }
    });
    let bind_inits = binds.iter().zip(&bind_slots).map(|(f, slot)| {
        let id = arg_name(f);
        let path = path_builder(
            krate,
            f.bind.as_ref().map(|t| &t.segments[..]).unwrap_or(&[]),
            &id,
        );
        quote!(#slot: #path)
    });
    let setters = fields.iter().filter(|f| f.optional).map(|f| {
        let id = naming::ident(&f.wire);
        let ty = rust_type(&f.ty, &super_models);
        let d = doc(&format!(
            "Sets `{}`: {}",
            f.wire,
            f.doc.as_deref().unwrap_or(&describe(&f.ty))
        ));
        quote! {
            #d
            pub fn #id(mut self, value: impl ::std::convert::Into<#ty>) -> Self {
                self.body.#id = ::std::option::Option::Some(value.into());
                self
            }
        }
    });
    let query_methods = a.query.iter().map(query_method);
    let rsc_fields: Vec<_> = fields
        .iter()
        .filter(|f| f.rsc_consent)
        .map(|f| naming::ident(&f.wire))
        .collect();
    let rsc = (!rsc_fields.is_empty()).then(|| {
        let rsc_doc = doc(&format!(
            "Whether this request consents to resource-specific permissions, which rules out the\n\
             permissions the action's notes name (see\n\
             [`Permissions::usable`]({}::meta::Permissions::usable)).",
            krate.to_string().replace(' ', "")
        ));
        quote! {
            #rsc_doc
            pub fn #consents_to_rsc(&self) -> bool {
                #(self.body.#rsc_fields.is_some())||*
            }
        }
    });
    let replace_body = has_body.then(|| {
        let d = if binds.is_empty() {
            quote!(#[doc = " Replaces the whole request body."])
        } else {
            quote!(#[doc = " Replaces the whole request body; `@odata.bind` fields still name the entity whose id the method took."])
        };
        quote! {
            #d
            pub fn #replace_body(mut self, body: #body_name) -> Self {
                self.body = body;
                self
            }
        }
    });
    let body_field = has_body.then(|| quote!(body: #body_name,));
    let body_init = has_body.then(|| quote!(body: #body_name::new(#(#body_inits),*),));
    let body_arg = if has_body {
        quote! {{
            #( self.body.#bind_fields = #krate::__private::bind_url(self.client, self.#bind_slots)?; )*
            ::std::option::Option::Some(#krate::__private::json_body(&self.body)?)
        }}
    } else {
        quote!(::std::option::Option::None)
    };
    let mutability = (!binds.is_empty()).then(|| quote!(mut));
    let rsc_arg = if rsc_fields.is_empty() {
        quote!(false)
    } else {
        quote!(#(self.body.#rsc_fields.is_some())||*)
    };
    let execute = quote! {
        #krate::__private::execute(self.client, Self::INFO, self.path, self.query, #rsc_arg, #body_arg, self.options).await?
    };
    let sending = match &a.response {
        Some(TypeRef::List(item)) => {
            let item = rust_type(item, &super_models);
            quote! {
                /// Sends the request and reads the first page.
                pub async fn #send(self) -> ::std::result::Result<#krate::Page<#item>, #krate::Error> {
                    #execute.into_json()
                }

                /// Every item of the collection, fetched page by page as the stream is read. Each
                /// page is one call with the retry policy; a next-page link is followed only on the
                /// service root's scheme, host and port.
                pub fn #stream(self) -> #krate::PageStream<#item> {
                    #krate::__private::stream(self.client, Self::INFO, self.path, self.query, self.options)
                }

                /// Every item of the collection, across all pages, up to the call's
                /// `max_collected_items` (100,000 unless the client or call sets it); use
                /// `.stream()` for larger collections.
                pub async fn #all(self) -> ::std::result::Result<::std::vec::Vec<#item>, #krate::Error> {
                    self.#stream().collect_all().await
                }
            }
        }
        Some(t) => {
            let t = rust_type(t, &super_models);
            quote! {
                /// Sends the request.
                pub async fn #send(#mutability self) -> ::std::result::Result<#t, #krate::Error> {
                    #execute.into_json()
                }
            }
        }
        None => quote! {
            /// Sends the request.
            pub async fn #send(#mutability self) -> ::std::result::Result<(), #krate::Error> {
                #execute.into_unit()
            }
        },
    };
    quote! {
        #body_struct

        #docs
        #[derive(Debug, Clone)]
        #[must_use = "a request does nothing until `.send().await`"]
        pub struct #name<'a> {
            client: &'a #krate::GraphClient,
            path: #krate::__private::PathBuilder,
            #body_field
            #(#bind_slots: #krate::__private::PathBuilder,)*
            query: #krate::__private::Query,
            options: #krate::CallOptions,
        }

        impl<'a> #name<'a> {
            /// This action's metadata.
            pub const INFO: &'static #krate::meta::ActionInfo = &super::actions::#info;

            #[doc(hidden)]
            pub fn __new(__client: &'a #krate::GraphClient, __path: #krate::__private::PathBuilder, #(#new_args),*) -> Self {
                #name {
                    client: __client,
                    path: __path,
                    #body_init
                    #(#bind_inits,)*
                    query: #krate::__private::Query::new(),
                    options: ::std::default::Default::default(),
                }
            }

            #(#setters)*

            #replace_body

            #rsc

            #(#query_methods)*

            /// Overrides the client's retry policy, timeouts or both for this call.
            pub fn #call_options(mut self, options: #krate::CallOptions) -> Self {
                self.options = options;
                self
            }

            #sending
        }
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
fn path_builder(
    krate: &TokenStream,
    segments: &[Segment],
    arg: &proc_macro2::Ident,
) -> TokenStream {
    let steps = segments.iter().map(|s| match s {
        Segment::Literal(l) => quote!(.segment(#l)),
        Segment::Param(p) => quote!(.param(#p, #arg, false)),
    });
    quote!(#krate::__private::PathBuilder::root() #(#steps)*)
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
            quote!(value: impl ::std::convert::Into<::std::string::String>),
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
            quote!(::std::string::String::from(if value {
                "true"
            } else {
                "false"
            })),
            quote!(if value { #headers } else { &[] }),
        ),
    };
    let call = if q.headers.is_empty() {
        quote!(self.query.set(#wire, #value))
    } else {
        quote!(self.query.set_with(#wire, #value, #set))
    };
    quote! {
        #[doc = #d]
        pub fn #method(mut self, #arg) -> Self {
            self.query = #call;
            self
        }
    }
}

/// The rustdoc of an action's method: summary, request line, notes, permissions, availability,
/// response and the documentation link.
pub(super) fn method_doc(a: &Action) -> String {
    let mut s = format!(
        "{}\n\n```text\n{} {}\n```\n",
        a.summary,
        a.method.as_str(),
        a.path
    );
    for n in &a.notes {
        s.push_str(&format!("\n- {n}"));
    }
    if !a.notes.is_empty() {
        s.push('\n');
    }
    s.push_str("\n# Permissions\n\n| Permission type | Least privileged | Higher privileged |\n|---|---|---|\n");
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
    let versions: Vec<&str> = a
        .versions
        .iter()
        .map(|v| match v {
            Version::V1 => "v1.0",
            Version::Beta => "beta",
        })
        .collect();
    let clouds: Vec<&str> = a
        .clouds
        .iter()
        .map(|c| match c {
            Cloud::Global => "Global service",
            Cloud::UsGovL4 => "US Government L4",
            Cloud::UsGovL5Dod => "US Government L5 (DOD)",
            Cloud::China21Vianet => "China operated by 21Vianet",
        })
        .collect();
    s.push_str(&format!(
        "\n# Availability\n\nAPI versions: {}.\n\nNational clouds: {}.\n",
        versions.join(", "),
        clouds.join(", ")
    ));
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
        None => format!("{}, returned as `Ok(())`", a.status),
        Some(TypeRef::List(item)) => format!(
            "{} with a page of {} items: `.send()` reads the first page, `.stream()` and `.all()` every page",
            a.status,
            describe(item)
        ),
        Some(t) => format!("{} with {}", a.status, describe(t)),
    };
    if !a.query.is_empty() {
        let names: Vec<String> = a
            .query
            .iter()
            .map(|q| format!("`{}` (`.{}()`)", q.name, q.method))
            .collect();
        s.push_str(&format!("\n# Query options\n\n{}.\n", names.join(", ")));
    }
    s.push_str(&format!(
        "\n# Response\n\n{response}.\n\n[Microsoft Graph documentation]({})",
        a.docs
    ));
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
