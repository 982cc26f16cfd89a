//! The parser snapshot corpus: every `test-data/parser/{ok,err}/*.pluto` is parsed and
//! its tree and errors compared with the `.rast` file beside it. Files under `ok/` must
//! parse without errors, files under `err/` with at least one. Refresh the snapshots
//! with `UPDATE_EXPECT=1 cargo test -p pluto_syntax --test corpus`.

use std::path::{Path, PathBuf};

fn corpus_dir(kind: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test-data/parser").join(kind)
}

fn pluto_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "pluto"))
        .collect();
    files.sort();
    files
}

fn run_corpus(kind: &str, expect_errors: bool) -> usize {
    let mut failures = Vec::new();
    let files = pluto_files(&corpus_dir(kind));
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let parse = pluto_syntax::parse(&text);
        assert_eq!(parse.syntax().to_string(), text, "tree text differs from {}", file.display());
        let has_errors = !parse.errors().is_empty();
        if has_errors != expect_errors {
            let verdict = if expect_errors { "no errors" } else { "errors" };
            failures.push(format!("{}: expected {verdict}\n{}", file.display(), parse.debug_dump()));
            continue;
        }
        let snapshot = file.with_extension("rast");
        let result = std::panic::catch_unwind(|| expect_test::expect_file![snapshot].assert_eq(&parse.debug_dump()));
        if result.is_err() {
            failures.push(format!("{}: snapshot differs (see above)", file.display()));
        }
    }
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), files.len(), failures.join("\n"));
    files.len()
}

#[test]
fn ok_programs_parse_cleanly() {
    let n = run_corpus("ok", false);
    assert!(n > 0, "no test cases found");
}

#[test]
fn broken_programs_report_errors() {
    let n = run_corpus("err", true);
    assert!(n > 0, "no test cases found");
}
