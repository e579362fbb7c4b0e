//! Navigation types and methods, from the client's root methods down to each action's method.

use super::{Cx, block, doc, gate, requests, rust_type_in};
use crate::naming;
use crate::nav::{Call, Edge, Step};
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

pub(super) fn expand(cx: &Cx, ext: Option<&Ident>) -> TokenStream {
    let krate = cx.krate;
    // Nodes that the base crate already has get extension traits instead of types of their own.
    let own: Vec<(usize, &crate::nav::Node)> = cx
        .tree
        .nodes
        .iter()
        .enumerate()
        .skip(1)
        .filter(|(i, _)| cx.base_types[*i].is_none())
        .collect();
    let nodes = own.iter().map(|&(i, n)| {
        let name = format_ident!("{}", n.type_name);
        let d = format!(" A point on the way to an action: `{}`.", n.prefix);
        let site = Site::node();
        let edges = n.edges.iter().map(|e| edge(cx, e, &site));
        let calls = n.calls.iter().map(|c| call(cx, c, &site));
        gate(
            &cx.gates.nodes[i],
            quote! {
                #[doc = #d]
                #[derive(Debug, Clone)]
                pub struct #name<'a>(rt::Nav<'a>);

                rt::nav!(#name);

                #[allow(clippy::should_implement_trait)]
                impl<'a> #name<'a> {
                    #(#edges)*
                    #(#calls)*
                }
            },
        )
    });
    let site = Site::root(krate, ext.is_some());
    let root_methods: Vec<TokenStream> = new_edges(cx, 0)
        .map(|e| edge(cx, e, &site))
        .chain(new_calls(cx, 0).map(|c| call(cx, c, &site)))
        .collect();
    let mut traits = Vec::new();
    let root_impl = match ext {
        None => quote! {
            /// Navigation from the client to each action.
            impl #krate::GraphClient {
                #(#root_methods)*
            }
        },
        Some(trait_name) => {
            traits.push((trait_name.clone(), TokenStream::new()));
            let sigs = root_methods.iter().map(signature_of);
            let d = " Navigation methods generated from this crate's spec, for `GraphClient`.";
            quote! {
                #[doc = #d]
                pub trait #trait_name {
                    #(#sigs)*
                }

                impl #trait_name for #krate::GraphClient {
                    #(#root_methods)*
                }
            }
        }
    };
    // Methods this spec adds under a prefix the base crate already has.
    let mut extensions = Vec::new();
    if let Some(trait_name) = ext {
        for (i, base) in cx.base_types.iter().enumerate().skip(1) {
            let Some(base) = base else { continue };
            let site = Site::extension(krate);
            let methods: Vec<TokenStream> = new_edges(cx, i)
                .map(|e| edge(cx, e, &site))
                .chain(new_calls(cx, i).map(|c| call(cx, c, &site)))
                .collect();
            if methods.is_empty() {
                continue;
            }
            let name = format_ident!("{}{}", trait_name, base);
            let base = format_ident!("{}", base);
            traits.push((name.clone(), super::gate_attr(&cx.gates.nodes[i])));
            let sigs = methods.iter().map(signature_of);
            let d = format!(
                " Navigation methods generated from this crate's spec for `{}`, a point graph-api already has.",
                cx.tree.nodes[i].prefix
            );
            extensions.push(gate(
                &cx.gates.nodes[i],
                quote! {
                    #[doc = #d]
                    pub trait #name<'a> {
                        #(#sigs)*
                    }

                    impl<'a> #name<'a> for #krate::nav::#base<'a> {
                        #(#methods)*
                    }
                },
            ));
        }
    }
    let prelude = (!traits.is_empty()).then(|| {
        let (traits, cfgs): (Vec<_>, Vec<_>) = traits.into_iter().unzip();
        quote! {
            /// Every extension trait of this spec, to bring its methods into scope with one
            /// `use ...::prelude::*;`.
            pub mod prelude {
                #( #cfgs pub use super::#traits as _; )*
            }
        }
    });
    // `requests` and `models` only where a method in `nav` names them (an unused import warns).
    let requests = own.iter().any(|(_, n)| !n.calls.is_empty()).then(|| {
        quote!(
            use super::requests;
        )
    });
    let models = own
        .iter()
        .flat_map(|(_, n)| &n.calls)
        .flat_map(|c| {
            let a = &cx.spec.actions[c.action];
            a.body.iter().flatten().chain(a.function.iter().flatten())
        })
        .any(|f| f.is_argument() && f.bind.is_none() && cx.names_local(&f.ty))
        .then(|| {
            quote!(
                use super::models;
            )
        });
    let body =
        block(std::iter::once(quote!(use #krate::__private as rt; #requests #models)).chain(nodes));
    quote! {
        /// Navigation types: each is a path prefix on the way to one or more actions.
        pub mod nav #body

        #root_impl

        #(#extensions)*

        #prelude
    }
}

/// The edges of a node that the base crate does not have already.
fn new_edges<'a>(cx: &'a Cx, node: usize) -> impl Iterator<Item = &'a Edge> {
    let base = base_methods(cx, node);
    cx.tree.nodes[node]
        .edges
        .iter()
        .filter(move |e| !base.contains(&e.accessor))
}

/// The action methods of a node that the base crate does not have already (a clash was reported).
fn new_calls<'a>(cx: &'a Cx, node: usize) -> impl Iterator<Item = &'a Call> {
    let base = base_methods(cx, node);
    cx.tree.nodes[node]
        .calls
        .iter()
        .filter(move |c| !base.contains(&c.name))
}

fn base_methods(cx: &Cx, node: usize) -> Vec<String> {
    cx.base_methods
        .get(node)
        .cloned()
        .flatten()
        .unwrap_or_default()
}

/// Where a generated method sits: on a navigation node inside `nav`, or on the client at the
/// invocation site (where only full paths work). It decides the receiver, the start of the
/// path and the paths to siblings.
struct Site {
    vis: TokenStream,
    receiver: TokenStream,
    /// The `Nav` the method starts from.
    start: TokenStream,
    lifetime: TokenStream,
    nav: TokenStream,
    requests: TokenStream,
    models: TokenStream,
    /// graph-api's `__private`, as the site can name it.
    rt: TokenStream,
    /// `AsRef` and `Into`, as the site can name them.
    as_ref: TokenStream,
    into: TokenStream,
}

impl Site {
    /// A method of an extension trait on one of the base crate's navigation types.
    fn extension(krate: &TokenStream) -> Site {
        Site {
            vis: quote!(),
            receiver: quote!(&self),
            start: quote!(self.__nav()),
            lifetime: quote!('a),
            nav: quote!(nav::),
            requests: quote!(requests::),
            models: quote!(models::),
            rt: quote!(#krate::__private),
            as_ref: quote!(::std::convert::AsRef),
            into: quote!(::std::convert::Into),
        }
    }

    fn node() -> Site {
        Site {
            vis: quote!(pub),
            receiver: quote!(self),
            start: quote!(self.0),
            lifetime: quote!('a),
            nav: quote!(),
            requests: quote!(requests::),
            models: quote!(models::),
            rt: quote!(rt),
            // Navigation types are named after path segments, so one could be `AsRef` or `Into`.
            as_ref: quote!(::std::convert::AsRef),
            into: quote!(::std::convert::Into),
        }
    }

    fn root(krate: &TokenStream, in_trait: bool) -> Site {
        Site {
            vis: if in_trait { quote!() } else { quote!(pub) },
            receiver: quote!(&self),
            start: quote!(#krate::__private::Nav::root(self)),
            lifetime: quote!('_),
            nav: quote!(nav::),
            requests: quote!(requests::),
            models: quote!(models::),
            rt: quote!(#krate::__private),
            as_ref: quote!(::std::convert::AsRef),
            into: quote!(::std::convert::Into),
        }
    }
}

/// A navigation method, compiled with the features of the actions it leads to.
fn edge(cx: &Cx, e: &Edge, site: &Site) -> TokenStream {
    gate(&cx.gates.nodes[e.target], edge_method(cx, e, site))
}

/// An action's method, compiled with the action's feature.
fn call(cx: &Cx, c: &Call, site: &Site) -> TokenStream {
    gate(&cx.gates.actions[c.action], call_method(cx, c, site))
}

/// A navigation method: adds its step to the path and returns the next node.
fn edge_method(cx: &Cx, e: &Edge, site: &Site) -> TokenStream {
    let krate = cx.krate;
    let Site {
        vis,
        receiver,
        start,
        lifetime,
        nav,
        as_ref,
        ..
    } = site;
    let method = naming::ident(&e.accessor);
    let target = format_ident!("{}", cx.tree.nodes[e.target].type_name);
    // A step to a point the base crate has leads to the base crate's type.
    let (nav, target) = match &cx.base_types[e.target] {
        Some(t) => {
            let t = format_ident!("{}", t);
            (quote!(#krate::nav::), t)
        }
        None => (nav.clone(), target),
    };
    let nav = &nav;
    match &e.step {
        Step::Literal(l) => {
            let d = format!(" Navigates to `/{l}`.");
            quote! {
                #[doc = #d]
                #[inline]
                #vis fn #method(#receiver) -> #nav #target<#lifetime> {
                    #nav #target::__new(#start.segment(#l))
                }
            }
        }
        Step::Item {
            segment,
            param,
            allow_slash,
        } => {
            let arg = naming::ident(param);
            let d = format!(
                " Selects one item by `{{{param}}}`. The id is percent-encoded as one path segment; an id that \
                 would change the request's route (empty, `.`, `..`, {}`\\`, control characters) makes `send` fail \
                 with [`Error::InvalidArgument`]({}::Error::InvalidArgument) before anything is sent.",
                if *allow_slash { "" } else { "`/`, " },
                cx.krate_path,
            );
            let seg = (!segment.is_empty()).then(|| quote!(.segment(#segment)));
            quote! {
                #[doc = #d]
                #vis fn #method(#receiver, #arg: impl #as_ref<str>) -> #nav #target<#lifetime> {
                    #nav #target::__new(#start #seg.param(#param, #arg.as_ref(), #allow_slash))
                }
            }
        }
    }
}

/// An action's method: adds the action's last segment, if any, and returns its request builder
/// with the body made from the method's arguments (an `@odata.bind` field from its id).
fn call_method(cx: &Cx, c: &Call, site: &Site) -> TokenStream {
    let Site {
        vis,
        receiver,
        start,
        lifetime,
        requests: module,
        models,
        rt,
        as_ref,
        into,
        ..
    } = site;
    let a = &cx.spec.actions[c.action];
    let method = naming::ident(&c.name);
    let request = format_ident!("{}", naming::pascal(&a.id));
    let docs = doc(&requests::method_doc(a));
    // A function's last segment is its call, written when the request is prepared.
    let function = a.function.as_ref().map(|params| {
        let name = match a.path.segments.last() {
            Some(crate::template::Segment::Literal(l)) => l.clone(),
            _ => String::new(),
        };
        (
            name,
            params.iter().filter(|f| !f.optional).collect::<Vec<_>>(),
        )
    });
    let tail = match &function {
        None => c.tail.as_ref().map(|t| quote!(.segment(#t))),
        Some(_) => None,
    };
    let required: Vec<_> = a.arguments().collect();
    let args: Vec<_> = required.iter().map(|f| requests::arg_name(f)).collect();
    let (fn_args, fn_tys, fn_call) = match &function {
        None => (Vec::new(), Vec::new(), TokenStream::new()),
        Some((name, params)) => {
            let mut ids = Vec::new();
            let mut tys = Vec::new();
            let mut sets = Vec::new();
            for p in params {
                let id = naming::ident(&p.wire);
                let (ty, value) = requests::function_arg(cx, &p.ty, &quote!(#id), models, rt);
                let wire = &p.wire;
                sets.push(quote!(.arg(#wire, #value)));
                ids.push(id);
                tys.push(ty);
            }
            (ids, tys, quote!(.function(#name) #(#sets)*))
        }
    };
    let tys = required.iter().map(|f| match &f.bind {
        Some(_) => quote!(impl #as_ref<str>),
        None => {
            let ty = rust_type_in(cx, &f.ty, models, true);
            quote!(impl #into<#ty>)
        }
    });
    let body = match &a.body {
        None => quote!(()),
        Some(_) => {
            let body = format_ident!("{}Body", request);
            let values = required.iter().zip(&args).map(|(f, id)| match &f.bind {
                Some(_) => quote!(::std::string::String::new()),
                None => quote!(#id),
            });
            quote!(#module #body::new(#(#values),*))
        }
    };
    let binds = required.iter().zip(&args).filter_map(|(f, id)| {
        let template = f.bind.as_ref()?;
        let wire = &f.wire;
        let path = requests::path_builder(rt, &template.segments, &quote!(#id.as_ref()));
        Some(quote!(.bind(#wire, #path)))
    });
    quote! {
        #docs
        #[inline]
        #vis fn #method(#receiver, #(#args: #tys,)* #(#fn_args: #fn_tys),*) -> #module #request<#lifetime> {
            #module #request::__new(#start #tail.request(#body) #(#binds)* #fn_call)
        }
    }
}

/// The signature of a generated method, for the extension trait's declaration (its docs and
/// gates; `#[inline]` stays on the implementation).
fn signature_of(method: &TokenStream) -> TokenStream {
    let f: syn::ImplItemFn = match syn::parse2(method.clone()) {
        Ok(f) => f,
        Err(e) => return e.to_compile_error(),
    };
    let attrs = f.attrs.iter().filter(|a| !a.path().is_ident("inline"));
    let sig = &f.sig;
    quote! { #(#attrs)* #sig; }
}
