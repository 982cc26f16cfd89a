//! `pluto dev`: the whole system on this machine. Builds every unit's executable (as
//! `compile-stages` does, into the cache), gives each unit a free port on 127.0.0.1
//! through a generated configuration, starts the serving units, waits until each answers
//! the gRPC health check, then starts the units with `main`. Every line a unit prints is
//! shown prefixed by its name (coloured on a terminal). Ctrl-C (or SIGTERM) stops every
//! unit with SIGTERM — each drains — and exits 0.
//!
//! `--watch` re-checks the program when a source file changes, through the same
//! database (only what the edit touched is recomputed); a program with errors keeps the
//! running units and prints the diagnostics, otherwise the executables are rebuilt and
//! only those whose bytes changed are restarted.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, IsTerminal};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

use clap::Args;
use pluto_db::{FilePath, Program, RootDatabase, Severity};
use pluto_rpc::system::System;

use crate::build::{cache_root, check_clean, open_program};

#[derive(Args)]
pub struct DevArgs {
    /// The program's entry file
    file: PathBuf,
    /// Rebuild when a source file changes and restart the units whose executable changed
    #[arg(long)]
    watch: bool,
    /// Units to run in one process, comma-separated (as for `compile-stages`)
    #[arg(long, value_name = "A,B")]
    colocate: Vec<String>,
}

/// One executable of the system while it runs.
struct Running {
    holder: String,
    child: Child,
    /// A hash of the executable's bytes when it was started.
    hash: u64,
    /// Whether it has `main` (it may end by itself).
    has_main: bool,
    reported: bool,
}

const COLOURS: [&str; 6] = ["36", "33", "35", "32", "34", "31"];

/// What every start and restart needs: where the executables and the configuration are,
/// the ports, whether to colour, and the stop flag.
struct Session {
    dir: PathBuf,
    config: PathBuf,
    ports: BTreeMap<String, u16>,
    colour: bool,
    stop: Arc<AtomicBool>,
}

pub fn run(args: DevArgs) -> ExitCode {
    let (mut db, program) = match open_program(&args.file) {
        Ok(opened) => opened,
        Err(code) => return code,
    };
    if let Err(code) = check_clean(&db, program, &args.file) {
        return code;
    }
    let canonical = std::fs::canonicalize(&args.file).unwrap_or_else(|_| args.file.clone());
    let dir = cache_root().join("dev").join(format!("{:016x}", hash_bytes(canonical.to_string_lossy().as_bytes())));
    let groups = match crate::stages::build_system(&db, program, &args.colocate, &dir, false) {
        Ok(groups) => groups,
        Err(code) => return code,
    };
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        if let Err(e) = signal_hook::flag::register(signal, stop.clone()) {
            eprintln!("error: cannot handle signals: {e}");
            return ExitCode::from(2);
        }
    }
    let system = pluto_rpc::system::system(&db, program, &groups);
    let ports = pick_ports(&system);
    let config = dir.join("dev.toml");
    if let Err(e) = std::fs::write(&config, dev_config(&ports)) {
        eprintln!("error: cannot write `{}`: {e}", config.display());
        return ExitCode::from(2);
    }
    let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let session = Session { dir: dir.clone(), config, ports, colour, stop: stop.clone() };
    let mut running = match session.start_all(&system, &groups) {
        Ok(running) => running,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(1);
        }
    };
    eprintln!("pluto dev: {} unit(s) running; Ctrl-C stops them", session.ports.len());
    let mut stamps = source_stamps(&db, program);
    while !stop.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(200));
        for r in running.iter_mut().filter(|r| !r.reported) {
            if let Ok(Some(status)) = r.child.try_wait() {
                r.reported = true;
                let what = match status.code() {
                    Some(code) => format!("exited with status {code}"),
                    None => "was killed by a signal".to_string(),
                };
                eprintln!("pluto dev: `{}` {what}", r.holder);
            }
        }
        if !args.watch {
            continue;
        }
        let now = source_stamps(&db, program);
        if now == stamps {
            continue;
        }
        stamps = now;
        reload(&mut db, program);
        let diagnostics = pluto_hir::program_diagnostics(&db, program);
        if diagnostics.iter().any(|d| d.severity == Severity::Error) {
            crate::render::human(&db, &diagnostics, crate::ColorChoice::Auto);
            eprintln!("pluto dev: the program has errors; the running units keep running");
            continue;
        }
        match crate::stages::build_system(&db, program, &args.colocate, &dir, false) {
            Ok(new_groups) if new_groups == groups => {
                if let Err(message) = session.restart_changed(&mut running, &groups) {
                    eprintln!("error: {message}");
                }
            }
            Ok(_) => eprintln!("pluto dev: the program's units changed: restart `pluto dev`"),
            Err(_) => eprintln!("pluto dev: the rebuild failed; the running units keep running"),
        }
        stamps = source_stamps(&db, program);
    }
    eprintln!("pluto dev: stopping");
    stop_all(running);
    ExitCode::SUCCESS
}

/// A free port for every unit, chosen by the OS.
fn pick_ports(system: &System) -> BTreeMap<String, u16> {
    system
        .units
        .iter()
        .map(|u| {
            let unit = u.name.clone();
            let port =
                std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).unwrap_or(0);
            (unit, port)
        })
        .collect()
}

fn dev_config(ports: &BTreeMap<String, u16>) -> String {
    let mut text = String::from("# Written by `pluto dev`: every unit on loopback at a free port.\n");
    for (unit, port) in ports {
        text.push_str(&format!(
            "\n[stages.{unit}]\nendpoint = \"http://127.0.0.1:{port}\"\nlisten = \"127.0.0.1:{port}\"\n"
        ));
    }
    text
}

fn hash_bytes(bytes: &[u8]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut hasher);
    hasher.finish()
}

fn executable_hash(path: &Path) -> u64 {
    std::fs::read(path).map(|b| hash_bytes(&b)).unwrap_or(0)
}

/// Whether an executable holding `group` runs a `main`.
fn holds_main(system: &System, group: &[String]) -> bool {
    system.units.iter().any(|u| group.contains(&u.name) && u.has_main)
}

impl Session {
    fn start_all(&self, system: &System, groups: &[Vec<String>]) -> Result<Vec<Running>, String> {
        let mut running = Vec::new();
        // Serving executables first; those with `main` once every server answers.
        let (with_main, serving): (Vec<&Vec<String>>, Vec<&Vec<String>>) =
            groups.iter().partition(|g| holds_main(system, g));
        for (i, group) in serving.iter().enumerate() {
            running.push(self.start(&group[0], false, i)?);
        }
        for group in &serving {
            for unit in group.iter() {
                let served = system.units.iter().any(|u| u.name == *unit && !u.functions.is_empty());
                if served {
                    wait_healthy(unit, self.ports[unit], &self.stop)?;
                }
            }
        }
        for (i, group) in with_main.iter().enumerate() {
            running.push(self.start(&group[0], true, serving.len() + i)?);
        }
        Ok(running)
    }

    /// Starts executable `holder`, its lines shown in colour number `n`.
    fn start(&self, holder: &str, has_main: bool, n: usize) -> Result<Running, String> {
        let exe = self.dir.join(holder).join(holder);
        let mut child = Command::new(&exe)
            .env("PLUTO_CONFIG", &self.config)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // Its own process group: Ctrl-C reaches `pluto dev`, which stops the units in order.
            .process_group(0)
            .spawn()
            .map_err(|e| format!("cannot start `{}`: {e}", exe.display()))?;
        let code = COLOURS[n % COLOURS.len()];
        let prefix = if self.colour { format!("\x1b[{code}m[{holder}]\x1b[0m ") } else { format!("[{holder}] ") };
        let stdout = child.stdout.take().map(|p| Box::new(p) as Box<dyn std::io::Read + Send>);
        let stderr = child.stderr.take().map(|p| Box::new(p) as Box<dyn std::io::Read + Send>);
        for pipe in [stdout, stderr].into_iter().flatten() {
            let prefix = prefix.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                    eprintln!("{prefix}{line}");
                }
            });
        }
        Ok(Running { holder: holder.to_string(), child, hash: executable_hash(&exe), has_main, reported: false })
    }

    /// Restarts the executables whose bytes changed.
    fn restart_changed(&self, running: &mut [Running], groups: &[Vec<String>]) -> Result<(), String> {
        for (i, r) in running.iter_mut().enumerate() {
            let exe = self.dir.join(&r.holder).join(&r.holder);
            if executable_hash(&exe) == r.hash {
                continue;
            }
            eprintln!("pluto dev: restarting `{}`", r.holder);
            terminate(&mut r.child);
            let fresh = self.start(&r.holder, r.has_main, i)?;
            let _ = std::mem::replace(r, fresh);
            if !r.has_main
                && let Some(group) = groups.iter().find(|g| g[0] == r.holder)
            {
                for unit in group {
                    if let Some(port) = self.ports.get(unit) {
                        // Units without `pub fn`s never answer; give them a moment instead.
                        let _ = wait_healthy(unit, *port, &self.stop);
                    }
                }
            }
        }
        Ok(())
    }
}

/// Waits (at most 30 s) until `unit` answers the gRPC health check on `port`.
fn wait_healthy(unit: &str, port: u16, stop: &AtomicBool) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot check health: {e}"))?;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let healthy = runtime.block_on(async {
            let Ok(endpoint) = tonic::transport::Endpoint::from_shared(format!("http://127.0.0.1:{port}")) else {
                return false;
            };
            let Ok(channel) = endpoint.connect().await else { return false };
            let mut client = tonic_health::pb::health_client::HealthClient::new(channel);
            let request = tonic_health::pb::HealthCheckRequest { service: String::new() };
            client.check(request).await.is_ok_and(|r| r.into_inner().status == 1)
        });
        if healthy {
            return Ok(());
        }
        if Instant::now() > deadline || stop.load(Ordering::SeqCst) {
            return Err(format!("unit `{unit}` did not answer its health check on port {port}"));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// SIGTERM, then (after the drain limit) SIGKILL.
fn terminate(child: &mut Child) {
    if child.try_wait().ok().flatten().is_some() {
        return;
    }
    // SAFETY: kill(2) of our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let deadline = Instant::now() + Duration::from_secs(35);
    while Instant::now() < deadline {
        if child.try_wait().ok().flatten().is_some() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
}

fn stop_all(running: Vec<Running>) {
    // Units with `main` first (they call the others), then the servers.
    let (mut callers, mut servers): (Vec<Running>, Vec<Running>) = running.into_iter().partition(|r| r.has_main);
    for r in callers.iter_mut().chain(servers.iter_mut()) {
        // SAFETY: kill(2) of our own child.
        if r.child.try_wait().ok().flatten().is_none() {
            unsafe { libc::kill(r.child.id() as i32, libc::SIGTERM) };
        }
    }
    for r in callers.iter_mut().chain(servers.iter_mut()) {
        terminate(&mut r.child);
    }
}

/// The program's files on disk, with the text the database has for each.
fn disk_files(db: &RootDatabase, program: Program) -> Vec<(PathBuf, String)> {
    pluto_db::modules::module_graph(db, program)
        .modules
        .iter()
        .filter_map(|m| match m.file.path(db) {
            FilePath::Disk(p) => Some((p.clone(), m.file.text(db).clone())),
            FilePath::Std(_) => None,
        })
        .collect()
}

/// The modification times of the program's source files.
fn source_stamps(db: &RootDatabase, program: Program) -> Vec<(PathBuf, Option<SystemTime>)> {
    disk_files(db, program)
        .into_iter()
        .map(|(p, _)| {
            let stamp = std::fs::metadata(&p).and_then(|m| m.modified()).ok();
            (p, stamp)
        })
        .collect()
}

/// Reads the program's changed files into the database.
fn reload(db: &mut RootDatabase, program: Program) {
    for (path, old) in disk_files(db, program) {
        if let Ok(text) = std::fs::read_to_string(&path)
            && text != old
        {
            db.set_file_text(&FilePath::Disk(path), text);
        }
    }
}
