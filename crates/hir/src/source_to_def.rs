//! From syntax to definitions: what a name token of a file declares or refers to outside
//! bodies (declarations, types in signatures, template keywords, imports), the function
//! or item a token is in, where a definition is declared, and a file's outline of
//! declarations. Names inside bodies are inference's (`Semantics::targets_at`).

use pluto_db::modules::module_graph;
use pluto_db::{Db, SourceFile};
use pluto_syntax::{SyntaxKind, SyntaxNode, SyntaxToken, TextRange};

use crate::Semantics;
use crate::body::{BodyOwner, body_with_source_map};
use crate::def_map::{Def, ItemLoc, def_map};
use crate::diag::Loc;
use crate::infer::Target;
use crate::item_tree::{AstId, ItemKind, ast_id_map, item_tree};
use crate::lower::{FnLoc, TypeScope, file_functions};

/// The `AstId` of a declaration node of `file`.
fn ast_id_of(db: &dyn Db, file: SourceFile, node: &SyntaxNode) -> Option<AstId> {
    let map = ast_id_map(db, file);
    (0..map.len() as u32).map(AstId).find(|id| map.range(*id) == node.text_range())
}

impl Semantics<'_> {
    /// The functions and methods declared in `file`.
    pub fn functions_in(&self, file: SourceFile) -> Vec<FnLoc> {
        file_functions(self.db, file)
    }

    /// The function whose declaration encloses `token`, with its node.
    pub fn enclosing_fn(&self, file: SourceFile, token: &SyntaxToken) -> Option<(FnLoc, SyntaxNode)> {
        let node = token.parent_ancestors().find(|n| n.kind() == SyntaxKind::FN)?;
        let ast = ast_id_of(self.db, file, &node)?;
        file_functions(self.db, file).into_iter().find(|f| f.sig(self.db).ast == ast).map(|f| (f, node))
    }

    /// The top-level item a declaration node of `file` (a class, stage, instance, trait,
    /// enum, ...) declares.
    pub fn item_of(&self, file: SourceFile, node: &SyntaxNode) -> Option<ItemLoc> {
        let ast = ast_id_of(self.db, file, node)?;
        let item = item_tree(self.db, file).items.iter().find(|i| i.ast == ast)?;
        Some(ItemLoc::of(file, item))
    }

    /// The item (class, stage, ...) whose declaration encloses `token`.
    pub fn enclosing_item(&self, file: SourceFile, token: &SyntaxToken) -> Option<ItemLoc> {
        let node = token.parent_ancestors().find(|node| {
            matches!(
                node.kind(),
                SyntaxKind::CLASS | SyntaxKind::STAGE | SyntaxKind::INSTANCE | SyntaxKind::TRAIT | SyntaxKind::ENUM
            )
        })?;
        self.item_of(file, &node)
    }

    /// What the declaration whose name is `token` (in `file`) declares.
    pub fn declared_by(&self, file: SourceFile, token: &SyntaxToken) -> Option<Target> {
        let db = self.db;
        let name = token.parent().filter(|p| p.kind() == SyntaxKind::NAME)?;
        let decl = name.parent()?;
        let text = token.text().to_string();
        if decl.kind() == SyntaxKind::IDENT_PAT
            || decl.kind() == SyntaxKind::PARAM
            || decl.kind() == SyntaxKind::CATCH_CLAUSE
        {
            let (f, _) = self.enclosing_fn(file, token)?;
            let body = &body_with_source_map(db, BodyOwner::Fn(f)).body;
            return body.binding_at(self.relative_range(f, token.text_range())).map(Target::Local);
        }
        if decl.kind() == SyntaxKind::DEP {
            let owner = self.enclosing_item(file, token)?;
            return Some(Target::Dep(owner, text));
        }
        let ast = ast_id_of(db, file, &decl)?;
        let tree = item_tree(db, file);
        for item in tree.items.iter() {
            let loc = ItemLoc::of(file, item);
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
                if let Some(m) = body.methods.iter().find(|m| m.ast == ast) {
                    return Some(Target::Fn(FnLoc::method(loc, m)));
                }
                if body.fields.iter().any(|f| f.ast == ast) {
                    return Some(Target::Field(loc, text));
                }
                for nested in &body.nested {
                    let nested_loc = ItemLoc::of(loc.file, nested);
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
    /// What `token` names outside bodies: a type in a signature, an instance's template
    /// keyword, an import.
    pub fn named_outside_bodies(&self, file: SourceFile, token: &SyntaxToken) -> Option<Target> {
        let (db, program) = (self.db, self.program);
        let map = def_map(db, program);
        let name_ref = token.parent().filter(|p| p.kind() == SyntaxKind::NAME_REF)?;
        let parent = name_ref.parent()?;
        if parent.kind() == SyntaxKind::INSTANCE {
            let instance = self.enclosing_item(file, token)?;
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
        let scope = TypeScope { db, map, file, generics: Vec::new(), container: self.enclosing_item(file, token) };
        if let Some(loc) = scope.resolve_type_path(&segments) {
            return Some(Target::Item(loc));
        }
        match map.resolve(db, file, segments.first()?)? {
            Def::Module(m) if segments.len() == 1 => Some(Target::Module(m)),
            _ => None,
        }
    }
    /// Where `target` is declared: the file and the range of its name (`in_fn`: the
    /// function a local belongs to).
    pub fn declaration(&self, target: &Target, in_fn: Option<FnLoc>) -> Option<(SourceFile, TextRange)> {
        let db = self.db;
        let loc = |file: SourceFile, ast: AstId, range: TextRange| Loc { file, ast, range };
        let named = |file: SourceFile, ast: AstId, name: &str| {
            loc(file, ast, TextRange::at(0.into(), (name.len() as u32).into()))
        };
        let found = match target {
            Target::Local(b) => {
                let f = in_fn?;
                let body = &body_with_source_map(db, BodyOwner::Fn(f)).body;
                let range = body.binding(*b)?.name.range;
                return Some((f.file(), self.absolute(f, range)));
            }
            Target::Item(item) => item.name_loc(db),
            Target::Fn(f) => f.name_loc(db),
            Target::Module(file) => return Some((*file, TextRange::default())),
            Target::Dep(owner, name) => {
                let item = owner.item(db);
                let dep = item.body()?.deps.iter().find(|d| d.name == *name)?;
                loc(owner.file, item.ast, dep.name_range)
            }
            Target::Variant(owner, name) => match &owner.item(db).kind {
                ItemKind::Enum { variants, .. } => {
                    named(owner.file, variants.iter().find(|v| v.name == *name)?.ast, name)
                }
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
        Some((found.file, found.absolute(db)))
    }
}

/// What a declaration of the outline is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SymbolKind {
    Function,
    Method,
    Class,
    Enum,
    Variant,
    Trait,
    Error,
    Stage,
    Field,
}

/// A declaration in a file's outline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Symbol {
    pub name: String,
    pub kind: SymbolKind,
    /// The whole declaration.
    pub range: TextRange,
    /// Its name.
    pub name_range: TextRange,
    pub children: Vec<Symbol>,
}

/// The declarations of `file` as an outline: items with their fields, methods, variants
/// and nested errors.
pub fn document_symbols(db: &dyn Db, file: SourceFile) -> Vec<Symbol> {
    let map = ast_id_map(db, file);
    let symbol = |name: &str, kind, ast, name_range: TextRange, children| {
        let range = map.range(ast);
        let loc = Loc { file, ast, range: name_range };
        Symbol { name: name.to_string(), kind, range, name_range: loc.absolute(db), children }
    };
    let named = |name: &str| TextRange::at(0.into(), (name.len() as u32).into());
    let mut out = Vec::new();
    for item in &item_tree(db, file).items {
        let mut children = Vec::new();
        if let Some(body) = item.body() {
            for field in &body.fields {
                children.push(symbol(&field.name, SymbolKind::Field, field.ast, named(&field.name), Vec::new()));
            }
            for method in &body.methods {
                children.push(symbol(&method.name, SymbolKind::Method, method.ast, method.name_range, Vec::new()));
            }
            for nested in &body.nested {
                children.push(symbol(&nested.name, SymbolKind::Error, nested.ast, nested.name_range, Vec::new()));
            }
        }
        let kind = match &item.kind {
            ItemKind::Fn(_) => SymbolKind::Function,
            ItemKind::Class(_) => SymbolKind::Class,
            ItemKind::Enum { variants, .. } => {
                for v in variants {
                    children.push(symbol(&v.name, SymbolKind::Variant, v.ast, named(&v.name), Vec::new()));
                }
                SymbolKind::Enum
            }
            ItemKind::Trait(_) => SymbolKind::Trait,
            ItemKind::Error(fields) => {
                for f in fields {
                    children.push(symbol(&f.name, SymbolKind::Field, f.ast, named(&f.name), Vec::new()));
                }
                SymbolKind::Error
            }
            ItemKind::Stage(_) | ItemKind::Instance { .. } => SymbolKind::Stage,
        };
        if !item.name.is_empty() {
            out.push(symbol(&item.name, kind, item.ast, item.name_range, children));
        }
    }
    out
}
