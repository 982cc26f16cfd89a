//! `pluto dev --watch` on the shop, driven as a user would: start it, see the system
//! answer, break a file (the units keep running and the errors show), fix it with a real
//! change to one unit (only that unit restarts), Ctrl-C (exit 0, no process left behind).

#[path = "support/pluto.rs"]
mod pluto_support;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// Waits (at most 60 s) for a line of `pluto dev`'s output containing `text`; returns
/// every line read meanwhile.
fn wait_for(lines: &Receiver<String>, text: &str, log: &mut Vec<String>) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines.recv_timeout(left) {
            Ok(line) => {
                let found = line.contains(text);
                log.push(line);
                if found {
                    return;
                }
            }
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => {
                panic!("`pluto dev` never printed {text:?}; it printed:\n{}", log.join("\n"))
            }
        }
    }
}

/// Processes whose executable lies under `dir`.
fn processes_under(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        if let Ok(exe) = std::fs::read_link(entry.path().join("exe"))
            && exe.starts_with(dir)
        {
            found.push(format!("{} {}", entry.file_name().to_string_lossy(), exe.display()));
        }
    }
    found
}

#[test]
fn dev_runs_the_shop_and_restarts_one_unit_on_an_edit() {
    let work = pluto_support::workdir("dev-shop");
    let shop = work.join("shop");
    std::fs::create_dir_all(&shop).unwrap();
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/shop");
    for entry in std::fs::read_dir(&source).unwrap().flatten() {
        std::fs::copy(entry.path(), shop.join(entry.file_name())).unwrap();
    }
    let cache = work.join("cache");
    let mut dev = Command::new(env!("CARGO_BIN_EXE_pluto"))
        .args(["dev", "api.pluto", "--watch"])
        .current_dir(&shop)
        .env("XDG_CACHE_HOME", &cache)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (send, lines) = std::sync::mpsc::channel();
    for pipe in [
        Box::new(dev.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
        Box::new(dev.stderr.take().unwrap()),
    ] {
        let send = send.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                let _ = send.send(line);
            }
        });
    }
    let mut log = Vec::new();
    wait_for(&lines, "[api] no order 42 for ada", &mut log);
    wait_for(&lines, "`api` exited with status 0", &mut log);
    let before = processes_under(&cache);
    assert_eq!(before.len(), 3, "auth, billing and orders serve: {before:?}");

    // An edit that does not check: the units keep running, the errors show.
    let billing = shop.join("billing.pluto");
    let original = std::fs::read_to_string(&billing).unwrap();
    std::thread::sleep(Duration::from_millis(1100));
    std::fs::write(&billing, original.replace("if amount > 1000 {", "if amount > \"1000\" {")).unwrap();
    wait_for(&lines, "the running units keep running", &mut log);
    assert!(log.iter().any(|l| l.contains("error[")), "the diagnostics show:\n{}", log.join("\n"));
    assert_eq!(processes_under(&cache), before, "nothing restarted");

    // A real change inside `billing`: only billing restarts.
    std::thread::sleep(Duration::from_millis(1100));
    std::fs::write(&billing, original.replace("if amount > 1000 {", "if amount > 2000 {")).unwrap();
    wait_for(&lines, "restarting `billing`", &mut log);
    wait_for(&lines, "[billing] pluto: unit `billing` serving on", &mut log);
    let after = processes_under(&cache);
    assert_eq!(after.len(), 3, "{after:?}");
    // The same process (pid) still runs an unchanged unit.
    let unchanged = |name: &str| {
        let pid = |list: &[String]| {
            list.iter().find(|p| p.contains(&format!("/{name}/{name}"))).and_then(|p| p.split(' ').next().map(str::to_string))
        };
        pid(&before) == pid(&after)
    };
    assert!(unchanged("auth") && unchanged("orders"), "only billing restarted: {before:?} -> {after:?}");
    assert!(!unchanged("billing"), "billing restarted: {before:?} -> {after:?}");
    assert!(!log.iter().any(|l| l.contains("restarting `auth`") || l.contains("restarting `orders`")));

    // Ctrl-C: everything stops, `pluto dev` exits 0.
    // SAFETY: kill(2) of our own child.
    unsafe { libc::kill(dev.id() as i32, libc::SIGINT) };
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = dev.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "`pluto dev` did not stop");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(0));
    assert!(processes_under(&cache).is_empty(), "no unit is left running");
    let _ = std::fs::remove_dir_all(&work);
}
