//! The source shown under one diagnostic: only the lines its labels touch, and each long
//! line clipped to a window around the labels (`...` marks what is cut), so a diagnostic
//! in a 5 MB one-line file prints a few hundred bytes, not the file. Line and column
//! numbers stay those of the real file. It implements codespan-reporting's `Files`.

use std::ops::Range;

use codespan_reporting::files::{Error, Files};

/// Lines longer than this are clipped.
const MAX_LINE: usize = 160;
/// Context kept on each side of the labels on a clipped line.
const CONTEXT: usize = 40;
/// The most of one label shown on a clipped line.
const MAX_LABEL: usize = 80;
const ELLIPSIS: &str = "...";

/// One excerpt line: where it is in the excerpt and what part of the real line it shows.
struct Line {
    /// The line in the excerpt's text (without its newline).
    range: Range<usize>,
    /// Its 1-based number in the real file.
    number: usize,
    /// Where the real line starts.
    real_start: usize,
    /// The part of the real file shown.
    window: Range<usize>,
    /// Bytes of `...` before the window in the excerpt.
    prefix: usize,
    /// Characters of the real line before the window (for column numbers).
    column_base: usize,
}

struct ExcerptFile {
    name: String,
    text: String,
    lines: Vec<Line>,
}

/// The excerpts of the files one diagnostic refers to.
#[derive(Default)]
pub struct Excerpts {
    files: Vec<ExcerptFile>,
}

impl Excerpts {
    /// Adds the excerpt of file `name` (text `real`, whose 0-based line at an offset is
    /// `line_of(offset)`) that shows `spans`; returns its id and the spans in the
    /// excerpt's coordinates.
    pub fn add(
        &mut self,
        name: String,
        real: &str,
        line_of: impl Fn(usize) -> usize,
        spans: &[Range<usize>],
    ) -> (usize, Vec<Range<usize>>) {
        let clamp = |o: usize| floor_boundary(real, o.min(real.len()));
        // The real lines touched: the first and last line of every span.
        let mut starts: Vec<usize> = Vec::new();
        for span in spans {
            starts.push(line_start(real, clamp(span.start)));
            starts.push(line_start(real, clamp(span.end)));
        }
        starts.sort_unstable();
        starts.dedup();
        let mut text = String::new();
        let mut lines = Vec::new();
        for &start in &starts {
            let number = line_of(start) + 1;
            let end = line_end(real, start);
            // The parts of the spans on this line.
            let parts: Vec<(usize, usize)> = spans
                .iter()
                .filter_map(|s| {
                    let (a, b) = (clamp(s.start).max(start), clamp(s.end).min(end));
                    (clamp(s.start) <= end && clamp(s.end) >= start).then_some((a, b.max(a)))
                })
                .collect();
            let window = if end - start <= MAX_LINE {
                start..end
            } else {
                let lo = parts.iter().map(|p| p.0).min().unwrap_or(start);
                let hi = parts.iter().map(|p| p.1).max().unwrap_or(lo).min(lo + MAX_LABEL);
                floor_boundary(real, lo.saturating_sub(CONTEXT).max(start))
                    ..ceil_boundary(real, (hi + CONTEXT).min(end))
            };
            if !text.is_empty() {
                text.push('\n');
            }
            let line_start_in_text = text.len();
            let prefix = if window.start > start { ELLIPSIS.len() } else { 0 };
            if prefix > 0 {
                text.push_str(ELLIPSIS);
            }
            text.push_str(&real[window.clone()]);
            if window.end < end {
                text.push_str(ELLIPSIS);
            }
            lines.push(Line {
                range: line_start_in_text..text.len(),
                number,
                real_start: start,
                column_base: real[start..window.start].chars().count(),
                window,
                prefix,
            });
        }
        let file = ExcerptFile { name, text, lines };
        let mapped = spans
            .iter()
            .map(|s| {
                let a = file.map(clamp(s.start));
                a..file.map(clamp(s.end)).max(a)
            })
            .collect();
        self.files.push(file);
        (self.files.len() - 1, mapped)
    }
}

impl ExcerptFile {
    /// A real offset in the excerpt's text (clamped to the shown window of its line).
    fn map(&self, offset: usize) -> usize {
        let line = self.lines.iter().rev().find(|l| l.real_start <= offset).or(self.lines.first());
        match line {
            Some(l) => l.range.start + l.prefix + (offset.clamp(l.window.start, l.window.end) - l.window.start),
            None => 0,
        }
    }

    fn line(&self, index: usize) -> Result<&Line, Error> {
        self.lines.get(index).ok_or(Error::LineTooLarge { given: index, max: self.lines.len() })
    }
}

impl<'a> Files<'a> for Excerpts {
    type FileId = usize;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: usize) -> Result<&'a str, Error> {
        Ok(&self.files.get(id).ok_or(Error::FileMissing)?.name)
    }

    fn source(&'a self, id: usize) -> Result<&'a str, Error> {
        Ok(&self.files.get(id).ok_or(Error::FileMissing)?.text)
    }

    fn line_index(&'a self, id: usize, byte_index: usize) -> Result<usize, Error> {
        let file = self.files.get(id).ok_or(Error::FileMissing)?;
        Ok(file.lines.iter().rposition(|l| l.range.start <= byte_index).unwrap_or(0))
    }

    fn line_number(&'a self, id: usize, line_index: usize) -> Result<usize, Error> {
        Ok(self.files.get(id).ok_or(Error::FileMissing)?.line(line_index)?.number)
    }

    fn column_number(&'a self, id: usize, line_index: usize, byte_index: usize) -> Result<usize, Error> {
        let file = self.files.get(id).ok_or(Error::FileMissing)?;
        let line = file.line(line_index)?;
        let shown_start = line.range.start + line.prefix;
        let byte = byte_index.clamp(shown_start, line.range.end);
        let shown = file.text.get(shown_start..byte).map_or(0, |t| t.chars().count());
        Ok(line.column_base + shown + 1)
    }

    fn line_range(&'a self, id: usize, line_index: usize) -> Result<Range<usize>, Error> {
        let file = self.files.get(id).ok_or(Error::FileMissing)?;
        let line = file.line(line_index)?;
        // Include the newline, as codespan expects of a line's range.
        let end = if line.range.end < file.text.len() { line.range.end + 1 } else { line.range.end };
        Ok(line.range.start..end)
    }
}

fn line_start(text: &str, offset: usize) -> usize {
    text[..offset].rfind('\n').map_or(0, |i| i + 1)
}

fn line_end(text: &str, offset: usize) -> usize {
    text[offset..].find('\n').map_or(text.len(), |i| offset + i)
}

fn floor_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

fn ceil_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset += 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_are_clipped_around_the_label() {
        let real = format!("fn main() {{\n    let x = {}oops{}\n}}\n", "a".repeat(5000), "b".repeat(5000));
        let at = real.find("oops").unwrap();
        let mut excerpts = Excerpts::default();
        let label = at..at + 4;
        let lines = |o: usize| real[..o].matches('\n').count();
        let (id, spans) = excerpts.add("f.pluto".into(), &real, lines, std::slice::from_ref(&label));
        let text = excerpts.source(id).unwrap();
        assert!(text.len() < 200, "{text}");
        assert_eq!(&text[spans[0].clone()], "oops");
        assert!(text.starts_with("...") && text.ends_with("..."));
        let line = excerpts.line_index(id, spans[0].start).unwrap();
        assert_eq!(excerpts.line_number(id, line).unwrap(), 2);
        assert_eq!(excerpts.column_number(id, line, spans[0].start).unwrap(), at - real.find("    let").unwrap() + 1);
    }

    #[test]
    fn short_lines_are_shown_whole() {
        let real = "a\nbb\ncc x\ndd\n";
        let at = real.find('x').unwrap();
        let mut excerpts = Excerpts::default();
        let (id, spans) = excerpts.add("f".into(), real, |o| real[..o].matches('\n').count(), &[at..at + 1, 0..1]);
        assert_eq!(excerpts.source(id).unwrap(), "a\ncc x");
        assert_eq!(&excerpts.source(id).unwrap()[spans[0].clone()], "x");
        assert_eq!(excerpts.line_number(id, 1).unwrap(), 3);
        assert_eq!(excerpts.column_number(id, 1, spans[0].start).unwrap(), 4);
    }
}
