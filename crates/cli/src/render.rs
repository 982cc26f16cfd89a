//! Printing diagnostics: rustc-style text with source excerpts (via codespan-reporting)
//! on stderr, or one JSON object per line on stdout.

use std::io::{IsTerminal, Write};

use codespan_reporting::diagnostic as cs;
use codespan_reporting::term::{self, termcolor};
use pluto_db::modules::line_index;
use pluto_db::{Diagnostic, RootDatabase, Severity, SourceFile};
use pluto_syntax::TextRange;
use serde_json::json;

use crate::ColorChoice;
use crate::excerpt::Excerpts;

pub fn human(db: &RootDatabase, diagnostics: &[Diagnostic], color: ColorChoice) {
    let use_color = match color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    let choice = if use_color { termcolor::ColorChoice::Always } else { termcolor::ColorChoice::Never };
    let mut stream = termcolor::StandardStream::stderr(choice);
    let config = term::Config { chars: term::Chars::ascii(), ..term::Config::default() };

    for d in diagnostics {
        let severity = match d.severity {
            Severity::Error => cs::Severity::Error,
            Severity::Warning => cs::Severity::Warning,
        };
        // Every label's file gets an excerpt with just the lines the diagnostic shows.
        let mut excerpts = Excerpts::default();
        let mut spans: Vec<(SourceFile, std::ops::Range<usize>)> = vec![(d.file, range(d.range))];
        spans.extend(d.labels.iter().map(|l| (l.file, range(l.range))));
        let mut placed: Vec<(usize, std::ops::Range<usize>)> = vec![(0, 0..0); spans.len()];
        let mut files: Vec<SourceFile> = spans.iter().map(|(f, _)| *f).collect();
        files.dedup();
        for (i, file) in files.iter().enumerate() {
            if files[..i].contains(file) {
                continue;
            }
            let of_file: Vec<usize> = (0..spans.len()).filter(|k| spans[*k].0 == *file).collect();
            let ranges: Vec<std::ops::Range<usize>> = of_file.iter().map(|k| spans[*k].1.clone()).collect();
            let (text, lines) = (file.text(db), line_index(db, *file));
            let line_of = |offset: usize| lines.line_col(text, (offset as u32).into()).0 as usize;
            let (id, mapped) = excerpts.add(file.path(db).to_string(), text, line_of, &ranges);
            for (k, span) in of_file.into_iter().zip(mapped) {
                placed[k] = (id, span);
            }
        }
        let mut labels = vec![cs::Label::primary(placed[0].0, placed[0].1.clone()).with_message(&d.primary_label)];
        for (label, (id, span)) in d.labels.iter().zip(placed.iter().skip(1)) {
            labels.push(cs::Label::secondary(*id, span.clone()).with_message(&label.message));
        }
        let notes = d.hint.iter().map(|h| format!("hint: {h}")).collect();
        let diagnostic = cs::Diagnostic::new(severity)
            .with_code(d.code)
            .with_message(&d.message)
            .with_labels(labels)
            .with_notes(notes);
        // A failure to write to stderr leaves nothing better to report it to.
        let _ = term::emit_to_write_style(&mut stream, &config, &excerpts, &diagnostic);
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
