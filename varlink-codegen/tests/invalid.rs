//! A table of invalid interfaces: for each, the line, column and message of
//! the first diagnostic, and how many diagnostics there are.

use varlink_codegen::idl;

struct Case {
    source: &'static str,
    line: usize,
    col: usize,
    message: &'static str,
    count: usize,
}

const fn case(
    source: &'static str,
    line: usize,
    col: usize,
    message: &'static str,
    count: usize,
) -> Case {
    Case {
        source,
        line,
        col,
        message,
        count,
    }
}

const CASES: &[Case] = &[
    // Structure of the file.
    case("", 1, 1, "expected `interface`, found end of file", 1),
    case(
        "# only a comment\n",
        1,
        17,
        "expected `interface`, found end of file",
        1,
    ),
    case(
        "type Foo ()\n",
        1,
        1,
        "expected `interface`, found `type`",
        1,
    ),
    case(
        "interface\n",
        1,
        10,
        "expected an interface name, found end of file",
        1,
    ),
    case(
        "interface a.b\n",
        1,
        14,
        "expected `type`, `method` or `error`, found end of file",
        1,
    ),
    case(
        "interface a.b type T ()\n",
        1,
        15,
        "expected a line break, found `type`",
        1,
    ),
    case(
        "interface a.b\ntype T () type U ()\n",
        2,
        11,
        "expected a line break, found `type`",
        1,
    ),
    case(
        "interface a.b\nfunction F() -> ()\n",
        2,
        1,
        "expected `type`, `method` or `error`, found `function`",
        1,
    ),
    case(
        "interface a.b\nmethod\n",
        2,
        7,
        "expected a name after `method`, found end of file",
        1,
    ),
    case(
        "interface a.b\nmethod F -> ()\n",
        2,
        10,
        "expected `(`, found `->`",
        1,
    ),
    case(
        "interface a.b\nmethod F()\n",
        2,
        11,
        "expected `->`, found end of file",
        1,
    ),
    case(
        "interface a.b\nmethod F() => ()\n",
        2,
        12,
        "expected `->`, found `=`",
        1,
    ),
    case(
        "interface a.b\nmethod F() -> \n",
        2,
        14,
        "expected `(`, found end of file",
        1,
    ),
    case(
        "interface a.b\ntype T int\n",
        2,
        8,
        "expected `(`, found `int`",
        1,
    ),
    case(
        "interface a.b\nerror E\n",
        2,
        8,
        "expected `(`, found end of file",
        1,
    ),
    // Lists.
    case(
        "interface a.b\ntype T (a: int,)\n",
        2,
        16,
        "expected a field name, found `)`",
        1,
    ),
    case(
        "interface a.b\ntype T (a: int b: int)\n",
        2,
        16,
        "expected `,` or `)`, found `b`",
        1,
    ),
    case(
        "interface a.b\ntype T (a int)\n",
        2,
        11,
        "expected `,` or `)`, found `int`",
        1,
    ),
    case(
        "interface a.b\ntype T (a: int, b)\n",
        2,
        18,
        "expected `:`, found `)`",
        1,
    ),
    case(
        "interface a.b\ntype T (a, b: int)\n",
        2,
        13,
        "expected `,` or `)`, found `:`",
        1,
    ),
    case(
        "interface a.b\ntype T (a: )\n",
        2,
        12,
        "expected a type, found `)`",
        1,
    ),
    case(
        "interface a.b\ntype T (a: int\n",
        2,
        15,
        "expected `,` or `)`, found end of file",
        1,
    ),
    case(
        "interface a.b\ntype T (a: int\n\nmethod F() -> ()\n",
        2,
        15,
        "expected `,` or `)`, found `method`",
        1,
    ),
    case(
        "interface a.b\nmethod F(a, b) -> ()\n",
        2,
        9,
        "method parameters must be `name: type` fields",
        1,
    ),
    case(
        "interface a.b\nmethod F() -> (x)\n",
        2,
        15,
        "method results must be `name: type` fields",
        1,
    ),
    case(
        "interface a.b\nerror E (a, b)\n",
        2,
        9,
        "error parameters must be `name: type` fields",
        1,
    ),
    // Types.
    case(
        "interface a.b\ntype T (a: [int]string)\n",
        2,
        13,
        "expected `]` or `string` directly after `[`, found `int`",
        1,
    ),
    case(
        "interface a.b\ntype T (a: [ ]int)\n",
        2,
        14,
        "expected `]` or `string` directly after `[`, found `]`",
        1,
    ),
    case(
        "interface a.b\ntype T (a: [string)\n",
        2,
        19,
        "expected `]` directly after `[string`, found `)`",
        1,
    ),
    case(
        "interface a.b\ntype T (a: []\n)\n",
        2,
        14,
        "expected a type, found `)`",
        1,
    ),
    case(
        "interface a.b\ntype T (a: int;)\n",
        2,
        15,
        "expected `,` or `)`, found `;`",
        1,
    ),
    case(
        "interface a.b\ntype T (a: ??int)\n",
        2,
        12,
        "a type cannot be optional twice",
        1,
    ),
    case(
        "interface a.b\ntype T (a: ?[]??int, b: ??bool)\n",
        2,
        15,
        "a type cannot be optional twice",
        2,
    ),
    // Names.
    case(
        "interface a\ntype T ()\n",
        1,
        11,
        "invalid interface name `a`",
        1,
    ),
    case(
        "interface 1a.b\ntype T ()\n",
        1,
        11,
        "invalid interface name `1a.b`",
        1,
    ),
    case(
        "interface a.-b\ntype T ()\n",
        1,
        11,
        "invalid interface name `a.-b`",
        1,
    ),
    case(
        "interface a_b.c\ntype T ()\n",
        1,
        11,
        "invalid interface name `a_b.c`",
        1,
    ),
    case(
        "interface a.b\ntype t ()\n",
        2,
        6,
        "invalid type name `t`",
        1,
    ),
    case(
        "interface a.b\nmethod F_x() -> ()\n",
        2,
        8,
        "invalid method name `F_x`",
        1,
    ),
    case(
        "interface a.b\nerror e ()\n",
        2,
        7,
        "invalid error name `e`",
        1,
    ),
    case(
        "interface a.b\ntype T (a__b: int)\n",
        2,
        9,
        "invalid field name `a__b`",
        1,
    ),
    case(
        "interface a.b\ntype T (_a: int)\n",
        2,
        9,
        "invalid field name `_a`",
        1,
    ),
    case(
        "interface a.b\ntype T (a_: int, 9b: int)\n",
        2,
        9,
        "invalid field name `a_`",
        2,
    ),
    case(
        "interface a.b\ntype T (one, Two_, three)\n",
        2,
        14,
        "invalid enum value name `Two_`",
        1,
    ),
    case(
        "interface a.b\nmethod F(x-y: int) -> ()\n",
        2,
        10,
        "invalid parameter name `x-y`",
        1,
    ),
    // Uniqueness.
    case(
        "interface a.b\ntype T ()\ntype T ()\n",
        3,
        6,
        "the name `T` is defined more than once",
        1,
    ),
    case(
        "interface a.b\ntype T ()\nmethod T() -> ()\nerror T ()\n",
        3,
        8,
        "the name `T` is defined more than once",
        2,
    ),
    // Names longer than 16 bytes: the member table compares their heads
    // first, then the whole names.
    case(
        "interface a.b\ntype AVeryLongTypeName1 ()\ntype AVeryLongTypeName2 ()\nerror AVeryLongTypeName1 ()\n",
        4,
        7,
        "the name `AVeryLongTypeName1` is defined more than once",
        1,
    ),
    case(
        "interface a.b\ntype AVeryLongTypeName1 ()\ntype T (a: AVeryLongTypeName1, b: AVeryLongTypeName2)\n",
        3,
        35,
        "cannot find type `AVeryLongTypeName2` in this interface",
        1,
    ),
    case(
        "interface a.b\ntype T (a: int, a: string)\n",
        2,
        17,
        "field `a` is defined more than once",
        1,
    ),
    case(
        "interface a.b\ntype T (a, b, a, b)\n",
        2,
        15,
        "enum value `a` is defined more than once",
        2,
    ),
    case(
        "interface a.b\nmethod F(a: int) -> (a: int, a: int)\n",
        2,
        30,
        "result `a` is defined more than once",
        1,
    ),
    case(
        "interface a.b\ntype T (s: (x: int, x: int))\n",
        2,
        21,
        "field `x` is defined more than once",
        1,
    ),
    // References.
    case(
        "interface a.b\ntype T (a: U)\n",
        2,
        12,
        "cannot find type `U` in this interface",
        1,
    ),
    case(
        "interface a.b\nmethod F() -> ()\ntype T (a: F)\n",
        3,
        12,
        "`F` is a method, not a type",
        1,
    ),
    case(
        "interface a.b\nerror E ()\ntype T (a: []E)\n",
        3,
        14,
        "`E` is an error, not a type",
        1,
    ),
    case(
        "interface a.b\ntype T (a: bogus, b: Nope, c: ?[]Gone)\n",
        2,
        12,
        "cannot find type `bogus` in this interface",
        3,
    ),
    // Everything at once, sorted by position.
    case(
        "interface a\ntype t (a: X, a: int)\nerror t ()\n",
        1,
        11,
        "invalid interface name `a`",
        6,
    ),
];

#[test]
fn invalid_inputs_report_the_first_problem_where_it_is() {
    assert!(CASES.len() >= 40);
    let mut failures = Vec::new();
    for case in CASES {
        let diagnostics = match idl::parse(case.source) {
            Ok(_) => {
                failures.push(format!("{:?}: parsed without error", case.source));
                continue;
            }
            Err(diagnostics) => diagnostics,
        };
        let first = &diagnostics.0[0];
        let (line, col) = first.line_col(case.source);
        let got = (line, col, first.message.as_str(), diagnostics.len());
        let want = (case.line, case.col, case.message, case.count);
        if got != want {
            failures.push(format!(
                "{:?}:\n   got {got:?}\n  want {want:?}",
                case.source
            ));
        }
        // Rendering never panics, whatever the span.
        let rendered = diagnostics.render("t.varlink", case.source, false);
        let header = format!("t.varlink:{line}:{col}: error: {}", first.message);
        if !rendered.starts_with(&header) {
            failures.push(format!("{:?}: rendered as\n{rendered}", case.source));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n")
    );
}

#[test]
fn diagnostics_are_sorted_by_position() {
    let source = "interface a.b\ntype T (a: X, a: int)\nerror t (b: Y)\ntype T ()\n";
    let diagnostics = idl::parse(source).expect_err("invalid");
    let starts: Vec<usize> = diagnostics.iter().map(|d| d.span.start).collect();
    let mut sorted = starts.clone();
    sorted.sort();
    assert_eq!(starts, sorted);
    assert_eq!(diagnostics.len(), 5);
}

#[test]
fn misspelt_reference_suggests_the_declared_type() {
    let source = "interface a.b\ntype MyType ()\nmethod F(x: MyTpye) -> ()\n";
    let diagnostics = idl::parse(source).expect_err("invalid");
    assert_eq!(
        diagnostics.0[0].help.as_deref(),
        Some("did you mean `MyType`?")
    );
    let rendered = diagnostics.render("a.varlink", source, false);
    assert!(
        rendered.contains("help: did you mean `MyType`?"),
        "{rendered}"
    );
}

#[test]
fn hints_name_builtins_and_only_close_types() {
    let hint = |source: &str| {
        let diagnostics = idl::parse(source).expect_err("invalid");
        diagnostics.0[0].help.clone()
    };
    let hint_for = |reference: &str| {
        hint(&format!(
            "interface a.b\ntype T ()\ntype Id ()\ntype Note ()\nmethod F(x: {reference}) -> ()\n"
        ))
    };
    assert_eq!(hint_for("Int").as_deref(), Some("did you mean `int`?"));
    assert_eq!(
        hint_for("STRING").as_deref(),
        Some("did you mean `string`?")
    );
    assert_eq!(hint_for("Nope").as_deref(), Some("did you mean `Note`?"));
    // One letter in common with a one-letter name is not a likeness.
    assert_eq!(hint_for("X"), None);
    assert_eq!(hint_for("t").as_deref(), Some("did you mean `T`?"));
    assert_eq!(hint_for("Ix").as_deref(), Some("did you mean `Id`?"));
    assert_eq!(hint_for("Something"), None);
}

#[test]
fn every_use_of_an_undefined_name_gets_the_same_hint() {
    let source = "interface a.b\ntype MyType ()\nmethod F(x: MyTpye, y: MyTpye) -> (z: MyTpye)\n";
    let diagnostics = idl::parse(source).expect_err("invalid");
    assert_eq!(diagnostics.len(), 3);
    for diagnostic in diagnostics.iter() {
        assert_eq!(diagnostic.help.as_deref(), Some("did you mean `MyType`?"));
    }
}

#[test]
fn duplicate_points_at_the_first_definition() {
    let source = "interface a.b\ntype T ()\nerror T ()\n";
    let diagnostics = idl::parse(source).expect_err("invalid");
    let diagnostic = &diagnostics.0[0];
    assert_eq!(diagnostic.related.len(), 1);
    assert_eq!(&source[diagnostic.related[0].0.range()], "T");
    assert_eq!(diagnostic.related[0].0.start, 19);
    assert_eq!(
        diagnostic.notes,
        ["types, methods and errors share one namespace"]
    );
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let depth = idl::MAX_NESTING + 10;
    let source = format!("interface a.b\ntype T (a: {}int)\n", "[]".repeat(depth));
    let diagnostics = idl::parse(&source).expect_err("too deep");
    assert!(diagnostics.0[0].message.contains("nested too deeply"));
    let source = format!(
        "interface a.b\ntype T (a: {}int{})\n",
        "(a: ".repeat(depth),
        ")".repeat(depth)
    );
    assert!(idl::parse(&source).is_err());
}

#[test]
fn the_nesting_limit_counts_the_innermost_word_too() {
    // `MAX_NESTING - 1` prefixes put `int` at the last level allowed.
    let nested =
        |prefixes: usize| format!("interface a.b\ntype T (a: {}int)\n", "[]".repeat(prefixes));
    let source = nested(idl::MAX_NESTING - 1);
    assert!(idl::parse(&source).is_ok());
    let source = nested(idl::MAX_NESTING);
    let diagnostics = idl::parse(&source).expect_err("too deep");
    assert_eq!(diagnostics.len(), 1);
    let diagnostic = &diagnostics.0[0];
    assert!(diagnostic.message.contains("nested too deeply"));
    assert_eq!(&source[diagnostic.span.range()], "int");
}

/// The announcement's `com.redhat.accounts` lacks the `)` that closes
/// `Account`: the error must point at the end of the last field, not at a
/// later method.
#[test]
fn unclosed_account_is_reported_at_its_last_field() {
    let broken = include_str!("fixtures/com.redhat.accounts.broken.varlink");
    let diagnostics = idl::parse(broken).expect_err("missing `)`");
    assert_eq!(diagnostics.len(), 1);
    let diagnostic = &diagnostics.0[0];
    assert_eq!(diagnostic.line_col(broken), (9, 16));
    assert_eq!(diagnostic.message, "expected `,` or `)`, found `method`");
    let rendered = diagnostic.render("accounts.varlink", broken, false);
    assert!(rendered.contains("unclosed `(`"), "{rendered}");
    let fixed = broken.replacen("  shell: string\n", "  shell: string\n)\n", 1);
    idl::parse(&fixed).expect("valid once closed");
}
