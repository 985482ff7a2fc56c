//! Every interface of the shared corpus (copied into `fixtures/corpus/`)
//! parses, validates and formats idempotently to the same tree.

use std::path::PathBuf;

use varlink_codegen::idl;

fn corpus() -> Vec<(PathBuf, String)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/corpus");
    let mut files: Vec<(PathBuf, String)> = std::fs::read_dir(&dir)
        .expect("corpus directory")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "varlink"))
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("readable");
            (path, text)
        })
        .collect();
    files.sort();
    files
}

#[test]
fn corpus_parses_validates_and_formats_idempotently() {
    let files = corpus();
    assert!(files.len() >= 11, "corpus incomplete: {}", files.len());
    for (path, source) in &files {
        let name = path.display().to_string();
        let interface =
            idl::parse(source).unwrap_or_else(|d| panic!("{}", d.render(&name, source, false)));
        let expected_name = path.file_stem().and_then(|s| s.to_str()).expect("name");
        // Files are named after their interface (one corpus file adds a
        // variant suffix: `org.example.more.python`).
        assert!(
            expected_name.starts_with(interface.name().text),
            "{name}: named {}",
            interface.name().text
        );
        let once = idl::format(&interface);
        let reparsed =
            idl::parse(&once).unwrap_or_else(|d| panic!("{}", d.render(&name, &once, false)));
        assert_eq!(
            idl::format(&reparsed),
            once,
            "{name}: formatting is not idempotent"
        );
        assert_eq!(interface, reparsed, "{name}: formatting changed the tree");
    }
}

#[test]
fn corpus_comments_survive_formatting() {
    for (path, source) in corpus() {
        let interface = idl::parse(&source).expect("valid");
        let formatted = idl::format(&interface);
        let count = |text: &str| text.lines().filter(|line| line.contains('#')).count();
        assert_eq!(
            count(&formatted),
            count(&source),
            "{}: a comment was lost",
            path.display()
        );
    }
}
