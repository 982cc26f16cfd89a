//! Printing diagnostics: rustc-style text with source excerpts (via codespan-reporting)
//! on stderr, or one JSON object per line on stdout.

use std::io::{IsTerminal, Write};

use codespan_reporting::diagnostic as cs;
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term::{self, termcolor};
use pluto_db::modules::line_index;
use pluto_db::{Diagnostic, RootDatabase, Severity, SourceFile};
use pluto_syntax::TextRange;
use serde_json::json;

use crate::ColorChoice;

pub fn human(db: &RootDatabase, diagnostics: &[Diagnostic], color: ColorChoice) {
    let use_color = match color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    let choice = if use_color { termcolor::ColorChoice::Always } else { termcolor::ColorChoice::Never };
    let mut stream = termcolor::StandardStream::stderr(choice);
    let config = term::Config { chars: term::Chars::ascii(), ..term::Config::default() };

    let mut files = SimpleFiles::new();
    let mut ids: Vec<(SourceFile, usize)> = Vec::new();
    let mut id_of = |file: SourceFile| -> usize {
        if let Some((_, id)) = ids.iter().find(|(f, _)| *f == file) {
            return *id;
        }
        let id = files.add(file.path(db).to_string(), file.text(db).clone());
        ids.push((file, id));
        id
    };
    let rendered: Vec<cs::Diagnostic<usize>> = diagnostics
        .iter()
        .map(|d| {
            let severity = match d.severity {
                Severity::Error => cs::Severity::Error,
                Severity::Warning => cs::Severity::Warning,
            };
            let mut labels = vec![cs::Label::primary(id_of(d.file), range(d.range)).with_message(&d.primary_label)];
            for label in &d.labels {
                labels.push(cs::Label::secondary(id_of(label.file), range(label.range)).with_message(&label.message));
            }
            let notes = d.hint.iter().map(|h| format!("hint: {h}")).collect();
            cs::Diagnostic::new(severity)
                .with_code(d.code)
                .with_message(&d.message)
                .with_labels(labels)
                .with_notes(notes)
        })
        .collect();
    for diagnostic in &rendered {
        // A failure to write to stderr leaves nothing better to report it to.
        let _ = term::emit_to_write_style(&mut stream, &config, &files, diagnostic);
    }
    let _ = stream.flush();
}

fn range(range: TextRange) -> std::ops::Range<usize> {
    usize::from(range.start())..usize::from(range.end())
}

pub fn json(db: &RootDatabase, diagnostics: &[Diagnostic]) {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for d in diagnostics {
        let mut labels = Vec::new();
        if !d.primary_label.is_empty() {
            labels.push(json!({ "message": d.primary_label, "range": json_range(db, d.file, d.range) }));
        }
        for label in &d.labels {
            labels.push(json!({
                "message": label.message,
                "file": label.file.path(db).to_string(),
                "range": json_range(db, label.file, label.range),
            }));
        }
        let object = json!({
            "severity": d.severity.as_str(),
            "code": d.code,
            "message": d.message,
            "file": d.file.path(db).to_string(),
            "range": json_range(db, d.file, d.range),
            "labels": labels,
            "hint": d.hint,
        });
        let _ = writeln!(out, "{object}");
    }
}

/// A range as 1-based lines and columns (columns count Unicode scalar values).
fn json_range(db: &RootDatabase, file: SourceFile, range: TextRange) -> serde_json::Value {
    let index = line_index(db, file);
    let text = file.text(db);
    let position = |offset| {
        let (line, column) = index.line_col(text, offset);
        json!({ "line": line + 1, "column": column + 1 })
    };
    json!({ "start": position(range.start()), "end": position(range.end()) })
}
