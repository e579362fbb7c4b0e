//! OData query options of one request (`$filter`, `$expand`, ...) and the headers they require.

/// The query options a request builder collected, in the order first set, each with the
/// headers the page requires along with it (`ConsistencyLevel: eventual` with `$count` on
/// directory objects).
///
/// Setting an option twice keeps the last value (and its headers), since Graph refuses a
/// repeated option.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    options: Vec<QueryValue>,
}

/// The headers a query option needs sent with it, as (name, value).
pub type Headers = &'static [(&'static str, &'static str)];

#[derive(Debug, Clone, PartialEq, Eq)]
struct QueryValue {
    name: &'static str,
    value: String,
    headers: Headers,
}

impl Query {
    /// No options.
    pub const fn new() -> Self {
        Query {
            options: Vec::new(),
        }
    }

    #[cfg(test)]
    /// Sets `name` (such as `$filter`) to `value`, written as Graph writes it; it is
    /// percent-encoded when the URL is made.
    #[must_use]
    pub fn set(self, name: &'static str, value: String) -> Self {
        self.set_with(name, value, &[])
    }

    /// Sets an option that needs `headers` sent along with it.
    #[must_use]
    pub fn set_with(mut self, name: &'static str, value: String, headers: Headers) -> Self {
        let new = QueryValue {
            name,
            value,
            headers,
        };
        match self.options.iter_mut().find(|o| o.name == name) {
            Some(slot) => *slot = new,
            None => self.options.push(new),
        }
        self
    }

    /// Whether no option is set.
    pub fn is_empty(&self) -> bool {
        self.options.is_empty()
    }

    /// The headers the options set require, each once.
    pub fn headers(&self) -> impl Iterator<Item = &(&'static str, &'static str)> {
        self.options
            .iter()
            .enumerate()
            .flat_map(|(i, o)| o.headers.iter().map(move |h| (i, h)))
            .filter(|(i, h)| {
                !self.options[..*i]
                    .iter()
                    .any(|o| o.headers.iter().any(|p| p.0.eq_ignore_ascii_case(h.0)))
            })
            .map(|(_, h)| h)
    }

    /// Appends `?$a=x&$b=y` (nothing when empty) to a URL.
    pub(crate) fn append_to(&self, url: &mut String) {
        for (i, o) in self.options.iter().enumerate() {
            url.push(if i == 0 { '?' } else { '&' });
            url.push_str(o.name);
            url.push('=');
            encode_value(url, &o.value);
        }
    }
}

/// Percent-encodes a query option's value. What OData expressions are made of stays readable
/// (`$`, parentheses, `=`, `,`, `/`, `:`, `;`, `@`, `*`, `!`), so a nested
/// `appDefinitions($expand=authorization)` arrives intact; spaces, quotes, `&`, `+`, `#`, `%`
/// and every non-ASCII byte are `%XX`, so no value can end the option or change how it reads.
pub(crate) fn encode_value(out: &mut String, value: &str) {
    crate::path::percent_encode(out, value, &QUERY_KEEP);
}

/// What stays in a query option's value.
static QUERY_KEEP: [bool; 256] = crate::path::keep_table(b"$()=,/:;@*!");

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn url(q: &Query) -> String {
        let mut s = String::new();
        q.append_to(&mut s);
        s
    }

    #[test]
    fn filter_and_nested_expand_read_as_graph_writes_them() {
        let q = Query::new()
            .set("$filter", "externalId eq 'x y'".into())
            .set("$expand", "appDefinitions($expand=authorization)".into());
        assert_eq!(
            url(&q),
            "?$filter=externalId%20eq%20%27x%20y%27&$expand=appDefinitions($expand=authorization)"
        );
    }

    #[test]
    fn a_value_cannot_add_or_end_an_option() {
        let q = Query::new().set("$filter", "a&$top=1#x+y%z\"ü".into());
        assert_eq!(url(&q), "?$filter=a%26$top=1%23x%2By%25z%22%C3%BC");
    }

    #[test]
    fn setting_twice_keeps_the_last_value_in_first_place() {
        let q = Query::new()
            .set("$top", "5".into())
            .set("$select", "id".into())
            .set("$top", "7".into());
        assert_eq!(url(&q), "?$top=7&$select=id");
        assert_eq!(url(&Query::new()), "");
    }

    #[test]
    fn required_headers_are_sent_once_and_only_with_their_option() {
        const EVENTUAL: &[(&str, &str)] = &[("ConsistencyLevel", "eventual")];
        let q = Query::new()
            .set_with("$count", "true".into(), EVENTUAL)
            .set_with("$search", "\"x\"".into(), EVENTUAL);
        let h: Vec<_> = q.headers().collect();
        assert_eq!(h, [&("ConsistencyLevel", "eventual")]);
        let q = q.set("$count", "false".into()).set("$search", "y".into());
        assert_eq!(q.headers().count(), 0);
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

        /// Any value travels as one option that decodes back to exactly the value.
        #[test]
        fn values_round_trip_inside_one_option(value in any::<String>()) {
            let mut s = String::new();
            encode_value(&mut s, &value);
            prop_assert!(!s.contains(['&', '#', '+', ' ', '?', '\'']), "{}", s);
            prop_assert!(s.bytes().all(|b| b.is_ascii_graphic()));
            prop_assert_eq!(crate::path::percent_decode(&s), value.as_bytes());
        }
    }
}
