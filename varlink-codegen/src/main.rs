//! The `varlink-codegen` command line: `generate`, `check` and `fmt`.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use varlink_codegen::generate::{self, Settings};
use varlink_codegen::{Diagnostics, idl};

#[derive(Parser)]
#[command(
    name = "varlink-codegen",
    version,
    about = "Check, format and generate Rust from varlink interface definitions"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate Rust from interface files, formatted like the build script's output.
    ///
    /// With one FILE and no `-o`, prints to stdout. `-o` names an output file
    /// (one input) or a directory, which gets one file per interface named
    /// after it (`org.example.ping` -> `org.example.ping.rs`).
    Generate {
        /// The `.varlink` files.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Output file or directory.
        #[arg(short, long, value_name = "DIR|FILE")]
        output: Option<PathBuf>,
        #[command(flatten)]
        settings: SettingsArgs,
    },
    /// Parse and validate interface files; print every problem found.
    ///
    /// Exits 0 when all files are valid, 1 when any is not.
    Check {
        /// The `.varlink` files to check.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// Print an interface file in canonical layout.
    ///
    /// Comments are kept. Formatting the output again gives the same bytes.
    Fmt {
        /// The `.varlink` file to format.
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// Print nothing; exit 1 when the file is not in canonical layout.
        #[arg(long, conflicts_with = "write")]
        check: bool,
        /// Rewrite the file in place (only when it changes).
        #[arg(long)]
        write: bool,
    },
}

/// The generator settings as flags; see `varlink_codegen::generate::Settings`.
#[derive(clap::Args)]
struct SettingsArgs {
    /// Do not generate the async client.
    #[arg(long)]
    no_client: bool,
    /// Also generate the blocking client (needs no async runtime).
    #[arg(long)]
    blocking_client: bool,
    /// Do not generate the server trait and adapter.
    #[arg(long)]
    no_server: bool,
    /// Give server trait methods a default body answering MethodNotImplemented.
    #[arg(long)]
    default_method_bodies: bool,
    /// Map type for `[string]T`.
    #[arg(long, value_name = "PATH")]
    map_type: Option<String>,
    /// Set type for `[string]()`.
    #[arg(long, value_name = "PATH")]
    set_type: Option<String>,
    /// Extra derive for every generated type (repeatable).
    #[arg(long, value_name = "PATH")]
    derive: Vec<String>,
    /// Path of the runtime crate in generated code.
    #[arg(long, value_name = "PATH")]
    runtime_path: Option<String>,
}

impl SettingsArgs {
    fn settings(&self) -> Settings {
        let mut settings = Settings::default();
        settings
            .client(!self.no_client)
            .blocking_client(self.blocking_client)
            .server(!self.no_server)
            .default_method_bodies(self.default_method_bodies);
        if let Some(map) = &self.map_type {
            settings.map_type(map);
        }
        if let Some(set) = &self.set_type {
            settings.set_type(set);
        }
        for derive in &self.derive {
            settings.derive(derive);
        }
        if let Some(path) = &self.runtime_path {
            settings.runtime_path(path);
        }
        settings
    }
}

/// A failure that ends the command with exit code 1, already reported or
/// to be reported on stderr.
struct Failed;

/// `eprintln!` that does not panic when stderr is gone (`check ... 2>&1 |
/// head`): the exit code still says what happened.
macro_rules! say {
    ($($arg:tt)*) => {{
        let _ = writeln!(std::io::stderr().lock(), $($arg)*);
    }};
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Generate {
            files,
            output,
            settings,
        } => generate(&files, output.as_deref(), &settings.settings()),
        Command::Check { files } => check(&files),
        Command::Fmt { file, check, write } => fmt(&file, check, write),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failed) => ExitCode::FAILURE,
    }
}

fn generate(files: &[PathBuf], output: Option<&Path>, settings: &Settings) -> Result<(), Failed> {
    let to_dir = match output {
        Some(path) => files.len() > 1 || path.is_dir(),
        None if files.len() > 1 => {
            say!("error: several files need `-o DIR`");
            return Err(Failed);
        }
        None => false,
    };
    let mut failed = false;
    for file in files {
        let Ok(source) = read(file) else {
            failed = true;
            continue;
        };
        let generated = match varlink_codegen::generate_file(&source, settings) {
            Ok(generated) => generated,
            Err(diagnostics) => {
                report(file, &source, &diagnostics);
                failed = true;
                continue;
            }
        };
        let written = match output {
            None => std::io::stdout()
                .lock()
                .write_all(generated.code.as_bytes()),
            Some(dir) if to_dir => std::fs::create_dir_all(dir)
                .and_then(|()| std::fs::write(dir.join(&generated.file_name), &generated.code)),
            Some(path) => std::fs::write(path, &generated.code),
        };
        if let Err(error) = written {
            say!(
                "error: cannot write the code for {}: {error}",
                file.display()
            );
            failed = true;
        }
    }
    if failed { Err(Failed) } else { Ok(()) }
}

fn check(files: &[PathBuf]) -> Result<(), Failed> {
    let mut failed = false;
    for file in files {
        let Ok(source) = read(file) else {
            failed = true;
            continue;
        };
        // The IDL's own rules, then the names generated code needs.
        let checked = idl::parse(&source).and_then(|interface| generate::check(&interface));
        if let Err(diagnostics) = checked {
            report(file, &source, &diagnostics);
            failed = true;
        }
    }
    if failed { Err(Failed) } else { Ok(()) }
}

fn fmt(file: &Path, check: bool, write: bool) -> Result<(), Failed> {
    let source = read(file)?;
    let interface = idl::parse(&source).map_err(|diagnostics| {
        report(file, &source, &diagnostics);
        Failed
    })?;
    let formatted = idl::format(&interface);
    if check {
        if formatted == source {
            return Ok(());
        }
        say!(
            "{}: not in canonical layout (run `varlink-codegen fmt --write {}`)",
            file.display(),
            file.display()
        );
        return Err(Failed);
    }
    if write {
        if formatted != source {
            std::fs::write(file, &formatted).map_err(|error| {
                say!("error: cannot write {}: {error}", file.display());
                Failed
            })?;
        }
        return Ok(());
    }
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(formatted.as_bytes()).map_err(|_| Failed)
}

fn read(file: &Path) -> Result<String, Failed> {
    std::fs::read_to_string(file).map_err(|error| {
        say!("error: cannot read {}: {error}", file.display());
        Failed
    })
}

fn report(file: &Path, source: &str, diagnostics: &Diagnostics) {
    let color = std::io::stderr().is_terminal();
    let text = diagnostics.render(&file.display().to_string(), source, color);
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}
