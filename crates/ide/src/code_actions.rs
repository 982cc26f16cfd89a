//! Quick fixes for diagnostics: propagate an unhandled error with `!`, handle each of a
//! call's errors with its own `catch`, and write `override` before a method that
//! redefines an ancestor's. Plain data: a title and text edits in byte offsets.

use pluto_db::{Db, Program, SourceFile};
use pluto_hir::{Semantics, Ty};
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
    let diagnostics = pluto_hir::program_diagnostics(db, program);
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
    let (errors, ty) = Semantics::new(db, program).call_error_names(file, call)?;
    if errors.is_empty() {
        return None;
    }
    let value = default_value(&ty)?;
    let body = value.map_or("{ }".to_string(), |v| format!("{{ {v} }}"));
    let handlers: String = errors.iter().map(|e| format!(" catch e: {e} {body}")).collect();
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
