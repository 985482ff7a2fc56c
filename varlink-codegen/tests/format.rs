//! The canonical layout: exact output for odd inputs, and the two
//! properties every formatting must have (idempotent, same tree).

use varlink_codegen::idl;

fn fmt(source: &str) -> String {
    match idl::parse(source) {
        Ok(interface) => idl::format(&interface),
        Err(diagnostics) => panic!("{}", diagnostics.render("test.varlink", source, false)),
    }
}

/// Formatting twice gives the same bytes, and the formatted text parses to
/// the same tree as the original (spans aside).
fn assert_stable(source: &str) {
    let once = fmt(source);
    assert_eq!(
        fmt(&once),
        once,
        "formatting is not idempotent for:\n{source}"
    );
    let original = idl::parse(source).expect("valid");
    let reparsed = idl::parse(&once).expect("formatted text is valid");
    assert_eq!(
        original, reparsed,
        "formatting changed the tree of:\n{source}"
    );
}

#[test]
fn squeezed_text_gets_canonical_layout() {
    let source = "interface   org.example.x\ntype T(a:int,b:?[]string)\nmethod M(x:T)->(y:(one,two))\nerror E()\n";
    let want = "\
interface org.example.x

type T (a: int, b: ?[]string)

method M(x: T) -> (y: (one, two))

error E ()
";
    assert_eq!(fmt(source), want);
    assert_stable(source);
}

#[test]
fn sprawling_text_is_joined_when_it_fits() {
    let source =
        "interface a.b\n\n\n\ntype T (\n  a: int,\n\n  b: int\n)\n\n\n\nmethod M(\n) -> (\n)\n";
    assert_eq!(
        fmt(source),
        "interface a.b\n\ntype T (a: int, b: int)\n\nmethod M() -> ()\n"
    );
}

#[test]
fn long_lists_break_one_item_per_line() {
    let source = "interface a.b\nmethod CalculateConfiguration(current: Coordinate, target: Coordinate, extra: string) -> (configuration: DriveConfiguration)\ntype Coordinate (longitude: float, latitude: float, distance: int)\ntype DriveConfiguration (speed: int, trajectory: int, duration: int, more_and_more_and_more: ?int)\n";
    let want = "\
interface a.b

method CalculateConfiguration(
  current: Coordinate,
  target: Coordinate,
  extra: string
) -> (configuration: DriveConfiguration)

type Coordinate (longitude: float, latitude: float, distance: int)

type DriveConfiguration (
  speed: int,
  trajectory: int,
  duration: int,
  more_and_more_and_more: ?int
)
";
    assert_eq!(fmt(source), want);
    assert_stable(source);
}

#[test]
fn nested_structs_break_from_the_outside_in() {
    let source = "interface a.b\ntype T (outer: (inner_one: (x: int, y: int, z: int), inner_two: [](first_name: string, last_name: string), flag: bool))\n";
    let want = "\
interface a.b

type T (
  outer: (
    inner_one: (x: int, y: int, z: int),
    inner_two: [](first_name: string, last_name: string),
    flag: bool
  )
)
";
    assert_eq!(fmt(source), want);
    assert_stable(source);
}

#[test]
fn comments_are_all_kept_and_force_one_item_per_line() {
    let source = "\
# header

# doc of the interface
interface a.b # why
# doc of T
type T (a: int, # first
b: (x, # ex
y), c: () # empty
)
method M(
# dangling only
) -> () # done

# trailer
";
    let want = "\
# header

# doc of the interface
interface a.b # why

# doc of T
type T (
  a: int, # first
  b: (
    x, # ex
    y
  ),
  c: () # empty
)

method M(
  # dangling only
) -> () # done

# trailer
";
    assert_eq!(fmt(source), want);
    assert_stable(source);
}

#[test]
fn a_comment_after_an_opening_paren_stays_on_its_line() {
    let source = "\
interface a.b

method Foo( # input
  # doc of a
  a: int
) -> (# output
  b: (x, y), c: ( # values
  z)
)

type E ( # empty
)
";
    let want = "\
interface a.b

method Foo( # input
  # doc of a
  a: int
) -> ( # output
  b: (x, y),
  c: ( # values
    z
  )
)

type E ( # empty
)
";
    assert_eq!(fmt(source), want);
    assert_stable(source);
    // It is nobody's documentation.
    let interface = idl::parse(source).expect("valid");
    let idl::ast::MemberKind::Method { input, output } =
        interface.members().next().expect("Foo").kind()
    else {
        panic!("not a method");
    };
    assert_eq!(input.open_comment().map(|c| c.text), Some("input"));
    let docs: Vec<Vec<&str>> = input
        .fields()
        .chain(output.fields())
        .map(|field| field.doc().collect())
        .collect();
    assert_eq!(docs, [vec!["doc of a"], vec![], vec![]]);
}

#[test]
fn crlf_and_unicode_whitespace_become_plain_newlines() {
    let source = "interface a.b\r\n\r\ntype T\u{3000}(a: int)\r\n# doc\r\nmethod M() -> ()\r\n";
    assert_eq!(
        fmt(source),
        "interface a.b\n\ntype T (a: int)\n\n# doc\nmethod M() -> ()\n"
    );
    assert_stable(source);
}

#[test]
fn odd_layouts_are_stable() {
    for source in [
        "interface a.b\ntype T ( a : ?  [string] [] ( x , y ) )\n",
        "interface a.b\ntype T(a: int # c1\n,b: int)\n",
        "interface a.b\ntype T(a: # between\nint)\n",
        "interface a.b\nmethod M() # before arrow\n-> (x: int)\n",
        "interface a.b\ntype E (\n# only doc\na\n)\n",
        "interface a.b\n#a\n\n#b\n\n\n#c\ntype T ()\n",
        "interface a.b\ntype T (x: (y: (z: (w: (v: (u: int, t: string, s: float, r: bool, q: object, p: any))))))\n",
    ] {
        assert_stable(source);
    }
}

#[test]
fn trees_compare_by_content_not_by_position() {
    let tree = |source| idl::parse(source).expect("valid");
    let base = "interface a.b\n# doc\ntype T (a: ?[]int, b: (x, y))\n";
    let same = tree(base);
    assert_eq!(
        same,
        tree("interface   a.b\n\n# doc\ntype T(\n  a : ?[]int,\n  b:(x,y)\n)\n")
    );
    for different in [
        "interface a.c\n# doc\ntype T (a: ?[]int, b: (x, y))\n",
        "interface a.b\n# other\ntype T (a: ?[]int, b: (x, y))\n",
        "interface a.b\ntype T (a: ?[]int, b: (x, y))\n",
        "interface a.b\n# doc\ntype T (a: []int, b: (x, y))\n",
        "interface a.b\n# doc\ntype T (a: ?[]int, b: (x, z))\n",
        "interface a.b\n# doc\ntype T (a: ?[]int, c: (x, y))\n",
        "interface a.b\n# doc\nerror T (a: ?[]int, b: (x, y))\n",
        "interface a.b\n# doc\ntype T (a: ?[]int, b: (x, y)) # trailing\n",
    ] {
        assert_ne!(same, tree(different), "{different}");
    }
}

#[test]
fn a_comment_between_interface_and_its_name_documents_the_interface() {
    // UAPI.20 makes a comment the documentation of the declaration it
    // precedes; this one stands inside the interface declaration, and must
    // not become the first member's documentation.
    let source = "# doc\ninterface\n# inside\na.b # trailing\n\n# of T\ntype T (a: int)\n";
    let interface = idl::parse(source).expect("valid");
    let doc: Vec<&str> = interface.doc().collect();
    assert_eq!(doc, ["doc", "inside"]);
    let first = interface.members().next().expect("T");
    assert_eq!(first.doc().collect::<Vec<_>>(), ["of T"]);
    assert_eq!(
        fmt(source),
        "# doc\n# inside\ninterface a.b # trailing\n\n# of T\ntype T (a: int)\n"
    );
    assert_stable(source);
    assert_stable("interface # same line\na.b\ntype T ()\n");
}
