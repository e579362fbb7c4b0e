//! Cargo feature gates: which of the spec files' features turn each action, type and navigation
//! node on, and the `#[cfg(...)]` attributes that say so.

use crate::model::{Spec, TypeRef};
use crate::nav::Tree;
use proc_macro2::{Delimiter, TokenStream, TokenTree};
use quote::quote;
use std::collections::{BTreeSet, HashMap};

/// The features any of which turns an item on; `None` when it is always compiled.
pub(crate) type Gate = Option<BTreeSet<String>>;

/// Every item's gate.
#[derive(Debug, Default)]
pub(crate) struct Gates {
    /// Per action, in spec order.
    pub actions: Vec<Gate>,
    /// Per model type or enum, by name.
    pub types: HashMap<String, Gate>,
    /// Per navigation node.
    pub nodes: Vec<Gate>,
}

/// What turns on an item needed by two others: either of theirs.
fn either(a: &Gate, b: &Gate) -> Gate {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.union(y).cloned().collect()),
        _ => None,
    }
}

/// Adds a user's gate to what has been collected so far (`None`: no user yet).
fn add(acc: &mut Option<Gate>, g: &Gate) {
    *acc = Some(match acc {
        None => g.clone(),
        Some(prev) => either(prev, g),
    });
}

impl Gates {
    /// An action is gated by its file's feature; a type by the features of every action that
    /// uses it, through fields and bases (or, used by none, by its own file's); a navigation
    /// node by the features of every action below it.
    pub(crate) fn compute(spec: &Spec, tree: &Tree) -> Gates {
        let file_gate = |file| {
            spec.feature_of(file)
                .map(|f| BTreeSet::from([f.to_owned()]))
        };
        let actions: Vec<Gate> = spec
            .actions
            .iter()
            .map(|a| file_gate(a.span.file))
            .collect();
        let fields: HashMap<&str, Vec<&str>> = spec
            .types
            .iter()
            .map(|t| {
                let mut refs: Vec<&str> = t.fields.iter().filter_map(|f| f.ty.named()).collect();
                refs.extend(t.base.as_ref().map(|(b, _)| b.as_str()));
                (t.name.as_str(), refs)
            })
            .collect();
        let mut used: HashMap<&str, Option<Gate>> = HashMap::new();
        for (a, gate) in spec.actions.iter().zip(&actions) {
            let mut stack: Vec<&str> = a
                .body
                .iter()
                .flatten()
                .filter_map(|f| f.ty.named())
                .chain(a.response.as_ref().and_then(TypeRef::named))
                .collect();
            let mut seen = std::collections::HashSet::new();
            while let Some(t) = stack.pop() {
                if !seen.insert(t) {
                    continue;
                }
                add(used.entry(t).or_default(), gate);
                stack.extend(fields.get(t).into_iter().flatten());
            }
        }
        let mut types: HashMap<String, Gate> = HashMap::new();
        let declared = spec
            .types
            .iter()
            .map(|t| (&t.name, &t.span))
            .chain(spec.enums.iter().map(|e| (&e.name, &e.span)));
        for (name, span) in declared {
            let gate = match used.get(name.as_str()) {
                Some(Some(g)) => g.clone(),
                _ => file_gate(span.file),
            };
            types.insert(name.clone(), gate);
        }
        // A type is on whenever a type that refers to it (a field's type, a base) is on, also
        // for types no action uses: widen until nothing changes.
        loop {
            let mut changed = false;
            for t in &spec.types {
                let outer = types.get(&t.name).cloned().unwrap_or(None);
                for inner in fields.get(t.name.as_str()).into_iter().flatten() {
                    let Some(current) = types.get(*inner) else {
                        continue;
                    };
                    let widened = either(current, &outer);
                    if widened != *current {
                        types.insert((*inner).to_owned(), widened);
                        changed = true;
                    }
                }
            }
            if !changed {
                break;
            }
        }
        let mut nodes = vec![None; tree.nodes.len()];
        node_gate(tree, 0, &actions, &mut nodes);
        Gates {
            actions,
            types,
            nodes,
        }
    }
}

/// A node's gate: that of every action method on it and below it.
fn node_gate(tree: &Tree, node: usize, actions: &[Gate], out: &mut [Gate]) -> Gate {
    let mut acc: Option<Gate> = None;
    for c in &tree.nodes[node].calls {
        add(&mut acc, &actions[c.action]);
    }
    for e in &tree.nodes[node].edges {
        let g = node_gate(tree, e.target, actions, out);
        add(&mut acc, &g);
    }
    let gate = acc.unwrap_or(None);
    out[node] = gate.clone();
    gate
}

/// `#[cfg(any(feature = "a", feature = "b"))]`, or nothing for an ungated item.
pub(crate) fn attr(gate: &Gate) -> TokenStream {
    match gate {
        None => TokenStream::new(),
        Some(features) if features.len() == 1 => quote!(#[cfg(#(feature = #features)*)]),
        Some(features) => quote!(#[cfg(any(#(feature = #features),*))]),
    }
}

/// Puts the gate's attribute before every top-level item (or method) in `items`. An item ends
/// at a `;`, or at a brace-delimited group that no `;` follows.
pub(crate) fn gate(gate: &Gate, items: TokenStream) -> TokenStream {
    let cfg = attr(gate);
    if cfg.is_empty() {
        return items;
    }
    let tokens: Vec<TokenTree> = items.into_iter().collect();
    let mut out = TokenStream::new();
    let mut start = true;
    for (i, t) in tokens.iter().enumerate() {
        if start {
            out.extend(cfg.clone());
        }
        out.extend([t.clone()]);
        start = match t {
            TokenTree::Punct(p) => p.as_char() == ';',
            TokenTree::Group(g) => {
                g.delimiter() == Delimiter::Brace
                    && !matches!(tokens.get(i + 1), Some(TokenTree::Punct(p)) if p.as_char() == ';')
            }
            _ => false,
        };
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_type_is_on_whenever_a_type_referring_to_it_is() {
        let text = "feature = \"fb\"\n[types.Thing]\ndoc = \"t\"\n[types.Thing.fields.id]\ntype = \"string\"\n";
        let other = "feature = \"fa\"\n[types.Holder]\ndoc = \"h\"\n[types.Holder.fields.thing]\ntype = \"Thing\"\n";
        let mut map = crate::SourceMap::default();
        map.add(crate::SourceFile::new("a.toml", "a.toml", other));
        map.add(crate::SourceFile::new("b.toml", "b.toml", text));
        let (spec, tree, diags) = crate::load(&map);
        assert!(diags.is_empty(), "{diags:?}");
        let g = Gates::compute(&spec, &tree);
        let set = |names: &[&str]| Some(names.iter().map(|n| n.to_string()).collect());
        assert_eq!(g.types["Holder"], set(&["fa"]));
        assert_eq!(g.types["Thing"], set(&["fa", "fb"]));
    }

    #[test]
    fn every_item_and_method_gets_the_attribute() {
        let g: Gate = Some(BTreeSet::from(["a".to_owned(), "b".to_owned()]));
        let items = quote! {
            #[doc = "x"] pub struct S { f: u8 }
            impl S { fn m(&self) -> u8 { 1 } }
            pub static X: S = S { f: 1 };
            fn sig(&self) -> u8;
        };
        let out = gate(&g, items).to_string();
        assert_eq!(
            out.matches("cfg (any (feature = \"a\" , feature = \"b\"))")
                .count(),
            4,
            "{out}"
        );
        assert!(out.starts_with("# [cfg"), "{out}");
        assert_eq!(
            gate(
                &None,
                quote!(
                    struct S;
                )
            )
            .to_string(),
            "struct S ;"
        );
    }
}
