//! IDE features as plain-data functions over the database: diagnostics per file, hover,
//! navigation, symbols, inlay hints, code lenses, signature help, completion, semantic
//! tokens, quick fixes, rename and formatting.
//! Positions are byte offsets; the language server converts them to and from LSP
//! positions with `LineIndex`.

mod annotations;
mod code_actions;
mod completion;
mod format;
mod hover;
mod navigation;
mod rename;
mod semantic_tokens;

pub use annotations::{
    CodeLens, InlayHint, SignatureHelp, Symbol, SymbolKind, code_lenses, document_symbols, inlay_hints, signature_help,
    workspace_symbols,
};
pub use code_actions::{CodeAction, code_actions};
pub use completion::{Completion, CompletionKind, completions};
pub use format::{NotFormatted, format};
pub use hover::{HoverInfo, hover};
pub use navigation::{NavTarget, goto_definition, references};
pub use rename::{FileEdits, prepare_rename, rename};
pub use semantic_tokens::{SemanticToken, TokenKind, semantic_tokens};

use pluto_db::modules::module_graph;
use pluto_db::{Db, Diagnostic, Program, SourceFile};

/// The programs (among `programs`) that contain `file`.
pub fn programs_of(db: &dyn Db, programs: &[Program], file: SourceFile) -> Vec<Program> {
    programs.iter().copied().filter(|p| module_graph(db, *p).contains(file)).collect()
}

/// Every diagnostic of the given programs, grouped by the file it is in.
pub fn diagnostics_by_file(db: &dyn Db, programs: &[Program]) -> Vec<(SourceFile, Vec<Diagnostic>)> {
    let mut out: Vec<(SourceFile, Vec<Diagnostic>)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for program in programs {
        for module in &module_graph(db, *program).modules {
            if !out.iter().any(|(f, _)| *f == module.file) {
                out.push((module.file, Vec::new()));
            }
        }
        for diagnostic in pluto_hir::program_diagnostics(db, *program) {
            let entry = &mut out.iter_mut().find(|(f, _)| *f == diagnostic.file).expect("diagnostics are in modules").1;
            if seen.insert(diagnostic.clone()) {
                entry.push(diagnostic);
            }
        }
    }
    out
}
