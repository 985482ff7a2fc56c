//! The code generator on arbitrary interfaces: for every input that
//! parses and validates, generation must not panic and, when it succeeds
//! (it refuses names that collide in Rust), must write text that is a Rust
//! file, under several settings. The generator writes text rather than
//! tokens (see `varlink-codegen/src/generate/code.rs`), so this is what
//! holds it to Rust's grammar beyond the tests' fixtures.
#![no_main]

use libfuzzer_sys::fuzz_target;
use varlink_codegen::generate::Settings;

fuzz_target!(|data: &[u8]| {
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    if varlink_codegen::idl::parse(source).is_err() {
        return;
    }
    let mut all = Settings::default();
    all.blocking_client(true).default_method_bodies(true);
    for settings in [Settings::default(), all] {
        let Ok(generated) = varlink_codegen::generate_file(source, &settings) else {
            return;
        };
        if let Err(error) = syn::parse_file(&generated.code) {
            panic!(
                "generated code does not parse: {error}\n--- input\n{source}\n--- code\n{}",
                generated.code
            );
        }
    }
});
