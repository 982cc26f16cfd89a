//! `pluto build` and `pluto run`: check the program, generate native code, link it with
//! the runtime. `run` keeps executables in a cache keyed by the program's sources, so an
//! unchanged program starts without compiling again.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use pluto_db::{FilePath, Program, RootDatabase, Severity};

use crate::ColorChoice;
use crate::render;

#[derive(Args)]
pub struct BuildArgs {
    /// The program's entry file
    file: PathBuf,
    /// Where to write the executable (default: the entry file's name without `.pluto`)
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// The deployment unit whose `main` to run, when several have one
    #[arg(long, value_name = "NAME")]
    unit: Option<String>,
}

#[derive(Args)]
pub struct RunArgs {
    /// The program's entry file
    file: PathBuf,
    /// The deployment unit whose `main` to run, when several have one
    #[arg(long, value_name = "NAME")]
    unit: Option<String>,
    /// Arguments for the program, after `--`
    #[arg(last = true)]
    args: Vec<String>,
}

/// The program whose entry is `file`, in a new database; `Err` holds the exit code.
pub fn open_program(file: &Path) -> Result<(RootDatabase, Program), ExitCode> {
    let db = RootDatabase::default();
    if let Err(message) = crate::paths::entry_file(&db, file) {
        eprintln!("error: {message}");
        return Err(ExitCode::from(2));
    }
    let program = db.program(&FilePath::disk(file));
    Ok((db, program))
}

/// Reports the program's errors, if it has any (`Err` holds the exit code).
pub fn check_clean(db: &RootDatabase, program: Program, file: &Path) -> Result<(), ExitCode> {
    let diagnostics = pluto_hir::program_diagnostics(db, program);
    if diagnostics.iter().any(|d| d.severity == Severity::Error) {
        render::human(db, &diagnostics, ColorChoice::Auto);
        let errors = diagnostics.iter().filter(|d| d.severity == Severity::Error).count();
        eprintln!(
            "error: could not compile `{}`: {errors} error{}",
            file.display(),
            if errors == 1 { "" } else { "s" }
        );
        return Err(ExitCode::from(1));
    }
    Ok(())
}

/// Checks and compiles `program` into `output`; `Err` holds the exit code.
fn build_to(
    db: &RootDatabase,
    program: Program,
    file: &Path,
    output: &Path,
    options: &pluto_codegen::Options,
) -> Result<(), ExitCode> {
    check_clean(db, program, file)?;
    compile_and_link(db, program, output, options)
}

/// Compiles a checked `program` into `output`; `Err` holds the exit code.
pub fn compile_and_link(
    db: &RootDatabase,
    program: Program,
    output: &Path,
    options: &pluto_codegen::Options,
) -> Result<(), ExitCode> {
    let object = compile(db, program, options)?;
    link(&object, output)
}

/// The object file of a checked `program`; `Err` holds the exit code.
pub fn compile(
    db: &RootDatabase,
    program: Program,
    options: &pluto_codegen::Options,
) -> Result<pluto_codegen::Object, ExitCode> {
    pluto_codegen::compile_with(db, program, options).map_err(|e| {
        eprintln!("error: {e}");
        // Choosing the unit is the command line's business.
        match e {
            pluto_codegen::CodegenError::SeveralMains(_)
            | pluto_codegen::CodegenError::NoSuchUnit { .. }
            | pluto_codegen::CodegenError::UnknownUnit { .. } => ExitCode::from(2),
            _ => ExitCode::from(1),
        }
    })
}

/// Links `object` with the runtime it needs into `output`.
pub fn link(object: &pluto_codegen::Object, output: &Path) -> Result<(), ExitCode> {
    let work_dir = cache_root().join("link");
    pluto_codegen::link_executable(&object.bytes, object.network, &work_dir, output).map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(2)
    })
}

pub fn build(args: BuildArgs) -> ExitCode {
    let output = args.output.unwrap_or_else(|| PathBuf::from(args.file.file_stem().unwrap_or_default()));
    let options = pluto_codegen::Options { main_unit: args.unit, ..Default::default() };
    match open_program(&args.file).and_then(|(db, program)| build_to(&db, program, &args.file, &output, &options)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(code) => code,
    }
}

pub fn run(args: RunArgs) -> ExitCode {
    let (db, program) = match open_program(&args.file) {
        Ok(opened) => opened,
        Err(code) => return code,
    };
    let key = program_key(&db, program, args.unit.as_deref());
    let stem = args.file.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "program".into());
    let executable = cache_root().join("run").join(format!("{key:016x}")).join(stem);
    if !executable.is_file() {
        if let Some(dir) = executable.parent()
            && let Err(e) = std::fs::create_dir_all(dir)
        {
            eprintln!("error: cannot create `{}`: {e}", dir.display());
            return ExitCode::from(2);
        }
        let options = pluto_codegen::Options { main_unit: args.unit.clone(), ..Default::default() };
        if let Err(code) = build_to(&db, program, &args.file, &executable, &options) {
            return code;
        }
    }
    match std::process::Command::new(&executable).args(&args.args).status() {
        Ok(status) => match status.code() {
            Some(code) => ExitCode::from(code as u8),
            None => {
                eprintln!("error: the program was killed by a signal");
                ExitCode::from(101)
            }
        },
        Err(e) => {
            eprintln!("error: cannot run `{}`: {e}", executable.display());
            ExitCode::from(2)
        }
    }
}

/// Where build artefacts are kept: `$XDG_CACHE_HOME/pluto`, `~/.cache/pluto`, or a
/// directory under the system's temporary directory.
pub fn cache_root() -> PathBuf {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    base.join("pluto")
}

/// A hash of everything the executable depends on: the compiler, the text of every
/// module of the program, and what was asked (`unit`: which units, which `main`).
pub fn program_key(db: &RootDatabase, program: Program, unit: Option<&str>) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    unit.hash(&mut hasher);
    env!("CARGO_PKG_VERSION").hash(&mut hasher);
    pluto_codegen::RUNTIME_ARCHIVE.hash.hash(&mut hasher);
    pluto_codegen::RUNTIME_NET_ARCHIVE.hash.hash(&mut hasher);
    std::env::current_exe()
        .ok()
        .and_then(|p| std::fs::metadata(p).ok())
        .and_then(|m| m.modified().ok())
        .hash(&mut hasher);
    for module in &pluto_db::modules::module_graph(db, program).modules {
        module.file.path(db).hash(&mut hasher);
        module.file.text(db).hash(&mut hasher);
    }
    hasher.finish()
}
