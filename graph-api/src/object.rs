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

use crate::__private::Map;
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, Serializer};
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

/// Writes one object's entries in order and keeps the first error, so that a generated
/// `Serialize` impl is one call per field with no branching of its own (which is what makes it
/// cheap for rustc to check, hundreds of types at a time).
pub struct Writer<M: SerializeMap> {
    map: M,
    error: Option<M::Error>,
}

impl<M: SerializeMap> Writer<M> {
    /// Starts the object.
    #[inline]
    pub fn start<S: Serializer<SerializeMap = M>>(serializer: S) -> Result<Self, S::Error> {
        Ok(Writer {
            map: serializer.serialize_map(None)?,
            error: None,
        })
    }

    /// Writes `key` with the value inside `value`; nothing when it is `None`.
    #[inline]
    pub fn opt<T: Serialize>(&mut self, key: &str, value: &Option<T>) {
        if let Some(value) = value {
            self.req(key, value);
        }
    }

    /// Writes `key` with `value`.
    #[inline]
    pub fn req<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) {
        if self.error.is_none() {
            self.error = self.map.serialize_entry(key, value).err();
        }
    }

    /// Ends the object.
    #[inline]
    pub fn end(self) -> Result<M::Ok, M::Error> {
        match self.error {
            Some(error) => Err(error),
            None => self.map.end(),
        }
    }

    /// Ends a model's object: its `@odata.type` when known, then every undeclared field.
    #[inline]
    pub fn end_model(
        mut self,
        odata_type: &Option<String>,
        additional: &Map,
    ) -> Result<M::Ok, M::Error> {
        self.opt("@odata.type", odata_type);
        for (key, value) in additional {
            self.req(key, value);
        }
        self.end()
    }
}

/// Reads the value of the key just read into `slot`; JSON's `null` leaves it `None`.
#[inline]
pub fn read_opt<'de, A: MapAccess<'de>, T: Deserialize<'de>>(
    map: &mut A,
    slot: &mut Option<T>,
) -> Result<(), A::Error> {
    *slot = map.next_value()?;
    Ok(())
}

/// Reads the value of the key just read, which must not be `null`, into `slot`.
#[inline]
pub fn read_req<'de, A: MapAccess<'de>, T: Deserialize<'de>>(
    map: &mut A,
    slot: &mut Option<T>,
) -> Result<(), A::Error> {
    *slot = Some(map.next_value()?);
    Ok(())
}

/// Reads the value of an undeclared key into `additional`.
#[inline]
pub fn read_other<'de, A: MapAccess<'de>>(
    map: &mut A,
    key: Key<'de>,
    additional: &mut Map,
) -> Result<(), A::Error> {
    let value = map.next_value()?;
    additional.insert(key.into_string(), value);
    Ok(())
}

/// A required field's value, or serde's "missing field" error naming its wire name.
#[inline]
pub fn required<T, E: serde::de::Error>(value: Option<T>, wire: &'static str) -> Result<T, E> {
    value.ok_or_else(|| E::missing_field(wire))
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
        $crate::__graph_api_object!(@serialize $name, writer, self,
            { $($kind $field = $wire),* } { writer.end() });
    };
    (model $name:ident { $($kind:ident $field:ident = $wire:literal),* $(,)? }) => {
        $crate::__graph_api_object!(@serialize $name, writer, self,
            { $($kind $field = $wire),* } { writer.end_model(&self.odata_type, &self.additional) });

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
                                $( $wire => $crate::__graph_api_object!(@get $kind, map, $field), )*
                                "@odata.type" => $crate::__private::read_opt(&mut map, &mut odata_type),
                                _ => $crate::__private::read_other(&mut map, key, &mut additional),
                            }?;
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
    // The writing half, shared by both forms; `writer` and `self` come from the caller so that
    // the ending a model adds can use them.
    (@serialize $name:ident, $writer:ident, $self:ident,
        { $($kind:ident $field:ident = $wire:literal),* } { $($end:tt)* }) => {
        impl $crate::__private::serde::Serialize for $name {
            fn serialize<S: $crate::__private::serde::Serializer>(
                &$self,
                serializer: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                let mut $writer = $crate::__private::Writer::start(serializer)?;
                $( $writer.$kind($wire, &$self.$field); )*
                $($end)*
            }
        }
    };
    (@get opt, $map:ident, $field:ident) => {
        $crate::__private::read_opt(&mut $map, &mut $field)
    };
    (@get req, $map:ident, $field:ident) => {
        $crate::__private::read_req(&mut $map, &mut $field)
    };
    (@end opt, $field:ident, $wire:literal) => {
        $field
    };
    (@end req, $field:ident, $wire:literal) => {
        $crate::__private::required($field, $wire)?
    };
}
