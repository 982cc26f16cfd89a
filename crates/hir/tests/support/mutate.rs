//! Random mutations of Pluto programs, shared by the tests that feed them to the checker
//! (`crates/hir/tests/no_panics.rs`) and to every IDE feature (`crates/ide/tests/no_panics.rs`):
//! the programs of `test-data/check`, and edits that insert a fragment of Pluto syntax or
//! delete a few bytes.

use std::path::Path;

/// The programs of `test-data/check`.
pub fn corpus() -> &'static [String] {
    static CORPUS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    CORPUS.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test-data/check");
        let mut paths: Vec<_> = std::fs::read_dir(root).unwrap().map(|e| e.unwrap().path()).collect();
        paths.sort();
        paths
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "pluto"))
            .map(|p| std::fs::read_to_string(p).unwrap())
            .collect()
    })
}

/// What an edit inserts.
const FRAGMENTS: &[&str] = &[
    "!",
    " catch 0",
    " catch e { 1 }",
    "raise E",
    "self.",
    "mut ",
    "none",
    "[]",
    "()",
    "{",
    "}",
    "(",
    ")",
    "\n",
    ".len()",
    " as float",
    "1",
    "\"s\"",
    "x",
    "T",
    "<int>",
    ": int",
    "override ",
    "requires ",
    "pub ",
    "fn f() {}\n",
    "stage s {}\n",
    "error E\n",
    "class C[d: C] {}\n",
    "match x { _ => 1 }",
    "for i in 0..3 {}",
    "return",
    "spawn ",
];

/// `text` with `edits` applied: each an offset, which fragment (or how many bytes), and
/// whether it deletes.
pub fn mutate(text: &str, edits: &[(usize, usize, bool)]) -> String {
    let mut s = text.to_string();
    for &(at, what, delete) in edits {
        let mut i = if s.is_empty() { 0 } else { at % (s.len() + 1) };
        while !s.is_char_boundary(i) {
            i -= 1;
        }
        if delete {
            let mut end = (i + what % 12).min(s.len());
            while !s.is_char_boundary(end) {
                end -= 1;
            }
            s.replace_range(i..end.max(i), "");
        } else {
            s.insert_str(i, FRAGMENTS[what % FRAGMENTS.len()]);
        }
    }
    s
}
