//! A downstream spec using graph-api's model types and enums by name: what the checker accepts
//! and refuses, and the paths the generated code names them by.

use graph_codegen::check::Env;
use graph_codegen::extension::{BaseIndex, BaseKind};
use graph_codegen::{SourceFile, SourceMap};
use std::path::Path;
use syn::parse::Parser;

/// graph-api's own spec as the base, as its forwarding macro hands it on with every feature.
fn graph_api() -> BaseIndex {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../graph-api");
    let generated = graph_codegen::generate(&dir.join("spec"), &dir, &Default::default());
    assert!(
        generated.diagnostics.is_empty(),
        "graph-api's spec is clean"
    );
    generated.index()
}

/// A base index written in the syntax the forwarding macro hands on.
fn forwarded(list: &str) -> BaseIndex {
    graph_codegen::extension::parse_base
        .parse_str(list)
        .expect("the forwarded list parses")
}

const PERMISSIONS: &str = r#"delegated = { least = ["Fixture.Read"] }
delegated_personal = "not_supported"
application = "not_supported"
"#;

/// An action entry under `/chats/{chat-id}/` with the given tail, method and extra keys.
fn action(id: &str, method: &str, tail: &str, extra: &str) -> String {
    format!(
        "[actions.{id}]\nsummary = \"Fixture.\"\ndocs = \"https://learn.microsoft.com/en-us/graph/overview\"\n\
         method = \"{method}\"\npath = \"/chats/{{chat-id}}/{tail}\"\nversions = [\"v1.0\"]\nclouds = [\"global\"]\n\
         params = {{ chat-id = {{}} }}\n{extra}\n[actions.{id}.permissions]\n{PERMISSIONS}\n"
    )
}

/// The fixture's `POST /chats/{chat-id}/start`, with `extra` (its response, its body).
fn start(extra: &str) -> String {
    action("start", "POST", "start", extra)
}

/// `start` answering graph-api's `Chat`, its body naming graph-api's `ChatType`.
const STARTS_A_CHAT: &str = "response = { status = 201, type = \"Chat\" }\n\
                             [actions.start.body.chatType]\ntype = \"ChatType\"";

/// Loads `text` as a downstream spec over `base`: the problems, rendered, and the generated code.
fn downstream(text: &str, base: BaseIndex) -> (Vec<String>, String) {
    downstream_in(text, base, graph_codegen::Options::default().krate)
}

/// [`downstream`] for a crate that names graph-api by another path (`crate = ...`).
fn downstream_in(
    text: &str,
    base: BaseIndex,
    krate: proc_macro2::TokenStream,
) -> (Vec<String>, String) {
    let mut map = SourceMap::default();
    map.add(SourceFile::new("spec/d.toml", "spec/d.toml", text));
    let env = Env {
        base: Some(base.clone()),
        features: None,
    };
    let (spec, tree, diags) = graph_codegen::load_with(&map, &env);
    let opts = graph_codegen::Options {
        krate,
        extension_trait: Some(quote::format_ident!("Ext")),
        base: Some(base),
    };
    let tokens = graph_codegen::expand::expand(&spec, &tree, &opts);
    let code = graph_codegen::pretty(&tokens).expect("the generated code parses");
    (diags.iter().map(|d| d.render(&map)).collect(), flat(&code))
}

/// Generated code on one line, every run of whitespace one space, so that assertions do not
/// depend on where the formatter breaks lines.
fn flat(code: &str) -> String {
    code.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The text of module `name` in flattened generated code (up to the next module).
fn module<'a>(code: &'a str, name: &str) -> &'a str {
    let start = code
        .find(&format!("pub mod {name} {{"))
        .unwrap_or_else(|| panic!("module {name} in\n{code}"));
    let rest = &code[start..];
    let end = rest[1..].find(" pub mod ").map_or(rest.len(), |e| e + 1);
    &rest[..end]
}

#[test]
fn base_types_are_used_by_name_in_fields_bodies_responses_and_collections() {
    let text = [
        "[types.Pinned]\ndoc = \"p\"\n[types.Pinned.fields.chat]\ntype = \"Chat\"\n\
         [types.Pinned.fields.by]\ntype = \"IdentitySet\"\noptional = true\n\
         [types.Pinned.fields.earlier]\ntype = \"[Chat]\"\noptional = true\n",
        &action(
            "list_pins",
            "GET",
            "pins",
            "call = \"list\"\nresponse = { status = 200, type = \"[Pinned]\" }",
        ),
        &start(STARTS_A_CHAT),
        &action(
            "kind",
            "GET",
            "kind",
            "response = { status = 200, type = \"ChatType\" }",
        ),
        &action(
            "related",
            "GET",
            "related",
            "response = { status = 200, type = \"[Chat]\" }",
        ),
    ]
    .concat();
    let (problems, code) = downstream(&text, graph_api());
    assert_eq!(problems, Vec::<String>::new());
    let models = module(&code, "models");
    assert!(
        models.contains("pub chat: ::graph_api::models::Chat,")
            && models.contains("pub by: Option<::graph_api::models::IdentitySet>,")
            && models.contains("pub earlier: Option<Vec<::graph_api::models::Chat>>,"),
        "{models}"
    );
    // Neither graph-api's types nor copies of them are declared here.
    assert!(
        !models.contains("pub struct Chat") && !models.contains("pub enum ChatType"),
        "{models}"
    );
    let requests = module(&code, "requests");
    assert!(
        requests.contains("pub chat_type: ::graph_api::models::ChatType,"),
        "{requests}"
    );
    assert!(
        requests.contains("-> ::graph_api::models::Chat );"),
        "{requests}"
    );
    // An enum answer is OData's `{"value": ...}`, for graph-api's enums as for the spec's own.
    assert!(
        requests.contains("-> value(::graph_api::models::ChatType)"),
        "{requests}"
    );
    assert!(
        requests.contains("-> [::graph_api::models::Chat]"),
        "{requests}"
    );
    assert!(
        requests.contains("-> [models::Pinned]"),
        "the spec's own types stay in its models: {requests}"
    );
    // The method that builds the request takes graph-api's enum.
    assert!(
        code.contains("chat_type: impl ::std::convert::Into<::graph_api::models::ChatType>"),
        "{code}"
    );
}

#[test]
fn generated_code_names_base_types_through_the_crate_path_it_was_given() {
    // A downstream crate that renamed its graph-api dependency passes `crate = graph`.
    let text = start("response = { status = 201, type = \"Chat\" }");
    let (problems, code) = downstream_in(&text, graph_api(), quote::quote!(graph));
    assert_eq!(problems, Vec::<String>::new());
    assert!(code.contains("-> graph::models::Chat );"), "{code}");
    // Nothing in the spec's own `models` is named, so neither module imports it.
    assert!(!code.contains("use super::models;"), "{code}");
    assert!(!module(&code, "models").contains("__private"), "{code}");
}

#[test]
fn a_type_the_downstream_spec_declares_is_its_own_also_where_graph_api_has_one() {
    let text = [
        "[types.Chat]\ndoc = \"Contoso's own chat.\"\n[types.Chat.fields.room]\ntype = \"string\"\n",
        &start(STARTS_A_CHAT),
    ]
    .concat();
    let (problems, code) = downstream(&text, graph_api());
    assert_eq!(problems, Vec::<String>::new());
    assert!(code.contains("pub struct Chat {"), "{code}");
    let requests = module(&code, "requests");
    assert!(requests.contains("-> models::Chat );"), "{requests}");
    let graph_apis_chat = code
        .match_indices("::graph_api::models::Chat")
        .any(|(at, m)| !code[at + m.len()..].starts_with(|c: char| c.is_ascii_alphanumeric()));
    assert!(!graph_apis_chat, "{code}");
    // The names the spec does not declare are still graph-api's.
    assert!(
        requests.contains("pub chat_type: ::graph_api::models::ChatType,"),
        "{requests}"
    );
}

#[test]
fn an_unknown_type_is_not_declared_and_a_near_graph_api_name_is_suggested() {
    let text = start("response = { status = 201, type = \"Chatt\" }");
    let (problems, _) = downstream(&text, graph_api());
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(
        problems[0].contains("type `Chatt` is not declared")
            && problems[0].contains("help: did you mean `Chat`, graph-api's `models::Chat`?"),
        "{}",
        problems[0]
    );
    // Without a base (graph-api's own spec, or `graph-spec check` without `--base`) the name
    // is simply not declared.
    let mut map = SourceMap::default();
    map.add(SourceFile::new("spec/d.toml", "spec/d.toml", &*text));
    let (_, _, plain) = graph_codegen::load(&map);
    let plain = plain[0].render(&map);
    assert!(
        plain.contains("type `Chatt` is not declared")
            && plain.contains("help: declare it as [types.Chatt] or [enums.Chatt]"),
        "{plain}"
    );
    // Of two as near, the spec's own name is the one suggested.
    let own = format!("[types.Chats]\ndoc = \"c\"\n{text}");
    let (problems, _) = downstream(&own, graph_api());
    assert!(
        problems[0].contains("help: did you mean `Chats`?"),
        "{}",
        problems[0]
    );
}

#[test]
fn a_base_type_graph_api_was_built_without_names_the_feature_to_turn_on() {
    let base = forwarded(
        r#"[("", "", ["chat"]), ("/chats/{}", "Chat", ["installed_apps"]),
            (type "Chat" needs ["discovery", "teams-app-installation"]),
            (enum "ChatType" needs ["teams-app-installation"])]"#,
    );
    assert_eq!(base.types.len(), 2);
    assert!(base.usable_type("Chat").is_none() && base.missing_type("Chat").is_some());
    let text = start(STARTS_A_CHAT);
    let (problems, _) = downstream(&text, base);
    assert_eq!(problems.len(), 2, "{problems:#?}");
    assert!(
        problems[1].contains("type `ChatType` is graph-api's, compiled only with its feature `teams-app-installation`, which this build leaves off")
            && problems[1].contains("help: add \"teams-app-installation\" to the `features` of the graph-api dependency in Cargo.toml, or declare [enums.ChatType] here"),
        "{}",
        problems[1]
    );
    assert!(
        problems[0]
            .contains("compiled only with its feature `discovery` or `teams-app-installation`")
            && problems[0].contains("or declare [types.Chat] here"),
        "{}",
        problems[0]
    );
}

#[test]
fn the_forwarded_list_carries_type_names_kinds_and_missing_features() {
    let base = forwarded(
        r#"[("", "", ["chat"]), (type "Chat"), (enum "ChatType"), (type "Team" needs ["discovery"]),]"#,
    );
    assert_eq!(base.nodes.len(), 1);
    let chat = base.usable_type("Chat").expect("Chat");
    assert_eq!(chat.kind, BaseKind::Type);
    assert_eq!(
        base.usable_type("ChatType").expect("ChatType").kind,
        BaseKind::Enum
    );
    let team = base.missing_type("Team").expect("Team");
    assert_eq!(team.features, Some(vec!["discovery".to_owned()]));
    let bad = graph_codegen::extension::parse_base.parse_str(r#"[(type "Team" wants ["x"])]"#);
    assert!(bad.is_err());
    // graph-api's own index: its enums are enums, its types types, each with its feature gate.
    let own = graph_api();
    let chat_type = own.usable_type("ChatType").expect("graph-api's ChatType");
    assert_eq!(chat_type.kind, BaseKind::Enum);
    let features = chat_type.features.clone().expect("gated");
    assert!(
        features.contains(&"teams-app-installation".to_owned()),
        "{features:?}"
    );
    assert_eq!(
        own.usable_type("IdentitySet").expect("IdentitySet").kind,
        BaseKind::Type
    );
}

#[test]
fn a_downstream_type_cannot_derive_from_a_graph_api_type() {
    let text =
        "[types.Special]\ndoc = \"s\"\nbase = \"TeamsAppInstallation\"\nodata_type = \"#s\"\n";
    let (problems, _) = downstream(text, graph_api());
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(
        problems[0].contains("base type `TeamsAppInstallation` is graph-api's; a type of this crate derives only from one it declares")
            && problems[0].contains("declare [types.TeamsAppInstallation] here"),
        "{}",
        problems[0]
    );
}

#[test]
fn a_function_parameter_takes_a_graph_api_enum_but_not_a_graph_api_model_type() {
    let function = |ty: &str| {
        action(
            "has_kind",
            "GET",
            "hasKind",
            &format!(
                "response = {{ status = 200, type = \"bool\" }}\n\
                 [actions.has_kind.function_params.kind]\ntype = \"{ty}\""
            ),
        )
    };
    let (problems, code) = downstream(&function("ChatType"), graph_api());
    assert_eq!(problems, Vec::<String>::new());
    assert!(
        code.contains("kind: ::graph_api::models::ChatType"),
        "{code}"
    );
    let (problems, _) = downstream(&function("Chat"), graph_api());
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(
        problems[0].contains("function parameter `kind` is the model type `Chat`"),
        "{}",
        problems[0]
    );
}

/// The lists the forwarding macro's steps add to what they hand on (`[$($acc)* ...]`), each
/// without the accumulated part, in the order written.
fn added_lists(tokens: proc_macro2::TokenStream, out: &mut Vec<proc_macro2::TokenStream>) {
    use proc_macro2::{Delimiter, TokenTree};
    for tt in tokens {
        let TokenTree::Group(g) = tt else { continue };
        if g.delimiter() != Delimiter::Bracket {
            added_lists(g.stream(), out);
            continue;
        }
        let inner: Vec<TokenTree> = g.stream().into_iter().collect();
        let accumulated = matches!(&inner[..], [TokenTree::Punct(d), TokenTree::Group(acc), TokenTree::Punct(star), ..]
            if d.as_char() == '$' && star.as_char() == '*' && acc.stream().to_string() == "$ acc");
        if accumulated {
            out.push(inner[3..].iter().cloned().collect());
        }
    }
}

#[test]
fn what_the_forwarding_macro_adds_parses_back_with_and_without_each_feature() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../graph-api");
    let generated = graph_codegen::generate(&dir.join("spec"), &dir, &Default::default());
    let tokens =
        graph_codegen::extension::forwarding(&generated.gated_index, &generated.gated_types, &[]);
    let mut lists = Vec::new();
    added_lists(tokens, &mut lists);
    assert!(!lists.is_empty());
    let (mut compiled, mut missing) = (Vec::new(), Vec::new());
    for list in lists {
        let index = forwarded(&format!("[{list}]"));
        for t in index.types {
            if t.compiled {
                compiled.push(t.name);
            } else {
                missing.push((t.name, t.features));
            }
        }
    }
    let mut all: Vec<String> = generated
        .gated_types
        .iter()
        .map(|t| t.name.clone())
        .collect();
    all.sort();
    compiled.sort();
    // Built with a type's features, the step adds its name; built without them, its name with
    // the features that compile it: each type once either way.
    assert_eq!(compiled, all);
    missing.sort();
    let mut expected: Vec<(String, Option<Vec<String>>)> = generated
        .gated_types
        .iter()
        .map(|t| (t.name.clone(), t.features.clone()))
        .collect();
    expected.sort();
    assert_eq!(missing, expected);
    assert!(
        missing.iter().all(|(_, f)| f.is_some()),
        "graph-api gates every type"
    );
}
