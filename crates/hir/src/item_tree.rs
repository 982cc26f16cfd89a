//! The item tree: a per-file summary of every declaration's signature, with no function
//! bodies and no absolute offsets. Editing inside a body (or whitespace anywhere) leaves
//! it equal, so salsa backdates it and nothing that depends only on signatures re-runs.
//!
//! Declarations are numbered by `AstId`: their position in a pre-order walk of items and
//! members (never entering bodies). Semantic queries see each declaration with its
//! trivia (whitespace, comments) stripped, so reformatting or commenting changes
//! nothing they read; every range they store is relative to the start of the owning
//! declaration, in those stripped coordinates. `unstrip` maps them back to the text.
//!
//! What keeps a one-line edit in a large file cheap: each declaration's node is a tracked
//! field of its slot (`decl_slots`), so only the edited declaration's readers re-run, and
//! member functions are lowered one by one (`member_fn_sig`), remembered across edits.

use pluto_db::{Db, SourceFile};
use pluto_syntax::ast::{self, AstNode, HasDeps, HasGenerics, HasMembers, HasName};
use std::collections::HashMap;
use std::sync::Arc;

use pluto_syntax::{GreenNode, SyntaxKind, SyntaxNode, TextRange, TextSize};
use rowan::{GreenNodeData, NodeOrToken};

use pluto_db::modules::parse;

mod strip;

use strip::{kind_of, strip_item, strip_signatures};
pub use strip::{Unstrip, strip_offset, strip_trivia, unstrip};

/// A declaration's number within its file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AstId(pub u32);

/// A declaration anywhere in the program: the stable key of per-declaration queries.
#[salsa::interned(unsafe(no_lifetime), revisions = usize::MAX, debug)]
pub struct Decl {
    #[returns(copy)]
    pub file: SourceFile,
    #[returns(copy)]
    pub ast: AstId,
}

fn is_decl(kind: SyntaxKind) -> bool {
    use SyntaxKind::*;
    matches!(kind, FN | CLASS | ENUM | TRAIT | ERROR_DECL | STAGE | INSTANCE | FIELD | VARIANT | IMPORT)
}

/// Pointers from `AstId`s to the declaration nodes of one parse. Changes on every edit;
/// only the final mapping of diagnostics and syntax lookups read it.
#[derive(Clone, Debug, PartialEq, Eq, salsa::SalsaValue)]
pub struct AstIdMap {
    ptrs: Vec<(SyntaxKind, TextRange)>,
}

impl AstIdMap {
    /// The declaration's range; empty for an id this map does not hold.
    pub fn range(&self, id: AstId) -> TextRange {
        self.ptrs.get(id.0 as usize).map_or_else(TextRange::default, |p| p.1)
    }

    /// The declaration's node in `root`, the tree this map was made from.
    pub fn node(&self, root: &SyntaxNode, id: AstId) -> SyntaxNode {
        let Some(&(kind, range)) = self.ptrs.get(id.0 as usize) else { return root.clone() };
        std::iter::successors(Some(root.clone()), |node| node.child_or_token_at_range(range)?.into_node())
            .find(|node| node.text_range() == range && node.kind() == kind)
            .unwrap_or_else(|| root.clone())
    }

    pub fn len(&self) -> usize {
        self.ptrs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ptrs.is_empty()
    }
}

/// One walk over a file's declarations: their pointers, and a slot per declaration
/// holding its green node. Changes on every edit; the two queries below split it into a
/// part that changes (`ast_id_map`) and one that does not when only bodies were edited
/// (`decl_slots`).
#[salsa::tracked(returns(ref), no_eq)]
fn decl_walk(db: &dyn Db, file: SourceFile) -> (Vec<DeclSlot<'_>>, AstIdMap) {
    let root = parse(db, file).green();
    let nodes = decl_nodes(&root);
    let slots = nodes
        .iter()
        .enumerate()
        .map(|(i, (_, node))| DeclSlot::new(db, AstId(i as u32), SharedGreen((*node).to_owned())))
        .collect();
    (slots, AstIdMap { ptrs: nodes.iter().map(|(range, node)| (kind_of(node.kind()), *range)).collect() })
}

#[salsa::tracked(returns(ref), no_eq)]
pub fn ast_id_map(db: &dyn Db, file: SourceFile) -> AstIdMap {
    decl_walk(db, file).1.clone()
}

/// A declaration's green node, as a tracked field: a reader depends on this one node,
/// whose revision moves only when the declaration itself was edited.
#[salsa::tracked]
struct DeclSlot<'db> {
    ast: AstId,
    #[tracked]
    #[returns(ref)]
    green: SharedGreen,
}

/// The declaration slots of a file, equal across edits that add or remove none.
#[salsa::tracked(returns(ref))]
fn decl_slots(db: &dyn Db, file: SourceFile) -> Vec<DeclSlot<'_>> {
    decl_walk(db, file).0.clone()
}

/// A green node compared by identity first: after an edit elsewhere, reparsing keeps an
/// unchanged declaration's very node, so the comparison salsa makes to keep its slot's
/// revision is one pointer comparison. Different nodes are compared in full (without recursion).
#[derive(Clone, Debug)]
pub struct SharedGreen(pub GreenNode);

impl PartialEq for SharedGreen {
    fn eq(&self, other: &Self) -> bool {
        let mut stack: Vec<(&GreenNodeData, &GreenNodeData)> = vec![(&self.0, &other.0)];
        while let Some((a, b)) = stack.pop() {
            if std::ptr::eq(a, b) {
                continue;
            }
            if a.kind() != b.kind() || a.text_len() != b.text_len() || a.children().len() != b.children().len() {
                return false;
            }
            for (x, y) in a.children().zip(b.children()) {
                match (x, y) {
                    (NodeOrToken::Node(x), NodeOrToken::Node(y)) => stack.push((x, y)),
                    (NodeOrToken::Token(x), NodeOrToken::Token(y)) if x == y => {}
                    _ => return false,
                }
            }
        }
        true
    }
}

impl Eq for SharedGreen {}

/// The green node of one declaration without its trivia: equal across edits that do
/// not change its tokens, since green nodes carry no offsets. It reads the declaration's
/// slot, so an edit in another declaration does not re-run it.
#[salsa::tracked(returns(ref))]
pub fn decl_green(db: &dyn Db, decl: Decl) -> Option<GreenNode> {
    let slot = decl_slots(db, decl.file(db)).get(decl.ast(db).0 as usize)?;
    Some(strip_trivia(&slot.green(db).0))
}

/// A member function's green node as parsed, interned by identity: reparsing an edit in
/// another member keeps this very node, so its signature is found again without being
/// stripped and lowered anew (a stage with thousands of methods re-lowers only the
/// edited one). Two equal nodes at different addresses are merely two entries.
#[salsa::interned]
pub struct MemberFn<'db> {
    #[returns(ref)]
    node: GreenById,
    ast: AstId,
}

/// A green node hashed and compared by address (see `MemberFn`).
#[derive(Clone, Debug)]
pub struct GreenById(GreenNode);

impl PartialEq for GreenById {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq::<GreenNodeData>(&*self.0, &*other.0)
    }
}

impl Eq for GreenById {}

impl std::hash::Hash for GreenById {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        std::ptr::hash::<GreenNodeData, H>(&*self.0, state)
    }
}

/// The signature of one member function, from its own node and its number. Shared, so
/// the item trees of successive edits hold the same allocation.
#[salsa::tracked(returns(ref))]
fn member_fn_sig<'db>(db: &'db dyn Db, member: MemberFn<'db>) -> Option<Arc<FnSig>> {
    let stripped = SyntaxNode::new_root(strip_signatures(&member.node(db).0));
    let lower = Lower { ids: vec![TextSize::from(0)], first: member.ast(db).0, members: Default::default(), db };
    ast::Fn::cast(stripped).map(|f| Arc::new(lower.fn_sig(&f)))
}

/// A syntactic type, as written.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum TypeRef {
    Path {
        segments: Vec<String>,
        args: Vec<TypeRef>,
        range: TextRange,
    },
    Array(Box<TypeRef>, TextRange),
    Nullable(Box<TypeRef>, TextRange),
    Fn {
        params: Vec<TypeRef>,
        ret: Option<Box<TypeRef>>,
        range: TextRange,
    },
    Tuple(Vec<TypeRef>, TextRange),
    /// Left out or unparsable: a syntax error has been reported.
    Missing,
}

impl TypeRef {
    pub fn range(&self) -> TextRange {
        match self {
            TypeRef::Path { range, .. } | TypeRef::Fn { range, .. } => *range,
            TypeRef::Array(_, r) | TypeRef::Nullable(_, r) | TypeRef::Tuple(_, r) => *r,
            TypeRef::Missing => TextRange::default(),
        }
    }

    /// Lowers a syntactic type; ranges become relative to `base`.
    pub fn from_ast(ty: Option<ast::Type>, base: TextSize) -> TypeRef {
        let Some(ty) = ty else { return TypeRef::Missing };
        let range = ty.syntax().text_range() - base;
        match ty {
            ast::Type::PathType(p) => {
                let Some(path) = p.path() else { return TypeRef::Missing };
                let segments: Vec<String> = path.segments().map(|s| s.text()).collect();
                if segments.iter().any(String::is_empty) {
                    return TypeRef::Missing;
                }
                let args = p.generic_args().map(|a| a.types().map(|t| TypeRef::from_ast(Some(t), base)).collect());
                TypeRef::Path { segments, args: args.unwrap_or_default(), range }
            }
            ast::Type::ArrayType(a) => TypeRef::Array(Box::new(TypeRef::from_ast(a.element(), base)), range),
            ast::Type::NullableType(n) => TypeRef::Nullable(Box::new(TypeRef::from_ast(n.inner(), base)), range),
            ast::Type::FnType(f) => TypeRef::Fn {
                params: f.params().map(|t| TypeRef::from_ast(Some(t), base)).collect(),
                ret: f.ret_type().map(|t| Box::new(TypeRef::from_ast(Some(t), base))),
                range,
            },
            ast::Type::TupleType(t) => {
                TypeRef::Tuple(t.elements().map(|e| TypeRef::from_ast(Some(e), base)).collect(), range)
            }
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct GenericParam {
    pub name: String,
    pub bound: Option<TypeRef>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Param {
    pub name: String,
    pub ty: TypeRef,
    /// `mut n: int`: a local copy the body may assign.
    pub is_mut: bool,
    /// Relative to the function.
    pub name_range: TextRange,
}

/// A function or method signature. Ranges are relative to the function's node.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FnSig {
    pub name: String,
    pub ast: AstId,
    pub name_range: TextRange,
    pub is_pub: bool,
    pub is_requires: bool,
    pub is_override: bool,
    /// `Some(is_mut)` when the function declares `self`.
    pub self_param: Option<bool>,
    pub generics: Vec<GenericParam>,
    pub params: Vec<Param>,
    pub ret: Option<TypeRef>,
    pub has_body: bool,
}

/// A field of a class, error or enum variant (or, wrongly, of a stage).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Field {
    pub name: String,
    pub ast: AstId,
    /// Relative to the field's node.
    pub ty: TypeRef,
    pub has_default: bool,
}

/// A bracket dependency. Ranges are relative to the owning class or stage.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Dep {
    pub name: String,
    pub ty: TypeRef,
    pub name_range: TextRange,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Variant {
    pub name: String,
    pub ast: AstId,
    pub fields: Vec<Field>,
}

/// Classes, traits, stage templates, units and instances share this shape; ranges of
/// `deps`, `impls` and `parent` are relative to the item.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Body {
    pub generics: Vec<GenericParam>,
    pub deps: Vec<Dep>,
    pub impls: Vec<TypeRef>,
    pub parent: Option<TypeRef>,
    pub fields: Vec<Field>,
    pub methods: Vec<Arc<FnSig>>,
    /// Declarations nested in the body (errors in stages; anything else is reported).
    pub nested: Vec<Item>,
    /// Whether `[deps]` was written, even if empty.
    pub has_dep_list: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ItemKind {
    Fn(FnSig),
    Class(Body),
    Enum {
        generics: Vec<GenericParam>,
        variants: Vec<Variant>,
    },
    Trait(Body),
    Error(Vec<Field>),
    Stage(Body),
    /// `keyword Name { ... }`: an instance of the template named by `keyword`.
    Instance {
        keyword: String,
        keyword_range: TextRange,
        body: Body,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Item {
    pub name: String,
    pub ast: AstId,
    /// Relative to the item.
    pub name_range: TextRange,
    pub is_pub: bool,
    pub kind: ItemKind,
}

/// What a handle from an earlier revision finds when its declaration is gone: an item
/// and a function signature with no name and no parts, at no declaration.
pub(crate) fn missing_item() -> &'static Item {
    static MISSING: std::sync::OnceLock<Item> = std::sync::OnceLock::new();
    MISSING.get_or_init(|| Item {
        name: String::new(),
        ast: AstId(u32::MAX),
        name_range: TextRange::default(),
        is_pub: false,
        kind: ItemKind::Error(Vec::new()),
    })
}

pub(crate) fn missing_fn() -> &'static FnSig {
    static MISSING: std::sync::OnceLock<FnSig> = std::sync::OnceLock::new();
    MISSING.get_or_init(|| FnSig {
        name: String::new(),
        ast: AstId(u32::MAX),
        name_range: TextRange::default(),
        is_pub: false,
        is_requires: false,
        is_override: false,
        self_param: None,
        generics: Vec::new(),
        params: Vec::new(),
        ret: None,
        has_body: false,
    })
}

impl Item {
    pub fn body(&self) -> Option<&Body> {
        match &self.kind {
            ItemKind::Class(b) | ItemKind::Trait(b) | ItemKind::Stage(b) => Some(b),
            ItemKind::Instance { body, .. } => Some(body),
            _ => None,
        }
    }

    /// The keyword that declares it, for hints that show a declaration (`pub fn`).
    pub fn keyword(&self) -> &str {
        match &self.kind {
            ItemKind::Fn(_) => "fn",
            ItemKind::Class(_) => "class",
            ItemKind::Enum { .. } => "enum",
            ItemKind::Trait(_) => "trait",
            ItemKind::Error(_) => "error",
            ItemKind::Stage(_) => "stage",
            ItemKind::Instance { keyword, .. } => keyword,
        }
    }

    pub fn kind_name(&self) -> &'static str {
        match self.kind {
            ItemKind::Fn(_) => "function",
            ItemKind::Class(_) => "class",
            ItemKind::Enum { .. } => "enum",
            ItemKind::Trait(_) => "trait",
            ItemKind::Error(_) => "error",
            ItemKind::Stage(_) => "stage",
            ItemKind::Instance { .. } => "stage instance",
        }
    }
}

/// An import; the list holds the same imports, in the same order, as
/// `pluto_db::modules::file_imports`, so `ResolvedImport::index` indexes it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Import {
    pub segments: Vec<String>,
    pub ast: AstId,
    /// The path, relative to the import.
    pub path_range: TextRange,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct ItemTree {
    pub imports: Vec<Import>,
    pub items: Vec<Item>,
    /// Where the item or method each `AstId` declares is in `items`.
    slots: Vec<Slot>,
}

/// Where a declaration is in an [`ItemTree`]: a top-level item, an item nested in one, or
/// a method of either.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
enum Slot {
    #[default]
    None,
    Item(ItemPath),
    Method(ItemPath, u32),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct ItemPath {
    top: u32,
    nested: Option<u32>,
}

impl ItemTree {
    fn slot(&self, ast: AstId) -> Slot {
        self.slots.get(ast.0 as usize).copied().unwrap_or_default()
    }

    fn at(&self, path: ItemPath) -> Option<&Item> {
        let top = self.items.get(path.top as usize)?;
        match path.nested {
            None => Some(top),
            Some(n) => top.body()?.nested.get(n as usize),
        }
    }

    /// The item declared by `ast` (top-level or nested).
    pub fn item(&self, ast: AstId) -> Option<&Item> {
        match self.slot(ast) {
            Slot::Item(path) => self.at(path),
            _ => None,
        }
    }

    /// The item that the nested item `ast` is declared in.
    pub fn container(&self, ast: AstId) -> Option<&Item> {
        match self.slot(ast) {
            Slot::Item(ItemPath { top, nested: Some(_) }) => self.items.get(top as usize),
            _ => None,
        }
    }

    /// The method declared by `ast`, and its position among its owner's methods.
    pub fn method(&self, ast: AstId) -> Option<(u32, &FnSig)> {
        match self.slot(ast) {
            Slot::Method(path, m) => Some((m, self.at(path)?.body()?.methods.get(m as usize)?)),
            _ => None,
        }
    }

    /// Fills `slots` from `items`.
    fn index(&mut self) {
        let mut slots = Vec::new();
        let mut put = |ast: AstId, slot: Slot| {
            let i = ast.0 as usize;
            if slots.len() <= i {
                slots.resize(i + 1, Slot::None);
            }
            slots[i] = slot;
        };
        for (top, item) in (0u32..).zip(&self.items) {
            let mut add = |item: &Item, path: ItemPath| {
                put(item.ast, Slot::Item(path));
                for (m, method) in (0u32..).zip(item.body().map(|b| b.methods.as_slice()).unwrap_or_default()) {
                    put(method.ast, Slot::Method(path, m));
                }
            };
            add(item, ItemPath { top, nested: None });
            for (n, nested) in (0u32..).zip(item.body().map(|b| b.nested.as_slice()).unwrap_or_default()) {
                add(nested, ItemPath { top, nested: Some(n) });
            }
        }
        self.slots = slots;
    }
}

#[salsa::tracked(returns(ref))]
pub fn item_tree(db: &dyn Db, file: SourceFile) -> ItemTree {
    let root = parse(db, file).syntax();
    let mut tree = ItemTree::default();
    let mut next_id = 0;
    // Each top-level declaration is lowered from its own stripped copy; `AstId`s follow
    // the same pre-order as `AstIdMap`.
    for node in root.children().filter(|n| is_decl(n.kind())) {
        let (green, members) = strip_item(node.green());
        let mut ids = vec![TextSize::from(0)];
        ids.extend(decl_nodes(&green).iter().map(|(range, _)| range.start()));
        let stripped = SyntaxNode::new_root(green);
        let lower = Lower { ids, first: next_id, members, db };
        next_id += lower.ids.len() as u32;
        let Some(item) = ast::Item::cast(stripped) else { continue };
        match item {
            ast::Item::Import(import) => {
                let Some(path) = import.path() else { continue };
                let segments: Vec<String> = path.segments().map(|s| s.text()).collect();
                if segments.is_empty() || segments.iter().any(String::is_empty) {
                    continue;
                }
                let path_range = path.syntax().text_range() - import.syntax().text_range().start();
                tree.imports.push(Import { segments, ast: lower.id(import.syntax()), path_range });
            }
            other => {
                if let Some(item) = lower.item(other) {
                    tree.items.push(item);
                }
            }
        }
    }
    tree.index();
    tree
}

/// Declarations in `AstId` order, with their ranges relative to `root`: pre-order,
/// descending into member, variant and field lists but never into blocks. `AstIdMap`
/// and the item tree both number by this walk (an explicit stack: nesting is the
/// user's).
fn decl_nodes(root: &GreenNodeData) -> Vec<(TextRange, &GreenNodeData)> {
    let mut out = Vec::new();
    let mut stack = vec![(root.children(), TextSize::from(0))];
    while let Some((children, offset)) = stack.last_mut() {
        let Some(child) = children.next() else {
            stack.pop();
            continue;
        };
        let start = *offset;
        *offset += child.text_len();
        let NodeOrToken::Node(node) = child else { continue };
        let kind = kind_of(node.kind());
        if is_decl(kind) {
            out.push((TextRange::at(start, node.text_len()), node));
        }
        if kind != SyntaxKind::BLOCK
            && (is_decl(kind)
                || matches!(kind, SyntaxKind::MEMBER_LIST | SyntaxKind::VARIANT_LIST | SyntaxKind::FIELD_LIST))
        {
            stack.push((node.children(), start));
        }
    }
    out
}

struct Lower<'db> {
    /// Where the declarations of one stripped top-level item start, in `AstId` order.
    ids: Vec<TextSize>,
    /// The `AstId` of the item itself.
    first: u32,
    /// The member functions left as placeholders by `strip_item`, by offset.
    members: HashMap<TextSize, GreenNode>,
    db: &'db dyn Db,
}

impl Lower<'_> {
    fn id(&self, node: &SyntaxNode) -> AstId {
        let index = self.ids.binary_search(&node.text_range().start());
        // Declarations never share a start offset, so the search finds exactly this node.
        AstId(index.map_or(u32::MAX, |i| self.first + i as u32))
    }

    fn item(&self, item: ast::Item) -> Option<Item> {
        let node = item.syntax().clone();
        let base = node.text_range().start();
        let ast = self.id(&node);
        let is_pub = node.children_with_tokens().any(|t| t.kind() == SyntaxKind::PUB_KW);
        let (name, name_range) = match &item {
            ast::Item::Fn(it) => name_of(it.name(), base),
            ast::Item::Class(it) => name_of(it.name(), base),
            ast::Item::Enum(it) => name_of(it.name(), base),
            ast::Item::Trait(it) => name_of(it.name(), base),
            ast::Item::ErrorDecl(it) => name_of(it.name(), base),
            ast::Item::Stage(it) => name_of(it.name(), base),
            ast::Item::Instance(it) => name_of(it.name(), base),
            ast::Item::Import(_) => return None,
        };
        let kind = match item {
            ast::Item::Fn(f) => ItemKind::Fn(self.fn_sig(&f)),
            ast::Item::Class(c) => {
                let mut body = self.body(&c, base);
                body.generics = generics(c.generic_params(), base);
                body.impls = c
                    .impl_clause()
                    .map(|i| i.traits().map(|t| TypeRef::from_ast(Some(t), base)).collect())
                    .unwrap_or_default();
                body.deps = deps(c.dep_list(), base);
                body.has_dep_list = c.dep_list().is_some();
                ItemKind::Class(body)
            }
            ast::Item::Trait(t) => {
                let mut body = self.body(&t, base);
                body.generics = generics(t.generic_params(), base);
                ItemKind::Trait(body)
            }
            ast::Item::Stage(s) => {
                let mut body = self.body(&s, base);
                body.generics = generics(s.generic_params(), base);
                body.deps = deps(s.dep_list(), base);
                body.has_dep_list = s.dep_list().is_some();
                body.parent = s.parent().map(|p| TypeRef::from_ast(Some(p), base));
                ItemKind::Stage(body)
            }
            ast::Item::Instance(i) => {
                let mut body = self.body(&i, base);
                body.deps = deps(i.dep_list(), base);
                body.has_dep_list = i.dep_list().is_some();
                let (keyword, keyword_range) =
                    i.template().map(|t| (t.text(), t.syntax().text_range() - base)).unwrap_or_default();
                ItemKind::Instance { keyword, keyword_range, body }
            }
            ast::Item::Enum(e) => ItemKind::Enum {
                generics: generics(e.generic_params(), base),
                variants: e
                    .variants()
                    .map(|v| Variant {
                        name: v.name().map(|n| n.text()).unwrap_or_default(),
                        ast: self.id(v.syntax()),
                        fields: v.field_list().map(|l| self.fields(l.fields())).unwrap_or_default(),
                    })
                    .collect(),
            },
            ast::Item::ErrorDecl(e) => {
                ItemKind::Error(e.field_list().map(|l| self.fields(l.fields())).unwrap_or_default())
            }
            ast::Item::Import(_) => return None,
        };
        Some(Item { name, ast, name_range, is_pub, kind })
    }

    fn body(&self, owner: &impl HasMembers, _base: TextSize) -> Body {
        let mut body = Body::default();
        let Some(members) = owner.member_list() else { return body };
        body.fields = self.fields(members.fields());
        for item in members.items() {
            match item {
                ast::Item::Fn(f) => body.methods.push(self.method(&f)),
                other => body.nested.extend(self.item(other)),
            }
        }
        body
    }

    fn fields(&self, fields: impl Iterator<Item = ast::Field>) -> Vec<Field> {
        fields
            .map(|f| {
                let base = f.syntax().text_range().start();
                Field {
                    name: f.name().map(|n| n.text()).unwrap_or_default(),
                    ast: self.id(f.syntax()),
                    ty: TypeRef::from_ast(f.ty(), base),
                    has_default: f.default_value().is_some(),
                }
            })
            .collect()
    }

    /// A member function: a placeholder's signature comes from `member_fn_sig`.
    fn method(&self, f: &ast::Fn) -> Arc<FnSig> {
        let Some(node) = self.members.get(&f.syntax().text_range().start()) else { return Arc::new(self.fn_sig(f)) };
        let member = MemberFn::new(self.db, GreenById(node.clone()), self.id(f.syntax()));
        member_fn_sig(self.db, member).clone().unwrap_or_else(|| Arc::new(self.fn_sig(f)))
    }

    fn fn_sig(&self, f: &ast::Fn) -> FnSig {
        let base = f.syntax().text_range().start();
        let (name, name_range) = name_of(f.name(), base);
        let params = f.param_list();
        FnSig {
            name,
            ast: self.id(f.syntax()),
            name_range,
            is_pub: f.is_pub(),
            is_requires: f.is_requires(),
            is_override: f.is_override(),
            self_param: params.as_ref().and_then(|p| p.self_param()).map(|s| s.is_mut()),
            generics: generics(f.generic_params(), base),
            params: params
                .map(|p| {
                    p.params()
                        .map(|p| {
                            let (name, name_range) = name_of(p.name(), base);
                            Param { name, ty: TypeRef::from_ast(p.ty(), base), is_mut: p.is_mut(), name_range }
                        })
                        .collect()
                })
                .unwrap_or_default(),
            ret: f.ret_type().map(|t| TypeRef::from_ast(Some(t), base)),
            has_body: f.body().is_some(),
        }
    }
}

fn name_of(name: Option<ast::Name>, base: TextSize) -> (String, TextRange) {
    name.map(|n| (n.text(), n.syntax().text_range() - base)).unwrap_or_default()
}

fn generics(list: Option<ast::GenericParamList>, base: TextSize) -> Vec<GenericParam> {
    list.map(|l| {
        l.params()
            .map(|p| GenericParam {
                name: p.name().map(|n| n.text()).unwrap_or_default(),
                bound: p.bound().map(|b| TypeRef::from_ast(Some(b), base)),
            })
            .collect()
    })
    .unwrap_or_default()
}

fn deps(list: Option<ast::DepList>, base: TextSize) -> Vec<Dep> {
    list.map(|l| {
        l.deps()
            .map(|d| {
                let (name, name_range) = name_of(d.name(), base);
                Dep { name, ty: TypeRef::from_ast(d.ty(), base), name_range }
            })
            .collect()
    })
    .unwrap_or_default()
}
