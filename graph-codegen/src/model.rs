//! The validated model of a spec: what the generator expands, with spans kept for diagnostics.

use crate::source::Span;
use crate::template::PathTemplate;
pub use graph_meta::{ApiVersion, HttpMethod, NationalCloud, PermissionType};

/// Every type, enum and action of one expansion, in file order.
#[derive(Debug, Clone, Default)]
pub struct Spec {
    /// Model types.
    pub types: Vec<TypeDef>,
    /// Enumerations.
    pub enums: Vec<EnumDef>,
    /// Actions.
    pub actions: Vec<Action>,
    /// Item accessor names declared for collection segments: (segment, accessor, where declared).
    pub segments: Vec<(String, String, Span)>,
    /// Privilege levels of permissions, per permission type.
    pub levels: Vec<Level>,
    /// The cargo feature of each file that names one, and where it is named.
    pub features: Vec<(crate::source::FileId, String, Span)>,
}

impl Spec {
    /// The cargo feature that gates what a file declares, if it names one.
    pub fn feature_of(&self, file: crate::source::FileId) -> Option<&str> {
        self.features
            .iter()
            .find(|(f, _, _)| *f == file)
            .map(|(_, name, _)| name.as_str())
    }
}

/// A permission's privilege level for one permission type.
#[derive(Debug, Clone)]
pub struct Level {
    /// The permission.
    pub permission: String,
    /// The permission type.
    pub kind: PermissionType,
    /// Microsoft's level, 1 (least) to 5.
    pub level: u8,
    /// Whether it is granted by resource-specific consent rather than for the tenant.
    pub resource_specific: bool,
    /// Where it is written.
    pub span: Span,
}

/// A model type.
#[derive(Debug, Clone)]
pub struct TypeDef {
    /// The Rust name.
    pub name: String,
    /// Where the name is declared.
    pub span: Span,
    /// What the type is.
    pub doc: String,
    /// The documentation page.
    pub docs: Option<String>,
    /// The type this one derives from, and where that is written.
    pub base: Option<(String, Span)>,
    /// The `@odata.type` value that names this type.
    pub odata_type: Option<String>,
    /// The type's own fields, in wire order (a derived type's base fields come before them).
    pub fields: Vec<Field>,
}

/// A field of a model type or request body.
#[derive(Debug, Clone)]
pub struct Field {
    /// The JSON name.
    pub wire: String,
    /// Where the field is declared.
    pub span: Span,
    /// The field's type.
    pub ty: TypeRef,
    /// Where the type is written.
    pub ty_span: Span,
    /// Whether the field may be absent.
    pub optional: bool,
    /// What it holds.
    pub doc: Option<String>,
    /// Setting it makes the request consent to resource-specific permissions.
    pub rsc_consent: bool,
    /// A relationship, present only when expanded.
    pub navigation: bool,
    /// For an `@odata.bind` body field: the path of the bound entity, with one parameter.
    pub bind: Option<PathTemplate>,
    /// For a body field the request always sends as is (such as `@odata.type`): its value.
    pub value: Option<String>,
}

impl Field {
    /// Whether the method that builds a request takes this body field as an argument: a
    /// required field, unless the spec fixes its value.
    pub fn is_argument(&self) -> bool {
        !self.optional && self.value.is_none()
    }
}

/// A field type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeRef {
    /// A JSON string.
    String,
    /// A JSON boolean.
    Bool,
    /// A 32-bit integer.
    Int32,
    /// A 64-bit integer.
    Int64,
    /// A double.
    Double,
    /// An ISO 8601 date and time, kept as the string Graph sends.
    DateTime,
    /// A GUID, kept as the string Graph sends.
    Guid,
    /// A model type or enum by name.
    Named(String),
    /// A collection.
    List(Box<TypeRef>),
}

impl TypeRef {
    /// The names of primitive types, as written in spec files.
    pub const PRIMITIVES: &'static [&'static str] = &[
        "string", "bool", "int32", "int64", "double", "datetime", "guid",
    ];

    /// Parses `string`, `Name` or `[T]`; `None` when the text is not of that shape.
    pub fn parse(text: &str) -> Option<TypeRef> {
        let text = text.trim();
        if let Some(inner) = text.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
            return TypeRef::parse(inner).map(|t| TypeRef::List(Box::new(t)));
        }
        Some(match text {
            "string" => TypeRef::String,
            "bool" => TypeRef::Bool,
            "int32" => TypeRef::Int32,
            "int64" => TypeRef::Int64,
            "double" => TypeRef::Double,
            "datetime" => TypeRef::DateTime,
            "guid" => TypeRef::Guid,
            name if is_type_name(name) => TypeRef::Named(name.to_owned()),
            _ => return None,
        })
    }

    /// The named type at the bottom of this reference, if any.
    pub fn named(&self) -> Option<&str> {
        match self {
            TypeRef::Named(n) => Some(n),
            TypeRef::List(inner) => inner.named(),
            _ => None,
        }
    }
}

/// Whether a name is a PascalCase Rust type name.
pub fn is_type_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_uppercase())
        && name.chars().all(|c| c.is_ascii_alphanumeric())
}

/// An enumeration.
#[derive(Debug, Clone)]
pub struct EnumDef {
    /// The Rust name.
    pub name: String,
    /// Where the name is declared.
    pub span: Span,
    /// What it is.
    pub doc: String,
    /// The documentation page.
    pub docs: Option<String>,
    /// The members.
    pub members: Vec<Member>,
    /// A flags enum: its Rust type is a set of the members.
    pub flags: bool,
}

/// An enum member.
#[derive(Debug, Clone)]
pub struct Member {
    /// What is written on the wire.
    pub wire: String,
    /// Where it is declared.
    pub span: Span,
    /// What it means.
    pub doc: Option<String>,
    /// The Rust variant's name, when the spec gives one.
    pub variant: Option<String>,
}

impl Member {
    /// The Rust variant's name: the spec's `variant`, else the wire name in PascalCase.
    pub fn rust_name(&self) -> String {
        self.variant
            .clone()
            .unwrap_or_else(|| crate::naming::pascal(&self.wire))
    }
}

/// How a query option's builder method takes its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryArg {
    /// An expression as Graph writes it (`externalId eq 'x'`).
    Text,
    /// A count of items.
    Count,
    /// On or off.
    Flag,
}

/// The OData system query options a spec can list: wire name, builder method, argument.
pub const QUERY_OPTIONS: &[(&str, &str, QueryArg)] = &[
    ("$filter", "filter", QueryArg::Text),
    ("$select", "select", QueryArg::Text),
    ("$expand", "expand", QueryArg::Text),
    ("$orderby", "orderby", QueryArg::Text),
    ("$search", "search", QueryArg::Text),
    ("$top", "top", QueryArg::Count),
    ("$skip", "skip", QueryArg::Count),
    ("$count", "count", QueryArg::Flag),
];

/// A query option an action takes.
#[derive(Debug, Clone)]
pub struct QueryOption {
    /// The wire name, such as `$filter`.
    pub name: String,
    /// The builder method's name, such as `filter`.
    pub method: String,
    /// What the method takes.
    pub arg: QueryArg,
    /// Headers sent whenever it is set.
    pub headers: Vec<(String, String)>,
}

/// A path parameter.
#[derive(Debug, Clone)]
pub struct Param {
    /// The name in the template.
    pub name: String,
    /// Where it is declared.
    pub span: Span,
    /// What it identifies.
    pub doc: Option<String>,
    /// Whether `/` is allowed in values.
    pub allow_slash: bool,
}

/// One row of the permissions table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scheme {
    /// The permission type cannot call this action.
    NotSupported,
    /// The permissions that can.
    Supported {
        /// Least privileged.
        least: Vec<String>,
        /// Higher privileged.
        higher: Vec<String>,
    },
}

/// A note under the permissions table.
#[derive(Debug, Clone)]
pub struct Note {
    /// The note's words.
    pub text: String,
    /// Permissions that cannot be used when the request consents to resource-specific permissions.
    pub unusable_with_rsc_consent: Vec<String>,
}

/// The permissions table.
#[derive(Debug, Clone)]
pub struct Permissions {
    /// Where each row is written, in the order of [`PermissionType::ALL`].
    pub spans: [Span; 3],
    /// Delegated (work or school account).
    pub delegated: Scheme,
    /// Delegated (personal Microsoft account).
    pub delegated_personal: Scheme,
    /// Application.
    pub application: Scheme,
    /// Notes.
    pub notes: Vec<Note>,
    /// Clouds where a permission type the table supports cannot call the action.
    pub cloud_limits: Vec<CloudLimit>,
}

/// A permission type that cannot call an action in some of its clouds.
#[derive(Debug, Clone)]
pub struct CloudLimit {
    /// The permission type.
    pub kind: PermissionType,
    /// The clouds.
    pub clouds: Vec<NationalCloud>,
    /// What the source says.
    pub text: String,
    /// The page that says so.
    pub source: String,
}

impl Permissions {
    /// The row for one kind.
    pub fn row(&self, kind: PermissionType) -> &Scheme {
        match kind {
            PermissionType::Delegated => &self.delegated,
            PermissionType::DelegatedPersonal => &self.delegated_personal,
            PermissionType::Application => &self.application,
        }
    }
}

/// A Graph action.
#[derive(Debug, Clone)]
pub struct Action {
    /// The snake_case id.
    pub id: String,
    /// Where the id is declared.
    pub span: Span,
    /// One-line summary.
    pub summary: String,
    /// Notes from the page.
    pub notes: Vec<String>,
    /// The documentation page.
    pub docs: String,
    /// The HTTP method.
    pub method: HttpMethod,
    /// The path template.
    pub path: PathTemplate,
    /// Where the path template is written.
    pub path_span: Span,
    /// The method name, when the path does not end in the action's name.
    pub call: Option<String>,
    /// Where `call` is written.
    pub call_span: Option<Span>,
    /// API versions.
    pub versions: Vec<ApiVersion>,
    /// National clouds.
    pub clouds: Vec<NationalCloud>,
    /// Whether it may be retried after it may have been processed.
    pub idempotent: bool,
    /// Fixed request headers.
    pub headers: Vec<(String, String)>,
    /// The query options the page lists.
    pub query: Vec<QueryOption>,
    /// Path parameters, in declaration order.
    pub params: Vec<Param>,
    /// The permissions table.
    pub permissions: Permissions,
    /// The request body's fields; `None` when the action takes no body.
    pub body: Option<Vec<Field>>,
    /// An OData function's parameters, written into the path's last segment; `None` when the
    /// last segment is sent as it is.
    pub function: Option<Vec<Field>>,
    /// The success status.
    pub status: u16,
    /// The success body's type; `None` for no content. A collection (`[T]`) is read page by
    /// page (`value` and `@odata.nextLink`).
    pub response: Option<TypeRef>,
    /// Where the response type is written.
    pub response_span: Span,
    /// The answer names its result in a `Location` header (`response.location`); the request
    /// then gives `graph_api::Accepted`.
    pub location: bool,
}

impl Action {
    /// The body fields the method that builds the request takes as arguments, in spec order.
    pub fn arguments(&self) -> impl Iterator<Item = &Field> {
        self.body.iter().flatten().filter(|f| f.is_argument())
    }
}
