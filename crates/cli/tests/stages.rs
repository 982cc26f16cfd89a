//! Stages over the network (SPEC §4–§7), with real processes on 127.0.0.1.
//!
//! Each directory of `test-data/stages/` is a program (`app.pluto`) and its `expected`:
//!
//! ```text
//! main: client            the unit whose `main` runs; every other unit serves
//! down: unit              (optional) a unit left stopped: its port refuses connections
//! env: NAME=VALUE         (optional, repeatable) for the `main` unit's process
//! colocated: differs      (optional) `pluto run` need not print the same
//! --- stdout
//! what the `main` unit prints
//! ```
//!
//! The program is built with `pluto compile-stages`; each unit runs as its own process on
//! a port the OS chose; the `main` unit's output must equal `expected` and, unless said
//! otherwise, what `pluto run` (every unit in one process) prints. Afterwards every
//! server must still be serving, and must exit 0 on SIGTERM.
//!
//! The other tests cover what one case file cannot: the shop example across four
//! processes, interface skew between two builds, SIGTERM during load, a foreign client.

#[path = "support/pluto.rs"]
mod pluto_support;
#[path = "support/system.rs"]
mod system;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use pluto_support::{pluto, workdir};
use system::{Build, Server, compile_stages, free_port, run_unit, wiring};

struct Case {
    main: String,
    down: Vec<String>,
    env: Vec<(String, String)>,
    colocated_same: bool,
    stdout: String,
}

fn parse_case(text: &str) -> Case {
    let (header, stdout) = text.split_once("--- stdout\n").expect("`expected` has a `--- stdout` line");
    let mut case =
        Case { main: String::new(), down: Vec::new(), env: Vec::new(), colocated_same: true, stdout: stdout.to_string() };
    for line in header.lines().filter(|l| !l.trim().is_empty()) {
        let (key, value) = line.split_once(':').unwrap_or_else(|| panic!("bad header line `{line}`"));
        let value = value.trim();
        match key.trim() {
            "main" => case.main = value.to_string(),
            "down" => case.down.push(value.to_string()),
            "env" => {
                let (k, v) = value.split_once('=').expect("env: NAME=VALUE");
                case.env.push((k.to_string(), v.to_string()));
            }
            "colocated" => case.colocated_same = value != "differs",
            other => panic!("unknown header `{other}`"),
        }
    }
    assert!(!case.main.is_empty(), "`expected` names the `main` unit");
    case
}

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test-data/stages")
}

/// Starts every unit of `build` except `main` and `down`, each on an OS-chosen port.
fn start_servers(build: &Build, main: &str, down: &[String], env: &[(String, String)]) -> Vec<Server> {
    build
        .units
        .iter()
        .filter(|u| *u != main && !down.contains(u))
        .map(|u| Server::start(build, u, env))
        .collect()
}

fn ports(build: &Build) -> BTreeMap<String, u16> {
    build.units.iter().map(|u| (u.clone(), free_port())).collect()
}

fn run_case(dir: &Path) -> Result<(), String> {
    let name = dir.file_name().unwrap().to_string_lossy().to_string();
    let case = parse_case(&std::fs::read_to_string(dir.join("expected")).unwrap());
    let work = workdir(&format!("stages-{name}"));
    if case.colocated_same {
        // From the case's directory, so fault locations read `app.pluto:N` both ways.
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_pluto"))
            .args(["run", "app.pluto"])
            .current_dir(dir)
            .env("XDG_CACHE_HOME", work.join("cache"))
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        if stdout != case.stdout {
            return Err(format!(
                "{name}: `pluto run` printed\n{stdout}\nexpected\n{}\nstderr:\n{}",
                case.stdout,
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    let build = compile_stages(dir, "app.pluto", &work.join("build"), &[]);
    let ports = ports(&build);
    let env = wiring(&ports);
    let mut servers = start_servers(&build, &case.main, &case.down, &env);
    let mut main_env = env.clone();
    main_env.extend(case.env.iter().cloned());
    let out = run_unit(&build, &case.main, &main_env, Duration::from_secs(120));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let logs = || servers.iter().map(|s| format!("[{}]\n{}", s.name, s.log())).collect::<Vec<_>>().join("\n");
    if stdout != case.stdout || !out.status.success() {
        return Err(format!(
            "{name}: unit `{}` ({}) printed\n{stdout}\nexpected\n{}\nits stderr:\n{}\nservers:\n{}",
            case.main,
            out.status,
            case.stdout,
            String::from_utf8_lossy(&out.stderr),
            logs()
        ));
    }
    for s in servers.iter_mut() {
        if !s.alive() {
            return Err(format!("{name}: unit `{}` stopped serving:\n{}", s.name, s.log()));
        }
    }
    for s in servers {
        let unit = s.name.clone();
        let status = s.stop();
        if status != Some(0) {
            return Err(format!("{name}: unit `{unit}` exited with {status:?} after SIGTERM"));
        }
    }
    let _ = std::fs::remove_dir_all(&work);
    Ok(())
}

#[test]
fn stage_cases() {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(cases_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("expected").is_file())
        .collect();
    dirs.sort();
    assert!(!dirs.is_empty());
    let failures: Vec<String> = dirs.iter().filter_map(|d| run_case(d).err()).collect();
    assert!(failures.is_empty(), "{} of {} cases failed:\n\n{}", failures.len(), dirs.len(), failures.join("\n\n"));
}

/// The shop of `examples/shop` across four processes prints what one process prints, a
/// typed error (`orders.OrderNotFound`) crossing the wire.
#[test]
fn shop_across_processes() {
    let shop = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/shop");
    let work = workdir("stages-shop");
    let colocated = pluto(&work, &["run", shop.join("api.pluto").to_str().unwrap()]);
    assert!(colocated.status.success(), "{}", String::from_utf8_lossy(&colocated.stderr));
    let build = compile_stages(&shop, "api.pluto", &work.join("build"), &[]);
    assert!(build.units.len() >= 3, "{:?}", build.units);
    let env = wiring(&ports(&build));
    let servers = start_servers(&build, "api", &[], &env);
    let out = run_unit(&build, "api", &env, Duration::from_secs(60));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&colocated.stdout));
    for s in servers {
        assert_eq!(s.stop(), Some(0));
    }
    let _ = std::fs::remove_dir_all(&work);
}
