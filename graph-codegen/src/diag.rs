//! Diagnostics that point into spec files, and a context that collects all of them.

use crate::source::{SourceMap, Span};
use std::fmt::Write as _;

/// One problem found in the spec, with where it is and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Where the problem is; `None` when it concerns no file in particular (a missing folder).
    pub span: Option<Span>,
    /// What is wrong, in the spec author's terms.
    pub message: String,
    /// How to fix it, when there is an obvious fix.
    pub help: Option<String>,
}

impl Diagnostic {
    /// A diagnostic at a span.
    pub fn new(span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            span: Some(span),
            message: message.into(),
            help: None,
        }
    }

    /// A diagnostic that points at no file.
    pub fn global(message: impl Into<String>) -> Self {
        Diagnostic {
            span: None,
            message: message.into(),
            help: None,
        }
    }

    /// Adds a suggestion.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Renders the diagnostic like rustc does: location first, then the line with a caret.
    pub fn render(&self, sources: &SourceMap) -> String {
        let mut out = String::new();
        match &self.span {
            Some(span) => {
                let file = sources.get(span.file);
                let (line, col) = file.line_col(span.range.start);
                let text = file.line_text(line);
                let gutter = line.to_string().len();
                let pad = " ".repeat(gutter);
                let width = caret_width(file, span, line, text);
                let _ = writeln!(out, "--> {}:{}:{}", file.name, line, col);
                let _ = writeln!(out, "{pad} |");
                let _ = writeln!(out, "{line} | {text}");
                let _ = write!(
                    out,
                    "{pad} | {}{} {}",
                    " ".repeat(col - 1),
                    "^".repeat(width),
                    self.message
                );
            }
            None => out.push_str(&self.message),
        }
        if let Some(help) = &self.help {
            let _ = write!(out, "\n  = help: {help}");
        }
        out
    }
}

/// The caret width: the span's characters on its first line, at least one.
fn caret_width(file: &crate::source::SourceFile, span: &Span, line: usize, text: &str) -> usize {
    let (end_line, end_col) = file.line_col(span.range.end);
    let (_, start_col) = file.line_col(span.range.start);
    let end_col = if end_line == line {
        end_col
    } else {
        text.chars().count() + 1
    };
    end_col.saturating_sub(start_col).max(1)
}

/// Collects diagnostics so that every problem is reported, not only the first, and which spec
/// entries they reject (each entry is known by the span of its name).
///
/// While the checker is inside an entry ([`Ctxt::within`]), every diagnostic rejects that entry;
/// rules across entries name the entry they reject ([`Ctxt::report`]). The prune step then leaves
/// the rejected entries out.
#[derive(Debug, Default)]
pub struct Ctxt {
    diags: Vec<Diagnostic>,
    entry: Option<crate::source::Span>,
    rejected: std::collections::HashSet<crate::source::Span>,
}

impl Ctxt {
    /// Records a diagnostic (rejecting the entry being checked, if any).
    pub fn push(&mut self, diag: Diagnostic) {
        if let Some(e) = &self.entry {
            self.rejected.insert(e.clone());
        }
        self.diags.push(diag);
    }

    /// Records a diagnostic that rejects the entry declared at `entry`.
    pub fn report(&mut self, entry: &crate::source::Span, diag: Diagnostic) {
        self.rejected.insert(entry.clone());
        self.diags.push(diag);
    }

    /// Runs `rules` for the entry declared at `entry`: whatever they report rejects it.
    pub fn within(&mut self, entry: crate::source::Span, rules: impl FnOnce(&mut Ctxt)) {
        let outer = self.entry.replace(entry);
        rules(self);
        self.entry = outer;
    }

    /// Whether the entry declared at `entry` has been rejected.
    pub fn is_rejected(&self, entry: &crate::source::Span) -> bool {
        self.rejected.contains(entry)
    }

    /// Records an error at a span.
    pub fn error(&mut self, span: &Span, message: impl Into<String>) {
        self.push(Diagnostic::new(span.clone(), message));
    }

    /// How many diagnostics have been recorded.
    pub fn len(&self) -> usize {
        self.diags.len()
    }

    /// Whether nothing has been recorded (the spec is clean so far).
    pub fn is_empty(&self) -> bool {
        self.diags.is_empty()
    }

    /// Ends collection: the diagnostics, sorted by file and position.
    pub fn finish(mut self) -> Vec<Diagnostic> {
        self.diags.sort_by(|a, b| {
            let key = |d: &Diagnostic| d.span.as_ref().map(|s| (s.file, s.range.start));
            key(a).cmp(&key(b))
        });
        self.diags.dedup();
        self.diags
    }
}

/// The candidate closest to `word` by edit distance, when it is close enough to be a typo.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|c| {
            (
                edit_distance(&word.to_ascii_lowercase(), &c.to_ascii_lowercase()),
                c,
            )
        })
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Levenshtein distance between two strings, by characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;

    #[test]
    fn renders_location_line_and_caret() {
        let mut map = SourceMap::default();
        let id = map.add(SourceFile::new(
            "spec/a.toml",
            "/x/spec/a.toml",
            "[a]\nmethod = \"PUTT\"\n",
        ));
        let d = Diagnostic::new(
            Span {
                file: id,
                range: 13..19,
            },
            "unknown HTTP method",
        )
        .help("use PUT");
        assert_eq!(
            d.render(&map),
            "--> spec/a.toml:2:10\n  |\n2 | method = \"PUTT\"\n  |          ^^^^^^ unknown HTTP method\n  = help: use PUT"
        );
    }

    #[test]
    fn suggests_close_words_only() {
        let opts = ["delegated", "delegated_personal", "application"];
        assert_eq!(did_you_mean("delgated", opts), Some("delegated"));
        assert_eq!(did_you_mean("zzz", opts), None);
    }
}
