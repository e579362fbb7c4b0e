//! Action metadata: one static `ActionInfo` per action, and the catalog of all of them.

use super::{Cx, block, gate, gate_attr};
use crate::model::{Action, Cloud, Method, PermissionKind, Scheme, TypeRef, Version};
use crate::naming;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// The statics the `actions` module has besides one per action; no action id may make them.
pub(crate) const STATICS: [&str; 2] = ["ALL", "PRIVILEGE_LEVELS"];

pub(super) fn expand(cx: &Cx) -> TokenStream {
    let [all_name, levels_name] = STATICS.map(|s| format_ident!("{s}"));
    let krate = cx.krate;
    let statics = cx
        .spec
        .actions
        .iter()
        .zip(&cx.gates.actions)
        .map(|(a, g)| gate(g, info(a)));
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

fn info(a: &Action) -> TokenStream {
    let name = format_ident!("{}", naming::shouty(&a.id));
    let request = naming::pascal(&a.id);
    let d = format!(
        " Metadata of [`{request}`](super::requests::{request}): {}",
        a.summary
    );
    let id = &a.id;
    let summary = &a.summary;
    let docs = &a.docs;
    let method = format_ident!(
        "{}",
        match a.method {
            Method::Get => "Get",
            Method::Post => "Post",
            Method::Put => "Put",
            Method::Patch => "Patch",
            Method::Delete => "Delete",
        }
    );
    let path = a.path.to_string();
    let versions = a.versions.iter().map(|v| match v {
        Version::V1 => quote!(ApiVersion::V1),
        Version::Beta => quote!(ApiVersion::Beta),
    });
    let clouds = a.clouds.iter().map(|c| match c {
        Cloud::Global => quote!(Global),
        Cloud::UsGovL4 => quote!(UsGovL4),
        Cloud::UsGovL5Dod => quote!(UsGovL5Dod),
        Cloud::China21Vianet => quote!(China21Vianet),
    });
    let idempotent = a.idempotent;
    let header_names = a.headers.iter().map(|(n, _)| n);
    let header_values = a.headers.iter().map(|(_, v)| v);
    let status = proc_macro2::Literal::u16_unsuffixed(a.status);
    let response = match &a.response {
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
    quote! {
        #[doc = #d]
        pub static #name: ActionInfo = ActionInfo {
            id: #id,
            summary: #summary,
            docs: #docs,
            method: #method,
            path: #path,
            versions: &[#(#versions),*],
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
            },
        };
    }
}

fn kind(k: PermissionKind) -> TokenStream {
    match k {
        PermissionKind::Delegated => quote!(PermissionType::Delegated),
        PermissionKind::DelegatedPersonal => quote!(PermissionType::DelegatedPersonal),
        PermissionKind::Application => quote!(PermissionType::Application),
    }
}

fn scheme(s: &Scheme) -> TokenStream {
    match s {
        Scheme::NotSupported => quote!(NotSupported),
        Scheme::Supported { least, higher } => quote! {
            Supported { least: &[#(#least),*], higher: &[#(#higher),*] }
        },
    }
}
