//! Conversions between the compiler's byte offsets and LSP positions (lines and UTF-16
//! columns), from diagnostics to LSP diagnostics, and semantic tokens to their encoding.

use pluto_db::{Db, Diagnostic, LineIndex, Severity};
use pluto_syntax::{TextRange, TextSize};
use tower_lsp_server::ls_types::{self as lsp, Uri};

/// The byte offset of an LSP position (clamped to the text).
pub fn offset_of(index: &LineIndex, text: &str, position: lsp::Position) -> TextSize {
    let starts = index.line_starts();
    let Some(&line_start) = starts.get(position.line as usize) else { return TextSize::from(text.len() as u32) };
    let line_end = starts.get(position.line as usize + 1).map_or(text.len(), |s| usize::from(*s));
    let line = &text[usize::from(line_start)..line_end];
    let mut units = 0u32;
    for (i, c) in line.char_indices() {
        if units >= position.character || c == '\n' {
            return line_start + TextSize::from(i as u32);
        }
        units += c.len_utf16() as u32;
    }
    line_start + TextSize::from(line.len() as u32)
}

pub fn position_of(index: &LineIndex, text: &str, offset: TextSize) -> lsp::Position {
    let starts = index.line_starts();
    let line = starts.partition_point(|s| *s <= offset).saturating_sub(1);
    let start = usize::from(starts[line]);
    let end = usize::from(offset).min(text.len());
    let character = text.get(start..end).map_or(0, |s| s.chars().map(|c| c.len_utf16() as u32).sum());
    lsp::Position { line: line as u32, character }
}

pub fn range_of(index: &LineIndex, text: &str, range: TextRange) -> lsp::Range {
    lsp::Range { start: position_of(index, text, range.start()), end: position_of(index, text, range.end()) }
}

pub fn lsp_diagnostic(db: &dyn Db, d: &Diagnostic, uri: &Uri) -> lsp::Diagnostic {
    let text = d.file.text(db);
    let index = pluto_db::modules::line_index(db, d.file);
    let mut message = d.message.clone();
    if let Some(hint) = &d.hint {
        message.push_str(&format!("\nhint: {hint}"));
    }
    let related = d
        .labels
        .iter()
        .filter(|l| l.file == d.file)
        .map(|l| lsp::DiagnosticRelatedInformation {
            location: lsp::Location { uri: uri.clone(), range: range_of(index, text, l.range) },
            message: l.message.clone(),
        })
        .collect::<Vec<_>>();
    lsp::Diagnostic {
        range: range_of(index, text, d.range),
        severity: Some(match d.severity {
            Severity::Error => lsp::DiagnosticSeverity::ERROR,
            Severity::Warning => lsp::DiagnosticSeverity::WARNING,
        }),
        code: Some(lsp::NumberOrString::String(d.code.to_string())),
        source: Some("pluto".into()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        ..Default::default()
    }
}

/// The token types and modifiers of `semantic_tokens`, in the order their indices use.
pub fn semantic_legend() -> lsp::SemanticTokensLegend {
    use lsp::SemanticTokenType as T;
    lsp::SemanticTokensLegend {
        token_types: vec![
            T::NAMESPACE,
            T::CLASS,
            T::ENUM,
            T::INTERFACE,
            T::TYPE,
            T::FUNCTION,
            T::METHOD,
            T::PROPERTY,
            T::ENUM_MEMBER,
            T::VARIABLE,
        ],
        token_modifiers: ["declaration", "mutable", "remote", "injected"]
            .into_iter()
            .map(lsp::SemanticTokenModifier::new)
            .collect(),
    }
}

/// `tokens` (sorted, single-line) in the protocol's relative encoding.
pub fn semantic_tokens(index: &LineIndex, text: &str, tokens: &[pluto_ide::SemanticToken]) -> Vec<lsp::SemanticToken> {
    use pluto_ide::TokenKind as K;
    let mut out = Vec::with_capacity(tokens.len());
    let (mut line, mut start) = (0, 0);
    for t in tokens {
        let kind = match t.kind {
            K::Unit | K::Module => 0,
            K::Class => 1,
            K::Enum => 2,
            K::Trait => 3,
            K::Error => 4,
            K::Function => 5,
            K::Method => 6,
            K::Field | K::Dependency => 7,
            K::Variant => 8,
            K::Variable => 9,
        };
        let modifiers = u32::from(t.declaration)
            | u32::from(t.mutable) << 1
            | u32::from(t.remote) << 2
            | u32::from(t.kind == K::Dependency) << 3;
        let at = position_of(index, text, t.range.start());
        let length = text[t.range].encode_utf16().count() as u32;
        let delta_line = at.line - line;
        let delta_start = if delta_line == 0 { at.character - start } else { at.character };
        out.push(lsp::SemanticToken { delta_line, delta_start, length, token_type: kind, token_modifiers_bitset: modifiers });
        (line, start) = (at.line, at.character);
    }
    out
}
