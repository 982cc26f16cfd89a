//! pre-commit integration: the real `pre-commit` tool (from PyPI) runs this
//! repository's `pluto-check` hook in a temporary git repository, once on a broken file
//! and once on a good one. Needs `pre-commit` on PATH (`.ci/run` installs it).

use std::path::{Path, PathBuf};
use std::process::Command;

fn run(dir: &Path, program: &str, args: &[&str], path_env: &str) -> std::process::Output {
    Command::new(program)
        .args(args)
        .current_dir(dir)
        .env("PATH", path_env)
        .env("PRE_COMMIT_HOME", dir.join(".pre-commit-cache"))
        .env("GIT_AUTHOR_NAME", "test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e} (install pre-commit with `pip install pre-commit`)"))
}

#[test]
fn pre_commit_runs_pluto_check() {
    let repo_root: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap();
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_pluto")).parent().unwrap().to_path_buf();
    let path_env = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap_or_default());
    let dir = std::env::temp_dir().join(format!("pluto-pre-commit-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    assert!(run(&dir, "git", &["init", "-q"], &path_env).status.success());

    let repo = repo_root.to_str().unwrap();
    let try_hook = |file: &str| run(&dir, "pre-commit", &["try-repo", repo, "pluto-check", "--files", file], &path_env);

    std::fs::write(dir.join("bad.pluto"), "fn main() {\n    let x: int = \"one\"\n    print(x)\n}\n").unwrap();
    std::fs::write(dir.join("good.pluto"), "fn main() {\n    print(\"fine\")\n}\n").unwrap();
    assert!(run(&dir, "git", &["add", "."], &path_env).status.success());

    let bad = try_hook("bad.pluto");
    let output = String::from_utf8_lossy(&bad.stdout).to_string() + &String::from_utf8_lossy(&bad.stderr);
    assert!(!bad.status.success(), "the hook must fail on a broken file:\n{output}");
    assert!(output.contains("error[E0201]"), "{output}");
    assert!(output.contains("bad.pluto:2:18"), "{output}");

    let good = try_hook("good.pluto");
    let output = String::from_utf8_lossy(&good.stdout).to_string() + &String::from_utf8_lossy(&good.stderr);
    assert!(good.status.success(), "the hook must pass on a good file:\n{output}");
    assert!(output.contains("pluto check") && output.contains("Passed"), "{output}");
    let _ = std::fs::remove_dir_all(&dir);
}
