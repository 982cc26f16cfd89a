//! The Pluto syntax layer: lexer, error-tolerant parser, lossless rowan trees and typed
//! AST accessors. It knows nothing of salsa, files on disk or the language server: it
//! turns text into a tree plus errors, for any input, without panicking.

pub mod ast;
mod lexer;
mod parser;
mod stack;
mod syntax_kind;

pub use rowan::{GreenNode, TextRange, TextSize};
pub use syntax_kind::{PlutoLanguage, SyntaxElement, SyntaxKind, SyntaxNode, SyntaxToken};

pub use lexer::{Lexed, lex};
pub use stack::ensure_stack;

/// What kind of mistake a `SyntaxError` reports; each kind has its own diagnostic code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SyntaxErrorKind {
    /// The tokens do not form the expected construct.
    Parse,
    UnterminatedString,
    InvalidEscape,
    InvalidNumber,
    UnexpectedCharacter,
    /// Expressions, types or blocks nested beyond the parser's limit.
    TooDeep,
}

/// A problem found while lexing or parsing, located in the source text.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SyntaxError {
    pub kind: SyntaxErrorKind,
    pub message: String,
    pub range: TextRange,
}

impl SyntaxError {
    pub fn new(message: impl Into<String>, range: TextRange) -> Self {
        Self::with_kind(SyntaxErrorKind::Parse, message, range)
    }

    pub fn with_kind(kind: SyntaxErrorKind, message: impl Into<String>, range: TextRange) -> Self {
        SyntaxError { kind, message: message.into(), range }
    }
}

/// The result of parsing one file: an immutable green tree (cheap to clone and share)
/// and the errors found. The tree's text is always exactly the input.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Parse {
    green: GreenNode,
    errors: Vec<SyntaxError>,
}

impl Parse {
    pub fn syntax(&self) -> SyntaxNode {
        SyntaxNode::new_root(self.green.clone())
    }

    pub fn tree(&self) -> ast::SourceFile {
        ast::SourceFile { syntax: self.syntax() }
    }

    pub fn green(&self) -> &GreenNode {
        &self.green
    }

    pub fn errors(&self) -> &[SyntaxError] {
        &self.errors
    }

    /// The tree in the indented `KIND@range` form, followed by the errors; used by
    /// snapshot tests and `pluto` debugging output.
    pub fn debug_dump(&self) -> String {
        let mut out = format!("{:#?}", self.syntax());
        for error in &self.errors {
            out.push_str(&format!("error {:?}: {}\n", error.range, error.message));
        }
        out
    }
}

/// Parses a whole Pluto source file.
pub fn parse(text: &str) -> Parse {
    let lexed = lexer::lex(text);
    let (green, errors) = parser::parse_source_file(text, &lexed);
    Parse { green, errors }
}
