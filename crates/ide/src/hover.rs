//! Hover: the type of the expression under the cursor; for functions and calls, the
//! signature and the inferred error set; for cross-stage calls, the target unit and the
//! RPC path.

use pluto_db::{Db, Program, SourceFile};
use pluto_hir::{Callee, FnLoc, ItemKind, Semantics, Target};
use pluto_hir::TRANSPORT_ERRORS;
use pluto_hir::qualified_name;
use pluto_syntax::{SyntaxKind, TextRange, TextSize};

/// What to show for a position: Markdown text and the range it describes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HoverInfo {
    pub markdown: String,
    pub range: TextRange,
}

fn signature_text(db: &dyn Db, program: Program, f: FnLoc) -> String {
    let sig = Semantics::new(db, program).signature(f);
    let params: Vec<String> = sig.params.iter().map(|(n, t)| format!("{n}: {}", t.display(db))).collect();
    let ret = match sig.ret {
        pluto_hir::Ty::Void => String::new(),
        ref t => format!(" {}", t.display(db)),
    };
    format!("fn {}({}){ret}", f.display(db), params.join(", "))
}

fn errors_text(db: &dyn Db, program: Program, f: FnLoc, remote: bool) -> String {
    let mut names: Vec<String> =
        Semantics::new(db, program).fn_errors(f).iter().map(|e| format!("`{}`", qualified_name(db, *e))).collect();
    if remote {
        names.extend(TRANSPORT_ERRORS.iter().map(|e| format!("`{e}`")));
    }
    if names.is_empty() { "raises nothing".to_string() } else { format!("raises {}", names.join(", ")) }
}

pub fn hover(db: &dyn Db, program: Program, file: SourceFile, offset: TextSize) -> Option<HoverInfo> {
    body_hover(db, program, file, offset).or_else(|| declaration_hover(db, program, file, offset))
}

/// For a name outside bodies (a type in a signature, a declaration's own name): what it
/// declares.
fn declaration_hover(db: &dyn Db, program: Program, file: SourceFile, offset: TextSize) -> Option<HoverInfo> {
    let token = crate::navigation::token_at(db, file, offset)?;
    let (target, _) = crate::navigation::target_at(db, program, file, offset)?;
    let map = Semantics::new(db, program).def_map();
    let text = match target {
        Target::Fn(f) => {
            format!("```pluto\n{}\n```\n\n{}", signature_text(db, program, f), errors_text(db, program, f, false))
        }
        Target::Item(loc) => {
            let item = loc.item(db);
            let what = match item.kind {
                ItemKind::Stage(_) | ItemKind::Instance { .. } if map.is_unit(loc) => "deployment unit",
                ItemKind::Stage(_) => "stage template",
                ItemKind::Instance { .. } => "stage instance",
                _ => item.kind_name(),
            };
            format!("```pluto\n{what} {}\n```", qualified_name(db, loc))
        }
        Target::Field(owner, name) => {
            let data = Semantics::new(db, program).adt(owner);
            let ty = data
                .fields
                .iter()
                .chain(data.variants.iter().flat_map(|(_, f)| f.iter()))
                .find(|f| f.name == name)?
                .ty
                .display(db);
            format!("```pluto\n{}.{name}: {ty}\n```", qualified_name(db, owner))
        }
        Target::Dep(owner, name) => {
            let data = Semantics::new(db, program).adt(owner);
            let ty = data.deps.iter().find(|(n, _)| *n == name)?.1.display(db);
            format!("```pluto\n{name}: {ty}\n```\n\ninjected dependency of `{}`", owner.item(db).name)
        }
        Target::Variant(owner, name) => format!("```pluto\n{}.{name}\n```", qualified_name(db, owner)),
        Target::Module(module) => format!("module `{}`", module.path(db)),
        Target::Local(_) => return None,
    };
    Some(HoverInfo { markdown: text, range: token.text_range() })
}

fn body_hover(db: &dyn Db, program: Program, file: SourceFile, offset: TextSize) -> Option<HoverInfo> {
    let token = crate::navigation::token_at(db, file, offset)?;
    let (f, node) = Semantics::new(db, program).enclosing_fn(file, &token)?;
    // Names in the signature are declarations, described by `declaration_hover`.
    let in_body = node
        .children()
        .find(|c| c.kind() == SyntaxKind::BLOCK)
        .is_some_and(|b| b.text_range().contains(token.text_range().start()));
    let own_name = token.parent().is_some_and(|p| p.kind() == SyntaxKind::NAME && p.parent().as_ref() == Some(&node));
    if !in_body && !own_name {
        return None;
    }
    // On the function's own name: its signature and error set.
    if own_name {
        let markdown =
            format!("```pluto\n{}\n```\n\n{}", signature_text(db, program, f), errors_text(db, program, f, false));
        return Some(HoverInfo { markdown, range: token.text_range() });
    }
    let sema = Semantics::new(db, program);
    let at = token.text_range().start();
    // A call whose callee name is under the cursor: what it calls and what it raises.
    if token.parent().is_some_and(|p| p.kind() == SyntaxKind::NAME_REF)
        && let Some((range, callee)) = sema.call_at(file, at)
        && token.text_range().end() <= range.end()
    {
        let text = match &callee {
            Callee::Fn(g) => {
                format!("```pluto\n{}\n```\n\n{}", signature_text(db, program, *g), errors_text(db, program, *g, false))
            }
            Callee::Remote(g) => {
                let (unit, path) =
                    Semantics::new(db, program).remote_fn(*g).map(|(unit, f)| (unit.name.clone(), f.path.clone())).unwrap_or_default();
                format!(
                    "```pluto\n{}\n```\n\ncross-stage call to unit `{unit}`, RPC `{path}`\n\n{}",
                    signature_text(db, program, *g),
                    errors_text(db, program, *g, true)
                )
            }
            _ => String::new(),
        };
        if !text.is_empty() {
            return Some(HoverInfo { markdown: text, range: token.text_range() });
        }
    }
    // Otherwise the type of the smallest expression under the cursor.
    let (range, ty) = sema.type_at(file, at)?;
    Some(HoverInfo { markdown: format!("```pluto\n{}\n```", ty.display(db)), range })
}
