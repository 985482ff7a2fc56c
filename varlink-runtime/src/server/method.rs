//! What a method handler receives and returns.

use std::borrow::Cow;
use std::fmt;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use crate::error::ServiceError;
use crate::wire::{self, CallFlags};

/// One method call, as handed to [`super::Interface::dispatch`].
#[derive(Debug)]
pub struct MethodCall {
    method: String,
    /// Where the member name starts in `method`, after the last `.`.
    member_start: usize,
    /// The parameters' JSON text, checked when the message was read. Text
    /// rather than a `Box<RawValue>`, so that the server can reuse the
    /// buffer for a later call.
    parameters: Option<String>,
    flags: CallFlags,
    flags_present: CallFlags,
}

impl MethodCall {
    /// Builds a call; the server does this for every message it reads.
    pub fn new(method: String, parameters: Option<Box<RawValue>>, flags: CallFlags) -> Self {
        let parameters = parameters.map(|raw| Box::<str>::from(raw).into_string());
        Self::from_text(method, parameters, flags)
    }

    /// [`Self::new`] with parameters that are known to be valid JSON.
    pub(crate) fn from_text(method: String, parameters: Option<String>, flags: CallFlags) -> Self {
        Self {
            member_start: method.rfind('.').map_or(0, |dot| dot + 1),
            method,
            parameters,
            flags,
            flags_present: flags,
        }
    }

    /// Gives back the buffers of the method name and the parameters' text.
    pub(crate) fn into_buffers(self) -> (String, Option<String>) {
        (self.method, self.parameters)
    }

    /// Records which flag members the message carried, whatever their
    /// value (see [`Self::flags_present`]).
    pub fn with_flags_present(mut self, present: CallFlags) -> Self {
        self.flags_present = present;
        self
    }

    /// Which flag members the call message carried, whatever their value:
    /// `{"more": false}` has `more` present but not set in [`Self::flags`].
    /// Most services need only the flags; strict ones (the certification
    /// server) refuse members that should have been left out.
    pub fn flags_present(&self) -> CallFlags {
        self.flags_present
    }

    /// The fully-qualified method name: `org.example.ftl.Jump`.
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The interface part of the name: `org.example.ftl`.
    pub fn interface(&self) -> &str {
        &self.method[..self.member_start.saturating_sub(1)]
    }

    /// The method name without the interface: `Jump`.
    pub fn member(&self) -> &str {
        &self.method[self.member_start..]
    }

    /// The input parameters as JSON text (an object, as the client wrote
    /// it): `None` when absent or `null`.
    pub fn parameters(&self) -> Option<&str> {
        self.parameters.as_deref()
    }

    /// The call's flags.
    pub fn flags(&self) -> CallFlags {
        self.flags
    }

    /// Deserializes the input parameters; a mismatch is
    /// `org.varlink.service.InvalidParameter` naming the field. Absent,
    /// `null` and `{}` parameters are the same.
    pub fn parse_parameters<T: DeserializeOwned>(&self) -> Result<T, MethodError> {
        wire::parse_parameters_text(self.parameters()).map_err(MethodError::from)
    }
}

/// The successful result of a method: its output parameters.
#[derive(Debug, Default)]
pub struct MethodReply {
    pub(crate) parameters: Option<Box<RawValue>>,
    /// The reply was serialized into the connection's reply buffer already
    /// (by generated code); `parameters` is unused.
    pub(crate) written: bool,
}

impl MethodReply {
    /// A reply without parameters.
    pub fn empty() -> Self {
        Self::default()
    }

    /// A reply with `parameters` serialized to JSON (which must be an object).
    pub fn new<T: Serialize + ?Sized>(parameters: &T) -> Result<Self, MethodError> {
        Ok(Self {
            parameters: to_raw(parameters)?,
            written: false,
        })
    }

    /// A reply that is in the connection's reply buffer already.
    pub(crate) fn written() -> Self {
        Self {
            parameters: None,
            written: true,
        }
    }

    /// A reply with parameters that already are a JSON object.
    pub fn from_raw(parameters: Box<RawValue>) -> Self {
        Self {
            parameters: Some(parameters),
            written: false,
        }
    }
}

/// Serializes parameters; `null` becomes absent.
pub(crate) fn to_raw<T: Serialize + ?Sized>(
    value: &T,
) -> Result<Option<Box<RawValue>>, MethodError> {
    let raw = serde_json::value::to_raw_value(value)
        .map_err(|e| MethodError::internal(format!("cannot serialize reply: {e}")))?;
    match raw.get().as_bytes().first() {
        _ if raw.get() == "null" => Ok(None),
        Some(b'{') => Ok(Some(raw)),
        _ => Err(MethodError::internal(
            "reply parameters must serialize to a JSON object",
        )),
    }
}

/// A failed method: an error reply with a fully-qualified name and
/// parameters, or an internal failure that cannot be answered.
pub struct MethodError {
    pub(crate) kind: ErrorKind,
}

pub(crate) enum ErrorKind {
    Reply {
        name: Cow<'static, str>,
        parameters: Option<Box<RawValue>>,
    },
    Internal(String),
}

/// The result of a method handler.
pub type MethodResult = Result<MethodReply, MethodError>;

impl MethodError {
    /// An error reply `name` with `parameters` (any serializable object; a
    /// serialization failure turns the error into an internal one).
    pub fn new<T: Serialize + ?Sized>(name: impl Into<Cow<'static, str>>, parameters: &T) -> Self {
        match to_raw(parameters) {
            Ok(parameters) => Self {
                kind: ErrorKind::Reply {
                    name: name.into(),
                    parameters,
                },
            },
            Err(e) => e,
        }
    }

    /// An error reply without parameters.
    pub fn without_parameters(name: impl Into<Cow<'static, str>>) -> Self {
        Self {
            kind: ErrorKind::Reply {
                name: name.into(),
                parameters: None,
            },
        }
    }

    /// A failure that has no varlink error to describe it (a bug, an
    /// unserializable reply). The server logs `message` and closes the
    /// connection, since the client cannot be told anything meaningful.
    pub fn internal(message: impl Into<String>) -> Self {
        Self {
            kind: ErrorKind::Internal(message.into()),
        }
    }

    /// The error name; `None` for an internal failure.
    pub fn name(&self) -> Option<&str> {
        match &self.kind {
            ErrorKind::Reply { name, .. } => Some(name),
            ErrorKind::Internal(_) => None,
        }
    }

    /// The error parameters, if any.
    pub fn parameters(&self) -> Option<&RawValue> {
        match &self.kind {
            ErrorKind::Reply { parameters, .. } => parameters.as_deref(),
            ErrorKind::Internal(_) => None,
        }
    }

    /// `org.varlink.service.MethodNotFound` for this call.
    pub fn method_not_found(call: &MethodCall) -> Self {
        ServiceError::MethodNotFound {
            method: call.method().to_owned(),
        }
        .into()
    }
}

impl From<ServiceError> for MethodError {
    fn from(e: ServiceError) -> Self {
        let parameters = e
            .parameters_json()
            .and_then(|p| RawValue::from_string(p).ok());
        Self {
            kind: ErrorKind::Reply {
                name: Cow::Borrowed(e.name()),
                parameters,
            },
        }
    }
}

impl fmt::Debug for MethodError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ErrorKind::Reply { name, parameters } => f
                .debug_struct("MethodError")
                .field("name", name)
                .field("parameters", &parameters.as_ref().map(|p| p.get()))
                .finish(),
            ErrorKind::Internal(m) => f.debug_tuple("MethodError::Internal").field(m).finish(),
        }
    }
}

impl fmt::Display for MethodError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ErrorKind::Reply { name, parameters } => {
                f.write_str(name)?;
                if let Some(p) = parameters {
                    write!(f, " {}", p.get())?;
                }
                Ok(())
            }
            ErrorKind::Internal(m) => write!(f, "internal error: {m}"),
        }
    }
}

impl std::error::Error for MethodError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn method_names_split_at_the_last_dot() {
        for (method, interface, member) in [
            ("org.example.ftl.Jump", "org.example.ftl", "Jump"),
            ("Jump", "", "Jump"),
            ("a.", "a", ""),
            (".x", "", "x"),
            ("", "", ""),
        ] {
            let call = MethodCall::new(method.to_owned(), None, CallFlags::NONE);
            assert_eq!((call.interface(), call.member()), (interface, member));
        }
    }
}
