//! The build-script front end.
//!
//! ```no_run
//! // build.rs
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     varlink_codegen::Builder::new()
//!         .file("src/org.example.ping.varlink")
//!         .compile()?;
//!     Ok(())
//! }
//! ```
//!
//! and in the crate: `mod ping { varlink_runtime::include_interface!("org.example.ping"); }`.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use crate::generate::Settings;

/// Generates Rust for interface files into a directory (`$OUT_DIR` by
/// default), one file per interface named after it:
/// `org.example.ping` -> `org.example.ping.rs`, the name
/// `varlink_runtime::include_interface!` looks for.
#[derive(Debug, Clone, Default)]
pub struct Builder {
    files: Vec<PathBuf>,
    settings: Settings,
    out_dir: Option<PathBuf>,
}

/// Why [`Builder::compile`] failed. Diagnostics have already been printed to
/// stderr, rustc-style, when this is returned.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// No output directory was set and `OUT_DIR` is not in the environment
    /// (the builder runs outside a build script).
    #[error("no output directory: set one with `out_dir`, or run from a build script")]
    NoOutDir,
    /// No input file was given.
    #[error("no interface file given")]
    NoFiles,
    /// An input could not be read or an output not be written.
    #[error("{path}: {source}")]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
    /// Interface files have problems; they were printed to stderr.
    #[error("{count} problem(s) in {files}")]
    Invalid {
        /// How many diagnostics were printed.
        count: usize,
        /// The files with problems.
        files: String,
    },
}

impl Builder {
    /// A builder with default settings and no files.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an interface file.
    pub fn file(&mut self, path: impl AsRef<Path>) -> &mut Self {
        self.files.push(path.as_ref().to_owned());
        self
    }

    /// Adds several interface files.
    pub fn files<P: AsRef<Path>>(&mut self, paths: impl IntoIterator<Item = P>) -> &mut Self {
        self.files
            .extend(paths.into_iter().map(|p| p.as_ref().to_owned()));
        self
    }

    /// Replaces the generator settings.
    pub fn settings(&mut self, settings: Settings) -> &mut Self {
        self.settings = settings;
        self
    }

    /// Sets the output directory (default: `$OUT_DIR`).
    pub fn out_dir(&mut self, dir: impl AsRef<Path>) -> &mut Self {
        self.out_dir = Some(dir.as_ref().to_owned());
        self
    }

    /// Generates every file. Prints `cargo:rerun-if-changed` for each input,
    /// writes an output only when its content changed (so that dependent
    /// code is not rebuilt for nothing), and prints diagnostics for every
    /// invalid input before failing. Returns the paths written or kept.
    pub fn compile(&self) -> Result<Vec<PathBuf>, BuildError> {
        if self.files.is_empty() {
            return Err(BuildError::NoFiles);
        }
        let out_dir = match &self.out_dir {
            Some(dir) => dir.clone(),
            None => std::env::var_os("OUT_DIR")
                .map(PathBuf::from)
                .ok_or(BuildError::NoOutDir)?,
        };
        std::fs::create_dir_all(&out_dir).map_err(|source| BuildError::Io {
            path: out_dir.clone(),
            source,
        })?;
        let color = std::io::stderr().is_terminal();
        let mut outputs = Vec::with_capacity(self.files.len());
        let mut problems = 0;
        let mut bad_files = Vec::new();
        for path in &self.files {
            println!("cargo:rerun-if-changed={}", path.display());
            let source = std::fs::read_to_string(path).map_err(|source| BuildError::Io {
                path: path.clone(),
                source,
            })?;
            match crate::generate_file(&source, &self.settings) {
                Ok(generated) => {
                    let output = out_dir.join(&generated.file_name);
                    write_if_changed(&output, &generated.code)?;
                    outputs.push(output);
                }
                Err(diagnostics) => {
                    eprint!(
                        "{}",
                        diagnostics.render(&path.display().to_string(), &source, color)
                    );
                    problems += diagnostics.len();
                    bad_files.push(path.display().to_string());
                }
            }
        }
        if problems > 0 {
            return Err(BuildError::Invalid {
                count: problems,
                files: bad_files.join(", "),
            });
        }
        Ok(outputs)
    }
}

/// Writes `content` to `path` unless the file already holds exactly it.
fn write_if_changed(path: &Path, content: &str) -> Result<(), BuildError> {
    if std::fs::read(path).is_ok_and(|old| old == content.as_bytes()) {
        return Ok(());
    }
    std::fs::write(path, content).map_err(|source| BuildError::Io {
        path: path.to_owned(),
        source,
    })
}
