//! `spec!`: the proc-macro front of graph-api. It parses its input into a
//! [`graph_codegen::invocation::Invocation`] and returns what graph-codegen makes of it; the
//! syntax, the spec pipeline, the error reporting and the forwarding macro for downstream crates
//! all live in graph-codegen.

use proc_macro::TokenStream;

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
/// `spec/README.md` the spec files' schema (the invocation's syntax is
/// [`graph_codegen::invocation`]).
///
/// graph-api invokes it on its own spec with `crate = crate` (and no trait); a downstream
/// invocation first passes through graph-api, which adds its navigation (`@base [...]`) so that
/// the spec can extend it.
#[proc_macro]
pub fn spec(input: TokenStream) -> TokenStream {
    let tokens = proc_macro2::TokenStream::from(input.clone());
    let invocation = syn::parse_macro_input!(input as graph_codegen::invocation::Invocation);
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR").map(std::path::PathBuf::from);
    invocation.expand(tokens, manifest).into()
}
