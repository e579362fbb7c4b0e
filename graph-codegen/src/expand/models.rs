//! Model types and enums, and the struct-with-setters shape that request bodies share.

use super::{Cx, block, doc, rust_type};
use crate::model::{EnumDef, Field, TypeRef};
use crate::naming;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use std::collections::HashSet;

pub(super) fn expand(cx: &Cx) -> TokenStream {
    let types = cx.spec.types.iter().map(|t| {
        let mut text = t.doc.clone();
        if let Some(d) = &t.docs {
            text.push_str(&format!("\n\n[Microsoft Graph documentation]({d})"));
        }
        object(cx, &t.name, &text, &t.fields, &quote!())
    });
    let enums = cx.spec.enums.iter().map(|e| open_enum(cx, e));
    let body = block(types.chain(enums));
    quote! {
        /// Model types of Microsoft Graph resources and complex types.
        pub mod models #body
    }
}

/// Types whose every field has a default (optional, primitive or collection, or such a type).
pub(super) fn defaultable_types(cx: &Cx) -> HashSet<String> {
    let enums = &cx.enums;
    let mut ok: HashSet<String> = HashSet::new();
    loop {
        let before = ok.len();
        for t in &cx.spec.types {
            if !ok.contains(&t.name) && fields_default(&t.fields, enums, &ok) {
                ok.insert(t.name.clone());
            }
        }
        if ok.len() == before {
            return ok;
        }
    }
}

pub(super) fn fields_default(
    fields: &[Field],
    enums: &HashSet<&str>,
    ok: &HashSet<String>,
) -> bool {
    fields.iter().all(|f| {
        f.optional
            || match &f.ty {
                TypeRef::Named(n) => !enums.contains(n.as_str()) && ok.contains(n),
                _ => true,
            }
    })
}

/// A JSON object as a struct: serde-exact field names, `new` over the required fields, and a
/// `with_*` setter per optional field.
pub(super) fn object(
    cx: &Cx,
    name: &str,
    text: &str,
    fields: &[Field],
    models: &TokenStream,
) -> TokenStream {
    let name = format_ident!("{}", name);
    let docs = doc(text);
    let serde_crate = &cx.serde_crate;
    let krate = cx.krate;
    let default = fields_default(fields, &cx.enums, &cx.defaultable).then(|| quote!(Default,));
    let decls = fields.iter().map(|f| {
        let id = naming::ident(&f.wire);
        let wire = &f.wire;
        let ty = rust_type(&f.ty, models);
        let docs = doc(f.doc.as_deref().unwrap_or(""));
        if f.optional {
            quote! {
                #docs
                #[serde(rename = #wire, default, skip_serializing_if = "Option::is_none")]
                pub #id: ::std::option::Option<#ty>,
            }
        } else {
            quote! {
                #docs
                #[serde(rename = #wire)]
                pub #id: #ty,
            }
        }
    });
    let required: Vec<&Field> = fields.iter().filter(|f| !f.optional).collect();
    let req_ids: Vec<_> = required.iter().map(|f| naming::ident(&f.wire)).collect();
    let req_tys = required.iter().map(|f| {
        let ty = rust_type(&f.ty, models);
        quote!(impl ::std::convert::Into<#ty>)
    });
    let inits = fields.iter().map(|f| {
        let id = naming::ident(&f.wire);
        if f.optional {
            quote!(#id: ::std::option::Option::None)
        } else {
            quote!(#id: #id.into())
        }
    });
    let setters = fields.iter().filter(|f| f.optional).map(|f| {
        let id = naming::ident(&f.wire);
        let setter = format_ident!("with_{}", naming::snake(&f.wire));
        let ty = rust_type(&f.ty, models);
        let d = format!(" Sets `{}`.", f.wire);
        quote! {
            #[doc = #d]
            #[must_use]
            pub fn #setter(mut self, value: impl ::std::convert::Into<#ty>) -> Self {
                self.#id = ::std::option::Option::Some(value.into());
                self
            }
        }
    });
    let new_doc = if required.is_empty() {
        " An empty value: every field unset.".to_owned()
    } else {
        " A value with the required fields set and the optional ones unset.".to_owned()
    };
    quote! {
        #docs
        #[derive(Debug, Clone, PartialEq, #default #krate::__private::serde::Serialize, #krate::__private::serde::Deserialize)]
        #[serde(crate = #serde_crate)]
        #[non_exhaustive]
        pub struct #name {
            #(#decls)*
        }

        impl #name {
            #[doc = #new_doc]
            pub fn new(#(#req_ids: #req_tys),*) -> Self {
                #name { #(#inits),* }
            }
            #(#setters)*
        }
    }
}

/// A string enum that writes the documented spelling, reads any casing, and keeps unknown
/// members as `Other`.
fn open_enum(cx: &Cx, e: &EnumDef) -> TokenStream {
    let krate = cx.krate;
    let name = format_ident!("{}", e.name);
    let mut text = format!(
        "{}\n\nReading accepts every member in any casing; a member Graph adds later is kept as [`{}::Other`].",
        e.doc, e.name
    );
    if let Some(d) = &e.docs {
        text.push_str(&format!("\n\n[Microsoft Graph documentation]({d})"));
    }
    let docs = doc(&text);
    let variants: Vec<_> = e
        .members
        .iter()
        .map(|m| format_ident!("{}", naming::pascal(&m.wire)))
        .collect();
    let wires: Vec<&str> = e.members.iter().map(|m| m.wire.as_str()).collect();
    let member_docs = e.members.iter().map(|m| {
        let d = m.doc.clone().unwrap_or_default();
        doc(format!("{d}\n\nWire value `{}`.", m.wire).trim_start())
    });
    quote! {
        #docs
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum #name {
            #( #member_docs #variants, )*
            /// A value not known to this version of graph-api, as Graph sent it.
            Other(::std::string::String),
        }

        impl #name {
            /// The value as written on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #( #name::#variants => #wires, )*
                    #name::Other(value) => value,
                }
            }
        }

        impl ::std::convert::From<&str> for #name {
            fn from(value: &str) -> Self {
                #( if value.eq_ignore_ascii_case(#wires) { return #name::#variants; } )*
                #name::Other(value.to_owned())
            }
        }

        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl #krate::__private::serde::Serialize for #name {
            fn serialize<S: #krate::__private::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> #krate::__private::serde::Deserialize<'de> for #name {
            fn deserialize<D: #krate::__private::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                #krate::__private::deserialize_str_with(deserializer, |value: &str| #name::from(value))
            }
        }
    }
}
