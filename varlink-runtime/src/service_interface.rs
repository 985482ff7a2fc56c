//! The built-in `org.varlink.service` interface (UAPI.20).

use serde::{Deserialize, Serialize};

use crate::error::ServiceError;
use crate::server::{MethodCall, MethodError, MethodReply, MethodResult, ServiceInner};

/// The interface name.
pub(crate) const NAME: &str = "org.varlink.service";

/// The interface definition, as UAPI.20 gives it (with `ExpectedUpgrade`).
pub const DESCRIPTION: &str = "\
# The Varlink Service Interface should be provided by every varlink service.
# It describes the service and the interfaces it implements.
interface org.varlink.service

# Get a list of all the interfaces a service provides and information
# about the implementation.
method GetInfo() -> (
  vendor: string,
  product: string,
  version: string,
  url: string,
  interfaces: []string
)

# Get the description of an interface that is implemented by this service.
method GetInterfaceDescription(interface: string) -> (description: string)

# The requested interface was not found.
error InterfaceNotFound (interface: string)

# The requested method was not found
error MethodNotFound (method: string)

# The interface defines the requested method, but the service does not
# implement it.
error MethodNotImplemented (method: string)

# One of the passed parameters is invalid.
error InvalidParameter (parameter: string)

# Client is denied access
error PermissionDenied ()

# Method is expected to be called with 'more' set to true, but wasn't
error ExpectedMore ()

# Method is expected to be called with 'upgrade' set to true, but wasn't
error ExpectedUpgrade ()
";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NoParameters {}

#[derive(Serialize)]
struct Info<'a> {
    vendor: &'a str,
    product: &'a str,
    version: &'a str,
    url: &'a str,
    interfaces: Vec<&'a str>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DescriptionIn {
    interface: String,
}

#[derive(Serialize)]
struct DescriptionOut<'a> {
    description: &'a str,
}

pub(crate) fn call(service: &ServiceInner, call: &MethodCall) -> MethodResult {
    match call.member() {
        "GetInfo" => {
            let NoParameters {} = call.parse_parameters()?;
            let interfaces = std::iter::once(NAME)
                .chain(service.interfaces.iter().map(|i| i.name()))
                .collect();
            MethodReply::new(&Info {
                vendor: &service.vendor,
                product: &service.product,
                version: &service.version,
                url: &service.url,
                interfaces,
            })
        }
        "GetInterfaceDescription" => {
            let DescriptionIn { interface } = call.parse_parameters()?;
            let description = if interface == NAME {
                DESCRIPTION
            } else {
                service
                    .interface(&interface)
                    .ok_or(ServiceError::InterfaceNotFound { interface })?
                    .description()
            };
            MethodReply::new(&DescriptionOut { description })
        }
        _ => Err(MethodError::method_not_found(call)),
    }
}
