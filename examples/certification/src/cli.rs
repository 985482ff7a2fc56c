//! The command line of the reference certification programs:
//!
//! ```text
//! varlink-certification --varlink=ADDRESS            serve on ADDRESS
//! varlink-certification --client --varlink=ADDRESS   run the client against ADDRESS
//! varlink-certification --client                     run the client against exec:<itself>
//! varlink-certification                              serve on the socket passed by
//!                                                    activation, or else run the client
//!                                                    against exec:<itself>
//! ```
//!
//! The client exits 0 only when `End` answered `all_ok: true`.

use std::process::ExitCode;

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// `--client`.
    pub client: bool,
    /// `--varlink=ADDRESS`.
    pub address: Option<String>,
}

/// Parses the arguments after the program name; `Ok(None)` for `--help`.
pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Option<Options>, String> {
    let mut options = Options {
        client: false,
        address: None,
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" => return Ok(None),
            "--client" => options.client = true,
            "--varlink" => {
                options.address = Some(args.next().ok_or("--varlink needs an address")?);
            }
            _ => match arg.strip_prefix("--varlink=") {
                Some(address) => options.address = Some(address.to_owned()),
                None => return Err(format!("unknown argument `{arg}`")),
            },
        }
    }
    Ok(Some(options))
}

const USAGE: &str = "\
Usage: varlink-certification [--client] [--varlink=ADDRESS]
  Server:    varlink-certification --varlink=ADDRESS
  Client:    varlink-certification --client --varlink=ADDRESS
  Self test: varlink-certification (the client starts the server with exec:)
ADDRESS: unix:/path, unix:@abstract, tcp:host:port, exec:/path/to/program";

/// Runs the program with `args` (without the program name).
pub fn main(args: impl IntoIterator<Item = String>) -> ExitCode {
    let options = match parse(args) {
        Ok(Some(options)) => options,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("varlink-certification: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("varlink-certification: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(options))
}

async fn run(options: Options) -> ExitCode {
    let activated = !options.client && std::env::var_os("LISTEN_FDS").is_some();
    if !options.client && (options.address.is_some() || activated) {
        return match crate::server::serve(options.address.as_deref()).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("varlink-certification: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let address = match options.address {
        Some(address) => address,
        None => match std::env::current_exe() {
            Ok(exe) => format!("exec:{}", exe.display()),
            Err(e) => {
                eprintln!("varlink-certification: cannot find this program to start it: {e}");
                return ExitCode::FAILURE;
            }
        },
    };
    eprintln!("Connecting to {address}");
    match crate::client::run(&address, &mut |line| eprintln!("{line}")).await {
        Ok(true) => {
            println!("Certification passed");
            ExitCode::SUCCESS
        }
        Ok(false) => {
            println!("Certification failed: End answered all_ok: false");
            ExitCode::FAILURE
        }
        Err(e) => {
            println!("Certification failed: {e}");
            ExitCode::FAILURE
        }
    }
}
