//! `pluto`: the command-line driver. Parses arguments and dispatches to the commands;
//! each command module owns one subcommand.

mod build;
mod check;
mod compat;
mod dev;
mod excerpt;
mod fmt;
mod paths;
mod proto;
mod render;
mod stages;

use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

/// The Pluto compiler: one program, a whole distributed backend.
#[derive(Parser)]
#[command(name = "pluto", version, arg_required_else_help = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check programs for errors without building them.
    ///
    /// Each PATH is a `.pluto` file or a directory searched recursively for them. The
    /// programs that contain those files are checked whole: a file given alone is
    /// checked together with the sibling file that imports it, so a change to a stage's
    /// `pub fn` reports the errors it causes in its callers.
    ///
    /// Exit status: 0 when there are no errors (warnings allowed), 1 when there are
    /// errors, 2 when the command line is wrong or a PATH cannot be read.
    Check(check::CheckArgs),

    /// Build a program into one native executable.
    ///
    /// The executable holds every stage of the program: calls between deployment units
    /// are direct calls. It is written to OUT (default: the file's name without
    /// `.pluto`, in the current directory). Constructs code generation does not handle
    /// yet are reported with their source line.
    Build(build::BuildArgs),

    /// Build a program (cached by its sources) and run it.
    Run(build::RunArgs),

    /// Build one native executable per deployment unit, with their gRPC schemas.
    ///
    /// Each unit's executable serves its `pub fn`s over gRPC and calls every other unit
    /// through generated clients; `--colocate a,b` puts units in one executable (calls
    /// between them are then direct). Writes `DIR/<unit>/<unit>` (the executable),
    /// `DIR/<unit>/<unit>.proto` and `DIR/config/local.toml` (every unit on loopback).
    /// Run a unit with `--config DIR/config/local.toml` (or PLUTO_CONFIG);
    /// docs/stages.md describes configuration. Unchanged executables are not rebuilt.
    CompileStages(stages::CompileStagesArgs),

    /// Run every deployment unit of a program as its own process on this machine.
    ///
    /// Builds the units (as `compile-stages`, into the cache), gives each a free port on
    /// 127.0.0.1 through a generated configuration, starts the serving units, and once
    /// they answer their health check the units with `main`. Every line a unit prints is
    /// shown prefixed by its name. Ctrl-C stops all of them (each drains) and exits 0.
    /// With `--watch`, an edit rebuilds the program and restarts only the units whose
    /// executable changed; an edit with errors keeps them running and shows the errors.
    Dev(dev::DevArgs),

    /// Check a new version of a program against a deployed system for a rolling deploy.
    ///
    /// OLD is the deployed system's `system.json` (written by `compile-stages`). For each
    /// call between units, old or new, reports whether it keeps working while old and new
    /// executables run side by side, and prints a safe rollout order (which units first)
    /// or the reason none exists. Exit status: 0 with a safe order, 1 without one (or when
    /// the program has errors), 2 on usage or I/O problems.
    Compat(compat::CompatArgs),

    /// Write the gRPC schema (`<unit>.proto`) of each deployment unit with `pub fn`s.
    ///
    /// Any gRPC client, in any language, can call a unit through its schema: one service
    /// per unit, one method per `pub fn`, and responses whose `oneof outcome` holds the
    /// result or one of the function's errors (docs/stages.md has the type mapping).
    Proto(proto::ProtoArgs),

    /// Format `.pluto` files in the standard layout.
    ///
    /// Rewrites each file (PATHs are files, or directories searched recursively; default
    /// `.`): four spaces per bracket level, one space between tokens where there was
    /// space, at most one blank line in a row, no trailing spaces. Only whitespace
    /// changes, and formatting twice changes nothing more. Files with syntax errors are
    /// left alone. Exit status: 0; with `--check`, 1 when a file would change; 1 when a
    /// file has syntax errors; 2 when a PATH cannot be read or written.
    Fmt(fmt::FmtArgs),

    /// Run the language server over standard input and output (for editors).
    ///
    /// Editors start it themselves: the VS Code extension runs `pluto lsp`, and any other
    /// client (Neovim, Helix, ...) can be configured to do the same for `.pluto` files.
    Lsp,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when standard error is a terminal and NO_COLOR is unset.
    Auto,
    Always,
    Never,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check(args) => check::run(args),
        Command::Build(args) => build::build(args),
        Command::Run(args) => build::run(args),
        Command::Proto(args) => proto::run(args),
        Command::CompileStages(args) => stages::run(args),
        Command::Dev(args) => dev::run(args),
        Command::Compat(args) => compat::run(args),
        Command::Fmt(args) => fmt::run(args),
        Command::Lsp => {
            let runtime = match tokio::runtime::Builder::new_multi_thread()
                // Analysis runs on these threads: give them the main thread's stack size.
                .thread_stack_size(8 * 1024 * 1024)
                .enable_all()
                .build()
            {
                Ok(runtime) => runtime,
                Err(e) => {
                    eprintln!("error: cannot start the language server: {e}");
                    return ExitCode::from(2);
                }
            };
            // The protocol: `exit` without `shutdown` first (or a lost client) is status 1.
            let clean = runtime.block_on(pluto_lsp::run_stdio());
            runtime.shutdown_timeout(std::time::Duration::from_millis(100));
            if clean { ExitCode::SUCCESS } else { ExitCode::from(1) }
        }
    }
}
