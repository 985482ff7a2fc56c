//! What the generator emits and how: one `Settings` shared by the build
//! script, the proc macro and the command line.

/// Options for code generation. Start from `Settings::default()` and change
/// what you need:
///
/// ```
/// let mut settings = varlink_codegen::generate::Settings::default();
/// settings.server(false).map_type("::std::collections::BTreeMap");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub(crate) client: bool,
    pub(crate) blocking_client: bool,
    pub(crate) server: bool,
    pub(crate) default_method_bodies: bool,
    pub(crate) map_type: String,
    pub(crate) set_type: String,
    pub(crate) derives: Vec<String>,
    pub(crate) attributes: Vec<String>,
    pub(crate) runtime_path: String,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            client: true,
            // Off by default: most users are async, and the blocking client
            // is as much code again for the compiler (the generated podman
            // code builds about a third faster without it).
            blocking_client: false,
            server: true,
            default_method_bodies: false,
            map_type: "::std::collections::HashMap".to_owned(),
            set_type: "::std::collections::HashSet".to_owned(),
            derives: Vec::new(),
            attributes: Vec::new(),
            runtime_path: "::varlink_runtime".to_owned(),
        }
    }
}

impl Settings {
    /// Whether to generate the async client (default: yes).
    pub fn client(&mut self, on: bool) -> &mut Self {
        self.client = on;
        self
    }

    /// Whether to generate the blocking client, which needs no async
    /// runtime (default: no).
    pub fn blocking_client(&mut self, on: bool) -> &mut Self {
        self.blocking_client = on;
        self
    }

    /// Whether to generate the server trait and its adapter (default: yes).
    pub fn server(&mut self, on: bool) -> &mut Self {
        self.server = on;
        self
    }

    /// Whether server trait methods get a default body that answers
    /// `org.varlink.service.MethodNotImplemented` (default: no, every
    /// method must be implemented).
    pub fn default_method_bodies(&mut self, on: bool) -> &mut Self {
        self.default_method_bodies = on;
        self
    }

    /// The map type for `[string]T`, a path to a type with two parameters
    /// (default `::std::collections::HashMap`).
    pub fn map_type(&mut self, path: impl Into<String>) -> &mut Self {
        self.map_type = path.into();
        self
    }

    /// The set type for `[string]()`, a path to a type with one parameter
    /// (default `::std::collections::HashSet`). On the wire a set is a JSON
    /// object whose values are `{}`.
    pub fn set_type(&mut self, path: impl Into<String>) -> &mut Self {
        self.set_type = path.into();
        self
    }

    /// Adds a derive to every generated struct and enum, e.g. `"Hash"` or
    /// `"::schemars::JsonSchema"`.
    pub fn derive(&mut self, path: impl Into<String>) -> &mut Self {
        self.derives.push(path.into());
        self
    }

    /// Adds an attribute to every generated struct and enum, written
    /// without `#[...]`, e.g. `"non_exhaustive"`.
    pub fn attribute(&mut self, attribute: impl Into<String>) -> &mut Self {
        self.attributes.push(attribute.into());
        self
    }

    /// The path under which generated code finds the runtime crate (default
    /// `::varlink_runtime`), for crates that re-export it.
    pub fn runtime_path(&mut self, path: impl Into<String>) -> &mut Self {
        self.runtime_path = path.into();
        self
    }
}
