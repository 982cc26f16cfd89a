//! Programs that run: every `test-data/run/*.pluto` is built and run with `pluto run`
//! (with the arguments in `NAME.args`, if there is one), and its exit status, stdout and
//! stderr must equal the `.expected` file beside it.
//! Refresh with `UPDATE_EXPECT=1 cargo test -p pluto_cli --test run`.

use std::path::{Path, PathBuf};
use std::process::Command;

#[test]
fn run_corpus() {
    check_corpus(&[]);
}

/// The same programs with a collection after every 64 KiB allocated: a root the
/// collector misses shows up as a wrong output or a crash.
#[test]
fn run_corpus_under_gc_stress() {
    check_corpus(&[("PLUTO_GC_STRESS", "1")]);
}

fn check_corpus(env: &[(&str, &str)]) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test-data/run");
    let mut programs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "pluto"))
        .collect();
    programs.sort();
    assert!(!programs.is_empty());
    let cache = std::env::temp_dir().join(format!("pluto-run-tests-{}-{}", std::process::id(), env.len()));
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
            .envs(env.iter().copied())
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

/// Builds `test-data/signals/NAME.pluto`, runs it until it prints "running", sends it
/// SIGTERM, and returns the lines it prints after that and its exit status.
fn run_until_sigterm(name: &str, env: &[(&str, &str)]) -> (Vec<String>, Option<i32>) {
    use std::io::BufRead;
    use std::sync::mpsc;
    use std::time::Duration;

    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test-data/signals");
    let exe = std::env::temp_dir().join(format!("pluto-{name}-{}", std::process::id()));
    let status = Command::new(env!("CARGO_BIN_EXE_pluto"))
        .args(["build", "-o"])
        .arg(&exe)
        .arg(root.join(format!("{name}.pluto")))
        .status()
        .unwrap();
    assert!(status.success());
    let mut child = Command::new(&exe).envs(env.iter().copied()).stdout(std::process::Stdio::piped()).spawn().unwrap();
    let (lines_tx, lines) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines() {
            let _ = lines_tx.send(line.unwrap());
        }
    });
    assert_eq!(lines.recv_timeout(Duration::from_secs(10)).unwrap(), "running");
    // SAFETY: a signal to our own child.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    let mut status = None;
    for _ in 0..600 {
        if let Some(s) = child.try_wait().unwrap() {
            status = Some(s);
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = std::fs::remove_file(&exe);
    if status.is_none() {
        let _ = child.kill();
        panic!("{name} did not exit after SIGTERM");
    }
    // The process has exited: its stdout reaches end of file.
    reader.join().unwrap();
    let after: Vec<String> = lines.try_iter().collect();
    (after, status.and_then(|s| s.code()))
}

/// A daemon's shutdown handler runs on a real SIGTERM: `signal.on_sigterm` in the
/// prelude's `Daemon.main` calls `shutdown`, the run loop ends, the process exits 0.
#[test]
fn daemon_stops_on_sigterm() {
    let (lines, status) = run_until_sigterm("daemon_shutdown", &[]);
    assert_eq!(lines, ["shutting down", "stopped cleanly"]);
    assert_eq!(status, Some(0));
}

/// Two threads allocate at once (the main loop and the SIGTERM handler) with a
/// collection after every 64 KiB: thousands of collections must stop and scan both
/// threads, or the lists they check come out wrong (or the process crashes or hangs).
#[test]
fn collector_scans_every_thread() {
    let (lines, status) = run_until_sigterm("gc_two_threads", &[("PLUTO_GC_STRESS", "1")]);
    assert_eq!(lines, ["main thread: 0 bad rounds", "handler: 9999000000"]);
    assert_eq!(status, Some(0));
}
