//! Diagnostics: one type for every problem the front end and the code
//! generator find, rendered like rustc's, with a source snippet.
//!
//! A diagnostic holds byte spans only; the source text and its path are
//! supplied when it is rendered, so that the same diagnostic can be shown by
//! the command line, a build script or the proc macro.

use std::fmt;
use std::ops::Range;

use annotate_snippets::{Annotation, AnnotationKind, Group, Level, Renderer, Snippet};

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
    /// starts, as the snippet of [`Self::render`] shows it (see
    /// [`line_col`]).
    pub fn line_col(&self, source: &str) -> (usize, usize) {
        line_col(source, self.span.start)
    }

    /// Renders the diagnostic rustc-style: `path:line:col: error: message`,
    /// then a snippet of `source` with a caret under the offending bytes.
    /// `color` adds ANSI colours; pass it only when writing to a terminal.
    pub fn render(&self, path: &str, source: &str, color: bool) -> String {
        let mut unlimited = usize::MAX;
        self.render_with(&LineIndex::new(source), path, color, &mut unlimited)
    }

    /// [`Self::render`] with the line index of the source built already:
    /// rendering many diagnostics of one file then costs each only the
    /// lines it shows. The snippet is left out when its lines would take
    /// more than `budget` bytes, which is reduced by what it takes.
    fn render_with(
        &self,
        lines: &LineIndex<'_>,
        path: &str,
        color: bool,
        budget: &mut usize,
    ) -> String {
        let (line, col) = lines.line_col(self.span.start);
        let header = format!("{path}:{line}:{col}: error");
        let mut marks = vec![Mark {
            kind: AnnotationKind::Primary,
            range: lines.range(self.span),
            label: self.label.as_deref(),
        }];
        marks.extend(self.related.iter().map(|(span, label)| Mark {
            kind: AnnotationKind::Context,
            range: lines.range(*span),
            label: Some(label.as_str()),
        }));
        let mut group = Level::ERROR
            .with_name(Some(header.as_str()))
            .primary_title(self.message.as_str())
            .elements(lines.snippets(path, &marks, budget));
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

/// One annotation of a snippet, in bytes of the whole source.
struct Mark<'d> {
    kind: AnnotationKind,
    range: Range<usize>,
    label: Option<&'d str>,
}

/// How many bytes of source the snippets of one file may show, all
/// together; a diagnostic whose snippet would go past it shows only its
/// position and message (a later, smaller one may still fit). The
/// renderer reads every byte of a snippet's lines, so thousands of errors
/// on one long line would otherwise take time quadratic in its length.
const SNIPPET_BUDGET: usize = 4 << 20;

/// Annotations this many lines apart or closer share one snippet (the
/// renderer folds the lines between them); farther apart, each gets its own.
const SNIPPET_GAP: usize = 3;

/// Where the lines of a source start: one table per file, however many
/// diagnostics it has. Lines end at `\n` only, as in the snippets
/// `annotate-snippets` draws (a lone `\r` or U+2028 shows within its line
/// there), so that a diagnostic's `line:col` and its snippet agree.
struct LineIndex<'s> {
    source: &'s str,
    /// The byte offset of each line's first byte.
    starts: Vec<usize>,
}

impl<'s> LineIndex<'s> {
    fn new(source: &'s str) -> Self {
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', source.as_bytes()).map(|at| at + 1));
        LineIndex { source, starts }
    }

    /// Where a diagnostic at byte `offset` is shown. An offset at the very
    /// end, after a final line break, is shown at the end of the last
    /// line, as rustc does, rather than on an empty line of its own.
    fn shown_at(&self, offset: usize) -> usize {
        let len = self.source.len();
        if offset < len {
            return offset;
        }
        let text = self.source.as_bytes();
        match text {
            [.., b'\r', b'\n'] => len - 2,
            [.., b'\n'] => len - 1,
            _ => len,
        }
    }

    /// The 0-based line of byte `offset`.
    fn line(&self, offset: usize) -> usize {
        self.starts.partition_point(|&start| start <= offset) - 1
    }

    /// Where line `line` ends: its `\n` (or the `\r` of its `\r\n`), or
    /// the end of the text.
    fn line_end(&self, line: usize) -> usize {
        let Some(next) = self.starts.get(line + 1) else {
            // The last line: a lone `\r` at its end is part of it.
            return self.source.len();
        };
        let end = next - 1;
        if end > self.starts[line] && self.source.as_bytes()[end - 1] == b'\r' {
            end - 1
        } else {
            end
        }
    }

    fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = self.shown_at(offset);
        let line = self.line(offset);
        let start = self.starts[line];
        let col = self
            .source
            .get(start..offset)
            .map_or(offset - start, |text| text.chars().count());
        (line + 1, col + 1)
    }

    /// A span as a byte range that a snippet can show.
    fn range(&self, span: Span) -> Range<usize> {
        let start = self.shown_at(span.start.min(self.source.len()));
        start..span.end.clamp(start, self.source.len())
    }

    /// The lines a range covers, first and last.
    fn lines_of(&self, range: &Range<usize>) -> (usize, usize) {
        let first = self.line(range.start);
        let last = if range.end > range.start {
            self.line(range.end - 1)
        } else {
            first
        };
        (first, last)
    }

    /// Snippets that show the marks: the lines around each, marks close to
    /// each other together, the primary mark's snippet first. Only those
    /// lines are handed to the renderer, which reads every line it gets;
    /// none when they are longer than `budget` bytes.
    fn snippets<'d>(
        &self,
        path: &'d str,
        marks: &[Mark<'d>],
        budget: &mut usize,
    ) -> Vec<Snippet<'d, Annotation<'d>>>
    where
        's: 'd,
    {
        let mut order: Vec<(usize, usize, usize)> = marks
            .iter()
            .enumerate()
            .map(|(i, mark)| {
                let (first, last) = self.lines_of(&mark.range);
                (first, last, i)
            })
            .collect();
        order.sort_unstable();
        // Windows of lines, each with the marks it shows.
        let mut windows: Vec<(usize, usize, Vec<usize>)> = Vec::new();
        for (first, last, i) in order {
            match windows.last_mut() {
                Some((_, end, members)) if first <= *end + SNIPPET_GAP => {
                    *end = (*end).max(last);
                    members.push(i);
                }
                _ => windows.push((first, last, vec![i])),
            }
        }
        // The primary mark (index 0) leads.
        if let Some(primary) = windows
            .iter()
            .position(|(_, _, members)| members.contains(&0))
        {
            windows[..=primary].rotate_right(1);
        }
        // Each window's text: from its first line's start to its last
        // line's end.
        let windows: Vec<(usize, Range<usize>, Vec<usize>)> = windows
            .into_iter()
            .map(|(first, last, members)| {
                let start = self.starts[first];
                (first, start..self.line_end(last).max(start), members)
            })
            .collect();
        let size: usize = windows.iter().map(|(_, text, _)| text.len()).sum();
        let Some(left) = budget.checked_sub(size) else {
            return Vec::new();
        };
        *budget = left;
        windows
            .into_iter()
            .map(|(first, text, members)| {
                let start = text.start;
                let text = &self.source[text];
                let mut snippet = Snippet::source(text).line_start(first + 1).path(path);
                for i in members {
                    let mark = &marks[i];
                    let from = (mark.range.start - start).min(text.len());
                    let to = (mark.range.end.saturating_sub(start)).clamp(from, text.len());
                    let mut annotation = mark.kind.span(from..to);
                    if let Some(label) = mark.label {
                        annotation = annotation.label(label);
                    }
                    snippet = snippet.annotation(annotation);
                }
                snippet
            })
            .collect()
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
        let lines = LineIndex::new(source);
        let mut budget = SNIPPET_BUDGET;
        let mut out = String::new();
        for diagnostic in &self.0 {
            out.push_str(&diagnostic.render_with(&lines, path, color, &mut budget));
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

/// The 1-based line and column (in characters) of byte `offset` in `source`,
/// where the snippet of a diagnostic there points. Lines end at `\n` (or
/// `\r\n`); a lone `\r`, which the parser takes for a line break too, is
/// shown within its line. An offset at the end of a text that ends with a
/// line break is shown at the end of the last line.
pub fn line_col(source: &str, offset: usize) -> (usize, usize) {
    LineIndex::new(source).line_col(offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters_and_newlines() {
        let source = "ab\r\ncé\rx\ny";
        assert_eq!(line_col(source, 0), (1, 1));
        assert_eq!(line_col(source, 4), (2, 1));
        assert_eq!(line_col(source, 7), (2, 3));
        // A lone `\r` does not end the line in a snippet either.
        assert_eq!(line_col(source, 8), (2, 4));
        assert_eq!(line_col(source, 10), (3, 1));
        assert_eq!(line_col(source, 99), (3, 2));
        // The end of a text that ends with a line break is the end of its
        // last line.
        assert_eq!(line_col("ab\n", 3), (1, 3));
        assert_eq!(line_col("ab\r\n", 4), (1, 3));
        assert_eq!(line_col("", 0), (1, 1));
    }

    /// The `path:line:col` of the header and of the snippet's `-->` line.
    fn positions(text: &str) -> (&str, &str) {
        let header = text.split(": error").next().unwrap_or_default();
        let arrow = text
            .lines()
            .find_map(|line| line.trim_start().strip_prefix("--> "))
            .unwrap_or_default();
        (header, arrow)
    }

    #[test]
    fn the_header_and_the_snippet_agree_on_the_position() {
        for (source, at) in [
            ("interface a.b\rtype T (a: X)\r", 25),
            ("# only a comment\n", 17),
            ("# only a comment\r\n", 18),
            ("# only a comment\r", 17),
            ("interface a.b\u{2028}type T (a: X)\n", 27),
            ("interface a.b\ntype T (a: X)\n", 25),
            ("x", 1),
        ] {
            let text = Diagnostic::error("bad", Span::new(at, at)).render("f", source, false);
            let (header, arrow) = positions(&text);
            assert_eq!(header, arrow, "{source:?}:\n{text}");
        }
    }

    #[test]
    fn far_apart_places_get_snippets_of_their_own_lines() {
        let source: String = (1..=100).map(|i| format!("line{i}\n")).collect();
        let at = |line: usize| source.find(&format!("line{line}\n")).unwrap_or_default();
        let diagnostic = Diagnostic::error("twice", Span::new(at(90), at(90) + 6))
            .with_label("again")
            .with_related(Span::new(at(10), at(10) + 6), "first");
        let text = diagnostic.render("f", &source, false);
        assert!(text.starts_with("f:90:1: error: twice"), "{text}");
        assert_eq!(positions(&text).1, "f:90:1", "{text}");
        for shown in ["line90", "line10", "^^^^^^ again", "------ first"] {
            assert!(text.contains(shown), "{shown}: {text}");
        }
        for hidden in ["line11", "line50", "line89", "line91"] {
            assert!(!text.contains(hidden), "{hidden}: {text}");
        }
    }

    #[test]
    fn snippets_stop_at_the_budget_but_positions_do_not() {
        // 120 errors on one 50 KB line: 6 MB of snippet lines in all.
        let line: String = (0..120).map(|i| format!("{i:0>416} ")).collect();
        let source = format!("interface a.b\n{line}\n");
        let diagnostics = Diagnostics(
            (0..120)
                .map(|i| {
                    let at = 14 + i * 417;
                    Diagnostic::error(format!("bad {i}"), Span::new(at, at + 1))
                })
                .collect(),
        );
        let text = diagnostics.render("f", &source, false);
        let snippets = text.matches("-->").count();
        assert!((1..120).contains(&snippets), "{snippets} snippets");
        assert_eq!(snippets, SNIPPET_BUDGET / line.len());
        let last = format!("f:2:{}: error: bad 119", 119 * 417 + 1);
        assert!(text.contains(&last), "{last}");
        assert!(text.ends_with("error: f: 120 problems found\n"));
    }

    #[test]
    fn near_places_share_a_snippet() {
        let source = "interface a.b\ntype A ()\ntype A ()\n";
        let diagnostic = Diagnostic::error("twice", Span::new(29, 30))
            .with_label("again")
            .with_related(Span::new(19, 20), "first");
        let text = diagnostic.render("f", source, false);
        assert_eq!(
            text.matches("-->").count() + text.matches(":::").count(),
            1,
            "{text}"
        );
        assert!(text.contains("type A ()"), "{text}");
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
