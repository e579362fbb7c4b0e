//! A `spec!` invocation: its syntax, and everything the proc macro does with it, so that
//! `graph-macros` stays a thin front (it parses the input into an [`Invocation`] and returns
//! [`Invocation::expand`]'s tokens) and tests can run exactly what the macro runs.
//!
//! ```ignore
//! graph_api::spec!("spec");                                   // items for ::graph_api
//! graph_api::spec!("spec", trait = ContosoGraph);             // root methods on a trait
//! graph_macros::spec!("spec", crate = crate);                 // inside graph-api itself
//! ```
//!
//! The path is relative to the invoking crate's `Cargo.toml` folder and may not leave it.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use std::path::{Component, Path, PathBuf};
use syn::parse::{Parse, ParseStream};
use syn::{Ident, LitStr, Token};

/// The input of `spec!`: `[@base [...]] "path" [, crate = path] [, trait = Name] [, reserve = [...]]`.
#[allow(missing_debug_implementations)]
pub struct Invocation {
    /// The spec path, relative to the invoking crate's folder.
    pub path: LitStr,
    /// `crate = path`: where graph-api is, as seen from the generated code.
    pub krate: Option<syn::Path>,
    /// `trait = Name`: the extension trait a downstream crate's root methods go on.
    pub extension_trait: Option<Ident>,
    /// graph-api's own navigation and type names, prepended by graph-api's forwarding macro:
    /// `@base [...]`.
    pub base: Option<crate::extension::BaseIndex>,
    /// Method names graph-api writes by hand on its navigation types (`reserve = [...]`), which
    /// downstream specs may not take either.
    pub reserve: Vec<String>,
}

impl Parse for Invocation {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let base = if input.peek(Token![@]) {
            input.parse::<Token![@]>()?;
            let kw: Ident = input.parse()?;
            if kw != "base" {
                return Err(syn::Error::new(kw.span(), "expected `@base [...]`"));
            }
            Some(crate::extension::parse_base(input)?)
        } else {
            None
        };
        let path: LitStr = input.parse()?;
        let mut out = Invocation {
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

impl Invocation {
    /// Parses an invocation's input from text, as the macro would from its tokens.
    pub fn parse_str(text: &str) -> syn::Result<Invocation> {
        syn::parse_str(text)
    }

    /// Whether the invocation is graph-api's own (`crate = crate`).
    fn is_crate(&self) -> bool {
        self.krate.as_ref().is_some_and(|p| p.is_ident("crate"))
    }

    /// A downstream invocation with `trait = Name` that has not been handed graph-api's
    /// navigation yet: it goes to graph-api's forwarding macro first (see [`crate::extension`]).
    pub fn needs_base(&self) -> bool {
        self.base.is_none() && self.extension_trait.is_some() && !self.is_crate()
    }

    /// The method names downstream specs may not add under graph-api's paths: the
    /// invocation's `reserve = [...]` and, for graph-api's own invocation, the methods it writes
    /// by hand ([`BASE_HANDWRITTEN`](crate::extension::BASE_HANDWRITTEN)).
    pub fn reserved(&self) -> Vec<String> {
        let mut reserve = self.reserve.clone();
        if self.is_crate() && self.extension_trait.is_none() {
            for name in crate::extension::BASE_HANDWRITTEN {
                if !reserve.iter().any(|r| r == name) {
                    reserve.push((*name).to_owned());
                }
            }
        }
        reserve
    }

    /// What `spec!` expands to. `tokens` is the invocation's input, handed on unchanged when it
    /// [`needs_base`](Invocation::needs_base); `manifest` is the invoking crate's folder
    /// (`CARGO_MANIFEST_DIR`). Tracks every file read, turns each diagnostic into a
    /// `compile_error!`, and still emits the sound part of the spec; graph-api's own expansion
    /// also writes its forwarding macro.
    pub fn expand(self, tokens: TokenStream, manifest: Option<PathBuf>) -> TokenStream {
        if self.needs_base() {
            let krate = self
                .krate
                .as_ref()
                .map_or_else(|| quote!(::graph_api), |p| quote!(#p));
            return quote!(#krate::__graph_api_spec_with_base! { #tokens });
        }
        let span = self.path.span();
        let Some(manifest) = manifest else {
            return error(
                span,
                "CARGO_MANIFEST_DIR is not set; run the build through cargo",
            );
        };
        let rel = self.path.value();
        let path = match resolve(&manifest, &rel) {
            Ok(p) => p,
            Err(msg) => return error(span, &msg),
        };
        // Cargo sees a new file in a folder only through a build script's `rerun-if-changed`; a
        // folder no build script declares would silently miss new files, so it is an error saying
        // what to add (files named one by one are tracked by `include_bytes!` below).
        let declared = std::env::var(crate::source::TRACKED_ENV).ok();
        let untracked = (path.is_dir() && !crate::source::is_tracked(declared.as_deref(), &rel))
            .then(|| {
                let msg = crate::source::untracked_message(&rel, declared.as_deref());
                quote_spanned!(span=> ::core::compile_error!(#msg);)
            });
        let own = self.is_crate() && self.extension_trait.is_none();
        let reserve = self.reserved();
        let krate = self
            .krate
            .map_or_else(|| quote!(::graph_api), |p| quote!(#p));
        let opts = crate::Options {
            krate,
            extension_trait: self.extension_trait,
            base: self.base,
        };
        let generated = crate::generate(&path, &manifest, &opts);
        let forward = own.then(|| {
            crate::extension::forwarding(&generated.gated_index, &generated.gated_types, &reserve)
        });
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
