//! Navigation: what a position refers to, where that is declared, and every place that
//! refers to it, as `hir`'s `Semantics` says: inference's resolutions for names in
//! bodies, its source-to-definition mapping for declarations and names in signatures
//! (types, templates, imports).

use pluto_db::modules::{module_graph, parse};
use pluto_db::{Db, Program, SourceFile};
use pluto_hir::{FnLoc, Semantics, Target};
use pluto_syntax::{SyntaxKind, SyntaxNode, SyntaxToken, TextRange, TextSize};

/// A place to jump to: a file and the range of the name there.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct NavTarget {
    pub file: SourceFile,
    pub range: TextRange,
}

/// The tokens ending and starting at `offset` (the same token when `offset` is inside
/// one). Found by descending one level at a time: rowan's `token_at_offset` recurses as
/// deep as the tree, which a 20,000-term expression makes too deep for a thread's stack.
pub(crate) fn tokens_around(root: &SyntaxNode, offset: TextSize) -> (Option<SyntaxToken>, Option<SyntaxToken>) {
    let end = root.text_range().end();
    let at = |start: TextSize| {
        (start < end).then(|| root.covering_element(TextRange::at(start, 1.into())).into_token()).flatten()
    };
    let right = at(offset);
    let left = match offset.checked_sub(1.into()) {
        Some(before) => at(before),
        None => None,
    };
    (left, right)
}

/// The significant token at `offset` (preferring a name over punctuation).
pub(crate) fn token_at(db: &dyn Db, file: SourceFile, offset: TextSize) -> Option<SyntaxToken> {
    let root = parse(db, file).syntax();
    let (left, right) = tokens_around(&root, offset);
    let pick = |t: &SyntaxToken| t.kind() == SyntaxKind::IDENT || t.kind() == SyntaxKind::SELF_KW;
    left.filter(pick).or_else(|| right.clone().filter(pick)).or_else(|| right.filter(|t| !t.kind().is_trivia()))
}

/// What the name at `offset` refers to, and the function it was found in (for locals).
pub fn target_at(db: &dyn Db, program: Program, file: SourceFile, offset: TextSize) -> Option<(Target, Option<FnLoc>)> {
    let token = token_at(db, file, offset)?;
    targets_of(&Semantics::new(db, program), file, &token).into_iter().next()
}

/// Everything `token` names (a shorthand like `Point { x }` names a field and a local),
/// each with the function it was found in (for locals).
pub(crate) fn targets_of(sema: &Semantics, file: SourceFile, token: &SyntaxToken) -> Vec<(Target, Option<FnLoc>)> {
    if let Some(target) = sema.declared_by(file, token) {
        let f = sema.enclosing_fn(file, token).map(|(f, _)| f);
        return vec![(target, f)];
    }
    // A name in a body, resolved by inference.
    let start = token.text_range().start();
    let in_body = sema.targets_at(file, start);
    if !in_body.is_empty() {
        let f = sema.fn_at(file, start);
        return in_body.into_iter().map(|t| (t, f)).collect();
    }
    sema.named_outside_bodies(file, token).map(|t| (t, None)).into_iter().collect()
}

/// Where a target is declared.
pub fn target_location(db: &dyn Db, program: Program, target: &Target, in_fn: Option<FnLoc>) -> Option<NavTarget> {
    let (file, range) = Semantics::new(db, program).declaration(target, in_fn)?;
    Some(NavTarget { file, range })
}

pub fn goto_definition(db: &dyn Db, program: Program, file: SourceFile, offset: TextSize) -> Option<NavTarget> {
    let (target, in_fn) = target_at(db, program, file, offset)?;
    target_location(db, program, &target, in_fn)
}

/// The declaration and every use of what is at `offset`, in the files of `program`.
pub fn references(db: &dyn Db, program: Program, file: SourceFile, offset: TextSize) -> Vec<NavTarget> {
    let Some((target, in_fn)) = target_at(db, program, file, offset) else { return Vec::new() };
    let mut out: Vec<NavTarget> = target_location(db, program, &target, in_fn).into_iter().collect();
    let sema = Semantics::new(db, program);
    let functions: Vec<FnLoc> = match (&target, in_fn) {
        (Target::Local(_), Some(f)) => vec![f],
        _ => module_graph(db, program).modules.iter().flat_map(|m| sema.functions_in(m.file)).collect(),
    };
    let mut seen: std::collections::HashSet<NavTarget> = out.iter().cloned().collect();
    for f in functions {
        for range in sema.uses_in(f, &target) {
            let nav = NavTarget { file: f.file(), range };
            if seen.insert(nav.clone()) {
                out.push(nav);
            }
        }
    }
    out
}
