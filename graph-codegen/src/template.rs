//! Path templates such as `/chats/{chat-id}/installedApps/{app-installation-id}/upgrade`.

use std::ops::Range;

/// One `/`-separated piece of a path template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// Literal text, sent as is.
    Literal(String),
    /// A named parameter, `{name}`, filled in by the caller.
    Param(String),
}

/// A parsed path template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathTemplate {
    /// The segments, in order.
    pub segments: Vec<Segment>,
}

/// Why a template is malformed, and where (byte range within the template).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    /// The offending bytes of the template.
    pub range: Range<usize>,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl PathTemplate {
    /// Parses a template; every problem is reported.
    pub fn parse(text: &str) -> Result<PathTemplate, Vec<TemplateError>> {
        let mut errors = Vec::new();
        let mut err =
            |range: Range<usize>, message: String| errors.push(TemplateError { range, message });
        if let Some(i) = text.find(['?', '#']) {
            err(
                i..text.len(),
                "a path template cannot hold a query or fragment; state query options separately"
                    .into(),
            );
        }
        let Some(rest) = text.strip_prefix('/') else {
            err(
                0..text.len().min(1),
                "a path template starts with `/`".into(),
            );
            return Err(errors);
        };
        let mut segments = Vec::new();
        let mut seen: Vec<&str> = Vec::new();
        let mut start = 1;
        for piece in rest.split('/') {
            let range = start..start + piece.len();
            start += piece.len() + 1;
            let body = piece.split(['?', '#']).next().unwrap_or("");
            if piece.is_empty() {
                let hint = if range.start == text.len() {
                    "remove the trailing `/`"
                } else {
                    "remove the doubled `/`"
                };
                err(
                    range.start.saturating_sub(1)..range.start,
                    format!("empty path segment; {hint}"),
                );
                continue;
            }
            let opens = body.matches('{').count();
            let closes = body.matches('}').count();
            if opens == 0 && closes == 0 {
                if !body.starts_with(|c: char| c.is_ascii_alphabetic() || c == '$') {
                    err(range, "a path segment starts with a letter or `$`, like `installedApps` or `$value`".into());
                    continue;
                }
                segments.push(Segment::Literal(body.to_owned()));
            } else if opens != closes {
                err(
                    range,
                    "unbalanced braces in path segment; a parameter is written `{name}`".into(),
                );
            } else if opens > 1 || !(body.starts_with('{') && body.ends_with('}')) {
                err(
                    range,
                    "a parameter must be a whole path segment, like `/{chat-id}/`".into(),
                );
            } else {
                let name = &body[1..body.len() - 1];
                if !name.starts_with(|c: char| c.is_ascii_alphabetic())
                    || !name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                {
                    err(
                        range,
                        "parameter names start with a letter and use letters, digits, `-` and `_`, like `{chat-id}`".into(),
                    );
                } else if seen.contains(&name) {
                    err(
                        range,
                        format!(
                            "parameter `{name}` appears twice in the path; give each its own name"
                        ),
                    );
                } else {
                    seen.push(name);
                    segments.push(Segment::Param(name.to_owned()));
                }
            }
        }
        if errors.is_empty() {
            Ok(PathTemplate { segments })
        } else {
            Err(errors)
        }
    }

    /// The parameter names, in order.
    pub fn params(&self) -> impl Iterator<Item = &str> {
        self.segments.iter().filter_map(|s| match s {
            Segment::Param(p) => Some(p.as_str()),
            Segment::Literal(_) => None,
        })
    }
}

impl std::fmt::Display for PathTemplate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for s in &self.segments {
            match s {
                Segment::Literal(l) => write!(f, "/{l}")?,
                Segment::Param(p) => write!(f, "/{{{p}}}")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_seed_path() {
        let t = PathTemplate::parse("/chats/{chat-id}/installedApps/{app-installation-id}/upgrade")
            .unwrap();
        assert_eq!(
            t.segments,
            vec![
                Segment::Literal("chats".into()),
                Segment::Param("chat-id".into()),
                Segment::Literal("installedApps".into()),
                Segment::Param("app-installation-id".into()),
                Segment::Literal("upgrade".into()),
            ]
        );
        assert_eq!(
            t.to_string(),
            "/chats/{chat-id}/installedApps/{app-installation-id}/upgrade"
        );
        assert_eq!(
            t.params().collect::<Vec<_>>(),
            ["chat-id", "app-installation-id"]
        );
    }

    fn messages(text: &str) -> Vec<String> {
        PathTemplate::parse(text)
            .unwrap_err()
            .into_iter()
            .map(|e| e.message)
            .collect()
    }

    #[test]
    fn rejects_malformed_templates() {
        assert!(messages("chats")[0].contains("starts with `/`"));
        assert!(messages("/chats/")[0].contains("trailing"));
        assert!(messages("/chats//x")[0].contains("doubled"));
        assert!(messages("/chats/{chat-id")[0].contains("unbalanced"));
        assert!(messages("/chats/x{id}")[0].contains("whole path segment"));
        assert!(messages("/a/{id}/b/{id}")[0].contains("appears twice"));
        assert!(messages("/a?$top=1")[0].contains("query"));
        assert!(messages("/a/{}")[0].contains("parameter names"));
    }

    #[test]
    fn reports_every_problem() {
        assert_eq!(messages("/a//{b/{c}/{c}").len(), 3);
    }
}
