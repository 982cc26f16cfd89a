//! `pluto_ide::format` over every Pluto file of the repository: it only changes
//! whitespace (the tokens and the syntax tree's shape stay), and formatting its output
//! changes nothing (idempotence). `test-data/fmt/*.pluto` pin the style: each formats to
//! its `.expected` (`UPDATE_EXPECT=1` rewrites them).

use std::path::{Path, PathBuf};

fn corpus() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = Vec::new();
    for dir in ["test-data", "examples", "stdlib", "benchmarks", "editors/vscode/test"] {
        files.extend(pluto_db::workspace::pluto_files(&root.join(dir), true).0);
    }
    files
}

/// The tokens that are not whitespace or comments, and the tree's node kinds in order.
fn shape(text: &str) -> (Vec<String>, Vec<pluto_syntax::SyntaxKind>) {
    let parse = pluto_syntax::parse(text);
    let tokens = parse
        .syntax()
        .descendants_with_tokens()
        .filter_map(|e| e.into_token())
        .filter(|t| !t.kind().is_trivia())
        .map(|t| t.text().to_string())
        .collect();
    let nodes = parse.syntax().descendants().map(|n| n.kind()).collect();
    (tokens, nodes)
}

#[test]
fn formatting_changes_only_whitespace_and_is_idempotent() {
    let files = corpus();
    assert!(files.len() > 300, "found only {} files", files.len());
    let (mut formatted, mut refused) = (0, 0);
    let mut failures = Vec::new();
    for file in &files {
        // Some test inputs are deliberately not UTF-8 (the CLI's unreadable-file cases).
        let Ok(text) = std::fs::read_to_string(file) else { continue };
        let Ok(once) = pluto_ide::format(&text) else {
            refused += 1;
            assert!(!pluto_syntax::parse(&text).errors().is_empty(), "{} was refused without syntax errors", file.display());
            continue;
        };
        formatted += 1;
        if shape(&once) != shape(&text) {
            failures.push(format!("{}: formatting changed more than whitespace:\n{once}", file.display()));
        }
        let twice = pluto_ide::format(&once).expect("formatted text parses");
        if twice != once {
            failures.push(format!("{}: formatting again changed it:\n{once}\n--- became\n{twice}", file.display()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(formatted > 300 && refused < formatted / 4, "formatted {formatted}, refused {refused}");
}

#[test]
fn style_cases() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test-data/fmt");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "pluto"))
        .collect();
    cases.sort();
    assert!(!cases.is_empty());
    for case in cases {
        let text = std::fs::read_to_string(&case).unwrap();
        let actual = pluto_ide::format(&text).unwrap_or_else(|e| panic!("{}: {e:?}", case.display()));
        expect_test::expect_file![case.with_extension("expected")].assert_eq(&actual);
    }
}
