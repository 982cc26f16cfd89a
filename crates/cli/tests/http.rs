//! HTTP servers written with `std.http`, as real processes under a real client (Python's
//! `http.client`, `test-data/http/client.py`) and real signals.
//!
//! Each directory of `test-data/http/cases` is a case: `app.pluto` (an `http_server`),
//! `requests` (what the client sends), optionally `env` (`KEY=VALUE` lines for the
//! server), and `expected`: the client's transcript, then the server's exit status and
//! standard output after SIGTERM. `UPDATE_EXPECT=1` rewrites `expected`.

#[path = "support/pluto.rs"]
mod pluto_support;
#[path = "support/system.rs"]
mod system;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use pluto_support::workdir;
use system::{Build, Server, compile_stages, free_port, wiring};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test-data/http")
}

/// `pluto build FILE` (run beside it, so source lines name it as `FILE`) into
/// `<dir>/<name>/<name>`, as `compile-stages` lays units out.
fn build(file: &Path, dir: &Path, name: &str) -> Build {
    std::fs::create_dir_all(dir.join(name)).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_pluto"))
        .arg("build")
        .arg(file.file_name().unwrap())
        .current_dir(file.parent().unwrap())
        .arg("-o")
        .arg(dir.join(name).join(name))
        .env("XDG_CACHE_HOME", dir.join("cache"))
        .output()
        .expect("run pluto build");
    assert!(output.status.success(), "pluto build {} failed:\n{}", file.display(), String::from_utf8_lossy(&output.stderr));
    Build { dir: dir.to_path_buf(), units: vec![name.to_string()] }
}

/// The environment of a server on a port of the OS's choice, on loopback.
fn http_env(extra: &[(String, String)]) -> Vec<(String, String)> {
    let mut env = vec![("PLUTO_HTTP_LISTEN".to_string(), "127.0.0.1:0".to_string())];
    env.extend_from_slice(extra);
    env
}

fn client_command(args: &[&str]) -> Command {
    let mut command = Command::new("python3");
    command.arg(root().join("client.py")).args(args);
    command
}

/// Runs the client; its standard output.
fn client(args: &[&str]) -> String {
    let output = client_command(args).output().expect("python3 runs (the tests need Python 3)");
    assert!(output.status.success(), "client.py {args:?} failed:\n{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

/// `client.py load ADDRESS PATH N`: its summary. Returns once the requests are on their
/// way; the summary comes when they are answered.
fn load_in_background(address: &str, path: &str, n: usize) -> std::sync::mpsc::Receiver<String> {
    use std::io::BufRead;
    let mut child = client_command(&["load", address, path, &n.to_string()])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs (the tests need Python 3)");
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().and_then(Result::ok);
    assert_eq!(first.as_deref(), Some("sending"));
    let (done, summary) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let last = lines.map_while(Result::ok).last().unwrap_or_default();
        let _ = child.wait();
        let _ = done.send(last);
    });
    summary
}

fn compare(expected_file: &Path, actual: &str, server_log: &str) -> Result<(), String> {
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(expected_file, actual).unwrap();
        return Ok(());
    }
    let expected = std::fs::read_to_string(expected_file).unwrap_or_default();
    if expected == actual {
        Ok(())
    } else {
        Err(format!(
            "{}: expected\n{expected}\n--- got\n{actual}\n--- server log\n{server_log}",
            expected_file.display()
        ))
    }
}

/// The lines of a server's log that report handlers' faults and unhandled errors.
fn failures_logged(log: &str) -> String {
    let wanted = ["fault:", "error:", "  -->", "  (ended"];
    log.lines().filter(|l| wanted.iter().any(|w| l.starts_with(w))).map(|l| format!("{l}\n")).collect()
}

/// `text` with the ports after `127.0.0.1:` (chosen by the OS) written `PORT`.
fn without_ports(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("127.0.0.1:") {
        let (before, after) = rest.split_at(at + "127.0.0.1:".len());
        out.push_str(before);
        let digits = after.chars().take_while(char::is_ascii_digit).count();
        out.push_str(if digits > 0 { "PORT" } else { "" });
        rest = &after[digits..];
    }
    out.push_str(rest);
    out
}

#[test]
fn http_cases() {
    let work = workdir("http-cases");
    let mut failures = Vec::new();
    let mut cases: Vec<PathBuf> =
        std::fs::read_dir(root().join("cases")).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_dir()).collect();
    cases.sort();
    assert!(!cases.is_empty());
    for case in &cases {
        let name = case.file_name().unwrap().to_str().unwrap();
        let build = build(&case.join("app.pluto"), &work.join(name), "app");
        let extra: Vec<(String, String)> = std::fs::read_to_string(case.join("env"))
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.split_once('=').map(|(k, v)| (k.to_string(), v.to_string())))
            .collect();
        let server = Server::start_capturing(&build, "app", &http_env(&extra));
        let address = server.http_address();
        let transcript = client(&["exchange", &address, case.join("requests").to_str().unwrap()]);
        let log = server.log();
        let (status, stdout) = server.stop_with_output();
        let actual = format!("{transcript}--- exit: {status:?}\n--- stdout\n{stdout}--- failures logged\n{}", failures_logged(&log));
        if let Err(e) = compare(&case.join("expected"), &actual, &log) {
            failures.push(e);
        }
    }
    assert!(failures.is_empty(), "{} of {} cases failed:\n\n{}", failures.len(), cases.len(), failures.join("\n\n"));
}

/// The load program: `/slow` sleeps, then counts itself; `/count` says how many did.
fn load_server(test: &str) -> (Server, PathBuf) {
    let work = workdir(test);
    let build = build(&root().join("load.pluto"), &work, "load");
    (Server::start_capturing(&build, "load", &http_env(&[("PLUTO_LOG".into(), "off".into())])), work)
}

#[test]
fn hundred_concurrent_requests_are_served_together() {
    let (server, _work) = load_server("http-concurrent");
    let address = server.http_address();
    let started = Instant::now();
    let summary = load_in_background(&address, "/slow", 100).recv_timeout(Duration::from_secs(120)).unwrap();
    assert_eq!(summary.trim(), "100 200");
    let elapsed = started.elapsed();
    // Each request sleeps 300 ms; one at a time they would take 30 s.
    assert!(elapsed < Duration::from_secs(15), "100 requests took {elapsed:?}: they were not served concurrently");
    let log = server.log();
    let (status, stdout) = server.stop_with_output();
    assert_eq!(status, Some(0), "{log}");
    // Every one counted (no update lost between threads).
    assert_eq!(stdout, "stopping\nserved 100 slow requests\n", "{log}");
}

#[test]
fn sigterm_during_load_finishes_the_requests_in_flight() {
    let (server, _work) = load_server("http-graceful");
    let address = server.http_address();
    let load = load_in_background(&address, "/slow", 40);
    // The requests are in their handlers (each sleeps 300 ms) when the signal comes.
    std::thread::sleep(Duration::from_millis(100));
    let log = server.log();
    let (status, stdout) = server.stop_with_output();
    assert_eq!(status, Some(0), "{log}");
    assert_eq!(load.recv_timeout(Duration::from_secs(60)).unwrap().trim(), "40 200", "{log}");
    assert_eq!(stdout, "stopping\nserved 40 slow requests\n");
    // Stopped: nothing listens any more.
    assert!(std::net::TcpStream::connect(&address).is_err());
}

#[test]
fn shop_http_through_four_processes() {
    let work = workdir("http-shop");
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/shop-http");
    let build = compile_stages(&source, "api.pluto", &work.join("build"), &[]);
    let ports: BTreeMap<String, u16> = build.units.iter().map(|u| (u.clone(), free_port())).collect();
    let env = wiring(&ports);
    let mut backends: Vec<Server> =
        ["auth", "billing", "orders"].iter().map(|u| Server::start(&build, u, &env)).collect();
    let api = Server::start_capturing(&build, "api", &http_env(&env));
    let address = api.http_address();
    let transcript = client(&["exchange", &address, root().join("shop/requests").to_str().unwrap()]);
    // A stopped backend is a 503 naming it.
    let orders = backends.pop().unwrap();
    assert_eq!(orders.stop(), Some(0));
    let after = client(&["exchange", &address, root().join("shop/orders_stopped").to_str().unwrap()]);
    let log = api.log();
    let (status, stdout) = api.stop_with_output();
    let actual = without_ports(&format!(
        "{transcript}--- after `orders` stopped\n{after}--- exit: {status:?}\n--- stdout\n{stdout}"
    ));
    if let Err(e) = compare(&root().join("shop/expected"), &actual, &log) {
        panic!("{e}");
    }
    // One trace runs through the gateway and the units it called.
    let traced = log.lines().filter(|l| l.contains("client orders.place_order")).count();
    assert!(traced >= 1, "{log}");
    for backend in backends {
        assert_eq!(backend.stop(), Some(0));
    }
}
