//! The lexer: turns source text into a flat list of tokens (trivia included) whose
//! lengths add up to the input. String interpolation is lexed with a mode stack, so the
//! expressions inside `"{...}"` come out as ordinary tokens between `INTERP_START` and
//! `INTERP_END`. The lexer never fails; problems are reported beside the tokens.

use crate::{SyntaxError, SyntaxErrorKind, SyntaxKind, SyntaxKind::*, TextRange, TextSize};

/// The tokens of one text, as parallel arrays of kinds and start offsets.
#[derive(Debug, Default)]
pub struct Lexed {
    pub kinds: Vec<SyntaxKind>,
    /// `starts[i]` is where token `i` starts; `starts[len]` is the text's length.
    pub starts: Vec<u32>,
    pub errors: Vec<SyntaxError>,
}

impl Lexed {
    pub fn len(&self) -> usize {
        self.kinds.len()
    }

    pub fn is_empty(&self) -> bool {
        self.kinds.is_empty()
    }

    pub fn range(&self, i: usize) -> TextRange {
        TextRange::new(TextSize::from(self.starts[i]), TextSize::from(self.starts[i + 1]))
    }

    pub fn text<'t>(&self, source: &'t str, i: usize) -> &'t str {
        &source[self.starts[i] as usize..self.starts[i + 1] as usize]
    }
}

#[derive(Clone, Copy)]
enum Mode {
    /// Ordinary code; `depth` counts `{` opened inside an interpolation.
    Code { depth: u32 },
    /// Inside a string literal; `start` is where it opened.
    Str { start: u32 },
}

pub fn lex(text: &str) -> Lexed {
    assert!(text.len() < u32::MAX as usize, "source files are limited to 4 GiB");
    let mut lexer =
        Lexer { bytes: text.as_bytes(), text, pos: 0, out: Lexed::default(), modes: vec![Mode::Code { depth: 0 }] };
    lexer.out.kinds.reserve(text.len() / 3);
    lexer.out.starts.reserve(text.len() / 3 + 1);
    while lexer.pos < lexer.bytes.len() {
        lexer.step();
    }
    if let Some(Mode::Str { start }) = lexer.open_string() {
        lexer.unterminated(start);
    }
    lexer.out.starts.push(text.len() as u32);
    lexer.out
}

struct Lexer<'t> {
    bytes: &'t [u8],
    text: &'t str,
    pos: usize,
    out: Lexed,
    modes: Vec<Mode>,
}

impl Lexer<'_> {
    fn push(&mut self, kind: SyntaxKind, start: usize) {
        debug_assert!(self.pos > start);
        self.out.kinds.push(kind);
        self.out.starts.push(start as u32);
    }

    fn error(&mut self, kind: SyntaxErrorKind, message: impl Into<String>, start: usize, end: usize) {
        let range = TextRange::new(TextSize::from(start as u32), TextSize::from(end as u32));
        self.out.errors.push(SyntaxError::with_kind(kind, message, range));
    }

    fn peek(&self, n: usize) -> u8 {
        self.bytes.get(self.pos + n).copied().unwrap_or(0)
    }

    /// The innermost string still open, if the lexer is inside one (or inside one of its
    /// interpolations).
    fn open_string(&self) -> Option<Mode> {
        self.modes.iter().rev().find(|m| matches!(m, Mode::Str { .. })).copied()
    }

    fn unterminated(&mut self, start: u32) {
        let end = self.text[start as usize..].find('\n').map_or(self.text.len(), |i| start as usize + i);
        self.error(SyntaxErrorKind::UnterminatedString, "unterminated string literal", start as usize, end);
    }

    fn step(&mut self) {
        match *self.modes.last().unwrap() {
            Mode::Str { start } => self.string_part(start),
            Mode::Code { depth } => self.code_token(depth),
        }
    }

    fn string_part(&mut self, string_start: u32) {
        let start = self.pos;
        match self.peek(0) {
            b'"' => {
                self.pos += 1;
                self.modes.pop();
                return self.push(STRING_END, start);
            }
            b'{' if self.peek(1) != b'{' => {
                self.pos += 1;
                self.modes.push(Mode::Code { depth: 0 });
                return self.push(INTERP_START, start);
            }
            b'\n' => {
                // A string may not span lines: close it (and any string it is nested in)
                // here and lex the newline as code.
                self.unterminated(string_start);
                self.modes.truncate(1);
                return;
            }
            _ => {}
        }
        while self.pos < self.bytes.len() {
            match self.peek(0) {
                b'"' | b'\n' => break,
                b'{' if self.peek(1) == b'{' => self.pos += 2,
                b'{' => break,
                b'}' if self.peek(1) == b'}' => self.pos += 2,
                b'\\' => self.escape(),
                _ => self.pos += 1,
            }
        }
        self.push(STRING_TEXT, start);
    }

    fn escape(&mut self) {
        let start = self.pos;
        self.pos += 1;
        match self.peek(0) {
            b'n' | b't' | b'r' | b'0' | b'\\' | b'"' | b'{' | b'}' => self.pos += 1,
            b'\n' | 0 => self.error(SyntaxErrorKind::InvalidEscape, "unfinished escape sequence", start, self.pos),
            _ => {
                let len = self.text[self.pos..].chars().next().map_or(1, char::len_utf8);
                self.pos += len;
                let escape = &self.text[start..self.pos];
                self.error(
                    SyntaxErrorKind::InvalidEscape,
                    format!("unknown escape sequence `{escape}`"),
                    start,
                    self.pos,
                );
            }
        }
    }

    fn code_token(&mut self, depth: u32) {
        let start = self.pos;
        let b = self.peek(0);
        let kind = match b {
            b' ' | b'\t' | b'\r' | b'\n' => {
                if b == b'\n' && self.modes.len() > 1 {
                    // A newline inside an interpolation ends the string it belongs to.
                    if let Some(Mode::Str { start }) = self.open_string() {
                        self.unterminated(start);
                    }
                    self.modes.truncate(1);
                }
                while matches!(self.peek(0), b' ' | b'\t' | b'\r' | b'\n') {
                    if self.peek(0) == b'\n' && self.modes.len() > 1 {
                        break;
                    }
                    self.pos += 1;
                }
                WHITESPACE
            }
            b'/' if self.peek(1) == b'/' => {
                self.pos = self.text[self.pos..].find('\n').map_or(self.bytes.len(), |i| self.pos + i);
                COMMENT
            }
            b'"' => {
                self.pos += 1;
                self.modes.push(Mode::Str { start: start as u32 });
                STRING_START
            }
            b'0'..=b'9' => self.number(),
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => self.ident_or_keyword(),
            b'{' => {
                self.pos += 1;
                if let Some(Mode::Code { depth }) = self.modes.last_mut() {
                    *depth += 1;
                }
                L_BRACE
            }
            b'}' => {
                self.pos += 1;
                if depth == 0 && self.modes.len() > 1 {
                    self.modes.pop();
                    INTERP_END
                } else {
                    if let Some(Mode::Code { depth }) = self.modes.last_mut() {
                        *depth = depth.saturating_sub(1);
                    }
                    R_BRACE
                }
            }
            _ if b >= 0x80 => {
                let c = self.text[self.pos..].chars().next().unwrap();
                if c.is_alphabetic() {
                    self.ident_or_keyword()
                } else {
                    self.pos += c.len_utf8();
                    self.error(
                        SyntaxErrorKind::UnexpectedCharacter,
                        format!("unexpected character `{c}`"),
                        start,
                        self.pos,
                    );
                    ERROR_TOKEN
                }
            }
            _ => self.punct(),
        };
        self.push(kind, start);
    }

    fn punct(&mut self) -> SyntaxKind {
        let (kind, len) = match (self.peek(0), self.peek(1), self.peek(2)) {
            (b'.', b'.', b'=') => (DOT2EQ, 3),
            (b'.', b'.', _) => (DOT2, 2),
            (b'.', _, _) => (DOT, 1),
            (b'=', b'>', _) => (FAT_ARROW, 2),
            (b'=', b'=', _) => (EQ2, 2),
            (b'=', _, _) => (EQ, 1),
            (b'!', b'=', _) => (NEQ, 2),
            (b'!', _, _) => (BANG, 1),
            (b'<', b'=', _) => (LTEQ, 2),
            (b'<', _, _) => (LT, 1),
            // `>=` and `>>` are two tokens, joined by the expression parser, so that
            // `Map<string, int>= ...` and `[[int]]>` close type arguments.
            (b'>', _, _) => (GT, 1),
            (b'+', b'=', _) => (PLUS_EQ, 2),
            (b'+', _, _) => (PLUS, 1),
            (b'-', b'=', _) => (MINUS_EQ, 2),
            (b'-', _, _) => (MINUS, 1),
            (b'*', b'=', _) => (STAR_EQ, 2),
            (b'*', _, _) => (STAR, 1),
            (b'/', b'=', _) => (SLASH_EQ, 2),
            (b'/', _, _) => (SLASH, 1),
            (b'%', b'=', _) => (PERCENT_EQ, 2),
            (b'%', _, _) => (PERCENT, 1),
            (b'&', b'&', _) => (AMP2, 2),
            (b'&', _, _) => (AMP, 1),
            (b'|', b'|', _) => (PIPE2, 2),
            (b'|', _, _) => (PIPE, 1),
            (b'^', _, _) => (CARET, 1),
            (b'(', _, _) => (L_PAREN, 1),
            (b')', _, _) => (R_PAREN, 1),
            (b'[', _, _) => (L_BRACK, 1),
            (b']', _, _) => (R_BRACK, 1),
            (b',', _, _) => (COMMA, 1),
            (b':', _, _) => (COLON, 1),
            (b';', _, _) => (SEMICOLON, 1),
            (b'?', _, _) => (QUESTION, 1),
            (c, _, _) => {
                self.pos += 1;
                let shown = if c.is_ascii_graphic() { format!("`{}`", c as char) } else { format!("byte 0x{c:02x}") };
                self.error(
                    SyntaxErrorKind::UnexpectedCharacter,
                    format!("unexpected character {shown}"),
                    self.pos - 1,
                    self.pos,
                );
                return ERROR_TOKEN;
            }
        };
        self.pos += len;
        kind
    }

    fn ident_or_keyword(&mut self) -> SyntaxKind {
        let start = self.pos;
        while self.pos < self.bytes.len() {
            let b = self.bytes[self.pos];
            if b.is_ascii_alphanumeric() || b == b'_' {
                self.pos += 1;
            } else if b >= 0x80 {
                let c = self.text[self.pos..].chars().next().unwrap();
                if !c.is_alphanumeric() {
                    break;
                }
                self.pos += c.len_utf8();
            } else {
                break;
            }
        }
        let word = &self.text[start..self.pos];
        if word == "f" && self.peek(0) == b'"' {
            self.pos += 1;
            self.modes.push(Mode::Str { start: start as u32 });
            return STRING_START;
        }
        if word == "_" {
            return UNDERSCORE;
        }
        SyntaxKind::from_keyword(word).unwrap_or(IDENT)
    }

    fn number(&mut self) -> SyntaxKind {
        let start = self.pos;
        let mut kind = INT_NUMBER;
        let radix_digits = match (self.peek(0), self.peek(1)) {
            (b'0', b'x' | b'X') => Some(16),
            (b'0', b'b' | b'B') => Some(2),
            (b'0', b'o' | b'O') => Some(8),
            _ => None,
        };
        if let Some(radix) = radix_digits {
            self.pos += 2;
            let digits_start = self.pos;
            while self.peek(0) == b'_' || (self.peek(0) as char).is_digit(radix) {
                self.pos += 1;
            }
            if !self.bytes[digits_start..self.pos].iter().any(|b| *b != b'_') {
                self.error(
                    SyntaxErrorKind::InvalidNumber,
                    "number literal has no digits after its prefix",
                    start,
                    self.pos,
                );
            }
        } else {
            self.digits();
            if self.peek(0) == b'.' && self.peek(1).is_ascii_digit() {
                self.pos += 1;
                self.digits();
                kind = FLOAT_NUMBER;
            }
            if matches!(self.peek(0), b'e' | b'E') {
                let sign = usize::from(matches!(self.peek(1), b'+' | b'-'));
                if self.peek(1 + sign).is_ascii_digit() {
                    self.pos += 1 + sign;
                    self.digits();
                    kind = FLOAT_NUMBER;
                }
            }
        }
        // Letters glued to a number (`12px`, `0xfg`) belong to the same, invalid token.
        let suffix_start = self.pos;
        while self.peek(0).is_ascii_alphanumeric() || self.peek(0) == b'_' {
            self.pos += 1;
        }
        if self.pos > suffix_start {
            let text = &self.text[start..self.pos];
            self.error(SyntaxErrorKind::InvalidNumber, format!("invalid number literal `{text}`"), start, self.pos);
        }
        kind
    }

    fn digits(&mut self) {
        while self.peek(0).is_ascii_digit() || self.peek(0) == b'_' {
            self.pos += 1;
        }
    }
}
