//! `pluto compat` on the corpus `test-data/compat/`: each case is a deployed program
//! (`before/app.pluto`, built with `pluto compile-stages` for its `system.json`), a new
//! version (`after/app.pluto`) and the `expected` verdict (`exit: N`, then `--- stdout`).
//! A new case is a new directory. `UPDATE_EXPECT=1` rewrites the expectations.

#[path = "support/pluto.rs"]
mod pluto_support;

use std::path::Path;

use pluto_support::{pluto, workdir};

#[test]
fn compat_cases() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test-data/compat");
    let mut cases: Vec<_> = std::fs::read_dir(&root).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_dir()).collect();
    cases.sort();
    assert!(cases.len() >= 5);
    let mut failures = Vec::new();
    for case in &cases {
        let name = case.file_name().unwrap().to_string_lossy().to_string();
        let work = workdir(&format!("compat-{name}"));
        let built = work.join("deployed");
        let before = case.join("before/app.pluto");
        let out = pluto(&work, &["compile-stages", before.to_str().unwrap(), "--output-dir", built.to_str().unwrap()]);
        assert!(out.status.success(), "{name}: {}", String::from_utf8_lossy(&out.stderr));
        let system = built.join("system.json");
        let after = case.join("after/app.pluto");
        let out = pluto(&work, &["compat", system.to_str().unwrap(), after.to_str().unwrap()]);
        let actual = format!("exit: {}\n--- stdout\n{}", out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout));
        let expected_path = case.join("expected");
        if std::env::var_os("UPDATE_EXPECT").is_some() {
            std::fs::write(&expected_path, &actual).unwrap();
        } else {
            let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
            if actual != expected {
                failures.push(format!(
                    "{name}:\n--- expected\n{expected}--- actual\n{actual}--- stderr\n{}",
                    String::from_utf8_lossy(&out.stderr)
                ));
            }
        }
        let _ = std::fs::remove_dir_all(&work);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A manifest that is not one, or missing, is a usage error (2) naming the file.
#[test]
fn compat_reports_a_bad_manifest() {
    let work = workdir("compat-bad");
    let after = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test-data/compat/unchanged/after/app.pluto");
    std::fs::write(work.join("system.json"), "{\"format\": 1}").unwrap();
    let out = pluto(&work, &["compat", "system.json", after.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not a system manifest"));
    let out = pluto(&work, &["compat", "missing.json", after.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.json"));
    let _ = std::fs::remove_dir_all(&work);
}
