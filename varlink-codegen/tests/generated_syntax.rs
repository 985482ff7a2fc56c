//! The generator writes Rust as text (see `generate/code.rs`), so nothing
//! but tests holds it to Rust's grammar: every file it writes, for every
//! interface of the corpus and under every combination of settings, must
//! parse as a Rust file, and the embedded interface text must read back
//! as the source it came from. (The snapshot tests in `tests/` compile a
//! subset; this covers all of the corpus quickly.)

use std::path::Path;

use varlink_codegen::generate::Settings;

fn settings_matrix() -> Vec<(&'static str, Settings)> {
    let mut all = Settings::default();
    all.blocking_client(true).default_method_bodies(true);
    let mut client = Settings::default();
    client.server(false).blocking_client(true);
    let mut server = Settings::default();
    server.client(false);
    let mut custom = Settings::default();
    custom
        .map_type("::std::collections::BTreeMap")
        .set_type("::std::collections::BTreeSet")
        .derive("Hash // a comment the setting must not carry into the code")
        .attribute("non_exhaustive")
        .runtime_path("crate::rt");
    vec![
        ("default", Settings::default()),
        ("all", all),
        ("client", client),
        ("server", server),
        ("custom", custom),
    ]
}

/// Generates `source` under every setting and checks the result parses,
/// with `INTERFACE_DESCRIPTION` equal to `source`.
fn check(name: &str, source: &str) {
    for (label, settings) in settings_matrix() {
        let generated =
            varlink_codegen::generate_file(source, &settings).unwrap_or_else(|diagnostics| {
                panic!(
                    "{name} ({label}): {}",
                    diagnostics.render(name, source, false)
                )
            });
        let file = syn::parse_file(&generated.code).unwrap_or_else(|error| {
            panic!("{name} ({label}): generated code does not parse: {error}")
        });
        let description = file
            .items
            .iter()
            .find_map(|item| match item {
                syn::Item::Const(item) if item.ident == "INTERFACE_DESCRIPTION" => {
                    Some(&*item.expr)
                }
                _ => None,
            })
            .unwrap_or_else(|| panic!("{name} ({label}): no INTERFACE_DESCRIPTION"));
        let syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(literal),
            ..
        }) = description
        else {
            panic!("{name} ({label}): INTERFACE_DESCRIPTION is not a string literal")
        };
        assert_eq!(literal.value(), source, "{name} ({label})");
    }
}

#[test]
fn every_corpus_interface_generates_a_rust_file() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures");
    let mut files: Vec<_> = std::fs::read_dir(root.join("corpus"))
        .expect("corpus")
        .map(|entry| entry.expect("entry").path())
        .collect();
    files.push(root.join("org.example.hostile.varlink"));
    files.sort();
    assert!(files.len() >= 10, "{files:?}");
    for path in files {
        let source = std::fs::read_to_string(&path).expect("read");
        check(&path.display().to_string(), &source);
    }
}

#[test]
fn odd_comments_and_text_generate_a_rust_file() {
    // Comments with what a line comment, a raw string or rustdoc might
    // trip on; each also ends up in the raw INTERFACE_DESCRIPTION.
    let comments = [
        "/ a fourth slash",
        "! an inner doc",
        "*/ closes /* opens",
        "a NUL \0 and a tab\tin it",
        "backslashes \\ \\\\ and \\n",
        "quotes \" \"# \"## \"###",
        "a text direction mark \u{202E}reversed\u{202C} and \u{2066}isolate\u{2069}",
        "an emoji \u{1F980} and a no-break\u{A0}space",
        "```",
        "let [x] = y;",
        "````no_run",
        "#[doc = \"x\"]",
    ];
    let mut source = String::from("# Interface docs \u{202E}\ninterface org.example.odd\n");
    for (at, comment) in comments.iter().enumerate() {
        source.push_str(&format!(
            "# {comment}\ntype T{at} (\n  # {comment}\n  f: string\n)\n"
        ));
    }
    source.push_str("# ```\nmethod M(a: ?[string]()) -> (b: [string]T0)\n");
    source.push_str("error E (f: int, remote: bool, error: string)\n");
    varlink_codegen::idl::parse(&source).expect("the interface is valid");
    check("odd comments", &source);
}

#[test]
fn interface_names_whose_last_segment_is_not_a_rust_name_generate_a_rust_file() {
    // A segment after the first may start with a digit (found by the
    // `generate` fuzz target: `org.exampletype.0mor` named the service
    // trait `0mor`), or be a keyword or hyphenated.
    for name in [
        "org.example.0mor",
        "org.example.1",
        "org.example.self",
        "org.example.type",
        "org.example.foo-bar",
    ] {
        let source = format!(
            "interface {name}\n\nmethod Ping(ping: string) -> (pong: string)\n\nerror Failed (reason: string)\n"
        );
        check(name, &source);
    }
}
