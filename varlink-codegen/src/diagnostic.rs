//! Diagnostics: one type for every problem the front end and the code
//! generator find, rendered like rustc's, with a source snippet.
//!
//! A diagnostic holds byte spans only; the source text and its path are
//! supplied when it is rendered, so that the same diagnostic can be shown by
//! the command line, a build script or the proc macro.

use std::fmt;

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

use crate::idl::ast::Span;

/// One problem in an interface definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// What is wrong, in one sentence without a final period.
    pub message: String,
    /// The offending bytes. An empty span points between two bytes.
    pub span: Span,
    /// A short text shown beside the caret.
    pub label: Option<String>,
    /// Other places that explain the problem, each with its label.
    pub related: Vec<(Span, String)>,
    /// `note:` lines shown below the snippet.
    pub notes: Vec<String>,
    /// A `help:` line with a suggestion.
    pub help: Option<String>,
}

impl Diagnostic {
    /// An error at `span`.
    pub fn error(message: impl Into<String>, span: Span) -> Self {
        Diagnostic {
            message: message.into(),
            span,
            label: None,
            related: Vec::new(),
            notes: Vec::new(),
            help: None,
        }
    }

    /// Sets the label beside the caret.
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// Adds another labelled place.
    pub fn with_related(mut self, span: Span, label: impl Into<String>) -> Self {
        self.related.push((span, label.into()));
        self
    }

    /// Adds a note.
    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// Sets the help line.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// The 1-based line and column (in characters) where the diagnostic
    /// starts.
    pub fn line_col(&self, source: &str) -> (usize, usize) {
        line_col(source, self.span.start)
    }

    /// Renders the diagnostic rustc-style: `path:line:col: error: message`,
    /// then a snippet of `source` with a caret under the offending bytes.
    /// `color` adds ANSI colours; pass it only when writing to a terminal.
    pub fn render(&self, path: &str, source: &str, color: bool) -> String {
        let (line, col) = self.line_col(source);
        let header = format!("{path}:{line}:{col}: error");
        let clamp = |span: Span| {
            let start = span.start.min(source.len());
            start..span.end.clamp(start, source.len())
        };
        let mut primary = AnnotationKind::Primary.span(clamp(self.span));
        if let Some(label) = &self.label {
            primary = primary.label(label.as_str());
        }
        let mut snippet = Snippet::source(source).path(path).annotation(primary);
        for (span, label) in &self.related {
            snippet = snippet.annotation(
                AnnotationKind::Context
                    .span(clamp(*span))
                    .label(label.as_str()),
            );
        }
        let mut group = Level::ERROR
            .with_name(Some(header.as_str()))
            .primary_title(self.message.as_str())
            .element(snippet);
        for note in &self.notes {
            group = group.element(Level::NOTE.message(note.as_str()));
        }
        if let Some(help) = &self.help {
            group = group.element(Level::HELP.message(help.as_str()));
        }
        let report: [Group<'_>; 1] = [group];
        let renderer = if color {
            Renderer::styled()
        } else {
            Renderer::plain()
        };
        renderer.render(&report)
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error: {}", self.message)
    }
}

impl std::error::Error for Diagnostic {}

/// Every problem found in one interface, sorted by position.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// The diagnostics in source order.
    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.0.iter()
    }

    /// How many problems were found.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Sorts by position; diagnostics at the same place keep their order.
    pub fn sort(&mut self) {
        self.0.sort_by_key(|diagnostic| diagnostic.span.start);
    }

    /// Renders all diagnostics, each followed by an empty line, and a
    /// closing count when there is more than one.
    pub fn render(&self, path: &str, source: &str, color: bool) -> String {
        let mut out = String::new();
        for diagnostic in &self.0 {
            out.push_str(&diagnostic.render(path, source, color));
            out.push_str("\n\n");
        }
        if self.0.len() > 1 {
            out.push_str(&format!("error: {path}: {} problems found\n", self.0.len()));
        }
        out
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(diagnostic: Diagnostic) -> Self {
        Diagnostics(vec![diagnostic])
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, diagnostic) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{diagnostic}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

/// The 1-based line and column (in characters) of byte `offset` in `source`.
/// `\n`, `\r\n` and a lone `\r` each end a line.
pub fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(source.len());
    let before = source.as_bytes().get(..offset).unwrap_or_default();
    let mut line = 1;
    let mut line_start = 0;
    for (i, &byte) in before.iter().enumerate() {
        let lone_cr = byte == b'\r' && before.get(i + 1) != Some(&b'\n');
        if byte == b'\n' || lone_cr {
            line += 1;
            line_start = i + 1;
        }
    }
    let col = source
        .get(line_start..offset)
        .map_or(offset - line_start, |text| text.chars().count())
        + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters_and_all_line_ends() {
        let source = "ab\r\ncé\rx\ny";
        assert_eq!(line_col(source, 0), (1, 1));
        assert_eq!(line_col(source, 4), (2, 1));
        assert_eq!(line_col(source, 7), (2, 3));
        assert_eq!(line_col(source, 8), (3, 1));
        assert_eq!(line_col(source, 10), (4, 1));
        assert_eq!(line_col(source, 99), (4, 2));
    }

    #[test]
    fn render_points_at_the_bytes() {
        let source = "interface a.b\nmethod F(x: Nope) -> ()\n";
        let diagnostic = Diagnostic::error("cannot find type `Nope`", Span::new(26, 30))
            .with_label("not declared")
            .with_help("did you mean `Note`?");
        let text = diagnostic.render("x.varlink", source, false);
        assert!(
            text.starts_with("x.varlink:2:13: error: cannot find type `Nope`"),
            "{text}"
        );
        assert!(text.contains("^^^^ not declared"), "{text}");
        assert!(text.contains("help: did you mean `Note`?"), "{text}");
    }
}
