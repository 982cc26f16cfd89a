//! Programs that run: every `test-data/run/*.pluto` is built and run with `pluto run`
//! (with the arguments in `NAME.args`, if there is one), and its exit status, stdout and
//! stderr must equal the `.expected` file beside it.
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
        // `NAME.args` beside a program holds its command-line arguments.
        let args = std::fs::read_to_string(program.with_extension("args")).unwrap_or_default();
        let output = Command::new(env!("CARGO_BIN_EXE_pluto"))
            .arg("run")
            .arg(program.file_name().unwrap())
            .arg("--")
            .args(args.split_whitespace())
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

/// A daemon's shutdown handler runs on a real SIGTERM: `signal.on_sigterm` in the
/// prelude's `Daemon.main` calls `shutdown`, the run loop ends, the process exits 0.
#[test]
fn daemon_stops_on_sigterm() {
    use std::io::BufRead;
    use std::sync::mpsc;
    use std::time::Duration;

    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test-data/signals");
    let exe = std::env::temp_dir().join(format!("pluto-daemon-{}", std::process::id()));
    let status = Command::new(env!("CARGO_BIN_EXE_pluto"))
        .args(["build", "-o"])
        .arg(&exe)
        .arg(root.join("daemon_shutdown.pluto"))
        .status()
        .unwrap();
    assert!(status.success());
    let mut child = Command::new(&exe).stdout(std::process::Stdio::piped()).spawn().unwrap();
    let (lines_tx, lines) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines() {
            let _ = lines_tx.send(line.unwrap());
        }
    });
    assert_eq!(lines.recv_timeout(Duration::from_secs(10)).unwrap(), "running");
    // SAFETY: a signal to our own child.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    assert_eq!(lines.recv_timeout(Duration::from_secs(10)).unwrap(), "shutting down");
    assert_eq!(lines.recv_timeout(Duration::from_secs(10)).unwrap(), "stopped cleanly");
    let mut status = None;
    for _ in 0..200 {
        if let Some(s) = child.try_wait().unwrap() {
            status = Some(s);
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = std::fs::remove_file(&exe);
    let status = status.unwrap_or_else(|| {
        let _ = child.kill();
        panic!("the daemon did not exit after SIGTERM")
    });
    assert_eq!(status.code(), Some(0));
}
