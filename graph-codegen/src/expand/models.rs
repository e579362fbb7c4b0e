//! Model types and enums, and the struct-with-setters shape that request bodies share.

use super::{Cx, block, doc, gate, rust_type};
use crate::model::{EnumDef, Field, TypeDef, TypeRef};
use crate::naming;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use std::collections::{HashMap, HashSet};

pub(super) fn expand(cx: &Cx) -> TokenStream {
    let by_name: HashMap<&str, &TypeDef> =
        cx.spec.types.iter().map(|t| (t.name.as_str(), t)).collect();
    let types = cx.spec.types.iter().map(|t| {
        let ancestors = ancestors(t, &by_name);
        let mut text = t.doc.clone();
        if let Some(base) = ancestors.first() {
            text.push_str(&format!(
                "\n\nDerived from [`{}`]: its fields come first. A [`{}`] whose `@odata.type` names this type converts into it with `TryFrom`, and this type back into it with `From`.",
                base.name, base.name
            ));
        }
        if let Some(d) = &t.docs {
            text.push_str(&format!("\n\n[Microsoft Graph documentation]({d})"));
        }
        let fields = all_fields(t, &ancestors);
        let mut out = object(cx, &t.name, &text, &fields, &quote!(), true);
        if let Some(odata_type) = &t.odata_type {
            let name = format_ident!("{}", t.name);
            let d = format!(" The `@odata.type` that names a `{}`.", t.name);
            out.extend(quote! {
                impl #name {
                    #[doc = #d]
                    pub const ODATA_TYPE: &'static str = #odata_type;
                }
            });
        }
        for (i, a) in ancestors.iter().enumerate() {
            out.extend(conversions(t, &fields, a, &all_fields(a, &ancestors[i + 1..])));
        }
        gate(&cx.gates.types[&t.name], out)
    });
    let enums = cx.spec.enums.iter().map(|e| {
        let out = if e.flags { flags_enum(e) } else { open_enum(e) };
        gate(&cx.gates.types[&e.name], out)
    });
    let krate = cx.krate;
    // graph-api's `__private` only where a type uses it (a downstream spec may declare none,
    // using graph-api's types by name, and an unused import would warn).
    let rt = (!cx.spec.types.is_empty() || !cx.spec.enums.is_empty())
        .then(|| quote!(use #krate::__private as rt;));
    let body = block(rt.into_iter().chain(types).chain(enums));
    quote! {
        /// Model types of Microsoft Graph resources and complex types.
        pub mod models #body
    }
}

/// The fields every model type has besides its declared ones, as (wire name, Rust name): the
/// `@odata.type`, and the fields the type does not declare (flattened, no wire name of its own).
pub(crate) const MODEL_FIELDS: [(&str, &str); 2] =
    [("@odata.type", "odata_type"), ("", "additional")];

/// The bases of a type, nearest first (the checker ruled out cycles and unknown names).
fn ancestors<'a>(t: &TypeDef, by_name: &HashMap<&str, &'a TypeDef>) -> Vec<&'a TypeDef> {
    let mut out: Vec<&TypeDef> = Vec::new();
    let mut cur = t.base.as_ref().map(|(b, _)| b.as_str());
    while let Some(b) = cur.and_then(|b| by_name.get(b)) {
        if out.iter().any(|o| o.name == b.name) {
            break;
        }
        out.push(b);
        cur = b.base.as_ref().map(|(n, _)| n.as_str());
    }
    out
}

/// Every field of a type: the furthest base's first, its own last.
fn all_fields(t: &TypeDef, ancestors: &[&TypeDef]) -> Vec<Field> {
    ancestors
        .iter()
        .rev()
        .flat_map(|a| a.fields.iter().cloned())
        .chain(t.fields.iter().cloned())
        .collect()
}

/// `From<Derived> for Base` (the derived fields move into `additional`) and
/// `TryFrom<Base> for Derived` (when `@odata.type` names the derived type).
fn conversions(
    derived: &TypeDef,
    derived_fields: &[Field],
    base: &TypeDef,
    base_fields: &[Field],
) -> TokenStream {
    let d = format_ident!("{}", derived.name);
    let b = format_ident!("{}", base.name);
    let shared: Vec<_> = base_fields.iter().map(|f| naming::ident(&f.wire)).collect();
    let extra = derived_fields
        .iter()
        .filter(|f| !base_fields.iter().any(|g| g.wire == f.wire));
    let extra_wire = extra.clone().map(|f| &f.wire);
    let extra_ids = extra.map(|f| naming::ident(&f.wire));
    quote! {
        impl From<#d> for #b {
            #[inline]
            fn from(value: #d) -> Self {
                let mut additional = value.additional;
                #( rt::keep(&mut additional, #extra_wire, &value.#extra_ids); )*
                #b { #(#shared: value.#shared,)* odata_type: value.odata_type, additional }
            }
        }

        impl TryFrom<#b> for #d {
            type Error = #b;
            #[inline]
            fn try_from(value: #b) -> Result<Self, #b> {
                if !rt::names_type(value.odata_type.as_deref(), #d::ODATA_TYPE) {
                    return Err(value);
                }
                rt::convert(&value).ok_or(value)
            }
        }
    }
}

/// Types whose every field has a default (optional, primitive or collection, or such a type).
pub(super) fn defaultable_types(cx: &Cx) -> HashSet<String> {
    let enums = &cx.enums;
    let by_name: HashMap<&str, &TypeDef> =
        cx.spec.types.iter().map(|t| (t.name.as_str(), t)).collect();
    let fields: HashMap<&str, Vec<Field>> = cx
        .spec
        .types
        .iter()
        .map(|t| (t.name.as_str(), all_fields(t, &ancestors(t, &by_name))))
        .collect();
    let mut ok: HashSet<String> = HashSet::new();
    loop {
        let before = ok.len();
        for t in &cx.spec.types {
            if !ok.contains(&t.name) && fields_default(&fields[t.name.as_str()], enums, &ok) {
                ok.insert(t.name.clone());
            }
        }
        if ok.len() == before {
            return ok;
        }
    }
}

/// Whether a type with these fields can derive `Default`: every field optional or of a type
/// with a default, and none fixed by the spec (`value`), which an empty default would lose.
pub(super) fn fields_default(
    fields: &[Field],
    enums: &HashSet<&str>,
    ok: &HashSet<String>,
) -> bool {
    fields.iter().all(|f| {
        f.optional
            || f.value.is_none()
                && match &f.ty {
                    TypeRef::Named(n) => !enums.contains(n.as_str()) && ok.contains(n),
                    _ => true,
                }
    })
}

/// A JSON object as a struct: its fields named as the spec writes them on the wire (one
/// `rt::object!` serde impl), `new` over the required fields, and a
/// `with_*` setter per optional field.
pub(super) fn object(
    cx: &Cx,
    name: &str,
    text: &str,
    fields: &[Field],
    models: &TokenStream,
    open: bool,
) -> TokenStream {
    let name = format_ident!("{}", name);
    let docs = doc(text);
    let defaultable = fields_default(fields, &cx.enums, &cx.defaultable);
    let default = defaultable.then(|| quote!(Default,));
    let decls = fields.iter().map(|f| {
        let id = naming::ident(&f.wire);
        let ty = rust_type(cx, &f.ty, models);
        // Every public field has a doc, so crates that deny missing docs can use the types.
        let mut text = f
            .doc
            .clone()
            .unwrap_or_else(|| format!("`{}`, as Graph sends it.", f.wire));
        if let Some(v) = &f.value {
            text.push_str(&format!(
                "\n\nAlways `{v}` as `new` makes it: the request sends it as is."
            ));
        }
        if f.navigation {
            text.push_str(&format!(
                "\n\nA relationship: present only when the request expands it (`$expand={}`).",
                f.wire
            ));
        }
        let docs = doc(text.trim_start());
        if f.optional {
            quote! { #docs pub #id: Option<#ty>, }
        } else {
            quote! { #docs pub #id: #ty, }
        }
    });
    // Model types are read and written; request bodies are only written.
    let form = if open { quote!(model) } else { quote!(body) };
    let wire_fields = fields.iter().map(|f| {
        let id = naming::ident(&f.wire);
        let kind = if f.optional { quote!(opt) } else { quote!(req) };
        let wire = &f.wire;
        quote!(#kind #id = #wire)
    });
    let required: Vec<&Field> = fields.iter().filter(|f| f.is_argument()).collect();
    // Fields the spec fixes (`value`): `new` writes them, no argument or setter does.
    let fixed: Vec<&Field> = fields.iter().filter(|f| f.value.is_some()).collect();
    let fixed_ids: Vec<_> = fixed.iter().map(|f| naming::ident(&f.wire)).collect();
    let fixed_values = fixed.iter().map(|f| f.value.as_deref().unwrap_or_default());
    let req_ids: Vec<_> = required.iter().map(|f| naming::ident(&f.wire)).collect();
    let req_tys = required.iter().map(|f| {
        let ty = rust_type(cx, &f.ty, models);
        quote!(impl Into<#ty>)
    });
    let [(_, odata), (_, additional)] = MODEL_FIELDS;
    let (odata, additional) = (format_ident!("{odata}"), format_ident!("{additional}"));
    // What `new` sets: its arguments and the fixed values (a type with a fixed value is never
    // `Default`, whose value would be empty). The fields it leaves unset are spelled out,
    // unless `Default` fills them.
    let set = quote!(#(#req_ids: #req_ids.into(),)* #(#fixed_ids: #fixed_values.into(),)*);
    let value = if defaultable && required.is_empty() {
        quote!(Default::default())
    } else if defaultable {
        let rest = (required.len() < fields.len() || open).then(|| quote!(..Default::default()));
        quote!(#name { #set #rest })
    } else {
        let unset = fields
            .iter()
            .filter(|f| f.optional)
            .map(|f| naming::ident(&f.wire));
        let open_unset = open.then(|| quote!(#odata: None, #additional: Default::default(),));
        quote!(#name { #set #(#unset: None,)* #open_unset })
    };
    let open_fields = open.then(|| {
        quote! {
            /// The `@odata.type` Graph sent, naming the value's exact type (such as a derived
            /// type's); `None` when absent.
            pub #odata: Option<String>,
            /// Every field Graph sent that this type does not declare (`@odata.type` aside),
            /// kept so that writing the value back loses nothing.
            pub #additional: rt::Map,
        }
    });
    let setters = fields.iter().filter(|f| f.optional).map(|f| {
        let id = naming::ident(&f.wire);
        let setter = format_ident!("with_{}", naming::snake(&f.wire));
        let ty = rust_type(cx, &f.ty, models);
        let d = format!(" Sets `{}`.", f.wire);
        quote! {
            #[doc = #d]
            #[must_use]
            pub fn #setter(mut self, value: impl Into<#ty>) -> Self {
                self.#id = Some(value.into());
                self
            }
        }
    });
    let new_doc = if required.is_empty() && fixed.is_empty() {
        " An empty value: every field unset.".to_owned()
    } else {
        " A value with the required fields set and the optional ones unset.".to_owned()
    };
    quote! {
        #docs
        #[derive(Debug, Clone, PartialEq, #default)]
        #[non_exhaustive]
        pub struct #name {
            #(#decls)*
            #open_fields
        }

        rt::object!(#form #name { #(#wire_fields),* });

        impl #name {
            #[doc = #new_doc]
            #[inline]
            pub fn new(#(#req_ids: #req_tys),*) -> Self {
                #value
            }
            #(#setters)*
        }
    }
}

/// A string enum that writes the documented spelling, reads any casing, and keeps unknown
/// members as `Other`.
fn open_enum(e: &EnumDef) -> TokenStream {
    let name = format_ident!("{}", e.name);
    let mut text = format!(
        "{}\n\nReading accepts every member in any casing; a member Graph adds later is kept as [`{}::Other`].",
        e.doc, e.name
    );
    if let Some(d) = &e.docs {
        text.push_str(&format!("\n\n[Microsoft Graph documentation]({d})"));
    }
    let docs = doc(&text);
    let variants: Vec<_> = e
        .members
        .iter()
        .map(|m| format_ident!("{}", m.rust_name()))
        .collect();
    let wires: Vec<&str> = e.members.iter().map(|m| m.wire.as_str()).collect();
    let member_docs = e.members.iter().map(|m| {
        let d = m.doc.clone().unwrap_or_default();
        doc(format!("{d}\n\nWire value `{}`.", m.wire).trim_start())
    });
    quote! {
        #docs
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum #name {
            #( #member_docs #variants, )*
            /// A value not known to this version of graph-api, as Graph sent it.
            Other(String),
        }

        rt::string_enum!(#name { #(#variants = #wires),* });
    }
}

/// A flags enum: a set of members, one constant each (`ClonableTeamParts::APPS`), combined with
/// `|`, written and read in Graph's comma-separated form, keeping members it does not list.
fn flags_enum(e: &EnumDef) -> TokenStream {
    let name = format_ident!("{}", e.name);
    let first = e
        .members
        .first()
        .map(|m| naming::shouty(&m.rust_name()))
        .unwrap_or_default();
    let mut text = format!(
        "{}\n\nA set of members, written `a,b,c` as Graph does: combine the constants with `|` \
         (`{}::{first} | ...`). Reading accepts every member in any casing and keeps the ones this \
         version of graph-api does not list (see `unknown`).",
        e.doc, e.name
    );
    if let Some(d) = &e.docs {
        text.push_str(&format!("\n\n[Microsoft Graph documentation]({d})"));
    }
    let docs = doc(&text);
    let members = e.members.iter().map(|m| {
        let konst = format_ident!("{}", naming::shouty(&m.rust_name()));
        let wire = &m.wire;
        let d = m.doc.clone().unwrap_or_default();
        let d = format!("{d}\n\nWire value `{}`.", m.wire);
        let d = d.trim_start();
        quote!(#[doc = #d] #konst = #wire)
    });
    quote! {
        #docs
        #[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
        pub struct #name(rt::FlagSet);

        rt::flags!(#name { #(#members),* });
    }
}
