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

impl Parse {
    /// The parse of `new_text`, given that this is the parse of `old_text`. When the
    /// texts differ only inside one block of an error-free tree and the new block parses
    /// cleanly on its own, only that block is reparsed and spliced in: every other node
    /// is shared with this tree (so queries over unchanged declarations see the very same
    /// green nodes). Otherwise the whole text is parsed. Either way the result equals
    /// `parse(new_text)`.
    pub fn reparse(&self, old_text: &str, new_text: &str) -> Parse {
        self.reparse_block(old_text, new_text).unwrap_or_else(|| parse(new_text))
    }

    fn reparse_block(&self, old_text: &str, new_text: &str) -> Option<Parse> {
        if !self.errors.is_empty() || old_text.len() != usize::from(self.green.text_len()) {
            return None;
        }
        let (old, new) = (old_text.as_bytes(), new_text.as_bytes());
        let mut prefix = old.iter().zip(new).take_while(|(a, b)| a == b).count();
        let max_suffix = old.len().min(new.len()) - prefix;
        let mut suffix = old.iter().rev().zip(new.iter().rev()).take(max_suffix).take_while(|(a, b)| a == b).count();
        while !old_text.is_char_boundary(prefix) || !new_text.is_char_boundary(prefix) {
            prefix -= 1;
        }
        while !old_text.is_char_boundary(old.len() - suffix) || !new_text.is_char_boundary(new.len() - suffix) {
            suffix -= 1;
        }
        let (old_end, new_end) = (old.len() - suffix, new.len() - suffix);
        let edit = TextRange::new((prefix as u32).into(), (old_end as u32).into());
        let root = self.syntax();
        // The innermost block whose braces are outside the edit.
        let covering = root.covering_element(edit);
        let start = match covering {
            rowan::NodeOrToken::Node(n) => Some(n),
            rowan::NodeOrToken::Token(t) => t.parent(),
        };
        let block = std::iter::successors(start, |n| n.parent()).find(|n| {
            let range = n.text_range();
            n.kind() == SyntaxKind::BLOCK && range.start() < edit.start() && edit.end() < range.end()
        })?;
        let range = block.text_range();
        let new_block_end = usize::from(range.end()) + new_end - old_end;
        let block_text = &new_text[usize::from(range.start())..new_block_end];
        let green = parser::parse_block(block_text, &lexer::lex(block_text))?;
        // Stay within the nesting a whole parse accepts: every ancestor might count.
        let depth = block.ancestors().count() as u32 + tree_depth(&green);
        if depth >= parser::NESTING_LIMIT {
            return None;
        }
        Some(Parse { green: block.replace_with(green), errors: Vec::new() })
    }
}

/// The depth of a green tree, without recursion.
fn tree_depth(green: &GreenNode) -> u32 {
    let mut deepest = 0;
    let mut stack = vec![(green.clone(), 1u32)];
    while let Some((node, depth)) = stack.pop() {
        deepest = deepest.max(depth);
        for child in node.children() {
            if let rowan::NodeOrToken::Node(n) = child {
                stack.push((n.to_owned(), depth + 1));
            }
        }
    }
    deepest
}
