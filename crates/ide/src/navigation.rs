//! Navigation: what a position refers to, where that is declared, and every place that
//! refers to it. Names in bodies come from inference's resolutions; names in
//! signatures (types, templates, imports) are resolved from the module scope.

use pluto_db::modules::{module_graph, parse};
use pluto_db::{Db, Program, SourceFile};
use pluto_hir::{Def, FnLoc, ItemKind, ItemLoc, Loc, Semantics, Target};
use pluto_hir::def_map::def_map;
use pluto_hir::item_tree::{AstId, ast_id_map, item_tree};
use pluto_hir::lower::{TypeScope, file_functions};
use pluto_syntax::{SyntaxKind, SyntaxNode, SyntaxToken, TextRange, TextSize};

/// A place to jump to: a file and the range of the name there.
#[derive(Clone, Debug, PartialEq, Eq)]
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

/// The `AstId` of a declaration node of `file`.
pub(crate) fn ast_id_of(db: &dyn Db, file: SourceFile, node: &SyntaxNode) -> Option<AstId> {
    let map = ast_id_map(db, file);
    (0..map.len() as u32).map(AstId).find(|id| map.range(*id) == node.text_range())
}

/// The function whose declaration encloses `token`, with its node.
pub(crate) fn enclosing_fn(db: &dyn Db, file: SourceFile, token: &SyntaxToken) -> Option<(FnLoc, SyntaxNode)> {
    let node = token.parent_ancestors().find(|n| n.kind() == SyntaxKind::FN)?;
    let ast = ast_id_of(db, file, &node)?;
    file_functions(db, file).into_iter().find(|f| f.sig(db).ast == ast).map(|f| (f, node))
}

/// The item (class, stage, ...) whose declaration encloses `token`.
fn enclosing_item(db: &dyn Db, file: SourceFile, token: &SyntaxToken) -> Option<ItemLoc> {
    let tree = item_tree(db, file);
    for node in token.parent_ancestors() {
        if matches!(
            node.kind(),
            SyntaxKind::CLASS | SyntaxKind::STAGE | SyntaxKind::INSTANCE | SyntaxKind::TRAIT | SyntaxKind::ENUM
        ) {
            let ast = ast_id_of(db, file, &node)?;
            let index = tree.items.iter().position(|i| i.ast == ast)?;
            return Some(ItemLoc::top(file, index));
        }
    }
    None
}

/// What the declaration whose name is `token` declares.
fn declaration_target(sema: &Semantics, db: &dyn Db, file: SourceFile, token: &SyntaxToken) -> Option<Target> {
    let name = token.parent().filter(|p| p.kind() == SyntaxKind::NAME)?;
    let decl = name.parent()?;
    let text = token.text().to_string();
    if decl.kind() == SyntaxKind::IDENT_PAT
        || decl.kind() == SyntaxKind::PARAM
        || decl.kind() == SyntaxKind::CATCH_CLAUSE
    {
        let (f, _) = enclosing_fn(db, file, token)?;
        return Some(Target::Local(sema.relative_range(f, token.text_range())));
    }
    if decl.kind() == SyntaxKind::DEP {
        let owner = enclosing_item(db, file, token)?;
        return Some(Target::Dep(owner, text));
    }
    let ast = ast_id_of(db, file, &decl)?;
    let tree = item_tree(db, file);
    for (i, item) in tree.items.iter().enumerate() {
        let loc = ItemLoc::top(file, i);
        if item.ast == ast {
            return Some(match item.kind {
                ItemKind::Fn(_) => Target::Fn(FnLoc::Free(loc)),
                _ => Target::Item(loc),
            });
        }
        if let ItemKind::Enum { variants, .. } = &item.kind {
            if let Some(v) = variants.iter().find(|v| v.ast == ast) {
                return Some(Target::Variant(loc, v.name.clone()));
            }
            if variants.iter().any(|v| v.fields.iter().any(|f| f.ast == ast)) {
                return Some(Target::Field(loc, text));
            }
        }
        if let ItemKind::Error(fields) = &item.kind
            && fields.iter().any(|f| f.ast == ast)
        {
            return Some(Target::Field(loc, text));
        }
        if let Some(body) = item.body() {
            if let Some(m) = body.methods.iter().position(|m| m.ast == ast) {
                return Some(Target::Fn(FnLoc::Method(loc, m as u32)));
            }
            if body.fields.iter().any(|f| f.ast == ast) {
                return Some(Target::Field(loc, text));
            }
            for (n, nested) in body.nested.iter().enumerate() {
                let nested_loc = ItemLoc { nested: Some(n as u32), ..loc };
                if nested.ast == ast {
                    return Some(Target::Item(nested_loc));
                }
                if let ItemKind::Error(fields) = &nested.kind
                    && fields.iter().any(|f| f.ast == ast)
                {
                    return Some(Target::Field(nested_loc, text));
                }
            }
        }
    }
    None
}

/// What the name at `offset` refers to, and the function it was found in (for locals).
pub fn target_at(db: &dyn Db, program: Program, file: SourceFile, offset: TextSize) -> Option<(Target, Option<FnLoc>)> {
    let token = token_at(db, file, offset)?;
    targets_of(&Semantics::new(db, program), db, program, file, &token).into_iter().next()
}

/// Everything `token` names (a shorthand like `Point { x }` names a field and a local),
/// each with the function it was found in (for locals).
pub(crate) fn targets_of(
    sema: &Semantics,
    db: &dyn Db,
    program: Program,
    file: SourceFile,
    token: &SyntaxToken,
) -> Vec<(Target, Option<FnLoc>)> {
    if let Some(target) = declaration_target(sema, db, file, token) {
        let f = enclosing_fn(db, file, token).map(|(f, _)| f);
        return vec![(target, f)];
    }
    // A name in a body, resolved by inference.
    let start = token.text_range().start();
    let in_body = sema.targets_at(file, start);
    if !in_body.is_empty() {
        let f = sema.fn_at(file, start);
        return in_body.into_iter().map(|t| (t, f)).collect();
    }
    signature_target(db, program, file, token).map(|t| (t, None)).into_iter().collect()
}

/// Names outside bodies: types in signatures, instance keywords, imports.
fn signature_target(db: &dyn Db, program: Program, file: SourceFile, token: &SyntaxToken) -> Option<Target> {
    let map = def_map(db, program);
    let name_ref = token.parent().filter(|p| p.kind() == SyntaxKind::NAME_REF)?;
    let parent = name_ref.parent()?;
    if parent.kind() == SyntaxKind::INSTANCE {
        let instance = enclosing_item(db, file, token)?;
        return map.stage(instance).and_then(|s| s.parent).map(Target::Item);
    }
    if parent.kind() != SyntaxKind::PATH {
        return None;
    }
    let segments: Vec<String> = parent
        .children()
        .filter(|c| c.kind() == SyntaxKind::NAME_REF && c.text_range().start() <= name_ref.text_range().start())
        .map(|c| c.text().to_string())
        .collect();
    if parent.parent().is_some_and(|p| p.kind() == SyntaxKind::IMPORT) {
        // An import: the module, or the single item it imports.
        let graph = module_graph(db, program);
        let index = item_tree(db, file).imports.iter().position(|i| i.segments.starts_with(&segments))?;
        let import = graph.imports.iter().find(|i| i.importer == file && i.index == index)?;
        let is_item = import.item.as_deref() == segments.last().map(String::as_str)
            && segments.len() == item_tree(db, file).imports[index].segments.len();
        if is_item {
            return match map.scope(import.module)?.names.get(segments.last()?)? {
                Def::Item(loc) => Some(Target::Item(*loc)),
                Def::Module(m) => Some(Target::Module(*m)),
            };
        }
        return Some(Target::Module(import.module));
    }
    let scope = TypeScope { db, map, file, generics: Vec::new(), container: enclosing_item(db, file, token) };
    if let Some(loc) = scope.resolve_type_path(&segments) {
        return Some(Target::Item(loc));
    }
    match map.resolve(db, file, segments.first()?)? {
        Def::Module(m) if segments.len() == 1 => Some(Target::Module(m)),
        _ => None,
    }
}

/// Where a target is declared.
pub fn target_location(db: &dyn Db, program: Program, target: &Target, in_fn: Option<FnLoc>) -> Option<NavTarget> {
    let loc = |file: SourceFile, ast: AstId, range: TextRange| Loc { file, ast, range };
    let named =
        |file: SourceFile, ast: AstId, name: &str| loc(file, ast, TextRange::at(0.into(), (name.len() as u32).into()));
    let found = match target {
        Target::Local(range) => {
            let f = in_fn?;
            return Some(NavTarget { file: f.file(), range: Semantics::new(db, program).absolute(f, *range) });
        }
        Target::Item(item) => item.name_loc(db),
        Target::Fn(f) => f.name_loc(db),
        Target::Module(file) => return Some(NavTarget { file: *file, range: TextRange::default() }),
        Target::Dep(owner, name) => {
            let item = owner.item(db);
            let dep = item.body()?.deps.iter().find(|d| d.name == *name)?;
            loc(owner.file, item.ast, dep.name_range)
        }
        Target::Variant(owner, name) => match &owner.item(db).kind {
            ItemKind::Enum { variants, .. } => named(owner.file, variants.iter().find(|v| v.name == *name)?.ast, name),
            _ => return None,
        },
        Target::Field(owner, name) => {
            let item = owner.item(db);
            let field = match &item.kind {
                ItemKind::Error(fields) => fields.iter().find(|f| f.name == *name),
                ItemKind::Enum { variants, .. } => {
                    variants.iter().flat_map(|v| v.fields.iter()).find(|f| f.name == *name)
                }
                _ => item.body().and_then(|b| b.fields.iter().find(|f| f.name == *name)),
            }?;
            named(owner.file, field.ast, name)
        }
    };
    Some(NavTarget { file: found.file, range: found.absolute(db) })
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
        _ => module_graph(db, program).modules.iter().flat_map(|m| file_functions(db, m.file)).collect(),
    };
    for f in functions {
        for range in sema.uses_in(f, &target) {
            let nav = NavTarget { file: f.file(), range };
            if !out.contains(&nav) {
                out.push(nav);
            }
        }
    }
    out
}
