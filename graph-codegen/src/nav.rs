//! The navigation tree: path-shaped methods from the client down to each action.
//!
//! `/chats/{chat-id}/installedApps/{app-installation-id}/upgrade` becomes
//! `client.chat(id).installed_app(id).upgrade()`: a collection segment followed by a parameter
//! is one step named by the segment's item name, any other literal segment is a step named by the
//! segment, and the last literal (or the entry's `call`) names the action's method.

use crate::diag::Diagnostic;
use crate::model::{Action, Spec};
use crate::naming;
use crate::template::Segment;
use std::collections::HashMap;

/// How an edge extends the path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// A literal segment, such as `teamwork`.
    Literal(String),
    /// A collection segment and a parameter, such as `chats/{chat-id}`.
    Item {
        /// The collection segment; empty when the parameter stands alone.
        segment: String,
        /// The parameter's name in the first action that uses this edge.
        param: String,
        /// Whether `/` is allowed in the parameter's values.
        allow_slash: bool,
    },
}

/// A navigation method from one node to another.
#[derive(Debug, Clone)]
pub struct Edge {
    /// The method name.
    pub accessor: String,
    /// What it adds to the path.
    pub step: Step,
    /// The node it leads to.
    pub target: usize,
}

/// An action's method on a node.
#[derive(Debug, Clone)]
pub struct Call {
    /// The method name.
    pub name: String,
    /// The action's index in [`Spec::actions`].
    pub action: usize,
    /// The last literal segment, when the method name came from it (it is added to the path).
    pub tail: Option<String>,
}

/// A point in the navigation: the client (node 0) or a path prefix.
#[derive(Debug, Clone, Default)]
pub struct Node {
    /// The Rust type name; empty for the client.
    pub type_name: String,
    /// The path prefix in template form, from the first action that passes here.
    pub prefix: String,
    /// The first action that passes here (its index in [`Spec::actions`]).
    pub action: usize,
    /// Navigation methods, in first-use order.
    pub edges: Vec<Edge>,
    /// Action methods, in first-use order.
    pub calls: Vec<Call>,
}

/// The whole tree; node 0 is the client.
#[derive(Debug, Clone, Default)]
pub struct Tree {
    /// All nodes.
    pub nodes: Vec<Node>,
    /// Edge lookup by (node, accessor), so building stays linear in the number of actions.
    edges: HashMap<(usize, String), usize>,
    /// Type names in use.
    type_names: std::collections::HashSet<String>,
}

impl Tree {
    /// Builds the tree. An action whose methods clash with an earlier one's is left out and
    /// reported with its index in [`Spec::actions`].
    pub fn build(spec: &Spec) -> (Tree, Vec<(usize, Diagnostic)>) {
        Tree::build_with(spec, |_| true, |_| true)
    }

    /// [`Tree::build`] over the actions and segment item names that `keep_action` (by index in
    /// [`Spec::actions`]) and `keep_segment` (by where the item name is declared) keep; the
    /// first item name of a segment counts.
    pub fn build_with(
        spec: &Spec,
        keep_action: impl Fn(usize) -> bool,
        keep_segment: impl Fn(&crate::source::Span) -> bool,
    ) -> (Tree, Vec<(usize, Diagnostic)>) {
        let mut items: HashMap<&str, &str> = HashMap::new();
        for (s, i, sp) in &spec.segments {
            if keep_segment(sp) {
                items.entry(s.as_str()).or_insert(i.as_str());
            }
        }
        let mut tree = Tree {
            nodes: vec![Node::default()],
            ..Tree::default()
        };
        let mut errors = Vec::new();
        for (index, action) in spec.actions.iter().enumerate() {
            if !keep_action(index) {
                continue;
            }
            let before = tree.nodes.len();
            if let Err(e) = tree.add(index, action, &items) {
                // Nothing of an action left out stays in the tree.
                tree.rollback(before);
                errors.push((index, e));
            }
        }
        (tree, errors)
    }

    /// Removes the nodes from `len` on, and the edges that lead to them.
    fn rollback(&mut self, len: usize) {
        for n in self.nodes.drain(len..) {
            self.type_names.remove(&n.type_name);
        }
        for node in &mut self.nodes {
            node.edges.retain(|e| e.target < len);
        }
        let nodes = &self.nodes;
        self.edges
            .retain(|(node, _), edge| *node < len && *edge < nodes[*node].edges.len());
    }

    fn add(
        &mut self,
        index: usize,
        action: &Action,
        items: &HashMap<&str, &str>,
    ) -> Result<(), Diagnostic> {
        let segs = &action.path.segments;
        let mut node = 0;
        let mut i = 0;
        let mut chain = Vec::new();
        let conflict = |what: String| {
            Diagnostic::new(action.path_span.clone(), what).help(
                "rename the method with `call`, or the collection's item name under [segments]",
            )
        };
        while i < segs.len() {
            let last = i + 1 == segs.len();
            let (accessor, step, width) = match (&segs[i], segs.get(i + 1)) {
                (Segment::Literal(l), _) if last && action.call.is_none() => {
                    let name = crate::lang::action_method_name(
                        naming::snake(l.rsplit('.').next().unwrap_or(l)),
                        chain.last().map(String::as_str),
                    );
                    return self.add_call(
                        node,
                        Call {
                            name,
                            action: index,
                            tail: Some(l.clone()),
                        },
                        &conflict,
                    );
                }
                (Segment::Literal(l), Some(Segment::Param(p))) => {
                    let accessor = items
                        .get(l.as_str())
                        .map_or_else(|| naming::singular(l), |s| s.to_string());
                    (
                        accessor,
                        Step::Item {
                            segment: l.clone(),
                            param: p.clone(),
                            allow_slash: allows_slash(action, p),
                        },
                        2,
                    )
                }
                (Segment::Literal(l), _) => (naming::snake(l), Step::Literal(l.clone()), 1),
                (Segment::Param(p), _) => (
                    naming::snake(p),
                    Step::Item {
                        segment: String::new(),
                        param: p.clone(),
                        allow_slash: allows_slash(action, p),
                    },
                    1,
                ),
            };
            chain.push(naming::pascal(&accessor));
            node = self.edge(node, accessor, step, chain.concat(), index, &conflict)?;
            i += width;
        }
        let name = action.call.clone().unwrap_or_default();
        self.add_call(
            node,
            Call {
                name,
                action: index,
                tail: None,
            },
            &conflict,
        )
    }

    fn edge(
        &mut self,
        node: usize,
        accessor: String,
        step: Step,
        type_name: String,
        action: usize,
        conflict: &dyn Fn(String) -> Diagnostic,
    ) -> Result<usize, Diagnostic> {
        if node == 0 && RESERVED_ROOT.contains(&accessor.as_str()) {
            return Err(conflict(format!(
                "`{accessor}` is a method of `GraphClient` itself"
            )));
        }
        if let Some(&e) = self.edges.get(&(node, accessor.clone())) {
            let e = &self.nodes[node].edges[e];
            let same = match (&e.step, &step) {
                (Step::Literal(a), Step::Literal(b)) => a == b,
                // One method serves both actions, so they must agree on which ids it refuses.
                (
                    Step::Item {
                        segment: a,
                        allow_slash: x,
                        ..
                    },
                    Step::Item {
                        segment: b,
                        allow_slash: y,
                        ..
                    },
                ) => a == b && x == y,
                _ => false,
            };
            return if same {
                Ok(e.target)
            } else {
                Err(conflict(format!(
                    "method `{accessor}` already leads somewhere else from this point of the path"
                )))
            };
        }
        if self.nodes[node].calls.iter().any(|c| c.name == accessor) {
            return Err(conflict(format!(
                "`{accessor}` is already an action method at this point of the path"
            )));
        }
        if !self.type_names.insert(type_name.clone()) {
            return Err(conflict(format!(
                "this path's navigation type `{type_name}` is already made by a different path"
            )));
        }
        let prefix = match &step {
            Step::Literal(l) => format!("{}/{l}", self.nodes[node].prefix),
            Step::Item { segment, param, .. } if segment.is_empty() => {
                format!("{}/{{{param}}}", self.nodes[node].prefix)
            }
            Step::Item { segment, param, .. } => {
                format!("{}/{segment}/{{{param}}}", self.nodes[node].prefix)
            }
        };
        self.nodes.push(Node {
            type_name,
            prefix,
            action,
            ..Node::default()
        });
        let target = self.nodes.len() - 1;
        self.edges
            .insert((node, accessor.clone()), self.nodes[node].edges.len());
        self.nodes[node].edges.push(Edge {
            accessor,
            step,
            target,
        });
        Ok(target)
    }

    fn add_call(
        &mut self,
        node: usize,
        call: Call,
        conflict: &dyn Fn(String) -> Diagnostic,
    ) -> Result<(), Diagnostic> {
        if node == 0 && RESERVED_ROOT.contains(&call.name.as_str()) {
            return Err(conflict(format!(
                "`{}` is a method of `GraphClient` itself",
                call.name
            )));
        }
        let is_edge = self.edges.contains_key(&(node, call.name.clone()));
        let n = &mut self.nodes[node];
        if is_edge || n.calls.iter().any(|c| c.name == call.name) {
            return Err(conflict(format!(
                "another action already has the method `{}` at this point of the path",
                call.name
            )));
        }
        n.calls.push(call);
        Ok(())
    }
}

/// Names `GraphClient` already has, which the spec cannot use for root navigation methods.
/// `GraphClient` is written by hand in graph-api, so this list cannot come from an emitter; a
/// test in graph-api-tests (`metadata::graph_client_methods_are_reserved`) reads graph-api's
/// source and fails when a public method of `GraphClient` is missing here.
pub const RESERVED_ROOT: &[&str] = &[
    "batch",
    "builder",
    "service_root",
    "api_version",
    "national_cloud",
    "clone",
    "fmt",
];

fn allows_slash(action: &Action, param: &str) -> bool {
    action
        .params
        .iter()
        .any(|p| p.name == param && p.allow_slash)
}
