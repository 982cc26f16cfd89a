//! Quick fixes for diagnostics: propagate an unhandled error with `!`, handle each of a
//! call's errors with its own `catch`, write `override` before a method that redefines
//! an ancestor's, implement the `requires fn`s a stage is missing, and import a name
//! that is not in scope. Plain data: a title and text edits in byte offsets.

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
            "E0506" => out.extend(implement_requires(db, program, file, d.range)),
            "E0102" | "E0104" => out.extend(import_name(db, program, file, d.range)),
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

/// The missing `requires fn`s of the stage or instance named at `name`, with empty
/// bodies, before its closing brace.
fn implement_requires(db: &dyn Db, program: Program, file: SourceFile, name: TextRange) -> Option<CodeAction> {
    let missing = Semantics::new(db, program).missing_requires(file, name.start());
    if missing.is_empty() {
        return None;
    }
    let root = pluto_db::modules::parse(db, file).syntax();
    let item = root.token_at_offset(name.start()).right_biased()?.parent_ancestors().find(|n| {
        matches!(n.kind(), SyntaxKind::STAGE | SyntaxKind::INSTANCE)
    })?;
    let mut close = item.last_token()?;
    while close.kind().is_trivia() {
        close = close.prev_token()?;
    }
    if close.kind() != SyntaxKind::R_BRACE {
        return None;
    }
    let text = file.text(db);
    let at = close.text_range().start();
    let line_start = text[..usize::from(at)].rfind('\n').map_or(0, |i| i + 1);
    let on_own_line = text[line_start..usize::from(at)].trim().is_empty();
    let methods: String = missing.iter().map(|sig| format!("    {sig} {{\n    }}\n")).collect();
    let (range, insert) = if on_own_line {
        (TextRange::new(TextSize::from(line_start as u32), at), methods)
    } else {
        (TextRange::empty(at), format!("\n{methods}"))
    };
    let title = match missing.as_slice() {
        [one] => format!("Implement `{}`", one.split('(').next().unwrap_or(one).trim_start_matches("fn ")),
        _ => format!("Implement the {} missing methods", missing.len()),
    };
    Some(CodeAction { title, edits: vec![(range, insert)] })
}

/// `import ...` for the name at `name`, one action per module that has it.
fn import_name(db: &dyn Db, program: Program, file: SourceFile, name: TextRange) -> Vec<CodeAction> {
    let text = file.text(db);
    let written = &text[name];
    if written.is_empty() || !written.chars().all(|c| c.is_alphanumeric() || c == '_') {
        return Vec::new();
    }
    let root = pluto_db::modules::parse(db, file).syntax();
    let last_import = root.children().filter(|n| n.kind() == SyntaxKind::IMPORT).last();
    Semantics::new(db, program)
        .imports_for(file, written)
        .into_iter()
        .map(|path| {
            let edit = match &last_import {
                Some(import) => (TextRange::empty(import.text_range().end()), format!("\nimport {path}")),
                None => (TextRange::empty(0.into()), format!("import {path}\n\n")),
            };
            CodeAction { title: format!("Import `{path}`"), edits: vec![edit] }
        })
        .collect()
}
