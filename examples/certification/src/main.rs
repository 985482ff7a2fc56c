//! `varlink-certification`: see [`example_certification::cli`].

fn main() -> std::process::ExitCode {
    example_certification::cli::main(std::env::args().skip(1))
}
