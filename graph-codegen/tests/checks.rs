//! The checker's rules one by one, and a property test that no input makes the pipeline panic.

use graph_codegen::{SourceFile, SourceMap};
use proptest::prelude::*;

const BASE: &str = r#"[actions.get_thing]
summary = "Get a thing."
docs = "https://learn.microsoft.com/en-us/graph/overview"
method = "GET"
path = "/things/{thing-id}"
call = "get"
versions = ["v1.0"]
clouds = ["global"]
response = { status = 200, type = "Thing" }
params = { thing-id = {} }

[actions.get_thing.permissions]
delegated = { least = ["Thing.Read"], higher = ["Thing.ReadWrite"] }
delegated_personal = "not_supported"
application = { least = ["Thing.Read.All"] }

[types.Thing]
doc = "A thing."
[types.Thing.fields.id]
type = "string"
"#;

fn sources(files: &[(&str, &str)]) -> SourceMap {
    let mut map = SourceMap::default();
    for (name, text) in files {
        map.add(SourceFile::new(*name, *name, *text));
    }
    map
}

/// Every problem in the files, rendered, in order.
fn problems_in(files: &[(&str, &str)]) -> Vec<String> {
    let map = sources(files);
    let (_, _, diags) = graph_codegen::load(&map);
    diags.iter().map(|d| d.render(&map)).collect()
}

fn problems(text: &str) -> Vec<String> {
    problems_in(&[("spec/t.toml", text)])
}

fn with(old: &str, new: &str) -> String {
    assert!(BASE.contains(old), "{old}");
    BASE.replacen(old, new, 1)
}

#[track_caller]
fn assert_one(text: &str, location: &str, message: &str) {
    let found = problems(text);
    assert_eq!(found.len(), 1, "expected one problem, got {found:#?}");
    assert!(
        found[0].starts_with(&format!("--> spec/t.toml:{location}")),
        "{}",
        found[0]
    );
    assert!(
        found[0].contains(message),
        "expected {message:?} in\n{}",
        found[0]
    );
}

#[test]
fn the_base_fixture_is_clean() {
    assert_eq!(problems(BASE), Vec::<String>::new());
}

#[test]
fn toml_and_shape_errors() {
    assert_one(&with("\"Get a thing.\"", "\"Get a thing."), "2:", "");
    assert_one(
        &with("summary =", "sumary ="),
        "2:1",
        "did you mean `summary`?",
    );
    assert_one(
        &with("delegated = {", "delgated = {"),
        "13:1",
        "did you mean `delegated`?",
    );
    assert_one(
        &with("call = \"get\"\n", "call = \"get\"\ncall = \"get\"\n"),
        "7:",
        "duplicate key",
    );
    assert_one(
        &with(
            "docs = \"https://learn.microsoft.com/en-us/graph/overview\"\n",
            "",
        ),
        "1:1",
        "missing field `docs`",
    );
    assert_one(
        &with(
            "{ least = [\"Thing.Read\"], higher = [\"Thing.ReadWrite\"] }",
            "{ least = [\"Thing.Read\"], not_supported = true }",
        ),
        "13:",
        "not both",
    );
}

#[test]
fn action_rules() {
    assert_one(
        &with("method = \"GET\"", "method = \"GETT\""),
        "4:10",
        "did you mean \"GET\"?",
    );
    assert_one(
        &with("status = 200", "status = 302"),
        "9:23",
        "not a 2xx code",
    );
    assert_one(
        &with("clouds = [\"global\"]", "clouds = [\"globl\"]"),
        "8:11",
        "did you mean \"global\"?",
    );
    assert_one(
        &with("versions = [\"v1.0\"]", "versions = [\"v2\"]"),
        "7:13",
        "unknown API version",
    );
    assert_one(
        &with("versions = [\"v1.0\"]", "versions = []"),
        "7:12",
        "at least one API version",
    );
    assert_one(
        &BASE.replace("get_thing", "GetThing"),
        "1:10",
        "must be snake_case",
    );
    assert_one(
        &with(
            "https://learn.microsoft.com/en-us/graph/overview",
            "https://example.com",
        ),
        "3:8",
        "documentation page",
    );
    assert_one(
        &format!("{BASE}[actions.get_thing.body.name]\ntype = \"string\"\n"),
        "21:",
        "a GET request has no body",
    );
    assert_one(
        &with(
            "response = { status = 200, type = \"Thing\" }",
            "response = { status = 204, type = \"Thing\" }",
        ),
        "9:",
        "204 No Content",
    );
    // An answer is a body or a Location header, and a Location comes with a 201 or 202.
    assert_one(
        &with(
            "response = { status = 200, type = \"Thing\" }",
            "response = { status = 202, type = \"Thing\", location = true }",
        ),
        "9:",
        "either a body (`type`) or a `Location` header",
    );
    assert_one(
        &with(
            "response = { status = 200, type = \"Thing\" }",
            "response = { status = 204, location = true }",
        ),
        "9:",
        "not a 204",
    );
}

#[test]
fn path_rules() {
    assert_one(
        &with("params = { thing-id = {} }", "params = {}"),
        "5:17",
        "`thing-id` is not declared",
    );
    assert_one(
        &with(
            "params = { thing-id = {} }",
            "params = { thing-id = {}, x = {} }",
        ),
        "10:27",
        "declared but not in the path",
    );
    assert_one(
        &with("/things/{thing-id}\"", "/things/{thing-id\""),
        "5:17",
        "unbalanced braces",
    );
    assert_one(
        &with("/things/{thing-id}\"", "/things//{thing-id}\""),
        "5:16",
        "doubled `/`",
    );
    assert_one(
        &with("/things/{thing-id}\"", "/things/{thing-id}?$top=1\""),
        "5:27",
        "query or fragment",
    );
    assert_one(
        &with("/things/{thing-id}\"", "/things/{thing-id}/x/{thing-id}\""),
        "5:30",
        "appears twice",
    );
    assert_one(&with("call = \"get\"\n", ""), "5:8", "ends in a parameter");
    assert_one(
        &with("call = \"get\"", "call = \"Get\""),
        "6:8",
        "not usable as a method name",
    );
}

#[test]
fn type_rules() {
    assert_one(
        &with("type = \"Thing\" }", "type = \"Thng\" }"),
        "9:35",
        "did you mean `Thing`?",
    );
    assert_one(
        &with("type = \"string\"", "type = \"strng\""),
        "20:8",
        "did you mean `string`?",
    );
    assert_one(
        &format!("{BASE}[types.Thing.fields.parent]\ntype = \"Thing\"\noptional = true\n"),
        "22:8",
        "contains itself",
    );
}

#[test]
fn a_collection_gives_recursion_its_indirection() {
    assert_eq!(
        problems(&format!(
            "{BASE}[types.Thing.fields.kids]\ntype = \"[Thing]\"\noptional = true\n"
        )),
        Vec::<String>::new()
    );
}

#[test]
fn more_type_rules() {
    let cycle = format!(
        "{BASE}[types.Thing.fields.part]\ntype = \"Part\"\n[types.Part]\ndoc = \"p\"\n[types.Part.fields.whole]\ntype = \"Thing\"\n"
    );
    let found = problems(&cycle);
    assert!(
        found
            .iter()
            .any(|p| p.contains("contains itself through other types")),
        "{found:#?}"
    );
    assert_one(
        &format!(
            "{BASE}[enums.Kind]\ndoc = \"k\"\nmembers = [{{ wire = \"small\" }}, {{ wire = \"SMALL\" }}]\n"
        ),
        "23:",
        "listed twice",
    );
    assert_one(
        &format!("{BASE}[enums.Kind]\ndoc = \"k\"\nmembers = [{{ wire = \"other\" }}]\n"),
        "23:",
        "reserved",
    );
    assert_one(
        &format!("{BASE}[types.thing_part]\ndoc = \"p\"\n"),
        "21:8",
        "PascalCase",
    );
    assert_one(
        &format!(
            "{BASE}[types.Thing.fields.display_name]\ntype = \"string\"\n[types.Thing.fields.displayName]\ntype = \"string\"\n"
        ),
        "23:",
        "same Rust name",
    );
    // Keywords are handled, not rejected.
    assert_eq!(
        problems(&format!(
            "{BASE}[types.Thing.fields.type]\ntype = \"string\"\n"
        )),
        Vec::<String>::new()
    );
}

#[test]
fn permission_rules() {
    assert_one(
        &with(
            "least = [\"Thing.Read\"]",
            "least = [\"Thing.Read, Thing.Write\"]",
        ),
        "13:24",
        "each permission as its own string",
    );
    assert_one(
        &with(
            "higher = [\"Thing.ReadWrite\"]",
            "higher = [\"Thing.Read\"]",
        ),
        "13:49",
        "both least and higher",
    );
    assert_one(
        &with("least = [\"Thing.Read.All\"]", "least = []"),
        "15:",
        "at least one least-privileged",
    );
    assert_one(
        &with(
            "delegated_personal = \"not_supported\"",
            "delegated_personal = \"none\"",
        ),
        "14:22",
        "not a permissions row",
    );
    let note = "\n[[actions.get_thing.permissions.notes]]\ntext = \"n\"\nunusable_with_rsc_consent = [\"Thing.Nope\"]\n";
    let found = problems(&format!("{BASE}{note}"));
    assert!(
        found
            .iter()
            .any(|p| p.contains("not in this action's permissions table")),
        "{found:#?}"
    );
}

#[test]
fn names_that_would_break_the_generated_code() {
    // Rust names that collide after conversion, or with the generated modules' own names.
    let twin = BASE.replace("get_thing", "get__thing");
    let found = problems_in(&[("spec/a.toml", BASE), ("spec/b.toml", &twin)]);
    assert!(
        found
            .iter()
            .any(|p| p.contains("makes the Rust name `GET_THING`, which `get_thing` makes too")),
        "{found:#?}"
    );
    assert_one(
        &BASE.replace("get_thing", "all"),
        "1:10",
        "which the generated code uses itself",
    );
    assert_one(
        &format!("{BASE}[types.Self]\ndoc = \"s\"\n"),
        "21:8",
        "which the generated code uses itself",
    );
    // Names the generated code could not spell.
    assert_one(
        &format!("{BASE}[enums.Kind]\ndoc = \"k\"\nmembers = [{{ wire = \"_1x\" }}]\n"),
        "23:",
        "needs a letter first",
    );
    assert_one(
        &with("/things/{thing-id}\"", "/things/{2fa}\""),
        "5:17",
        "start with a letter",
    );
    assert_one(
        &with("/things/{thing-id}\"", "/123/{thing-id}\""),
        "5:10",
        "starts with a letter or `$`",
    );
    // Methods the builder or the client already has.
    assert_one(
        &BASE
            .replace("method = \"GET\"", "method = \"POST\"")
            .replace(
                "[types.Thing]",
                "[actions.get_thing.body.send]\ntype = \"string\"\n\n[types.Thing]",
            ),
        "",
        "a method every request builder has",
    );
    assert_one(
        &with("/things/{thing-id}\"", "/builders/{thing-id}\""),
        "5:8",
        "a method of `GraphClient` itself",
    );
    // Headers HTTP cannot carry, and the one the client sends itself.
    assert_one(
        &format!(
            "{}headers = [{{ name = \"Bad Name\", value = \"x\" }}]\n{}",
            &BASE[..BASE.find("versions").unwrap()],
            &BASE[BASE.find("versions").unwrap()..]
        ),
        "7:",
        "not an HTTP header name",
    );
    assert_one(
        &format!(
            "{}headers = [{{ name = \"Authorization\", value = \"x\" }}]\n{}",
            &BASE[..BASE.find("versions").unwrap()],
            &BASE[BASE.find("versions").unwrap()..]
        ),
        "7:",
        "sent by the client",
    );
}

#[test]
fn ids_that_may_hold_slashes_do_not_share_a_method_with_ids_that_may_not() {
    let slashy = BASE
        .replace("get_thing", "delete_thing")
        .replace("call = \"get\"", "call = \"delete\"")
        .replace("method = \"GET\"", "method = \"DELETE\"")
        .replace(
            "params = { thing-id = {} }",
            "params = { thing-id = { allow_slash = true } }",
        )
        .replace(
            "response = { status = 200, type = \"Thing\" }",
            "response = { status = 204 }",
        )
        .replace(
            "[types.Thing]\ndoc = \"A thing.\"\n[types.Thing.fields.id]\ntype = \"string\"\n",
            "",
        );
    let found = problems_in(&[("spec/a.toml", BASE), ("spec/b.toml", &slashy)]);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].contains("already leads somewhere else"),
        "{}",
        found[0]
    );
}

#[test]
fn cross_file_rules_report_every_file() {
    let found = problems_in(&[
        ("spec/a.toml", BASE),
        ("spec/b.toml", "[types.Thing]\ndoc = \"again\"\n"),
    ]);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].starts_with("--> spec/b.toml:1:8") && found[0].contains("declared more than once"),
        "{}",
        found[0]
    );
    let found = problems_in(&[
        ("spec/a.toml", &with("GET", "FETCH")),
        ("spec/b.toml", "[types.Other]\ndoc = 1\n"),
    ]);
    assert_eq!(found.len(), 2, "{found:#?}");
    assert!(found[0].starts_with("--> spec/a.toml") && found[1].starts_with("--> spec/b.toml"));
}

#[test]
fn query_option_rules() {
    let q = |list: &str| with("call = \"get\"", &format!("call = \"get\"\nquery = {list}"));
    assert!(problems(&q(r#"["$filter", "$select", "$expand", "$top", "$count"]"#)).is_empty());
    assert_one(
        &q(r#"["$fliter"]"#),
        "7:10",
        "unknown query option \"$fliter\"",
    );
    assert!(problems(&q(r#"["$fliter"]"#))[0].contains("did you mean \"$filter\"?"));
    assert_one(&q(r#"["$top", "$top"]"#), "7:18", "listed twice");
    assert_one(
        &q(
            r#"[{ option = "$count", headers = [{ name = "Consistency Level", value = "eventual" }] }]"#,
        ),
        "7:51",
        "is not an HTTP header name",
    );
    assert!(
        problems(&q(
            r#"[{ option = "$count", headers = [{ name = "ConsistencyLevel", value = "eventual" }] }]"#
        ))
        .is_empty()
    );
}

#[test]
fn bind_rules() {
    let post = |field: &str| {
        BASE.replacen("method = \"GET\"", "method = \"POST\"", 1)
            + &format!("[actions.get_thing.body.{field}\n")
    };
    assert!(
        problems(&post(
            "\"thing@odata.bind\"]\nbind = \"/catalog/{catalog-id}\""
        ))
        .is_empty()
    );
    assert_one(
        &post("\"thing@odata.bind\"]\nbind = \"/catalog/{a}/x/{b}\""),
        "22:8",
        "exactly one parameter",
    );
    assert_one(
        &post("\"thing@odata.bind\"]\nbind = \"/catalog/{a}\"\ntype = \"int32\""),
        "23:8",
        "its type is `string`",
    );
    assert_one(
        &post("thing]\nbind = \"/catalog/{a}\""),
        "21:25",
        "is not an `@odata.bind` name",
    );
    assert_one(&post("name]\noptional = true"), "21:25", "has no `type`");
    assert_one(
        &with(
            "[types.Thing.fields.id]",
            "[types.Thing.fields.id]\nbind = \"/x/{a}\"",
        ),
        "20:8",
        "request body fields only",
    );
}

#[test]
fn fixed_value_rules() {
    let post = |field: &str| {
        BASE.replacen("method = \"GET\"", "method = \"POST\"", 1)
            + &format!("[actions.get_thing.body.{field}\n")
    };
    let fixed = "\"@odata.type\"]\nvalue = \"#microsoft.graph.thing\"";
    assert!(problems(&post(fixed)).is_empty());
    assert!(problems(&post(&format!("{fixed}\ntype = \"string\""))).is_empty());
    assert_one(
        &post(&format!("{fixed}\noptional = true")),
        "22:9",
        "always sent as is",
    );
    assert_one(
        &post(&format!("{fixed}\ntype = \"int32\"")),
        "23:8",
        "a field with a fixed `value` is a string",
    );
    assert_one(
        &with(
            "[types.Thing.fields.id]",
            "[types.Thing.fields.id]\nvalue = \"x\"",
        ),
        "20:9",
        "request body fields only",
    );
}

#[test]
fn derived_type_and_model_field_rules() {
    let derived = |extra: &str| {
        format!("{BASE}\n[types.Special]\ndoc = \"A special thing.\"\nbase = \"Thing\"\n{extra}")
    };
    assert!(problems(&derived("odata_type = \"#x.special\"")).is_empty());
    assert_one(&derived(""), "22:8", "has no `odata_type`");
    assert_one(
        &derived("odata_type = \"#x.special\"\n[types.Special.fields.id]\ntype = \"string\""),
        "26:23",
        "already declared by base type `Thing`",
    );
    let cycle = format!(
        "{BASE}\n[types.A]\ndoc = \"a\"\nbase = \"B\"\nodata_type = \"#a\"\n[types.B]\ndoc = \"b\"\nbase = \"A\"\nodata_type = \"#b\"\n"
    );
    assert!(
        problems(&cycle)
            .iter()
            .any(|p| p.contains("derives from itself"))
    );
    assert_one(
        &with(
            "[types.Thing.fields.id]",
            "[types.Thing.fields.\"@odata.type\"]",
        ),
        "19:21",
        "every model type has already",
    );
    let in_body = with(
        "[types.Thing.fields.id]\ntype = \"string\"",
        "[types.Thing.fields.id]\ntype = \"string\"\nnavigation = true\n[actions.get_thing.body.x]\ntype = \"string\"\nnavigation = true",
    );
    let found = problems(&in_body);
    assert!(
        found.iter().any(|p| p.starts_with("--> spec/t.toml:22:25") && p.contains("model type fields only")),
        "{found:#?}"
    );
    assert!(
        !found.iter().any(|p| p.contains(":19:")),
        "navigation is fine on a model type"
    );
}

#[test]
fn sound_entries_are_still_expanded_beside_broken_ones() {
    let text =
        format!("{BASE}[types.Broken]\ndoc = \"b\"\n[types.Broken.fields.x]\ntype = \"Nope\"\n");
    let map = sources(&[("spec/t.toml", &text)]);
    let (spec, _, diags) = graph_codegen::load(&map);
    assert_eq!(diags.len(), 1);
    assert_eq!(spec.actions.len(), 1);
    assert!(spec.types.iter().any(|t| t.name == "Thing"));
}

fn pipeline_survives(text: &str) {
    let map = sources(&[("spec/x.toml", text)]);
    let (spec, tree, diags) = graph_codegen::load(&map);
    for d in &diags {
        let rendered = d.render(&map);
        assert!(
            rendered.starts_with("--> spec/x.toml:") || d.span.is_none(),
            "{rendered}"
        );
    }
    let tokens = graph_codegen::expand::expand(&spec, &tree, &graph_codegen::Options::default());
    graph_codegen::pretty(&tokens).expect("the sound part always expands to valid Rust");
}

const SEED: &str = include_str!("../../spec/teams-app-installation.toml");

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in "(?s).{0,400}") {
        pipeline_survives(&text);
    }

    #[test]
    fn mutated_specs_never_panic(edits in prop::collection::vec((any::<prop::sample::Index>(), 0..3u8, "[\\[\\]{}\"=,.#\n a-zA-Z0-9_/ü-]{0,3}"), 1..6)) {
        let mut text = format!("{SEED}\n{BASE}");
        for (at, kind, insert) in edits {
            let mut pos = at.index(text.len() + 1);
            while !text.is_char_boundary(pos) {
                pos -= 1;
            }
            let end = text[pos..].char_indices().nth(3).map_or(text.len(), |(i, _)| pos + i);
            match kind {
                0 => text.insert_str(pos, &insert),
                1 => text.replace_range(pos..end, ""),
                _ => text.replace_range(pos..end, &insert),
            }
        }
        pipeline_survives(&text);
    }
}

#[test]
fn collections_arguments_and_derived_names() {
    // A POST may answer a collection (it pages like a list, each next page a GET).
    let post_list = with("method = \"GET\"", "method = \"POST\"").replacen(
        "type = \"Thing\" }",
        "type = \"[Thing]\" }",
        1,
    );
    assert!(
        problems(&post_list).is_empty(),
        "{:#?}",
        problems(&post_list)
    );
    let two_binds = BASE.replacen("method = \"GET\"", "method = \"POST\"", 1)
        + "[actions.get_thing.body.\"a@odata.bind\"]\nbind = \"/x/{thing-id}\"\n[actions.get_thing.body.\"b@odata.bind\"]\nbind = \"/y/{thing-id}\"\n";
    assert_one(&two_binds, "23:25", "two arguments named `thing_id`");
    let derived = format!(
        "{BASE}\n[types.Special]\ndoc = \"s\"\nbase = \"Thing\"\nodata_type = \"#s\"\n[types.Special.fields.ID]\ntype = \"string\"\n"
    );
    assert_one(&derived, "26:23", "already declared by base type `Thing`");
}

/// A function: GET, the path ending in its name, parameters as single values.
const FUNCTION: &str = r#"[actions.check_thing]
summary = "Check a thing."
docs = "https://learn.microsoft.com/en-us/graph/overview"
method = "GET"
path = "/things/{thing-id}/check"
versions = ["v1.0"]
clouds = ["global"]
response = { status = 200, type = "bool" }
params = { thing-id = {} }

[actions.check_thing.permissions]
delegated = { least = ["Thing.Read"] }
delegated_personal = "not_supported"
application = "not_supported"

[actions.check_thing.function_params.userId]
type = "string"
optional = true

[actions.check_thing.function_params.level]
type = "Level"

[enums.Level]
doc = "A level."
members = [{ wire = "low" }, { wire = "high" }]
"#;

fn function_with(old: &str, new: &str) -> String {
    assert!(FUNCTION.contains(old), "{old}");
    FUNCTION.replacen(old, new, 1)
}

#[test]
fn function_parameter_rules() {
    assert!(problems(FUNCTION).is_empty(), "{:#?}", problems(FUNCTION));
    assert_one(
        &function_with(
            "path = \"/things/{thing-id}/check\"",
            "path = \"/things/{thing-id}/check(userId='@userId')\"",
        ),
        "5:8",
        "writes the call of `check` with its parameters",
    );
    let post = function_with("method = \"GET\"", "method = \"POST\"");
    assert!(
        problems(&post)
            .iter()
            .any(|p| p.contains("function parameters on a POST action")),
        "{:#?}",
        problems(&post)
    );
    assert_one(
        &function_with(
            "path = \"/things/{thing-id}/check\"",
            "path = \"/things/{thing-id}/check\"\ncall = \"check\"",
        ),
        "6:8",
        "takes its method name from the function's",
    );
    assert_one(
        &function_with("type = \"Level\"", "type = \"[string]\""),
        "21:8",
        "is a collection",
    );
    let model = function_with("type = \"Level\"", "type = \"Thing\"")
        + "[types.Thing]\ndoc = \"t\"\n[types.Thing.fields.id]\ntype = \"string\"\n";
    assert_one(&model, "21:8", "is the model type `Thing`");
    assert_one(
        &function_with("type = \"Level\"", "type = \"Levels\""),
        "21:8",
        "type `Levels` is not declared",
    );
    assert_one(
        &function_with("function_params.level]", "function_params.top]"),
        "20:38",
        "would make the setter `top`",
    );
    assert_one(
        &function_with("function_params.level]", "function_params.\"a-b\"]"),
        "20:38",
        "is not an OData name",
    );
}

#[test]
fn flags_and_variant_rules() {
    let flags = format!(
        "{BASE}\n[enums.Parts]\ndoc = \"p\"\nflags = true\nmembers = [{{ wire = \"apps\" }}, {{ wire = \"other\", variant = \"OtherPart\" }}]\n"
    );
    assert!(problems(&flags).is_empty(), "{:#?}", problems(&flags));
    let other = format!("{BASE}\n[enums.Parts]\ndoc = \"p\"\nmembers = [{{ wire = \"other\" }}]\n");
    assert!(
        problems(&other)[0].contains("variant = \"OtherValue\""),
        "{}",
        problems(&other)[0]
    );
    let digit = format!(
        "{BASE}\n[enums.Parts]\ndoc = \"p\"\nmembers = [{{ wire = \"1:1\", variant = \"oneToOne\" }}]\n"
    );
    assert!(
        problems(&digit)[0].contains("not a PascalCase Rust name"),
        "{}",
        problems(&digit)[0]
    );
    let twice = format!(
        "{BASE}\n[enums.Parts]\ndoc = \"p\"\nmembers = [{{ wire = \"a\", variant = \"Same\" }}, {{ wire = \"b\", variant = \"Same\" }}]\n"
    );
    assert!(
        problems(&twice)[0].contains("listed twice"),
        "{}",
        problems(&twice)[0]
    );
    let many: Vec<String> = (0..65).map(|i| format!("{{ wire = \"m{i}\" }}")).collect();
    let big = format!(
        "{BASE}\n[enums.Parts]\ndoc = \"p\"\nflags = true\nmembers = [{}]\n",
        many.join(", ")
    );
    assert!(
        problems(&big)[0].contains("at most 64"),
        "{}",
        problems(&big)[0]
    );
}

/// The prune step keeps the first declaration of a name declared twice and leaves out the rest,
/// and what an entry with a problem refers to stays when it is sound on its own.
#[test]
fn the_prune_step_keeps_the_first_of_a_name_and_the_sound_entries() {
    let map = sources(&[
        ("spec/a.toml", BASE),
        (
            "spec/b.toml",
            "[types.Thing]\ndoc = \"Again.\"\n[types.Thing.fields.other]\ntype = \"string\"\n",
        ),
    ]);
    let (spec, tree, diags) = graph_codegen::load(&map);
    assert_eq!(diags.len(), 1, "{diags:?}");
    let things: Vec<_> = spec.types.iter().filter(|t| t.name == "Thing").collect();
    assert_eq!(things.len(), 1, "one `Thing` is generated");
    assert_eq!(things[0].fields[0].wire, "id", "the first declaration's");
    assert_eq!(spec.actions.len(), 1, "get_thing still refers to a `Thing`");
    assert!(tree.nodes.len() > 1, "and is navigable");

    // An action rejected by a rule is left out of the model and of the tree.
    let bad = with(
        "docs = \"https://learn.microsoft.com/en-us/graph/overview\"",
        "docs = \"https://example.com\"",
    );
    let map = sources(&[("spec/t.toml", &bad)]);
    let (spec, tree, diags) = graph_codegen::load(&map);
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert!(spec.actions.is_empty());
    assert_eq!(tree.nodes.len(), 1, "only the client");
    assert_eq!(spec.types.len(), 1, "the sound type stays");
}
