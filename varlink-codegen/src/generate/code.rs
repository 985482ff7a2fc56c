//! Rust source text as the generator writes it: lines at an indentation,
//! most of them from templates.
//!
//! The generator writes text directly, laid out for reading (rustfmt's
//! indentation and blank lines; long lines are not broken), instead of
//! building `proc_macro2` tokens and formatting them with `syn` and
//! `prettyplease`: that took about sixty times as long (podman: 116 ms
//! against 2 ms, see bench/RESULTS.md). The proc macro lexes the text
//! into tokens. DESIGN.md asks for `quote!`; the README ("Generating
//! code") says why this differs and what keeps the text well-formed.

use std::cell::RefCell;

use crate::fxhash::FxHashMap;

/// Indentation of one block level.
const INDENT: &str = "    ";

/// Generated Rust source.
pub(crate) struct Code {
    text: String,
    depth: usize,
}

thread_local! {
    /// Templates split into pieces, by first use on this thread. Kept from
    /// one generation to the next: a build script generates several
    /// interfaces, the proc macro expands in a long-lived compiler thread,
    /// and the set of templates is small and fixed.
    static TEMPLATES: RefCell<Templates> = RefCell::new(Templates::default());
}

/// The templates split so far, and where to find each by its address and
/// length (a scan of all of them, at each use, was a tenth of writing).
#[derive(Default)]
struct Templates {
    compiled: Vec<Compiled>,
    by_key: FxHashMap<(usize, usize), usize>,
}

/// A template split into lines of text and variables.
struct Compiled {
    /// The template's address and length, which find it again.
    key: (usize, usize),
    /// The variable names, in the order the pieces refer to them by.
    names: Vec<&'static str>,
    lines: Vec<Line>,
}

/// One line of a template; no pieces for an empty line.
#[derive(Default)]
struct Line {
    pieces: Vec<Piece>,
    /// Spaces at the start of the line.
    own_indent: usize,
    /// The variable the line holds and nothing else, if so.
    sole_var: Option<usize>,
}

enum Piece {
    Text(&'static str),
    /// An index into the variables.
    Var(usize),
}

impl Compiled {
    fn new(template: &'static str, vars: &[(&'static str, &str)]) -> Self {
        let lines = template
            .lines()
            .map(|line| {
                let mut out = Line {
                    own_indent: line.len() - line.trim_start().len(),
                    ..Line::default()
                };
                let mut rest = line;
                while let Some(at) = rest.find('$') {
                    if at > 0 {
                        out.pieces.push(Piece::Text(&rest[..at]));
                    }
                    let name_len = rest[at + 1..]
                        .bytes()
                        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
                        .count();
                    let name = &rest[at + 1..at + 1 + name_len];
                    match vars.iter().position(|(var, _)| *var == name) {
                        Some(var) => out.pieces.push(Piece::Var(var)),
                        None => {
                            debug_assert!(false, "template variable `${name}` has no value");
                            out.pieces.push(Piece::Text(&rest[at..at + 1 + name_len]));
                        }
                    }
                    rest = &rest[at + 1 + name_len..];
                }
                if !rest.is_empty() {
                    out.pieces.push(Piece::Text(rest));
                }
                if let [Piece::Var(var)] = out.pieces[..] {
                    out.sole_var = Some(var);
                } else if let [Piece::Text(indent), Piece::Var(var)] = out.pieces[..]
                    && indent.trim().is_empty()
                {
                    out.sole_var = Some(var);
                }
                out
            })
            .collect();
        Compiled {
            key: (template.as_ptr() as usize, template.len()),
            names: vars.iter().map(|(name, _)| *name).collect(),
            lines,
        }
    }
}

impl Code {
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        Code {
            text: String::with_capacity(capacity),
            depth: 0,
        }
    }

    pub(crate) fn into_string(self) -> String {
        self.text
    }

    fn indent(&mut self) {
        for _ in 0..self.depth {
            self.text.push_str(INDENT);
        }
    }

    /// One line: `parts` joined, at the current indentation (given to the
    /// first line only, when a part has line breaks).
    pub(crate) fn line(&mut self, parts: &[&str]) {
        self.indent();
        for part in parts {
            self.text.push_str(part);
        }
        self.text.push('\n');
    }

    /// One line that `write` writes, at the current indentation.
    pub(crate) fn line_with(&mut self, write: impl FnOnce(&mut String)) {
        self.indent();
        write(&mut self.text);
        self.text.push('\n');
    }

    /// An empty line, between items.
    pub(crate) fn blank(&mut self) {
        self.text.push('\n');
    }

    /// A line that ends in `{` and opens a block: what follows is indented
    /// one level more, until [`Code::close`].
    pub(crate) fn open(&mut self, parts: &[&str]) {
        self.indent();
        for part in parts {
            self.text.push_str(part);
        }
        self.text.push_str(" {\n");
        self.depth += 1;
    }

    /// Closes the block [`Code::open`] opened: `}` and then `tail` (`,`,
    /// `;` or nothing).
    pub(crate) fn close(&mut self, tail: &str) {
        self.depth = self.depth.saturating_sub(1);
        self.indent();
        self.text.push('}');
        self.text.push_str(tail);
        self.text.push('\n');
    }

    /// Writes `template` at the current indentation, each `$name` replaced
    /// by the value `vars` gives for `name` (letters, digits and `_`).
    /// A value with line breaks keeps the indentation of its line, so a
    /// multi-line value can stand alone on a line of the template; a line
    /// that holds only an empty value is left out.
    ///
    /// Templates are the generator's own text: a `$name` they do not give
    /// a value for is a bug, caught by the snapshot tests (it panics in
    /// debug builds and is written as it stands otherwise).
    ///
    /// A template is split into its pieces once, on first use, and kept
    /// (`TEMPLATES`): most are written once per method of the interface.
    pub(crate) fn template(&mut self, template: &'static str, vars: &[(&'static str, &str)]) {
        let key = (template.as_ptr() as usize, template.len());
        TEMPLATES.with_borrow_mut(|templates| {
            // Names from the same call site are the same literals: equal
            // addresses settle most comparisons without reading the text.
            let same_names = |compiled: &Compiled| {
                compiled.names.len() == vars.len()
                    && compiled
                        .names
                        .iter()
                        .zip(vars)
                        .all(|(&known, &(name, _))| std::ptr::eq(known, name) || known == name)
            };
            let at = match templates.by_key.get(&key) {
                Some(&at) if same_names(&templates.compiled[at]) => at,
                // Not split yet, or (a template text used twice, which
                // the compiler may store once) with other variables.
                _ => match templates
                    .compiled
                    .iter()
                    .position(|c| c.key == key && same_names(c))
                {
                    Some(at) => at,
                    None => {
                        templates.compiled.push(Compiled::new(template, vars));
                        let at = templates.compiled.len() - 1;
                        templates.by_key.insert(key, at);
                        at
                    }
                },
            };
            // Which values span lines, found once per value rather than
            // at each place the template uses it.
            debug_assert!(vars.len() <= 64, "a template has at most 64 variables");
            let multi_line = vars
                .iter()
                .enumerate()
                .filter(|(_, (_, value))| memchr::memchr(b'\n', value.as_bytes()).is_some())
                .fold(0u64, |set, (at, _)| set | 1 << at);
            for line in &templates.compiled[at].lines {
                self.template_line(line, vars, multi_line);
            }
        });
    }

    /// One line of a template; `multi_line` has bit `n` set when value `n`
    /// holds a line break.
    fn template_line(&mut self, line: &Line, vars: &[(&'static str, &str)], multi_line: u64) {
        if line.pieces.is_empty() {
            self.text.push('\n');
            return;
        }
        if line.sole_var.is_some_and(|var| vars[var].1.is_empty()) {
            return;
        }
        // Indentation is spaces only: the block's and the line's own (the
        // line's own starts its first piece).
        let width = self.depth * INDENT.len() + line.own_indent;
        self.indent();
        for piece in &line.pieces {
            match *piece {
                Piece::Text(text) => self.text.push_str(text),
                Piece::Var(var) if multi_line & 1 << var != 0 => {
                    self.multi_line_value(vars[var].1, width);
                }
                Piece::Var(var) => self.text.push_str(vars[var].1),
            }
        }
        self.text.push('\n');
    }

    /// A template value with line breaks: every line after its first gets
    /// the indentation of the template line, `width` spaces.
    fn multi_line_value(&mut self, value: &str, width: usize) {
        let mut start = 0;
        for end in memchr::memchr_iter(b'\n', value.as_bytes()) {
            self.text.push_str(&value[start..end]);
            self.text.push('\n');
            start = end + 1;
            if start < value.len() && value.as_bytes()[start] != b'\n' {
                self.text.extend(std::iter::repeat_n(' ', width));
            }
        }
        self.text.push_str(&value[start..]);
    }
}

/// Appends every part to `out`: for text built before it goes into a
/// template, such as argument lists and `match` arms.
pub(crate) fn push_all(out: &mut String, parts: &[&str]) {
    for part in parts {
        out.push_str(part);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_and_templates_indent() {
        let mut code = Code::with_capacity(0);
        code.open(&["impl ", "Foo"]);
        code.line(&["const A: i64 = ", "1", ";"]);
        code.template(
            "fn f(&self) -> $ty {\n    match self {\n        $arms\n        $none\n    }\n}\n\nstruct $name;",
            &[
                ("ty", "i64"),
                ("arms", "A => 1,\nB => 2,"),
                ("name", "Bar"),
                ("none", ""),
            ],
        );
        code.close("");
        assert_eq!(
            code.into_string(),
            "impl Foo {\n    const A: i64 = 1;\n    fn f(&self) -> i64 {\n        match self {\n            A => 1,\n            B => 2,\n        }\n    }\n\n    struct Bar;\n}\n"
        );
    }
}
