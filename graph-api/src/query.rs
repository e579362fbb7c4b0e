//! OData query options of one request (`$filter`, `$expand`, ...) and the headers they require.

/// The query options a request builder collected, in the order first set, with the headers that
/// some options require (`ConsistencyLevel: eventual` with `$count` on directory objects).
///
/// Setting an option twice keeps the last value, since Graph refuses a repeated option.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    options: Vec<(&'static str, String)>,
    headers: Vec<(&'static str, &'static str)>,
}

impl Query {
    /// No options.
    pub const fn new() -> Self {
        Query {
            options: Vec::new(),
            headers: Vec::new(),
        }
    }

    /// Sets `name` (such as `$filter`) to `value`, written as Graph writes it; it is
    /// percent-encoded when the URL is made.
    #[must_use]
    pub fn set(mut self, name: &'static str, value: String) -> Self {
        match self.options.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value,
            None => self.options.push((name, value)),
        }
        self
    }

    /// Adds a header that an option requires; a header already present is not repeated.
    #[must_use]
    pub fn header(mut self, name: &'static str, value: &'static str) -> Self {
        if !self
            .headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(name))
        {
            self.headers.push((name, value));
        }
        self
    }

    /// Whether no option is set.
    pub fn is_empty(&self) -> bool {
        self.options.is_empty()
    }

    /// The value of an option, as given.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.options
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The headers the options require.
    pub fn headers(&self) -> &[(&'static str, &'static str)] {
        &self.headers
    }

    /// Appends `?$a=x&$b=y` (nothing when empty) to a URL.
    pub(crate) fn append_to(&self, url: &mut String) {
        for (i, (name, value)) in self.options.iter().enumerate() {
            url.push(if i == 0 { '?' } else { '&' });
            url.push_str(name);
            url.push('=');
            encode_value(url, value);
        }
    }
}

/// Percent-encodes a query option's value. What OData expressions are made of stays readable
/// (`$`, parentheses, `=`, `,`, `/`, `:`, `;`, `@`, `*`, `!`), so a nested
/// `appDefinitions($expand=authorization)` arrives intact; spaces, quotes, `&`, `+`, `#`, `%`
/// and every non-ASCII byte are `%XX`, so no value can end the option or change how it reads.
pub(crate) fn encode_value(out: &mut String, value: &str) {
    crate::path::percent_encode(out, value, |b| {
        matches!(
            b,
            b'$' | b'(' | b')' | b'=' | b',' | b'/' | b':' | b';' | b'@' | b'*' | b'!'
        )
    });
}

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
    fn required_headers_are_sent_once() {
        let q = Query::new()
            .header("ConsistencyLevel", "eventual")
            .header("consistencylevel", "eventual");
        assert_eq!(q.headers(), &[("ConsistencyLevel", "eventual")]);
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
