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
        let items: HashMap<&str, &str> = spec
            .segments
            .iter()
            .map(|(s, i, _)| (s.as_str(), i.as_str()))
            .collect();
        let mut tree = Tree {
            nodes: vec![Node::default()],
            ..Tree::default()
        };
        let mut errors = Vec::new();
        for (index, action) in spec.actions.iter().enumerate() {
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

    /// Renumbers the actions the tree refers to after some were left out of the spec:
    /// `new_index[old]` is the action's new index.
    pub fn renumber(&mut self, new_index: &[Option<usize>]) {
        // Only actions that were kept are in the tree (a left-out one was rolled back).
        let renumbered = |i: usize| new_index.get(i).copied().flatten();
        for (n, node) in self.nodes.iter_mut().enumerate() {
            if n > 0 {
                node.action = renumbered(node.action).unwrap_or(node.action);
            }
            for call in &mut node.calls {
                call.action = renumbered(call.action).unwrap_or(call.action);
            }
        }
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

impl Tree {
    /// The base node each of this tree's nodes extends, if any (index-aligned with `nodes`).
    pub fn extended<'b>(&self, base: &'b BaseIndex) -> Vec<Option<&'b BaseNode>> {
        let by_shape: HashMap<&str, &BaseNode> =
            base.nodes.iter().map(|n| (n.prefix.as_str(), n)).collect();
        self.nodes
            .iter()
            .map(|n| by_shape.get(shape(&n.prefix).as_str()).copied())
            .collect()
    }

    /// Methods this tree would add to a base node that already has a method of that name
    /// (which would shadow it), reported on the path of the action that adds it.
    pub fn clashes(&self, spec: &Spec, base: &BaseIndex) -> Vec<Diagnostic> {
        let extended = self.extended(base);
        let mut out = Vec::new();
        for (n, node) in self.nodes.iter().enumerate() {
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
                    let a = &spec.actions[self.nodes[e.target].action];
                    out.push(Diagnostic::new(a.path_span.clone(), format!("`{}` is already a method of {what}, which leads elsewhere", e.accessor))
                        .help("rename the collection's item name under [segments], or choose another path"));
                }
            }
            for c in &node.calls {
                if taken(&c.name) {
                    let a = &spec.actions[c.action];
                    out.push(
                        Diagnostic::new(
                            a.path_span.clone(),
                            format!("`{}` is already a method of {what}", c.name),
                        )
                        .help("name the method differently with `call`"),
                    );
                }
            }
        }
        out
    }
}

/// Names `GraphClient` already has, which the spec cannot use for root navigation methods.
pub const RESERVED_ROOT: &[&str] = &[
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
