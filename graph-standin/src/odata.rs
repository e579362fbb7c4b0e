//! The OData query options the stand-in understands: `$filter`, `$expand` (nested), `$select`,
//! `$top` and its own `$skiptoken`, parsed from a request's query string.
//!
//! Only what Graph accepts on the resources served here: `$filter` is a conjunction (`and`) of
//! `path eq 'literal'` comparisons and `installedApps/any(a:a/teamsApp/id eq '...')`, following
//! OData v4 URL conventions (string literals in single quotes, a quote doubled inside one).

use std::collections::BTreeMap;

/// A query string, decoded.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Query {
    /// `$filter`, parsed.
    pub filter: Vec<Condition>,
    /// `$expand`, parsed.
    pub expand: Expand,
    /// `$select`: the properties to keep; empty keeps all.
    pub select: Vec<String>,
    /// `$top`.
    pub top: Option<usize>,
    /// `$skiptoken` (the stand-in's own: an offset).
    pub skip: usize,
    /// Every option as received (decoded), to rebuild `@odata.nextLink`.
    pub raw: Vec<(String, String)>,
}

/// One comparison in a `$filter`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// `path eq 'value'`, the path split at `/`.
    Eq(Vec<String>, String),
    /// `collection/any(v:v/path eq 'value')`.
    Any(String, Vec<String>, String),
}

/// `$expand`: each navigation property with its own nested options.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Expand(pub BTreeMap<String, Expand>);

impl Expand {
    /// The nested expansion of `name` (case-insensitive), when it is expanded.
    pub fn get(&self, name: &str) -> Option<&Expand> {
        self.0
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// Whether `name` is expanded.
    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }
}

/// Why a query was refused (answered 400).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryError(pub String);

/// Decodes `%XX` escapes (and `+` stays `+`, as Graph reads it in paths and queries).
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = (b[i] == b'%')
            .then(|| b.get(i + 1..i + 3))
            .flatten()
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match hex {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(b[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Encodes a query value for a link the stand-in hands out.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &c in s.as_bytes() {
        if c.is_ascii_alphanumeric() || b"-._~$(),:/@=*".contains(&c) {
            out.push(c as char);
        } else {
            out.push_str(&format!("%{c:02X}"));
        }
    }
    out
}

impl Query {
    /// Parses a raw query string (without `?`).
    pub fn parse(raw: &str) -> Result<Query, QueryError> {
        let mut q = Query::default();
        for pair in raw.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let (k, v) = (percent_decode(k), percent_decode(v));
            match k.as_str() {
                "$filter" => q.filter = parse_filter(&v)?,
                "$expand" => q.expand = parse_expand(&v)?,
                "$select" => {
                    q.select = v
                        .split(',')
                        .map(|s| s.trim().to_owned())
                        .filter(|s| !s.is_empty())
                        .collect()
                }
                "$top" => {
                    q.top = Some(v.parse().map_err(|_| {
                        QueryError(format!("Invalid value '{v}' for query option $top."))
                    })?)
                }
                "$skiptoken" => {
                    q.skip = v
                        .parse()
                        .map_err(|_| QueryError("The skip token is not valid.".into()))?
                }
                _ => {}
            }
            if k != "$skiptoken" {
                q.raw.push((k, v));
            }
        }
        Ok(q)
    }

    /// The query string for the page that starts at `skip`.
    pub fn next_query(&self, skip: usize) -> String {
        let mut parts: Vec<String> = self
            .raw
            .iter()
            .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
            .collect();
        parts.push(format!("$skiptoken={skip}"));
        parts.join("&")
    }
}

/// Parses a `$filter` expression into its `and`-joined conditions.
pub fn parse_filter(s: &str) -> Result<Vec<Condition>, QueryError> {
    let mut p = Parser { s, i: 0 };
    let mut out = vec![p.condition()?];
    loop {
        p.ws();
        if p.done() {
            return Ok(out);
        }
        if !p.keyword("and") {
            return Err(p.error());
        }
        out.push(p.condition()?);
    }
}

struct Parser<'a> {
    s: &'a str,
    i: usize,
}

impl Parser<'_> {
    fn rest(&self) -> &str {
        &self.s[self.i..]
    }

    fn done(&self) -> bool {
        self.i >= self.s.len()
    }

    fn ws(&mut self) {
        let trimmed = self.rest().trim_start();
        self.i = self.s.len() - trimmed.len();
    }

    fn error(&self) -> QueryError {
        QueryError(format!(
            "Invalid filter clause: the stand-in does not support `{}`.",
            self.s
        ))
    }

    fn keyword(&mut self, word: &str) -> bool {
        self.ws();
        let rest = self.rest();
        let matches = rest.len() > word.len()
            && rest[..word.len()].eq_ignore_ascii_case(word)
            && rest[word.len()..].starts_with(' ');
        if matches {
            self.i += word.len();
        }
        matches
    }

    fn eat(&mut self, c: char) -> bool {
        self.ws();
        if self.rest().starts_with(c) {
            self.i += c.len_utf8();
            true
        } else {
            false
        }
    }

    fn path(&mut self) -> Result<Vec<String>, QueryError> {
        self.ws();
        let len = self
            .rest()
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '/' || c == '_'))
            .unwrap_or(self.rest().len());
        if len == 0 {
            return Err(self.error());
        }
        let path = self.rest()[..len].split('/').map(str::to_owned).collect();
        self.i += len;
        Ok(path)
    }

    fn literal(&mut self) -> Result<String, QueryError> {
        self.ws();
        if !self.eat('\'') {
            return Err(self.error());
        }
        let mut out = String::new();
        let mut chars = self.rest().char_indices().peekable();
        while let Some((at, c)) = chars.next() {
            if c == '\'' {
                if chars.peek().map(|(_, c)| *c) == Some('\'') {
                    chars.next();
                    out.push('\'');
                    continue;
                }
                self.i += at + 1;
                return Ok(out);
            }
            out.push(c);
        }
        Err(self.error())
    }

    fn condition(&mut self) -> Result<Condition, QueryError> {
        let path = self.path()?;
        if path.last().is_some_and(|l| l == "any") && path.len() == 2 {
            // collection/any(v:v/path eq 'x')
            if !self.eat('(') {
                return Err(self.error());
            }
            let var = self.path()?;
            if var.len() != 1 || !self.eat(':') {
                return Err(self.error());
            }
            let inner = self.path()?;
            if inner.first() != var.first() || inner.len() < 2 || !self.keyword("eq") {
                return Err(self.error());
            }
            let value = self.literal()?;
            if !self.eat(')') {
                return Err(self.error());
            }
            return Ok(Condition::Any(path[0].clone(), inner[1..].to_vec(), value));
        }
        if !self.keyword("eq") {
            return Err(self.error());
        }
        Ok(Condition::Eq(path, self.literal()?))
    }
}

/// Parses `$expand`, such as `teamsApp,appDefinitions($expand=authorization)`.
pub fn parse_expand(s: &str) -> Result<Expand, QueryError> {
    let mut out = BTreeMap::new();
    for item in split_top_level(s, ',') {
        let item = item.trim();
        if item.is_empty() {
            continue;
        }
        let (name, nested) = match item.find('(') {
            Some(open) if item.ends_with(')') => {
                let inner = &item[open + 1..item.len() - 1];
                let mut nested = Expand::default();
                for opt in split_top_level(inner, ';') {
                    if let Some(v) = opt.trim().strip_prefix("$expand=") {
                        nested = parse_expand(v)?;
                    }
                }
                (&item[..open], nested)
            }
            Some(_) => return Err(QueryError(format!("Invalid $expand item `{item}`."))),
            None => (item, Expand::default()),
        };
        out.insert(name.trim().to_owned(), nested);
    }
    Ok(Expand(out))
}

fn split_top_level(s: &str, sep: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            c if c == sep && depth == 0 => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    parts
}

/// Keeps only the `$select`ed properties (and OData annotations) of an object.
pub fn select(value: &mut serde_json::Value, select: &[String]) {
    if select.is_empty() {
        return;
    }
    if let serde_json::Value::Object(map) = value {
        map.retain(|k, _| k.starts_with('@') || select.iter().any(|s| s.eq_ignore_ascii_case(k)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eq(path: &str, v: &str) -> Condition {
        Condition::Eq(path.split('/').map(str::to_owned).collect(), v.into())
    }

    #[test]
    fn filters_parse_as_graph_writes_them() {
        assert_eq!(
            parse_filter("teamsApp/id eq 'abc'"),
            Ok(vec![eq("teamsApp/id", "abc")])
        );
        assert_eq!(
            parse_filter("id eq 'a''b' and externalId eq 'x'"),
            Ok(vec![eq("id", "a'b"), eq("externalId", "x")])
        );
        assert_eq!(
            parse_filter("installedApps/any(a:a/teamsApp/id eq '0d82')"),
            Ok(vec![Condition::Any(
                "installedApps".into(),
                vec!["teamsApp".into(), "id".into()],
                "0d82".into()
            )])
        );
    }

    #[test]
    fn unsupported_filters_are_refused() {
        for bad in [
            "id ne 'a'",
            "id eq 'unterminated",
            "startswith(id,'a')",
            "id eq 'a' or id eq 'b'",
            "installedApps/any(a:b/teamsApp/id eq 'x')",
            "",
        ] {
            assert!(parse_filter(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn expands_nest() {
        let e = parse_expand("teamsApp,appDefinitions($expand=authorization,bot)").expect("ok");
        assert!(e.has("teamsApp"));
        let defs = e.get("appDefinitions").expect("expanded");
        assert!(defs.has("authorization") && defs.has("bot"));
        assert!(!e.has("authorization"));
        assert!(parse_expand("teamsApp(").is_err());
    }

    #[test]
    fn a_query_keeps_its_options_for_the_next_link() {
        let q = Query::parse("$filter=id%20eq%20%27a%27&$top=5&$skiptoken=10").expect("ok");
        assert_eq!(q.top, Some(5));
        assert_eq!(q.skip, 10);
        assert_eq!(
            q.next_query(15),
            "$filter=id%20eq%20%27a%27&$top=5&$skiptoken=15"
        );
        assert!(Query::parse("$top=many").is_err());
    }

    #[test]
    fn select_keeps_named_properties_and_annotations() {
        let mut v = serde_json::json!({"@odata.type": "t", "id": "1", "topic": "x", "webUrl": "u"});
        select(&mut v, &["id".into(), "topic".into()]);
        assert_eq!(
            v,
            serde_json::json!({"@odata.type": "t", "id": "1", "topic": "x"})
        );
    }
}
