//! Raw serde structs mirroring the TOML spec files, with every value's span kept.
//!
//! These types accept anything that is well-formed TOML of the right shape; the rules that
//! relate values to each other live in `check.rs`, and the validated form in `model.rs`.

use indexmap::IndexMap;
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use std::fmt;

pub use toml::Spanned;

/// A string with its span.
pub type SString = Spanned<String>;

/// A table keyed by spanned names, in file order.
pub type Table<T> = IndexMap<SString, Spanned<T>>;

/// One spec file, as far as its entries are sound: read with [`parse`], which deserializes each
/// entry of `[actions]`, `[types]`, `[enums]` and `[segments]` on its own, so a mistake in one
/// entry drops only that entry.
#[derive(Debug, Default)]
pub struct SpecFile {
    /// The cargo feature that turns this file's actions (and the types and navigation only they
    /// use) on; without one they are always compiled.
    pub feature: Option<SString>,
    /// Navigation names for collection segments of paths, keyed by the segment's wire name.
    pub segments: Table<SegmentSpec>,
    /// Model types (structs), keyed by their Rust name.
    pub types: Table<TypeSpec>,
    /// Enumerations, keyed by their Rust name.
    pub enums: Table<EnumSpec>,
    /// Actions, keyed by their snake_case id.
    pub actions: Table<ActionSpec>,
    /// Microsoft's privilege level (1-5) of permissions, per permission type, as
    /// `permissions.json` gives it; the permission planner ranks permissions by it.
    pub privilege_levels: Option<Spanned<LevelsSpec>>,
}

/// Privilege levels per permission type, keyed by permission name.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LevelsSpec {
    /// Delegated (work or school account).
    #[serde(default)]
    pub delegated: Table<i64>,
    /// Delegated (personal Microsoft account).
    #[serde(default)]
    pub delegated_personal: Table<i64>,
    /// Application.
    #[serde(default)]
    pub application: Table<i64>,
    /// Permissions granted by resource-specific consent (`"authorizationType": "RSC"`): an app
    /// gets them per chat or team through its manifest, not from an admin for the tenant.
    #[serde(default)]
    pub resource_specific: Vec<SString>,
}

/// How a collection segment is navigated.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SegmentSpec {
    /// The method that selects one member, such as `chat` for `chats/{chat-id}`.
    pub item: SString,
}

/// A model type: a JSON object with named fields.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TypeSpec {
    /// One sentence saying what the type is.
    pub doc: SString,
    /// The documentation page of the resource type.
    pub docs: Option<SString>,
    /// The type this one derives from: its fields come first, and a base value whose
    /// `@odata.type` names this type converts into it.
    pub base: Option<SString>,
    /// The `@odata.type` value that names this type, such as
    /// `#microsoft.graph.userScopeTeamsAppInstallation`.
    pub odata_type: Option<SString>,
    /// The fields, keyed by their wire (JSON) name, in wire order.
    #[serde(default)]
    pub fields: Table<FieldSpec>,
}

/// A field of a model type or of a request body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldSpec {
    /// The type: `string`, `bool`, `int32`, `int64`, `double`, `datetime`, `guid`, a type or enum
    /// name, or `[T]` for a collection. Left out only on `bind` fields, which are strings.
    #[serde(rename = "type")]
    pub ty: Option<SString>,
    /// A relationship (navigation property): present only when the request expands it.
    #[serde(default)]
    pub navigation: bool,
    /// Body fields only: the field is an `@odata.bind` reference to the entity at this path
    /// template (one parameter); the caller passes the id and the client writes the URL.
    pub bind: Option<SString>,
    /// Whether the field may be absent.
    #[serde(default)]
    pub optional: bool,
    /// What the field holds.
    pub doc: Option<SString>,
    /// Body fields only: setting this field makes the request consent to resource-specific
    /// permissions.
    #[serde(default)]
    pub rsc_consent: bool,
    /// Body fields only: a string the request always sends, such as the `@odata.type` a page's
    /// request names; the method that builds the request fills it in, so the caller does not.
    pub value: Option<SString>,
}

/// An enumeration serialized as a string.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnumSpec {
    /// One sentence saying what the enum is.
    pub doc: SString,
    /// The documentation page that lists the members.
    pub docs: Option<SString>,
    /// The members, in documentation order.
    pub members: Vec<Spanned<MemberSpec>>,
    /// A flags enum: a value is a set of members, written `a,b,c` on the wire.
    #[serde(default)]
    pub flags: bool,
}

/// One enum member.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberSpec {
    /// The value written on the wire; reading accepts it in any casing.
    pub wire: SString,
    /// What the member means.
    pub doc: Option<SString>,
    /// The Rust variant's name, for a member whose wire name makes none (`other`, `1:1`).
    pub variant: Option<SString>,
}

/// One Graph action, stated as its documentation page states it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionSpec {
    /// The page's one-line summary.
    pub summary: SString,
    /// The page's notes, one string each.
    #[serde(default)]
    pub notes: Vec<SString>,
    /// The documentation page.
    pub docs: SString,
    /// The HTTP method.
    pub method: SString,
    /// The path template, relative to the versioned service root.
    pub path: SString,
    /// The method name on the node the path leads to, when the path does not end in an action name.
    pub call: Option<SString>,
    /// The API versions that have this action: `v1.0`, `beta`.
    pub versions: Spanned<Vec<SString>>,
    /// The national clouds that have this action.
    pub clouds: Spanned<Vec<SString>>,
    /// Whether sending the request twice has the same effect as once (so it may be retried).
    #[serde(default)]
    pub idempotent: bool,
    /// Request headers with a fixed value that the page requires; `Authorization` is implied.
    #[serde(default)]
    pub headers: Vec<Spanned<HeaderSpec>>,
    /// The OData query options the page lists for the action, such as `$filter`.
    #[serde(default)]
    pub query: Vec<Spanned<QuerySpec>>,
    /// Path parameters, keyed by their name in the template.
    #[serde(default)]
    pub params: Table<ParamSpec>,
    /// The permissions table.
    pub permissions: Spanned<PermissionsSpec>,
    /// The request body's fields, keyed by wire name, in wire order.
    pub body: Option<Spanned<Table<FieldSpec>>>,
    /// An OData function's parameters, keyed by name, in the order the call writes them: the
    /// path's last segment becomes `name(p='v',q=3)`.
    pub function_params: Option<Spanned<Table<FieldSpec>>>,
    /// What a successful response carries.
    pub response: Spanned<ResponseSpec>,
    /// Where the entry knowingly differs from Microsoft's metadata, keyed by the check
    /// `graph-spec verify` then leaves out (`path`, `method`, `body`, `response`, `clouds`), each
    /// with the reason.
    #[serde(default)]
    pub metadata_exceptions: Table<String>,
}

/// A required request header with a fixed value.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeaderSpec {
    /// The header name.
    pub name: SString,
    /// The header value.
    pub value: SString,
}

/// A query option: its name (`"$filter"`), or a table naming it with the headers it requires.
#[derive(Debug)]
pub enum QuerySpec {
    /// `"$filter"`; its span is that of the enclosing `Spanned`.
    Name(String),
    /// `{ option = "$count", headers = [{ name = "ConsistencyLevel", value = "eventual" }] }`.
    Table(QueryTableSpec),
}

/// A query option with the headers the page requires along with it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueryTableSpec {
    /// The option's name, such as `$count`.
    pub option: SString,
    /// Headers sent whenever the option is set.
    #[serde(default)]
    pub headers: Vec<Spanned<HeaderSpec>>,
}

impl<'de> Deserialize<'de> for QuerySpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct QueryVisitor;
        impl<'de> Visitor<'de> for QueryVisitor {
            type Value = QuerySpec;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "an option name such as \"$filter\", or { option = \"$count\", headers = [...] }",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<QuerySpec, E> {
                Ok(QuerySpec::Name(v.to_owned()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<QuerySpec, A::Error> {
                QueryTableSpec::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(QuerySpec::Table)
            }
        }
        deserializer.deserialize_any(QueryVisitor)
    }
}

/// A path parameter.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParamSpec {
    /// What the parameter identifies.
    pub doc: Option<SString>,
    /// Whether the value may contain `/` (it is then sent as several path segments).
    #[serde(default)]
    pub allow_slash: bool,
}

/// The permissions table of a page.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PermissionsSpec {
    /// Delegated (work or school account).
    pub delegated: Spanned<SchemeSpec>,
    /// Delegated (personal Microsoft account).
    pub delegated_personal: Spanned<SchemeSpec>,
    /// Application.
    pub application: Spanned<SchemeSpec>,
    /// Notes under the table.
    #[serde(default)]
    pub notes: Vec<Spanned<NoteSpec>>,
    /// Clouds where a permission type the table supports cannot call the action.
    #[serde(default)]
    pub cloud_limits: Vec<Spanned<CloudLimitSpec>>,
}

/// A permission type that cannot call the action in some national clouds that have it:
/// `{ type = "application", clouds = ["us_gov_l4"], text = "...", source = "https://..." }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloudLimitSpec {
    /// The permission type's row key: `delegated`, `delegated_personal` or `application`.
    #[serde(rename = "type")]
    pub kind: SString,
    /// The clouds, as in the action's `clouds`.
    pub clouds: Spanned<Vec<SString>>,
    /// What the source says, in its words.
    pub text: SString,
    /// The learn.microsoft.com page that says so.
    pub source: SString,
}

/// One row of the permissions table: `"not_supported"`, or the two lists.
#[derive(Debug)]
pub enum SchemeSpec {
    /// A bare string; valid only as `"not_supported"`.
    Keyword(String),
    /// Least and higher privileged permissions.
    Lists(ListsSpec),
}

/// The least and higher privileged permissions of one permission type.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListsSpec {
    /// Least privileged permissions.
    pub least: Spanned<Vec<SString>>,
    /// Higher privileged permissions.
    #[serde(default)]
    pub higher: Vec<SString>,
}

impl<'de> Deserialize<'de> for SchemeSpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SchemeVisitor;
        impl<'de> Visitor<'de> for SchemeVisitor {
            type Value = SchemeSpec;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("\"not_supported\" or a table { least = [...], higher = [...] }")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<SchemeSpec, E> {
                Ok(SchemeSpec::Keyword(v.to_owned()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<SchemeSpec, A::Error> {
                ListsSpec::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(SchemeSpec::Lists)
            }
        }
        deserializer.deserialize_any(SchemeVisitor)
    }
}

/// A note under the permissions table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoteSpec {
    /// The note as the page words it.
    pub text: SString,
    /// Permissions that cannot be used when the request consents to resource-specific permissions.
    #[serde(default)]
    pub unusable_with_rsc_consent: Vec<SString>,
}

/// What a successful response carries.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResponseSpec {
    /// The success status code, such as 204.
    pub status: Spanned<i64>,
    /// The body's type, absent for no content.
    #[serde(rename = "type")]
    pub ty: Option<SString>,
    /// `true`: the answer names its result in a `Location` header (a long-running operation to
    /// follow, as a team clone's `202 Accepted` does) rather than in a body.
    pub location: Option<Spanned<bool>>,
}

/// A file or entry that is not of the shape the schema asks for: TOML syntax, an unknown or
/// missing key, a value of the wrong type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShapeError {
    /// What is wrong, as the TOML reader says it.
    pub message: String,
    /// Where in the file (byte offsets), when known.
    pub span: Option<std::ops::Range<usize>>,
}

impl From<toml::de::Error> for ShapeError {
    fn from(e: toml::de::Error) -> Self {
        ShapeError {
            message: e.message().trim().to_owned(),
            span: e.span(),
        }
    }
}

/// The keys a spec file may have at its top level.
pub const TOP_LEVEL_KEYS: [&str; 6] = [
    "feature",
    "segments",
    "types",
    "enums",
    "actions",
    "privilege_levels",
];

/// Reads one spec file: the TOML syntax once, with spans, then every entry of every table on
/// its own. What is sound is kept; every shape error (an unknown key, a missing one, a value of
/// the wrong type) is returned, each with its span, and drops only the entry it is in. A file
/// that is not TOML at all gives `None` and its syntax error.
pub fn parse(text: &str) -> (Option<SpecFile>, Vec<ShapeError>) {
    use toml::de::DeTable;
    let root = match DeTable::parse(text) {
        Ok(root) => root,
        Err(e) => return (None, vec![e.into()]),
    };
    let mut file = SpecFile::default();
    let mut errors = Vec::new();
    for (key, value) in root.into_inner() {
        let name = key.get_ref().to_string();
        match name.as_str() {
            "feature" => file.feature = one(value, &mut errors),
            "privilege_levels" => file.privilege_levels = one(value, &mut errors),
            "segments" => {
                if let Some(t) = table(&name, value, &mut errors) {
                    file.segments = entries(t, &mut errors);
                }
            }
            "types" => {
                if let Some(t) = table(&name, value, &mut errors) {
                    file.types = entries(t, &mut errors);
                }
            }
            "enums" => {
                if let Some(t) = table(&name, value, &mut errors) {
                    file.enums = entries(t, &mut errors);
                }
            }
            "actions" => {
                if let Some(t) = table(&name, value, &mut errors) {
                    file.actions = entries(t, &mut errors);
                }
            }
            _ => errors.push(ShapeError {
                message: format!(
                    "unknown field `{name}`, expected one of {}",
                    TOP_LEVEL_KEYS
                        .iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                span: Some(key.span()),
            }),
        }
    }
    (Some(file), errors)
}

/// A top-level value that must be a table of entries.
fn table<'i>(
    name: &str,
    value: Spanned<toml::de::DeValue<'i>>,
    errors: &mut Vec<ShapeError>,
) -> Option<toml::de::DeTable<'i>> {
    let span = value.span();
    match value.into_inner() {
        toml::de::DeValue::Table(entries) => Some(entries),
        _ => {
            errors.push(ShapeError {
                message: format!("`{name}` is a table of entries, such as [{name}.x]"),
                span: Some(span),
            });
            None
        }
    }
}

/// One value of a file, deserialized as `T`; `None` (and its error) when it does not fit.
fn one<T: de::DeserializeOwned>(
    value: Spanned<toml::de::DeValue<'_>>,
    errors: &mut Vec<ShapeError>,
) -> Option<T> {
    T::deserialize(toml::de::ValueDeserializer::from(value))
        .map_err(|e| errors.push(e.into()))
        .ok()
}

/// Every entry of a table, each deserialized on its own: the sound ones in file order, an error
/// for each of the others.
fn entries<T: de::DeserializeOwned>(
    table: toml::de::DeTable<'_>,
    errors: &mut Vec<ShapeError>,
) -> Table<T> {
    let mut out = Table::default();
    for (key, value) in table {
        let name = Spanned::new(key.span(), key.get_ref().to_string());
        if let Some(entry) = one::<Spanned<T>>(value, errors) {
            out.insert(name, entry);
        }
    }
    out
}
