//! Every program `pluto check` accepts must build, or be stopped by code generation with
//! one of the "not yet" messages of constructs that later work compiles (each with its
//! issue). Any other failure means check let through a program code generation cannot
//! handle, and such a program must get a diagnostic from `check` itself. Programs are
//! every clean `test-data/check` case (`test-data/run` programs are built by `run.rs`).

use std::path::{Path, PathBuf};
use std::process::Command;

/// Code generation's messages for constructs not compiled yet, and what brings them.
const NOT_YET: &[(&str, &str)] = &[
    ("has no entry point", "a program of units without `main` runs with `pluto compile-stages`, not `pluto build`"),
];

fn clean_cases() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test-data/check");
    let mut cases = Vec::new();
    for entry in std::fs::read_dir(&root).unwrap() {
        let path = entry.unwrap().path();
        let files: Vec<PathBuf> = if path.is_dir() {
            std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()).collect()
        } else if path.extension().is_some_and(|e| e == "pluto") {
            vec![path.clone()]
        } else {
            continue;
        };
        let expects_errors = files.iter().any(|f| std::fs::read_to_string(f).unwrap_or_default().contains("//~"));
        if !expects_errors {
            cases.push(if path.is_dir() { path.join("main.pluto") } else { path });
        }
    }
    cases.sort();
    cases
}

#[test]
fn clean_programs_build_or_are_a_known_not_yet() {
    let out = std::env::temp_dir().join(format!("pluto-check-then-build-{}", std::process::id()));
    let cases = clean_cases();
    assert!(cases.len() > 40, "found only {} clean cases", cases.len());
    let mut failures = Vec::new();
    let mut not_yet = Vec::new();
    let build = |case: &Path, unit: Option<&str>| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_pluto"));
        command.args(["build", "-o"]).arg(&out).arg(case);
        if let Some(unit) = unit {
            command.args(["--unit", unit]);
        }
        command.output().expect("run pluto build")
    };
    for case in &cases {
        let mut outputs = vec![build(case, None)];
        // Several units with `main`: each is built in turn with `--unit`.
        let first = String::from_utf8_lossy(&outputs[0].stderr).to_string();
        if let Some(list) = first.split("the units ").nth(1).and_then(|l| l.split(" each have").next()) {
            let units: Vec<String> = list.split(", ").map(|u| u.trim_matches('`').to_string()).collect();
            outputs = units.iter().map(|u| build(case, Some(u))).collect();
        }
        for output in outputs {
            check_output(case, output, &mut failures, &mut not_yet);
        }
    }
    let _ = std::fs::remove_file(&out);
    eprintln!("{} clean programs; not compiled yet:\n  {}", cases.len(), not_yet.join("\n  "));
    assert!(failures.is_empty(), "check accepted these, but they do not build:\n{}", failures.join("\n"));
}

/// Records a failed build as a known not-yet construct or as a failure.
fn check_output(case: &Path, output: std::process::Output, failures: &mut Vec<String>, not_yet: &mut Vec<String>) {
    if output.status.success() {
        return;
    }
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    match NOT_YET.iter().find(|(message, _)| stderr.contains(message)) {
        Some((_, owner)) => not_yet.push(format!("{}: {owner}", case.display())),
        None => failures.push(format!("{}:\n{stderr}", case.display())),
    }
}
