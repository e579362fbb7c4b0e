//! `spec!`: the proc-macro front of graph-api. It parses its input into a
//! [`graph_codegen::invocation::Invocation`] and returns what graph-codegen makes of it; the
//! syntax, the spec pipeline, the error reporting and the forwarding macro for downstream crates
//! all live in graph-codegen.

use proc_macro::TokenStream;

/// Generates models, action metadata, request builders and navigation methods from the spec
/// files under a folder (or one file) of the invoking crate (see
/// [`graph_codegen::invocation`] for the syntax).
///
/// A downstream crate's invocation (with `trait = Name`) is first handed to a macro that
/// graph-api generates over its own spec, which calls this one again with graph-api's navigation
/// (`@base [...]`); methods under prefixes graph-api has then extend graph-api's own navigation
/// types, so `client.chat(id).<downstream method>()` works.
#[proc_macro]
pub fn spec(input: TokenStream) -> TokenStream {
    let tokens = proc_macro2::TokenStream::from(input.clone());
    let invocation = syn::parse_macro_input!(input as graph_codegen::invocation::Invocation);
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR").map(std::path::PathBuf::from);
    invocation.expand(tokens, manifest).into()
}
