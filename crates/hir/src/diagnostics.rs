//! Everything semantic analysis reports about a program, gathered from the queries.

use pluto_db::{Db, Diagnostic, Program};

use crate::checks::declaration_diagnostics;
use crate::def_map::{ItemLoc, def_map};
use crate::diag::SemDiag;
use crate::errors::fn_error_diagnostics;
use crate::infer::infer_fn;
use crate::item_tree::item_tree;
use crate::lower::{adt_data, all_functions, fn_signature};

/// Semantic diagnostics of a program, located relative to declarations (so the list is
/// equal across edits that only move text).
#[salsa::tracked(returns(ref))]
pub fn semantic_diagnostics(db: &dyn Db, program: Program) -> Vec<SemDiag> {
    let mut out = def_map(db, program).diagnostics.clone();
    for module in &pluto_db::modules::module_graph(db, program).modules {
        for (i, item) in item_tree(db, module.file).items.iter().enumerate() {
            let loc = ItemLoc::top(module.file, i);
            if item.body().is_some()
                || matches!(item.kind, crate::item_tree::ItemKind::Enum { .. } | crate::item_tree::ItemKind::Error(_))
            {
                out.extend(adt_data(db, program, loc).diagnostics.iter().cloned());
            }
            if let Some(body) = item.body() {
                for n in 0..body.nested.len() {
                    out.extend(
                        adt_data(db, program, ItemLoc { nested: Some(n as u32), ..loc }).diagnostics.iter().cloned(),
                    );
                }
            }
        }
    }
    out.extend(declaration_diagnostics(db, program).iter().cloned());
    for f in all_functions(db, program) {
        out.extend(fn_signature(db, program, f).diagnostics.iter().cloned());
        out.extend(infer_fn(db, program, f).diagnostics.iter().cloned());
        out.extend(fn_error_diagnostics(db, program, f).iter().cloned());
    }
    out
}

/// Every diagnostic of a program, syntax and semantics, with absolute ranges, sorted
/// and without duplicates. Warnings are left out in files with syntax errors, where
/// they are mostly echoes of the broken syntax.
pub fn program_diagnostics(db: &dyn Db, program: Program) -> Vec<Diagnostic> {
    let mut all: Vec<Diagnostic> = pluto_db::modules::program_diagnostics(db, program).clone();
    let broken: Vec<_> = all.iter().map(|d| d.file).collect();
    for diag in semantic_diagnostics(db, program) {
        if diag.severity == pluto_db::Severity::Warning && broken.contains(&diag.loc.file) {
            continue;
        }
        let diag = diag.to_db(db);
        if !all.contains(&diag) {
            all.push(diag);
        }
    }
    all.sort_by(|a, b| (a.file.path(db), a.range.start(), a.code).cmp(&(b.file.path(db), b.range.start(), b.code)));
    all
}
