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
//! processes, interface skew between two builds, SIGTERM during load, faults on the
//! network itself (through a fault-injecting proxy) and a hung unit, and a stock Python
//! gRPC client built from the emitted `.proto`.

#[path = "support/pluto.rs"]
mod pluto_support;
#[path = "support/proxy.rs"]
mod proxy;
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

fn test_data(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test-data").join(path)
}

fn stdout_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A caller built against another version of a unit's interface is told of the skew
/// (a `NetworkError`), never mis-decodes; the unit keeps serving.
#[test]
fn interface_skew_is_reported() {
    let work = workdir("stages-skew");
    let v1 = compile_stages(&test_data("skew/v1"), "app.pluto", &work.join("v1"), &[]);
    let v2 = compile_stages(&test_data("skew/v2"), "app.pluto", &work.join("v2"), &[]);
    let env = wiring(&ports(&v1));
    let mut server = Server::start(&v1, "store", &env);
    let skewed = run_unit(&v2, "buyer", &env, Duration::from_secs(60));
    let printed = stdout_of(&skewed);
    assert!(printed.starts_with("NetworkError: version skew"), "{printed}");
    assert!(printed.contains("store.price"), "{printed}");
    let matching = run_unit(&v1, "buyer", &env, Duration::from_secs(60));
    assert_eq!(stdout_of(&matching), "30\n");
    assert!(server.alive());
    assert_eq!(server.stop(), Some(0));
    let _ = std::fs::remove_dir_all(&work);
}

/// SIGTERM while 16 callers keep calling: the unit stops accepting, finishes what it
/// accepted and exits 0; every call it answered reached its caller.
#[test]
fn sigterm_during_load_loses_no_accepted_call() {
    let work = workdir("stages-sigterm");
    let build = compile_stages(&test_data("load"), "app.pluto", &work.join("build"), &[]);
    let env = wiring(&ports(&build));
    let server = Server::start(&build, "tally", &env);
    let exe = build.dir.join("load/load");
    let client = std::process::Command::new(&exe)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Let the load build up, then stop the unit in the middle of it.
    std::thread::sleep(Duration::from_millis(1500));
    let log = server.stderr.clone();
    assert_eq!(server.stop(), Some(0), "the unit exits 0 after SIGTERM");
    let out = client.wait_with_output().unwrap();
    let printed = stdout_of(&out);
    let answered: u64 = printed.lines().last().unwrap_or("").strip_prefix("answered ").and_then(|n| n.parse().ok()).unwrap_or_else(|| {
        panic!("the load printed {printed:?}; stderr:\n{}", String::from_utf8_lossy(&out.stderr))
    });
    let log = log.lock().unwrap().clone();
    let served: u64 = log
        .lines()
        .find_map(|l| l.strip_prefix("pluto: stopped serving after answering "))
        .and_then(|rest| rest.strip_suffix(" calls"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("the unit did not report its calls:\n{log}"));
    assert!(answered > 100, "the load ran ({answered} calls)");
    assert_eq!(
        answered, served,
        "calls the unit answered ({served}) all reached the callers ({answered}); the callers stopped by:\n{printed}"
    );
    let _ = std::fs::remove_dir_all(&work);
}

/// Delay, resets and a partition on the network between two units, and a hung unit
/// (SIGSTOP): each call raises `NetworkError` within the deadline, and the system
/// recovers when the fault goes away.
#[test]
fn network_faults_become_network_errors() {
    use proxy::{Mode, Proxy};
    let work = workdir("stages-faults");
    let build = compile_stages(&test_data("faults"), "app.pluto", &work.join("build"), &[]);
    let ports = ports(&build);
    let env = wiring(&ports);
    let server = Server::start(&build, "ledger", &env);
    let proxy = Proxy::start(ports["ledger"]);
    let mut client_env = env.clone();
    client_env.push(("PLUTO_STAGE_LEDGER_ENDPOINT".into(), format!("http://127.0.0.1:{}", proxy.port)));
    client_env.push(("PLUTO_STAGE_LEDGER_TIMEOUT_MS".into(), "700".into()));
    let call = || stdout_of(&run_unit(&build, "report", &client_env, Duration::from_secs(60)));
    assert_eq!(call(), "100\n", "through the proxy");
    proxy.set(Mode::Delay(Duration::from_millis(1500)));
    let delayed = call();
    assert!(delayed.starts_with("NetworkError: deadline exceeded"), "{delayed}");
    proxy.set(Mode::Reset);
    let reset = call();
    assert!(
        reset.starts_with("NetworkError: cannot reach unit `ledger`")
            || reset.starts_with("NetworkError: the connection to unit `ledger`"),
        "{reset}"
    );
    proxy.set(Mode::Partition);
    let partitioned = call();
    assert!(partitioned.starts_with("NetworkError: deadline exceeded"), "{partitioned}");
    proxy.set(Mode::Pass);
    assert_eq!(call(), "100\n", "after the faults");
    server.signal(libc::SIGSTOP);
    let hung = call();
    server.signal(libc::SIGCONT);
    assert!(hung.starts_with("NetworkError: deadline exceeded"), "{hung}");
    assert_eq!(call(), "100\n", "after SIGCONT");
    assert_eq!(server.stop(), Some(0));
    let _ = std::fs::remove_dir_all(&work);
}

/// The Python with `grpcio` and `grpcio-tools` (`$PYTHON`, or `python3`); `None` (the
/// caller skips its foreign client) where it lacks them, which CI never does.
fn python_with_grpc() -> Option<String> {
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let probe = std::process::Command::new(&python).args(["-c", "import grpc, grpc_tools"]).output();
    if probe.is_ok_and(|o| o.status.success()) {
        return Some(python);
    }
    assert!(std::env::var_os("CI").is_none(), "CI installs grpcio and grpcio-tools (.ci/run)");
    eprintln!("skipped the foreign client: `{python}` lacks grpcio and grpcio-tools (pip install grpcio grpcio-tools)");
    None
}

/// A stock Python `grpcio` client, built only from the emitted `store.proto`, calls the
/// unit: a result, a typed error, health, reflection, malformed payloads and an unknown
/// method (after which the unit still serves).
#[test]
fn foreign_python_client() {
    let Some(python) = python_with_grpc() else { return };
    let work = workdir("stages-python");
    let build = compile_stages(&test_data("stages/wire_types"), "app.pluto", &work.join("build"), &[]);
    let ports = ports(&build);
    let server = Server::start(&build, "store", &wiring(&ports));
    let out = std::process::Command::new(&python)
        .arg(test_data("foreign/client.py"))
        .arg(build.dir.join("store"))
        .arg(format!("127.0.0.1:{}", ports["store"]))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}{}", stdout_of(&out), String::from_utf8_lossy(&out.stderr));
    let expected = std::fs::read_to_string(test_data("foreign/expected")).unwrap();
    assert_eq!(stdout_of(&out), expected);
    assert_eq!(server.stop(), Some(0));
    let _ = std::fs::remove_dir_all(&work);
}

/// Server-streaming `pub fn`s across processes: a stock Python `grpcio` client reads the
/// streams of `test-data/stages/streaming` through the emitted `.proto` (a whole stream,
/// the typed error raised before the first item, an endless stream cancelled after five
/// items, an empty stream), and a stream that breaks mid-way (its producer's process
/// dies) raises `NetworkError` at the caller's `recv` after the items that arrived.
#[test]
fn streams_across_processes() {
    let work = workdir("stages-streams");
    let build = compile_stages(&test_data("stream-broken"), "app.pluto", &work.join("broken"), &[]);
    let ports = ports(&build);
    let server = Server::start(&build, "ticker", &wiring(&ports));
    let out = run_unit(&build, "watcher", &wiring(&ports), Duration::from_secs(60));
    let printed = stdout_of(&out);
    assert!(out.status.success(), "{printed}{}", String::from_utf8_lossy(&out.stderr));
    assert!(printed.starts_with("50\n100\nbroken: the stream from ticker.ticks broke: "), "{printed}");
    assert_eq!(server.stop(), Some(101), "the producer's fault ended the ticker");

    let Some(python) = python_with_grpc() else { return };
    let build = compile_stages(&test_data("stages/streaming"), "app.pluto", &work.join("streaming"), &[]);
    let ports = self::ports(&build);
    let server = Server::start(&build, "sensors", &wiring(&ports));
    let out = std::process::Command::new(&python)
        .arg(test_data("foreign/stream_client.py"))
        .arg(build.dir.join("sensors"))
        .arg(format!("127.0.0.1:{}", ports["sensors"]))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}{}", stdout_of(&out), String::from_utf8_lossy(&out.stderr));
    assert_eq!(stdout_of(&out), std::fs::read_to_string(test_data("foreign/stream_expected")).unwrap());
    assert_eq!(server.stop(), Some(0));
    let _ = std::fs::remove_dir_all(&work);
}

/// Configuration problems stop a unit's executable at start-up with the file, key and
/// reason (exit 2), never a crash; a good file is used.
#[test]
fn configuration_errors_are_reported() {
    let work = workdir("stages-config");
    let build = compile_stages(&test_data("faults"), "app.pluto", &work.join("build"), &[]);
    let run = |env: &[(&str, &str)], args: &[&str]| {
        let out = std::process::Command::new(build.dir.join("report/report"))
            .args(args)
            .envs(env.iter().copied())
            .output()
            .unwrap();
        (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned(), stdout_of(&out))
    };
    let write = |name: &str, text: &str| {
        let path = work.join(name);
        std::fs::write(&path, text).unwrap();
        path.to_string_lossy().into_owned()
    };
    let missing = work.join("nope.toml").to_string_lossy().into_owned();
    let (code, stderr, _) = run(&[("PLUTO_CONFIG", &missing)], &[]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains(&missing) && stderr.contains("cannot read"), "{stderr}");

    let malformed = write("malformed.toml", "[stages.ledger\nendpoint = 1\n");
    let (code, stderr, _) = run(&[], &["--config", &malformed]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains(&malformed) && stderr.contains("line 1"), "{stderr}");

    let unknown_unit = write("unknown.toml", "[stages.ledgr]\nendpoint = \"http://127.0.0.1:1\"\n");
    let (code, stderr, _) = run(&[], &[&format!("--config={unknown_unit}")]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("stages.ledgr") && stderr.contains("no deployment unit `ledgr`"), "{stderr}");

    let unknown_key = write("key.toml", "[stages.ledger]\nendpont = \"http://127.0.0.1:1\"\n");
    let (code, stderr, _) = run(&[("PLUTO_CONFIG", &unknown_key)], &[]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("endpont"), "{stderr}");

    let (code, stderr, _) = run(&[("PLUTO_STAGE_LEDGER_ENDPOINT", "ledger:50051")], &[]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("PLUTO_STAGE_LEDGER_ENDPOINT") && stderr.contains("http://host:port"), "{stderr}");

    let (code, stderr, _) = run(&[("PLUTO_STAGE_LEDGER_TIMEOUT_MS", "soon")], &[]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("PLUTO_STAGE_LEDGER_TIMEOUT_MS") && stderr.contains("soon"), "{stderr}");

    // A good file: `localhost` resolves through DNS, and the unit answers.
    let ports = ports(&build);
    let server = Server::start(&build, "ledger", &wiring(&ports));
    let good = write(
        "good.toml",
        &format!("[stages.ledger]\nendpoint = \"http://localhost:{}\"\ntimeout_ms = 5000\n", ports["ledger"]),
    );
    let (code, stderr, stdout) = run(&[("PLUTO_CONFIG", &good)], &[]);
    assert_eq!((code, stdout.as_str()), (Some(0), "100\n"), "{stderr}");
    assert_eq!(server.stop(), Some(0));
    let _ = std::fs::remove_dir_all(&work);
}

/// TLS and mutual TLS from configuration: a unit requiring client certificates answers a
/// caller that presents one signed by the configured CA over `https://`, and refuses
/// callers without one or speaking plain HTTP/2.
#[test]
fn tls_and_mutual_tls() {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
    let work = workdir("stages-tls");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let write = |name: &str, text: &str| {
        let path = work.join(name);
        std::fs::write(&path, text).unwrap();
        path.to_string_lossy().into_owned()
    };
    let leaf = |name: &str, host: &str| {
        let key = KeyPair::generate().unwrap();
        let cert = CertificateParams::new(vec![host.to_string()]).unwrap().signed_by(&key, &ca).unwrap();
        (write(&format!("{name}.pem"), &cert.pem()), write(&format!("{name}.key"), &key.serialize_pem()))
    };
    let (server_cert, server_key) = leaf("ledger", "localhost");
    let (client_cert, client_key) = leaf("report", "report");
    let ca_file = write("ca.pem", &ca.pem());

    let build = compile_stages(&test_data("faults"), "app.pluto", &work.join("build"), &[]);
    let ports = ports(&build);
    let mut server_env = wiring(&ports);
    server_env.extend([
        ("PLUTO_TLS_CERT".to_string(), server_cert),
        ("PLUTO_TLS_KEY".to_string(), server_key),
        ("PLUTO_TLS_CA".to_string(), ca_file.clone()),
        ("PLUTO_TLS_REQUIRE_CLIENT_CERT".to_string(), "true".to_string()),
    ]);
    let server = Server::start(&build, "ledger", &server_env);
    assert!(server.log().contains("(mutual TLS)"), "{}", server.log());
    let https = format!("https://localhost:{}", ports["ledger"]);
    let call = |env: &[(&str, &str)]| {
        let out = std::process::Command::new(build.dir.join("report/report")).envs(env.iter().copied()).output().unwrap();
        (out.status.code(), stdout_of(&out), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let with_identity = [
        ("PLUTO_STAGE_LEDGER_ENDPOINT", https.as_str()),
        ("PLUTO_TLS_CA", ca_file.as_str()),
        ("PLUTO_TLS_CERT", client_cert.as_str()),
        ("PLUTO_TLS_KEY", client_key.as_str()),
    ];
    let (code, stdout, stderr) = call(&with_identity);
    assert_eq!((code, stdout.as_str()), (Some(0), "100\n"), "{stderr}");

    let (_, stdout, _) = call(&[("PLUTO_STAGE_LEDGER_ENDPOINT", https.as_str()), ("PLUTO_TLS_CA", ca_file.as_str())]);
    assert!(stdout.starts_with("NetworkError: "), "no client certificate: {stdout}");

    let plain = format!("http://127.0.0.1:{}", ports["ledger"]);
    let (code, stdout, stderr) = call(&[("PLUTO_STAGE_LEDGER_ENDPOINT", plain.as_str())]);
    assert!(stdout.starts_with("NetworkError: "), "plain HTTP/2 to a TLS unit: {code:?} {stdout}{stderr}");

    let (code, _, stderr) = call(&[("PLUTO_STAGE_LEDGER_ENDPOINT", https.as_str())]);
    assert_eq!(code, Some(2), "an https endpoint without a CA is a configuration error: {stderr}");
    assert!(stderr.contains("no CA is configured"), "{stderr}");

    assert_eq!(server.stop(), Some(0));
    let _ = std::fs::remove_dir_all(&work);
}

/// `compile-stages` writes the rest of SPEC §7 for the shop: `system.json` with units,
/// wire shapes, fingerprints and the call graph; a Dockerfile per executable that matches
/// its directory and port; Kubernetes manifests that validate against the Kubernetes
/// schemas (`kubernetes-validate --strict`).
#[test]
fn deployment_artefacts() {
    let shop = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/shop");
    let work = workdir("stages-deploy");
    let build = compile_stages(&shop, "api.pluto", &work.join("build"), &[]);
    let system: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(build.dir.join("system.json")).unwrap()).unwrap();
    let units = system["units"].as_array().unwrap();
    let names: Vec<&str> = units.iter().map(|u| u["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["api", "auth", "billing", "orders"]);
    let kinds: Vec<&str> = units.iter().map(|u| u["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["job", "service", "service", "service"]);
    let calls: Vec<String> = system["calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| format!("{}->{}.{}", c["from"].as_str().unwrap(), c["to"].as_str().unwrap(), c["function"].as_str().unwrap()))
        .collect();
    assert_eq!(
        calls,
        ["api->auth.verify_token", "api->orders.get_order", "api->orders.place_order", "orders->billing.charge"]
    );
    let charge = &units[2]["functions"][0];
    assert_eq!(charge["path"], "/pluto.api.Billing/Charge");
    assert_eq!(charge["errors"][0]["name"], "billing.PaymentDeclined");
    assert_eq!(charge["fingerprint"].as_str().unwrap().len(), 16);

    for unit in units {
        let name = unit["name"].as_str().unwrap();
        let dir = build.dir.join(name);
        let dockerfile = std::fs::read_to_string(dir.join("Dockerfile")).unwrap();
        let instructions: Vec<(&str, &str)> = dockerfile
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .map(|l| l.split_once(' ').unwrap())
            .collect();
        for (instruction, rest) in &instructions {
            assert!(
                ["FROM", "COPY", "ENV", "USER", "EXPOSE", "ENTRYPOINT"].contains(instruction),
                "{name}: {instruction} {rest}"
            );
            if *instruction == "COPY" {
                let source = rest.split_whitespace().nth(1).unwrap();
                assert!(dir.join(source).is_file(), "{name}: COPY {source} is in the build context");
            }
        }
        let get = |i: &str| instructions.iter().filter(|(k, _)| *k == i).map(|(_, v)| *v).collect::<Vec<_>>();
        assert_eq!(get("USER"), ["nonroot"], "{name}");
        assert_eq!(get("ENTRYPOINT"), [format!("[\"/usr/local/bin/{name}\"]")], "{name}");
        assert_eq!(get("ENV"), ["PLUTO_CONFIG=/etc/pluto/config.toml"], "{name}");
        let exposed = get("EXPOSE");
        if unit["kind"] == "service" {
            assert_eq!(exposed, [unit["port"].to_string()], "{name}");
        } else {
            assert!(exposed.is_empty(), "{name}");
        }
        let cluster = std::fs::read_to_string(dir.join("config.toml")).unwrap();
        assert!(cluster.contains("endpoint = \"http://billing:50053\""), "{cluster}");
    }

    let validator = std::process::Command::new("kubernetes-validate").arg("--version").output();
    if !validator.is_ok_and(|o| o.status.success()) {
        assert!(std::env::var_os("CI").is_none(), "CI installs kubernetes-validate (.ci/run)");
        eprintln!("skipped validating the manifests: pip install kubernetes-validate");
        return;
    }
    for name in ["api", "auth", "billing", "orders"] {
        let manifest = build.dir.join("k8s").join(format!("{name}.yaml"));
        let out = std::process::Command::new("kubernetes-validate").arg("--strict").arg(&manifest).output().unwrap();
        assert!(
            out.status.success(),
            "{}: {}{}",
            manifest.display(),
            stdout_of(&out),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let _ = std::fs::remove_dir_all(&work);
}

/// Observability across the shop: JSON log lines per call, one trace id followed from
/// `api` through `orders` to `billing`, and Prometheus metrics scraped from `orders`'
/// admin port by a real HTTP client (Python's urllib).
#[test]
fn traces_logs_and_metrics() {
    let shop = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/shop");
    let work = workdir("stages-observe");
    let build = compile_stages(&shop, "api.pluto", &work.join("build"), &[]);
    let mut env = wiring(&ports(&build));
    env.push(("PLUTO_LOG_FORMAT".into(), "json".into()));
    let admin = free_port();
    env.push(("PLUTO_STAGE_ORDERS_ADMIN".into(), format!("127.0.0.1:{admin}")));
    let servers = start_servers(&build, "api", &[], &env);
    let out = run_unit(&build, "api", &env, Duration::from_secs(60));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let lines = |text: &str| -> Vec<serde_json::Value> {
        text.lines().filter(|l| l.starts_with('{')).map(|l| serde_json::from_str(l).expect("a JSON log line")).collect()
    };
    let api_log = lines(&String::from_utf8_lossy(&out.stderr));
    // Each unit's log once its last expected line is in (log lines follow the answers).
    let log_of = |unit: &str| {
        let last = if unit == "billing" { "\"charge\"" } else { "\"place_order\"" };
        lines(&servers.iter().find(|s| s.name == unit).unwrap().log_with(last, Duration::from_secs(10)))
    };
    let is = |line: &serde_json::Value, kind: &str, unit: &str, method: &str| {
        line["kind"] == kind && line["unit"] == unit && line["method"] == method
    };
    // The order that was charged: billing served it in the trace `api` started.
    let charged = log_of("billing")
        .into_iter()
        .find(|l| is(l, "server", "billing", "charge") && l["outcome"] == "ok")
        .expect("billing logged the charge");
    let trace = charged["trace_id"].as_str().unwrap().to_string();
    assert_eq!(trace.len(), 32);
    assert!(
        log_of("orders").iter().any(|l| is(l, "server", "orders", "place_order") && l["trace_id"] == trace.as_str()),
        "orders served place_order in trace {trace}"
    );
    assert!(
        api_log.iter().any(|l| is(l, "client", "orders", "place_order") && l["trace_id"] == trace.as_str()),
        "api started trace {trace}"
    );
    for line in log_of("orders") {
        assert!(line["duration_ms"].as_f64().is_some() && line["outcome"].is_string(), "{line}");
    }

    let scrape = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys, urllib.request; r = urllib.request.urlopen(sys.argv[1]); print(r.headers['Content-Type']); print(r.read().decode())",
            &format!("http://127.0.0.1:{admin}/metrics"),
        ])
        .output()
        .unwrap();
    let metrics = stdout_of(&scrape);
    assert!(scrape.status.success(), "{}", String::from_utf8_lossy(&scrape.stderr));
    assert!(metrics.starts_with("text/plain"), "{metrics}");
    for expected in [
        "pluto_calls_total{unit=\"orders\",method=\"place_order\",outcome=\"ok\"} 1",
        "pluto_calls_total{unit=\"orders\",method=\"place_order\",outcome=\"error\"} 1",
        "pluto_errors_total{unit=\"orders\",method=\"get_order\",error=\"OrderNotFound\"} 1",
        "pluto_call_duration_seconds_count{unit=\"orders\",method=\"get_order\"} 2",
        "# TYPE pluto_call_duration_seconds histogram",
    ] {
        assert!(metrics.contains(expected), "missing {expected:?} in\n{metrics}");
    }
    for s in servers {
        assert_eq!(s.stop(), Some(0));
    }
    let _ = std::fs::remove_dir_all(&work);
}
