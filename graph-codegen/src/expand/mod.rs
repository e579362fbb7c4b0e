//! Model -> Rust tokens: one submodule per generated product.

mod actions;
mod models;
mod nav;
mod requests;

use crate::model::{Spec, TypeRef};
use crate::nav::Tree;
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

/// What the generated code needs to know about where it lives.
#[derive(Debug, Clone)]
pub struct Options {
    /// The path of the graph-api crate as seen from the generated code (`::graph_api`, or `crate`
    /// inside graph-api itself).
    pub krate: TokenStream,
    /// When set, the client's root navigation methods go on a trait of this name, implemented for
    /// `GraphClient` (the only way a crate other than graph-api can add methods to it).
    pub extension_trait: Option<Ident>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            krate: quote!(::graph_api),
            extension_trait: None,
        }
    }
}

/// Shared state of one expansion.
pub(crate) struct Cx<'a> {
    pub spec: &'a Spec,
    pub tree: &'a Tree,
    pub krate: &'a TokenStream,
    /// `#[serde(crate = "...")]` value, so the derives work in crates without a serde dependency.
    pub serde_crate: String,
}

/// Expands a checked spec into the items of the generated API.
pub fn expand(spec: &Spec, tree: &Tree, opts: &Options) -> TokenStream {
    let krate = &opts.krate;
    let serde_crate = format!("{}::__private::serde", krate.to_string().replace(' ', ""));
    let cx = Cx {
        spec,
        tree,
        krate,
        serde_crate,
    };
    let models = models::expand(&cx);
    let actions = actions::expand(&cx);
    let requests = requests::expand(&cx);
    let nav = nav::expand(&cx, opts.extension_trait.as_ref());
    quote! {
        #models
        #actions
        #requests
        #nav
    }
}

/// `#[doc = "..."]` attributes, one per line of `text`.
pub(crate) fn doc(text: &str) -> TokenStream {
    let lines = text.lines().map(|l| {
        if l.is_empty() {
            String::new()
        } else {
            format!(" {l}")
        }
    });
    quote! { #( #[doc = #lines] )* }
}

/// The Rust type of a field; `models` is the path prefix of module `models` where it is used.
pub(crate) fn rust_type(ty: &TypeRef, models: &TokenStream) -> TokenStream {
    match ty {
        TypeRef::String | TypeRef::DateTime | TypeRef::Guid => quote!(::std::string::String),
        TypeRef::Bool => quote!(bool),
        TypeRef::Int32 => quote!(i32),
        TypeRef::Int64 => quote!(i64),
        TypeRef::Double => quote!(f64),
        TypeRef::Named(n) => {
            let n = format_ident!("{}", n);
            quote!(#models #n)
        }
        TypeRef::List(inner) => {
            let inner = rust_type(inner, models);
            quote!(::std::vec::Vec<#inner>)
        }
    }
}

/// A short description of a type for docs: `string`, `TeamsAppPermissionSet collection`.
pub(crate) fn describe(ty: &TypeRef) -> String {
    match ty {
        TypeRef::List(inner) => format!("{} collection", describe(inner)),
        TypeRef::Named(n) => format!("`{n}`"),
        TypeRef::DateTime => "datetime (ISO 8601 string)".into(),
        TypeRef::Guid => "guid (string)".into(),
        other => format!("{other:?}").to_lowercase(),
    }
}
