//! The error-tolerant parser: a recursive-descent parser over the significant tokens
//! that builds a rowan green tree directly. Trivia is attached as the tree is built, so
//! the tree's text always equals the input. Every entry point makes progress on every
//! input; mistakes become `ERROR` nodes and `SyntaxError`s, never panics.
//!
//! Statements end at newlines, so each significant token remembers whether a newline
//! came before it; the grammar consults that where a line break ends a construct.

mod expressions;
mod items;
mod patterns;
mod types;

use rowan::{Checkpoint, GreenNode, GreenNodeBuilder};

use crate::lexer::Lexed;
use crate::{SyntaxError, SyntaxErrorKind, SyntaxKind, SyntaxKind::*, TextRange, TextSize};

/// How deep expressions, types, patterns and blocks may nest before the parser stops
/// descending (so that adversarial input cannot overflow the stack).
const MAX_DEPTH: u32 = 128;

/// At most this many syntax errors are reported per file; the rest are counted.
const MAX_ERRORS: usize = 100;

/// One error per run of tokens the parser skipped (an `ERROR` node: the lexer's errors
/// inside it add nothing once the run is reported), and at most `MAX_ERRORS` per file,
/// so garbage input gives a short, linear report.
fn limit_errors(green: &GreenNode, errors: Vec<SyntaxError>) -> Vec<SyntaxError> {
    let root = crate::SyntaxNode::new_root(green.clone());
    let mut skipped: Vec<TextRange> =
        root.descendants().filter(|n| n.kind() == ERROR).map(|n| n.text_range()).collect();
    skipped.sort_by_key(|r| r.start());
    let mut kept: Vec<SyntaxError> = Vec::new();
    let mut run = 0;
    for error in errors {
        // The skipped run that contains this error, if any (runs are sorted by start).
        while run < skipped.len() && skipped[run].end() <= error.range.start() {
            run += 1;
        }
        let inside = skipped[run..]
            .iter()
            .take_while(|r| r.start() <= error.range.start())
            .find(|r| r.contains(error.range.start()))
            .copied();
        if let Some(region) = inside
            && kept.last().is_some_and(|last| region.contains(last.range.start()))
        {
            continue;
        }
        kept.push(error);
    }
    if kept.len() > MAX_ERRORS {
        let more = kept.len() - MAX_ERRORS;
        let at = kept[MAX_ERRORS].range;
        kept.truncate(MAX_ERRORS);
        kept.push(SyntaxError::new(
            format!("{more} more syntax error{} not shown: fix the ones above first", if more == 1 { "" } else { "s" }),
            TextRange::empty(at.start()),
        ));
    }
    kept
}

/// Parses `text` as exactly one block `{ ... }` without errors (for reparsing the body
/// of an edited block); `None` if it is anything else.
pub(crate) fn parse_block(text: &str, lexed: &Lexed) -> Option<GreenNode> {
    if !lexed.errors.is_empty() {
        return None;
    }
    let mut p = Parser::new(text, lexed);
    p.start_root(SOURCE_FILE);
    expressions::block(&mut p);
    if !p.at_eof() {
        return None;
    }
    let (green, errors) = p.finish();
    if !errors.is_empty() {
        return None;
    }
    let mut children = green.children();
    match (children.next(), children.next()) {
        (Some(rowan::NodeOrToken::Node(block)), None) if block.kind() == BLOCK.into() => Some(block.to_owned()),
        _ => None,
    }
}

/// The nesting limit, for reparsing to stay within what a whole parse accepts.
pub(crate) const NESTING_LIMIT: u32 = MAX_DEPTH;

pub(crate) fn parse_source_file(text: &str, lexed: &Lexed) -> (GreenNode, Vec<SyntaxError>) {
    let mut p = Parser::new(text, lexed);
    items::source_file(&mut p);
    p.finish()
}

pub(crate) struct Parser<'t> {
    text: &'t str,
    lexed: &'t Lexed,
    /// Indices (into `lexed`) of the significant tokens.
    sig: Vec<u32>,
    /// Whether a newline precedes each significant token.
    newline_before: Vec<bool>,
    /// Position in `sig`.
    pos: usize,
    /// Next token of `lexed` not yet added to the tree.
    raw: usize,
    builder: GreenNodeBuilder<'static>,
    errors: Vec<SyntaxError>,
    depth: u32,
    /// Set while parsing the head of `if`/`while`/`for`/`match`, where `x {` opens a
    /// block rather than a struct literal.
    no_struct_literal: bool,
}

impl<'t> Parser<'t> {
    fn new(text: &'t str, lexed: &'t Lexed) -> Self {
        let mut sig = Vec::with_capacity(lexed.len());
        let mut newline_before = Vec::with_capacity(lexed.len());
        let mut saw_newline = true;
        for (i, kind) in lexed.kinds.iter().enumerate() {
            if kind.is_trivia() {
                if *kind == WHITESPACE && lexed.text(text, i).contains('\n') {
                    saw_newline = true;
                }
            } else {
                sig.push(i as u32);
                newline_before.push(saw_newline);
                saw_newline = false;
            }
        }
        newline_before.push(true); // EOF
        Parser {
            text,
            lexed,
            sig,
            newline_before,
            pos: 0,
            raw: 0,
            builder: GreenNodeBuilder::new(),
            errors: Vec::new(),
            depth: 0,
            no_struct_literal: false,
        }
    }

    fn finish(mut self) -> (GreenNode, Vec<SyntaxError>) {
        self.flush_trivia_to(self.lexed.len());
        self.builder.finish_node();
        // Lexer errors come first, so where both report the same spot the lexer's more
        // specific message is the one kept.
        let mut errors = self.lexed.errors.clone();
        errors.append(&mut self.errors);
        errors.sort_by_key(|e| e.range.start());
        errors.dedup_by_key(|e| e.range.start());
        let green = self.builder.finish();
        let errors = limit_errors(&green, errors);
        (green, errors)
    }

    // ---- looking at tokens ------------------------------------------------------------

    pub(crate) fn nth(&self, n: usize) -> SyntaxKind {
        self.sig.get(self.pos + n).map_or(EOF, |&i| self.lexed.kinds[i as usize])
    }

    pub(crate) fn current(&self) -> SyntaxKind {
        self.nth(0)
    }

    pub(crate) fn at(&self, kind: SyntaxKind) -> bool {
        self.current() == kind
    }

    pub(crate) fn nth_at(&self, n: usize, kind: SyntaxKind) -> bool {
        self.nth(n) == kind
    }

    pub(crate) fn at_eof(&self) -> bool {
        self.pos >= self.sig.len()
    }

    /// Whether a newline separates the current token from the previous one.
    pub(crate) fn at_newline(&self) -> bool {
        self.nth_newline(0)
    }

    pub(crate) fn nth_newline(&self, n: usize) -> bool {
        self.newline_before.get(self.pos + n).copied().unwrap_or(true)
    }

    pub(crate) fn nth_text(&self, n: usize) -> &'t str {
        self.sig.get(self.pos + n).map_or("", |&i| self.lexed.text(self.text, i as usize))
    }

    /// Whether tokens `n` and `n + 1` touch, with no trivia between them.
    fn nth_joined(&self, n: usize) -> bool {
        match (self.sig.get(self.pos + n), self.sig.get(self.pos + n + 1)) {
            (Some(&a), Some(&b)) => b == a + 1,
            _ => false,
        }
    }

    fn current_range(&self) -> TextRange {
        match self.sig.get(self.pos) {
            Some(&i) => self.lexed.range(i as usize),
            None => TextRange::empty(TextSize::from(self.text.len() as u32)),
        }
    }

    /// The end of the last significant token consumed.
    fn prev_end(&self) -> TextSize {
        match self.pos.checked_sub(1).and_then(|p| self.sig.get(p)) {
            Some(&i) => self.lexed.range(i as usize).end(),
            None => TextSize::from(0),
        }
    }

    // ---- building the tree ------------------------------------------------------------

    fn flush_trivia_to(&mut self, end: usize) {
        while self.raw < end {
            let kind = self.lexed.kinds[self.raw];
            self.builder.token(kind.into(), self.lexed.text(self.text, self.raw));
            self.raw += 1;
        }
    }

    fn flush_trivia(&mut self) {
        let end = self.sig.get(self.pos).map_or(self.lexed.len(), |&i| i as usize);
        self.flush_trivia_to(end);
    }

    /// Starts the root node, before any trivia, so that the root covers the whole text.
    pub(crate) fn start_root(&mut self, kind: SyntaxKind) {
        debug_assert_eq!(self.raw, 0);
        self.builder.start_node(kind.into());
    }

    pub(crate) fn start_node(&mut self, kind: SyntaxKind) {
        self.flush_trivia();
        self.builder.start_node(kind.into());
    }

    pub(crate) fn finish_node(&mut self) {
        self.builder.finish_node();
    }

    pub(crate) fn checkpoint(&mut self) -> Checkpoint {
        self.flush_trivia();
        self.builder.checkpoint()
    }

    pub(crate) fn start_node_at(&mut self, checkpoint: Checkpoint, kind: SyntaxKind) {
        self.builder.start_node_at(checkpoint, kind.into());
    }

    /// Adds the current token to the tree and moves on.
    pub(crate) fn bump(&mut self) {
        self.bump_as(self.current());
    }

    /// Adds the current token to the tree under another kind (contextual keywords).
    pub(crate) fn bump_as(&mut self, kind: SyntaxKind) {
        if self.at_eof() {
            return;
        }
        self.flush_trivia();
        let i = self.sig[self.pos] as usize;
        self.builder.token(kind.into(), self.lexed.text(self.text, i));
        self.raw = i + 1;
        self.pos += 1;
    }

    /// Adds the next `n` touching tokens as one token of `kind` (`<<`, `>>`).
    fn bump_joined(&mut self, kind: SyntaxKind, n: usize) {
        self.flush_trivia();
        let first = self.sig[self.pos] as usize;
        let last = self.sig[self.pos + n - 1] as usize;
        let text = &self.text[self.lexed.starts[first] as usize..self.lexed.starts[last + 1] as usize];
        self.builder.token(kind.into(), text);
        self.raw = last + 1;
        self.pos += n;
    }

    pub(crate) fn eat(&mut self, kind: SyntaxKind) -> bool {
        if self.at(kind) {
            self.bump();
            true
        } else {
            false
        }
    }

    /// Consumes `kind`, or reports that it is missing.
    pub(crate) fn expect(&mut self, kind: SyntaxKind) -> bool {
        if self.eat(kind) {
            return true;
        }
        self.error_expected(kind.describe());
        false
    }

    // ---- errors -----------------------------------------------------------------------

    /// Reports an error at the current token; when that token starts a new line (or the
    /// file has ended), the error points just past the previous token instead, which is
    /// where the missing piece belongs.
    pub(crate) fn error(&mut self, message: impl Into<String>) {
        let range =
            if self.at_newline() || self.at_eof() { TextRange::empty(self.prev_end()) } else { self.current_range() };
        self.push_error(SyntaxError::new(message, range));
    }

    /// Records an error unless one was already reported at the same place: the first
    /// explanation of a spot is the useful one, the rest is cascade.
    fn push_error(&mut self, error: SyntaxError) {
        if self.errors.last().is_some_and(|last| last.range.start() == error.range.start()) {
            return;
        }
        self.errors.push(error);
    }

    pub(crate) fn error_expected(&mut self, what: &str) {
        let found = self.found();
        self.error(format!("expected {what}, found {found}"));
    }

    /// How the current token reads in an error message.
    pub(crate) fn found(&self) -> String {
        match self.current() {
            EOF => "end of file".to_string(),
            STRING_START => "a string".to_string(),
            INT_NUMBER | FLOAT_NUMBER => format!("number `{}`", self.nth_text(0)),
            _ => format!("`{}`", self.nth_text(0)),
        }
    }

    /// Reports `message` at the current token itself.
    pub(crate) fn error_at_current(&mut self, message: impl Into<String>) {
        self.push_error(SyntaxError::new(message, self.current_range()));
    }

    /// Wraps the current token in an `ERROR` node after reporting `message`.
    pub(crate) fn err_and_bump(&mut self, message: impl Into<String>) {
        self.error_at_current(message);
        self.start_node(ERROR);
        self.bump();
        self.finish_node();
    }

    /// Skips to the end of the line (or a closing `}` on it) inside one `ERROR` node.
    pub(crate) fn skip_rest_of_line(&mut self) {
        if self.at_eof() || self.at(R_BRACE) {
            return;
        }
        self.start_node(ERROR);
        let mut depth = 0u32;
        loop {
            match self.current() {
                EOF => break,
                L_BRACE | L_PAREN | L_BRACK => depth += 1,
                R_BRACE if depth == 0 => break,
                R_BRACE | R_PAREN | R_BRACK => depth = depth.saturating_sub(1),
                _ => {}
            }
            self.bump();
            if self.at_newline() && depth == 0 {
                break;
            }
        }
        self.finish_node();
    }

    // ---- nesting ----------------------------------------------------------------------

    /// Enters one level of nesting; `false` (after reporting and skipping the line) when
    /// the input nests too deeply.
    pub(crate) fn enter(&mut self) -> bool {
        if self.depth >= MAX_DEPTH {
            let range = self.current_range();
            self.push_error(SyntaxError::with_kind(SyntaxErrorKind::TooDeep, "nesting is too deep", range));
            self.start_node(ERROR);
            self.bump();
            while !self.at_eof() && !self.at_newline() {
                self.bump();
            }
            self.finish_node();
            return false;
        }
        self.depth += 1;
        true
    }

    pub(crate) fn leave(&mut self) {
        self.depth -= 1;
    }

    /// Runs `f` with struct literals allowed or not, restoring the previous setting.
    pub(crate) fn with_struct_literals<R>(&mut self, allowed: bool, f: impl FnOnce(&mut Self) -> R) -> R {
        let saved = std::mem::replace(&mut self.no_struct_literal, !allowed);
        let result = f(self);
        self.no_struct_literal = saved;
        result
    }
}

/// How the elements of a `delimited` list are separated.
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Sep {
    /// Expression-like lists (`f(a, b)`, `[1, 2]`, parameters): commas, with line breaks
    /// allowed after them. A line break where a comma is missing ends the list, so an
    /// unclosed list does not swallow the next statement.
    Comma,
    /// Declaration-like lists (fields, match arms): a comma or a line break.
    CommaOrNewline,
}

/// A list between `open` and `close`: calls `element` while the current token can start
/// an element, and reports anything else.
pub(crate) fn delimited(
    p: &mut Parser<'_>,
    (open, close): (SyntaxKind, SyntaxKind),
    sep: Sep,
    what: &str,
    starts_element: impl Fn(&Parser<'_>) -> bool,
    mut element: impl FnMut(&mut Parser<'_>),
) {
    p.expect(open);
    p.with_struct_literals(true, |p| {
        while !p.at(close) && !p.at_eof() {
            if starts_element(p) {
                let before = p.pos;
                element(p);
                if p.pos == before {
                    p.err_and_bump(format!("expected {what}"));
                }
            } else if is_list_recovery(p.current()) {
                break;
            } else {
                let found = p.found();
                p.err_and_bump(format!("expected {what}, found {found}"));
                continue;
            }
            if p.at(close) || p.eat(COMMA) {
                continue;
            }
            if p.at_newline() {
                if sep == Sep::CommaOrNewline {
                    continue;
                }
                break;
            }
            if is_list_recovery(p.current()) {
                break;
            }
            let found = p.found();
            p.error(format!("expected `,` or {}, found {found}", close.describe()));
        }
    });
    p.expect(close);
}

/// Tokens that end any list the parser is in: they belong to an enclosing construct.
fn is_list_recovery(kind: SyntaxKind) -> bool {
    matches!(
        kind,
        R_BRACE
            | R_PAREN
            | R_BRACK
            | FN_KW
            | CLASS_KW
            | STAGE_KW
            | ENUM_KW
            | TRAIT_KW
            | IMPORT_KW
            | INTERP_END
            | LET_KW
            | WHILE_KW
            | FOR_KW
    )
}
