//! Quick fixes for diagnostics: propagate an unhandled error with `!`, handle each of a
//! call's errors with its own `catch`, and write `override` before a method that
//! redefines an ancestor's. Plain data: a title and text edits in byte offsets.

use pluto_db::{Db, Program, SourceFile};
use pluto_hir::def_map::ItemLoc;
use pluto_hir::semantics::Semantics;
use pluto_hir::ty::Ty;
use pluto_syntax::{SyntaxKind, TextRange, TextSize};

/// One quick fix: replace each range with its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeAction {
    pub title: String,
    pub edits: Vec<(TextRange, String)>,
}

/// The fixes for the diagnostics of `file` that touch `range`.
pub fn code_actions(db: &dyn Db, program: Program, file: SourceFile, range: TextRange) -> Vec<CodeAction> {
    let mut out = Vec::new();
    let diagnostics = pluto_hir::diagnostics::program_diagnostics(db, program);
    for d in diagnostics.iter().filter(|d| d.file == file && d.range.intersect(range).is_some()) {
        match d.code {
            "E0301" => {
                out.push(CodeAction {
                    title: "Propagate the errors with `!`".into(),
                    edits: vec![(TextRange::empty(d.range.end()), "!".into())],
                });
                out.extend(catch_each(db, program, file, d.range));
            }
            "E0504" => out.extend(add_override(db, file, d.range)),
            _ => {}
        }
    }
    out
}

/// How `error` is written in `file`: bare in its own file and for the prelude's, after its
/// unit when a unit declares it, else after its module (`auth.InvalidToken`).
fn written_name(db: &dyn Db, file: SourceFile, error: ItemLoc) -> String {
    let qualified = pluto_hir::ty::qualified_name(db, error);
    if error.parent().is_some() || error.file == file {
        return qualified;
    }
    match error.file.path(db) {
        pluto_db::FilePath::Std(p) if p == pluto_db::stdlib::PRELUDE => qualified,
        path => {
            let text = path.to_string();
            let stem = text.rsplit('/').next().unwrap_or(&text).trim_end_matches(".pluto").to_string();
            format!("{stem}.{qualified}")
        }
    }
}

/// A value of `ty` for a handler to give, when there is an obvious one (`None` for
/// `void`: the handler is an empty block).
fn default_value(ty: &Ty) -> Option<Option<&'static str>> {
    Some(match ty {
        Ty::Void => None,
        Ty::Int | Ty::Byte => Some("0"),
        Ty::Float => Some("0.0"),
        Ty::Bool => Some("false"),
        Ty::Str => Some("\"\""),
        Ty::Nullable(_) => Some("none"),
        Ty::Array(_) => Some("[]"),
        _ => return None,
    })
}

/// `call catch e: A { default } catch e: B { default }`, one handler per error the call
/// can raise, when the call's type has an obvious default.
fn catch_each(db: &dyn Db, program: Program, file: SourceFile, call: TextRange) -> Option<CodeAction> {
    let sema = Semantics::new(db, program);
    let callee = sema.call_starting_at(file, call.start())?;
    let errors = sema.call_errors(&callee);
    if errors.is_empty() {
        return None;
    }
    let value = default_value(&sema.type_of_range(file, call).unwrap_or(Ty::Void))?;
    let body = value.map_or("{ }".to_string(), |v| format!("{{ {v} }}"));
    let handlers: String =
        errors.iter().map(|e| format!(" catch e: {} {body}", written_name(db, file, *e))).collect();
    Some(CodeAction {
        title: format!("Handle {} with `catch`", if errors.len() == 1 { "the error" } else { "each error" }),
        edits: vec![(TextRange::empty(call.end()), handlers)],
    })
}

/// `override ` before the `fn` of the method named at `name`.
fn add_override(db: &dyn Db, file: SourceFile, name: TextRange) -> Option<CodeAction> {
    let root = pluto_db::modules::parse(db, file).syntax();
    let mut token = root.token_at_offset(name.start()).right_biased()?;
    while token.kind() != SyntaxKind::FN_KW {
        token = token.prev_token()?;
    }
    let at: TextSize = token.text_range().start();
    Some(CodeAction { title: "Add `override`".into(), edits: vec![(TextRange::empty(at), "override ".into())] })
}
