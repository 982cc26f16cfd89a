//! From written types to semantic ones: type paths resolved in a scope, function
//! signatures, and the fields, variants and dependencies of classes, enums, errors and
//! stages. Each is a query keyed by program and item, so it runs once per program.

use pluto_db::{Db, Program, SourceFile};

use crate::def_map::{Def, DefMap, ItemLoc, def_map, edit_distance};
use crate::diag::{Loc, SemDiag, codes};
use crate::item_tree::{AstId, FnSig, ItemKind, TypeRef, item_tree};
use crate::ty::Ty;

/// A function: a top-level one, or a method of a class, trait, stage or instance (by the
/// method's `AstId`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FnLoc {
    Free(ItemLoc),
    Method(ItemLoc, AstId),
}

impl FnLoc {
    /// The signature; a placeholder (no name, no parameters) when this handle is from an
    /// earlier revision and names no function now, never a panic.
    pub fn sig(self, db: &dyn Db) -> &FnSig {
        let sig = match self {
            FnLoc::Free(loc) => match &loc.item(db).kind {
                ItemKind::Fn(sig) => Some(sig),
                _ => None,
            },
            FnLoc::Method(owner, ast) => item_tree(db, owner.file).method(ast).map(|(_, sig)| sig),
        };
        sig.unwrap_or_else(|| crate::item_tree::missing_fn())
    }

    /// Method `sig` of `owner`.
    pub fn method(owner: ItemLoc, sig: &FnSig) -> FnLoc {
        FnLoc::Method(owner, sig.ast)
    }

    /// A method's position among its owner's methods (its slot in a vtable).
    pub fn method_index(self, db: &dyn Db) -> Option<u32> {
        match self {
            FnLoc::Free(_) => None,
            FnLoc::Method(owner, ast) => item_tree(db, owner.file).method(ast).map(|(i, _)| i),
        }
    }

    pub fn container(self) -> Option<ItemLoc> {
        match self {
            FnLoc::Free(_) => None,
            FnLoc::Method(owner, _) => Some(owner),
        }
    }

    pub fn file(self) -> SourceFile {
        match self {
            FnLoc::Free(loc) | FnLoc::Method(loc, _) => loc.file,
        }
    }

    pub fn name_loc(self, db: &dyn Db) -> Loc {
        let sig = self.sig(db);
        Loc { file: self.file(), ast: sig.ast, range: sig.name_range }
    }

    /// `Owner.name` or `name`, for messages.
    pub fn display(self, db: &dyn Db) -> String {
        match self.container() {
            Some(owner) => format!("{}.{}", owner.item(db).name, self.sig(db).name),
            None => self.sig(db).name.clone(),
        }
    }
}

/// Resolves written types in one place of the program.
pub struct TypeScope<'a> {
    pub db: &'a dyn Db,
    pub map: &'a DefMap,
    pub file: SourceFile,
    /// Generic parameters in scope, innermost last.
    pub generics: Vec<String>,
    /// The item whose nested declarations are in scope (a stage's errors).
    pub container: Option<ItemLoc>,
}

const BUILTIN_TYPES: &[&str] =
    &["int", "float", "bool", "string", "byte", "bytes", "void", "Array", "Map", "Set", "Sender", "Receiver", "Task"];

impl TypeScope<'_> {
    pub fn lower(&self, tref: &TypeRef, owner: AstId, diags: &mut Vec<SemDiag>) -> Ty {
        let loc = |range| Loc { file: self.file, ast: owner, range };
        match tref {
            TypeRef::Missing => Ty::Unknown,
            TypeRef::Array(t, _) => Ty::array(self.lower(t, owner, diags)),
            TypeRef::Nullable(t, _) => Ty::nullable(self.lower(t, owner, diags)),
            TypeRef::Tuple(ts, _) => Ty::Tuple(ts.iter().map(|t| self.lower(t, owner, diags)).collect()),
            TypeRef::Fn { params, ret, .. } => Ty::func(
                params.iter().map(|t| self.lower(t, owner, diags)).collect(),
                ret.as_ref().map_or(Ty::Void, |r| self.lower(r, owner, diags)),
            ),
            TypeRef::Path { segments, args, range } => {
                let args: Vec<Ty> = args.iter().map(|t| self.lower(t, owner, diags)).collect();
                let written = segments.join(".");
                let arity = |n: usize, diags: &mut Vec<SemDiag>| {
                    if args.len() != n {
                        diags.push(
                            SemDiag::error(
                                codes::WRONG_TYPE_ARGS,
                                loc(*range),
                                format!(
                                    "`{written}` takes {n} type argument{}, found {}",
                                    if n == 1 { "" } else { "s" },
                                    args.len()
                                ),
                            )
                            .label("wrong number of type arguments"),
                        );
                        false
                    } else {
                        true
                    }
                };
                if let [name] = segments.as_slice() {
                    if self.generics.iter().any(|g| g == name) {
                        return Ty::Param(name.as_str().into());
                    }
                    let one = |diags: &mut Vec<SemDiag>| if arity(1, diags) { args[0].clone() } else { Ty::Unknown };
                    match name.as_str() {
                        "int" | "float" | "bool" | "string" | "byte" | "bytes" | "void" => {
                            arity(0, diags);
                            return match name.as_str() {
                                "int" => Ty::Int,
                                "float" => Ty::Float,
                                "bool" => Ty::Bool,
                                "string" => Ty::Str,
                                "byte" => Ty::Byte,
                                "bytes" => Ty::Bytes,
                                _ => Ty::Void,
                            };
                        }
                        "Array" => return Ty::array(one(diags)),
                        "Set" => return Ty::Set(one(diags).into()),
                        "Sender" => return Ty::Sender(one(diags).into()),
                        "Receiver" => return Ty::Receiver(one(diags).into()),
                        "Task" => return Ty::Task(one(diags).into()),
                        "Map" => {
                            return if arity(2, diags) {
                                Ty::Map(args[0].clone().into(), args[1].clone().into())
                            } else {
                                Ty::Unknown
                            };
                        }
                        _ => {}
                    }
                }
                match self.resolve_type_path(segments) {
                    Some(item) => {
                        let target = item.item(self.db);
                        match &target.kind {
                            ItemKind::Trait(_) => Ty::Trait(item),
                            ItemKind::Fn(_) => {
                                diags.push(
                                    SemDiag::error(
                                        codes::UNKNOWN_TYPE,
                                        loc(*range),
                                        format!("`{written}` is a function, not a type"),
                                    )
                                    .label("expected a type"),
                                );
                                Ty::Unknown
                            }
                            _ => {
                                let n = generic_count(&target.kind);
                                if arity(n, diags) { Ty::Adt(item, args.into()) } else { Ty::Unknown }
                            }
                        }
                    }
                    // Its import failed and was reported: nothing more to say.
                    None if self.map.is_unresolved_import(self.file, &segments[0]) => Ty::Unknown,
                    None if let Some(item) = self.private_item(segments) => {
                        diags.push(self.private_diag(item, &written, loc(*range)));
                        Ty::Unknown
                    }
                    None => {
                        let mut diag =
                            SemDiag::error(codes::UNKNOWN_TYPE, loc(*range), format!("unknown type `{written}`"))
                                .label("not found in this scope");
                        if let Some(suggestion) = self.suggest_type(&written) {
                            diag = diag.hint(format!("did you mean `{suggestion}`?"));
                        }
                        diags.push(diag);
                        Ty::Unknown
                    }
                }
            }
        }
    }

    /// A type-like item named by a path: `Order`, `http.Router`, `orders.OrderNotFound`.
    pub fn resolve_type_path(&self, segments: &[String]) -> Option<ItemLoc> {
        let db = self.db;
        if let [name] = segments
            && let Some(container) = self.container
            && let Some(nested) = nested_item(db, container, name)
        {
            return Some(nested);
        }
        if let Some(item) = crate::def_map::resolve_item_path(db, self.map, self.file, self.container, segments) {
            return Some(item);
        }
        // `unit.Error`: an error declared in a deployment unit.
        if let [unit, name] = segments
            && let Some(unit) = self.map.unit(unit)
        {
            return nested_item(db, unit, name);
        }
        None
    }

    /// An item a path names that is not visible here because it is not `pub` in its
    /// module: `lib.Secret` for `class Secret` in lib.pluto.
    pub fn private_item(&self, segments: &[String]) -> Option<ItemLoc> {
        let (first, rest) = segments.split_first()?;
        let mut def = self.map.resolve_in(self.db, self.file, self.container, first)?;
        for segment in rest {
            def = match def {
                Def::Module(module) => *self.map.scope(module)?.names.get(segment)?,
                Def::Item(_) => return None,
            };
        }
        match def {
            Def::Item(item) if !item.item(self.db).is_pub && item.file != self.file => Some(item),
            _ => None,
        }
    }

    /// The error for a private item named from another module.
    pub fn private_diag(&self, item: ItemLoc, written: &str, loc: Loc) -> SemDiag {
        let declared = item.item(self.db);
        SemDiag::error(codes::PRIVATE_ITEM, loc, format!("`{written}` is private to its module"))
            .label("not `pub`")
            .with(item.name_loc(self.db), "declared here without `pub`")
            .hint(format!("mark it `pub {}` to use it from other modules", declared.keyword()))
    }

    fn suggest_type(&self, written: &str) -> Option<String> {
        let mut names: Vec<String> = BUILTIN_TYPES.iter().map(|s| s.to_string()).collect();
        for scope in [self.map.scope(self.file), self.map.scope(self.map.prelude)].into_iter().flatten() {
            for (name, def) in &scope.names {
                if let Def::Item(loc) = def
                    && !matches!(loc.item(self.db).kind, ItemKind::Fn(_))
                {
                    names.push(name.clone());
                }
            }
        }
        names.into_iter().map(|n| (edit_distance(&n, written), n)).filter(|(d, _)| *d <= 2).min().map(|(_, n)| n)
    }
}

/// An item declared inside another (an error in a stage), by name.
pub fn nested_item(db: &dyn Db, container: ItemLoc, name: &str) -> Option<ItemLoc> {
    let body = container.item(db).body()?;
    let nested = body.nested.iter().find(|n| n.name == name)?;
    Some(ItemLoc::of(container.file, nested))
}

fn generic_count(kind: &ItemKind) -> usize {
    match kind {
        ItemKind::Class(b) | ItemKind::Trait(b) | ItemKind::Stage(b) => b.generics.len(),
        ItemKind::Enum { generics, .. } => generics.len(),
        _ => 0,
    }
}

/// The generic parameter names of an item.
pub fn item_generics(db: &dyn Db, loc: ItemLoc) -> Vec<String> {
    match &loc.item(db).kind {
        ItemKind::Class(b) | ItemKind::Trait(b) | ItemKind::Stage(b) => {
            b.generics.iter().map(|g| g.name.clone()).collect()
        }
        ItemKind::Enum { generics, .. } => generics.iter().map(|g| g.name.clone()).collect(),
        _ => Vec::new(),
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Signature {
    /// The function's own generic parameters and their bounds.
    pub generics: Vec<(String, Option<Ty>)>,
    pub params: Vec<(String, Ty)>,
    pub ret: Ty,
    pub self_param: Option<bool>,
    pub diagnostics: Vec<SemDiag>,
}

impl Signature {
    /// The signature of calling a value of type `fn(params) ret`.
    pub fn of_value(params: &[Ty], ret: &Ty) -> Signature {
        Signature {
            generics: Vec::new(),
            params: params.iter().map(|t| (String::new(), t.clone())).collect(),
            ret: ret.clone(),
            self_param: None,
            diagnostics: Vec::new(),
        }
    }

    pub fn fn_ty(&self) -> Ty {
        Ty::func(self.params.iter().map(|(_, t)| t.clone()).collect(), self.ret.clone())
    }
}

/// The signatures of every function of a file: one query per file rather than per
/// function keeps the number of memoized results (and the work of re-validating them
/// after an edit) small.
#[salsa::tracked(returns(ref))]
pub fn file_signatures(db: &dyn Db, program: Program, file: SourceFile) -> Vec<(FnLoc, Signature)> {
    file_functions(db, file).into_iter().map(|f| (f, signature_of(db, program, f))).collect()
}

/// The signature of a function, from its file's signatures (which are in
/// `file_functions` order, sorted by `order_key`).
pub fn fn_signature(db: &dyn Db, program: Program, f: FnLoc) -> &Signature {
    static MISSING: std::sync::OnceLock<Signature> = std::sync::OnceLock::new();
    let all = file_signatures(db, program, f.file());
    match all.binary_search_by_key(&order_key(f), |(g, _)| order_key(*g)) {
        Ok(i) => &all[i].1,
        // A handle from an earlier revision whose function is gone.
        Err(_) => MISSING.get_or_init(|| Signature {
            generics: Vec::new(),
            params: Vec::new(),
            ret: Ty::Unknown,
            self_param: None,
            diagnostics: Vec::new(),
        }),
    }
}

/// Where a function comes in `file_functions`: its declaration's position in the file.
fn order_key(f: FnLoc) -> AstId {
    match f {
        FnLoc::Free(loc) => loc.ast,
        FnLoc::Method(_, ast) => ast,
    }
}

fn signature_of(db: &dyn Db, program: Program, f: FnLoc) -> Signature {
    let map = def_map(db, program);
    let sig = f.sig(db);
    let mut generics = f.container().map(|c| item_generics(db, c.parent(db).unwrap_or(c))).unwrap_or_default();
    generics.extend(sig.generics.iter().map(|g| g.name.clone()));
    let scope = TypeScope { db, map, file: f.file(), generics, container: f.container() };
    let mut diagnostics = Vec::new();
    let own_generics = sig
        .generics
        .iter()
        .map(|g| (g.name.clone(), g.bound.as_ref().map(|b| scope.lower(b, sig.ast, &mut diagnostics))))
        .collect();
    let params = sig.params.iter().map(|p| (p.name.clone(), scope.lower(&p.ty, sig.ast, &mut diagnostics))).collect();
    let ret = sig.ret.as_ref().map_or(Ty::Void, |r| scope.lower(r, sig.ast, &mut diagnostics));
    Signature { generics: own_generics, params, ret, self_param: sig.self_param, diagnostics }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FieldTy {
    pub name: String,
    pub ty: Ty,
    pub has_default: bool,
    pub ast: AstId,
}

/// The data of a class, enum, error or stage, with written types resolved.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct AdtData {
    pub generics: Vec<String>,
    /// Trait bounds of generic parameters (`class Shelf<T: Label>`).
    pub bounds: Vec<(String, Ty)>,
    pub fields: Vec<FieldTy>,
    pub variants: Vec<(String, Vec<FieldTy>)>,
    /// Bracket dependencies; for stages, merged along the whole chain.
    pub deps: Vec<(String, Ty)>,
    pub impls: Vec<Ty>,
    pub diagnostics: Vec<SemDiag>,
}

#[salsa::tracked(returns(ref))]
pub fn adt_data(db: &dyn Db, program: Program, loc: ItemLoc) -> AdtData {
    let map = def_map(db, program);
    let item = loc.item(db);
    let generics = item_generics(db, loc);
    let scope = TypeScope {
        db,
        map,
        file: loc.file,
        generics: generics.clone(),
        container: Some(loc.parent(db).unwrap_or(loc)),
    };
    let mut data = AdtData { generics, ..AdtData::default() };
    let mut diags = Vec::new();
    let written_generics = match &item.kind {
        ItemKind::Class(b) | ItemKind::Trait(b) | ItemKind::Stage(b) => b.generics.as_slice(),
        ItemKind::Enum { generics, .. } => generics.as_slice(),
        _ => &[],
    };
    for g in written_generics {
        if let Some(bound) = &g.bound {
            data.bounds.push((g.name.clone(), scope.lower(bound, item.ast, &mut diags)));
        }
    }
    let lower_fields = |fields: &[crate::item_tree::Field], diags: &mut Vec<SemDiag>| -> Vec<FieldTy> {
        fields
            .iter()
            .map(|f| FieldTy {
                name: f.name.clone(),
                ty: scope.lower(&f.ty, f.ast, diags),
                has_default: f.has_default,
                ast: f.ast,
            })
            .collect()
    };
    match &item.kind {
        ItemKind::Class(body) => {
            data.fields = lower_fields(&body.fields, &mut diags);
            data.deps = body.deps.iter().map(|d| (d.name.clone(), scope.lower(&d.ty, item.ast, &mut diags))).collect();
            data.impls = body.impls.iter().map(|t| scope.lower(t, item.ast, &mut diags)).collect();
        }
        ItemKind::Error(fields) => data.fields = lower_fields(fields, &mut diags),
        ItemKind::Enum { variants, .. } => {
            data.variants = variants.iter().map(|v| (v.name.clone(), lower_fields(&v.fields, &mut diags))).collect();
        }
        ItemKind::Stage(_) | ItemKind::Instance { .. } => {
            // Deps of every level of the chain, nearest first; the same name twice must
            // have the same type.
            for level in map.chain(loc) {
                let level_item = level.item(db);
                let Some(body) = level_item.body() else { continue };
                let level_scope = TypeScope { db, map, file: level.file, generics: Vec::new(), container: Some(level) };
                for dep in &body.deps {
                    let mut level_diags = Vec::new();
                    let ty = level_scope.lower(&dep.ty, level_item.ast, &mut level_diags);
                    if level == loc {
                        diags.extend(level_diags);
                    }
                    match data.deps.iter().find(|(n, _)| *n == dep.name) {
                        Some((_, existing)) if *existing != ty && !ty.is_unknown() && !existing.is_unknown() => {
                            diags.push(
                                SemDiag::error(
                                    codes::DEP_CONFLICT,
                                    loc.name_loc(db),
                                    format!(
                                        "dependency `{}` is declared as `{}` and as `{}` along the stage chain",
                                        dep.name,
                                        existing.display(db),
                                        ty.display(db)
                                    ),
                                )
                                .with(
                                    Loc { file: level.file, ast: level_item.ast, range: dep.name_range },
                                    "declared here",
                                ),
                            );
                        }
                        Some(_) => {}
                        None => data.deps.push((dep.name.clone(), ty)),
                    }
                }
            }
        }
        _ => {}
    }
    data.diagnostics = diags;
    data
}

/// Every function and method of the program.
pub fn all_functions(db: &dyn Db, program: Program) -> Vec<FnLoc> {
    pluto_db::modules::module_graph(db, program).modules.iter().flat_map(|m| file_functions(db, m.file)).collect()
}

/// Every function and method declared in a file.
pub fn file_functions(db: &dyn Db, file: SourceFile) -> Vec<FnLoc> {
    fn add(item: &crate::item_tree::Item, loc: ItemLoc, out: &mut Vec<FnLoc>) {
        match &item.kind {
            ItemKind::Fn(_) => out.push(FnLoc::Free(loc)),
            _ => {
                if let Some(body) = item.body() {
                    out.extend(body.methods.iter().map(|m| FnLoc::method(loc, m)));
                }
            }
        }
    }
    let mut out = Vec::new();
    for item in item_tree(db, file).items.iter() {
        add(item, ItemLoc::of(file, item), &mut out);
        // Items nested in a body (only errors are allowed there, but a broken file can
        // nest anything) are reachable by name, so their functions are checked too.
        for nested in item.body().map(|b| b.nested.as_slice()).unwrap_or_default() {
            add(nested, ItemLoc::of(file, nested), &mut out);
        }
    }
    out.sort_by_key(|f| order_key(*f));
    out
}
