//! `pluto fmt`: rewrites `.pluto` files in the standard layout (`pluto_ide::format`), or
//! with `--check` only lists the files that are not in it.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

#[derive(Args, Debug)]
pub struct FmtArgs {
    /// Files or directories (searched recursively for `.pluto` files); default `.`.
    pub paths: Vec<PathBuf>,
    /// Change nothing: list the files whose layout differs and exit 1 if there are any.
    #[arg(long)]
    pub check: bool,
}

pub fn run(args: FmtArgs) -> ExitCode {
    let paths = if args.paths.is_empty() { vec![PathBuf::from(".")] } else { args.paths };
    let mut files = Vec::new();
    let mut failed = false;
    for path in &paths {
        if path.is_dir() {
            let (found, unreadable) = pluto_db::workspace::pluto_files(path, true);
            files.extend(found);
            for (dir, e) in unreadable {
                eprintln!("error: {}", crate::paths::cannot_read(&dir, &crate::paths::io_reason(&e)));
                failed = true;
            }
        } else {
            files.push(path.clone());
        }
    }
    let mut unformatted = 0;
    let mut refused = false;
    for file in &files {
        let text = match std::fs::read_to_string(file) {
            Ok(text) => text,
            Err(e) => {
                eprintln!("error: {}", crate::paths::cannot_read(file, &crate::paths::io_reason(&e)));
                failed = true;
                continue;
            }
        };
        let formatted = match pluto_ide::format(&text) {
            Ok(formatted) => formatted,
            Err(e) => {
                eprintln!(
                    "error: cannot format {}: line {} has a syntax error ({}); `pluto check` shows it",
                    file.display(),
                    e.line,
                    e.message
                );
                refused = true;
                continue;
            }
        };
        if formatted == text {
            continue;
        }
        unformatted += 1;
        if args.check {
            println!("{}", file.display());
        } else if let Err(e) = std::fs::write(file, formatted) {
            eprintln!("error: cannot write {}: {}", file.display(), crate::paths::io_reason(&e));
            failed = true;
        }
    }
    if failed {
        ExitCode::from(2)
    } else if refused || (args.check && unformatted > 0) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
