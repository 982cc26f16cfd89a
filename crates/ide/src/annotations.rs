//! Things shown beside the code: document and workspace symbols, inlay hints with each
//! function's inferred errors, code lenses on a unit's `pub fn`s listing the units that
//! call them, and signature help inside a call.

use pluto_db::{Db, Program, SourceFile};
use pluto_hir::{Callee, FnLoc, ItemLoc, Semantics};
use pluto_hir::qualified_name;
use pluto_syntax::{SyntaxKind, TextRange, TextSize};

use crate::navigation::token_at;

/// The declarations of a file as an outline (`hir` computes it from the item tree).
pub use pluto_hir::{Symbol, SymbolKind, document_symbols};

/// Symbols of `files` whose name contains `query` (case-insensitively), flattened.
pub fn workspace_symbols(db: &dyn Db, files: &[SourceFile], query: &str) -> Vec<(SourceFile, Symbol)> {
    let query = query.to_lowercase();
    let mut out = Vec::new();
    for &file in files {
        let mut stack = document_symbols(db, file);
        while let Some(mut symbol) = stack.pop() {
            stack.append(&mut symbol.children);
            if symbol.name.to_lowercase().contains(&query) {
                out.push((file, symbol));
            }
        }
    }
    out.sort_by(|a, b| a.1.name.cmp(&b.1.name));
    out
}

/// An inlay hint: text to show at an offset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InlayHint {
    pub offset: TextSize,
    pub label: String,
}

/// After each function's signature: the errors it can raise.
pub fn inlay_hints(db: &dyn Db, program: Program, file: SourceFile) -> Vec<InlayHint> {
    let sema = Semantics::new(db, program);
    let mut out = Vec::new();
    for f in sema.functions_in(file) {
        let set = sema.fn_errors(f);
        if set.is_empty() {
            continue;
        }
        let node = sema.fn_node(f);
        // Just before the body's `{`, or at the end of a body-less declaration.
        let offset = node
            .children()
            .find(|c| c.kind() == SyntaxKind::BLOCK)
            .map_or(node.text_range().end(), |b| b.text_range().start());
        let names: Vec<String> = set.iter().map(|e| qualified_name(db, *e)).collect();
        out.push(InlayHint { offset, label: format!("raises {}", names.join(", ")) });
    }
    out
}

/// A code lens: a line of text above a declaration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeLens {
    pub range: TextRange,
    pub title: String,
}

/// On each `pub fn` of a deployment unit: which units call it.
pub fn code_lenses(db: &dyn Db, program: Program, file: SourceFile) -> Vec<CodeLens> {
    let sema = Semantics::new(db, program);
    let (map, calls) = (sema.def_map(), sema.unit_calls());
    let mut out = Vec::new();
    for item in sema.item_tree(file).items.iter() {
        let loc = ItemLoc::of(file, item);
        if !map.is_unit(loc) {
            continue;
        }
        let Some(body) = item.body() else { continue };
        for method in body.methods.iter().filter(|m| m.is_pub) {
            let f = FnLoc::method(loc, method);
            let mut callers: Vec<String> = calls
                .iter()
                .filter(|c| c.callee == f)
                .map(|c| c.caller_unit.map_or_else(|| c.caller.display(db), |u| u.item(db).name.clone()))
                .collect();
            callers.sort();
            callers.dedup();
            let title = if callers.is_empty() {
                "no callers in this program".to_string()
            } else {
                format!("called by {}", callers.join(", "))
            };
            out.push(CodeLens { range: f.name_loc(db).absolute(db), title });
        }
    }
    out
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureHelp {
    pub label: String,
    /// Each parameter's range within `label`.
    pub parameters: Vec<(u32, u32)>,
    pub active_parameter: u32,
}

/// Inside the argument list of a call: the callee's parameters and which one is being
/// written.
pub fn signature_help(db: &dyn Db, program: Program, file: SourceFile, offset: TextSize) -> Option<SignatureHelp> {
    let token = token_at(db, file, offset).or_else(|| token_at(db, file, offset.checked_sub(1.into())?))?;
    let args = token.parent_ancestors().find(|n| n.kind() == SyntaxKind::ARG_LIST)?;
    let call = args.parent().filter(|c| c.kind() == SyntaxKind::CALL_EXPR)?;
    let callee = match Semantics::new(db, program).call_starting_at(file, call.text_range().start())? {
        Callee::Fn(g) | Callee::Remote(g) => g,
        _ => return None,
    };
    let sig = Semantics::new(db, program).signature(callee);
    let mut label = format!("fn {}(", callee.display(db));
    let mut parameters = Vec::new();
    for (i, (name, ty)) in sig.params.iter().enumerate() {
        if i > 0 {
            label.push_str(", ");
        }
        let begin = label.encode_utf16().count() as u32;
        label.push_str(&format!("{name}: {}", ty.display(db)));
        parameters.push((begin, label.encode_utf16().count() as u32));
    }
    label.push(')');
    if sig.ret != pluto_hir::Ty::Void {
        label.push_str(&format!(" {}", sig.ret.display(db)));
    }
    let commas =
        args.children_with_tokens().filter(|t| t.kind() == SyntaxKind::COMMA && t.text_range().end() <= offset).count()
            as u32;
    Some(SignatureHelp { label, parameters, active_parameter: commas })
}
