//! Downstream crates extending graph-api's navigation, all in one place: the base index (the
//! navigation graph-api has, per feature gate), the `@base [...]` syntax graph-api's forwarding
//! macro hands it over in, the clashes a downstream spec's methods would make with it, and the
//! generation of that forwarding macro.
//!
//! A downstream `graph_api::spec!("spec", trait = Name)` is first handed to
//! `graph_api::__graph_api_spec_with_base!`, which graph-api's own expansion writes
//! ([`forwarding`]); it adds graph-api's navigation as `@base [...]`, only the nodes the
//! features graph-api was built with compile, and calls `spec!` again. The downstream expansion
//! then puts methods under prefixes graph-api has on extension traits of graph-api's own
//! navigation types, and the check stage refuses any that would shadow one of graph-api's.

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

/// The navigation a base crate (graph-api) already has, which a downstream spec extends: each
/// node's path prefix with every parameter written `{}`, its type name in the base crate's `nav`
/// module (empty for the client), and the names of its methods.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BaseIndex {
    /// One entry per node; the client's prefix is empty.
    pub nodes: Vec<BaseNode>,
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
    /// base crate compiles some of a node's methods only with some features).
    pub fn merge(entries: impl IntoIterator<Item = BaseNode>) -> BaseIndex {
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
        BaseIndex { nodes }
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

/// Parses the base index as graph-api's forwarding macro writes it after `@base`:
/// `[("prefix", "Type", ["method", ...]), ...]`.
pub fn parse_base(input: ParseStream) -> syn::Result<BaseIndex> {
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
        nodes.push(BaseNode {
            prefix: prefix.value(),
            type_name: type_name.value(),
            methods: methods.iter().map(LitStr::value).collect(),
            features: None,
        });
        if !list.is_empty() {
            list.parse::<Token![,]>()?;
        }
    }
    Ok(BaseIndex::merge(nodes))
}

/// The macros that hand a downstream invocation graph-api's navigation, in the syntax
/// [`parse_base`] reads: only the nodes that the features graph-api was built with compile.
/// Nodes always compiled start the list; then one macro per distinct feature gate adds its
/// nodes, or nothing, by how graph-api was built, and hands on to the next; the last calls
/// `spec!` with the whole list. `reserve` are method names graph-api writes by hand on its
/// navigation types, which downstream specs may not take either.
pub fn forwarding(index: &[BaseNode], reserve: &[String]) -> TokenStream {
    let entry = |n: &BaseNode| {
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
