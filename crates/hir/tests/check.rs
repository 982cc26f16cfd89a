//! The checker corpus: every `test-data/check/*.pluto` file (a one-file program) and
//! every `test-data/check/*/` directory (a program whose entry is `main.pluto`) is
//! checked, and its diagnostics must be exactly the ones its comments expect:
//!
//! ```text
//! let x: int = "s"      //~ ERROR E0201
//! let y = 1             //~ WARNING W0001
//! //~^ ERROR E0208      (the line above; one `^` per line up)
//! ```
//!
//! A file without expectations must check cleanly.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use pluto_db::{DiskLoader, FilePath, RootDatabase, Severity};

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord, Clone)]
struct Expected {
    file: String,
    line: u32,
    severity: &'static str,
    code: String,
}

fn expectations(path: &Path, shown: &str) -> Vec<Expected> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let Some(at) = line.find("//~") else { continue };
        let rest = &line[at + 3..];
        let ups = rest.chars().take_while(|c| *c == '^').count();
        let mut words = rest[ups..].split_whitespace();
        let severity = match words.next() {
            Some("ERROR") => "error",
            Some("WARNING") => "warning",
            other => panic!("{}:{}: expected ERROR or WARNING after //~, found {other:?}", path.display(), i + 1),
        };
        let code = words.next().unwrap_or_else(|| panic!("{}:{}: missing code", path.display(), i + 1)).to_string();
        out.push(Expected { file: shown.to_string(), line: (i + 1 - ups) as u32, severity, code });
    }
    out
}

fn case_files(case: &Path) -> (PathBuf, Vec<PathBuf>) {
    if case.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(case)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "pluto"))
            .collect();
        files.sort();
        (case.join("main.pluto"), files)
    } else {
        (case.to_path_buf(), vec![case.to_path_buf()])
    }
}

fn check_case(case: &Path) -> Result<(), String> {
    let (entry, files) = case_files(case);
    let db = RootDatabase::new(Arc::new(DiskLoader));
    let program = db.program(&FilePath::disk(&entry));
    let diagnostics = pluto_hir::program_diagnostics(&db, program);
    let mut reported: Vec<(Expected, String)> = diagnostics
        .iter()
        .map(|d| {
            let index = pluto_db::modules::line_index(&db, d.file);
            let (line, _) = index.line_col(d.file.text(&db), d.range.start());
            Expected {
                file: d.file.path(&db).to_string(),
                line: line + 1,
                severity: if d.severity == Severity::Error { "error" } else { "warning" },
                code: d.code.to_string(),
            }
        })
        .zip(diagnostics.iter().map(|d| d.message.clone()))
        .collect();
    reported.sort();
    let actual: Vec<Expected> = reported.iter().map(|(e, _)| e.clone()).collect();
    let mut expected: Vec<Expected> =
        files.iter().flat_map(|f| expectations(f, &FilePath::disk(f).to_string())).collect();
    expected.sort();
    if actual == expected {
        return Ok(());
    }
    let describe = |e: &Expected| format!("{}:{}: {} {}", e.file, e.line, e.severity, e.code);
    let count = |list: &[Expected], e: &Expected| list.iter().filter(|x| *x == e).count();
    let missing: Vec<String> =
        expected.iter().filter(|e| count(&actual, e) < count(&expected, e)).map(describe).collect();
    let unexpected: Vec<String> = reported
        .iter()
        .filter(|(a, _)| count(&actual, a) > count(&expected, a))
        .map(|(a, m)| format!("{}: {m}", describe(a)))
        .collect();
    Err(format!(
        "{}:\n  expected but not reported: {missing:?}\n  reported but not expected: {unexpected:#?}",
        case.display()
    ))
}

#[test]
fn check_corpus() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test-data/check");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() || p.extension().is_some_and(|e| e == "pluto"))
        .collect();
    cases.sort();
    assert!(cases.len() >= 10, "too few cases in {}", root.display());
    let failures: Vec<String> = cases.iter().filter_map(|c| check_case(c).err()).collect();
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), cases.len(), failures.join("\n"));
}
