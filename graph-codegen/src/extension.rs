//! Downstream crates extending graph-api, all in one place: the base index (the navigation and
//! the model types graph-api has, per feature gate), the `@base [...]` syntax graph-api's
//! forwarding macro hands it over in, the clashes a downstream spec's methods would make with
//! it, and the generation of that forwarding macro.
//!
//! A downstream `graph_api::spec!("spec", trait = Name)` is first handed to
//! `graph_api::__graph_api_spec_with_base!`, which graph-api's own expansion writes
//! ([`forwarding`]); it adds graph-api's navigation and type names as `@base [...]`, only what
//! the features graph-api was built with compile (the other type names with the features that
//! would compile them), and calls `spec!` again. The downstream expansion then puts methods
//! under prefixes graph-api has on extension traits of graph-api's own navigation types (the
//! check stage refuses any that would shadow one of graph-api's), and a type name the
//! downstream spec uses without declaring it, and graph-api has, is graph-api's
//! `models::Name`. A type the downstream spec declares itself is its own, also where graph-api
//! has one of that name.

use crate::diag::Diagnostic;
use crate::model::Spec;
use crate::nav::Tree;
use proc_macro2::TokenStream;
use quote::quote;
use std::collections::HashMap;
use syn::parse::ParseStream;
use syn::{LitStr, Token};

/// Methods graph-api writes by hand on its own navigation types (`workflows.rs`), which no
/// downstream spec may take either: graph-api's `spec!` hands them on with its navigation, and
/// `graph-spec check --base` checks against them.
pub const BASE_HANDWRITTEN: &[&str] = &["upgrade_with_required_consent"];

/// What a base crate (graph-api) already has, which a downstream spec extends and uses: its
/// navigation (each node's path prefix with every parameter written `{}`, its type name in the
/// base crate's `nav` module, empty for the client, and the names of its methods), and the
/// names of its model types and enums.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BaseIndex {
    /// One entry per node; the client's prefix is empty.
    pub nodes: Vec<BaseNode>,
    /// One entry per model type or enum, by name.
    pub types: Vec<BaseType>,
}

/// A model type or enum of the base crate, which a downstream spec may use by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseType {
    /// Its name in the base crate's `models` module.
    pub name: String,
    /// A model type or an enum.
    pub kind: BaseKind,
    /// The base crate's cargo features any of which compiles it; `None` when it always is.
    pub features: Option<Vec<String>>,
    /// Whether the base crate was built with it. One it was not built with is handed on only to
    /// say which features would compile it.
    pub compiled: bool,
}

/// What a base type is, as far as a downstream spec's rules and generated code care: an enum
/// answer is read from `{"value": ...}`, a function parameter is an enum and never a model
/// type, and a required enum field keeps its struct from deriving `Default`. A flags enum is an
/// enum to all of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BaseKind {
    /// A model type (`[types.Name]`).
    Type,
    /// An enum or flags enum (`[enums.Name]`).
    Enum,
}

/// One navigation node of the base crate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseNode {
    /// The path prefix, parameters written `{}`: `/chats/{}`.
    pub prefix: String,
    /// The type in the base crate's `nav` module; empty for the client.
    pub type_name: String,
    /// Its navigation and action methods.
    pub methods: Vec<String>,
    /// The base crate's cargo features any of which compiles the node; `None` when it always is.
    pub features: Option<Vec<String>>,
}

impl BaseIndex {
    /// One node per prefix, with the methods of every entry for it (entries differ when the
    /// base crate compiles some of a node's methods only with some features), and one type per
    /// name (compiled when any entry for it is).
    pub fn merge(
        entries: impl IntoIterator<Item = BaseNode>,
        types: impl IntoIterator<Item = BaseType>,
    ) -> BaseIndex {
        let mut merged: Vec<BaseType> = Vec::new();
        for t in types {
            match merged.iter_mut().find(|m| m.name == t.name) {
                Some(m) => m.compiled |= t.compiled,
                None => merged.push(t),
            }
        }
        let mut nodes: Vec<BaseNode> = Vec::new();
        for e in entries {
            match nodes.iter_mut().find(|n| n.prefix == e.prefix) {
                Some(n) => {
                    for m in e.methods {
                        if !n.methods.contains(&m) {
                            n.methods.push(m);
                        }
                    }
                }
                None => nodes.push(BaseNode {
                    features: None,
                    ..e
                }),
            }
        }
        BaseIndex {
            nodes,
            types: merged,
        }
    }

    /// The base type of this name the downstream code can use (the base crate was built with
    /// it), if any.
    pub fn usable_type(&self, name: &str) -> Option<&BaseType> {
        self.types.iter().find(|t| t.compiled && t.name == name)
    }

    /// The base type of this name that the base crate was built without, if any.
    pub fn missing_type(&self, name: &str) -> Option<&BaseType> {
        self.types.iter().find(|t| !t.compiled && t.name == name)
    }

    /// The index as graph-api's forwarding macro hands it on: every node also lists the names
    /// graph-api reserves (its hand-written methods, [`BASE_HANDWRITTEN`]).
    pub fn reserving<S: AsRef<str>>(mut self, names: &[S]) -> BaseIndex {
        for node in &mut self.nodes {
            for name in names {
                node.methods.push(name.as_ref().to_owned());
            }
        }
        self
    }
}

/// A prefix with every parameter written `{}`, so that `{chat-id}` and `{id}` compare equal.
pub fn shape(prefix: &str) -> String {
    let mut out = String::with_capacity(prefix.len());
    let mut in_param = false;
    for c in prefix.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push_str("{}");
            }
            '}' => in_param = false,
            _ if in_param => {}
            _ => out.push(c),
        }
    }
    out
}

/// The base node each of this tree's nodes extends, if any (index-aligned with `nodes`).
pub fn extended<'b>(tree: &Tree, base: &'b BaseIndex) -> Vec<Option<&'b BaseNode>> {
    let by_shape: HashMap<&str, &BaseNode> =
        base.nodes.iter().map(|n| (n.prefix.as_str(), n)).collect();
    tree.nodes
        .iter()
        .map(|n| by_shape.get(shape(&n.prefix).as_str()).copied())
        .collect()
}

/// Methods this tree would add to a base node that already has a method of that name
/// (which would shadow it), reported on the path of the action that adds it.
pub fn clashes(tree: &Tree, spec: &Spec, base: &BaseIndex) -> Vec<(usize, Diagnostic)> {
    let extended = extended(tree, base);
    let mut out = Vec::new();
    for (n, node) in tree.nodes.iter().enumerate() {
        let Some(b) = extended[n] else { continue };
        let taken = |name: &str| b.methods.iter().any(|m| m == name);
        let what = if b.type_name.is_empty() {
            "`GraphClient`".to_owned()
        } else {
            format!("graph-api's `nav::{}`", b.type_name)
        };
        for e in &node.edges {
            // The same step as the base's is the base's own method, not a clash.
            if taken(&e.accessor) && extended[e.target].is_none() {
                let i = tree.nodes[e.target].action;
                let a = &spec.actions[i];
                out.push((i, Diagnostic::new(a.path_span.clone(), format!("`{}` is already a method of {what}, which leads elsewhere", e.accessor))
                    .help("rename the collection's item name under [segments], or choose another path")));
            }
        }
        for c in &node.calls {
            if taken(&c.name) {
                let a = &spec.actions[c.action];
                out.push((
                    c.action,
                    Diagnostic::new(
                        a.path_span.clone(),
                        format!("`{}` is already a method of {what}", c.name),
                    )
                    .help("name the method differently with `call`"),
                ));
            }
        }
    }
    out
}

/// The navigation index as entries per feature gate: one entry per node and gate, with the
/// node's methods that gate compiles (`features: None` for those always compiled).
pub(crate) fn gated_index(tree: &Tree, gates: &crate::expand::gates::Gates) -> Vec<BaseNode> {
    let mut out = Vec::new();
    for node in &tree.nodes {
        let mut groups: Vec<(crate::expand::gates::Gate, Vec<String>)> = Vec::new();
        let methods = node
            .edges
            .iter()
            .map(|e| (&gates.nodes[e.target], e.accessor.clone()))
            .chain(
                node.calls
                    .iter()
                    .map(|c| (&gates.actions[c.action], c.name.clone())),
            );
        for (gate, name) in methods {
            match groups.iter_mut().find(|(g, _)| g == gate) {
                Some((_, names)) => names.push(name),
                None => groups.push((gate.clone(), vec![name])),
            }
        }
        for (gate, methods) in groups {
            out.push(BaseNode {
                prefix: shape(&node.prefix),
                type_name: node.type_name.clone(),
                methods,
                features: gate.map(|set| set.into_iter().collect()),
            });
        }
    }
    out
}

/// The model types and enums of a spec with the features that compile each (from the same
/// gates as the items' `#[cfg]`), as the base downstream specs use by name.
pub(crate) fn gated_types(spec: &Spec, gates: &crate::expand::gates::Gates) -> Vec<BaseType> {
    let features = |name: &str| {
        gates
            .types
            .get(name)
            .cloned()
            .flatten()
            .map(|set| set.into_iter().collect())
    };
    let types = spec.types.iter().map(|t| (&t.name, BaseKind::Type));
    let enums = spec.enums.iter().map(|e| (&e.name, BaseKind::Enum));
    types
        .chain(enums)
        .map(|(name, kind)| BaseType {
            name: name.clone(),
            kind,
            features: features(name),
            compiled: true,
        })
        .collect()
}

/// Parses the base index as graph-api's forwarding macro writes it after `@base`: a list of
/// navigation nodes `("prefix", "Type", ["method", ...])` and model types `(type "Name")` or
/// `(enum "Name")`, a type graph-api was built without followed by the features that would
/// compile it: `(type "Name" needs ["feature", ...])`.
pub fn parse_base(input: ParseStream) -> syn::Result<BaseIndex> {
    let list;
    syn::bracketed!(list in input);
    let mut nodes = Vec::new();
    let mut types = Vec::new();
    while !list.is_empty() {
        let node;
        syn::parenthesized!(node in list);
        if node.peek(Token![type]) || node.peek(Token![enum]) {
            types.push(parse_base_type(&node)?);
        } else {
            let prefix: LitStr = node.parse()?;
            node.parse::<Token![,]>()?;
            let type_name: LitStr = node.parse()?;
            node.parse::<Token![,]>()?;
            let methods;
            syn::bracketed!(methods in node);
            let methods =
                methods.parse_terminated(|m: ParseStream| m.parse::<LitStr>(), Token![,])?;
            nodes.push(BaseNode {
                prefix: prefix.value(),
                type_name: type_name.value(),
                methods: methods.iter().map(LitStr::value).collect(),
                features: None,
            });
        }
        if !list.is_empty() {
            list.parse::<Token![,]>()?;
        }
    }
    Ok(BaseIndex::merge(nodes, types))
}

/// `type "Name"`, `enum "Name"`, either followed by `needs ["feature", ...]` when the base
/// crate was built without it.
fn parse_base_type(node: ParseStream) -> syn::Result<BaseType> {
    let kind = if node.peek(Token![type]) {
        node.parse::<Token![type]>()?;
        BaseKind::Type
    } else {
        node.parse::<Token![enum]>()?;
        BaseKind::Enum
    };
    let name: LitStr = node.parse()?;
    let mut features = None;
    if !node.is_empty() {
        let kw: syn::Ident = node.parse()?;
        if kw != "needs" {
            return Err(syn::Error::new(kw.span(), "expected `needs [...]`"));
        }
        let list;
        syn::bracketed!(list in node);
        let names = list.parse_terminated(|m: ParseStream| m.parse::<LitStr>(), Token![,])?;
        features = Some(names.iter().map(LitStr::value).collect());
    }
    Ok(BaseType {
        name: name.value(),
        kind,
        compiled: features.is_none(),
        features,
    })
}

/// The macros that hand a downstream invocation graph-api's navigation and type names, in the
/// syntax [`parse_base`] reads: only the nodes and types that the features graph-api was built
/// with compile, and the other types' names with the features that would compile them (so a
/// downstream spec that uses one is told which feature to turn on). What is always compiled
/// starts the list; then one macro per distinct feature gate adds its part by how graph-api was
/// built, and hands on to the next; the last calls `spec!` with the whole list. `reserve` are
/// method names graph-api writes by hand on its navigation types, which downstream specs may
/// not take either.
pub fn forwarding(index: &[BaseNode], types: &[BaseType], reserve: &[String]) -> TokenStream {
    let entry = |n: &BaseNode| {
        let (prefix, ty) = (&n.prefix, &n.type_name);
        let methods = n.methods.iter().chain(reserve);
        quote!((#prefix, #ty, [#(#methods),*]),)
    };
    let kind = |t: &BaseType| match t.kind {
        BaseKind::Type => quote!(type),
        BaseKind::Enum => quote!(enum),
    };
    let on = |t: &BaseType| {
        let (kind, name) = (kind(t), &t.name);
        quote!((#kind #name),)
    };
    let off = |t: &BaseType| {
        let (kind, name) = (kind(t), &t.name);
        let features = t.features.iter().flatten();
        quote!((#kind #name needs [#(#features),*]),)
    };
    let always = index
        .iter()
        .filter(|n| n.features.is_none())
        .map(entry)
        .chain(types.iter().filter(|t| t.features.is_none()).map(on));
    let mut gates: Vec<&Vec<String>> = Vec::new();
    let all_gates = index
        .iter()
        .filter_map(|n| n.features.as_ref())
        .chain(types.iter().filter_map(|t| t.features.as_ref()));
    for f in all_gates {
        if !gates.contains(&f) {
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
        let gated: Vec<&BaseType> = types
            .iter()
            .filter(|t| t.features.as_ref() == Some(*gate))
            .collect();
        let on = gated.iter().map(|t| on(t));
        let off = gated.iter().map(|t| off(t));
        quote! {
            #[doc(hidden)]
            #[macro_export]
            #[cfg(any(#(feature = #gate),*))]
            macro_rules! #this {
                ([$($acc:tt)*] $($input:tt)*) => {
                    $crate::#next!([$($acc)* #(#entries)* #(#on)*] $($input)*);
                };
            }
            #[doc(hidden)]
            #[macro_export]
            #[cfg(not(any(#(feature = #gate),*)))]
            macro_rules! #this {
                ([$($acc:tt)*] $($input:tt)*) => {
                    $crate::#next!([$($acc)* #(#off)*] $($input)*);
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
