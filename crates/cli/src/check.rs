//! `pluto check`: finds the programs containing the given paths, runs every check on
//! them through the database, and prints the diagnostics.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use pluto_db::workspace::{discover_programs, pluto_files};
use pluto_db::{Diagnostic, FilePath, RootDatabase, Severity};
use pluto_hir::program_diagnostics;

use crate::ColorChoice;
use crate::paths;
use crate::render;

#[derive(Args)]
pub struct CheckArgs {
    /// Files or directories to check
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,

    /// How to print diagnostics: `human` (to stderr) or `json` (one object per line, to stdout)
    #[arg(long, value_enum, default_value_t = MessageFormat::Human)]
    message_format: MessageFormat,

    /// When to colour human output
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,

    /// Print only diagnostics, not the closing summary line
    #[arg(short, long)]
    quiet: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum MessageFormat {
    Human,
    Json,
}

pub fn run(args: CheckArgs) -> ExitCode {
    let db = RootDatabase::default();
    let mut programs = Vec::new();
    for path in &args.paths {
        match programs_for_path(&db, path) {
            Ok(found) => programs.extend(found),
            Err(message) => {
                eprintln!("error: {message}");
                return ExitCode::from(2);
            }
        }
    }
    let mut files = BTreeSet::new();
    let mut diagnostics: Vec<Diagnostic> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for program in &programs {
        for module in &pluto_db::modules::module_graph(&db, *program).modules {
            files.insert(module.file.path(&db).clone());
        }
        for diagnostic in program_diagnostics(&db, *program) {
            if seen.insert(diagnostic.clone()) {
                diagnostics.push(diagnostic);
            }
        }
    }
    diagnostics
        .sort_by(|a, b| (a.file.path(&db), a.range.start(), a.code).cmp(&(b.file.path(&db), b.range.start(), b.code)));

    match args.message_format {
        MessageFormat::Human => render::human(&db, &diagnostics, args.color),
        MessageFormat::Json => render::json(&db, &diagnostics),
    }
    let errors = diagnostics.iter().filter(|d| d.severity == Severity::Error).count();
    let warnings = diagnostics.len() - errors;
    if args.message_format == MessageFormat::Human && !args.quiet {
        let user_files = files.iter().filter(|f| !f.is_std()).count();
        let programs = plural(programs.len(), "program");
        let summary = match (errors, warnings) {
            (0, 0) => "no problems".to_string(),
            _ => format!("{}, {}", plural(errors, "error"), plural(warnings, "warning")),
        };
        eprintln!("checked {} in {programs}: {summary}", plural(user_files, "file"));
    }
    if errors > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 { format!("1 {word}") } else { format!("{n} {word}s") }
}

/// The programs to check for one command-line path.
fn programs_for_path(db: &RootDatabase, path: &Path) -> Result<Vec<pluto_db::Program>, String> {
    let metadata = std::fs::metadata(path).map_err(|e| paths::cannot_read(path, &paths::io_reason(&e)))?;
    if metadata.is_dir() {
        let (found, unreadable) = pluto_files(path, true);
        if let Some((dir, e)) = unreadable.first() {
            return Err(paths::cannot_read(dir, &paths::io_reason(e)));
        }
        for file in &found {
            paths::readable(db, file)?;
        }
        let candidates: Vec<FilePath> = found.iter().map(FilePath::disk).collect();
        return Ok(discover_programs(db, &candidates));
    }
    // A single file: it is checked within the programs of its directory that contain it.
    let target = FilePath::disk(path);
    let file = paths::readable(db, path)?;
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut candidates = vec![target.clone()];
    let (siblings, _) = pluto_files(dir, false);
    candidates.extend(siblings.iter().map(FilePath::disk).filter(|p| *p != target));
    let programs = discover_programs(db, &candidates);
    Ok(programs.into_iter().filter(|p| pluto_db::modules::module_graph(db, *p).contains(file)).collect())
}
