//! Action metadata: one static `ActionInfo` per action, and the catalog of all of them.

use super::{Cx, block, gate, gate_attr};
use crate::model::{Action, PermissionType, Scheme, TypeRef};
use crate::naming;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// The statics the `actions` module has besides one per action; no action id may make them.
pub(crate) const STATICS: [&str; 2] = ["ALL", "PRIVILEGE_LEVELS"];

pub(super) fn expand(cx: &Cx) -> TokenStream {
    let [all_name, levels_name] = STATICS.map(|s| format_ident!("{s}"));
    let krate = cx.krate;
    // Each action reads privilege levels from its own spec's table, then (for a crate that
    // builds on graph-api) from graph-api's, so preflight, 403 hints and the planner rank a
    // downstream action's permissions as they rank graph-api's.
    let level_tables = if cx.krate_path == "crate" {
        quote!(&[#levels_name])
    } else {
        quote!(&[#levels_name, #krate::actions::#levels_name])
    };
    let statics = cx
        .spec
        .actions
        .iter()
        .zip(&cx.gates.actions)
        .map(|(a, g)| gate(g, info(a, &level_tables, krate)));
    let names = cx.spec.actions.iter().zip(&cx.gates.actions).map(|(a, g)| {
        let name = format_ident!("{}", naming::shouty(&a.id));
        let cfg = gate_attr(g);
        quote!(#cfg &#name)
    });
    let all = quote! {
        /// Every action of this spec, in spec order.
        pub static #all_name: &[&ActionInfo] = &[#(#names),*];
    };
    let levels = cx.spec.levels.iter().map(|l| {
        let (permission, level, rsc) = (&l.permission, l.level, l.resource_specific);
        let kind = kind(l.kind);
        quote!(PrivilegeLevel { permission: #permission, kind: #kind, level: #level, resource_specific: #rsc })
    });
    let levels = quote! {
        /// Microsoft's privilege level of the permissions this spec names, per permission type
        /// (from `permissions.json`); the permission planner ranks permissions by it.
        pub static #levels_name: &[PrivilegeLevel] = &[#(#levels),*];
    };
    // Short names for the metadata's types and values. The variants imported whole are all
    // mixed case, so no SHOUTY static name can hide one (`ApiVersion::V1` could be, and is not).
    // Only what the module uses: an unused import would warn in the user's crate.
    let any = !cx.spec.actions.is_empty();
    let note = cx
        .spec
        .actions
        .iter()
        .any(|a| !a.permissions.notes.is_empty())
        .then(|| quote!(PermissionNote,));
    let kind = (!cx.spec.levels.is_empty()).then(|| quote!(PermissionType,));
    let per_action = any.then(|| {
        quote! {
            use #krate::meta::{HttpMethod::*, PermissionScheme::*, Permissions, ResponseKind::*};
            use #krate::{ApiVersion, NationalCloud::*};
        }
    });
    let uses = quote! {
        use #krate::meta::{ActionInfo, #note #kind PrivilegeLevel};
        #per_action
    };
    let body = block(std::iter::once(uses).chain(statics).chain([all, levels]));
    quote! {
        /// Metadata of every action: path, permissions, clouds and versions, as data.
        pub mod actions #body
    }
}

fn info(a: &Action, level_tables: &TokenStream, krate: &TokenStream) -> TokenStream {
    let name = format_ident!("{}", naming::shouty(&a.id));
    let request = naming::pascal(&a.id);
    let d = format!(
        " Metadata of [`{request}`](super::requests::{request}): {}",
        a.summary
    );
    let id = &a.id;
    let summary = &a.summary;
    let docs = &a.docs;
    // The metadata's enums are graph-meta's own, so their variants are named as they print.
    let method = variant(a.method);
    let path = a.path.to_string();
    let versions = a.versions.iter().map(variant);
    let clouds = a.clouds.iter().map(variant);
    let idempotent = a.idempotent;
    let header_names = a.headers.iter().map(|(n, _)| n);
    let header_values = a.headers.iter().map(|(_, v)| v);
    let status = proc_macro2::Literal::u16_unsuffixed(a.status);
    let response = match &a.response {
        None if a.location => quote!(Location),
        None => quote!(None),
        Some(TypeRef::List(t)) => {
            let t = super::describe_plain(t);
            quote!(Collection(#t))
        }
        Some(t) => {
            let t = super::describe_plain(t);
            quote!(One(#t))
        }
    };
    let query = a.query.iter().map(|q| &q.name);
    let p = &a.permissions;
    let delegated = scheme(&p.delegated);
    let personal = scheme(&p.delegated_personal);
    let application = scheme(&p.application);
    let note_texts = p.notes.iter().map(|n| &n.text);
    let note_lists = p.notes.iter().map(|n| {
        let l = &n.unusable_with_rsc_consent;
        quote!(&[#(#l),*])
    });
    let limits = p.cloud_limits.iter().map(|l| {
        let kind = variant(l.kind);
        let clouds = l.clouds.iter().map(variant);
        let (text, source) = (&l.text, &l.source);
        // Named in full: only some features' actions have limits, and an import that the
        // enabled features leave unused would warn.
        quote!(#krate::meta::CloudLimit { kind: #krate::meta::PermissionType::#kind, clouds: &[#(#clouds),*], text: #text, source: #source })
    });
    quote! {
        #[doc = #d]
        pub static #name: ActionInfo = ActionInfo {
            id: #id,
            summary: #summary,
            docs: #docs,
            method: #method,
            path: #path,
            versions: &[#(ApiVersion::#versions),*],
            clouds: &[#(#clouds),*],
            idempotent: #idempotent,
            headers: &[#((#header_names, #header_values)),*],
            success_status: #status,
            response: #response,
            query_options: &[#(#query),*],
            permissions: Permissions {
                delegated: #delegated,
                delegated_personal: #personal,
                application: #application,
                notes: &[#(PermissionNote { text: #note_texts, unusable_with_rsc_consent: #note_lists }),*],
                cloud_limits: &[#(#limits),*],
                levels: #level_tables,
            },
        };
    }
}

fn kind(k: PermissionType) -> TokenStream {
    let k = variant(k);
    quote!(PermissionType::#k)
}

/// The Rust name of a variant of one of graph-meta's enums (they print their variant names).
fn variant(v: impl std::fmt::Debug) -> proc_macro2::Ident {
    format_ident!("{}", format!("{v:?}"))
}

fn scheme(s: &Scheme) -> TokenStream {
    match s {
        Scheme::NotSupported => quote!(NotSupported),
        Scheme::Supported { least, higher } => quote! {
            Supported { least: &[#(#least),*], higher: &[#(#higher),*] }
        },
    }
}
