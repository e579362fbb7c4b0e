//! The README's downstream quickstart, built from scratch as a newcomer builds it: without the
//! build script the build fails with the lines to add; with it the crate builds and calls its
//! action; a spec file added later is picked up by the next `cargo build` and its action called;
//! one naming graph-api's `Chat` answers graph-api's own type, and fails to build, naming the
//! feature to add, against a graph-api built without that type.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The files of the README's quickstart: each fenced block whose paragraph starts with a file
/// name in backticks followed by `:` or `,`.
fn quickstart_files() -> BTreeMap<String, String> {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let start = readme
        .find("### A crate of your own")
        .expect("the quickstart section");
    let section = &readme[start..];
    let section = &section[..section[4..].find("\n## ").map_or(section.len(), |e| e + 4)];
    let mut files = BTreeMap::new();
    let mut paragraph_head: Option<String> = None;
    let mut lines = section.lines();
    while let Some(line) = lines.next() {
        if line.starts_with("```") {
            let mut block = String::new();
            for l in lines.by_ref() {
                if l.starts_with("```") {
                    break;
                }
                block.push_str(l);
                block.push('\n');
            }
            if let Some(name) = paragraph_head.take() {
                files.insert(name, block);
            }
        } else if line.is_empty() {
            continue;
        } else if let Some(rest) = line.strip_prefix('`') {
            paragraph_head = rest
                .split_once('`')
                .filter(|(_, rest)| rest.starts_with(':') || rest.starts_with(','))
                .map(|(name, _)| name.to_owned());
        }
    }
    files
}

/// Answers every request with a page of two items and keeps each request's head.
fn serve() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let addr = listener.local_addr().expect("address");
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).is_ok_and(|n| n == 1) {
                head.push(byte[0]);
            }
            log.lock()
                .expect("log")
                .push(String::from_utf8_lossy(&head).into_owned());
            let body = r#"{"value":[{"id":"1"},{"id":"2"}]}"#;
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (format!("http://{addr}"), seen)
}

/// A second spec file, added after the first build. A fixture, not a fact about Graph: its path
/// and permissions are made up, and it links the Graph overview page.
const ADDED: &str = r#"[types.Note]
doc = "Fixture: a note kept on a chat."
[types.Note.fields.id]
type = "string"
optional = true

[actions.list_chat_notes]
summary = "Fixture: list the notes of a chat."
docs = "https://learn.microsoft.com/en-us/graph/overview"
method = "GET"
path = "/chats/{chat-id}/contosoNotes"
call = "list"
versions = ["v1.0"]
clouds = ["global"]
idempotent = true
response = { status = 200, type = "[Note]" }
params = { chat-id = { doc = "The chat's id." } }
[actions.list_chat_notes.permissions]
delegated = { least = ["Fixture.Read"] }
delegated_personal = "not_supported"
application = "not_supported"
"#;

/// A third spec file, naming graph-api's `Chat` without declaring it. A fixture like [`ADDED`].
const USES_GRAPH_API_TYPES: &str = r#"[actions.list_related_chats]
summary = "Fixture: list the chats related to a chat."
docs = "https://learn.microsoft.com/en-us/graph/overview"
method = "GET"
path = "/chats/{chat-id}/contosoRelatedChats"
call = "list"
versions = ["v1.0"]
clouds = ["global"]
idempotent = true
response = { status = 200, type = "[Chat]" }
params = { chat-id = { doc = "The chat's id." } }
[actions.list_related_chats.permissions]
delegated = { least = ["Fixture.Read"] }
delegated_personal = "not_supported"
application = "not_supported"
"#;

fn cargo(project: &Path, target: &Path, args: &[&str]) -> Output {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(args)
        .arg("--offline")
        .arg("--quiet")
        .arg("--manifest-path")
        .arg(project.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", target)
        .env_remove("RUSTFLAGS")
        // cargo hands this crate's own build-script variables to its tests; the project must
        // not inherit the declaration of this crate's spec folder.
        .env_remove(graph_codegen::source::TRACKED_ENV)
        .output()
        .expect("cargo runs")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn the_readme_quickstart_builds_picks_up_a_new_spec_file_and_calls_it() {
    let files = quickstart_files();
    let names: Vec<&str> = files.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "Cargo.toml",
            "build.rs",
            "spec/chat-messages.toml",
            "src/lib.rs",
            "src/main.rs"
        ]
    );
    // The build script the README shows is the one `graph-spec build-script` writes.
    assert_eq!(
        files["build.rs"],
        graph_codegen::source::build_script(&["spec"])
    );

    // The project lives beside the workspace's build output, and builds into a target folder of
    // its own there, kept between runs, so only the first run compiles graph-api's dependencies
    // (about 2.7 minutes on a 2-core machine; a later run about 5 s). Sharing the UI cases'
    // trybuild folder saved only 8 s of it: their features differ, so little is compiled alike.
    let exe = std::env::current_exe().expect("test binary path");
    let target_root = exe.ancestors().nth(3).expect("target folder");
    let project = target_root.join("tests/quickstart/contoso-graph");
    let target = target_root.join("tests/quickstart/target");
    let _ = std::fs::remove_dir_all(&project);
    std::fs::create_dir_all(project.join("src")).expect("project folder");
    std::fs::create_dir_all(project.join("spec")).expect("spec folder");
    // graph-api from this workspace instead of the registry; the workspace's lock file, so the
    // build needs no network; its own workspace, so cargo does not look further up.
    let graph_api = root().join("graph-api");
    let manifest = files["Cargo.toml"].replace(
        "graph-api = \"0.1\"",
        &format!(
            "graph-api = {{ path = {:?} }}",
            graph_api.display().to_string()
        ),
    );
    assert_ne!(
        manifest, files["Cargo.toml"],
        "the quickstart names graph-api 0.1"
    );
    std::fs::write(
        project.join("Cargo.toml"),
        format!("{manifest}\n[workspace]\n"),
    )
    .expect("write");
    std::fs::copy(root().join("Cargo.lock"), project.join("Cargo.lock")).expect("lock file");
    for name in ["src/lib.rs", "src/main.rs", "spec/chat-messages.toml"] {
        std::fs::write(project.join(name), &files[name]).expect("write");
    }

    // Without the build script: an error with the lines to add.
    let failed = cargo(&project, &target, &["build"]);
    assert!(!failed.status.success(), "{}", text(&failed));
    for line in files["build.rs"].lines().filter(|l| l.contains("println!")) {
        assert!(
            text(&failed).contains(line.trim()),
            "{line}: {}",
            text(&failed)
        );
    }
    assert!(
        text(&failed).contains("graph-spec build-script spec"),
        "{}",
        text(&failed)
    );

    // With it: the crate builds and calls its action under graph-api's `chat(id)`.
    std::fs::write(project.join("build.rs"), &files["build.rs"]).expect("write");
    let built = cargo(&project, &target, &["build"]);
    assert!(built.status.success(), "{}", text(&built));
    let (url, seen) = serve();
    let bin = target.join("debug/contoso-graph");
    let run = |what: &str| {
        let out = Command::new(&bin)
            .arg(&url)
            .env("GRAPH_TOKEN", "t")
            .output()
            .expect("runs");
        assert!(out.status.success(), "{what}: {}", text(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert_eq!(run("first build"), "2 message(s)\n");
    let heads = seen.lock().expect("log").clone();
    assert!(
        heads.iter().any(|h| h.starts_with("GET /v1.0/chats/")
            && h.contains("/messages?%24top=2 ")
            || h.contains("/messages?$top=2 ")),
        "{heads:?}"
    );

    // A new spec file, and the program calling its action; the library's code did not change,
    // so only the build script's tracking of the folder makes the next build see the file.
    std::fs::write(project.join("spec/notes.toml"), ADDED).expect("write");
    let main = files["src/main.rs"].replace(
        "    println!(\"{} message(s)\", messages.len());\n",
        "    println!(\"{} message(s)\", messages.len());\n    let notes = chat.contoso_notes().list().all().await?;\n    println!(\"{} note(s)\", notes.len());\n",
    );
    assert_ne!(main, files["src/main.rs"]);
    std::fs::write(project.join("src/main.rs"), main).expect("write");
    let rebuilt = cargo(&project, &target, &["build"]);
    assert!(rebuilt.status.success(), "{}", text(&rebuilt));
    assert_eq!(run("after adding a file"), "2 message(s)\n2 note(s)\n");
    let heads = seen.lock().expect("log").clone();
    assert!(
        heads
            .iter()
            .any(|h| h.starts_with("GET /v1.0/chats/") && h.contains("/contosoNotes ")),
        "{heads:?}"
    );

    // A spec file that names graph-api's `Chat` without declaring it: the action answers
    // graph-api's own type, whose fields the program reads.
    std::fs::write(project.join("spec/related.toml"), USES_GRAPH_API_TYPES).expect("write");
    let main = std::fs::read_to_string(project.join("src/main.rs")).expect("main.rs");
    let main = main.replace(
        "    println!(\"{} note(s)\", notes.len());\n",
        "    println!(\"{} note(s)\", notes.len());\n    let related: Vec<graph_api::models::Chat> = chat.contoso_related_chats().list().all().await?;\n    println!(\"related: {:?}\", related.iter().map(|c| c.id.as_deref()).collect::<Vec<_>>());\n",
    );
    std::fs::write(project.join("src/main.rs"), main).expect("write");
    let rebuilt = cargo(&project, &target, &["build"]);
    assert!(rebuilt.status.success(), "{}", text(&rebuilt));
    assert_eq!(
        run("using graph-api's Chat"),
        "2 message(s)\n2 note(s)\nrelated: [Some(\"1\"), Some(\"2\")]\n"
    );

    // graph-api built without the features that compile `Chat`: the build says which to add.
    let manifest = std::fs::read_to_string(project.join("Cargo.toml")).expect("Cargo.toml");
    let narrowed = manifest.replace(
        "graph-api = { path = ",
        "graph-api = { default-features = false, features = [\"app-catalog\"], path = ",
    );
    assert_ne!(narrowed, manifest);
    std::fs::write(project.join("Cargo.toml"), narrowed).expect("write");
    let failed = cargo(&project, &target, &["build"]);
    assert!(!failed.status.success(), "{}", text(&failed));
    assert!(
        text(&failed).contains("type `Chat` is graph-api's, compiled only with its feature `discovery` or `teams-app-installation`, which this build leaves off")
            && text(&failed).contains("add \"discovery\" to the `features` of the graph-api dependency in Cargo.toml"),
        "{}",
        text(&failed)
    );
}
