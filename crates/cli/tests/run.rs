//! Programs that run: every `test-data/run/*.pluto` is built and run with `pluto run`,
//! and its exit status, stdout and stderr must equal the `.expected` file beside it.
//! Refresh with `UPDATE_EXPECT=1 cargo test -p pluto_cli --test run`.

use std::path::{Path, PathBuf};
use std::process::Command;

#[test]
fn run_corpus() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test-data/run");
    let mut programs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "pluto"))
        .collect();
    programs.sort();
    assert!(!programs.is_empty());
    let cache = std::env::temp_dir().join(format!("pluto-run-tests-{}", std::process::id()));
    let mut failures = Vec::new();
    for program in &programs {
        let output = Command::new(env!("CARGO_BIN_EXE_pluto"))
            .arg("run")
            .arg(program.file_name().unwrap())
            .current_dir(&root)
            .env("XDG_CACHE_HOME", &cache)
            .output()
            .expect("run pluto");
        let actual = format!(
            "exit: {}\n--- stdout\n{}--- stderr\n{}",
            output.status.code().map_or("signal".to_string(), |c| c.to_string()),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        let snapshot = program.with_extension("expected");
        if std::panic::catch_unwind(|| expect_test::expect_file![snapshot].assert_eq(&actual)).is_err() {
            failures.push(program.file_name().unwrap().to_string_lossy().into_owned());
        }
    }
    let _ = std::fs::remove_dir_all(&cache);
    assert!(failures.is_empty(), "{} of {} programs differ: {failures:?}", failures.len(), programs.len());
}
