//! What generated code uses, and nothing else should.
//!
//! Generated code refers to the runtime only through
//! `::varlink_runtime::__private::…`, so that the public API can change
//! shape without breaking generated files, and so that users need no direct
//! dependency on serde or serde_json (derives take
//! `#[serde(crate = "::varlink_runtime::__private::serde")]`).

/// Includes the code a build script generated with
/// `varlink_codegen::Builder` for one interface, by interface name:
///
/// ```ignore
/// mod ping {
///     varlink_runtime::include_interface!("org.example.ping");
/// }
/// ```
///
/// expands to `include!(concat!(env!("OUT_DIR"), "/org.example.ping.rs"))`.
#[macro_export]
macro_rules! include_interface {
    ($interface:literal) => {
        ::std::include!(::std::concat!(
            ::std::env!("OUT_DIR"),
            "/",
            $interface,
            ".rs"
        ));
    };
}

#[doc(hidden)]
pub mod __private {
    pub use serde;
    pub use serde_json;
    pub use serde_json::value::RawValue;

    pub use crate::client::blocking;
    pub use crate::client::blocking::{
        Connection as BlockingConnection, ReplyIter as BlockingReplies,
        Upgraded as BlockingUpgraded,
    };
    pub use crate::client::{Connection, Received, ReplyStream, ToAddress};
    pub use crate::error::{Error, Error as RuntimeError, RemoteError, ServiceError};
    pub use crate::server::{
        CallContext, DispatchFuture, Interface, MethodCall, MethodError, MethodReply, MethodResult,
        PeerCredentials, Service,
    };
    pub use crate::stream::Upgraded;
    pub use crate::wire::{CallFlags, deserialize_parameters, parse_parameters};

    /// Serializes a handler's reply straight into the connection's reply
    /// buffer, for the generated server adapter to return. The reply is
    /// sent if this result is what the call's `dispatch` returns.
    pub fn reply<T: serde::Serialize + ?Sized>(
        context: &mut crate::server::CallContext,
        parameters: &T,
    ) -> crate::server::MethodResult {
        context.reply(parameters)
    }

    /// The calls of generated async clients. A generated client method is
    /// a plain function returning one of these futures: an `async fn` per
    /// method and call form cost the user's build a state machine to type-
    /// and borrow-check each (four per varlink method); these are checked
    /// once, here. The call struct is moved in, so the future owns what it
    /// sends, and nothing is sent until it is polled.
    pub mod client_call {
        use serde::Serialize;
        use serde::de::DeserializeOwned;

        use crate::client::{Connection, ReplyStream};
        use crate::error::Error;
        use crate::stream::Upgraded;

        /// A plain call: its reply.
        pub async fn call<P: Serialize, R: DeserializeOwned, E: From<Error>>(
            connection: &mut Connection,
            method: &'static str,
            parameters: P,
        ) -> Result<R, E> {
            Ok(connection.call(method, &parameters).await?)
        }

        /// A call with `more`: the stream of its replies.
        pub async fn more<'c, P: Serialize, R: DeserializeOwned, E: From<Error>>(
            connection: &'c mut Connection,
            method: &'static str,
            parameters: P,
        ) -> Result<ReplyStream<'c, R, E>, E> {
            Ok(connection.call_more(method, &parameters).await?.err_into())
        }

        /// A call with `oneway`: done when it is written.
        pub async fn oneway<P: Serialize, E: From<Error>>(
            connection: &mut Connection,
            method: &'static str,
            parameters: P,
        ) -> Result<(), E> {
            Ok(connection.call_oneway(method, &parameters).await?)
        }

        /// A call with `upgrade`: the reply and the raw stream.
        pub async fn upgrade<P: Serialize, R: DeserializeOwned, E: From<Error>>(
            connection: &mut Connection,
            method: &'static str,
            parameters: P,
        ) -> Result<(R, Upgraded), E> {
            Ok(connection.call_upgrade(method, &parameters).await?)
        }
    }

    pub use std::boxed::Box;
    pub use std::future::Future;
    pub use std::pin::Pin;

    /// `[string]()`: a set of strings is a JSON object whose values are
    /// all `{}`. For `#[serde(with = "...")]` on fields of any set type
    /// that iterates by reference and collects from `String`s.
    pub mod string_set {
        use std::fmt;
        use std::marker::PhantomData;

        use serde::de::{MapAccess, Visitor};
        use serde::ser::SerializeMap;
        use serde::{Deserialize, Deserializer, Serialize, Serializer};

        /// The value of every set element: an empty structure.
        #[derive(Serialize, Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Empty {}

        /// Writes the set as `{"a": {}, "b": {}}`.
        pub fn serialize<T, S>(set: &T, serializer: S) -> Result<S::Ok, S::Error>
        where
            for<'x> &'x T: IntoIterator<Item = &'x String>,
            S: Serializer,
        {
            let mut map = serializer.serialize_map(None)?;
            for element in set {
                map.serialize_entry(element, &Empty {})?;
            }
            map.end()
        }

        /// [`serialize`] for a field that holds a reference to the set.
        pub fn serialize_ref<T, S>(set: &&T, serializer: S) -> Result<S::Ok, S::Error>
        where
            for<'x> &'x T: IntoIterator<Item = &'x String>,
            S: Serializer,
        {
            serialize(*set, serializer)
        }

        /// Reads `{"a": {}, ...}`; any value other than `{}` is an error.
        pub fn deserialize<'de, T, D>(deserializer: D) -> Result<T, D::Error>
        where
            T: FromIterator<String>,
            D: Deserializer<'de>,
        {
            struct SetVisitor<T>(PhantomData<T>);
            impl<'de, T: FromIterator<String>> Visitor<'de> for SetVisitor<T> {
                type Value = T;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("a set of strings: an object whose values are {}")
                }
                fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
                    let mut error = None;
                    let set = std::iter::from_fn(|| match map.next_entry::<String, Empty>() {
                        Ok(entry) => entry.map(|(key, Empty {})| key),
                        Err(e) => {
                            error = Some(e);
                            None
                        }
                    })
                    .collect();
                    match error {
                        Some(e) => Err(e),
                        None => Ok(set),
                    }
                }
            }
            deserializer.deserialize_map(SetVisitor(PhantomData))
        }
    }

    /// `?[string]()`: an optional set; absent and `null` are `None`.
    pub mod option_string_set {
        use serde::{Deserialize, Deserializer, Serializer};

        /// Writes `Some(set)` as the set (fields that are `None` are skipped
        /// by the generated `skip_serializing_if`).
        pub fn serialize<T, S>(set: &Option<T>, serializer: S) -> Result<S::Ok, S::Error>
        where
            for<'x> &'x T: IntoIterator<Item = &'x String>,
            S: Serializer,
        {
            match set {
                Some(set) => super::string_set::serialize(set, serializer),
                None => serializer.serialize_none(),
            }
        }

        /// [`serialize`] for a field that holds a reference to the set.
        pub fn serialize_ref<T, S>(set: &Option<&T>, serializer: S) -> Result<S::Ok, S::Error>
        where
            for<'x> &'x T: IntoIterator<Item = &'x String>,
            S: Serializer,
        {
            match set {
                Some(set) => super::string_set::serialize(*set, serializer),
                None => serializer.serialize_none(),
            }
        }

        /// Reads `null` as `None`, else a set.
        pub fn deserialize<'de, T, D>(deserializer: D) -> Result<Option<T>, D::Error>
        where
            T: FromIterator<String>,
            D: Deserializer<'de>,
        {
            #[derive(Deserialize)]
            #[serde(transparent)]
            struct Set<T: FromIterator<String>>(
                #[serde(deserialize_with = "super::string_set::deserialize")] T,
            );
            Ok(Option::<Set<T>>::deserialize(deserializer)?.map(|Set(set)| set))
        }
    }
}
