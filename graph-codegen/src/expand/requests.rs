//! Request builders and request bodies, one of each per action.

use super::{Cx, block, describe, doc, models, rust_type};
use crate::model::{Action, Cloud, Scheme, Version};
use crate::naming;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

pub(super) fn expand(cx: &Cx) -> TokenStream {
    let items = cx.spec.actions.iter().map(|a| request(cx, a));
    let body = block(items);
    quote! {
        /// Request builders of every action, and their request bodies.
        pub mod requests #body
    }
}

fn request(cx: &Cx, a: &Action) -> TokenStream {
    let krate = cx.krate;
    let name = format_ident!("{}", naming::pascal(&a.id));
    let info = format_ident!("{}", naming::shouty(&a.id));
    let text = format!(
        "{}\n\nBuilt by the method that names this action; nothing is sent until `.send().await`. \
         The method's documentation carries the permissions table and availability.\n\n`{} {}`",
        a.summary,
        a.method.as_str(),
        a.path
    );
    let docs = doc(&text);
    let (response_ty, finish) = match &a.response {
        None => (quote!(()), quote!(.into_unit())),
        Some(t) => {
            let t = rust_type(t, &quote!(super::models::));
            (quote!(#t), quote!(.into_json()))
        }
    };
    let options_methods = quote! {
        /// Overrides the client's retry policy, timeouts or both for this call.
        pub fn call_options(mut self, options: #krate::CallOptions) -> Self {
            self.options = options;
            self
        }
    };
    let Some(fields) = &a.body else {
        return quote! {
            #docs
            #[derive(Debug, Clone)]
            #[must_use = "a request does nothing until `.send().await`"]
            pub struct #name<'a> {
                client: &'a #krate::GraphClient,
                path: #krate::__private::PathBuilder,
                options: #krate::CallOptions,
            }

            impl<'a> #name<'a> {
                /// This action's metadata.
                pub const INFO: &'static #krate::meta::ActionInfo = &super::actions::#info;

                #[doc(hidden)]
                pub fn __new(__client: &'a #krate::GraphClient, __path: #krate::__private::PathBuilder) -> Self {
                    #name { client: __client, path: __path, options: ::std::default::Default::default() }
                }

                #options_methods

                /// Sends the request.
                pub async fn send(self) -> ::std::result::Result<#response_ty, #krate::Error> {
                    #krate::__private::execute(self.client, Self::INFO, self.path, ::std::option::Option::None, &self.options).await? #finish
                }
            }
        };
    };
    let super_models = quote!(super::models::);
    let body_name = format_ident!("{}Body", name);
    let body_doc = format!("The request body of [`{name}`].");
    let body = models::object(cx, &body_name.to_string(), &body_doc, fields, &super_models);
    let required: Vec<_> = fields
        .iter()
        .filter(|f| !f.optional)
        .map(|f| naming::ident(&f.wire))
        .collect();
    let required_tys = fields
        .iter()
        .filter(|f| !f.optional)
        .map(|f| rust_type(&f.ty, &super_models));
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
    let rsc_fields: Vec<_> = fields
        .iter()
        .filter(|f| f.rsc_consent)
        .map(|f| naming::ident(&f.wire))
        .collect();
    let rsc_doc = doc(&format!(
        "Whether this request consents to resource-specific permissions, which rules out the\n\
         permissions the action's notes name (see\n\
         [`Permissions::usable`]({}::meta::Permissions::usable)).",
        krate.to_string().replace(' ', "")
    ));
    let rsc = (!rsc_fields.is_empty()).then(|| {
        quote! {
            #rsc_doc
            pub fn consents_to_rsc(&self) -> bool {
                #(self.body.#rsc_fields.is_some())||*
            }
        }
    });
    quote! {
        #body

        #docs
        #[derive(Debug, Clone)]
        #[must_use = "a request does nothing until `.send().await`"]
        pub struct #name<'a> {
            client: &'a #krate::GraphClient,
            path: #krate::__private::PathBuilder,
            body: #body_name,
            options: #krate::CallOptions,
        }

        impl<'a> #name<'a> {
            /// This action's metadata.
            pub const INFO: &'static #krate::meta::ActionInfo = &super::actions::#info;

            #[doc(hidden)]
            pub fn __new(__client: &'a #krate::GraphClient, __path: #krate::__private::PathBuilder, #(#required: #required_tys),*) -> Self {
                #name { client: __client, path: __path, body: #body_name::new(#(#required),*), options: ::std::default::Default::default() }
            }

            #(#setters)*

            /// Replaces the whole request body.
            pub fn replace_body(mut self, body: #body_name) -> Self {
                self.body = body;
                self
            }

            #rsc

            #options_methods

            /// Sends the request.
            pub async fn send(self) -> ::std::result::Result<#response_ty, #krate::Error> {
                let body = #krate::__private::json_body(&self.body)?;
                #krate::__private::execute(self.client, Self::INFO, self.path, ::std::option::Option::Some(body), &self.options).await? #finish
            }
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
        Some(t) => format!("{} with {}", a.status, describe(t)),
    };
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
