//! Diagnostics as plain data: a severity, a stable code, a message, a primary range in a
//! file, secondary labels and a hint. Queries return them in their results (no salsa
//! accumulators); the CLI and the language server render them.

use pluto_syntax::{SyntaxError, SyntaxErrorKind, TextRange, TextSize};

use crate::files::SourceFile;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// A secondary location that explains a diagnostic.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Label {
    pub file: SourceFile,
    pub range: TextRange,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Diagnostic {
    pub severity: Severity,
    /// A stable code such as `E0001`, documented in `docs/diagnostics.md`.
    pub code: &'static str,
    pub message: String,
    pub file: SourceFile,
    pub range: TextRange,
    /// Short text shown under the primary span; may be empty.
    pub primary_label: String,
    pub labels: Vec<Label>,
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn error(code: &'static str, message: impl Into<String>, file: SourceFile, range: TextRange) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            file,
            range,
            primary_label: String::new(),
            labels: Vec::new(),
            hint: None,
        }
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.primary_label = label.into();
        self
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

/// The codes of the diagnostics this crate produces.
pub mod codes {
    pub const SYNTAX: &str = "E0001";
    pub const UNTERMINATED_STRING: &str = "E0002";
    pub const INVALID_ESCAPE: &str = "E0003";
    pub const INVALID_NUMBER: &str = "E0004";
    pub const UNEXPECTED_CHARACTER: &str = "E0005";
    pub const TOO_DEEP: &str = "E0006";
    pub const UNRESOLVED_IMPORT: &str = "E0010";
    pub const UNREADABLE_FILE: &str = "E0011";
}

pub(crate) fn from_syntax_error(file: SourceFile, error: &SyntaxError) -> Diagnostic {
    let (code, label, hint) = match error.kind {
        SyntaxErrorKind::Parse => (codes::SYNTAX, "", None),
        SyntaxErrorKind::UnterminatedString => (
            codes::UNTERMINATED_STRING,
            "this string is never closed",
            Some("a string ends on the line it starts on: close it with `\"`"),
        ),
        SyntaxErrorKind::InvalidEscape => (
            codes::INVALID_ESCAPE,
            "",
            Some("the escapes are `\\n`, `\\t`, `\\r`, `\\0`, `\\\\`, `\\\"`, `\\{` and `\\}`"),
        ),
        SyntaxErrorKind::InvalidNumber => (
            codes::INVALID_NUMBER,
            "",
            Some("numbers are written like `42`, `1_000`, `0xff`, `0b101`, `0o17`, `1.5` or `1e3`"),
        ),
        SyntaxErrorKind::UnexpectedCharacter => (codes::UNEXPECTED_CHARACTER, "", None),
        SyntaxErrorKind::TooDeep => {
            (codes::TOO_DEEP, "", Some("split the expression into smaller pieces with `let` bindings"))
        }
    };
    let mut diagnostic = Diagnostic::error(code, error.message.clone(), file, error.range).with_label(label);
    diagnostic.hint = hint.map(str::to_string);
    diagnostic
}

/// Line starts of a text, to turn offsets into 0-based lines and character columns.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct LineIndex {
    line_starts: Vec<TextSize>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut line_starts = vec![TextSize::from(0)];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| TextSize::from(i as u32 + 1)));
        LineIndex { line_starts }
    }

    /// The 0-based line and the 0-based column, counted in Unicode scalar values.
    pub fn line_col(&self, text: &str, offset: TextSize) -> (u32, u32) {
        let line = self.line_starts.partition_point(|&start| start <= offset) - 1;
        let start = usize::from(self.line_starts[line]);
        let end = usize::from(offset).min(text.len());
        let column = text.get(start..end).map_or(0, |s| s.chars().count());
        (line as u32, column as u32)
    }

    pub fn line_starts(&self) -> &[TextSize] {
        &self.line_starts
    }
}
