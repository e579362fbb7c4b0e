//! Spec source files: their text, display names, and byte offset to line:col mapping.

use std::ops::Range;
use std::path::{Path, PathBuf};

/// One spec file as read from disk.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path used in diagnostics, such as `spec/teams.toml`.
    pub name: String,
    /// The absolute path on disk, used for rebuild tracking.
    pub path: PathBuf,
    /// The file's text.
    pub text: String,
    line_starts: Vec<usize>,
}

/// Identifies a [`SourceFile`] inside a [`SourceMap`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub(crate) usize);

/// A byte range inside one spec file.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Span {
    /// The file the range points into.
    pub file: FileId,
    /// Byte offsets into the file's text.
    pub range: Range<usize>,
}

impl SourceFile {
    /// Makes a source file from its text.
    pub fn new(name: impl Into<String>, path: impl Into<PathBuf>, text: impl Into<String>) -> Self {
        let text = text.into();
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        SourceFile {
            name: name.into(),
            path: path.into(),
            text,
            line_starts,
        }
    }

    /// The 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let start = self.line_starts[line];
        let col = self
            .text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count());
        (line + 1, col + 1)
    }

    /// The text of a 1-based line, without its line ending.
    pub fn line_text(&self, line: usize) -> &str {
        let start = self
            .line_starts
            .get(line - 1)
            .copied()
            .unwrap_or(self.text.len());
        let end = self
            .line_starts
            .get(line)
            .copied()
            .unwrap_or(self.text.len());
        self.text
            .get(start..end)
            .unwrap_or("")
            .trim_end_matches(['\n', '\r'])
    }
}

/// All spec files of one expansion.
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    /// Adds a file and returns its id.
    pub fn add(&mut self, file: SourceFile) -> FileId {
        self.files.push(file);
        FileId(self.files.len() - 1)
    }

    /// The file behind an id.
    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0]
    }

    /// Every file, in the order added.
    pub fn files(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files.iter().enumerate().map(|(i, f)| (FileId(i), f))
    }

    /// The absolute paths of every file, for rebuild tracking.
    pub fn paths(&self) -> Vec<&Path> {
        self.files.iter().map(|f| f.path.as_path()).collect()
    }
}

/// The environment variable a crate's build script sets (with `cargo::rustc-env`) to the spec
/// folders it reruns the build for, separated by `;`. `spec!` over a folder that is not listed
/// fails with the lines to add: without them cargo would not see a new file in the folder.
pub const TRACKED_ENV: &str = "GRAPH_API_SPEC_TRACKED";

/// A spec folder as written in `spec!` and in a build script, compared without `./` in front
/// and `/` behind.
fn folder_key(dir: &str) -> &str {
    let dir = dir.trim_end_matches('/');
    dir.strip_prefix("./").unwrap_or(dir)
}

/// Whether `folder` is among the folders a build script declared tracked (the value of
/// [`TRACKED_ENV`], if set).
pub fn is_tracked(declared: Option<&str>, folder: &str) -> bool {
    declared.is_some_and(|v| v.split(';').any(|d| folder_key(d) == folder_key(folder)))
}

/// The build script a crate needs so that adding, editing or removing a file under each of
/// `folders` reruns its `spec!` expansions; `graph-spec build-script` prints it.
pub fn build_script(folders: &[&str]) -> String {
    let mut text = String::from(
        "//! Rebuilds this crate when a spec file is added, edited or removed (written by\n\
         //! `graph-spec build-script`).\n\nfn main() {\n",
    );
    for f in folders {
        text.push_str(&format!("    println!(\"cargo::rerun-if-changed={f}\");\n"));
    }
    text.push_str(&build_script_env_line(folders));
    text.push_str("}\n");
    text
}

/// The line of the build script that declares `folders` tracked.
fn build_script_env_line(folders: &[&str]) -> String {
    format!(
        "    println!(\"cargo::rustc-env={TRACKED_ENV}={}\");\n",
        folders.join(";")
    )
}

/// What `spec!` says when it reads a folder that no build script declares tracked: the lines
/// to add, and the command that writes them.
pub fn untracked_message(folder: &str, declared: Option<&str>) -> String {
    let mut folders: Vec<&str> = declared
        .map(|v| v.split(';').filter(|d| !d.is_empty()).collect())
        .unwrap_or_default();
    folders.push(folder);
    format!(
        "spec folder `{folder}` is not tracked by a build script, so cargo would not rebuild when \
         a file is added to it; add to the crate's build.rs (next to Cargo.toml) `fn main()`:\n\
         \x20   println!(\"cargo::rerun-if-changed={folder}\");\n{}\
         or write the whole build.rs with `graph-spec build-script {}`",
        build_script_env_line(&folders),
        folders.join(" ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_is_tracked_when_the_build_script_lists_it() {
        assert!(is_tracked(Some("spec"), "spec"));
        assert!(is_tracked(Some("other;./spec/"), "spec"));
        assert!(!is_tracked(Some("spec2"), "spec"));
        assert!(!is_tracked(None, "spec"));
    }

    #[test]
    fn the_build_script_tracks_every_folder_and_declares_them() {
        let script = build_script(&["spec", "more"]);
        assert!(script.contains("println!(\"cargo::rerun-if-changed=spec\");"));
        assert!(script.contains("println!(\"cargo::rerun-if-changed=more\");"));
        assert!(
            script.contains("println!(\"cargo::rustc-env=GRAPH_API_SPEC_TRACKED=spec;more\");")
        );
        let message = untracked_message("spec", Some("more"));
        assert!(
            message.contains("cargo::rustc-env=GRAPH_API_SPEC_TRACKED=more;spec"),
            "{message}"
        );
        assert!(
            message.contains("graph-spec build-script more spec"),
            "{message}"
        );
    }
}
