//! End-to-end tests of the `pluto` binary, data-driven: each directory under
//! `test-data/cli/` is a case with the program files, an `args` file (the command line
//! after `pluto`, one argument per line, run from the case directory) and an `expected`
//! snapshot of the exit status, stdout and stderr. Refresh the snapshots with
//! `UPDATE_EXPECT=1 cargo test -p pluto_cli --test cli`.

use std::path::{Path, PathBuf};
use std::process::Command;

fn run_case(dir: &Path) -> String {
    let args = std::fs::read_to_string(dir.join("args")).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let args: Vec<&str> = args.lines().filter(|l| !l.is_empty()).collect();
    let output = Command::new(env!("CARGO_BIN_EXE_pluto"))
        .args(&args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .output()
        .expect("failed to run pluto");
    format!(
        "$ pluto {}\nexit: {}\n--- stdout\n{}--- stderr\n{}",
        args.join(" "),
        output.status.code().map_or("signal".to_string(), |c| c.to_string()),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn cli_cases() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test-data/cli");
    let mut cases: Vec<PathBuf> =
        std::fs::read_dir(&root).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_dir()).collect();
    cases.sort();
    assert!(!cases.is_empty());
    let mut failures = Vec::new();
    for case in &cases {
        let actual = run_case(case);
        let snapshot = case.join("expected");
        if std::panic::catch_unwind(|| expect_test::expect_file![snapshot].assert_eq(&actual)).is_err() {
            failures.push(case.file_name().unwrap().to_string_lossy().to_string());
        }
    }
    assert!(failures.is_empty(), "{} of {} cases differ: {failures:?}", failures.len(), cases.len());
}

#[test]
fn json_output_has_the_documented_shape() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test-data/cli/syntax_error_json");
    let output = Command::new(env!("CARGO_BIN_EXE_pluto"))
        .args(["check", "--message-format", "json", "main.pluto"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(!stdout.is_empty());
    for line in stdout.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["severity", "code", "message", "file", "range", "labels", "hint"]);
        for end in ["start", "end"] {
            assert!(v["range"][end]["line"].as_u64().unwrap() >= 1);
            assert!(v["range"][end]["column"].as_u64().unwrap() >= 1);
        }
        assert!(v["code"].as_str().unwrap().starts_with('E'));
        assert!(v["labels"].is_array());
    }
}

/// `pluto fmt` rewrites files in place (only the ones whose layout differs), and leaves
/// files with syntax errors alone.
#[test]
fn fmt_rewrites_files_in_place() {
    let dir = std::env::temp_dir().join(format!("pluto-fmt-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("lib")).unwrap();
    let messy = "fn main() {\nprint(1)  \n\n\n}\n";
    let broken = "fn main() {\n  print(\n}\n";
    std::fs::write(dir.join("main.pluto"), messy).unwrap();
    std::fs::write(dir.join("lib/broken.pluto"), broken).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_pluto")).args(["fmt", "."]).current_dir(&dir).output().unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(std::fs::read_to_string(dir.join("main.pluto")).unwrap(), "fn main() {\n    print(1)\n}\n");
    assert_eq!(std::fs::read_to_string(dir.join("lib/broken.pluto")).unwrap(), broken);
    std::fs::remove_file(dir.join("lib/broken.pluto")).unwrap();
    let again = Command::new(env!("CARGO_BIN_EXE_pluto")).args(["fmt", "--check"]).current_dir(&dir).output().unwrap();
    assert_eq!(again.status.code(), Some(0), "{}", String::from_utf8_lossy(&again.stdout));
    let _ = std::fs::remove_dir_all(&dir);
}
