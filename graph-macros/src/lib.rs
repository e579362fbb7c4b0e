//! `spec!`: the proc-macro front of graph-api; parses its input, runs graph-codegen, reports errors.
//!
//! ```ignore
//! graph_api::spec!("spec");                                   // items for ::graph_api
//! graph_api::spec!("spec", trait = ContosoGraph);             // root methods on a trait
//! graph_macros::spec!("spec", crate = crate);                 // inside graph-api itself
//! ```
//!
//! The path is relative to the invoking crate's `Cargo.toml` folder and may not leave it.

use proc_macro::TokenStream;
use proc_macro2::Span;
use quote::{quote, quote_spanned};
use std::path::{Component, Path, PathBuf};
use syn::parse::{Parse, ParseStream};
use syn::{Ident, LitStr, Token};

struct Input {
    path: LitStr,
    krate: Option<syn::Path>,
    extension_trait: Option<Ident>,
    /// graph-api's own navigation, prepended by graph-api's forwarding macro: `@base [...]`.
    base: Option<graph_codegen::nav::BaseIndex>,
    /// Method names graph-api writes by hand on its navigation types (`reserve = [...]`), which
    /// downstream specs may not take either.
    reserve: Vec<String>,
}

impl Parse for Input {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let base = if input.peek(Token![@]) {
            input.parse::<Token![@]>()?;
            let kw: Ident = input.parse()?;
            if kw != "base" {
                return Err(syn::Error::new(kw.span(), "expected `@base [...]`"));
            }
            Some(parse_base(input)?)
        } else {
            None
        };
        let path: LitStr = input.parse()?;
        let mut out = Input {
            path,
            krate: None,
            extension_trait: None,
            base,
            reserve: Vec::new(),
        };
        while !input.is_empty() {
            input.parse::<Token![,]>()?;
            if input.is_empty() {
                break;
            }
            if input.peek(Token![crate]) {
                input.parse::<Token![crate]>()?;
                input.parse::<Token![=]>()?;
                out.krate = Some(input.call(syn::Path::parse_mod_style)?);
            } else if input.peek(Ident) && input.fork().parse::<Ident>()? == "reserve" {
                input.parse::<Ident>()?;
                input.parse::<Token![=]>()?;
                let list;
                syn::bracketed!(list in input);
                let names =
                    list.parse_terminated(|m: ParseStream| m.parse::<LitStr>(), Token![,])?;
                out.reserve = names.iter().map(LitStr::value).collect();
            } else if input.peek(Token![trait]) {
                input.parse::<Token![trait]>()?;
                input.parse::<Token![=]>()?;
                out.extension_trait = Some(input.parse()?);
            } else {
                return Err(input.error("expected `crate = path` or `trait = Name`"));
            }
        }
        Ok(out)
    }
}

/// `[("prefix", "Type", ["method", ...]), ...]`, as graph-api's forwarding macro writes it.
fn parse_base(input: ParseStream) -> syn::Result<graph_codegen::nav::BaseIndex> {
    let list;
    syn::bracketed!(list in input);
    let mut nodes = Vec::new();
    while !list.is_empty() {
        let node;
        syn::parenthesized!(node in list);
        let prefix: LitStr = node.parse()?;
        node.parse::<Token![,]>()?;
        let type_name: LitStr = node.parse()?;
        node.parse::<Token![,]>()?;
        let methods;
        syn::bracketed!(methods in node);
        let methods = methods.parse_terminated(|m: ParseStream| m.parse::<LitStr>(), Token![,])?;
        nodes.push(graph_codegen::nav::BaseNode {
            prefix: prefix.value(),
            type_name: type_name.value(),
            methods: methods.iter().map(LitStr::value).collect(),
            features: None,
        });
        if !list.is_empty() {
            list.parse::<Token![,]>()?;
        }
    }
    Ok(graph_codegen::nav::BaseIndex::merge(nodes))
}

/// Turns the Microsoft Graph actions in a crate's spec files into typed Rust: model types,
/// request builders, action metadata and the methods that reach them from a `GraphClient`.
///
/// # Use
///
/// In a crate of your own (`src/lib.rs`), name the spec folder (or one file), relative to the
/// crate's `Cargo.toml`, and an extension trait for the methods the spec adds:
///
/// ```ignore
/// graph_api::spec!("spec", trait = ContosoGraph);
/// ```
///
/// It generates, where it is invoked:
///
/// - `models`: one type per `[types.X]` and `[enums.X]`;
/// - `requests`: one request builder per action (`.send()`, `.build()`, and for a list
///   `.stream()` and `.all()`), with its body type;
/// - `actions`: each action's metadata (`ActionInfo`: path, permissions table, clouds,
///   versions) and `PRIVILEGE_LEVELS`;
/// - `nav`: the navigation types between the client and the actions;
/// - the trait (here `ContosoGraph`) with the spec's root methods, implemented for
///   `GraphClient`, and one more trait per point of graph-api's own navigation the spec extends
///   (`client.chat(id).messages()` when graph-api has `chat(id)`);
/// - `prelude`: every one of those traits, for `use my_crate::prelude::*;`.
///
/// A folder needs a build script, or cargo will not rebuild when a spec file is added:
/// `graph-spec build-script > build.rs` writes it, and without it the macro fails with the lines
/// to add. A file named on its own needs none.
///
/// Mistakes in the spec are compile errors pointing at the TOML file's line and column, all of
/// them at once; the sound part of the spec is still generated. `graph-spec check --base
/// <graph-api's spec>` reports the same without building, and `graph-spec expand` shows the
/// generated code. The README's "A crate of your own" section is a complete example, and
/// `spec/README.md` the spec files' schema.
///
/// graph-api invokes it on its own spec with `crate = crate` (and no trait); a downstream
/// invocation first passes through graph-api, which adds its navigation so that the spec can
/// extend it.
#[proc_macro]
pub fn spec(input: TokenStream) -> TokenStream {
    let tokens = proc_macro2::TokenStream::from(input.clone());
    let input = syn::parse_macro_input!(input as Input);
    if input.base.is_none() && input.extension_trait.is_some() && !is_crate(input.krate.as_ref()) {
        let krate = input
            .krate
            .as_ref()
            .map_or_else(|| quote!(::graph_api), |p| quote!(#p));
        return quote!(#krate::__graph_api_spec_with_base! { #tokens }).into();
    }
    expand(input).into()
}

/// Whether the invocation is graph-api's own (`crate = crate`).
fn is_crate(krate: Option<&syn::Path>) -> bool {
    krate.is_some_and(|p| p.is_ident("crate"))
}

fn expand(input: Input) -> proc_macro2::TokenStream {
    let span = input.path.span();
    let manifest = match std::env::var("CARGO_MANIFEST_DIR") {
        Ok(dir) => PathBuf::from(dir),
        Err(_) => {
            return error(
                span,
                "CARGO_MANIFEST_DIR is not set; run the build through cargo",
            );
        }
    };
    let rel = input.path.value();
    let path = match resolve(&manifest, &rel) {
        Ok(p) => p,
        Err(msg) => return error(span, &msg),
    };
    // Cargo sees a new file in a folder only through a build script's `rerun-if-changed`; a
    // folder no build script declares would silently miss new files, so it is an error saying
    // what to add (files named one by one are tracked by `include_bytes!` below).
    let declared = std::env::var(graph_codegen::source::TRACKED_ENV).ok();
    let untracked = (path.is_dir()
        && !graph_codegen::source::is_tracked(declared.as_deref(), &rel))
    .then(|| {
        let msg = graph_codegen::source::untracked_message(&rel, declared.as_deref());
        quote_spanned!(span=> ::core::compile_error!(#msg);)
    });
    let own = is_crate(input.krate.as_ref()) && input.extension_trait.is_none();
    let mut input_reserve = input.reserve;
    if own {
        for name in graph_codegen::nav::BASE_HANDWRITTEN {
            if !input_reserve.iter().any(|r| r == name) {
                input_reserve.push((*name).to_owned());
            }
        }
    }
    let krate = input
        .krate
        .map_or_else(|| quote!(::graph_api), |p| quote!(#p));
    let opts = graph_codegen::Options {
        krate,
        extension_trait: input.extension_trait,
        base: input.base,
    };
    let generated = graph_codegen::generate(&path, &manifest, &opts);
    // graph-api's own expansion also writes the macro that hands downstream invocations its
    // navigation.
    let forward = own.then(|| forwarding(&generated.gated_index, &input_reserve));
    let tracked = generated
        .sources
        .paths()
        .into_iter()
        .map(|p| p.display().to_string());
    let track = quote! { #( const _: &[u8] = include_bytes!(#tracked); )* };
    let errors = generated.diagnostics.iter().map(|d| {
        let msg = d.render(&generated.sources);
        quote_spanned!(span=> ::core::compile_error!(#msg);)
    });
    // On errors the sound part of the spec is still emitted, so code using it does not fail too.
    let tokens = generated.tokens;
    quote! { #track #untracked #(#errors)* #tokens #forward }
}

/// The macros that hand a downstream invocation graph-api's navigation: only the nodes that the
/// features graph-api was built with compile. Nodes always compiled start the list; then one
/// macro per distinct feature gate adds its nodes, or nothing, by how graph-api was built, and
/// hands on to the next; the last calls `spec!` with the whole list.
fn forwarding(
    index: &[graph_codegen::nav::BaseNode],
    reserve: &[String],
) -> proc_macro2::TokenStream {
    let entry = |n: &graph_codegen::nav::BaseNode| {
        let (prefix, ty) = (&n.prefix, &n.type_name);
        let methods = n.methods.iter().chain(reserve);
        quote!((#prefix, #ty, [#(#methods),*]),)
    };
    let always = index.iter().filter(|n| n.features.is_none()).map(entry);
    let mut gates: Vec<&Vec<String>> = Vec::new();
    for n in index {
        if let Some(f) = &n.features
            && !gates.contains(&f)
        {
            gates.push(f);
        }
    }
    let name = |k: usize| quote::format_ident!("__graph_api_spec_with_base_{}", k);
    let steps = gates.iter().enumerate().map(|(k, gate)| {
        let (this, next) = (name(k), name(k + 1));
        let entries = index
            .iter()
            .filter(|n| n.features.as_ref() == Some(*gate))
            .map(entry);
        quote! {
            #[doc(hidden)]
            #[macro_export]
            #[cfg(any(#(feature = #gate),*))]
            macro_rules! #this {
                ([$($acc:tt)*] $($input:tt)*) => {
                    $crate::#next!([$($acc)* #(#entries)*] $($input)*);
                };
            }
            #[doc(hidden)]
            #[macro_export]
            #[cfg(not(any(#(feature = #gate),*)))]
            macro_rules! #this {
                ([$($acc:tt)*] $($input:tt)*) => {
                    $crate::#next!([$($acc)*] $($input)*);
                };
            }
        }
    });
    let (first, last) = (name(0), name(gates.len()));
    quote! {
        #[doc(hidden)]
        #[macro_export]
        macro_rules! __graph_api_spec_with_base {
            ($($input:tt)*) => {
                $crate::#first!([#(#always)*] $($input)*);
            };
        }
        #(#steps)*
        #[doc(hidden)]
        #[macro_export]
        macro_rules! #last {
            ([$($acc:tt)*] $($input:tt)*) => {
                $crate::spec!(@base [$($acc)*] $($input)*);
            };
        }
    }
}

/// Resolves the spec path against the crate folder, refusing absolute and escaping paths.
fn resolve(manifest: &Path, rel: &str) -> Result<PathBuf, String> {
    let p = Path::new(rel);
    if rel.is_empty() {
        return Err("the spec path is empty; name a folder or file such as \"spec\"".into());
    }
    if p.is_absolute() {
        return Err(format!(
            "spec path `{rel}` is absolute; give it relative to the crate's Cargo.toml folder"
        ));
    }
    if p.components().any(|c| matches!(c, Component::ParentDir)) {
        return Err(format!(
            "spec path `{rel}` leaves the crate folder; keep spec files inside the crate so they are packaged with it"
        ));
    }
    let full = manifest.join(p);
    if !full.exists() {
        return Err(format!(
            "spec path `{rel}` does not exist; it is resolved from the folder of the crate's Cargo.toml"
        ));
    }
    Ok(full)
}

fn error(span: Span, msg: &str) -> proc_macro2::TokenStream {
    quote_spanned!(span=> ::core::compile_error!(#msg);)
}
