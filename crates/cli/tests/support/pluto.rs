//! Running the real `pluto` binary from tests, in a directory of their own.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A fresh, empty directory for one test (the name keeps parallel tests apart).
pub fn workdir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pluto-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::canonicalize(dir).unwrap()
}

/// `pluto ARGS` in `dir`, with its build cache inside `dir`.
pub fn pluto(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pluto"))
        .args(args)
        .current_dir(dir)
        .env("XDG_CACHE_HOME", dir.join("cache"))
        .output()
        .expect("run pluto")
}
