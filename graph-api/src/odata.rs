//! OData function calls in the path (`name(p='v',q=3)`) and flags enums (comma-separated sets).

use crate::path::{keep_table, percent_encode};

/// A function's parameters as the path carries them: each value rendered as an OData literal
/// and percent-encoded once, or the reason it was refused. Generated request builders fill it;
/// the path gets `/name(a=...,b=...)` when the request is prepared.
#[derive(Debug, Clone)]
pub struct FunctionCall {
    name: &'static str,
    args: Vec<(&'static str, Result<String, &'static str>)>,
}

impl FunctionCall {
    /// A call of the function `name` with no parameters yet.
    pub fn new(name: &'static str) -> Self {
        FunctionCall {
            name,
            args: Vec::new(),
        }
    }

    /// Sets a parameter to a rendered literal (see [`literal`]); setting it again replaces it.
    pub fn set(&mut self, name: &'static str, literal: Result<String, &'static str>) {
        match self.args.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = literal,
            None => self.args.push((name, literal)),
        }
    }

    /// The function's path segment, `name(a=...,b=...)`, already encoded; or the first refused
    /// parameter and why.
    pub(crate) fn segment(&self) -> Result<String, (&'static str, &'static str)> {
        let mut out = String::with_capacity(self.name.len() + 2 + 32 * self.args.len());
        percent_encode(&mut out, self.name, &VALUE_KEEP);
        out.push('(');
        for (i, (name, value)) in self.args.iter().enumerate() {
            let value = value.as_ref().map_err(|reason| (*name, *reason))?;
            if i > 0 {
                out.push(',');
            }
            out.push_str(name);
            out.push('=');
            out.push_str(value);
        }
        out.push(')');
        Ok(out)
    }
}

/// What stays as it is inside a function parameter's value: unreserved characters, the quote
/// (doubled inside strings, so it never ends one early), and `:` and `@`, which ids and user
/// principal names carry. `(`, `)`, `,` and `=`, which shape the call, are always encoded.
static VALUE_KEEP: [bool; 256] = keep_table(b"':@");

/// OData literals for function parameters, each percent-encoded once for the path.
pub mod literal {
    use super::{VALUE_KEEP, percent_encode};

    /// Refuses text that would change the request's route whatever the quoting: `/` and `\`
    /// (servers may decode `%2F` before routing) and control characters.
    fn check(value: &str) -> Result<(), &'static str> {
        if value.contains('/') {
            return Err("contains `/`, which would change the request's path");
        }
        if value.contains('\\') {
            return Err("contains `\\`, which some servers read as `/`");
        }
        if value.chars().any(char::is_control) {
            return Err("contains a control character");
        }
        Ok(())
    }

    /// A string: `'text'`, with each `'` doubled.
    pub fn string(value: &str) -> Result<String, &'static str> {
        check(value)?;
        let mut out = String::with_capacity(value.len() + 8);
        out.push('\'');
        if value.contains('\'') {
            percent_encode(&mut out, &value.replace('\'', "''"), &VALUE_KEEP);
        } else {
            percent_encode(&mut out, value, &VALUE_KEEP);
        }
        out.push('\'');
        Ok(out)
    }

    /// `true` or `false`.
    pub fn bool(value: bool) -> Result<String, &'static str> {
        Ok(if value { "true" } else { "false" }.to_owned())
    }

    /// A whole number.
    pub fn int(value: i64) -> Result<String, &'static str> {
        Ok(value.to_string())
    }

    /// A double, in OData's spelling (`NaN`, `INF` and `-INF` for those values).
    pub fn double(value: f64) -> Result<String, &'static str> {
        Ok(if value.is_nan() {
            "NaN".to_owned()
        } else if value.is_infinite() {
            if value > 0.0 { "INF" } else { "-INF" }.to_owned()
        } else {
            let mut s = String::new();
            percent_encode(&mut s, &format!("{value:?}"), &VALUE_KEEP);
            s
        })
    }

    /// A GUID, unquoted: 32 hex digits in groups of 8-4-4-4-12.
    pub fn guid(value: &str) -> Result<String, &'static str> {
        let groups: Vec<&str> = value.split('-').collect();
        let shape = groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12]);
        if !shape
            || !groups
                .iter()
                .all(|g| g.bytes().all(|b| b.is_ascii_hexdigit()))
        {
            return Err("is not a GUID (8-4-4-4-12 hex digits)");
        }
        Ok(value.to_owned())
    }

    /// A date and time (ISO 8601, such as `2024-01-31T09:00:00Z`), unquoted.
    pub fn datetime(value: &str) -> Result<String, &'static str> {
        let ok = value.starts_with(|c: char| c.is_ascii_digit())
            && value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-:.+".contains(&b));
        if !ok {
            return Err("is not an ISO 8601 date and time");
        }
        let mut out = String::new();
        percent_encode(&mut out, value, &VALUE_KEEP);
        Ok(out)
    }
}

/// A flags enum's value: a set of its members, written on the wire as Graph writes it
/// (`apps,tabs,settings`), with the members it does not know kept as they came. Every
/// generated flags type wraps one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct FlagSet {
    /// The known members, one bit each, by their place in the spec.
    pub bits: u64,
    /// Members the spec does not list, in the order read.
    pub other: Vec<String>,
}

impl FlagSet {
    /// The set of one known member.
    pub const fn bit(index: u32) -> Self {
        FlagSet {
            bits: 1 << index,
            other: Vec::new(),
        }
    }

    /// Reads Graph's form: members separated by `,` (spaces around them ignored), matched to
    /// `wire` in any casing; an empty text is the empty set.
    pub fn parse(text: &str, wire: &[&str]) -> Self {
        let mut set = FlagSet::default();
        for member in text.split(',').map(str::trim).filter(|m| !m.is_empty()) {
            set.insert_wire(member, wire);
        }
        set
    }

    /// Adds one member by its wire name.
    pub fn insert_wire(&mut self, member: &str, wire: &[&str]) {
        match wire.iter().position(|w| w.eq_ignore_ascii_case(member)) {
            Some(i) => self.bits |= 1 << i,
            None => {
                if !self.other.iter().any(|o| o.eq_ignore_ascii_case(member)) {
                    self.other.push(member.to_owned());
                }
            }
        }
    }

    /// Every member in the set: the known ones in the spec's order, then the others.
    pub fn members<'s>(&'s self, wire: &'s [&'s str]) -> impl Iterator<Item = &'s str> + 's {
        wire.iter()
            .enumerate()
            .filter(|(i, _)| self.bits & (1 << i) != 0)
            .map(|(_, w)| *w)
            .chain(self.other.iter().map(String::as_str))
    }

    /// Graph's form: the members joined by `,`.
    pub fn to_wire(&self, wire: &[&str]) -> String {
        self.members(wire).collect::<Vec<_>>().join(",")
    }

    /// Both sets' members.
    #[must_use]
    pub fn union(mut self, other: &FlagSet) -> Self {
        self.bits |= other.bits;
        for o in &other.other {
            if !self.other.iter().any(|s| s.eq_ignore_ascii_case(o)) {
                self.other.push(o.clone());
            }
        }
        self
    }

    /// Whether every member of `other` is in this set.
    pub fn contains(&self, other: &FlagSet) -> bool {
        self.bits & other.bits == other.bits
            && other
                .other
                .iter()
                .all(|o| self.other.iter().any(|s| s.eq_ignore_ascii_case(o)))
    }
}

/// The impls of a flags type `$name(FlagSet)` (its members' constants and wire spellings
/// given): the constants, set operations, `Display`, `FromStr`-like parsing and serde both ways.
#[doc(hidden)]
#[macro_export]
macro_rules! __graph_api_flags {
    ($name:ident { $($(#[$doc:meta])* $member:ident = $wire:literal),* $(,)? }) => {
        $crate::__graph_api_flags!(@consts $name, 0u32, [$($(#[$doc])* $member)*]);

        impl $name {
            #[doc(hidden)]
            pub const __WIRE: &'static [&'static str] = &[$($wire),*];

            /// The empty set.
            #[inline]
            pub const fn empty() -> Self {
                $name($crate::__private::FlagSet { bits: 0, other: ::std::vec::Vec::new() })
            }

            /// Reads Graph's form, `a,b,c`: members matched in any casing, unknown ones kept.
            #[inline]
            pub fn parse(text: &str) -> Self {
                $name($crate::__private::FlagSet::parse(text, Self::__WIRE))
            }

            /// Whether every member of `other` is in this set.
            #[inline]
            pub fn contains(&self, other: &Self) -> bool {
                self.0.contains(&other.0)
            }

            /// Whether the set has no member.
            #[inline]
            pub fn is_empty(&self) -> bool {
                self.0.bits == 0 && self.0.other.is_empty()
            }

            /// Every member's wire spelling: the listed ones in the spec's order, then the
            /// ones Graph sent that the spec does not list.
            #[inline]
            pub fn members(&self) -> impl ::std::iter::Iterator<Item = &str> + '_ {
                self.0.members(Self::__WIRE)
            }

            /// The members Graph sent that the spec does not list, as sent.
            #[inline]
            pub fn unknown(&self) -> &[::std::string::String] {
                &self.0.other
            }

            /// Adds a member by its wire spelling (one the spec does not list is kept as is).
            #[inline]
            pub fn insert(&mut self, member: &str) {
                self.0.insert_wire(member, Self::__WIRE);
            }
        }

        impl ::std::ops::BitOr for $name {
            type Output = $name;
            #[inline]
            fn bitor(self, rhs: $name) -> $name {
                $name(self.0.union(&rhs.0))
            }
        }

        impl ::std::ops::BitOrAssign for $name {
            #[inline]
            fn bitor_assign(&mut self, rhs: $name) {
                self.0 = ::std::mem::take(&mut self.0).union(&rhs.0);
            }
        }

        impl ::std::fmt::Display for $name {
            #[inline]
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(&self.0.to_wire(Self::__WIRE))
            }
        }

        impl $crate::__private::serde::Serialize for $name {
            fn serialize<S: $crate::__private::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0.to_wire(Self::__WIRE))
            }
        }

        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<Self, D::Error> {
                $crate::__private::deserialize_str_with(deserializer, $name::parse)
            }
        }
    };
    (@consts $name:ident, $i:expr, []) => {};
    (@consts $name:ident, $i:expr, [$(#[$doc:meta])* $member:ident $($rest:tt)*]) => {
        impl $name {
            $(#[$doc])*
            pub const $member: $name = $name($crate::__private::FlagSet::bit($i));
        }
        $crate::__graph_api_flags!(@consts $name, $i + 1u32, [$($rest)*]);
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::path::percent_decode;

    fn call(args: &[(&'static str, Result<String, &'static str>)]) -> String {
        let mut c = FunctionCall::new("f");
        for (n, v) in args {
            c.set(n, v.clone());
        }
        c.segment().unwrap()
    }

    #[test]
    fn renders_odata_literals() {
        assert_eq!(
            call(&[
                ("userId", literal::string("6285581f")),
                ("n", literal::int(3))
            ]),
            "f(userId='6285581f',n=3)"
        );
        assert_eq!(call(&[]), "f()");
        assert_eq!(literal::string("O'Brien").unwrap(), "'O''Brien'");
        assert_eq!(
            literal::string("john.doe@contoso.com").unwrap(),
            "'john.doe@contoso.com'"
        );
        assert_eq!(
            literal::string("a,b)=c (d)").unwrap(),
            "'a%2Cb%29%3Dc%20%28d%29'"
        );
        assert_eq!(literal::bool(true).unwrap(), "true");
        assert_eq!(literal::double(1.5).unwrap(), "1.5");
        assert_eq!(literal::double(f64::NEG_INFINITY).unwrap(), "-INF");
        assert_eq!(
            literal::guid("57fb72d0-d811-46f4-8947-305e6072eaa5").unwrap(),
            "57fb72d0-d811-46f4-8947-305e6072eaa5"
        );
        assert!(literal::guid("57fb72d0-d811-46f4-8947-305e6072eaa5')").is_err());
        assert_eq!(
            literal::datetime("2024-01-31T09:00:00+01:00").unwrap(),
            "2024-01-31T09:00:00%2B01:00"
        );
        assert!(literal::datetime("2024)").is_err());
    }

    #[test]
    fn a_later_value_replaces_an_earlier_one() {
        let mut c = FunctionCall::new("f");
        c.set("a", literal::int(1));
        c.set("b", literal::int(2));
        c.set("a", literal::int(3));
        assert_eq!(c.segment().unwrap(), "f(a=3,b=2)");
    }

    #[test]
    fn refuses_what_would_change_the_route() {
        for bad in ["a/b", "a\\b", "a\nb"] {
            assert!(literal::string(bad).is_err(), "{bad:?}");
        }
        let mut c = FunctionCall::new("f");
        c.set("q", literal::string("x/y"));
        assert_eq!(c.segment().unwrap_err().0, "q");
    }

    proptest::proptest! {
        /// Any string is refused (only for `/`, `\` or a control character) or rendered as a
        /// literal that decodes to the text with its quotes doubled, and never holds a
        /// character that would end the segment or the call.
        #[test]
        fn strings_round_trip(s in proptest::prelude::any::<String>()) {
            match literal::string(&s) {
                Err(_) => proptest::prop_assert!(s.contains(['/', '\\']) || s.chars().any(char::is_control)),
                Ok(lit) => {
                    proptest::prop_assert!(!lit[1..lit.len() - 1].contains(['(', ')', ',', '=', '/', '?', '#', ' ']));
                    let decoded = String::from_utf8(percent_decode(&lit)).unwrap();
                    proptest::prop_assert_eq!(decoded, format!("'{}'", s.replace('\'', "''")));
                }
            }
        }
    }

    #[test]
    fn flag_sets_read_and_write_graphs_form() {
        let wire = ["apps", "tabs", "settings"];
        let set = FlagSet::parse("Tabs, apps,future", &wire);
        assert_eq!(set.to_wire(&wire), "apps,tabs,future");
        assert!(set.contains(&FlagSet::bit(0)));
        assert!(!set.contains(&FlagSet::bit(2)));
        assert_eq!(FlagSet::parse("", &wire), FlagSet::default());
        let both = FlagSet::bit(2).union(&set);
        assert_eq!(both.to_wire(&wire), "apps,tabs,settings,future");
    }
}
