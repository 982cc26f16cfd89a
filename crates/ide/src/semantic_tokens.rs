//! Semantic highlighting: what each name in a file is — deployment units, the `pub fn`s of
//! units (their remote interface), errors, injected dependencies, mutable locals — so an
//! editor can show what the grammar alone cannot. Plain data: ranges with a kind and
//! modifiers, sorted and not overlapping; the language server encodes them.

use pluto_db::{Db, Program, SourceFile};
use pluto_hir::def_map::{ItemLoc, def_map};
use pluto_hir::infer::Target;
use pluto_hir::item_tree::{ItemKind, item_tree};
use pluto_hir::lower::{FnLoc, file_functions};
use pluto_hir::semantics::Semantics;
use pluto_syntax::TextRange;

/// What a highlighted name is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    /// A stage: a deployment unit or a template.
    Unit,
    Class,
    Enum,
    Trait,
    Error,
    Function,
    Method,
    /// A field of a class or error.
    Field,
    /// A bracket dependency (`self.db`).
    Dependency,
    Variant,
    Variable,
    Module,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SemanticToken {
    pub range: TextRange,
    pub kind: TokenKind,
    /// The name is declared here.
    pub declaration: bool,
    /// A local declared `let mut` or a `mut` parameter.
    pub mutable: bool,
    /// A unit's `pub fn`: callable from other units, over the network.
    pub remote: bool,
}

fn item_kind(db: &dyn Db, loc: ItemLoc) -> TokenKind {
    match loc.item(db).kind {
        ItemKind::Class(_) => TokenKind::Class,
        ItemKind::Enum { .. } => TokenKind::Enum,
        ItemKind::Trait(_) => TokenKind::Trait,
        ItemKind::Error(_) => TokenKind::Error,
        ItemKind::Fn(_) => TokenKind::Function,
        ItemKind::Stage(_) | ItemKind::Instance { .. } => TokenKind::Unit,
    }
}

/// Whether the name declared at `declared` follows `mut` (`let mut x`, `mut n: int`).
fn declared_mut(root: &pluto_syntax::SyntaxNode, declared: TextRange) -> bool {
    let Some(name) = root.token_at_offset(declared.start()).right_biased() else { return false };
    let mut previous = name.prev_token();
    while let Some(token) = previous.as_ref().filter(|t| t.kind().is_trivia()) {
        previous = token.prev_token();
    }
    previous.is_some_and(|t| t.kind() == pluto_syntax::SyntaxKind::MUT_KW)
}

/// Whether `f` is a `pub fn` of a deployment unit.
fn is_remote(db: &dyn Db, program: Program, f: FnLoc) -> bool {
    f.sig(db).is_pub && f.container().is_some_and(|c| def_map(db, program).is_unit(c))
}

fn fn_kind(f: FnLoc) -> TokenKind {
    if f.container().is_some() { TokenKind::Method } else { TokenKind::Function }
}

/// The highlighted names of `file`, in order.
pub fn semantic_tokens(db: &dyn Db, program: Program, file: SourceFile) -> Vec<SemanticToken> {
    let plain = |range, kind| SemanticToken { range, kind, declaration: false, mutable: false, remote: false };
    let mut out = Vec::new();
    for (i, item) in item_tree(db, file).items.iter().enumerate() {
        let loc = ItemLoc::top(file, i);
        let range = loc.name_loc(db).absolute(db);
        if !matches!(item.kind, ItemKind::Fn(_)) {
            out.push(SemanticToken { declaration: true, ..plain(range, item_kind(db, loc)) });
        }
    }
    let text = file.text(db);
    let root = pluto_db::modules::parse(db, file).syntax();
    let sema = Semantics::new(db, program);
    for f in file_functions(db, file) {
        let range = f.name_loc(db).absolute(db);
        out.push(SemanticToken { declaration: true, remote: is_remote(db, program, f), ..plain(range, fn_kind(f)) });
        for (range, target) in sema.resolutions_in(f) {
            let token = match target {
                Target::Local(declared) => {
                    let declared = sema.absolute(f, declared);
                    let mutable = declared_mut(&root, declared);
                    // The declaration too (declarations are not uses; added once).
                    let declaration = SemanticToken { declaration: true, mutable, ..plain(declared, TokenKind::Variable) };
                    if !out.contains(&declaration) {
                        out.push(declaration);
                    }
                    SemanticToken { mutable, ..plain(range, TokenKind::Variable) }
                }
                Target::Item(loc) => plain(range, item_kind(db, loc)),
                Target::Fn(g) => SemanticToken { remote: is_remote(db, program, g), ..plain(range, fn_kind(g)) },
                Target::Field(..) => plain(range, TokenKind::Field),
                Target::Variant(..) => plain(range, TokenKind::Variant),
                Target::Dep(..) => plain(range, TokenKind::Dependency),
                Target::Module(_) => plain(range, TokenKind::Module),
            };
            out.push(token);
        }
    }
    // Only names on one line, in order, none overlapping (the innermost wins a tie).
    out.retain(|t| !t.range.is_empty() && !text[t.range].contains('\n'));
    out.sort_by_key(|t| (t.range.start(), std::cmp::Reverse(t.range.len())));
    let mut result: Vec<SemanticToken> = Vec::with_capacity(out.len());
    for token in out {
        match result.last() {
            Some(last) if last.range.end() > token.range.start() => {
                if token.range.len() < last.range.len() {
                    *result.last_mut().expect("not empty") = token;
                }
            }
            _ => result.push(token),
        }
    }
    result
}
