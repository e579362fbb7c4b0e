//! Model -> Rust tokens: one submodule per generated product.
//!
//! Every generated function that is not generic is `#[inline]` (and so are the ones graph-api's
//! `request!`, `nav!` and enum macros write): rustc then compiles a method's body, and the
//! runtime code it instantiates for its body and answer types, only in a crate that calls it.
//! A spec with hundreds of actions otherwise pays, in every build of its crate, for machine code
//! of actions nobody there uses (BENCHMARKS.md section 5, run 8). Generic functions (the
//! `impl Into<_>` setters) are compiled where they are used anyway.

pub(crate) mod actions;
pub(crate) mod gates;
pub(crate) mod models;
mod nav;
pub(crate) mod requests;

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
    /// The navigation and types graph-api already has; a downstream spec's methods under those
    /// prefixes go on extension traits of graph-api's own navigation types, and the type names it
    /// uses without declaring them are graph-api's.
    pub base: Option<crate::extension::BaseIndex>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            krate: quote!(::graph_api),
            extension_trait: None,
            base: None,
        }
    }
}

/// Every name the generated code uses itself, which spec names may not make: `Self`, the statics
/// the `actions` module has of its own, and the prelude names the modules use unqualified (each
/// list is the one its emitter uses).
pub(crate) fn reserved_names() -> impl Iterator<Item = &'static str> {
    std::iter::once("Self")
        .chain(actions::STATICS)
        .chain(PRELUDE_NAMES)
}

/// Names from Rust's prelude that the generated modules use unqualified (`String`,
/// `Option<T>`, `impl Into<T>`, ...); a generated type of the same name would shadow them, so
/// the checker keeps spec names from making one.
pub(crate) const PRELUDE_NAMES: [&str; 13] = [
    "String", "Vec", "Option", "Some", "None", "Into", "AsRef", "Default", "Result", "Ok", "Err",
    "From", "TryFrom",
];

/// Shared state of one expansion.
pub(crate) struct Cx<'a> {
    pub spec: &'a Spec,
    pub tree: &'a Tree,
    pub krate: &'a TokenStream,
    /// `krate` as doc links write it (`::graph_api`, `crate`), made once.
    pub krate_path: String,
    /// Names of the spec's enums, and of the base crate's enums it uses.
    pub enums: std::collections::HashSet<&'a str>,
    /// The base crate's types and enums this spec uses by name without declaring them, which
    /// the generated code names as `#krate::models::Name` (a type the spec declares is its own).
    pub base_models: std::collections::HashSet<&'a str>,
    /// Types that can derive `Default`.
    pub defaultable: std::collections::HashSet<String>,
    /// Per navigation node: the base crate's type for it, when the base has that prefix.
    pub base_types: Vec<Option<String>>,
    /// Per navigation node: the base crate's method names on it, when the base has that prefix.
    pub base_methods: Vec<Option<Vec<String>>>,
    /// The cargo features that turn each item on.
    pub gates: gates::Gates,
}

/// Expands a checked spec into the items of the generated API.
pub fn expand(spec: &Spec, tree: &Tree, opts: &Options) -> TokenStream {
    expand_indexed(spec, tree, opts).0
}

/// The items of the generated API, and the navigation and types they make as the index
/// downstream specs extend and use: one entry per node and feature gate (see
/// [`gated_index`](crate::extension::gated_index)) and one per type with its gate, from the same
/// gates.
pub(crate) fn expand_indexed<'a>(
    spec: &'a Spec,
    tree: &'a Tree,
    opts: &'a Options,
) -> (
    TokenStream,
    Vec<crate::extension::BaseNode>,
    Vec<crate::extension::BaseType>,
) {
    let krate = &opts.krate;
    let local: std::collections::HashSet<&str> = spec
        .types
        .iter()
        .map(|t| t.name.as_str())
        .chain(spec.enums.iter().map(|e| e.name.as_str()))
        .collect();
    // What the checker let through names a type of the spec or a usable one of the base.
    let base_types: Vec<&crate::extension::BaseType> = opts
        .base
        .iter()
        .flat_map(|b| &b.types)
        .filter(|t| t.compiled && !local.contains(t.name.as_str()))
        .collect();
    let enums = spec
        .enums
        .iter()
        .map(|e| e.name.as_str())
        .chain(
            base_types
                .iter()
                .filter(|t| t.kind == crate::extension::BaseKind::Enum)
                .map(|t| t.name.as_str()),
        )
        .collect();
    let mut cx = Cx {
        spec,
        tree,
        krate,
        krate_path: krate.to_string().replace(' ', ""),
        enums,
        base_models: base_types.iter().map(|t| t.name.as_str()).collect(),
        defaultable: Default::default(),
        base_types: vec![None; tree.nodes.len()],
        base_methods: vec![None; tree.nodes.len()],
        gates: gates::Gates::compute(spec, tree),
    };
    if let Some(base) = &opts.base {
        let extended = crate::extension::extended(tree, base);
        cx.base_types = extended
            .iter()
            .map(|b| b.map(|b| b.type_name.clone()))
            .collect();
        cx.base_methods = extended
            .iter()
            .map(|b| b.map(|b| b.methods.clone()))
            .collect();
    }
    cx.defaultable = models::defaultable_types(&cx);
    let models = models::expand(&cx);
    let actions = actions::expand(&cx);
    let requests = requests::expand(&cx);
    let nav = nav::expand(&cx, opts.extension_trait.as_ref());
    let mut out = TokenStream::new();
    out.extend([models, actions, requests, nav]);
    (
        out,
        crate::extension::gated_index(tree, &cx.gates),
        crate::extension::gated_types(spec, &cx.gates),
    )
}

pub(crate) use gates::{attr as gate_attr, gate};

/// Moves `items` into a brace group without copying their tokens, for module bodies that hold
/// thousands of items (interpolating them with `quote!` would copy every token once more).
pub(crate) fn block(items: impl IntoIterator<Item = TokenStream>) -> proc_macro2::Group {
    let mut body = TokenStream::new();
    body.extend(items);
    proc_macro2::Group::new(proc_macro2::Delimiter::Brace, body)
}

/// One `#[doc = "..."]` attribute holding every line of `text`. A single attribute rather than
/// one per line keeps the token count (and so expansion and compile time) down for long docs.
pub(crate) fn doc(text: &str) -> TokenStream {
    if text.is_empty() {
        return TokenStream::new();
    }
    let mut joined = String::with_capacity(text.len() + 64);
    for (i, line) in text.lines().enumerate() {
        if i > 0 {
            joined.push('\n');
        }
        if !line.is_empty() {
            joined.push(' ');
            joined.push_str(line);
        }
    }
    quote! { #[doc = #joined] }
}

impl Cx<'_> {
    /// Whether a field type names one of the spec's own types (which the generated code reaches
    /// through its `models` module), rather than a primitive or a type of the base crate.
    pub(crate) fn names_local(&self, ty: &TypeRef) -> bool {
        ty.named().is_some_and(|n| !self.base_models.contains(n))
    }
}

/// The Rust type of a field; `models` is the path prefix of module `models` where it is used
/// (a base crate's type is named by its full path instead). `String` and `Vec` are written
/// short, for modules whose own names cannot hide them (see [`PRELUDE_NAMES`]).
pub(crate) fn rust_type(cx: &Cx, ty: &TypeRef, models: &TokenStream) -> TokenStream {
    rust_type_in(cx, ty, models, false)
}

/// [`rust_type`], with `String` and `Vec` written in full where a generated name could hide
/// them (navigation types are named after path segments, which the checker does not restrict).
pub(crate) fn rust_type_in(cx: &Cx, ty: &TypeRef, models: &TokenStream, full: bool) -> TokenStream {
    match ty {
        TypeRef::String | TypeRef::DateTime | TypeRef::Guid if full => {
            quote!(::std::string::String)
        }
        TypeRef::String | TypeRef::DateTime | TypeRef::Guid => quote!(String),
        TypeRef::Bool => quote!(bool),
        TypeRef::Int32 => quote!(i32),
        TypeRef::Int64 => quote!(i64),
        TypeRef::Double => quote!(f64),
        TypeRef::Named(n) => model_path(cx, n, models),
        TypeRef::List(inner) => {
            let inner = rust_type_in(cx, inner, models, full);
            if full {
                quote!(::std::vec::Vec<#inner>)
            } else {
                quote!(Vec<#inner>)
            }
        }
    }
}

/// The path of a named type: the spec's own in `models`, the base crate's in its `models`.
pub(crate) fn model_path(cx: &Cx, name: &str, models: &TokenStream) -> TokenStream {
    let id = format_ident!("{}", name);
    if cx.base_models.contains(name) {
        let krate = cx.krate;
        quote!(#krate::models::#id)
    } else {
        quote!(#models #id)
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

/// A type as the spec writes it: `string`, `TeamsApp`, `[TeamsApp]`.
pub(crate) fn describe_plain(ty: &TypeRef) -> String {
    match ty {
        TypeRef::List(inner) => format!("[{}]", describe_plain(inner)),
        TypeRef::Named(n) => n.clone(),
        other => format!("{other:?}").to_lowercase(),
    }
}

#[cfg(test)]
mod tests {
    use proc_macro2::{TokenStream, TokenTree};

    /// The names Rust's standard prelude brings into the type and value namespaces (the
    /// language's list, from `std::prelude::rust_2024`), which generated code could use
    /// unqualified.
    const STD_PRELUDE: &[&str] = &[
        "Copy",
        "Send",
        "Sized",
        "Sync",
        "Unpin",
        "Drop",
        "Fn",
        "FnMut",
        "FnOnce",
        "AsyncFn",
        "AsyncFnMut",
        "AsyncFnOnce",
        "drop",
        "Box",
        "ToOwned",
        "Clone",
        "PartialEq",
        "PartialOrd",
        "Eq",
        "Ord",
        "AsRef",
        "AsMut",
        "Into",
        "From",
        "Default",
        "Iterator",
        "Extend",
        "IntoIterator",
        "DoubleEndedIterator",
        "ExactSizeIterator",
        "Option",
        "Some",
        "None",
        "Result",
        "Ok",
        "Err",
        "String",
        "ToString",
        "Vec",
        "TryFrom",
        "TryInto",
        "FromIterator",
        "Future",
        "IntoFuture",
    ];

    /// Prelude names used unqualified in `tokens`: not after `::`, not inside attributes
    /// (derives name macros, which a type cannot shadow).
    fn unqualified(tokens: TokenStream, found: &mut std::collections::BTreeSet<String>) {
        let mut after_path_sep = false;
        let mut colons = 0;
        let mut iter = tokens.into_iter().peekable();
        while let Some(tt) = iter.next() {
            match tt {
                TokenTree::Punct(p) if p.as_char() == '#' => {
                    // `#[...]` or `#![...]`: skip the attribute.
                    if let Some(TokenTree::Punct(bang)) = iter.peek()
                        && bang.as_char() == '!'
                    {
                        iter.next();
                    }
                    iter.next();
                    colons = 0;
                    after_path_sep = false;
                    continue;
                }
                TokenTree::Punct(p) if p.as_char() == ':' => {
                    colons += 1;
                    after_path_sep = colons >= 2;
                    continue;
                }
                TokenTree::Ident(i) => {
                    let name = i.to_string();
                    if !after_path_sep && STD_PRELUDE.contains(&name.as_str()) {
                        found.insert(name);
                    }
                }
                TokenTree::Group(g) => unqualified(g.stream(), found),
                TokenTree::Punct(_) | TokenTree::Literal(_) => {}
            }
            colons = 0;
            after_path_sep = false;
        }
    }

    #[test]
    fn every_prelude_name_the_emitter_writes_unqualified_is_reserved() {
        let spec = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../graph-api/spec");
        let generated = crate::generate(&spec, spec.parent().unwrap(), &Default::default());
        assert!(generated.diagnostics.is_empty());
        let mut found = std::collections::BTreeSet::new();
        unqualified(generated.tokens, &mut found);
        assert!(
            found.contains("Option"),
            "the walk sees the generated code: {found:?}"
        );
        let missing: Vec<_> = found
            .iter()
            .filter(|n| !super::PRELUDE_NAMES.contains(&n.as_str()))
            .collect();
        assert!(
            missing.is_empty(),
            "the generated code uses {missing:?} unqualified; add them to PRELUDE_NAMES so no \
             spec name can shadow them"
        );
    }
}
