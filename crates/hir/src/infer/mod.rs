//! Type inference and checking of one function body. The query walks the function's
//! `Body` (lowered once from its own trivia-free green node, so an edit elsewhere does
//! not re-run it) and reads signatures, never the file's parse. Everything it reports is
//! located relative to the function. Besides diagnostics it records what error-set inference needs: the calls
//! with how each is handled (`!`, `catch`, or not at all), the errors raised, the
//! closures (each its own error node) and the function values created.
//!
//! This module holds the results, the queries, the checker's state (type variables,
//! scopes and locals); the concerns live in the submodules: `stmt` (blocks and
//! statements), `expr` (expressions), `calls`, `names` (paths, fields, methods,
//! namespaces), `patterns` (and `match`), `narrow` (nullable narrowing), `errors`
//! (`catch`, `?`) and `literals` (struct literals).

mod calls;
mod errors;
mod expr;
mod literals;
mod names;
mod narrow;
mod patterns;
mod stmt;
mod unify;
mod values;

use std::collections::HashMap;
use std::sync::Arc;

use la_arena::ArenaMap;

use pluto_db::{Db, Program, SourceFile};
use pluto_syntax::TextRange;

use crate::body::{
    BindingId, Body, BodySourceMap, BodyWithSourceMap, Expr, ExprId, ExprScopes, Literal, Name, NameSite, Pat, PatId,
    Statement, body_with_source_map,
};

use crate::builtins;
use crate::def_map::{Def, DefMap, ItemLoc, def_map, edit_distance};
use crate::diag::{Loc, SemDiag, codes};
use crate::item_tree::{AstId, ItemKind, TypeRef};
use crate::lower::{AdtData, FnLoc, Signature, TypeScope, adt_data, fn_signature, nested_item};
use crate::ty::Ty;

pub use crate::body::BodyOwner;

/// A closure expression: its body and its number there (in order of appearance).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ClosureLoc {
    pub owner: BodyOwner,
    pub index: u32,
}

/// What a call calls, for error-set inference.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Callee {
    Fn(FnLoc),
    /// A closure written at the call (`((x: int) => f(x)!)(1)`): exactly its own errors.
    Closure(ClosureLoc),
    /// A call through a function value of this (resolved) type: the errors of every
    /// function value of the program that may have this type.
    Value(Ty),
    /// `Task<T>.get()`: the errors of every spawned call that returns a `T`.
    TaskGet(Ty),
    /// A `pub fn` of another deployment unit: its errors plus `NetworkError` and
    /// `DeserializationError`.
    Remote(FnLoc),
    /// A trait method on a value whose class is not known here: the union of the impls.
    Trait(ItemLoc, String),
    /// A call through a local whose every value is known (`values.rs`): exactly the
    /// errors of these (none of them `Value`).
    Values(Vec<Callee>),
    /// A built-in operation and the errors it raises.
    Builtin(Vec<ItemLoc>),
    /// `recv`/`try_recv` on a `Receiver<T>` (`T` resolved) and the errors it raises; if
    /// a unit streams `T`s to other units, also the transport errors of a broken stream.
    Recv(Ty, Vec<ItemLoc>),
}

/// How the errors of a call are dealt with where it is made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Handling {
    /// Not at all: a compile error if the callee can fail.
    None,
    /// `call()!`.
    Propagate,
    /// Inside the expression of `catch` number `n` of this function.
    Catch(usize),
    /// `spawn call()`: the errors surface where the task is awaited.
    Spawn,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CallSite {
    /// The call expression, and its range.
    pub expr: ExprId,
    pub range: TextRange,
    /// The closure (by index) whose body makes the call; `None` for the body itself.
    pub closure: Option<u32>,
    pub callee: Callee,
    pub handling: Handling,
    /// `!` was written on it (even where it has nothing to propagate).
    pub bang: bool,
    /// The type arguments written at the call (`decode<Order>(text)`), if any.
    pub type_args: Vec<Ty>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CatchSite {
    /// The whole `expr catch ...` expression.
    pub range: TextRange,
    /// The caught expression has an error of its own (an unresolved call, say): what it
    /// can raise is unknown, so nothing is said about the handlers.
    pub uncertain: bool,
    /// Typed handlers in order: the error and the handler's type range.
    pub typed: Vec<(ItemLoc, TextRange)>,
    /// Whether an untyped handler or a default value catches everything left.
    pub catch_all: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Raise {
    Error(ItemLoc),
    /// `raise e` of an untyped catch binding: whatever catch `n` caught.
    Caught(usize),
}

/// What a name in a body refers to.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    /// A local variable or parameter of this body.
    Local(BindingId),
    /// A class, enum, error, trait, stage or unit.
    Item(ItemLoc),
    Fn(FnLoc),
    /// A field of a class or error (or of an enum variant), by name.
    Field(ItemLoc, String),
    Variant(ItemLoc, String),
    /// A bracket dependency of the class or stage (chain) `ItemLoc`, by name.
    Dep(ItemLoc, String),
    Module(SourceFile),
}

/// A `raise`, and the closure (by index) whose body it is in.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RaiseSite {
    pub range: TextRange,
    pub raise: Raise,
    pub closure: Option<u32>,
}

/// A local a closure uses from around it, captured by value (`None`: `self`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Capture(pub Option<BindingId>);

/// A function used as a value (not called): a closure, a function or method reference.
/// Calls through function values can run any of these whose type fits.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FnValue {
    pub callee: Callee,
    /// Its type, resolved (type parameters of generic functions stay parameters).
    pub ty: Ty,
}

/// What the names of a body refer to, by where each is written: path and field names
/// (most of them) by expression id, the rest in a short list.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Resolutions {
    exprs: ArenaMap<ExprId, Target>,
    others: Vec<(NameSite, Target)>,
}

impl Resolutions {
    pub fn get(&self, site: NameSite) -> Option<&Target> {
        match site {
            NameSite::Expr(e) => self.exprs.get(e),
            _ => self.others.iter().find(|(s, _)| *s == site).map(|(_, t)| t),
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = (NameSite, &Target)> {
        self.exprs.iter().map(|(e, t)| (NameSite::Expr(e), t)).chain(self.others.iter().map(|(s, t)| (*s, t)))
    }

    /// Records what the name at `site` refers to; the first record of a site stands.
    fn insert(&mut self, site: NameSite, target: Target) {
        match site {
            NameSite::Expr(e) if self.exprs.get(e).is_none() => {
                self.exprs.insert(e, target);
            }
            NameSite::Expr(_) => {}
            _ if self.get(site).is_none() => self.others.push((site, target)),
            _ => {}
        }
    }
}

/// The result of checking one function.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct InferResult {
    pub diagnostics: Vec<SemDiag>,
    /// The type of every expression of the body.
    pub type_of_expr: ArenaMap<ExprId, Ty>,
    /// The type of every local the body declares.
    pub type_of_binding: ArenaMap<BindingId, Ty>,
    /// What each resolved name refers to, by where it is written.
    pub resolutions: Resolutions,
    pub calls: Vec<CallSite>,
    pub catches: Vec<CatchSite>,
    pub raises: Vec<RaiseSite>,
    /// Closures in order of appearance (their index is their `ClosureLoc::index`): the
    /// range of each.
    pub closures: Vec<TextRange>,
    /// What each closure (by index) captures from the bodies around it.
    pub captures: Vec<Vec<Capture>>,
    pub fn_values: Vec<FnValue>,
    /// `spawn f(x)`: what is spawned and the type its task yields.
    pub spawns: Vec<(Callee, Ty)>,
}

#[salsa::tracked(returns(ref))]
pub fn infer_fn(db: &dyn Db, program: Program, f: FnLoc) -> InferResult {
    let sig = f.sig(db);
    let BodyWithSourceMap { body, source_map, scopes } = body_with_source_map(db, BodyOwner::Fn(f));
    let Some(root) = body.root else { return InferResult::default() };
    let map = def_map(db, program);
    let signature = fn_signature(db, program, f);
    let mut cx = Infer::new(
        db,
        program,
        map,
        (body, source_map, scopes),
        f.file(),
        sig.ast,
        f.container(),
        signature,
        &sig.params,
    );
    cx.owner = Some(BodyOwner::Fn(f));
    let body_ty = cx.infer_block(root, Some(&signature.ret.clone()));
    cx.check_return(root, &body_ty, &sig.name);
    cx.finish()
}

/// Checks the default value of field `field` of class `owner` against the field's type.
#[salsa::tracked(returns(ref))]
pub fn infer_field_default(db: &dyn Db, program: Program, owner: ItemLoc, field: u32) -> InferResult {
    let Some(body) = owner.item(db).body() else { return InferResult::default() };
    let Some(decl) = body.fields.get(field as usize) else { return InferResult::default() };
    let BodyWithSourceMap { body, source_map, scopes } =
        body_with_source_map(db, BodyOwner::FieldDefault(owner, field));
    let Some(value) = body.root else { return InferResult::default() };
    let expected = adt_data(db, program, owner).fields.get(field as usize).map_or(Ty::Unknown, |f| f.ty.clone());
    let sig = Signature {
        generics: Vec::new(),
        params: Vec::new(),
        ret: Ty::Void,
        self_param: None,
        diagnostics: Vec::new(),
    };
    let mut cx = Infer::new(
        db,
        program,
        def_map(db, program),
        (body, source_map, scopes),
        owner.file,
        decl.ast,
        Some(owner),
        &sig,
        &[],
    );
    cx.owner = Some(BodyOwner::FieldDefault(owner, field));
    cx.self_ty = None;
    let ty = cx.infer_expr(value, Some(&expected));
    cx.expect_ty(&ty, &expected, cx.range(value));
    cx.finish()
}

struct Local {
    name: String,
    ty: Ty,
    /// The declared type, where narrowing (`if x != none`) made `ty` more precise.
    declared: Option<Ty>,
    mutable: bool,
    used: bool,
    range: TextRange,
    /// Parameters and `_`-prefixed names are never reported unused.
    report_unused: bool,
    /// Narrowed copies point at the local they narrow.
    alias_of: Option<usize>,
    /// The body's declaration of it (none for a parameter without one in the body).
    binding: Option<BindingId>,
}

struct Infer<'a> {
    db: &'a dyn Db,
    program: Program,
    map: &'a DefMap,
    /// The body being checked, and where its parts are.
    body: &'a Body,
    source_map: &'a BodySourceMap,
    /// Which names each expression sees (computed once for the body): a name in the
    /// body resolves through these to its declaration, then to the local declared there.
    expr_scopes: &'a ExprScopes,
    /// The local declared for each of the body's bindings.
    locals_by_decl: ArenaMap<BindingId, usize>,
    /// An integer literal written right after a minus sign (`-9223372036854775808`).
    negated_literal: Option<ExprId>,
    file: SourceFile,
    ast: AstId,
    /// The stage or class the function belongs to.
    container: Option<ItemLoc>,
    /// The unit the function belongs to, if its container is one.
    unit: Option<ItemLoc>,
    self_ty: Option<Ty>,
    self_mut: bool,
    generics: Vec<String>,
    /// Bounds of generic parameters in scope.
    bounds: Vec<(String, Ty)>,
    vars: Vec<Option<Ty>>,
    locals: Vec<Local>,
    scopes: Vec<Vec<usize>>,
    returns: Vec<Ty>,
    loop_depth: u32,
    catch_stack: Vec<usize>,
    /// Catch bindings that are untyped, by local index → the catch they belong to.
    untyped_bindings: Vec<(usize, usize)>,
    /// The function's parameters are the first locals.
    param_count: usize,
    /// The body being checked, to name its closures.
    owner: Option<BodyOwner>,
    /// The closures being checked, innermost last (by index), and for each the number
    /// of locals declared before it (those it captures when it uses them).
    closure_stack: Vec<u32>,
    closure_locals: Vec<usize>,
    /// The expressions that make a function value (a function or method named without a
    /// call, a closure), and which.
    value_exprs: HashMap<ExprId, Callee>,
    /// Calls whose callee is unknown (its type has errors elsewhere): a `catch` around
    /// one cannot tell what it catches.
    unknown_calls: usize,
    result: InferResult,
}

impl<'a> Infer<'a> {
    #[allow(clippy::too_many_arguments)]
    fn new(
        db: &'a dyn Db,
        program: Program,
        map: &'a DefMap,
        (body, source_map, expr_scopes): (&'a Body, &'a BodySourceMap, &'a ExprScopes),
        file: SourceFile,
        ast: AstId,
        container: Option<ItemLoc>,
        sig: &Signature,
        sig_params: &[crate::item_tree::Param],
    ) -> Infer<'a> {
        let unit = container.filter(|c| map.is_unit(*c));
        let mut generics: Vec<String> = Vec::new();
        let self_ty = container.map(|c| {
            let params = crate::lower::item_generics(db, c);
            generics.extend(params.iter().cloned());
            match c.item(db).kind {
                // In a trait's default method, `self` is any implementation.
                ItemKind::Trait(_) => Ty::Trait(c),
                _ => Ty::Adt(c, params.iter().map(|p| Ty::Param(p.as_str().into())).collect()),
            }
        });
        let is_stage =
            container.is_some_and(|c| matches!(c.item(db).kind, ItemKind::Stage(_) | ItemKind::Instance { .. }));
        generics.extend(sig.generics.iter().map(|(n, _)| n.clone()));
        let mut bounds: Vec<(String, Ty)> =
            container.map(|c| adt_data(db, program, c.parent(db).unwrap_or(c)).bounds.clone()).unwrap_or_default();
        bounds.extend(sig.generics.iter().filter_map(|(n, b)| b.clone().map(|b| (n.clone(), b))));
        let mut cx = Infer {
            db,
            program,
            map,
            body,
            source_map,
            expr_scopes,
            locals_by_decl: ArenaMap::default(),
            negated_literal: None,
            value_exprs: HashMap::new(),
            unknown_calls: 0,
            file,
            ast,
            container,
            unit,
            // Inside a stage `self` is implicit; elsewhere a method needs a `self` parameter.
            self_ty: if sig.self_param.is_some() || is_stage { self_ty } else { None },
            self_mut: sig.self_param == Some(true),
            generics,
            bounds,
            vars: Vec::new(),
            locals: Vec::new(),
            scopes: vec![Vec::new()],
            returns: vec![sig.ret.clone()],
            loop_depth: 0,
            catch_stack: Vec::new(),
            untyped_bindings: Vec::new(),
            param_count: 0,
            owner: None,
            closure_stack: Vec::new(),
            closure_locals: Vec::new(),
            result: InferResult::default(),
        };
        for (i, (name, ty)) in sig.params.iter().enumerate() {
            match cx.body.params.get(i) {
                Some(p) => {
                    cx.declare(p.binding, ty.clone(), false);
                }
                None => {
                    let param = sig_params.get(i);
                    let range = param.map(|p| p.name_range).unwrap_or_default();
                    cx.push_local(name, ty.clone(), param.is_some_and(|p| p.is_mut), range, false);
                }
            }
        }
        cx.param_count = cx.locals.len();
        cx
    }

    /// Where expression `e` is, in the declaration's coordinates.
    fn range(&self, e: ExprId) -> TextRange {
        self.source_map.expr_range(e)
    }

    fn pat_range(&self, p: PatId) -> TextRange {
        self.source_map.pat_range(p)
    }

    fn loc(&self, range: TextRange) -> Loc {
        Loc { file: self.file, ast: self.ast, range }
    }

    fn error(&mut self, code: &'static str, range: TextRange, message: impl Into<String>) -> &mut SemDiag {
        self.result.diagnostics.push(SemDiag::error(code, self.loc(range), message));
        self.result.diagnostics.last_mut().unwrap()
    }

    /// A callee with the types it carries resolved.
    fn resolve_callee(&self, callee: &Callee) -> Callee {
        match callee {
            Callee::Value(t) => Callee::Value(self.resolve(t)),
            Callee::TaskGet(t) => Callee::TaskGet(self.resolve(t)),
            Callee::Recv(t, raises) => Callee::Recv(self.resolve(t), raises.clone()),
            other => other.clone(),
        }
    }

    /// The closure of this body numbered `index`.
    fn closure_loc(&self, index: u32) -> Option<ClosureLoc> {
        self.owner.map(|owner| ClosureLoc { owner, index })
    }

    /// Records a function used as a value, made by expression `e`.
    fn fn_value(&mut self, e: ExprId, callee: Callee, ty: &Ty) {
        self.value_exprs.insert(e, callee.clone());
        let value = FnValue { callee, ty: ty.clone() };
        if !self.result.fn_values.contains(&value) {
            self.result.fn_values.push(value);
        }
    }

    fn error_count(&self) -> usize {
        self.result.diagnostics.iter().filter(|d| d.severity == pluto_db::Severity::Error).count()
    }

    fn show(&self, ty: &Ty) -> String {
        self.resolve(ty).display(self.db)
    }

    fn type_scope(&self) -> TypeScope<'a> {
        TypeScope {
            db: self.db,
            map: self.map,
            file: self.file,
            generics: self.generics.clone(),
            container: self.container.map(|c| c.parent(self.db).unwrap_or(c)),
        }
    }

    fn lower_type(&mut self, tref: &TypeRef) -> Ty {
        let mut diags = Vec::new();
        let ty = self.type_scope().lower(tref, self.ast, &mut diags);
        self.result.diagnostics.extend(diags);
        ty
    }

    fn finish(mut self) -> InferResult {
        while !self.scopes.is_empty() {
            self.pop_scope();
        }
        let mut types = std::mem::take(&mut self.result.type_of_expr);
        for (_, t) in types.iter_mut() {
            *t = self.resolve(t);
        }
        self.result.type_of_expr = types;
        let mut bindings = std::mem::take(&mut self.result.type_of_binding);
        for (_, t) in bindings.iter_mut() {
            *t = self.resolve(t);
        }
        self.result.type_of_binding = bindings;
        let values = std::mem::take(&mut self.result.fn_values);
        self.result.fn_values = values.into_iter().map(|v| FnValue { ty: self.resolve(&v.ty), ..v }).collect();
        let spawns = std::mem::take(&mut self.result.spawns);
        self.result.spawns = spawns.into_iter().map(|(c, t)| (self.resolve_callee(&c), self.resolve(&t))).collect();
        let calls = std::mem::take(&mut self.result.calls);
        self.result.calls = calls
            .into_iter()
            .map(|c| CallSite {
                callee: self.resolve_callee(&c.callee),
                type_args: c.type_args.iter().map(|t| self.resolve(t)).collect(),
                ..c
            })
            .collect();
        self.refine_calls_through_locals();
        self.result
    }

    fn push_scope(&mut self) {
        self.scopes.push(Vec::new());
    }

    fn pop_scope(&mut self) {
        let Some(scope) = self.scopes.pop() else { return };
        for index in scope {
            let local = &self.locals[index];
            if local.report_unused && !local.used && local.alias_of.is_none() {
                let diag = SemDiag::warning(
                    codes::UNUSED_VARIABLE,
                    self.loc(local.range),
                    format!("unused variable `{}`", local.name),
                )
                .label("never used")
                .hint(format!("if this is intentional, name it `_{}`", local.name));
                self.result.diagnostics.push(diag);
            }
            let ty = self.resolve(&local.ty);
            if ty.has_vars() && local.alias_of.is_none() {
                let name = local.name.clone();
                let range = local.range;
                self.error(codes::CANNOT_INFER, range, format!("cannot infer the type of `{name}`")).hint =
                    Some(format!("write its type: `let {name}: [int] = ...`, for example"));
            }
        }
    }

    /// Declares local `b` of the body with type `ty` in the current scope.
    fn declare(&mut self, b: BindingId, ty: Ty, report_unused: bool) -> usize {
        let binding = &self.body.bindings[b];
        let index = self.push_local(&binding.name.text, ty, binding.is_mut, binding.name.range, report_unused);
        self.locals[index].binding = Some(b);
        self.locals_by_decl.insert(b, index);
        // The declared name's type, for hovers on declarations.
        self.result.type_of_binding.insert(b, self.locals[index].ty.clone());
        index
    }

    /// A local in the current scope (its type is recorded by the caller, if at all).
    fn push_local(&mut self, name: &str, ty: Ty, mutable: bool, range: TextRange, report_unused: bool) -> usize {
        self.locals.push(Local {
            name: name.to_string(),
            ty,
            declared: None,
            mutable,
            used: false,
            range,
            report_unused: report_unused && !name.starts_with('_'),
            alias_of: None,
            binding: None,
        });
        let index = self.locals.len() - 1;
        self.scopes.last_mut().expect("a scope is always open").push(index);
        index
    }

    /// Declares a narrowed view of local `of` with type `ty` in the current scope.
    fn narrow(&mut self, of: usize, ty: Ty) {
        let original = self.root_local(of);
        let declared = self.locals[original].ty.clone();
        let local = &self.locals[of];
        let (name, mutable, range) = (local.name.clone(), local.mutable, local.range);
        // Not a declaration: the declared name keeps its declared type.
        let index = self.push_local(&name, ty, mutable, range, false);
        self.locals[index].alias_of = Some(original);
        self.locals[index].binding = self.locals[original].binding;
        self.locals[index].declared = Some(declared);
    }

    fn root_local(&self, mut index: usize) -> usize {
        while let Some(of) = self.locals[index].alias_of {
            index = of;
        }
        index
    }

    /// The local that `name`, written in expression `at`, refers to (its narrowed view
    /// where a condition narrowed it): the declaration comes from the body's scopes.
    fn lookup_local(&self, at: ExprId, name: &str) -> Option<usize> {
        let scope = self.expr_scopes.scope_of(at)?;
        let binding = self.expr_scopes.lookup(self.body, scope, name)?;
        let root = *self.locals_by_decl.get(binding)?;
        // The innermost live view of that local.
        self.scopes
            .iter()
            .rev()
            .flat_map(|s| s.iter().rev())
            .copied()
            .find(|&i| i == root || self.locals[i].alias_of == Some(root))
    }

    /// Records that the closures being checked which began after local `root` was
    /// declared capture it (by value).
    fn capture(&mut self, root: usize) {
        if self.closure_stack.is_empty() {
            return;
        }
        let Some(binding) = self.locals[root].binding else { return };
        self.add_capture(Capture(Some(binding)), Some(root));
    }

    /// Records that the closures being checked use `self`.
    fn capture_self(&mut self) {
        if self.closure_stack.is_empty() {
            return;
        }
        self.add_capture(Capture(None), None);
    }

    /// Adds `capture` to each closure being checked that began after local `root` (every
    /// one, for `self`).
    fn add_capture(&mut self, capture: Capture, root: Option<usize>) {
        for (&k, &first) in self.closure_stack.iter().zip(&self.closure_locals) {
            let list = &mut self.result.captures[k as usize];
            if root.is_none_or(|r| r < first) && !list.contains(&capture) {
                list.push(capture);
            }
        }
    }

    fn use_local(&mut self, index: usize) -> Ty {
        let root = self.root_local(index);
        self.capture(root);
        self.locals[root].used = true;
        self.locals[index].used = true;
        self.locals[index].ty.clone()
    }

    fn check_return(&mut self, block: ExprId, body_ty: &Ty, name: &str) {
        let ret = self.returns[0].clone();
        if matches!(ret, Ty::Void | Ty::Unknown) {
            return;
        }
        let body_ty = self.shallow(body_ty);
        if matches!(body_ty, Ty::Never) {
            return;
        }
        if matches!(body_ty, Ty::Void) {
            let shown = self.show(&ret);
            let range = self.body.block_end.unwrap_or_else(|| self.range(block));
            let declared = self.body.ret_type.map(|r| self.loc(r));
            let diag =
                self.error(codes::MISSING_RETURN, range, format!("`{name}` must return a `{shown}` on every path"));
            diag.label = "the function can reach its end without returning".into();
            if let Some(loc) = declared {
                diag.labels.push((loc, format!("`{shown}` declared here")));
            }
            return;
        }
        if let Some(tail) = self.tail_expr(block) {
            self.expect_ty(&body_ty, &ret, self.range(tail));
        }
    }
}

/// What a call resolves to, and the receiver to check for mutability (with whether the
/// method changes it).
type CallTarget = (Option<(Callee, Signature)>, Option<(ExprId, bool)>);

enum Namespace {
    /// A module, and the unit of the same name if there is one.
    Module(SourceFile, Option<ItemLoc>),
    Unit(ItemLoc),
    Enum(ItemLoc),
    Class(ItemLoc),
}

enum Member {
    Fn(Callee, Signature),
    Value(Ty),
}

/// "did you mean `x`?" for the candidate nearest to `name`, if one is close.
fn suggestion(name: &str, candidates: Vec<String>) -> Option<String> {
    candidates
        .into_iter()
        .map(|c| (edit_distance(&c, name), c))
        .filter(|(d, c)| *d <= 2.max(name.len() / 3) && c != name)
        .min()
        .map(|(_, c)| format!("did you mean `{c}`?"))
}

/// "a class", "an error", "an enum".
fn with_article(kind: &str) -> String {
    let article = if kind.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" };
    format!("{article} {kind}")
}
