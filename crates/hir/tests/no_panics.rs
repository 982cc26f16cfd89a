//! No query panics on any input: random mutations of the checker corpus go through the
//! whole analysis (names, types, error sets, stages) and the diagnostics must map back
//! into the text. Bounded to a few seconds.

use std::path::Path;
use std::sync::Arc;

use pluto_db::{FilePath, MemoryLoader, RootDatabase};
use proptest::prelude::*;

fn corpus() -> &'static [String] {
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

fn mutate(text: &str, edits: &[(usize, usize, bool)]) -> String {
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

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn the_checker_never_panics(
        file in any::<prop::sample::Index>(),
        edits in proptest::collection::vec((any::<usize>(), any::<usize>(), any::<bool>()), 1..6),
    ) {
        let texts = corpus();
        let text = mutate(&texts[file.index(texts.len())], &edits);
        let db = RootDatabase::new(Arc::new(MemoryLoader::new([("p/main.pluto", text.as_str())])));
        let program = db.program(&FilePath::disk("p/main.pluto"));
        for d in pluto_hir::program_diagnostics(&db, program) {
            let len = d.file.text(&db).len();
            prop_assert!(usize::from(d.range.end()) <= len, "{:?} outside the text", d);
            prop_assert!(d.file.text(&db).is_char_boundary(usize::from(d.range.start())));
        }
    }
}
