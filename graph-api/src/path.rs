//! Request paths: literal segments and caller ids, each id checked and percent-encoded once.

use crate::Error;

/// Builds the path of one request. A bad id is remembered and reported by `send`, so navigation
/// methods stay infallible and nothing is sent.
#[derive(Debug, Clone)]
pub struct PathBuilder {
    path: String,
    /// The first refused id: its parameter name and why.
    error: Option<(&'static str, &'static str)>,
}

impl PathBuilder {
    /// An empty path.
    pub fn root() -> Self {
        PathBuilder {
            path: String::with_capacity(128),
            error: None,
        }
    }

    /// Appends a literal segment from the spec.
    #[must_use]
    pub fn segment(mut self, literal: &'static str) -> Self {
        self.path.push('/');
        encode_into(&mut self.path, literal);
        self
    }

    /// Appends a caller-supplied id as one segment (or several, when the spec allows `/`).
    #[must_use]
    pub fn param(mut self, name: &'static str, value: &str, allow_slash: bool) -> Self {
        if self.error.is_some() {
            return self;
        }
        let check = if allow_slash {
            value.split('/').try_for_each(check_segment)
        } else if value.contains('/') {
            Err("contains `/`, which would change the request's path")
        } else {
            check_segment(value)
        };
        match check {
            Ok(()) => {
                self.path.push('/');
                if allow_slash {
                    for (i, piece) in value.split('/').enumerate() {
                        if i > 0 {
                            self.path.push('/');
                        }
                        encode_into(&mut self.path, piece);
                    }
                } else {
                    encode_into(&mut self.path, value);
                }
            }
            Err(reason) => self.error = Some((name, reason)),
        }
        self
    }

    /// Appends an OData function call, `name(a=...,b=...)`, its values rendered and encoded
    /// already; a refused value is remembered like a refused id.
    #[must_use]
    pub(crate) fn function(mut self, call: &crate::odata::FunctionCall) -> Self {
        if self.error.is_some() {
            return self;
        }
        match call.segment() {
            Ok(segment) => {
                self.path.push('/');
                self.path.push_str(&segment);
            }
            Err(refused) => self.error = Some(refused),
        }
        self
    }

    /// The encoded path, or the first invalid id.
    pub fn finish(self) -> Result<String, Error> {
        match self.error {
            Some((name, reason)) => Err(Error::InvalidArgument {
                name,
                reason: reason.to_owned(),
            }),
            None => Ok(self.path),
        }
    }
}

/// Refuses ids that would change the route rather than name a resource.
fn check_segment(value: &str) -> Result<(), &'static str> {
    if value.is_empty() {
        return Err("is empty");
    }
    if value == "." || value == ".." {
        return Err("is `.` or `..`, which would change the request's path");
    }
    // One table lookup per byte finds what needs a closer look: `\`, ASCII controls, and text
    // beyond ASCII (which may hold the C1 control characters).
    if !value.bytes().any(|b| SUSPECT[usize::from(b)]) {
        return Ok(());
    }
    if value.contains('\\') {
        return Err("contains `\\`, which some servers read as `/`");
    }
    if value.chars().any(char::is_control) {
        return Err("contains a control character");
    }
    Ok(())
}

/// Bytes that `check_segment` looks at closer.
static SUSPECT: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = b < 0x20 || b >= 0x7f || b == b'\\' as usize;
        b += 1;
    }
    t
};

/// Which bytes stay as they are: ASCII letters, digits, the unreserved `-._~`, and `extra`.
pub(crate) const fn keep_table(extra: &[u8]) -> [bool; 256] {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric() || c == b'-' || c == b'.' || c == b'_' || c == b'~';
        b += 1;
    }
    let mut i = 0;
    while i < extra.len() {
        // Kept runs are copied as `str` slices, so only ASCII may be kept.
        assert!(extra[i] < 0x80, "only ASCII bytes can be kept");
        t[extra[i] as usize] = true;
        i += 1;
    }
    t
}

/// What stays in a path segment: the sub-delimiters that Graph ids use.
static SEGMENT_KEEP: [bool; 256] = keep_table(b":@=!$&'()*,");

/// Percent-encodes `value` as one RFC 3986 path segment: unreserved characters and the
/// sub-delimiters that Graph ids use (`:` `@` `=` and friends) stay, everything else is `%XX`.
fn encode_into(out: &mut String, value: &str) {
    percent_encode(out, value, &SEGMENT_KEEP);
}

/// Appends `value` with every byte `%XX`-encoded except those `keep` marks.
pub(crate) fn percent_encode(out: &mut String, value: &str, keep: &[bool; 256]) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let bytes = value.as_bytes();
    out.reserve(bytes.len());
    // Runs of bytes that stay are copied whole.
    let mut run = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if keep[usize::from(b)] {
            continue;
        }
        // Bytes in a run are kept ASCII, so both ends are character boundaries.
        if run < i {
            out.push_str(&value[run..i]);
        }
        out.push('%');
        out.push(HEX[usize::from(b >> 4)] as char);
        out.push(HEX[usize::from(b & 15)] as char);
        run = i + 1;
    }
    if run < bytes.len() {
        out.push_str(&value[run..]);
    }
}

/// The bytes a percent-encoded text stands for; a `%` not followed by two hex digits is kept as
/// written. Reads ids back out of the locations Graph answers with, and checks the encoding in
/// tests.
pub(crate) fn percent_decode(s: &str) -> Vec<u8> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(h), Some(l)) = (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            )
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn hostile(id: &str) -> bool {
        id.is_empty()
            || id == "."
            || id == ".."
            || id.contains(['/', '\\'])
            || id.chars().any(char::is_control)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 4000, failure_persistence: None, ..ProptestConfig::default() })]

        /// Any id is either refused (exactly the hostile ones) or sent as one segment that decodes
        /// to exactly the id.
        #[test]
        fn ids_are_refused_or_round_trip(id in prop_oneof![any::<String>(), "[./\\\\%?# a-z\u{0}-\u{1f}ü]{0,6}"]) {
            match PathBuilder::root().param("id", &id, false).finish() {
                Err(Error::InvalidArgument { name, .. }) => {
                    prop_assert_eq!(name, "id");
                    prop_assert!(hostile(&id), "refused a harmless id {:?}", id);
                }
                Err(other) => prop_assert!(false, "unexpected error {:?}", other),
                Ok(path) => {
                    prop_assert!(!hostile(&id), "accepted a hostile id {:?}", id);
                    let segment = &path[1..];
                    prop_assert!(segment.bytes().all(|b| b.is_ascii_graphic() && !b"/?#[]\\\"<>^`{|} ".contains(&b)), "{}", segment);
                    prop_assert_eq!(percent_decode(segment), id.as_bytes());
                }
            }
        }
    }

    fn path(id: &str) -> Result<String, Error> {
        PathBuilder::root()
            .segment("chats")
            .param("chat-id", id, false)
            .finish()
    }

    #[test]
    fn keeps_graph_ids_readable() {
        assert_eq!(
            path("19:ea28e88c00e94c7786b065394a61f296@thread.v2").unwrap(),
            "/chats/19:ea28e88c00e94c7786b065394a61f296@thread.v2"
        );
        assert_eq!(path("NjRi=").unwrap(), "/chats/NjRi=");
    }

    #[test]
    fn encodes_what_would_change_the_url() {
        assert_eq!(
            path("a b?c#d%e+f;g").unwrap(),
            "/chats/a%20b%3Fc%23d%25e%2Bf%3Bg"
        );
        assert_eq!(path("ü").unwrap(), "/chats/%C3%BC");
    }

    #[test]
    fn refuses_ids_that_change_the_route() {
        for bad in ["", ".", "..", "a/b", "a\\b", "a\nb", "\u{7f}"] {
            match path(bad) {
                Err(Error::InvalidArgument { name, .. }) => assert_eq!(name, "chat-id"),
                other => panic!("{bad:?} gave {other:?}"),
            }
        }
    }

    #[test]
    fn allows_slashes_only_where_the_spec_does() {
        let p = PathBuilder::root()
            .segment("drive")
            .param("item-path", "a b/c", true)
            .finish()
            .unwrap();
        assert_eq!(p, "/drive/a%20b/c");
        assert!(
            PathBuilder::root()
                .param("item-path", "a/../b", true)
                .finish()
                .is_err()
        );
        assert!(
            PathBuilder::root()
                .param("item-path", "a//b", true)
                .finish()
                .is_err()
        );
    }
}
