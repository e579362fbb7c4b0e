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
}

impl Parse for Input {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let path: LitStr = input.parse()?;
        let mut out = Input {
            path,
            krate: None,
            extension_trait: None,
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

/// Generates models, action metadata, request builders and navigation methods from the spec
/// files under a folder (or one file) of the invoking crate.
#[proc_macro]
pub fn spec(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as Input);
    expand(input).into()
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
    let krate = input
        .krate
        .map_or_else(|| quote!(::graph_api), |p| quote!(#p));
    let opts = graph_codegen::Options {
        krate,
        extension_trait: input.extension_trait,
    };
    let generated = graph_codegen::generate(&path, &manifest, &opts);
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
    quote! { #track #(#errors)* #tokens }
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
