//! The answer of an action whose result is named by a `Location` header, not sent as a body.

use crate::Error;
use crate::path::percent_decode;

/// What an action gives that answers with a `Location` header instead of a body: a team clone
/// (`202 Accepted`), for one, names the long-running operation to follow there, and its
/// `Content-Location` names the new team. The values are kept as Graph wrote them; the key
/// readers below take ids out of them in either of the forms Graph uses.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Accepted {
    status: u16,
    location: String,
    content_location: Option<String>,
}

impl Accepted {
    /// Reads an answer's headers; a success without a readable `Location` is a decode error
    /// (the caller would have nothing to follow).
    pub(crate) fn from_headers(
        status: u16,
        location: Option<&str>,
        content_location: Option<&str>,
    ) -> Result<Self, Error> {
        let location = location
            .filter(|l| !l.trim().is_empty())
            .ok_or_else(|| Error::Decode {
                status,
                message: "the answer has no `Location` header, which names this action's result"
                    .to_owned(),
                snippet: String::new(),
            })?;
        Ok(Accepted {
            status,
            location: location.trim().to_owned(),
            content_location: content_location.map(|c| c.trim().to_owned()),
        })
    }

    /// The success status (`202` for work Graph finishes later).
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The `Location` header as Graph sent it: for a Teams long-running operation, the
    /// operation (`/teams('{team-id}')/operations('{operation-id}')`), relative to the
    /// versioned service root.
    pub fn location(&self) -> &str {
        &self.location
    }

    /// The `Content-Location` header, when Graph sent one: the resource the work makes or
    /// changes.
    pub fn content_location(&self) -> Option<&str> {
        self.content_location.as_deref()
    }

    /// The key that follows `segment` in the `Location`: `operations` in
    /// `/teams('a')/operations('b')` or in `/teams/a/operations/b` gives `b`. Quotes are
    /// removed, a doubled `''` read as one `'`, and percent-escapes decoded, so the value can be
    /// passed to a navigation method (which encodes it again). `None` when the segment is not
    /// there or has no key.
    pub fn location_key(&self, segment: &str) -> Option<String> {
        key_after(&self.location, segment)
    }

    /// [`location_key`](Self::location_key) for the `Content-Location` header.
    pub fn content_location_key(&self, segment: &str) -> Option<String> {
        key_after(self.content_location.as_deref()?, segment)
    }
}

impl std::fmt::Display for Accepted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (Location: {})", self.status, self.location)
    }
}

/// The path of a location, absolute or relative, without its query or fragment.
fn path_of(location: &str) -> &str {
    let rest = match location.find("://") {
        Some(i) => {
            let after = &location[i + 3..];
            after.find('/').map_or("", |j| &after[j..])
        }
        None => location,
    };
    rest.split(['?', '#']).next().unwrap_or("")
}

/// The path's segments, split at the slashes outside quoted keys.
fn segments(path: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut start, mut quoted) = (0, false);
    for (i, c) in path.char_indices() {
        match c {
            '\'' => quoted = !quoted,
            '/' if !quoted => {
                out.push(&path[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&path[start..]);
    out.retain(|s| !s.is_empty());
    out
}

fn key_after(location: &str, segment: &str) -> Option<String> {
    let segs = segments(path_of(location));
    for (i, s) in segs.iter().enumerate() {
        let (name, key) = match s.find('(') {
            Some(open) if s.ends_with(')') => (&s[..open], Some(&s[open + 1..s.len() - 1])),
            _ => (*s, None),
        };
        if !name.eq_ignore_ascii_case(segment) {
            continue;
        }
        let raw = match key {
            Some(k) => k,
            None => segs.get(i + 1)?,
        };
        return Some(unquote(&String::from_utf8_lossy(&percent_decode(raw))));
    }
    None
}

/// `'a''b'` as `a'b`; anything unquoted as it is.
fn unquote(key: &str) -> String {
    match key.strip_prefix('\'').and_then(|k| k.strip_suffix('\'')) {
        Some(inner) => inner.replace("''", "'"),
        None => key.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accepted(location: &str, content: Option<&str>) -> Accepted {
        Accepted::from_headers(202, Some(location), content).expect("a location")
    }

    #[test]
    fn keys_are_read_in_odata_and_slash_forms() {
        let a = accepted(
            "/teams('7ad6a5e4-a1b2')/operations('e3c1-42')",
            Some("/teams('7ad6a5e4-a1b2')"),
        );
        assert_eq!(a.location_key("operations").as_deref(), Some("e3c1-42"));
        assert_eq!(a.location_key("teams").as_deref(), Some("7ad6a5e4-a1b2"));
        assert_eq!(
            a.content_location_key("teams").as_deref(),
            Some("7ad6a5e4-a1b2")
        );
        let b = accepted(
            "https://graph.microsoft.com/v1.0/teams/7ad/operations/e3c?x=1",
            None,
        );
        assert_eq!(b.location_key("operations").as_deref(), Some("e3c"));
        assert_eq!(b.location_key("v1.0").as_deref(), Some("teams"));
        assert_eq!(b.content_location_key("teams"), None);
        // Unquoted keys, as the team-clone page's example writes them.
        let c = accepted("/teams({id})/operations({opId})", None);
        assert_eq!(c.location_key("operations").as_deref(), Some("{opId}"));
    }

    #[test]
    fn quotes_slashes_and_escapes_in_keys_are_read() {
        let a = accepted("/chats('19:a/b''c%40thread.v2')/operations('x')", None);
        assert_eq!(
            a.location_key("chats").as_deref(),
            Some("19:a/b'c@thread.v2")
        );
        assert_eq!(a.location_key("operations").as_deref(), Some("x"));
        assert_eq!(a.location_key("members"), None);
        let last = accepted("/teams/abc/operations", None);
        assert_eq!(last.location_key("operations"), None);
    }

    #[test]
    fn a_missing_or_empty_location_is_a_decode_error() {
        for location in [None, Some("  ")] {
            let e = Accepted::from_headers(202, location, None).expect_err("no location");
            assert!(matches!(e, Error::Decode { status: 202, .. }), "{e:?}");
        }
    }
}
