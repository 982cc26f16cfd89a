//! Completion: members after `.` (by the receiver's type, or a module's items, a unit's
//! `pub fn`s, an enum's variants, a class's static functions), names in scope and
//! keywords elsewhere in a body, and in an instance or stage body the `requires fn`s of
//! its templates that are not implemented yet, as snippets.

use pluto_db::{Db, Program, SourceFile};
use pluto_hir::{Def, FnLoc, ItemKind, ItemLoc, Semantics, Ty};
use pluto_syntax::ast::{self, AstNode};
use pluto_syntax::{SyntaxKind, SyntaxNode, SyntaxToken, TextSize};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompletionKind {
    Field,
    Method,
    Function,
    Local,
    Type,
    Module,
    Variant,
    Keyword,
    Snippet,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completion {
    pub label: String,
    pub kind: CompletionKind,
    pub detail: Option<String>,
    /// A snippet (`$0` marks the cursor) to insert instead of the label.
    pub snippet: Option<String>,
}

impl Completion {
    fn new(label: impl Into<String>, kind: CompletionKind, detail: Option<String>) -> Completion {
        Completion { label: label.into(), kind, detail, snippet: None }
    }
}

const EXPR_KEYWORDS: &[&str] = &[
    "let", "mut", "if", "else", "while", "for", "in", "match", "return", "break", "continue", "raise", "catch", "self",
    "true", "false", "none", "spawn",
];
const ITEM_KEYWORDS: &[&str] = &["fn", "pub", "class", "enum", "trait", "error", "stage", "import"];
const TYPES: &[&str] = &["int", "float", "bool", "string", "byte", "bytes", "void", "Map", "Set", "Array"];

pub fn completions(db: &dyn Db, program: Program, file: SourceFile, offset: TextSize) -> Vec<Completion> {
    let root = pluto_db::modules::parse(db, file).syntax();
    // The token the cursor is at the end of.
    let (left, right) = crate::navigation::tokens_around(&root, offset);
    let Some(token) = left.or(right) else { return keywords(ITEM_KEYWORDS) };
    let token = if token.kind().is_trivia() { previous_significant(&token).unwrap_or(token) } else { token };
    if let Some(field) = field_expr_at(&token) {
        return member_completions(db, program, file, &field);
    }
    if Semantics::new(db, program).enclosing_fn(file, &token).is_some_and(|(_, n)| in_body(&n, &token)) {
        return scope_completions(db, program, file, offset);
    }
    if let Some(owner) = token.parent_ancestors().find(|n| matches!(n.kind(), SyntaxKind::STAGE | SyntaxKind::INSTANCE))
    {
        return requires_snippets(db, program, file, &owner);
    }
    keywords(ITEM_KEYWORDS)
}

fn keywords(list: &[&str]) -> Vec<Completion> {
    list.iter().map(|k| Completion::new(*k, CompletionKind::Keyword, None)).collect()
}

fn previous_significant(token: &SyntaxToken) -> Option<SyntaxToken> {
    let mut t = token.prev_token();
    while let Some(tok) = t {
        if !tok.kind().is_trivia() {
            return Some(tok);
        }
        t = tok.prev_token();
    }
    None
}

/// Whether the cursor (just after `token`) is inside the function's body.
fn in_body(fn_node: &SyntaxNode, token: &SyntaxToken) -> bool {
    let Some(block) = fn_node.children().find(|c| c.kind() == SyntaxKind::BLOCK) else { return false };
    let closes_block = block.last_token().is_some_and(|last| last == *token && last.kind() == SyntaxKind::R_BRACE);
    block.text_range().contains_inclusive(token.text_range().end()) && !closes_block
}

/// The field expression whose member is being typed: after `x.` or inside `x.na`.
fn field_expr_at(token: &SyntaxToken) -> Option<ast::FieldExpr> {
    let candidate = match token.kind() {
        SyntaxKind::DOT => token.parent(),
        SyntaxKind::IDENT => token.parent().and_then(|n| n.parent()),
        _ => None,
    }?;
    ast::FieldExpr::cast(candidate)
}

fn member_completions(db: &dyn Db, program: Program, file: SourceFile, field: &ast::FieldExpr) -> Vec<Completion> {
    let Some(receiver) = field.receiver() else { return Vec::new() };
    let map = Semantics::new(db, program).def_map();
    // A namespace written by name.
    if let ast::Expr::PathExpr(p) = &receiver
        && let Some(name) = p.name_ref().filter(|n| !n.is_self()).map(|n| n.text())
    {
        let local = Semantics::new(db, program)
            .resolution_at(file, p.syntax().text_range().start())
            .is_some_and(|(t, _)| matches!(t, pluto_hir::Target::Local(_)));
        if !local {
            let mut out = Vec::new();
            if let Some(unit) = map.unit(&name) {
                out.extend(unit_functions(db, program, map, unit));
            }
            match map.resolve(db, file, &name) {
                Some(Def::Module(module)) => out.extend(module_items(db, map, module)),
                Some(Def::Item(loc)) => out.extend(type_namespace(db, program, loc)),
                None => {}
            }
            if !out.is_empty() {
                return out;
            }
        }
    }
    // A value: its type's members, from inference.
    match Semantics::new(db, program).type_of_range(file, receiver.syntax().text_range()) {
        Some(ty) => value_members(db, program, &ty),
        None => Vec::new(),
    }
}

fn unit_functions(db: &dyn Db, program: Program, map: &pluto_hir::DefMap, unit: ItemLoc) -> Vec<Completion> {
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for level in map.chain(unit) {
        let Some(body) = level.item(db).body() else { continue };
        for method in body.methods.iter().filter(|m| m.is_pub) {
            if !seen.insert(method.name.clone()) {
                continue;
            }
            let f = FnLoc::method(level, method);
            out.push(Completion::new(method.name.clone(), CompletionKind::Function, Some(signature(db, program, f))));
        }
        for nested in &body.nested {
            out.push(Completion::new(nested.name.clone(), CompletionKind::Type, Some("error".into())));
        }
    }
    out
}

fn module_items(db: &dyn Db, map: &pluto_hir::DefMap, module: SourceFile) -> Vec<Completion> {
    let Some(scope) = map.scope(module) else { return Vec::new() };
    scope
        .names
        .iter()
        .filter_map(|(name, def)| match def {
            Def::Item(loc) if loc.file == module && loc.item(db).is_pub => {
                let kind = match loc.item(db).kind {
                    ItemKind::Fn(_) => CompletionKind::Function,
                    _ => CompletionKind::Type,
                };
                Some(Completion::new(name.clone(), kind, Some(loc.item(db).kind_name().to_string())))
            }
            _ => None,
        })
        .collect()
}

/// `Enum.` gives variants; `Class.` its functions without `self`.
fn type_namespace(db: &dyn Db, program: Program, loc: ItemLoc) -> Vec<Completion> {
    match &loc.item(db).kind {
        ItemKind::Enum { variants, .. } => {
            variants.iter().map(|v| Completion::new(v.name.clone(), CompletionKind::Variant, None)).collect()
        }
        ItemKind::Class(body) => body
            .methods
            .iter()
            .filter(|m| m.self_param.is_none())
            .map(|method| {
                Completion::new(
                    method.name.clone(),
                    CompletionKind::Function,
                    Some(signature(db, program, FnLoc::method(loc, method))),
                )
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn value_members(db: &dyn Db, program: Program, ty: &Ty) -> Vec<Completion> {
    let mut out = Vec::new();
    match ty {
        Ty::Adt(loc, args) => {
            let data = Semantics::new(db, program).adt(*loc);
            for field in &data.fields {
                out.push(Completion::new(
                    field.name.clone(),
                    CompletionKind::Field,
                    Some(field.ty.substitute(&data.generics, args).display(db)),
                ));
            }
            for (name, dep) in &data.deps {
                out.push(Completion::new(name.clone(), CompletionKind::Field, Some(dep.display(db))));
            }
            let map = Semantics::new(db, program).def_map();
            let chain = if map.stage(*loc).is_some() { map.chain(*loc) } else { vec![*loc] };
            // A method overridden down the chain is offered once (the nearest).
            let mut seen: std::collections::HashSet<String> = out.iter().map(|c| c.label.clone()).collect();
            for level in chain {
                let Some(body) = level.item(db).body() else { continue };
                for method in body.methods.iter() {
                    let is_static = method.self_param.is_none() && matches!(level.item(db).kind, ItemKind::Class(_));
                    if is_static || !seen.insert(method.name.clone()) {
                        continue;
                    }
                    out.push(Completion::new(
                        method.name.clone(),
                        CompletionKind::Method,
                        Some(signature(db, program, FnLoc::method(level, method))),
                    ));
                }
            }
        }
        Ty::Trait(tr) => {
            if let Some(body) = tr.item(db).body() {
                for method in body.methods.iter() {
                    out.push(Completion::new(
                        method.name.clone(),
                        CompletionKind::Method,
                        Some(signature(db, program, FnLoc::method(*tr, method))),
                    ));
                }
            }
        }
        other => {
            for name in pluto_hir::builtin_method_names(other) {
                let detail = pluto_hir::builtin_method(other, name).map(|m| {
                    let params: Vec<String> = m.params.iter().map(|p| p.display(db)).collect();
                    format!("fn({}) {}", params.join(", "), m.ret.display(db))
                });
                out.push(Completion::new(*name, CompletionKind::Method, detail));
            }
        }
    }
    out
}

fn signature(db: &dyn Db, program: Program, f: FnLoc) -> String {
    let sig = Semantics::new(db, program).signature(f);
    let params: Vec<String> = sig.params.iter().map(|(n, t)| format!("{n}: {}", t.display(db))).collect();
    match &sig.ret {
        Ty::Void => format!("fn({})", params.join(", ")),
        ret => format!("fn({}) {}", params.join(", "), ret.display(db)),
    }
}

/// Names visible at `offset` inside a body, then module names, then keywords.
fn scope_completions(db: &dyn Db, program: Program, file: SourceFile, offset: TextSize) -> Vec<Completion> {
    let mut out: Vec<Completion> = Vec::new();
    // Each name once: the innermost (locals first, then this module, the prelude, keywords).
    let mut seen = std::collections::HashSet::new();
    let mut add = |out: &mut Vec<Completion>, c: Completion| {
        if seen.insert(c.label.clone()) {
            out.push(c);
        }
    };
    for name in Semantics::new(db, program).locals_at(file, offset) {
        add(&mut out, Completion::new(name, CompletionKind::Local, None));
    }
    let map = Semantics::new(db, program).def_map();
    for scope in [map.scope(file), map.scope(map.prelude)].into_iter().flatten() {
        for (name, def) in &scope.names {
            let (kind, detail) = match def {
                Def::Module(_) => (CompletionKind::Module, Some("module".to_string())),
                Def::Item(loc) => match loc.item(db).kind {
                    ItemKind::Fn(_) => (CompletionKind::Function, Some(signature(db, program, FnLoc::Free(*loc)))),
                    _ => (CompletionKind::Type, Some(loc.item(db).kind_name().to_string())),
                },
            };
            add(&mut out, Completion::new(name.clone(), kind, detail));
        }
    }
    for unit in map.units.keys() {
        add(&mut out, Completion::new(unit.clone(), CompletionKind::Module, Some("deployment unit".into())));
    }
    for builtin in ["print", "chan"] {
        add(&mut out, Completion::new(builtin, CompletionKind::Function, Some("built-in".into())));
    }
    for t in TYPES {
        add(&mut out, Completion::new(*t, CompletionKind::Type, None));
    }
    for k in EXPR_KEYWORDS {
        add(&mut out, Completion::new(*k, CompletionKind::Keyword, None));
    }
    out
}

/// In a stage or instance body: the `requires fn`s its templates still need, ready to
/// fill in.
fn requires_snippets(db: &dyn Db, program: Program, file: SourceFile, owner: &SyntaxNode) -> Vec<Completion> {
    let sema = Semantics::new(db, program);
    let Some(loc) = sema.item_of(file, owner) else { return keywords(ITEM_KEYWORDS) };
    let mut out = Vec::new();
    for (template, name) in sema.unimplemented_requires(loc) {
        let Some(m) = template.item(db).body().and_then(|b| b.methods.iter().find(|m| m.name == name)) else {
            continue;
        };
        let f = FnLoc::method(template, m);
        let sig = Semantics::new(db, program).signature(f);
        let mut params = vec!["self".to_string()];
        params.extend(sig.params.iter().map(|(n, t)| format!("{n}: {}", t.display(db))));
        let ret = match &sig.ret {
            Ty::Void => String::new(),
            t => format!(" {}", t.display(db)),
        };
        let text = format!("fn {name}({}){ret} {{\n    $0\n}}", params.join(", "));
        out.push(Completion {
            label: format!("fn {name}"),
            kind: CompletionKind::Snippet,
            detail: Some(format!("required by {}", template.item(db).name)),
            snippet: Some(text),
        });
    }
    out.extend(keywords(&["fn", "pub", "override", "requires", "error"]));
    out
}
