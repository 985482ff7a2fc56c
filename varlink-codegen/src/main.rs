//! The `varlink-codegen` command line: `check` and `fmt` (and, with the code
//! generator, `generate`).

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
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

/// A failure that ends the command with exit code 1, already reported or
/// to be reported on stderr.
struct Failed;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check { files } => check(&files),
        Command::Fmt { file, check, write } => fmt(&file, check, write),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failed) => ExitCode::FAILURE,
    }
}

fn check(files: &[PathBuf]) -> Result<(), Failed> {
    let mut failed = false;
    for file in files {
        let Ok(source) = read(file) else {
            failed = true;
            continue;
        };
        if let Err(diagnostics) = idl::parse(&source) {
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
        eprintln!(
            "{}: not in canonical layout (run `varlink-codegen fmt --write {}`)",
            file.display(),
            file.display()
        );
        return Err(Failed);
    }
    if write {
        if formatted != source {
            std::fs::write(file, &formatted).map_err(|error| {
                eprintln!("error: cannot write {}: {error}", file.display());
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
        eprintln!("error: cannot read {}: {error}", file.display());
        Failed
    })
}

fn report(file: &Path, source: &str, diagnostics: &Diagnostics) {
    let color = std::io::stderr().is_terminal();
    eprint!(
        "{}",
        diagnostics.render(&file.display().to_string(), source, color)
    );
}
