//! Rust source text as the generator writes it: lines at an indentation,
//! most of them from templates.
//!
//! The generator writes text directly, laid out as rustfmt would lay out
//! most of it, instead of building `proc_macro2` tokens and formatting
//! them with `syn` and `prettyplease`: that route cost about a hundred
//! times as much as the text itself (see bench/RESULTS.md). The proc macro
//! parses the text into tokens.

/// Indentation of one block level.
const INDENT: &str = "    ";

/// Generated Rust source.
pub(crate) struct Code {
    text: String,
    depth: usize,
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

    /// One line: `parts` joined, at the current indentation.
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
    pub(crate) fn template(&mut self, template: &str, vars: &[(&str, &str)]) {
        for line in template.lines() {
            if line.is_empty() {
                self.text.push('\n');
                continue;
            }
            // A line that is one variable with nothing in it goes away.
            if let Some(name) = line.trim().strip_prefix('$')
                && vars
                    .iter()
                    .any(|(var, value)| *var == name && value.is_empty())
            {
                continue;
            }
            // Indentation is spaces only: the block's and the line's own.
            let width = self.depth * INDENT.len() + (line.len() - line.trim_start().len());
            self.indent();
            let mut rest = line;
            while let Some(at) = rest.find('$') {
                self.text.push_str(&rest[..at]);
                let name_len = rest[at + 1..]
                    .bytes()
                    .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
                    .count();
                let name = &rest[at + 1..at + 1 + name_len];
                match vars.iter().find(|(var, _)| *var == name) {
                    Some((_, value)) => self.value(value, width),
                    None => {
                        debug_assert!(false, "template variable `${name}` has no value");
                        self.text.push('$');
                        self.text.push_str(name);
                    }
                }
                rest = &rest[at + 1 + name_len..];
            }
            self.text.push_str(rest);
            self.text.push('\n');
        }
    }

    /// A template value; every line after its first gets the indentation
    /// of the template line, `width` spaces.
    fn value(&mut self, value: &str, width: usize) {
        let mut lines = value.split('\n');
        if let Some(first) = lines.next() {
            self.text.push_str(first);
        }
        for line in lines {
            self.text.push('\n');
            if !line.is_empty() {
                for _ in 0..width {
                    self.text.push(' ');
                }
                self.text.push_str(line);
            }
        }
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
