//! `pluto compat`: checks a program against a deployed system's `system.json` (written by
//! `compile-stages`) and reports, per call between units, what a rolling deploy breaks,
//! with a safe rollout order or the reason none exists (`pluto_rpc::compat`). Exit
//! status: 0 when a safe order exists, 1 when none does (or the program has errors), 2
//! on usage or I/O problems — for CI.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use crate::build::{check_clean, open_program};

#[derive(Args)]
pub struct CompatArgs {
    /// The deployed system's `system.json` (from `pluto compile-stages`)
    old: PathBuf,
    /// The new program's entry file
    file: PathBuf,
}

pub fn run(args: CompatArgs) -> ExitCode {
    let text = match std::fs::read_to_string(&args.old) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("error: {}", crate::paths::cannot_read(&args.old, &crate::paths::io_reason(&e)));
            return ExitCode::from(2);
        }
    };
    let old: pluto_rpc::system::System = match serde_json::from_str(&text) {
        Ok(old) => old,
        Err(e) => {
            eprintln!("error: `{}` is not a system manifest written by `pluto compile-stages`: {e}", args.old.display());
            return ExitCode::from(2);
        }
    };
    if old.format != pluto_rpc::system::FORMAT {
        eprintln!(
            "error: `{}` has manifest format {}, this `pluto` reads format {}",
            args.old.display(),
            old.format,
            pluto_rpc::system::FORMAT
        );
        return ExitCode::from(2);
    }
    let (db, program) = match open_program(&args.file) {
        Ok(opened) => opened,
        Err(code) => return code,
    };
    if let Err(code) = check_clean(&db, program, &args.file) {
        return code;
    }
    let new = pluto_rpc::system::system(&db, program, &[]);
    if new.package != old.package {
        eprintln!(
            "warning: the deployed system is package `{}`, the program `{}`: their units cannot call each other",
            old.package, new.package
        );
    }
    let report = pluto_rpc::compat::compare(&old, &new);
    print!("{}", pluto_rpc::compat::render(&report));
    if report.order.is_ok() { ExitCode::SUCCESS } else { ExitCode::from(1) }
}
