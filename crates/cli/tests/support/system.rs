//! A distributed Pluto program under test: `pluto compile-stages`, then each unit's
//! executable as its own process on 127.0.0.1, wired by environment variables to ports
//! the OS chose. Every wait is bounded.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The built executables of a program.
pub struct Build {
    pub dir: PathBuf,
    /// Every unit with the executable that holds it.
    pub units: Vec<String>,
}

/// Runs `pluto compile-stages ENTRY` (in `source_dir`) into `out`.
pub fn compile_stages(source_dir: &Path, entry: &str, out: &Path, extra: &[&str]) -> Build {
    let mut args = vec!["compile-stages", entry, "--output-dir", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    let output = Command::new(env!("CARGO_BIN_EXE_pluto"))
        .args(&args)
        .current_dir(source_dir)
        .env("XDG_CACHE_HOME", out.join("cache"))
        .output()
        .expect("run pluto compile-stages");
    assert!(
        output.status.success(),
        "compile-stages failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let config = std::fs::read_to_string(out.join("config/local.toml")).expect("config/local.toml is written");
    let units = config
        .lines()
        .filter_map(|l| l.strip_prefix("[stages.").and_then(|r| r.strip_suffix(']')))
        .map(str::to_string)
        .collect();
    Build { dir: out.to_path_buf(), units }
}

/// A free port on 127.0.0.1, chosen by the OS.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The environment wiring every unit to its port.
pub fn wiring(ports: &BTreeMap<String, u16>) -> Vec<(String, String)> {
    let mut env = Vec::new();
    for (unit, port) in ports {
        let upper = unit.to_uppercase();
        env.push((format!("PLUTO_STAGE_{upper}_ENDPOINT"), format!("http://127.0.0.1:{port}")));
        env.push((format!("PLUTO_STAGE_{upper}_LISTEN"), format!("127.0.0.1:{port}")));
    }
    env
}

/// A unit's process that serves until stopped.
pub struct Server {
    pub name: String,
    pub child: Child,
    pub stderr: Arc<Mutex<String>>,
}

impl Server {
    /// Starts the executable of `unit` and waits (at most 30 s) until it serves.
    pub fn start(build: &Build, unit: &str, env: &[(String, String)]) -> Server {
        Server::launch(build, unit, env, false)
    }

    /// As [`Server::start`], keeping its standard output for [`Server::stop_with_output`]
    /// (a unit that prints much would fill the pipe: only for those that print little).
    pub fn start_capturing(build: &Build, unit: &str, env: &[(String, String)]) -> Server {
        Server::launch(build, unit, env, true)
    }

    fn launch(build: &Build, unit: &str, env: &[(String, String)], capture: bool) -> Server {
        let exe = build.dir.join(unit).join(unit);
        let mut child = Command::new(&exe)
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null())
            .stdout(if capture { Stdio::piped() } else { Stdio::null() })
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", exe.display()));
        let stderr = Arc::new(Mutex::new(String::new()));
        let (ready, serving) = std::sync::mpsc::channel();
        let pipe = child.stderr.take().unwrap();
        let log = stderr.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                let serving = line.contains("serving on") || line.contains("serving HTTP on");
                {
                    let mut log = log.lock().unwrap();
                    log.push_str(&line);
                    log.push('\n');
                }
                // After the line is in the log, so the caller sees it.
                if serving {
                    let _ = ready.send(());
                }
            }
        });
        if serving.recv_timeout(Duration::from_secs(30)).is_err() {
            let _ = child.kill();
            panic!("unit `{unit}` did not start serving:\n{}", stderr.lock().unwrap());
        }
        Server { name: unit.to_string(), child, stderr }
    }

    pub fn log(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Its log once it holds `needle` (a unit writes a call's log line after answering
    /// it, so the caller can finish first), or as it is after `timeout`.
    pub fn log_with(&self, needle: &str, timeout: std::time::Duration) -> String {
        let start = std::time::Instant::now();
        loop {
            let log = self.log();
            if log.contains(needle) || start.elapsed() >= timeout {
                return log;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }

    /// Where it serves HTTP (`127.0.0.1:PORT`), from its start-up line.
    pub fn http_address(&self) -> String {
        let log = self.log();
        let line = log.lines().find_map(|l| l.split("serving HTTP on http://").nth(1));
        line.unwrap_or_else(|| panic!("`{}` does not serve HTTP:\n{log}", self.name)).trim().to_string()
    }

    /// Whether the process still runs.
    pub fn alive(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    pub fn signal(&self, signal: i32) {
        // SAFETY: a plain kill(2) of our own child.
        unsafe { libc::kill(self.child.id() as i32, signal) };
    }

    /// Sends SIGTERM and waits (at most 30 s) for the exit status.
    pub fn stop(self) -> Option<i32> {
        self.stop_with_output().0
    }

    /// Sends SIGTERM and waits (at most 30 s) for the exit status and standard output
    /// (when it was captured: [`Server::start_capturing`]).
    pub fn stop_with_output(mut self) -> (Option<i32>, String) {
        self.signal(libc::SIGTERM);
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                let mut stdout = String::new();
                if let Some(mut pipe) = self.child.stdout.take() {
                    let _ = std::io::Read::read_to_string(&mut pipe, &mut stdout);
                }
                return (status.code(), stdout);
            }
            if start.elapsed() > Duration::from_secs(30) {
                let _ = self.child.kill();
                panic!("unit `{}` did not stop after SIGTERM:\n{}", self.name, self.log());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs the executable of `unit` to completion (at most `limit`), reading its output as
/// it comes (a unit logs a line per call: a full pipe would stop it).
pub fn run_unit(build: &Build, unit: &str, env: &[(String, String)], limit: Duration) -> Output {
    let exe = build.dir.join(unit).join(unit);
    let child = Command::new(&exe)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", exe.display()));
    let pid = child.id() as i32;
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(child.wait_with_output());
    });
    match finished.recv_timeout(limit) {
        Ok(output) => output.unwrap(),
        Err(_) => {
            // SAFETY: kill(2) of our own child.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            let output = finished.recv().unwrap().unwrap();
            panic!(
                "unit `{unit}` did not finish within {limit:?}:\n{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
        }
    }
}
