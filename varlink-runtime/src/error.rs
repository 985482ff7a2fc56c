//! Errors of the runtime, and the errors of the `org.varlink.service` interface.
//!
//! [`Error`] is what every fallible function of the runtime returns. Errors
//! that a remote service sent are kept apart from local failures: the generic
//! `org.varlink.service` errors come back as [`Error::Service`] with their typed
//! fields, and every other error name as [`Error::Remote`] with the name and
//! the raw JSON parameters, so that generated code can turn them into the
//! interface's own error enum.

use std::fmt;
use std::io;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// The error type of the runtime.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading from or writing to the connection failed.
    #[error("I/O error: {0}")]
    Io(#[from] io::Error),
    /// The peer closed the connection (or it was closed after an earlier
    /// failure, or handed over by an `upgrade`).
    #[error("connection closed")]
    ConnectionClosed,
    /// A message grew beyond the configured maximum size; the connection is
    /// closed because the rest of the stream can no longer be framed.
    #[error("message exceeds the maximum size of {limit} bytes")]
    MessageTooLarge {
        /// The limit that was exceeded, in bytes.
        limit: usize,
    },
    /// The peer sent something that is not a valid varlink message. The
    /// connection is closed.
    #[error("protocol violation: {0}")]
    Protocol(String),
    /// The service answered with one of the `org.varlink.service` errors.
    #[error(transparent)]
    Service(#[from] ServiceError),
    /// The service answered with an error that is not one of the
    /// `org.varlink.service` errors.
    #[error(transparent)]
    Remote(#[from] RemoteError),
    /// A varlink address could not be parsed.
    #[error("invalid varlink address {address:?}: {reason}")]
    InvalidAddress {
        /// The address as given.
        address: String,
        /// What is wrong with it.
        reason: String,
    },
    /// No reply arrived within the call timeout. The late reply, if any, is
    /// discarded when it arrives, so the connection stays usable.
    #[error("call timed out after {0:?}")]
    Timeout(Duration),
    /// Parameters could not be serialized to JSON.
    #[error("cannot serialize parameters: {0}")]
    Serialize(#[source] serde_json::Error),
    /// The reply parameters did not match the expected Rust type.
    #[error("cannot deserialize reply parameters: {0}")]
    Deserialize(#[source] serde_json::Error),
    /// Socket activation variables were present but unusable.
    #[error("socket activation: {0}")]
    Activation(String),
    /// The API was used in a way the protocol does not allow, e.g. a
    /// `continues` reply to a call without `more`.
    #[error("invalid use: {0}")]
    Usage(&'static str),
}

/// The result type of the runtime.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The errors of the `org.varlink.service` interface, which any method of any
/// interface may return (UAPI.20, "The `org.varlink.service` Interface").
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ServiceError {
    /// A method was called on an interface the service does not implement.
    #[error("org.varlink.service.InterfaceNotFound: {interface}")]
    InterfaceNotFound {
        /// The interface that was asked for.
        interface: String,
    },
    /// The interface does not define the method.
    #[error("org.varlink.service.MethodNotFound: {method}")]
    MethodNotFound {
        /// The method that was called.
        method: String,
    },
    /// The interface defines the method, but the service does not implement it.
    #[error("org.varlink.service.MethodNotImplemented: {method}")]
    MethodNotImplemented {
        /// The method that was called.
        method: String,
    },
    /// A parameter is missing, unknown, of the wrong type or out of range.
    #[error("org.varlink.service.InvalidParameter: {parameter}")]
    InvalidParameter {
        /// The parameter, as a dotted path for nested fields.
        parameter: String,
    },
    /// The client is denied access.
    #[error("org.varlink.service.PermissionDenied")]
    PermissionDenied,
    /// The method must be called with `more`.
    #[error("org.varlink.service.ExpectedMore")]
    ExpectedMore,
    /// The method must be called with `upgrade`.
    #[error("org.varlink.service.ExpectedUpgrade")]
    ExpectedUpgrade,
}

#[derive(Deserialize, Serialize)]
struct InterfaceParam {
    interface: String,
}
#[derive(Deserialize, Serialize)]
struct MethodParam {
    method: String,
}
#[derive(Deserialize, Serialize)]
struct ParameterParam {
    parameter: String,
}

impl ServiceError {
    /// The fully-qualified error name.
    pub fn name(&self) -> &'static str {
        match self {
            Self::InterfaceNotFound { .. } => "org.varlink.service.InterfaceNotFound",
            Self::MethodNotFound { .. } => "org.varlink.service.MethodNotFound",
            Self::MethodNotImplemented { .. } => "org.varlink.service.MethodNotImplemented",
            Self::InvalidParameter { .. } => "org.varlink.service.InvalidParameter",
            Self::PermissionDenied => "org.varlink.service.PermissionDenied",
            Self::ExpectedMore => "org.varlink.service.ExpectedMore",
            Self::ExpectedUpgrade => "org.varlink.service.ExpectedUpgrade",
        }
    }

    /// The error parameters as JSON text, `None` for errors without fields.
    pub fn parameters_json(&self) -> Option<String> {
        // Serializing a struct of one string field cannot fail.
        let json = match self {
            Self::InterfaceNotFound { interface } => serde_json::to_string(&InterfaceParam {
                interface: interface.clone(),
            }),
            Self::MethodNotFound { method } | Self::MethodNotImplemented { method } => {
                serde_json::to_string(&MethodParam {
                    method: method.clone(),
                })
            }
            Self::InvalidParameter { parameter } => serde_json::to_string(&ParameterParam {
                parameter: parameter.clone(),
            }),
            Self::PermissionDenied | Self::ExpectedMore | Self::ExpectedUpgrade => return None,
        };
        json.ok()
    }

    /// Recognizes an `org.varlink.service` error by name and parameters.
    ///
    /// Returns `None` for other names, and for known names whose parameters
    /// lack the required field (such a reply is kept as a [`RemoteError`]).
    pub fn from_reply(name: &str, parameters: Option<&RawValue>) -> Option<Self> {
        let raw = parameters.map_or("{}", RawValue::get);
        let err = match name.strip_prefix("org.varlink.service.")? {
            "InterfaceNotFound" => Self::InterfaceNotFound {
                interface: serde_json::from_str::<InterfaceParam>(raw).ok()?.interface,
            },
            "MethodNotFound" => Self::MethodNotFound {
                method: serde_json::from_str::<MethodParam>(raw).ok()?.method,
            },
            "MethodNotImplemented" => Self::MethodNotImplemented {
                method: serde_json::from_str::<MethodParam>(raw).ok()?.method,
            },
            "InvalidParameter" => Self::InvalidParameter {
                parameter: serde_json::from_str::<ParameterParam>(raw).ok()?.parameter,
            },
            "PermissionDenied" => Self::PermissionDenied,
            "ExpectedMore" => Self::ExpectedMore,
            "ExpectedUpgrade" => Self::ExpectedUpgrade,
            _ => return None,
        };
        Some(err)
    }
}

/// An error reply whose name is not one of the `org.varlink.service` errors.
///
/// The parameters are kept as raw JSON so that typed code can deserialize
/// them into the interface's own error type.
#[derive(Debug, Clone)]
pub struct RemoteError {
    /// The fully-qualified error name.
    pub name: String,
    /// The error parameters, `None` when absent, `null` or `{}`.
    pub parameters: Option<Box<RawValue>>,
}

impl RemoteError {
    /// Deserializes the parameters into `T` (absent parameters read as `{}`).
    pub fn parameters_as<T: serde::de::DeserializeOwned>(&self) -> Result<T> {
        crate::wire::deserialize_parameters(self.parameters.as_deref()).map_err(Error::Deserialize)
    }
}

impl fmt::Display for RemoteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        if let Some(p) = &self.parameters {
            write!(f, " {}", p.get())?;
        }
        Ok(())
    }
}

impl std::error::Error for RemoteError {}

impl Error {
    /// Builds the error for an error reply: a [`ServiceError`] when the name
    /// is one of `org.varlink.service`, a [`RemoteError`] otherwise.
    pub fn from_reply(name: &str, parameters: Option<&RawValue>) -> Self {
        match ServiceError::from_reply(name, parameters) {
            Some(e) => Self::Service(e),
            None => Self::Remote(RemoteError {
                name: name.to_owned(),
                parameters: parameters.map(ToOwned::to_owned),
            }),
        }
    }

    pub(crate) fn invalid_address(address: &str, reason: impl Into<String>) -> Self {
        Self::InvalidAddress {
            address: address.to_owned(),
            reason: reason.into(),
        }
    }
}
