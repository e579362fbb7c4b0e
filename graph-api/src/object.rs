//! The JSON form of generated model types and request bodies: one small serde impl per type.
//!
//! The generator used to derive `Serialize` and `Deserialize`. serde's derive writes a field
//! enum, its visitor, a sequence visitor JSON never uses and, for the `#[serde(flatten)]` map of
//! undeclared fields, a buffer of every unknown value that is then read a second time. For the
//! Teams area (565 types) that was a fifth of a debug build (BENCHMARKS.md section 5, run 7).
//! [`object!`](crate::__private::object) writes the same JSON with a fraction of the code: an
//! object whose keys are the declared fields in order (an unset optional one left out), then
//! `@odata.type`, then the undeclared fields; reading matches keys exactly, keeps unknown keys
//! (any value, `null` included) in `additional`, and fails on a missing required field.

use serde::de::{Deserialize, Deserializer, Visitor};
use std::borrow::Cow;

/// An object key as read: borrowed from the input when it has no escapes, so matching a
/// declared field allocates nothing.
#[derive(Debug)]
pub struct Key<'de>(Cow<'de, str>);

impl<'de> Key<'de> {
    /// The key's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key, owned (for the map of undeclared fields).
    pub fn into_string(self) -> String {
        self.0.into_owned()
    }
}

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a field name")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// The serde impls of a generated struct, its fields listed in declaration order as
/// `opt field = "wire"` (an `Option`, left out when `None`, `None` when absent or `null`) or
/// `req field = "wire"` (always written; absent fails reading with serde's "missing field").
///
/// `body Name { .. }` writes only (request bodies). `model Name { .. }` writes and reads, with
/// the model fields every generated model type has after its declared ones: `odata_type`
/// (`@odata.type`) and `additional` (every other key). A key that appears twice counts once,
/// the last time, as `serde_json::Value` reads it.
#[doc(hidden)]
#[macro_export]
macro_rules! __graph_api_object {
    (body $name:ident { $($kind:ident $field:ident = $wire:literal),* $(,)? }) => {
        $crate::__graph_api_object!(@serialize $name, map, self, { $($kind $field = $wire),* } {});
    };
    (model $name:ident { $($kind:ident $field:ident = $wire:literal),* $(,)? }) => {
        $crate::__graph_api_object!(@serialize $name, map, self, { $($kind $field = $wire),* } {
            $crate::__graph_api_object!(@put map, opt, "@odata.type", self.odata_type);
            for (key, value) in &self.additional {
                map.serialize_entry(key, value)?;
            }
        });

        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<Self, D::Error> {
                struct ObjectVisitor;
                impl<'de> $crate::__private::serde::de::Visitor<'de> for ObjectVisitor {
                    type Value = $name;
                    fn expecting(
                        &self,
                        f: &mut ::std::fmt::Formatter<'_>,
                    ) -> ::std::fmt::Result {
                        f.write_str(::std::concat!("a JSON object (", ::std::stringify!($name), ")"))
                    }
                    fn visit_map<A: $crate::__private::serde::de::MapAccess<'de>>(
                        self,
                        mut map: A,
                    ) -> ::std::result::Result<$name, A::Error> {
                        $( let mut $field = ::std::option::Option::None; )*
                        let mut odata_type = ::std::option::Option::None;
                        let mut additional = $crate::__private::Map::new();
                        while let ::std::option::Option::Some(key) =
                            map.next_key::<$crate::__private::Key<'de>>()?
                        {
                            match key.as_str() {
                                $( $wire => $crate::__graph_api_object!(@get map, $kind, $field), )*
                                "@odata.type" => odata_type = map.next_value()?,
                                _ => {
                                    let value = map.next_value()?;
                                    additional.insert(key.into_string(), value);
                                }
                            }
                        }
                        ::std::result::Result::Ok($name {
                            $( $field: $crate::__graph_api_object!(@end $kind, $field, $wire), )*
                            odata_type,
                            additional,
                        })
                    }
                }
                deserializer.deserialize_map(ObjectVisitor)
            }
        }
    };
    // The writing half, shared by both forms; `map` and `self` come from the caller so that the
    // extra statements a model adds can use them.
    (@serialize $name:ident, $map:ident, $self:ident,
        { $($kind:ident $field:ident = $wire:literal),* } { $($extra:tt)* }) => {
        impl $crate::__private::serde::Serialize for $name {
            fn serialize<S: $crate::__private::serde::Serializer>(
                &$self,
                serializer: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                use $crate::__private::serde::ser::SerializeMap as _;
                let mut $map = serializer.serialize_map(::std::option::Option::None)?;
                $( $crate::__graph_api_object!(@put $map, $kind, $wire, $self.$field); )*
                $($extra)*
                $map.end()
            }
        }
    };
    (@put $map:ident, opt, $wire:literal, $value:expr) => {
        if let ::std::option::Option::Some(value) = &$value {
            $map.serialize_entry($wire, value)?;
        }
    };
    (@put $map:ident, req, $wire:literal, $value:expr) => {
        $map.serialize_entry($wire, &$value)?;
    };
    (@get $map:ident, opt, $field:ident) => {
        $field = $map.next_value()?
    };
    (@get $map:ident, req, $field:ident) => {
        $field = ::std::option::Option::Some($map.next_value()?)
    };
    (@end opt, $field:ident, $wire:literal) => {
        $field
    };
    (@end req, $field:ident, $wire:literal) => {
        match $field {
            ::std::option::Option::Some(value) => value,
            ::std::option::Option::None => {
                return ::std::result::Result::Err(
                    $crate::__private::serde::de::Error::missing_field($wire),
                )
            }
        }
    };
}
