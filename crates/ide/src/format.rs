//! Formatting (`pluto fmt`, `textDocument/formatting`): one stable layout computed from the
//! tokens alone, so it never changes what a program means and formatting twice changes
//! nothing more.
//!
//! The style: four spaces of indentation per open bracket level — a line that opens
//! several brackets indents the next lines once, and a line starting with closing
//! brackets goes back to the indentation of the line that opened them; a line continuing
//! an expression begun on an earlier line (a method chain's `.get(...)`, a `catch`, the
//! right side of an operator; the syntax tree says which) is indented once more; on a
//! line, one space around binary and assignment operators, `=>` and inside `{ ... }`,
//! after `,` and `:`, none inside `(...)` and `[...]`, before `,` `:` `.` `?`, after `.`
//! and unary operators, before the `(` of a call or the `[` of an index, or around the
//! `<...>` of type arguments; elsewhere (and inside string interpolations) tokens are
//! separated by one space where the source separated them and touch where it did not;
//! at most one blank line in a row, none at the start or end of a block or of the file;
//! no trailing spaces; `\n` line ends and one at the end of the file. Line breaks are kept
//! where they are: statements end at line ends.
//!
//! A text with syntax errors is not formatted (as `gofmt` and `rustfmt` refuse).

use pluto_syntax::SyntaxKind::{self, *};
use pluto_syntax::{SyntaxNode, SyntaxToken, TextSize};

/// Why a text was not formatted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotFormatted {
    /// The first syntax error, with its line (1-based).
    pub line: u32,
    pub message: String,
}

/// One line of tokens: each token's text and whether whitespace preceded it on the line.
#[derive(Default)]
struct Line<'t> {
    /// Each token's kind, its text, and whether a space goes before it.
    tokens: Vec<(SyntaxKind, &'t str, bool)>,
    /// The syntax tokens of the brackets on the line, and its first token.
    brackets: Vec<&'t SyntaxToken>,
    first: Option<&'t SyntaxToken>,
    /// Blank lines before it in the source.
    blank_before: usize,
}

/// `text` in the standard layout.
pub fn format(text: &str) -> Result<String, NotFormatted> {
    let parse = pluto_syntax::parse(text);
    if let Some(error) = parse.errors().first() {
        let offset = usize::from(error.range.start()).min(text.len());
        let line = text[..offset].matches('\n').count() as u32 + 1;
        return Err(NotFormatted { line, message: error.message.clone() });
    }
    let tokens: Vec<SyntaxToken> = parse
        .syntax()
        .descendants_with_tokens()
        .filter_map(|element| element.into_token())
        .collect();
    let lines = split_lines(&tokens);
    Ok(layout(&lines))
}

fn split_lines(tokens: &[SyntaxToken]) -> Vec<Line<'_>> {
    let mut lines = vec![Line::default()];
    let mut spaced = false;
    let mut previous: Option<&SyntaxToken> = None;
    for t in tokens {
        let (kind, token) = (t.kind(), t.text());
        if kind == WHITESPACE {
            let breaks = token.matches('\n').count();
            if breaks > 0 {
                lines.push(Line { blank_before: breaks - 1, ..Line::default() });
                spaced = false;
            } else {
                spaced = true;
            }
            continue;
        }
        let line = lines.last_mut().expect("one line at least");
        // A comment keeps its text, without trailing spaces.
        let token = if kind == COMMENT { token.trim_end() } else { token };
        let space = match previous.filter(|_| !line.tokens.is_empty()) {
            Some(before) => space_between(before, t, spaced),
            None => false,
        };
        line.tokens.push((kind, token, space));
        previous = Some(t);
        line.first.get_or_insert(t);
        if is_open(kind) || is_close(kind) {
            line.brackets.push(t);
        }
        spaced = false;
    }
    lines
}

/// Whether a space goes between `before` and `after`, adjacent on one line; `source`:
/// whether the source had one.
fn space_between(before: &SyntaxToken, after: &SyntaxToken, source: bool) -> bool {
    let (b, a) = (before.kind(), after.kind());
    let in_string = |t: &SyntaxToken| t.parent_ancestors().any(|n| n.kind() == STRING_LIT);
    if in_string(before) && in_string(after) {
        return source;
    }
    if a == COMMENT {
        return true;
    }
    // Operators apart stay apart (`= =` is not `==`); a space between touching ones only
    // separates them, except where the parser joins them (`>=` after type arguments).
    if is_operator(b) && is_operator(a) && (source || (b == GT && matches!(a, EQ | GT | GTEQ))) {
        return source;
    }
    let parent = |t: &SyntaxToken| t.parent().map(|p| p.kind());
    let generic = |t: &SyntaxToken| matches!(parent(t), Some(GENERIC_ARG_LIST | GENERIC_PARAM_LIST));
    let unary = |t: &SyntaxToken| parent(t) == Some(PREFIX_EXPR);
    let binary = |t: &SyntaxToken| {
        is_operator(t.kind())
            && matches!(
                parent(t),
                Some(BINARY_EXPR | ASSIGN_STMT | LET_STMT | FIELD | PARAM | MATCH_ARM | CLOSURE_EXPR)
            )
    };
    match (b, a) {
        (_, COLON) if parent(after) == Some(PARENT_CLAUSE) => true,
        (COLON, _) => true,
        (R_PAREN, _) if after.parent_ancestors().any(|n| n.kind() == RET_TYPE) => true,
        (_, COMMA | COLON | SEMICOLON | R_PAREN | R_BRACK | DOT | QUESTION) => false,
        (L_PAREN | L_BRACK | DOT, _) => false,
        (_, BANG) if parent(after) == Some(PROPAGATE_EXPR) => false,
        (BANG | MINUS, _) if unary(before) => false,
        (LT, _) if generic(before) => false,
        (_, LT | GT) if generic(after) => false,
        (IDENT | R_PAREN | R_BRACK | SELF_KW | STRING_END | FN_KW | QUESTION, L_PAREN) => false,
        (GT, L_PAREN) if generic(before) => false,
        (BANG, L_PAREN) if parent(before) == Some(PROPAGATE_EXPR) => false,
        (IDENT | R_PAREN | R_BRACK | SELF_KW, L_BRACK) => false,
        (L_BRACE, R_BRACE) => false,
        (L_BRACE, _) | (_, L_BRACE | R_BRACE) => true,
        (COMMA, _) => true,
        _ if binary(before) || binary(after) => true,
        _ => source,
    }
}

/// Operator and punctuation tokens that may lex differently when they touch.
fn is_operator(kind: SyntaxKind) -> bool {
    matches!(
        kind,
        EQ | EQ2
            | NEQ
            | LT
            | LTEQ
            | GT
            | GTEQ
            | SHL
            | SHR
            | PLUS
            | MINUS
            | STAR
            | SLASH
            | PERCENT
            | BANG
            | AMP
            | AMP2
            | PIPE
            | PIPE2
            | CARET
            | FAT_ARROW
            | PLUS_EQ
            | MINUS_EQ
            | STAR_EQ
            | SLASH_EQ
            | PERCENT_EQ
            | DOT2
            | DOT2EQ
            | QUESTION
    )
}

fn is_open(kind: SyntaxKind) -> bool {
    matches!(kind, L_PAREN | L_BRACE | L_BRACK)
}

fn is_close(kind: SyntaxKind) -> bool {
    matches!(kind, R_PAREN | R_BRACE | R_BRACK)
}

/// An open bracket: the indentation of the lines inside it, of the line it opened on,
/// and where it is.
struct Open {
    body: usize,
    line: usize,
    at: TextSize,
}

/// Whether the line starting with `first` continues an expression begun on an earlier line
/// inside the same bracket (`.get(...)` after `Router.new()`, `catch e { ... }`, the `b` of
/// `a +` / `b`), rather than beginning a statement, item or list element. `bracket` is the
/// innermost open bracket.
fn continues(first: &SyntaxToken, bracket: Option<TextSize>) -> bool {
    // `}` then `else` on the next line: the `else` lines up with its `if`.
    if first.kind() == ELSE_KW {
        return false;
    }
    let start = first.text_range().start();
    let mut parent: Option<SyntaxNode> = first.parent();
    while let Some(node) = parent.clone().filter(|n| n.text_range().start() == start) {
        parent = node.parent();
    }
    match parent {
        Some(node) if node.kind() != SOURCE_FILE => bracket.is_none_or(|at| node.text_range().start() > at),
        _ => false,
    }
}

/// Where the construct a `{` opens starts: the node holding the brace, or the one around
/// it when the brace starts it (a block's `if`, `fn`, closure).
fn owner_start(bracket: &SyntaxToken) -> TextSize {
    let at = bracket.text_range().start();
    let Some(node) = bracket.parent() else { return at };
    if bracket.kind() != L_BRACE || node.text_range().start() < at {
        return node.text_range().start().min(at);
    }
    node.parent().map_or(at, |p| p.text_range().start())
}

fn layout(lines: &[Line<'_>]) -> String {
    let mut out = String::new();
    let mut open: Vec<Open> = Vec::new();
    // Per bracket depth, the indentation of the last line that began a statement there
    // (continuation lines indent once from it).
    let mut statement: Vec<Option<usize>> = Vec::new();
    // Where each line starts, and its indentation.
    let mut starts: Vec<(TextSize, usize)> = Vec::new();
    let mut pending_blank = false;
    let mut previous_opened = true; // the file's start behaves as a block's
    for line in lines {
        if line.tokens.is_empty() {
            pending_blank |= line.blank_before > 0 || !out.is_empty();
            continue;
        }
        let blank = pending_blank || line.blank_before > 0;
        pending_blank = false;
        let leading_closers = line.tokens.iter().take_while(|(k, _, _)| is_close(*k)).count();
        let mut indent = None;
        for _ in 0..leading_closers {
            if let Some(closed) = open.pop() {
                // Back to the line that opened the first bracket this line closes.
                indent.get_or_insert(closed.line);
            }
        }
        let depth = open.len();
        statement.truncate(depth + 1);
        statement.resize(depth + 1, None);
        let base = open.last().map_or(0, |o| o.body);
        let indent = match indent {
            Some(indent) => indent,
            None if line.first.is_some_and(|t| continues(t, open.last().map(|o| o.at))) => {
                statement[depth].map_or(base, |s| s + 1)
            }
            None => {
                statement[depth] = Some(base);
                base
            }
        };
        if blank && !previous_opened && leading_closers == 0 {
            out.push('\n');
        }
        for _ in 0..indent {
            out.push_str("    ");
        }
        for (i, (_, token, spaced)) in line.tokens.iter().enumerate() {
            if i > 0 && *spaced {
                out.push(' ');
            }
            out.push_str(token);
        }
        starts.push((line.first.map_or(TextSize::from(0), |t| t.text_range().start()), indent));
        for bracket in line.brackets.iter().skip(leading_closers) {
            if is_open(bracket.kind()) {
                // A block belongs to the line its construct starts on (an `if` whose
                // condition spans lines), not to the line of its `{`.
                let owner = owner_start(bracket);
                let at = starts.partition_point(|(start, _)| *start <= owner).saturating_sub(1);
                let line = starts.get(at).map_or(indent, |(_, i)| *i).min(indent);
                open.push(Open { body: line + 1, line, at: bracket.text_range().start() });
            } else {
                open.pop();
            }
        }
        out.push('\n');
        previous_opened = line.tokens.last().is_some_and(|(k, _, _)| is_open(*k));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::format;

    #[test]
    fn reindents_and_normalises_space() {
        let source = "fn main()   {\n\n\n  let x = [1,\n2]\n\t\tif x.len() > 1 {   print(x)   // many\n}\n\n\n}\n\n";
        let expected =
            "fn main() {\n    let x = [1,\n        2]\n    if x.len() > 1 { print(x) // many\n    }\n}\n";
        assert_eq!(format(source).unwrap(), expected);
        assert_eq!(format(expected).unwrap(), expected);
    }

    #[test]
    fn chains_and_nested_brackets() {
        let source = "fn f() {\nreturn g(Router.new()\n.get(\"/\", (r: R) => {\nreturn 1\n}))\n}\n";
        let expected =
            "fn f() {\n    return g(Router.new()\n        .get(\"/\", (r: R) => {\n            return 1\n        }))\n}\n";
        assert_eq!(format(source).unwrap(), expected);
        assert_eq!(format(expected).unwrap(), expected);
    }

    #[test]
    fn refuses_syntax_errors() {
        let error = format("fn main() {\n  let = 1\n}\n").unwrap_err();
        assert_eq!(error.line, 2);
    }
}
