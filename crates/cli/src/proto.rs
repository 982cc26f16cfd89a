//! `pluto proto`: writes the `.proto` schema of each deployment unit that has `pub fn`s,
//! for gRPC clients in other languages.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use crate::build::{check_clean, open_program};

#[derive(Args)]
pub struct ProtoArgs {
    /// The program's entry file
    file: PathBuf,
    /// The directory to write `<unit>.proto` files to (created if missing)
    #[arg(long, default_value = ".")]
    out: PathBuf,
}

pub fn run(args: ProtoArgs) -> ExitCode {
    let (db, program) = match open_program(&args.file) {
        Ok(opened) => opened,
        Err(code) => return code,
    };
    if let Err(code) = check_clean(&db, program, &args.file) {
        return code;
    }
    let protos = pluto_rpc::unit_protos(&db, program);
    if protos.is_empty() {
        eprintln!(
            "no deployment unit of `{}` has a `pub fn`: there is no gRPC interface to describe",
            args.file.display()
        );
        return ExitCode::SUCCESS;
    }
    if let Err(e) = std::fs::create_dir_all(&args.out) {
        eprintln!("error: {}", crate::paths::cannot_read(&args.out, &crate::paths::io_reason(&e)));
        return ExitCode::from(2);
    }
    for proto in &protos {
        let path = args.out.join(&proto.file_name);
        if let Err(e) = std::fs::write(&path, &proto.text) {
            eprintln!("error: cannot write `{}`: {}", path.display(), crate::paths::io_reason(&e));
            return ExitCode::from(2);
        }
        eprintln!("wrote {}", path.display());
    }
    ExitCode::SUCCESS
}
