//! What the parser accepts, and what the tree holds: every construct of the
//! UAPI.20 grammar, doc comments and spans.

use varlink_codegen::idl::{
    self,
    ast::{Interface, Member, MemberKind, Type, TypeDef, TypeKind},
};

fn parse(source: &str) -> Interface<'_> {
    match idl::parse(source) {
        Ok(interface) => interface,
        Err(diagnostics) => panic!("{}", diagnostics.render("test.varlink", source, false)),
    }
}

/// The member at `index`, in source order.
fn member<'i, 'a>(interface: &'i Interface<'a>, index: usize) -> Member<'i, 'a> {
    interface.members().nth(index).expect("member")
}

fn field_type<'i, 'a>(interface: &'i Interface<'a>, member: &str, field: &str) -> Type<'i, 'a> {
    let fields = match interface.member(member).expect("member").kind() {
        MemberKind::Type(TypeDef::Struct(fields)) | MemberKind::Error(fields) => fields,
        MemberKind::Method { input, .. } => input,
        MemberKind::Type(TypeDef::Enum(_)) => panic!("{member} is an enum"),
    };
    fields
        .fields()
        .find(|f| f.name().text == field)
        .expect("field")
        .ty()
}

/// Renders a type back as text, to assert its structure compactly.
fn show(ty: Type<'_, '_>) -> String {
    match ty.kind() {
        TypeKind::Bool => "bool".into(),
        TypeKind::Int => "int".into(),
        TypeKind::Float => "float".into(),
        TypeKind::String => "string".into(),
        TypeKind::Object => "object".into(),
        TypeKind::Any => "any".into(),
        TypeKind::Named(name) => format!("<{name}>"),
        TypeKind::Struct(s) => format!(
            "struct({})",
            s.fields()
                .map(|f| format!("{}={}", f.name().text, show(f.ty())))
                .collect::<Vec<_>>()
                .join(",")
        ),
        TypeKind::Enum(e) => format!(
            "enum({})",
            e.variants()
                .map(|v| v.name().text)
                .collect::<Vec<_>>()
                .join(",")
        ),
        TypeKind::Array(inner) => format!("array({})", show(inner)),
        TypeKind::Map(inner) => format!("map({})", show(inner)),
        TypeKind::Optional(inner) => format!("opt({})", show(inner)),
    }
}

const ALL_TYPES: &str = "\
interface org.Example-2.x9
type MyType (
   example_bool: bool,
   example_int: int,
   example_float: float,
   example_string: string,
   example_object: object,
   example_any: any,
   example_enum: (one, two, three),
   example_struct: (first: int, second: string),
   example_array: []string,
   example_dictionary: [string]string,
   example_stringset: [string](),
   example_nullable: ?string,
   example_nullable_array_struct: ?[](first: int, second: string),
   example_other_type: MyOtherType,
   nested: ?[]?[string](a, b),
   deep: [][string]?[]any
)
type MyOtherType ()
method Empty() -> ()
method Add(a: int, b: int) -> (sum: int)
error Plain ()
error WithFields (reason: string, at: ?MyType)
";

#[test]
fn every_type_form_parses_to_its_tree() {
    let interface = parse(ALL_TYPES);
    assert_eq!(interface.name().text, "org.Example-2.x9");
    let expected = [
        ("example_bool", "bool"),
        ("example_int", "int"),
        ("example_float", "float"),
        ("example_string", "string"),
        ("example_object", "object"),
        ("example_any", "any"),
        ("example_enum", "enum(one,two,three)"),
        ("example_struct", "struct(first=int,second=string)"),
        ("example_array", "array(string)"),
        ("example_dictionary", "map(string)"),
        ("example_stringset", "map(struct())"),
        ("example_nullable", "opt(string)"),
        (
            "example_nullable_array_struct",
            "opt(array(struct(first=int,second=string)))",
        ),
        ("example_other_type", "<MyOtherType>"),
        ("nested", "opt(array(opt(map(enum(a,b)))))"),
        ("deep", "array(map(opt(array(any))))"),
    ];
    for (field, want) in expected {
        assert_eq!(
            show(field_type(&interface, "MyType", field)),
            want,
            "{field}"
        );
    }
    let MemberKind::Type(TypeDef::Struct(empty)) =
        interface.member("MyOtherType").expect("type").kind()
    else {
        panic!("empty struct");
    };
    assert!(empty.is_empty());
    let MemberKind::Method { input, output } = interface.member("Empty").expect("method").kind()
    else {
        panic!("method");
    };
    assert!(input.is_empty() && output.is_empty());
    assert_eq!(
        show(field_type(&interface, "WithFields", "at")),
        "opt(<MyType>)"
    );
    let keywords: Vec<&str> = interface.members().map(|m| m.keyword()).collect();
    assert_eq!(
        keywords,
        ["type", "type", "method", "method", "error", "error"]
    );
}

#[test]
fn enum_type_declarations() {
    let interface = parse("interface a.b\ntype State (idle, spooling, busy)\n");
    let MemberKind::Type(TypeDef::Enum(e)) = member(&interface, 0).kind() else {
        panic!("enum");
    };
    let names: Vec<&str> = e.variants().map(|v| v.name().text).collect();
    assert_eq!(names, ["idle", "spooling", "busy"]);
}

#[test]
fn doc_comments_attach_to_what_follows_and_lose_one_space() {
    let source = "\
# Licence header, not documentation.

#  The interface
# second line
interface a.b # trailing on the interface line

# Doc of T
#
#no space
type T (
  # doc of a
  a: int, # trailing a
  # doc of b
  b: (x, # trailing x
    # doc of y
    y)
  # dangling at end
)

method M() -> () # after M
# end of file
";
    let interface = parse(source);
    assert_eq!(
        interface.doc().collect::<Vec<_>>(),
        [" The interface", "second line"]
    );
    assert_eq!(interface.comments().len(), 3);
    assert_eq!(
        interface.trailing_comment().expect("trailing").text,
        "trailing on the interface line"
    );
    let t = member(&interface, 0);
    assert_eq!(t.doc().collect::<Vec<_>>(), ["Doc of T", "", "no space"]);
    let MemberKind::Type(TypeDef::Struct(fields)) = t.kind() else {
        panic!("struct")
    };
    let field: Vec<_> = fields.fields().collect();
    assert_eq!(field[0].doc().collect::<Vec<_>>(), ["doc of a"]);
    assert_eq!(
        field[0].trailing_comment().expect("trailing").text,
        "trailing a"
    );
    assert_eq!(field[1].doc().collect::<Vec<_>>(), ["doc of b"]);
    let TypeKind::Enum(e) = field[1].ty().kind() else {
        panic!("enum")
    };
    let variant: Vec<_> = e.variants().collect();
    assert_eq!(
        variant[0].trailing_comment().expect("trailing").text,
        "trailing x"
    );
    assert_eq!(variant[1].doc().collect::<Vec<_>>(), ["doc of y"]);
    assert_eq!(fields.end_comments()[0].text, "dangling at end");
    assert_eq!(
        member(&interface, 1)
            .trailing_comment()
            .expect("trailing")
            .text,
        "after M"
    );
    assert_eq!(interface.end_comments()[0].text, "end of file");
}

#[test]
fn spans_cover_the_exact_bytes() {
    let source = "interface a.b\n\n# doc\ntype T (a: ?[]int, b: (c: U))\ntype U (x, y)\n";
    let interface = parse(source);
    let text = |span: idl::ast::Span| &source[span.range()];
    assert_eq!(text(interface.name().span), "a.b");
    let t = member(&interface, 0);
    assert_eq!(text(t.span()), "type T (a: ?[]int, b: (c: U))");
    assert_eq!(text(t.name().span), "T");
    assert_eq!(text(t.comments()[0].span), "# doc");
    let MemberKind::Type(TypeDef::Struct(fields)) = t.kind() else {
        panic!("struct")
    };
    assert_eq!(text(fields.span()), "(a: ?[]int, b: (c: U))");
    let field: Vec<_> = fields.fields().collect();
    assert_eq!(text(field[0].name().span), "a");
    assert_eq!(text(field[0].ty().span()), "?[]int");
    let TypeKind::Optional(inner) = field[0].ty().kind() else {
        panic!("optional")
    };
    assert_eq!(text(inner.span()), "[]int");
    assert_eq!(text(field[1].ty().span()), "(c: U)");
    assert_eq!(text(member(&interface, 1).span()), "type U (x, y)");
}

#[test]
fn layout_freedom_crlf_unicode_spaces_and_comments_after_commas() {
    let source = "interface  a.b\r\n\r\ntype T(\r\n\ta :int ,# c\r\n b:[string]( )\r\n)\r\nmethod M ( )->( )\u{2028}error E\u{00A0}()\r\n";
    let interface = parse(source);
    assert_eq!(interface.members().len(), 3);
    assert_eq!(show(field_type(&interface, "T", "b")), "map(struct())");
}

#[test]
fn corpus_style_interface_with_uppercase_and_digits() {
    parse(
        "interface io.systemd.Resolve\nmethod ResolveHostname(name: string) -> (addresses: []int)\n",
    );
    parse("interface org.varlink.certification\ntype Interface (interface, b, c)\n");
    parse("interface A.9b-c--d.e\ntype T ()\n");
}

#[test]
fn a_tree_may_be_declared_before_its_source() {
    // Compiles only while `Interface` has no `Drop` of its own: with one,
    // the drop check would require `text` to outlive `trees`.
    let mut trees = Vec::new();
    let text = String::from("interface a.b\n\nerror E ()\n");
    trees.push(varlink_codegen::idl::parse(&text).expect("valid"));
    assert_eq!(trees[0].members().len(), 1);
}
