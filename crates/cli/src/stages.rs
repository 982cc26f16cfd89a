//! `pluto compile-stages`: one native executable per deployment unit (or per group of
//! units colocated with `--colocate a,b`), each serving its units' `pub fn`s over gRPC
//! and calling every other unit through generated clients (SPEC §7). Writes, under the
//! output directory:
//!
//! ```text
//! <unit>/<unit>          the executable of the unit (of a group: named after its first unit)
//! <unit>/<unit>.proto    the unit's gRPC schema, for units with `pub fn`s
//! <unit>/Dockerfile      its container (with <unit>/config.toml, the cluster configuration)
//! config/local.toml      endpoints and listen addresses for running every unit on loopback
//! config/cluster.toml    the same through cluster DNS names
//! k8s/<unit>.yaml        a Deployment and Service (or a Job) per executable
//! system.json            units, their `pub fn`s with wire shapes and fingerprints, the calls
//! ```
//!
//! An executable whose inputs (the program's sources, the group, the compiler) are
//! unchanged is kept, so a rebuild is near-instant; after an edit every executable is
//! compiled again (quick) but only those whose code changed are linked and replaced.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use pluto_db::{Program, RootDatabase};

use crate::build::{check_clean, compile, link, open_program, program_key};

/// A hash of what an executable is linked from: the object file and the runtime archive.
fn object_hash(object: &pluto_codegen::Object) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    object.bytes.hash(&mut hasher);
    let runtime = if object.network { &pluto_codegen::RUNTIME_NET_ARCHIVE } else { &pluto_codegen::RUNTIME_ARCHIVE };
    runtime.hash.hash(&mut hasher);
    hasher.finish()
}

#[derive(Args)]
pub struct CompileStagesArgs {
    /// The program's entry file
    file: PathBuf,
    /// The directory to write the executables, schemas and configuration to
    #[arg(long, value_name = "DIR")]
    output_dir: PathBuf,
    /// Units to put in one executable, comma-separated (calls between them are direct);
    /// may be given several times, once per group
    #[arg(long, value_name = "A,B")]
    colocate: Vec<String>,
}

/// The executables to build: groups of unit names, each named after its first unit.
fn plan(db: &RootDatabase, program: Program, colocate: &[Vec<String>]) -> Result<Vec<Vec<String>>, String> {
    let all = pluto_rpc::system::unit_names(db, program);
    let mut groups: Vec<Vec<String>> = Vec::new();
    for group in colocate {
        for name in group {
            if !all.contains(name) {
                return Err(format!("--colocate: the program has no deployment unit `{name}`; its units: {}", all.join(", ")));
            }
            if groups.iter().flatten().any(|n| n == name) {
                return Err(format!("--colocate: unit `{name}` is in two groups"));
            }
        }
        if !group.is_empty() {
            groups.push(group.clone());
        }
    }
    for name in &all {
        if !groups.iter().flatten().any(|n| n == name) {
            groups.push(vec![name.clone()]);
        }
    }
    Ok(groups)
}

pub fn run(args: CompileStagesArgs) -> ExitCode {
    let (db, program) = match open_program(&args.file) {
        Ok(opened) => opened,
        Err(code) => return code,
    };
    if let Err(code) = check_clean(&db, program, &args.file) {
        return code;
    }
    match build_system(&db, program, &args.colocate, &args.output_dir, true) {
        Ok(_) => ExitCode::SUCCESS,
        Err(code) => code,
    }
}

/// Builds the checked `program` into `out` as `compile-stages` does (`colocate`: its
/// `--colocate` values); the executables' groups, each named after its first unit.
/// `report` shows progress and the summary.
pub fn build_system(
    db: &RootDatabase,
    program: Program,
    colocate: &[String],
    out: &Path,
    report: bool,
) -> Result<Vec<Vec<String>>, ExitCode> {
    let colocate: Vec<Vec<String>> = colocate
        .iter()
        .map(|group| group.split(',').map(|u| u.trim().to_string()).filter(|u| !u.is_empty()).collect())
        .collect();
    let groups = plan(db, program, &colocate).map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(2)
    })?;
    if groups.is_empty() {
        eprintln!("error: the program has no deployment units: build it with `pluto build`");
        return Err(ExitCode::from(2));
    }
    let protos = pluto_rpc::unit_protos(db, program);
    let progress = Progress::new(groups.len(), report);
    for group in &groups {
        let first = &group[0];
        let dir = out.join(first);
        std::fs::create_dir_all(&dir).map_err(|e| {
            eprintln!("error: cannot create `{}`: {}", dir.display(), crate::paths::io_reason(&e));
            ExitCode::from(2)
        })?;
        let own: Vec<&pluto_rpc::proto::ProtoFile> = protos.iter().filter(|p| group.contains(&p.unit)).collect();
        for proto in &own {
            write(&out.join(&proto.unit).join(&proto.file_name), &proto.text)?;
        }
        let executable = dir.join(first);
        // Unchanged sources: nothing to do. Changed sources: compile (cheap), and link
        // only if this executable's code changed (an edit elsewhere leaves it alone).
        let key = format!("{:016x}", program_key(db, program, Some(&format!("stages:{}", group.join(",")))));
        let stamp = dir.join(".pluto-build");
        let stamped = std::fs::read_to_string(&stamp).unwrap_or_default();
        if executable.is_file() && stamped.lines().next() == Some(key.as_str()) {
            progress.done(group, true);
            continue;
        }
        progress.start(group);
        let descriptor_set = pluto_rpc::descriptor_set(&own).map_err(|e| {
            eprintln!("error: the schema of `{first}` does not compile: {e}");
            ExitCode::from(1)
        })?;
        let options = pluto_codegen::Options { main_unit: None, units: Some(group.clone()), descriptor_set };
        let object = compile(db, program, &options).inspect_err(|_| progress.abandon())?;
        let code = format!("{:016x}", object_hash(&object));
        if executable.is_file() && stamped.lines().nth(1) == Some(code.as_str()) {
            write(&stamp, &format!("{key}\n{code}\n"))?;
            progress.done(group, true);
            continue;
        }
        // Linked beside, then moved in place: a running process keeps its old file.
        let fresh = dir.join(format!(".{first}.new"));
        if let Err(code) = link(&object, &fresh) {
            progress.abandon();
            return Err(code);
        }
        std::fs::rename(&fresh, &executable).map_err(|e| {
            eprintln!("error: cannot write `{}`: {}", executable.display(), crate::paths::io_reason(&e));
            ExitCode::from(2)
        })?;
        write(&stamp, &format!("{key}\n{code}\n"))?;
        progress.done(group, false);
    }
    let system = pluto_rpc::system::system(db, program, &groups);
    write(&out.join("config").join("local.toml"), &local_config(&system))?;
    write_deployment(&system, out)?;
    progress.finish(out);
    Ok(groups)
}

/// `system.json`, the cluster configuration, a Dockerfile per executable and `k8s/`.
fn write_deployment(system: &pluto_rpc::system::System, out: &Path) -> Result<(), ExitCode> {
    use pluto_rpc::deploy;
    let json = serde_json::to_string_pretty(system).expect("the manifest serialises") + "\n";
    write(&out.join("system.json"), &json)?;
    let cluster = deploy::cluster_config(system);
    write(&out.join("config").join("cluster.toml"), &cluster)?;
    for (holder, units) in deploy::executables(system) {
        write(&out.join(&holder).join("config.toml"), &cluster)?;
        write(&out.join(&holder).join("Dockerfile"), &deploy::dockerfile(&holder, &units))?;
        write(&out.join("k8s").join(format!("{}.yaml", deploy::dns_name(&holder))), &deploy::manifests(system, &holder, &units))?;
    }
    Ok(())
}

fn write(path: &Path, text: &str) -> Result<(), ExitCode> {
    if let Some(dir) = path.parent()
        && let Err(e) = std::fs::create_dir_all(dir)
    {
        eprintln!("error: cannot create `{}`: {}", dir.display(), crate::paths::io_reason(&e));
        return Err(ExitCode::from(2));
    }
    // Unchanged files keep their time stamps (rebuilds stay quiet for file watchers).
    if std::fs::read_to_string(path).is_ok_and(|old| old == text) {
        return Ok(());
    }
    std::fs::write(path, text).map_err(|e| {
        eprintln!("error: cannot write `{}`: {}", path.display(), crate::paths::io_reason(&e));
        ExitCode::from(2)
    })
}

/// `config/local.toml`: every unit on loopback at its port of the default plan.
fn local_config(system: &pluto_rpc::system::System) -> String {
    let mut text = String::from(
        "# Every deployment unit on this machine, at the ports of the default plan.\n# Generated by `pluto compile-stages`; run a unit with `--config config/local.toml`\n# (or PLUTO_CONFIG). PLUTO_STAGE_<NAME>_ENDPOINT / _LISTEN / _TIMEOUT_MS override it.\n",
    );
    for unit in &system.units {
        let (name, port) = (&unit.name, unit.port);
        text.push_str(&format!(
            "\n[stages.{name}]\nendpoint = \"http://127.0.0.1:{port}\"\nlisten = \"127.0.0.1:{port}\"\ntimeout_ms = 10000\n"
        ));
    }
    text
}

/// Progress per executable: a bar on a terminal, a line per unit otherwise (nothing
/// when not `shown`).
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    total: usize,
    done: std::cell::Cell<usize>,
    shown: bool,
}

impl Progress {
    fn new(total: usize, shown: bool) -> Progress {
        use std::io::IsTerminal;
        let bar = (shown && std::io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::new(total as u64);
            if let Ok(style) = indicatif::ProgressStyle::with_template("{spinner} [{pos}/{len}] {wide_msg}") {
                bar.set_style(style);
            }
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            bar
        });
        Progress { bar, total, done: std::cell::Cell::new(0), shown }
    }

    fn start(&self, group: &[String]) {
        if let Some(bar) = &self.bar {
            bar.set_message(format!("compiling {}", group.join(", ")));
        }
    }

    fn done(&self, group: &[String], fresh: bool) {
        self.done.set(self.done.get() + 1);
        let what = if fresh { "unchanged" } else { "compiled" };
        let line = format!("{what} {} ({}/{})", group.join(", "), self.done.get(), self.total);
        match &self.bar {
            Some(bar) => {
                bar.println(line);
                bar.inc(1);
            }
            None if self.shown => eprintln!("{line}"),
            None => {}
        }
    }

    fn abandon(&self) {
        if let Some(bar) = &self.bar {
            bar.abandon();
        }
    }

    fn finish(&self, dir: &Path) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        if self.shown {
            eprintln!("wrote {} executable{} to {}", self.total, if self.total == 1 { "" } else { "s" }, dir.display());
        }
    }
}
