//! Round-trip property of the IDL front end on arbitrary input:
//!
//! - nothing panics: `parse_syntax`, `parse`, rendering the diagnostics;
//! - text that parses formats to text that parses again;
//! - formatting is idempotent (the second formatting is byte-identical);
//! - the tree survives the round trip (trees compare without spans).
#![no_main]

use libfuzzer_sys::fuzz_target;
use varlink_codegen::idl;

fuzz_target!(|data: &[u8]| {
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };

    // The syntax stage alone, and its diagnostics.
    if let Err(diagnostics) = idl::parse_syntax(source) {
        let _ = diagnostics.render("fuzz.varlink", source, false);
    }

    let first = match idl::parse(source) {
        Ok(interface) => interface,
        Err(diagnostics) => {
            let _ = diagnostics.render("fuzz.varlink", source, false);
            return;
        }
    };

    let formatted = idl::format(&first);
    let second = match idl::parse(&formatted) {
        Ok(interface) => interface,
        Err(diagnostics) => panic!(
            "formatted text does not parse:\n--- input\n{source}\n--- formatted\n{formatted}\n--- errors\n{}",
            diagnostics.render("formatted.varlink", &formatted, false)
        ),
    };
    let reformatted = idl::format(&second);
    assert_eq!(
        formatted, reformatted,
        "formatting is not idempotent\n--- input\n{source}"
    );

    assert_eq!(
        first, second,
        "the tree changed in the round trip\n--- input\n{source}\n--- formatted\n{formatted}"
    );
});
