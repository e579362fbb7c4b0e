//! An OData CSDL document (Microsoft Graph's metadata) read into types, and paths resolved on it.

use std::collections::HashMap;

/// A structural property, or a parameter of an action or function.
#[derive(Debug, Clone)]
pub struct Prop {
    /// The name as written on the wire.
    pub name: String,
    /// The element type, qualified (`microsoft.graph.identitySet`, `Edm.String`).
    pub ty: String,
    /// Whether the type is `Collection(...)`.
    pub collection: bool,
    /// Whether null (or absence, for a parameter) is allowed.
    pub nullable: bool,
    /// The property's description, when the metadata has one.
    pub description: Option<String>,
    /// Whether the service sets it (`Org.OData.Core.V1.Computed`), so a client never sends it.
    pub computed: bool,
}

/// A navigation property.
#[derive(Debug, Clone)]
pub struct Nav {
    /// The name.
    pub name: String,
    /// The target's entity type, qualified.
    pub ty: String,
    /// Whether it leads to a collection.
    pub collection: bool,
    /// Whether the target entities are contained in (created and deleted through) this one.
    pub contains: bool,
}

/// An entity or complex type.
#[derive(Debug, Clone)]
pub struct TypeDef {
    /// The qualified name.
    pub name: String,
    /// The base type, qualified.
    pub base: Option<String>,
    /// Structural properties, in document order.
    pub props: Vec<Prop>,
    /// Navigation properties, in document order.
    pub navs: Vec<Nav>,
    /// The key's properties, declared on this type (`id` on `entity`).
    pub keys: Vec<String>,
    /// The type's description, when the metadata has one.
    pub description: Option<String>,
}

/// An enumeration.
#[derive(Debug, Clone)]
pub struct EnumDef {
    /// Member names, in document order.
    pub members: Vec<String>,
    /// Whether values are comma-separated combinations of members.
    pub flags: bool,
    /// The enumeration's description, when the metadata has one.
    pub description: Option<String>,
}

/// A bound action (POST) or function (GET).
#[derive(Debug, Clone)]
pub struct Operation {
    /// The simple name (`upgrade`).
    pub name: String,
    /// Whether it is an action (POST) rather than a function (GET).
    pub action: bool,
    /// The binding parameter's type, qualified.
    pub binding: String,
    /// Whether it binds to a collection.
    pub binding_collection: bool,
    /// The other parameters.
    pub params: Vec<Prop>,
    /// Whether a parameter is marked optional (`Core.OptionalParameter`), by name.
    pub optional: Vec<String>,
    /// The return type, qualified, and whether it is a collection.
    pub returns: Option<(String, bool)>,
}

/// The parts of a CSDL document that paths, bodies and responses are resolved against.
#[derive(Debug, Default)]
pub struct Model {
    /// Entity and complex types by qualified name.
    pub types: HashMap<String, TypeDef>,
    /// Enumerations by qualified name.
    pub enums: HashMap<String, EnumDef>,
    /// Entity sets (collection) and singletons (single) by name: (entity type, collection).
    pub roots: HashMap<String, (String, bool)>,
    /// Bound operations.
    pub ops: Vec<Operation>,
}

/// `Collection(graph.x)` -> (`microsoft.graph.x`, true), with the schema aliases resolved.
fn type_ref(text: &str, aliases: &HashMap<String, String>) -> (String, bool) {
    let (inner, collection) = match text
        .strip_prefix("Collection(")
        .and_then(|t| t.strip_suffix(')'))
    {
        Some(inner) => (inner, true),
        None => (text, false),
    };
    (qualify(inner, aliases), collection)
}

fn qualify(name: &str, aliases: &HashMap<String, String>) -> String {
    match name.rsplit_once('.') {
        Some((ns, simple)) => match aliases.get(ns) {
            Some(full) => format!("{full}.{simple}"),
            None => name.to_owned(),
        },
        None => name.to_owned(),
    }
}

fn description(node: roxmltree::Node) -> Option<String> {
    node.children()
        .find(|c| {
            c.has_tag_name("Annotation")
                && c.attribute("Term") == Some("Org.OData.Core.V1.Description")
        })
        .and_then(|c| c.attribute("String"))
        .map(str::to_owned)
}

/// Whether an element carries `Org.OData.Core.V1.Computed` (true).
fn computed(node: roxmltree::Node) -> bool {
    node.children().any(|c| {
        c.has_tag_name("Annotation")
            && c.attribute("Term") == Some("Org.OData.Core.V1.Computed")
            && c.attribute("Bool") != Some("false")
    })
}

/// What out-of-line `<Annotations Target="...">` blocks say, by target (`ns.type` or
/// `ns.type/property`, the namespace's alias resolved).
#[derive(Default)]
struct Outside {
    descriptions: HashMap<String, String>,
    computed: std::collections::HashSet<String>,
}

impl Model {
    /// Reads a CSDL document; the error says why it is not one.
    pub fn parse(text: &str) -> Result<Model, String> {
        let opts = roxmltree::ParsingOptions {
            allow_dtd: false,
            nodes_limit: u32::MAX,
        };
        let doc =
            roxmltree::Document::parse_with_options(text.trim_start_matches('\u{feff}'), opts)
                .map_err(|e| format!("not an XML document: {e}"))?;
        let schemas: Vec<roxmltree::Node> = doc
            .descendants()
            .filter(|n| n.has_tag_name("Schema"))
            .collect();
        if schemas.is_empty() {
            return Err("not a CSDL document: it has no <Schema>".into());
        }
        let mut aliases = HashMap::new();
        for s in &schemas {
            if let (Some(ns), Some(alias)) = (s.attribute("Namespace"), s.attribute("Alias")) {
                aliases.insert(alias.to_owned(), ns.to_owned());
            }
        }
        let mut outside = Outside::default();
        for s in &schemas {
            for a in s.children().filter(|c| c.has_tag_name("Annotations")) {
                let Some(target) = a.attribute("Target") else {
                    continue;
                };
                let target = match target.split_once('/') {
                    Some((t, rest)) => format!("{}/{rest}", qualify(t, &aliases)),
                    None => qualify(target, &aliases),
                };
                if let Some(d) = description(a) {
                    outside.descriptions.insert(target.clone(), d);
                }
                if computed(a) {
                    outside.computed.insert(target);
                }
            }
        }
        let mut m = Model::default();
        for s in &schemas {
            let ns = s.attribute("Namespace").unwrap_or_default();
            for n in s.children().filter(roxmltree::Node::is_element) {
                let name = n.attribute("Name").unwrap_or_default();
                let qualified = format!("{ns}.{name}");
                match n.tag_name().name() {
                    "EnumType" => {
                        let members = n
                            .children()
                            .filter(|c| c.has_tag_name("Member"))
                            .filter_map(|c| c.attribute("Name").map(str::to_owned))
                            .collect();
                        let flags = n.attribute("IsFlags") == Some("true");
                        let description = description(n)
                            .or_else(|| outside.descriptions.get(&qualified).cloned());
                        m.enums.insert(
                            qualified,
                            EnumDef {
                                members,
                                flags,
                                description,
                            },
                        );
                    }
                    "EntityType" | "ComplexType" => {
                        let mut t = TypeDef {
                            name: qualified.clone(),
                            base: n.attribute("BaseType").map(|b| qualify(b, &aliases)),
                            props: Vec::new(),
                            navs: Vec::new(),
                            keys: n
                                .children()
                                .filter(|c| c.has_tag_name("Key"))
                                .flat_map(|k| k.children())
                                .filter(|r| r.has_tag_name("PropertyRef"))
                                .filter_map(|r| r.attribute("Name").map(str::to_owned))
                                .collect(),
                            description: description(n)
                                .or_else(|| outside.descriptions.get(&qualified).cloned()),
                        };
                        for c in n.children().filter(roxmltree::Node::is_element) {
                            let (Some(cname), Some(cty)) =
                                (c.attribute("Name"), c.attribute("Type"))
                            else {
                                continue;
                            };
                            let (ty, collection) = type_ref(cty, &aliases);
                            if c.has_tag_name("Property") {
                                let target = format!("{qualified}/{cname}");
                                t.props.push(Prop {
                                    name: cname.to_owned(),
                                    ty,
                                    collection,
                                    nullable: c.attribute("Nullable") != Some("false"),
                                    description: description(c)
                                        .or_else(|| outside.descriptions.get(&target).cloned()),
                                    computed: computed(c) || outside.computed.contains(&target),
                                });
                            } else if c.has_tag_name("NavigationProperty") {
                                t.navs.push(Nav {
                                    name: cname.to_owned(),
                                    ty,
                                    collection,
                                    contains: c.attribute("ContainsTarget") == Some("true"),
                                });
                            }
                        }
                        m.types.insert(qualified, t);
                    }
                    tag @ ("Action" | "Function") if n.attribute("IsBound") == Some("true") => {
                        let mut params = n.children().filter(|c| c.has_tag_name("Parameter"));
                        let Some(binding) = params.next().and_then(|p| p.attribute("Type")) else {
                            continue;
                        };
                        let (binding, binding_collection) = type_ref(binding, &aliases);
                        let mut op = Operation {
                            name: name.to_owned(),
                            action: tag == "Action",
                            binding,
                            binding_collection,
                            params: Vec::new(),
                            optional: Vec::new(),
                            returns: n
                                .children()
                                .find(|c| c.has_tag_name("ReturnType"))
                                .and_then(|r| r.attribute("Type"))
                                .map(|t| type_ref(t, &aliases)),
                        };
                        for p in params {
                            let (Some(pname), Some(pty)) =
                                (p.attribute("Name"), p.attribute("Type"))
                            else {
                                continue;
                            };
                            let (ty, collection) = type_ref(pty, &aliases);
                            if p.children().any(|a| {
                                a.attribute("Term") == Some("Org.OData.Core.V1.OptionalParameter")
                            }) {
                                op.optional.push(pname.to_owned());
                            }
                            op.params.push(Prop {
                                name: pname.to_owned(),
                                ty,
                                collection,
                                nullable: p.attribute("Nullable") != Some("false"),
                                description: description(p),
                                computed: false,
                            });
                        }
                        m.ops.push(op);
                    }
                    "EntityContainer" => {
                        for c in n.children().filter(roxmltree::Node::is_element) {
                            let Some(cname) = c.attribute("Name") else {
                                continue;
                            };
                            if let Some(t) = c
                                .attribute("EntityType")
                                .filter(|_| c.has_tag_name("EntitySet"))
                            {
                                m.roots
                                    .insert(cname.to_owned(), (qualify(t, &aliases), true));
                            } else if let Some(t) =
                                c.attribute("Type").filter(|_| c.has_tag_name("Singleton"))
                            {
                                m.roots
                                    .insert(cname.to_owned(), (qualify(t, &aliases), false));
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        Ok(m)
    }

    /// The type and its bases, nearest first.
    pub fn chain(&self, name: &str) -> Vec<&TypeDef> {
        let mut out = Vec::new();
        let mut cur = self.types.get(name);
        while let Some(t) = cur {
            if out.iter().any(|o: &&TypeDef| o.name == t.name) {
                break;
            }
            out.push(t);
            cur = t.base.as_deref().and_then(|b| self.types.get(b));
        }
        out
    }

    /// Whether `derived` is `base` or derives from it.
    pub fn derives(&self, derived: &str, base: &str) -> bool {
        self.chain(derived).iter().any(|t| t.name == base)
    }

    /// Every structural property of a type, its bases' first.
    pub fn all_props(&self, name: &str) -> Vec<&Prop> {
        let mut chain = self.chain(name);
        chain.reverse();
        chain.iter().flat_map(|t| t.props.iter()).collect()
    }

    /// The key's properties of a type, declared on it or on a base.
    pub fn all_keys(&self, name: &str) -> Vec<&str> {
        self.chain(name)
            .iter()
            .flat_map(|t| t.keys.iter().map(String::as_str))
            .collect()
    }

    /// A navigation property of a type or its bases.
    pub fn nav(&self, ty: &str, name: &str) -> Option<&Nav> {
        self.chain(ty)
            .into_iter()
            .find_map(|t| t.navs.iter().find(|n| n.name == name))
    }

    /// Every navigation property of a type and its bases, bases' first.
    pub fn all_navs(&self, name: &str) -> Vec<&Nav> {
        let mut chain = self.chain(name);
        chain.reverse();
        chain.iter().flat_map(|t| t.navs.iter()).collect()
    }

    /// The bound operation `name` that applies to a value of `ty` (bound to it or a base).
    pub fn op(&self, ty: &str, collection: bool, name: &str) -> Option<&Operation> {
        // The nearest binding wins: an operation redeclared for a derived type shadows the base's.
        self.chain(ty).into_iter().find_map(|t| {
            self.ops.iter().find(|o| {
                o.name == name && o.binding == t.name && o.binding_collection == collection
            })
        })
    }

    /// Every bound operation that applies to a value of `ty`, nearest binding first.
    pub fn ops_on(&self, ty: &str, collection: bool) -> Vec<&Operation> {
        let mut out: Vec<&Operation> = Vec::new();
        for t in self.chain(ty) {
            for o in self
                .ops
                .iter()
                .filter(|o| o.binding == t.name && o.binding_collection == collection)
            {
                if !out.iter().any(|p| p.name == o.name) {
                    out.push(o);
                }
            }
        }
        out
    }

    /// Resolves a path template; the error names the segment (by index) that does not resolve.
    pub fn resolve(&self, segments: &[Seg]) -> Result<Node, (usize, String)> {
        let mut it = segments.iter().enumerate();
        let Some((_, Seg::Lit(first))) = it.next() else {
            return Err((0, "a path starts with an entity set or singleton".into()));
        };
        let Some((ty, collection)) = self.roots.get(first.as_str()) else {
            return Err((0, format!("`{first}` is no entity set or singleton")));
        };
        let mut node = Node {
            ty: ty.clone(),
            collection: *collection,
            kind: if *collection {
                Kind::Set
            } else {
                Kind::Singleton
            },
        };
        for (i, seg) in it {
            if matches!(node.kind, Kind::Operation { .. }) {
                return Err((i, "nothing can follow an action or function".into()));
            }
            node = match seg {
                Seg::Param(_) => {
                    if !node.collection || matches!(node.kind, Kind::Cast) {
                        return Err((
                            i,
                            "a key must follow a collection (entity set or collection-valued navigation property)"
                                .into(),
                        ));
                    }
                    let contained = match node.kind {
                        Kind::Set => true,
                        Kind::Nav { contains } => contains,
                        _ => false,
                    };
                    Node {
                        ty: node.ty,
                        collection: false,
                        kind: Kind::Key { contained },
                    }
                }
                Seg::Lit(text) => {
                    let name = text.strip_prefix("microsoft.graph.").unwrap_or(text);
                    let name = name.strip_suffix("()").unwrap_or(name);
                    if let Some(nav) = self.nav(&node.ty, name).filter(|_| !node.collection) {
                        Node {
                            ty: nav.ty.clone(),
                            collection: nav.collection,
                            kind: Kind::Nav {
                                contains: nav.contains,
                            },
                        }
                    } else if let Some(op) = self.op(&node.ty, node.collection, name) {
                        Node {
                            ty: op.returns.as_ref().map_or(String::new(), |r| r.0.clone()),
                            collection: op.returns.as_ref().is_some_and(|r| r.1),
                            kind: Kind::Operation {
                                binding: op.binding.clone(),
                                binding_collection: op.binding_collection,
                                name: op.name.clone(),
                            },
                        }
                    } else if let Some(derived) = self
                        .types
                        .keys()
                        .find(|k| {
                            k.as_str() == text
                                || (k.strip_prefix("microsoft.graph.") == Some(name)
                                    && text.contains('.'))
                        })
                        .filter(|k| self.derives(k, &node.ty) && **k != node.ty)
                    {
                        Node {
                            ty: derived.clone(),
                            collection: node.collection,
                            kind: Kind::Cast,
                        }
                    } else {
                        let what = if node.collection {
                            format!(
                                "a collection of `{}` has no bound action or function `{name}` (a navigation property needs a key before it)",
                                node.ty
                            )
                        } else {
                            format!(
                                "`{}` has no navigation property, bound action or function named `{name}`",
                                node.ty
                            )
                        };
                        return Err((i, what));
                    }
                }
            };
        }
        Ok(node)
    }

    /// The methods a resolved node answers, by the structure of the metadata.
    pub fn methods(&self, node: &Node) -> Vec<&'static str> {
        match &node.kind {
            Kind::Operation { .. } => {
                let op = self.op_of(node);
                if op.is_some_and(|o| o.action) {
                    vec!["POST"]
                } else {
                    vec!["GET"]
                }
            }
            Kind::Set => vec!["GET", "POST"],
            Kind::Singleton => vec!["GET", "PATCH"],
            Kind::Key { contained: true } => vec!["GET", "PATCH", "DELETE"],
            Kind::Key { contained: false } => vec!["GET"],
            Kind::Nav { contains: true } if node.collection => vec!["GET", "POST"],
            Kind::Nav { contains: true } => vec!["GET", "PATCH"],
            Kind::Nav { contains: false } | Kind::Cast => vec!["GET"],
        }
    }

    /// The operation a node resolved to.
    pub fn op_of(&self, node: &Node) -> Option<&Operation> {
        match &node.kind {
            Kind::Operation {
                binding,
                binding_collection,
                name,
            } => self.ops.iter().find(|o| {
                &o.name == name
                    && &o.binding == binding
                    && o.binding_collection == *binding_collection
            }),
            _ => None,
        }
    }
}

/// A path segment as the resolver sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    /// Literal text.
    Lit(String),
    /// A key parameter.
    Param(String),
}

/// Splits a path template into segments.
pub fn segments(path: &str) -> Vec<Seg> {
    path.trim_start_matches('/')
        .split('/')
        .map(
            |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(p) => Seg::Param(p.to_owned()),
                None => Seg::Lit(s.to_owned()),
            },
        )
        .collect()
}

/// What a path leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// The entity type (or, for an operation, its return type; empty when it returns nothing).
    pub ty: String,
    /// Whether it is a collection.
    pub collection: bool,
    /// How it was reached.
    pub kind: Kind,
}

/// How a node was reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// An entity set.
    Set,
    /// A singleton.
    Singleton,
    /// One member of a collection by key; `contained` when the collection contains its members.
    Key {
        /// Whether the member can be updated and deleted through this path.
        contained: bool,
    },
    /// A navigation property.
    Nav {
        /// Whether it contains its targets.
        contains: bool,
    },
    /// A cast to a derived type.
    Cast,
    /// A bound action or function.
    Operation {
        /// Its binding type.
        binding: String,
        /// Whether it binds to a collection.
        binding_collection: bool,
        /// Its name.
        name: String,
    },
}
