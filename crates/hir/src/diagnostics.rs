//! Everything semantic analysis reports about a program, gathered from the queries.

use pluto_db::{Db, Diagnostic, Program, SourceFile};

use crate::checks::declaration_diagnostics;
use crate::def_map::{ItemLoc, def_map};
use crate::diag::SemDiag;
use crate::errors::file_error_diagnostics;
use crate::infer::infer_fn;
use crate::item_tree::{ItemKind, item_tree};
use crate::lower::{FnLoc, adt_data, fn_signature};

/// Diagnostics about the program as a whole: name resolution and declarations.
#[salsa::tracked(returns(ref))]
pub fn program_semantic_diagnostics(db: &dyn Db, program: Program) -> Vec<SemDiag> {
    let mut out = def_map(db, program).diagnostics.clone();
    out.extend(declaration_diagnostics(db, program).iter().cloned());
    out.extend(crate::interface::interface_diagnostics(db, program));
    out
}

/// Diagnostics about the declarations and bodies of one file of a program. Split by
/// file so that after an edit only the edited file's diagnostics need re-validating
/// in depth; the others depend only on unchanged, durable inputs.
#[salsa::tracked(returns(ref))]
pub fn file_semantic_diagnostics(db: &dyn Db, program: Program, file: SourceFile) -> Vec<SemDiag> {
    let mut out = Vec::new();
    for item in item_tree(db, file).items.iter() {
        let loc = ItemLoc::of(file, item);
        let is_data = matches!(item.kind, ItemKind::Enum { .. } | ItemKind::Error(_));
        if let ItemKind::Class(body) = &item.kind {
            for (n, _) in body.fields.iter().enumerate().filter(|(_, f)| f.has_default) {
                out.extend(crate::infer::infer_field_default(db, program, loc, n as u32).diagnostics.iter().cloned());
            }
        }
        if item.body().is_some() || is_data {
            out.extend(adt_data(db, program, loc).diagnostics.iter().cloned());
        }
        let functions: Vec<FnLoc> = match (&item.kind, item.body()) {
            (ItemKind::Fn(_), _) => vec![FnLoc::Free(loc)],
            (_, Some(body)) => {
                for nested in &body.nested {
                    out.extend(adt_data(db, program, ItemLoc::of(loc.file, nested)).diagnostics.iter().cloned());
                }
                body.methods.iter().map(|m| FnLoc::method(loc, m)).collect()
            }
            _ => Vec::new(),
        };
        for f in functions {
            out.extend(fn_signature(db, program, f).diagnostics.iter().cloned());
            out.extend(infer_fn(db, program, f).diagnostics.iter().cloned());
        }
    }
    out.extend(file_error_diagnostics(db, program, file).iter().cloned());
    out
}

/// Semantic diagnostics of a program, located relative to declarations (so they stay
/// equal across edits that only move text).
pub fn semantic_diagnostics(db: &dyn Db, program: Program) -> Vec<SemDiag> {
    let mut out = program_semantic_diagnostics(db, program).clone();
    for module in &pluto_db::modules::module_graph(db, program).modules {
        out.extend(file_semantic_diagnostics(db, program, module.file).iter().cloned());
    }
    out
}

/// Every diagnostic of a program, syntax and semantics, with absolute ranges, sorted
/// and without duplicates. Warnings are left out in files with syntax errors, where
/// they are mostly echoes of the broken syntax.
pub fn program_diagnostics(db: &dyn Db, program: Program) -> Vec<Diagnostic> {
    let mut all: Vec<Diagnostic> = pluto_db::modules::program_diagnostics(db, program).clone();
    let broken: std::collections::HashSet<_> = all.iter().map(|d| d.file).collect();
    let mut seen: std::collections::HashSet<Diagnostic> = all.iter().cloned().collect();
    for diag in semantic_diagnostics(db, program) {
        if diag.severity == pluto_db::Severity::Warning && broken.contains(&diag.loc.file) {
            continue;
        }
        let diag = diag.to_db(db);
        if seen.insert(diag.clone()) {
            all.push(diag);
        }
    }
    all.sort_by(|a, b| (a.file.path(db), a.range.start(), a.code).cmp(&(b.file.path(db), b.range.start(), b.code)));
    all
}
