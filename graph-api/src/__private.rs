//! Items the generated code uses; not part of the public API and may change at any time.

pub use crate::object::{Key, Writer, read_opt, read_other, read_req, required};
pub use crate::odata::{FlagSet, FunctionCall, literal};
pub use crate::path::PathBuilder;
pub use crate::query::Headers;
pub use serde;

use crate::client::CallOptions;
use crate::query::Query;
use crate::{Error, GraphClient, PageStream, Sending};

/// The undeclared fields a model type keeps.
pub type Map = serde_json::Map<String, serde_json::Value>;

use crate::meta::ActionInfo;

/// A point on the way to an action: the client and the path so far. Every generated navigation
/// type wraps one.
#[derive(Debug, Clone)]
pub struct Nav<'a> {
    /// The client the call will go through.
    pub client: &'a GraphClient,
    /// The path so far.
    pub path: PathBuilder,
}

impl<'a> Nav<'a> {
    /// The service root.
    pub fn root(client: &'a GraphClient) -> Self {
        Nav {
            client,
            path: PathBuilder::root(),
        }
    }

    /// One literal segment further.
    #[must_use]
    pub fn segment(mut self, literal: &'static str) -> Self {
        self.path = self.path.segment(literal);
        self
    }

    /// One caller id further (checked and encoded; see [`PathBuilder::param`]).
    #[must_use]
    pub fn param(mut self, name: &'static str, value: &str, allow_slash: bool) -> Self {
        self.path = self.path.param(name, value, allow_slash);
        self
    }

    /// The request of the action at this point, with its body (`()` for none).
    pub fn request<B: Body>(self, body: B) -> Request<'a, B> {
        Request {
            parts: Parts {
                client: self.client,
                path: self.path,
                query: Query::new(),
                options: CallOptions::default(),
                binds: Vec::new(),
                function: None,
            },
            body,
        }
    }
}

/// A request body: the JSON an action sends (`()`: no body), and whether it consents to
/// resource-specific permissions.
pub trait Body: serde::Serialize {
    /// Whether this body consents to resource-specific permissions (the preflight and the 403
    /// hint then leave out the permissions the action's notes name).
    fn consents_to_rsc(&self) -> bool {
        false
    }

    /// Writes the URL an `@odata.bind` field (named by its wire name) carries.
    fn bind(&mut self, field: &str, url: String) {
        let _ = (field, url);
    }

    /// The bytes sent, serialized once so every attempt sends the same ones; `None`: no body.
    fn encode(&self) -> Option<Result<Vec<u8>, Error>> {
        Some(json_body(self))
    }
}

impl Body for () {
    fn encode(&self) -> Option<Result<Vec<u8>, Error>> {
        None
    }
}

/// What every request builder holds: where the call goes, its body, query options, call
/// options and `@odata.bind` fields. The generated builders wrap one and add the action's own
/// setters.
#[derive(Debug, Clone)]
pub struct Request<'a, B> {
    /// Everything but the body. Kept apart so that the work of preparing a call is compiled
    /// once, not once per body type (BENCHMARKS.md section 5).
    parts: Parts<'a>,
    /// The request body.
    pub body: B,
}

/// The part of a request that does not depend on its body type.
#[derive(Debug, Clone)]
struct Parts<'a> {
    client: &'a GraphClient,
    path: PathBuilder,
    query: Query,
    options: CallOptions,
    /// `@odata.bind` fields (by wire name) and the paths whose URLs they get at send time.
    binds: Vec<(&'static str, PathBuilder)>,
    /// For an OData function with parameters: its call, the path's last segment.
    function: Option<FunctionCall>,
}

impl<'a, B: Body> Request<'a, B> {
    /// Fills the `@odata.bind` field `field` (its wire name) at send time with the URL of `path`
    /// under the client's own service root.
    #[must_use]
    pub fn bind(mut self, field: &'static str, path: PathBuilder) -> Self {
        self.parts.binds.push((field, path));
        self
    }

    /// Makes the request a call of the OData function `name`: its segment, `name(...)`, ends
    /// the path, with the parameters set by [`arg`](Self::arg).
    #[must_use]
    pub fn function(mut self, name: &'static str) -> Self {
        self.parts.function = Some(FunctionCall::new(name));
        self
    }

    /// Sets a function parameter to a literal made by [`literal`]; a refused value fails the
    /// request before anything is sent.
    #[must_use]
    pub fn arg(mut self, name: &'static str, value: Result<String, &'static str>) -> Self {
        if let Some(call) = &mut self.parts.function {
            call.set(name, value);
        }
        self
    }

    /// Sets a query option (see [`Query::set_with`]).
    #[must_use]
    pub fn query(mut self, name: &'static str, value: String, headers: Headers) -> Self {
        self.parts.query = self.parts.query.set_with(name, value, headers);
        self
    }

    /// Overrides the client's retry policy and timeouts for this call.
    #[must_use]
    pub fn options(mut self, options: CallOptions) -> Self {
        self.parts.options = options;
        self
    }

    /// The call, ready to go (the call path's prepare stage): bound URLs written into the
    /// body, the body serialized once, the URL and headers made; with the client it goes
    /// through. The work is [`Parts::finish`], one function for every action: the body is
    /// handed to it as a trait object.
    fn into_call(self, info: &'static ActionInfo) -> Call<'a> {
        let Request { parts, mut body } = self;
        parts.finish(info, &mut body)
    }

    /// The request as a value, checked and encoded exactly as `send` would send it.
    pub fn build(self, info: &'static ActionInfo) -> Result<crate::GraphRequest, Error> {
        self.into_call(info).map(|(_, request)| request)
    }

    /// Sends the request; success carries no value.
    pub fn send_unit(self, info: &'static ActionInfo) -> Sending<'a, ()> {
        Sending::new(self.into_call(info), |_| Ok(()))
    }

    /// Sends the request and reads the `Location` header the answer names its result with.
    pub fn send_accepted(self, info: &'static ActionInfo) -> Sending<'a, crate::Accepted> {
        Sending::new(self.into_call(info), crate::call::Response::into_accepted)
    }

    /// Sends the request and reads the answer as `T`.
    pub fn send_json<T: serde::de::DeserializeOwned>(
        self,
        info: &'static ActionInfo,
    ) -> Sending<'a, T> {
        Sending::new(self.into_call(info), crate::call::Response::into_json::<T>)
    }

    /// Sends the request and reads a primitive or enum answer, which OData wraps as
    /// `{"value": ...}`.
    pub fn send_value<T: serde::de::DeserializeOwned>(
        self,
        info: &'static ActionInfo,
    ) -> Sending<'a, T> {
        Sending::new(self.into_call(info), |answer| {
            answer.into_json::<Value<T>>().map(|v| v.0)
        })
    }

    /// Every item of a list action's collection, fetched page by page as the stream is read.
    pub fn stream<T: serde::de::DeserializeOwned + Send + 'static>(
        self,
        info: &'static ActionInfo,
    ) -> PageStream<T> {
        let client = self.parts.client.clone();
        PageStream::new(client, self.into_call(info).map(|(_, request)| request))
    }
}

impl<'a> Parts<'a> {
    /// Everything `send` does before I/O: the `@odata.bind` URLs written into the body, the
    /// body serialized, the function call ending the path, then the URL, headers and method.
    /// Not generic, so it is compiled once in graph-api rather than once per body type.
    fn finish(mut self, info: &'static ActionInfo, body: &mut dyn BodyObject) -> Call<'a> {
        for (field, path) in std::mem::take(&mut self.binds) {
            body.bind_url(field, bind_url(self.client, path)?);
        }
        let bytes = body.bytes().transpose()?;
        if let Some(call) = self.function.take() {
            self.path = self.path.function(&call);
        }
        let request = self.client.prepare(
            info,
            self.path,
            &self.query,
            bytes,
            body.rsc_consent(),
            self.options,
        )?;
        Ok((self.client, request))
    }
}

/// What [`Parts::finish`] needs of a body, in a form that can be a trait object ([`Body`]
/// cannot: `Serialize` has a generic method).
trait BodyObject {
    fn bind_url(&mut self, field: &str, url: String);
    fn bytes(&self) -> Option<Result<Vec<u8>, Error>>;
    fn rsc_consent(&self) -> bool;
}

impl<B: Body> BodyObject for B {
    fn bind_url(&mut self, field: &str, url: String) {
        self.bind(field, url);
    }
    fn bytes(&self) -> Option<Result<Vec<u8>, Error>> {
        self.encode()
    }
    fn rsc_consent(&self) -> bool {
        self.consents_to_rsc()
    }
}

/// A batch item's success answer, read as its request's `.send()` reads a direct answer.
#[derive(Debug)]
pub struct Answer {
    pub(crate) status: u16,
    pub(crate) body: Vec<u8>,
    /// The item's `Location` and `Content-Location` headers, when it had them.
    pub(crate) location: Option<String>,
    pub(crate) content_location: Option<String>,
}

impl Answer {
    /// For actions whose answer is a `Location` header.
    pub fn accepted(self) -> Result<crate::Accepted, Error> {
        crate::Accepted::from_headers(
            self.status,
            self.location.as_deref(),
            self.content_location.as_deref(),
        )
    }

    /// For actions that answer no content.
    pub fn unit(self) -> Result<(), Error> {
        Ok(())
    }

    /// For actions that answer a primitive or an enum, wrapped as `{"value": ...}`.
    pub fn value<T: serde::de::DeserializeOwned>(self) -> Result<T, Error> {
        self.json::<Value<T>>().map(|v| v.0)
    }

    /// For actions that answer a JSON body.
    pub fn json<T: serde::de::DeserializeOwned>(self) -> Result<T, Error> {
        crate::call::decode_json(self.status, &self.body)
    }
}

/// A primitive or enum answer: OData sends it as `{"@odata.context": ..., "value": ...}`; a
/// bare JSON value is read as well.
#[derive(Debug)]
pub struct Value<T>(pub T);

impl<'de, T: serde::de::DeserializeOwned> serde::Deserialize<'de> for Value<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        let mut v = serde_json::Value::deserialize(deserializer)?;
        if let Some(inner) = v.as_object_mut().and_then(|o| o.remove("value")) {
            v = inner;
        }
        serde_json::from_value(v)
            .map(Value)
            .map_err(D::Error::custom)
    }
}

/// One call with everything generic resolved, so the async part is shared by every action
/// (see [`Sending`]).
pub(crate) type Call<'a> = Result<(&'a GraphClient, crate::call::GraphRequest), Error>;

/// The URL an `@odata.bind` field carries: the client's versioned service root (its own cloud
/// and API version) followed by the path, whose ids were checked and encoded like any other.
pub fn bind_url(client: &GraphClient, path: PathBuilder) -> Result<String, Error> {
    Ok(format!("{}{}", client.service_root(), path.finish()?))
}

/// The checked URL of a call (for benchmarks of the work before I/O).
pub fn prepare(
    client: &GraphClient,
    info: &'static ActionInfo,
    path: PathBuilder,
) -> Result<reqwest::Url, Error> {
    client.url(info, path, &Query::new())
}

/// Serializes a request body once, so every attempt sends the same bytes.
pub fn json_body<T: serde::Serialize + ?Sized>(body: &T) -> Result<Vec<u8>, Error> {
    match to_bytes(body) {
        Ok(bytes) => Ok(bytes),
        Err(e) => Err(body_error(e)),
    }
}

/// A value's JSON bytes: `serde_json::to_vec` without its two layers of wrappers, which would
/// be compiled once per type.
fn to_bytes<T: serde::Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, serde_json::Error> {
    let mut bytes = Vec::with_capacity(128);
    value.serialize(&mut serde_json::Serializer::new(&mut bytes))?;
    Ok(bytes)
}

/// The error of a body that cannot be serialized (apart from [`json_body`], so that the
/// formatting is compiled once rather than once per body type).
#[cold]
fn body_error(e: serde_json::Error) -> Error {
    Error::Config(format!("cannot serialize the request body: {e}"))
}

/// Deserializes a string, borrowed or owned, through `from`.
pub fn deserialize_str_with<'de, D, T>(deserializer: D, from: fn(&str) -> T) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
{
    struct V<T>(fn(&str) -> T);
    impl<T> serde::de::Visitor<'_> for V<T> {
        type Value = T;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a string")
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<T, E> {
            Ok((self.0)(v))
        }
    }
    deserializer.deserialize_str(V(from))
}

/// Adds a derived type's field to a base value's undeclared fields (absent values are left out).
///
/// This and [`convert`] go through JSON bytes, not `serde_json::Value`: the bytes are written
/// and read by the same serializer and deserializer that requests and answers use, so each
/// model type's serde code is compiled once rather than once more for `Value`
/// (BENCHMARKS.md section 5).
pub fn keep<T: serde::Serialize>(
    map: &mut serde_json::Map<String, serde_json::Value>,
    key: &str,
    value: &T,
) {
    keep_bytes(map, key, to_bytes(value).ok());
}

/// The part of [`keep`] that does not depend on the field's type.
fn keep_bytes(
    map: &mut serde_json::Map<String, serde_json::Value>,
    key: &str,
    bytes: Option<Vec<u8>>,
) {
    if let Some(v) = bytes.and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        && !v.is_null()
    {
        map.insert(key.to_owned(), v);
    }
}

/// Whether an `@odata.type` value names a type: `#microsoft.graph.x` and `microsoft.graph.x`
/// name the same one, in any casing.
pub fn names_type(sent: Option<&str>, odata_type: &str) -> bool {
    sent.is_some_and(|s| {
        s.trim_start_matches('#')
            .eq_ignore_ascii_case(odata_type.trim_start_matches('#'))
    })
}

/// Reads one model type as another through its JSON form; `None` when it does not fit.
pub fn convert<F: serde::Serialize, T: serde::de::DeserializeOwned>(value: &F) -> Option<T> {
    let bytes = to_bytes(value).ok()?;
    serde_json::from_slice(&bytes).ok()
}

pub use crate::__graph_api_flags as flags;
pub use crate::__graph_api_object as object;
pub use crate::__graph_api_string_enum as string_enum;
pub use crate::{__graph_api_nav as nav, __graph_api_request as request};

/// The fixed methods of a request builder `$name<'a>(Request<'a, Body>)`: its metadata, the
/// hidden constructor, `call_options`, `replace_body` when it has a body, `build`, and the
/// sending methods its response calls for (`-> ()`, `-> location` for an answer that is a
/// `Location` header, `-> T`, `-> value(T)` for a primitive or enum that OData wraps in
/// `value`, or `-> [T]` for a paged collection). The generated code names the
/// methods (`[send stream all replace_body call_options build]`), from the list graph-codegen's
/// checker keeps body setters off, so the two cannot drift apart.
///
/// Every method is `#[inline]`, as every non-generic function graph-codegen writes is: a crate
/// compiles the machine code of the requests it sends, not of every action its spec declares.
#[doc(hidden)]
#[macro_export]
macro_rules! __graph_api_request {
    ($m:tt $name:ident($info:path) -> $($out:tt)+) => {
        $crate::__graph_api_request!(@base $m $name, $info, ());
        $crate::__graph_api_request!(@send $m $name, $($out)+);
    };
    ([$send:ident $stream:ident $all:ident $replace_body:ident $call_options:ident $build:ident]
        $name:ident($info:path, $body:ty) -> $($out:tt)+) => {
        $crate::__graph_api_request!(@base
            [$send $stream $all $replace_body $call_options $build] $name, $info, $body);
        impl $name<'_> {
            /// Replaces the whole request body. An `@odata.bind` field the method filled from an
            /// id is filled again when the request is sent.
            #[inline]
            pub fn $replace_body(mut self, body: $body) -> Self {
                self.0.body = body;
                self
            }
        }
        $crate::__graph_api_request!(@send
            [$send $stream $all $replace_body $call_options $build] $name, $($out)+);
    };
    (@base [$send:ident $stream:ident $all:ident $replace_body:ident $call_options:ident $build:ident]
        $name:ident, $info:path, $body:ty) => {
        impl<'a> $name<'a> {
            /// This action's metadata.
            pub const INFO: &'static $crate::meta::ActionInfo = &$info;

            #[doc(hidden)]
            #[inline]
            pub fn __new(request: $crate::__private::Request<'a, $body>) -> Self {
                $name(request)
            }

            /// Overrides the client's retry policy, timeouts or both for this call.
            #[inline]
            pub fn $call_options(self, options: $crate::CallOptions) -> Self {
                $name(self.0.options(options))
            }

            /// The request as a value, without sending it or touching credentials: the
            /// method, URL, headers and body bytes `.send()` would put on the wire. A bad id,
            /// or an action the client's API version or cloud lacks, fails here as it fails
            /// `.send()`.
            #[inline]
            pub fn $build(self) -> ::std::result::Result<$crate::GraphRequest, $crate::Error> {
                self.0.build(Self::INFO)
            }
        }
    };
    (@batch $m:tt $name:ident, $out:ty, $decode:ident) => {
        $crate::__graph_api_request!(@batch_impl $m $name, $out, $decode);
    };
    (@batch_impl [$send:ident $stream:ident $all:ident $replace_body:ident $call_options:ident $build:ident]
        $name:ident, $out:ty, $decode:ident) => {
        impl $crate::BatchRequest for $name<'_> {
            type Output = $out;
            #[inline]
            fn __into_batch(self) -> ::std::result::Result<$crate::GraphRequest, $crate::Error> {
                self.$build()
            }
            #[inline]
            fn __decode(
                answer: $crate::__private::Answer,
            ) -> ::std::result::Result<$out, $crate::Error> {
                answer.$decode()
            }
        }
    };
    (@send [$send:ident $stream:ident $all:ident $replace_body:ident $call_options:ident $build:ident]
        $name:ident, ()) => {
        $crate::__graph_api_request!(@batch
            [$send $stream $all $replace_body $call_options $build] $name, (), unit);
        impl<'a> $name<'a> {
            /// Sends the request.
            #[inline]
            pub fn $send(self) -> $crate::Sending<'a, ()> {
                self.0.send_unit(Self::INFO)
            }
        }
    };
    (@send [$send:ident $stream:ident $all:ident $replace_body:ident $call_options:ident $build:ident]
        $name:ident, [$item:ty]) => {
        $crate::__graph_api_request!(@batch
            [$send $stream $all $replace_body $call_options $build] $name, $crate::Page<$item>, json);
        impl<'a> $name<'a> {
            /// Sends the request and reads the first page.
            #[inline]
            pub fn $send(self) -> $crate::Sending<'a, $crate::Page<$item>> {
                self.0.send_json(Self::INFO)
            }

            /// Every item of the collection, fetched page by page as the stream is read. Each
            /// page is one call with the retry policy; a next-page link is followed only on the
            /// service root's scheme, host and port.
            #[inline]
            pub fn $stream(self) -> $crate::PageStream<$item> {
                self.0.stream(Self::INFO)
            }

            /// Every item of the collection, across all pages, up to the call's
            /// `max_collected_items` (100,000 unless the client or call sets it); use
            /// `.stream()` for larger collections.
            #[inline]
            pub fn $all(self) -> $crate::Collecting<$item> {
                self.$stream().collect_all()
            }
        }
    };
    (@send [$send:ident $stream:ident $all:ident $replace_body:ident $call_options:ident $build:ident]
        $name:ident, location) => {
        $crate::__graph_api_request!(@batch
            [$send $stream $all $replace_body $call_options $build] $name, $crate::Accepted, accepted);
        impl<'a> $name<'a> {
            /// Sends the request and reads the `Location` header the answer names its result
            /// with (for work Graph finishes later, the operation to follow).
            #[inline]
            pub fn $send(self) -> $crate::Sending<'a, $crate::Accepted> {
                self.0.send_accepted(Self::INFO)
            }
        }
    };
    (@send [$send:ident $stream:ident $all:ident $replace_body:ident $call_options:ident $build:ident]
        $name:ident, value($out:ty)) => {
        $crate::__graph_api_request!(@batch
            [$send $stream $all $replace_body $call_options $build] $name, $out, value);
        impl<'a> $name<'a> {
            /// Sends the request and reads the value (OData's `{"value": ...}`).
            #[inline]
            pub fn $send(self) -> $crate::Sending<'a, $out> {
                self.0.send_value(Self::INFO)
            }
        }
    };
    (@send [$send:ident $stream:ident $all:ident $replace_body:ident $call_options:ident $build:ident]
        $name:ident, $out:ty) => {
        $crate::__graph_api_request!(@batch
            [$send $stream $all $replace_body $call_options $build] $name, $out, json);
        impl<'a> $name<'a> {
            /// Sends the request.
            #[inline]
            pub fn $send(self) -> $crate::Sending<'a, $out> {
                self.0.send_json(Self::INFO)
            }
        }
    };
}

/// The hidden methods of a navigation type `$name<'a>(Nav<'a>)`, which downstream specs and
/// hand-written methods build on.
#[doc(hidden)]
#[macro_export]
macro_rules! __graph_api_nav {
    ($name:ident) => {
        impl<'a> $name<'a> {
            #[doc(hidden)]
            #[inline]
            pub fn __new(nav: $crate::__private::Nav<'a>) -> Self {
                $name(nav)
            }

            #[doc(hidden)]
            #[inline]
            pub fn __nav(&self) -> $crate::__private::Nav<'a> {
                self.0.clone()
            }

            #[doc(hidden)]
            #[inline]
            pub fn __client(&self) -> &'a $crate::GraphClient {
                self.0.client
            }
        }
    };
}

/// The impls of an open string enum (its members' wire spellings given): `as_str`, `From<&str>`
/// (any casing; anything else is kept as `Other`), `Display`, and serde both ways.
#[doc(hidden)]
#[macro_export]
macro_rules! __graph_api_string_enum {
    ($name:ident { $($member:ident = $wire:literal),* $(,)? }) => {
        impl $name {
            /// The value as written on the wire.
            #[inline]
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$member => $wire,)*
                    $name::Other(value) => value,
                }
            }
        }

        impl ::std::convert::From<&str> for $name {
            #[inline]
            fn from(value: &str) -> Self {
                $(if value.eq_ignore_ascii_case($wire) {
                    return $name::$member;
                })*
                $name::Other(value.to_owned())
            }
        }

        impl ::std::fmt::Display for $name {
            #[inline]
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl $crate::__private::serde::Serialize for $name {
            fn serialize<S: $crate::__private::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<Self, D::Error> {
                $crate::__private::deserialize_str_with(deserializer, |value: &str| {
                    $name::from(value)
                })
            }
        }
    };
}
