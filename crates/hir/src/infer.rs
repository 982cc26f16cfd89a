//! Type inference and checking of one function body. The query reads the function's own
//! green node (which has no offsets) and signatures, never the file's parse, so an edit
//! elsewhere does not re-run it. Everything it reports is located relative to the
//! function. Besides diagnostics it records what error-set inference needs: the calls
//! with how each is handled (`!`, `catch`, or not at all) and the errors raised.

use std::sync::Arc;

use pluto_db::{Db, Program, SourceFile};
use pluto_syntax::ast::{self, AstNode, HasName};
use pluto_syntax::{SyntaxKind, SyntaxNode, TextRange};

use crate::builtins;
use crate::def_map::{Def, DefMap, ItemLoc, def_map, edit_distance};
use crate::diag::{Loc, SemDiag, codes};
use crate::item_tree::{AstId, Decl, ItemKind, TypeRef, decl_green};
use crate::lower::{AdtData, FnLoc, Signature, TypeScope, adt_data, fn_signature, nested_item};
use crate::ty::Ty;

/// The body a closure is written in: a function's, or a field default's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BodyOwner {
    Fn(FnLoc),
    FieldDefault(ItemLoc, u32),
}

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
    /// A built-in operation and the errors it raises.
    Builtin(Vec<ItemLoc>),
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
    pub range: TextRange,
    /// The closure (by index) whose body makes the call; `None` for the body itself.
    pub closure: Option<u32>,
    pub callee: Callee,
    pub handling: Handling,
    /// `!` was written on it (even where it has nothing to propagate).
    pub bang: bool,
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
    /// A local variable or parameter: the range of its declaring name, in this body.
    Local(TextRange),
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

/// A function used as a value (not called): a closure, a function or method reference.
/// Calls through function values can run any of these whose type fits.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FnValue {
    pub callee: Callee,
    /// Its type, resolved (type parameters of generic functions stay parameters).
    pub ty: Ty,
}

/// The result of checking one function.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct InferResult {
    pub diagnostics: Vec<SemDiag>,
    /// The type of every expression, by range relative to the function.
    pub expr_types: Vec<(TextRange, Ty)>,
    /// What each resolved name refers to, by the name's range.
    pub resolutions: Vec<(TextRange, Target)>,
    pub calls: Vec<CallSite>,
    pub catches: Vec<CatchSite>,
    pub raises: Vec<RaiseSite>,
    /// Closures in order of appearance (their index is their `ClosureLoc::index`): the
    /// range of each.
    pub closures: Vec<TextRange>,
    pub fn_values: Vec<FnValue>,
    /// `spawn f(x)`: what is spawned and the type its task yields.
    pub spawns: Vec<(Callee, Ty)>,
}

#[salsa::tracked(returns(ref))]
pub fn infer_fn(db: &dyn Db, program: Program, f: FnLoc) -> InferResult {
    let sig = f.sig(db);
    let Some(green) = decl_green(db, Decl::new(db, f.file(), sig.ast)) else { return InferResult::default() };
    let root = SyntaxNode::new_root(green.clone());
    let Some(func) = ast::Fn::cast(root) else { return InferResult::default() };
    let Some(body) = func.body() else { return InferResult::default() };
    let map = def_map(db, program);
    let signature = fn_signature(db, program, f);
    let mut cx = Infer::new(db, program, map, f.file(), sig.ast, f.container(), signature, &sig.params);
    cx.owner = Some(BodyOwner::Fn(f));
    let body_ty = cx.infer_block(&body, Some(&signature.ret.clone()));
    cx.check_return(&body, &body_ty, &func);
    cx.finish()
}

/// Checks the default value of field `field` of class `owner` against the field's type.
#[salsa::tracked(returns(ref))]
pub fn infer_field_default(db: &dyn Db, program: Program, owner: ItemLoc, field: u32) -> InferResult {
    let Some(body) = owner.item(db).body() else { return InferResult::default() };
    let Some(decl) = body.fields.get(field as usize) else { return InferResult::default() };
    let Some(green) = decl_green(db, Decl::new(db, owner.file, decl.ast)) else { return InferResult::default() };
    let Some(value) = ast::Field::cast(SyntaxNode::new_root(green.clone())).and_then(|f| f.default_value()) else {
        return InferResult::default();
    };
    let expected = adt_data(db, program, owner).fields.get(field as usize).map_or(Ty::Unknown, |f| f.ty.clone());
    let sig = Signature {
        generics: Vec::new(),
        params: Vec::new(),
        ret: Ty::Void,
        self_param: None,
        diagnostics: Vec::new(),
    };
    let mut cx = Infer::new(db, program, def_map(db, program), owner.file, decl.ast, Some(owner), &sig, &[]);
    cx.owner = Some(BodyOwner::FieldDefault(owner, field));
    cx.self_ty = None;
    let ty = cx.infer_expr(&value, Some(&expected));
    cx.expect_ty(&ty, &expected, value.syntax().text_range());
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
}

struct Infer<'a> {
    db: &'a dyn Db,
    program: Program,
    map: &'a DefMap,
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
    /// The closures being checked, innermost last (by index).
    closure_stack: Vec<u32>,
    result: InferResult,
}

impl<'a> Infer<'a> {
    #[allow(clippy::too_many_arguments)]
    fn new(
        db: &'a dyn Db,
        program: Program,
        map: &'a DefMap,
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
            container.map(|c| adt_data(db, program, c.parent().unwrap_or(c)).bounds.clone()).unwrap_or_default();
        bounds.extend(sig.generics.iter().filter_map(|(n, b)| b.clone().map(|b| (n.clone(), b))));
        let mut cx = Infer {
            db,
            program,
            map,
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
            result: InferResult::default(),
        };
        for (i, (name, ty)) in sig.params.iter().enumerate() {
            let param = sig_params.get(i);
            let range = param.map(|p| p.name_range).unwrap_or_default();
            cx.declare(name, ty.clone(), param.is_some_and(|p| p.is_mut), range, false);
        }
        cx.param_count = cx.locals.len();
        cx
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
            other => other.clone(),
        }
    }

    /// The closure of this body numbered `index`.
    fn closure_loc(&self, index: u32) -> Option<ClosureLoc> {
        self.owner.map(|owner| ClosureLoc { owner, index })
    }

    /// Records a function used as a value.
    fn fn_value(&mut self, callee: Callee, ty: &Ty) {
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
            container: self.container.map(|c| c.parent().unwrap_or(c)),
        }
    }

    fn lower_type(&mut self, ty: Option<ast::Type>) -> Ty {
        let tref = TypeRef::from_ast(ty, 0.into());
        let mut diags = Vec::new();
        let ty = self.type_scope().lower(&tref, self.ast, &mut diags);
        self.result.diagnostics.extend(diags);
        ty
    }

    fn finish(mut self) -> InferResult {
        while !self.scopes.is_empty() {
            self.pop_scope();
        }
        let types = std::mem::take(&mut self.result.expr_types);
        self.result.expr_types = types.into_iter().map(|(r, t)| (r, self.resolve(&t))).collect();
        let values = std::mem::take(&mut self.result.fn_values);
        self.result.fn_values = values.into_iter().map(|v| FnValue { ty: self.resolve(&v.ty), ..v }).collect();
        let spawns = std::mem::take(&mut self.result.spawns);
        self.result.spawns = spawns.into_iter().map(|(c, t)| (self.resolve_callee(&c), self.resolve(&t))).collect();
        let calls = std::mem::take(&mut self.result.calls);
        self.result.calls =
            calls.into_iter().map(|c| CallSite { callee: self.resolve_callee(&c.callee), ..c }).collect();
        self.result
    }

    // ---- type variables -----------------------------------------------------------------

    fn fresh(&mut self) -> Ty {
        self.vars.push(None);
        Ty::Var(self.vars.len() as u32 - 1)
    }

    fn shallow(&self, ty: &Ty) -> Ty {
        let mut ty = ty.clone();
        while let Ty::Var(v) = ty {
            match &self.vars[v as usize] {
                Some(t) => ty = t.clone(),
                None => break,
            }
        }
        ty
    }

    fn resolve(&self, ty: &Ty) -> Ty {
        ty.map(&mut |t| match t {
            Ty::Var(_) => {
                let s = self.shallow(t);
                if matches!(s, Ty::Var(_)) { Some(s) } else { Some(self.resolve(&s)) }
            }
            _ => None,
        })
    }

    fn unify(&mut self, a: &Ty, b: &Ty) -> bool {
        let (a, b) = (self.shallow(a), self.shallow(b));
        match (&a, &b) {
            (Ty::Unknown, _) | (_, Ty::Unknown) => true,
            (Ty::Var(x), Ty::Var(y)) if x == y => true,
            (Ty::Var(x), other) | (other, Ty::Var(x)) => {
                let mut occurs = false;
                self.resolve(other).walk(&mut |t| occurs |= *t == Ty::Var(*x));
                if occurs {
                    return false;
                }
                self.vars[*x as usize] = Some(other.clone());
                true
            }
            (Ty::Array(x), Ty::Array(y))
            | (Ty::Set(x), Ty::Set(y))
            | (Ty::Nullable(x), Ty::Nullable(y))
            | (Ty::Sender(x), Ty::Sender(y))
            | (Ty::Receiver(x), Ty::Receiver(y))
            | (Ty::Task(x), Ty::Task(y)) => self.unify(x, y),
            (Ty::Map(k1, v1), Ty::Map(k2, v2)) => self.unify(k1, k2) & self.unify(v1, v2),
            (Ty::Tuple(xs), Ty::Tuple(ys)) => {
                xs.len() == ys.len() && xs.iter().zip(ys.iter()).all(|(x, y)| self.unify(x, y))
            }
            (Ty::Adt(l1, xs), Ty::Adt(l2, ys)) => {
                l1 == l2 && xs.len() == ys.len() && xs.iter().zip(ys.iter()).all(|(x, y)| self.unify(x, y))
            }
            (Ty::Fn(p1, r1), Ty::Fn(p2, r2)) => {
                p1.len() == p2.len() && p1.iter().zip(p2.iter()).all(|(x, y)| self.unify(x, y)) && self.unify(r1, r2)
            }
            _ => a == b,
        }
    }

    /// Whether a value of type `actual` can be used where `expected` is wanted: equal
    /// types, `never`, a value for a nullable, a class for a trait it implements.
    fn coerces(&mut self, actual: &Ty, expected: &Ty) -> bool {
        let (actual, expected) = (self.shallow(actual), self.shallow(expected));
        match (&actual, &expected) {
            (Ty::Never, _) | (Ty::Unknown, _) | (_, Ty::Unknown) => true,
            (Ty::Nullable(a), Ty::Nullable(e)) => self.unify(a, e),
            (a, Ty::Nullable(e)) if !matches!(a, Ty::Var(_)) => self.coerces(a, &e.clone()),
            (Ty::Adt(class, _), Ty::Trait(t)) => self.implements(*class, *t),
            (Ty::Param(p), Ty::Trait(t)) => self.bound_of(p).is_some_and(|b| b == Ty::Trait(*t)),
            _ => self.unify(&actual, &expected),
        }
    }

    fn implements(&self, class: ItemLoc, tr: ItemLoc) -> bool {
        adt_data(self.db, self.program, class).impls.contains(&Ty::Trait(tr))
    }

    fn bound_of(&self, param: &str) -> Option<Ty> {
        self.bounds.iter().find(|(n, _)| n == param).map(|(_, b)| b.clone())
    }

    /// Checks that `actual` fits `expected`, reporting a mismatch at `range`.
    fn expect_ty(&mut self, actual: &Ty, expected: &Ty, range: TextRange) {
        if !self.coerces(actual, expected) {
            let (e, a) = (self.show(expected), self.show(actual));
            let diag = self.error(codes::TYPE_MISMATCH, range, format!("expected `{e}`, found `{a}`"));
            diag.label = format!("this is `{a}`");
            if (a == "int" && e == "float") || (a == "float" && e == "int") {
                diag.hint = Some(format!("convert it with `as {e}`"));
            }
        }
    }

    // ---- scopes and locals --------------------------------------------------------------

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

    fn declare(&mut self, name: &str, ty: Ty, mutable: bool, range: TextRange, report_unused: bool) -> usize {
        let index = self.push_local(name, ty, mutable, range, report_unused);
        if !range.is_empty() {
            // The declared name's type, for hovers on declarations.
            self.result.expr_types.push((range, self.locals[index].ty.clone()));
        }
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
        self.locals[index].declared = Some(declared);
    }

    fn root_local(&self, mut index: usize) -> usize {
        while let Some(of) = self.locals[index].alias_of {
            index = of;
        }
        index
    }

    fn lookup_local(&self, name: &str) -> Option<usize> {
        self.scopes.iter().rev().flat_map(|s| s.iter().rev()).copied().find(|&i| self.locals[i].name == name)
    }

    fn use_local(&mut self, index: usize) -> Ty {
        let root = self.root_local(index);
        self.locals[root].used = true;
        self.locals[index].used = true;
        self.locals[index].ty.clone()
    }

    // ---- blocks and statements ----------------------------------------------------------

    /// The type of a block: its tail expression's, `never` if it always leaves early, or
    /// `void`.
    fn infer_block(&mut self, block: &ast::Block, expected: Option<&Ty>) -> Ty {
        self.push_scope();
        let statements: Vec<ast::Stmt> = block.statements().collect();
        let mut diverged = false;
        let mut result = Ty::Void;
        for (i, stmt) in statements.iter().enumerate() {
            if diverged {
                let range = stmt.syntax().text_range();
                self.result.diagnostics.push(
                    SemDiag::warning(codes::UNREACHABLE_CODE, self.loc(range), "unreachable code")
                        .label("this is never executed"),
                );
                break;
            }
            let is_tail = i + 1 == statements.len();
            let ty = match stmt {
                ast::Stmt::ExprStmt(s) if is_tail => match s.expr() {
                    Some(e) => self.infer_expr(&e, expected),
                    None => Ty::Void,
                },
                _ => self.infer_stmt(stmt),
            };
            if matches!(self.shallow(&ty), Ty::Never) {
                diverged = true;
            }
            if is_tail {
                result = ty;
            }
        }
        self.pop_scope();
        if diverged { Ty::Never } else { result }
    }

    fn infer_stmt(&mut self, stmt: &ast::Stmt) -> Ty {
        match stmt {
            ast::Stmt::LetStmt(s) => {
                let annotation = s.ty().map(|t| self.lower_type(Some(t)));
                let init = s.initializer();
                let ty = match (&init, &annotation) {
                    (Some(e), Some(a)) => {
                        let t = self.infer_expr(e, Some(a));
                        self.expect_ty(&t, a, e.syntax().text_range());
                        a.clone()
                    }
                    (Some(e), None) => {
                        let t = self.infer_expr(e, None);
                        if matches!(self.shallow(&t), Ty::Void) {
                            self.error(codes::TYPE_MISMATCH, e.syntax().text_range(), "this expression has no value")
                                .label = "`void`".into();
                            Ty::Unknown
                        } else {
                            t
                        }
                    }
                    (None, Some(a)) => a.clone(),
                    (None, None) => Ty::Unknown,
                };
                let diverges = matches!(self.shallow(&ty), Ty::Never);
                if let Some(pattern) = s.pattern() {
                    self.bind_pattern(&pattern, &ty, true);
                }
                if diverges { Ty::Never } else { Ty::Void }
            }
            ast::Stmt::ExprStmt(s) => {
                let Some(e) = s.expr() else { return Ty::Void };
                let ty = self.infer_expr(&e, None);
                self.narrow_after_if(&e, &ty);
                if matches!(self.shallow(&ty), Ty::Never) { Ty::Never } else { Ty::Void }
            }
            ast::Stmt::AssignStmt(s) => {
                self.infer_assign(s);
                Ty::Void
            }
            ast::Stmt::WhileStmt(s) => {
                if let Some(c) = s.condition() {
                    let t = self.infer_expr(&c, Some(&Ty::Bool));
                    self.expect_ty(&t, &Ty::Bool, c.syntax().text_range());
                }
                self.loop_depth += 1;
                self.push_scope();
                if let Some(c) = s.condition() {
                    self.narrow_all(&c, true);
                }
                if let Some(b) = s.body() {
                    self.infer_block(&b, None);
                }
                self.pop_scope();
                self.loop_depth -= 1;
                Ty::Void
            }
            ast::Stmt::ForStmt(s) => {
                let element = match s.iterable() {
                    Some(e) => {
                        let t = self.infer_expr(&e, None);
                        self.element_type(&t, e.syntax().text_range())
                    }
                    None => Ty::Unknown,
                };
                self.push_scope();
                if let Some(p) = s.pattern() {
                    self.bind_pattern(&p, &element, true);
                }
                self.loop_depth += 1;
                if let Some(b) = s.body() {
                    self.infer_block(&b, None);
                }
                self.loop_depth -= 1;
                self.pop_scope();
                Ty::Void
            }
        }
    }

    /// After `if x == none { return }` (or `if x == none || x == 0 { return }`), `x` is
    /// no longer nullable.
    fn narrow_after_if(&mut self, e: &ast::Expr, _ty: &Ty) {
        let ast::Expr::IfExpr(if_expr) = e else { return };
        if if_expr.else_branch().is_some() {
            return;
        }
        let then_diverges = if_expr
            .then_branch()
            .and_then(|b| b.statements().last())
            .is_some_and(|s| self.stmt_diverges_syntactically(&s));
        if then_diverges && let Some(c) = if_expr.condition() {
            self.narrow_all(&c, false);
        }
    }

    fn stmt_diverges_syntactically(&self, stmt: &ast::Stmt) -> bool {
        match stmt {
            ast::Stmt::ExprStmt(s) => {
                matches!(
                    s.expr(),
                    Some(
                        ast::Expr::ReturnExpr(_)
                            | ast::Expr::RaiseExpr(_)
                            | ast::Expr::BreakExpr(_)
                            | ast::Expr::ContinueExpr(_)
                    )
                )
            }
            _ => false,
        }
    }

    /// Narrows, in the current scope, every local that `cond` proves is not `none` when
    /// it evaluates to `when`.
    fn narrow_all(&mut self, cond: &ast::Expr, when: bool) {
        let mut locals = Vec::new();
        self.non_none_when(cond, when, &mut locals);
        for local in locals {
            if let Ty::Nullable(inner) = self.shallow(&self.locals[local].ty) {
                self.narrow(local, (*inner).clone());
            }
        }
    }

    /// The locals that are not `none` when `cond` is `when`: from `x != none`,
    /// `x == none`, `!`, `&&` (when true) and `||` (when false).
    fn non_none_when(&self, cond: &ast::Expr, when: bool, out: &mut Vec<usize>) {
        match cond {
            ast::Expr::ParenExpr(p) => {
                if let Some(inner) = p.expr() {
                    self.non_none_when(&inner, when, out);
                }
            }
            ast::Expr::PrefixExpr(p) if p.op().is_some_and(|t| t.kind() == SyntaxKind::BANG) => {
                if let Some(inner) = p.expr() {
                    self.non_none_when(&inner, !when, out);
                }
            }
            ast::Expr::BinaryExpr(b) => {
                let Some(op) = b.op().map(|t| t.kind()) else { return };
                let (Some(lhs), Some(rhs)) = (b.lhs(), b.rhs()) else { return };
                match op {
                    SyntaxKind::AMP2 if when => {
                        self.non_none_when(&lhs, true, out);
                        self.non_none_when(&rhs, true, out);
                    }
                    SyntaxKind::PIPE2 if !when => {
                        self.non_none_when(&lhs, false, out);
                        self.non_none_when(&rhs, false, out);
                    }
                    SyntaxKind::EQ2 | SyntaxKind::NEQ => {
                        let is_none = |e: &ast::Expr| matches!(e, ast::Expr::Literal(l) if l.token().is_some_and(|t| t.kind() == SyntaxKind::NONE_KW));
                        let local_of = |e: &ast::Expr| match e {
                            ast::Expr::PathExpr(p) => p.name_ref().and_then(|n| self.lookup_local(&n.text())),
                            _ => None,
                        };
                        let local = if is_none(&rhs) {
                            local_of(&lhs)
                        } else if is_none(&lhs) {
                            local_of(&rhs)
                        } else {
                            None
                        };
                        // `x != none` is true, or `x == none` is false.
                        if let Some(local) = local
                            && (op == SyntaxKind::NEQ) == when
                        {
                            out.push(local);
                        }
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }

    fn element_type(&mut self, iterable: &Ty, range: TextRange) -> Ty {
        match self.shallow(iterable) {
            Ty::Array(t) | Ty::Set(t) | Ty::Receiver(t) => (*t).clone(),
            Ty::Map(k, _) => (*k).clone(),
            Ty::Range => Ty::Int,
            Ty::Bytes => Ty::Byte,
            Ty::Unknown | Ty::Never => Ty::Unknown,
            other => {
                let shown = self.show(&other);
                self.error(codes::NOT_ITERABLE, range, format!("`{shown}` cannot be iterated")).hint = Some(
                    "`for` works over arrays, ranges (`0..n`), maps (their keys), sets and channel receivers".into(),
                );
                Ty::Unknown
            }
        }
    }

    fn infer_assign(&mut self, s: &ast::AssignStmt) {
        let Some(target) = s.target() else { return };
        let op = s.op().map(|t| t.kind()).unwrap_or(SyntaxKind::EQ);
        let target_ty = match &target {
            ast::Expr::PathExpr(p) => {
                let name = p.name_ref().map(|n| n.text()).unwrap_or_default();
                match self.lookup_local(&name) {
                    Some(i) => {
                        let root = self.root_local(i);
                        if !self.locals[root].mutable {
                            let range = target.syntax().text_range();
                            let decl = self.loc(self.locals[root].range);
                            let is_param = root < self.param_count;
                            let diag = self.error(
                                codes::IMMUTABLE,
                                range,
                                format!("cannot assign to `{name}`: it is not `mut`"),
                            );
                            diag.label = "assignment to an immutable variable".into();
                            diag.hint = Some(if is_param {
                                format!("declare the parameter as `mut {name}` to assign a local copy")
                            } else {
                                format!("declare it with `let mut {name}`")
                            });
                            diag.labels.push((decl, "declared here".into()));
                        }
                        // Assignment may widen a narrowed variable back to its declared type.
                        self.locals[i].declared.clone().unwrap_or_else(|| self.locals[i].ty.clone())
                    }
                    None => self.infer_expr(&target, None),
                }
            }
            ast::Expr::FieldExpr(fe) => {
                if self.is_self_place(fe.receiver()) && !self.self_mut && self.container_is_class() {
                    let range = target.syntax().text_range();
                    let diag = self.error(
                        codes::IMMUTABLE,
                        range,
                        "cannot change a field of `self` in a method that takes `self`",
                    );
                    diag.hint = Some("take `mut self` to change fields".into());
                }
                self.infer_expr(&target, None)
            }
            ast::Expr::IndexExpr(_) => self.infer_expr(&target, None),
            _ => {
                self.error(codes::MISPLACED, target.syntax().text_range(), "cannot assign to this expression").label =
                    "not a variable, field or index".into();
                self.infer_expr(&target, None);
                Ty::Unknown
            }
        };
        let Some(value) = s.value() else { return };
        let value_ty = self.infer_expr(&value, Some(&target_ty));
        if op == SyntaxKind::EQ {
            self.expect_ty(&value_ty, &target_ty, value.syntax().text_range());
        } else {
            let t = self.shallow(&target_ty);
            let ok = (t.is_numeric() || (t == Ty::Str && op == SyntaxKind::PLUS_EQ)) && self.unify(&t, &value_ty)
                || t.is_unknown();
            if !ok && !value_ty.is_unknown() {
                let (a, b) = (self.show(&target_ty), self.show(&value_ty));
                let op_text = s.op().map(|t| t.text().to_string()).unwrap_or_default();
                self.error(
                    codes::BAD_OPERANDS,
                    s.syntax().text_range(),
                    format!("cannot apply `{op_text}` to `{a}` and `{b}`"),
                );
            }
        }
    }

    fn container_is_class(&self) -> bool {
        self.container.is_some_and(|c| matches!(c.item(self.db).kind, ItemKind::Class(_)))
    }

    /// Whether an expression is `self` or a path into `self`'s own fields. Paths through
    /// an injected dependency (`self.store.x`) are not: dependencies are shared
    /// singletons that the runtime locks, not part of the object.
    fn is_self_place(&self, e: Option<ast::Expr>) -> bool {
        match e {
            Some(ast::Expr::PathExpr(p)) => p.name_ref().is_some_and(|n| n.is_self()),
            Some(ast::Expr::FieldExpr(f)) => {
                let through_dep = matches!(f.receiver(), Some(ast::Expr::PathExpr(p)) if p.name_ref().is_some_and(|n| n.is_self()))
                    && f.name_ref().is_some_and(|n| self.is_dep(&n.text()));
                !through_dep && self.is_self_place(f.receiver())
            }
            Some(ast::Expr::IndexExpr(i)) => self.is_self_place(i.base()),
            _ => false,
        }
    }

    fn is_dep(&self, name: &str) -> bool {
        self.container.is_some_and(|c| adt_data(self.db, self.program, c).deps.iter().any(|(n, _)| n == name))
    }

    // ---- patterns -----------------------------------------------------------------------

    fn bind_pattern(&mut self, pattern: &ast::Pattern, ty: &Ty, report_unused: bool) {
        match pattern {
            ast::Pattern::IdentPat(p) => {
                let Some(name) = p.name() else { return };
                let range = name.syntax().text_range();
                self.declare(&name.text(), ty.clone(), p.is_mut(), range, report_unused);
            }
            ast::Pattern::WildcardPat(_) => {}
            ast::Pattern::TuplePat(p) => {
                let elements: Vec<ast::Pattern> = p.elements().collect();
                let tys = match self.shallow(ty) {
                    Ty::Tuple(ts) if ts.len() == elements.len() => ts.to_vec(),
                    Ty::Unknown => vec![Ty::Unknown; elements.len()],
                    other => {
                        let shown = self.show(&other);
                        self.error(
                            codes::TYPE_MISMATCH,
                            p.syntax().text_range(),
                            format!("expected a tuple of {} elements, found `{shown}`", elements.len()),
                        );
                        vec![Ty::Unknown; elements.len()]
                    }
                };
                for (e, t) in elements.iter().zip(tys) {
                    self.bind_pattern(e, &t, report_unused);
                }
            }
            ast::Pattern::LiteralPat(p) => {
                if let Some(lit) = p.literal() {
                    let t = self.infer_expr(&lit, Some(ty));
                    self.expect_ty(&t, ty, p.syntax().text_range());
                }
            }
            ast::Pattern::VariantPat(p) => self.bind_variant_pattern(p, ty, report_unused),
        }
    }

    /// The variant `name` of enum type `ty`, with its fields (type arguments applied).
    fn variant_of(&self, ty: &Ty, name: &str) -> Option<(ItemLoc, Vec<(String, Ty)>)> {
        let Ty::Adt(loc, args) = self.shallow(ty) else { return None };
        let data = adt_data(self.db, self.program, loc);
        let (_, fields) = data.variants.iter().find(|(n, _)| n == name)?;
        Some((loc, fields.iter().map(|f| (f.name.clone(), f.ty.substitute(&data.generics, &args))).collect()))
    }

    fn bind_variant_pattern(&mut self, p: &ast::VariantPat, ty: &Ty, report_unused: bool) {
        let segments: Vec<String> = p.path().map(|p| p.segments().map(|s| s.text()).collect()).unwrap_or_default();
        let Some(variant) = segments.last() else { return };
        let range = p.syntax().text_range();
        if let Some((enum_loc, _)) = self.variant_of(ty, variant)
            && let Some(last) = p.path().and_then(|p| p.segments().last())
        {
            self.resolve_as(&last, Target::Variant(enum_loc, variant.clone()));
        }
        let Some((_, fields)) = self.variant_of(ty, variant) else {
            if !self.shallow(ty).is_unknown() {
                let shown = self.show(ty);
                self.error(
                    codes::TYPE_MISMATCH,
                    range,
                    format!("`{}` is not a variant of `{shown}`", segments.join(".")),
                )
                .label = "no such variant".into();
            }
            for field in p.fields() {
                if let Some(pat) = field.pattern() {
                    self.bind_pattern(&pat, &Ty::Unknown, report_unused);
                } else if let Some(name) = field.name_ref() {
                    self.declare(&name.text(), Ty::Unknown, false, name.syntax().text_range(), report_unused);
                }
            }
            return;
        };
        for field in p.fields() {
            let Some(name) = field.name_ref() else { continue };
            let field_ty = match fields.iter().find(|(n, _)| *n == name.text()) {
                Some((_, t)) => t.clone(),
                None => {
                    self.error(
                        codes::UNKNOWN_FIELD,
                        name.syntax().text_range(),
                        format!("variant `{variant}` has no field `{}`", name.text()),
                    );
                    Ty::Unknown
                }
            };
            match field.pattern() {
                Some(pat) => self.bind_pattern(&pat, &field_ty, report_unused),
                None => {
                    self.declare(&name.text(), field_ty, false, name.syntax().text_range(), report_unused);
                }
            }
        }
    }

    // ---- expressions --------------------------------------------------------------------

    fn infer_expr(&mut self, e: &ast::Expr, expected: Option<&Ty>) -> Ty {
        let ty = pluto_syntax::ensure_stack(|| self.infer_expr_inner(e, expected));
        self.result.expr_types.push((e.syntax().text_range(), ty.clone()));
        ty
    }

    fn infer_expr_inner(&mut self, e: &ast::Expr, expected: Option<&Ty>) -> Ty {
        match e {
            ast::Expr::Literal(l) => match l.token().map(|t| t.kind()) {
                Some(SyntaxKind::INT_NUMBER) => {
                    self.check_int_literal(l);
                    if let Some(t) = expected.map(|t| self.shallow(t))
                        && matches!(t, Ty::Float | Ty::Byte)
                    {
                        // An integer literal where a float or byte is wanted is one of those.
                        return t;
                    }
                    Ty::Int
                }
                Some(SyntaxKind::FLOAT_NUMBER) => Ty::Float,
                Some(SyntaxKind::TRUE_KW | SyntaxKind::FALSE_KW) => Ty::Bool,
                Some(SyntaxKind::NONE_KW) => match expected.map(|t| self.shallow(t)) {
                    Some(t @ Ty::Nullable(_)) => t,
                    _ => {
                        let v = self.fresh();
                        Ty::nullable(v)
                    }
                },
                _ => Ty::Unknown,
            },
            ast::Expr::StringLit(s) => {
                for part in s.parts() {
                    if let ast::StringPart::Interpolation(i) = part
                        && let Some(e) = i.expr()
                    {
                        let t = self.infer_expr(&e, None);
                        if matches!(self.shallow(&t), Ty::Void) {
                            self.error(
                                codes::TYPE_MISMATCH,
                                e.syntax().text_range(),
                                "cannot interpolate a value of type `void`",
                            );
                        }
                    }
                }
                Ty::Str
            }
            ast::Expr::PathExpr(p) => self.infer_path(p),
            ast::Expr::ParenExpr(p) => p.expr().map_or(Ty::Unknown, |e| self.infer_expr(&e, expected)),
            ast::Expr::TupleExpr(t) => {
                let expected: Vec<Ty> = match expected.map(|t| self.shallow(t)) {
                    Some(Ty::Tuple(ts)) => ts.to_vec(),
                    _ => Vec::new(),
                };
                let tys: Vec<Ty> =
                    t.elements().enumerate().map(|(i, e)| self.infer_expr(&e, expected.get(i))).collect();
                Ty::Tuple(tys.into())
            }
            ast::Expr::ArrayLit(a) => {
                let element = match expected.map(|t| self.shallow(t)) {
                    Some(Ty::Array(t)) => (*t).clone(),
                    _ => self.fresh(),
                };
                for e in a.elements() {
                    let t = self.infer_expr(&e, Some(&element));
                    self.expect_ty(&t, &element, e.syntax().text_range());
                }
                Ty::array(element)
            }
            ast::Expr::MapLit(m) => {
                let ty = self.lower_type(m.ty().map(ast::Type::PathType));
                if let Ty::Map(k, v) = &ty {
                    for entry in m.entries() {
                        if let Some(key) = entry.key() {
                            let t = self.infer_expr(&key, Some(k));
                            self.expect_ty(&t, k, key.syntax().text_range());
                        }
                        if let Some(value) = entry.value() {
                            let t = self.infer_expr(&value, Some(v));
                            self.expect_ty(&t, v, value.syntax().text_range());
                        }
                    }
                }
                ty
            }
            ast::Expr::SetLit(s) => {
                let ty = self.lower_type(s.ty().map(ast::Type::PathType));
                if let Ty::Set(t) = &ty {
                    for e in s.elements() {
                        let et = self.infer_expr(&e, Some(t));
                        self.expect_ty(&et, t, e.syntax().text_range());
                    }
                }
                ty
            }
            ast::Expr::StructLit(s) => self.infer_struct_lit(s, expected),
            ast::Expr::BinaryExpr(b) => self.infer_binary(b),
            ast::Expr::RangeExpr(r) => {
                for e in [r.start(), r.end()].into_iter().flatten() {
                    let t = self.infer_expr(&e, Some(&Ty::Int));
                    self.expect_ty(&t, &Ty::Int, e.syntax().text_range());
                }
                Ty::Range
            }
            ast::Expr::PrefixExpr(p) => {
                let Some(operand) = p.expr() else { return Ty::Unknown };
                let is_not = p.op().is_some_and(|t| t.kind() == SyntaxKind::BANG);
                let t = self.infer_expr(&operand, expected);
                let t = self.shallow(&t);
                if is_not {
                    self.expect_ty(&t, &Ty::Bool, operand.syntax().text_range());
                    Ty::Bool
                } else if t.is_numeric() || t.is_unknown() {
                    t
                } else {
                    let shown = self.show(&t);
                    self.error(
                        codes::BAD_OPERANDS,
                        p.syntax().text_range(),
                        format!("cannot negate a value of type `{shown}`"),
                    );
                    Ty::Unknown
                }
            }
            ast::Expr::PropagateExpr(p) => match p.expr() {
                Some(ast::Expr::CallExpr(call)) => {
                    let t = self.infer_call(&call, Handling::Propagate, expected);
                    self.result.expr_types.push((call.syntax().text_range(), t.clone()));
                    t
                }
                Some(inner) => {
                    let t = self.infer_expr(&inner, expected);
                    self.error(
                        codes::NOTHING_TO_PROPAGATE,
                        p.syntax().text_range(),
                        "`!` applies to a function call",
                    )
                    .hint = Some("write `!` right after the call whose errors should propagate".into());
                    t
                }
                None => Ty::Unknown,
            },
            ast::Expr::TryExpr(t) => self.infer_try(t),
            ast::Expr::CallExpr(call) => self.infer_call(call, self.default_handling(), expected),
            ast::Expr::FieldExpr(f) => self.infer_field(f),
            ast::Expr::IndexExpr(i) => self.infer_index(i),
            ast::Expr::CastExpr(c) => {
                let target = self.lower_type(c.ty());
                let Some(inner) = c.expr() else { return target };
                let from = self.infer_expr(&inner, None);
                let from = self.shallow(&from);
                let ok = (from.is_numeric() && target.is_numeric())
                    || from.is_unknown()
                    || target.is_unknown()
                    || from == target;
                if !ok {
                    let (a, b) = (self.show(&from), self.show(&target));
                    self.error(codes::BAD_CAST, c.syntax().text_range(), format!("cannot cast `{a}` to `{b}`")).hint =
                        Some("`as` converts between `int`, `float` and `byte`".into());
                }
                target
            }
            ast::Expr::IfExpr(i) => self.infer_if(i, expected),
            ast::Expr::MatchExpr(m) => self.infer_match(m, expected),
            ast::Expr::BlockExpr(b) => b.block().map_or(Ty::Void, |b| self.infer_block(&b, expected)),
            ast::Expr::ClosureExpr(c) => self.infer_closure(c, expected),
            ast::Expr::CatchExpr(c) => self.infer_catch(c, expected),
            ast::Expr::SpawnExpr(s) => match s.expr() {
                Some(ast::Expr::CallExpr(call)) => {
                    let t = self.infer_call(&call, Handling::Spawn, None);
                    Ty::Task(Arc::new(t))
                }
                Some(other) => {
                    self.infer_expr(&other, None);
                    self.error(codes::MISPLACED, s.syntax().text_range(), "`spawn` takes a function call");
                    Ty::Unknown
                }
                None => Ty::Unknown,
            },
            ast::Expr::ReturnExpr(r) => {
                let ret = self.returns.last().cloned().unwrap_or(Ty::Void);
                match r.expr() {
                    Some(e) => {
                        let t = self.infer_expr(&e, Some(&ret));
                        if matches!(self.shallow(&ret), Ty::Void) && !matches!(self.shallow(&t), Ty::Void | Ty::Never) {
                            self.error(
                                codes::TYPE_MISMATCH,
                                e.syntax().text_range(),
                                "this function returns nothing",
                            )
                            .hint = Some("declare the return type after the parameters: `fn f() int`".into());
                        } else {
                            self.expect_ty(&t, &ret, e.syntax().text_range());
                        }
                    }
                    None => {
                        if !matches!(self.shallow(&ret), Ty::Void | Ty::Unknown) {
                            let shown = self.show(&ret);
                            self.error(
                                codes::MISSING_RETURN,
                                r.syntax().text_range(),
                                format!("`return` needs a value of type `{shown}`"),
                            );
                        }
                    }
                }
                Ty::Never
            }
            ast::Expr::BreakExpr(b) => {
                if self.loop_depth == 0 {
                    self.error(codes::MISPLACED, b.syntax().text_range(), "`break` outside of a loop");
                }
                Ty::Never
            }
            ast::Expr::ContinueExpr(c) => {
                if self.loop_depth == 0 {
                    self.error(codes::MISPLACED, c.syntax().text_range(), "`continue` outside of a loop");
                }
                Ty::Never
            }
            ast::Expr::RaiseExpr(r) => {
                if let Some(e) = r.expr() {
                    let t = self.infer_expr(&e, None);
                    let range = e.syntax().text_range();
                    match self.shallow(&t) {
                        Ty::Adt(loc, _) if matches!(loc.item(self.db).kind, ItemKind::Error(_)) => {
                            let closure = self.closure_stack.last().copied();
                            self.result.raises.push(RaiseSite {
                                range: r.syntax().text_range(),
                                raise: Raise::Error(loc),
                                closure,
                            });
                        }
                        Ty::AnyError => {
                            let binding = match &e {
                                ast::Expr::PathExpr(p) => p.name_ref().and_then(|n| self.lookup_local(&n.text())),
                                _ => None,
                            };
                            if let Some(catch) = binding
                                .and_then(|b| self.untyped_bindings.iter().find(|(l, _)| *l == b))
                                .map(|(_, c)| *c)
                            {
                                let closure = self.closure_stack.last().copied();
                                self.result.raises.push(RaiseSite {
                                    range: r.syntax().text_range(),
                                    raise: Raise::Caught(catch),
                                    closure,
                                });
                            }
                        }
                        Ty::Unknown => {}
                        other => {
                            let shown = self.show(&other);
                            self.error(
                                codes::NOT_AN_ERROR,
                                range,
                                format!("`raise` needs an error, found `{shown}`"),
                            )
                            .hint = Some("declare one with `error Name { fields }` and raise `Name { ... }`".into());
                        }
                    }
                }
                Ty::Never
            }
        }
    }

    /// `e?`: the value of nullable `e`; when it is `none`, the enclosing function (whose
    /// result must be nullable) returns `none`.
    fn infer_try(&mut self, t: &ast::TryExpr) -> Ty {
        let Some(inner) = t.expr() else { return Ty::Unknown };
        let ty = self.infer_expr(&inner, None);
        let range = t.syntax().text_range();
        let ret = self.returns.last().cloned().unwrap_or(Ty::Void);
        if let Ty::Var(_) = self.shallow(&ret) {
            // A closure whose result is still open: `?` makes it nullable.
            let inner = self.fresh();
            self.unify(&ret, &Ty::nullable(inner));
        }
        if !matches!(self.shallow(&ret), Ty::Nullable(_) | Ty::Unknown) {
            let shown = self.show(&ret);
            let diag = self.error(
                codes::NONE_PROPAGATION,
                range,
                format!("`?` returns `none` early, but this function returns `{shown}`"),
            );
            diag.label = "needs a function whose result is nullable".into();
            diag.hint =
                Some("declare the result nullable (`T?`), or test for `none` with `if x == none { ... }`".into());
        }
        match self.shallow(&ty) {
            Ty::Nullable(inner) => (*inner).clone(),
            Ty::Unknown => Ty::Unknown,
            other => {
                let shown = self.show(&other);
                let diag =
                    self.error(codes::NONE_PROPAGATION, range, format!("`?` needs a nullable value, found `{shown}`"));
                diag.label = "this can never be `none`".into();
                diag.hint = Some("remove the `?`".into());
                other
            }
        }
    }

    /// An integer literal must fit in `int`; `-9223372036854775808` (`i64::MIN`) does.
    fn check_int_literal(&mut self, l: &ast::Literal) {
        let Some(token) = l.token() else { return };
        let parent = l.syntax().parent();
        let negated = parent
            .clone()
            .and_then(ast::PrefixExpr::cast)
            .is_some_and(|p| p.op().is_some_and(|t| t.kind() == SyntaxKind::MINUS))
            || parent.and_then(ast::LiteralPat::cast).is_some_and(|p| p.is_negative());
        let limit = if negated { 1u64 << 63 } else { i64::MAX as u64 };
        match ast::int_literal_value(token.text()) {
            Some(n) if n <= limit => {}
            _ => {
                let diag = self.error(
                    codes::INT_OUT_OF_RANGE,
                    l.syntax().text_range(),
                    format!("integer literal `{}` does not fit in `int`", token.text()),
                );
                diag.label = "larger than 9223372036854775807".into();
                diag.hint = Some("`int` is a signed 64-bit integer; use a `float` for larger numbers".into());
            }
        }
    }

    fn resolve_as(&mut self, name: &ast::NameRef, target: Target) {
        self.result.resolutions.push((name.syntax().text_range(), target));
    }

    /// Records what the receiver of `receiver.member` names when it is a namespace.
    fn record_namespace(&mut self, receiver: &ast::Expr, ns: &Namespace) {
        let name = match receiver {
            ast::Expr::PathExpr(p) => p.name_ref(),
            ast::Expr::FieldExpr(f) => f.name_ref(),
            _ => None,
        };
        let Some(name) = name else { return };
        let target = match ns {
            // `auth.f` with `import auth` and `stage auth` in it: the unit is meant.
            Namespace::Module(_, Some(unit)) => Target::Item(*unit),
            Namespace::Module(file, None) => Target::Module(*file),
            Namespace::Unit(loc) | Namespace::Enum(loc) | Namespace::Class(loc) => Target::Item(*loc),
        };
        self.resolve_as(&name, target);
    }

    /// The declaration a field name of a value of type `ty` refers to.
    fn field_target(&self, ty: &Ty, name: &str) -> Option<Target> {
        let Ty::Adt(loc, _) = ty else { return None };
        let data = adt_data(self.db, self.program, *loc);
        if data.fields.iter().any(|f| f.name == name) {
            return Some(Target::Field(*loc, name.to_string()));
        }
        // A dependency: on the nearest level of the chain that declares it.
        let chain = if self.map.stage(*loc).is_some() { self.map.chain(*loc) } else { vec![*loc] };
        chain
            .into_iter()
            .find(|level| level.item(self.db).body().is_some_and(|b| b.deps.iter().any(|d| d.name == name)))
            .map(|level| Target::Dep(level, name.to_string()))
    }

    fn callee_target(&self, callee: &Callee) -> Option<Target> {
        match callee {
            Callee::Fn(f) | Callee::Remote(f) => Some(Target::Fn(*f)),
            Callee::Trait(tr, name) => {
                let i = tr.item(self.db).body()?.methods.iter().position(|m| m.name == *name)?;
                Some(Target::Fn(FnLoc::Method(*tr, i as u32)))
            }
            Callee::Builtin(_) | Callee::Closure(_) | Callee::Value(_) | Callee::TaskGet(_) => None,
        }
    }

    fn default_handling(&self) -> Handling {
        self.catch_stack.last().map_or(Handling::None, |c| Handling::Catch(*c))
    }

    fn infer_binary(&mut self, b: &ast::BinaryExpr) -> Ty {
        let Some(op) = b.op() else { return Ty::Unknown };
        let kind = op.kind();
        let lhs = b.lhs().map(|e| self.infer_expr(&e, None)).unwrap_or(Ty::Unknown);
        // The right side of `&&` runs only when the left is true, of `||` when it is false.
        let short_circuit = match kind {
            SyntaxKind::AMP2 => Some(true),
            SyntaxKind::PIPE2 => Some(false),
            _ => None,
        };
        self.push_scope();
        if let (Some(when), Some(l)) = (short_circuit, b.lhs()) {
            self.narrow_all(&l, when);
        }
        let rhs = b.rhs().map(|e| self.infer_expr(&e, Some(&lhs))).unwrap_or(Ty::Unknown);
        self.pop_scope();
        let (l, r) = (self.shallow(&lhs), self.shallow(&rhs));
        if l.is_unknown() || r.is_unknown() {
            return match kind {
                SyntaxKind::EQ2
                | SyntaxKind::NEQ
                | SyntaxKind::LT
                | SyntaxKind::LTEQ
                | SyntaxKind::GT
                | SyntaxKind::GTEQ => Ty::Bool,
                SyntaxKind::AMP2 | SyntaxKind::PIPE2 => Ty::Bool,
                _ => Ty::Unknown,
            };
        }
        let op_text = op.text().to_string();
        let bad = |cx: &mut Self, hint: Option<&str>| {
            let (a, c) = (cx.show(&l), cx.show(&r));
            let diag = cx.error(
                codes::BAD_OPERANDS,
                b.syntax().text_range(),
                format!("cannot apply `{op_text}` to `{a}` and `{c}`"),
            );
            diag.hint = hint.map(str::to_string);
            Ty::Unknown
        };
        match kind {
            SyntaxKind::PLUS | SyntaxKind::MINUS | SyntaxKind::STAR | SyntaxKind::SLASH | SyntaxKind::PERCENT => {
                let numeric = l.is_numeric() && self.unify(&l, &r);
                let strings = kind == SyntaxKind::PLUS && l == Ty::Str && r == Ty::Str;
                if numeric || strings {
                    l
                } else if l.is_numeric() && r.is_numeric() {
                    bad(self, Some("convert one side with `as int` or `as float`"))
                } else if kind == SyntaxKind::PLUS && (l == Ty::Str || r == Ty::Str) {
                    bad(self, Some("interpolate instead: \"{a}{b}\""))
                } else {
                    bad(self, None)
                }
            }
            SyntaxKind::LT | SyntaxKind::LTEQ | SyntaxKind::GT | SyntaxKind::GTEQ => {
                if (l.is_numeric() || l == Ty::Str) && self.unify(&l, &r) {
                    Ty::Bool
                } else {
                    bad(self, None);
                    Ty::Bool
                }
            }
            SyntaxKind::EQ2 | SyntaxKind::NEQ => {
                if !(self.coerces(&r, &l) || self.coerces(&l, &r)) {
                    bad(self, None);
                }
                Ty::Bool
            }
            SyntaxKind::AMP2 | SyntaxKind::PIPE2 => {
                if l != Ty::Bool || r != Ty::Bool {
                    bad(self, None);
                }
                Ty::Bool
            }
            _ => {
                if l == Ty::Int && r == Ty::Int {
                    Ty::Int
                } else {
                    bad(self, None)
                }
            }
        }
    }

    fn infer_index(&mut self, i: &ast::IndexExpr) -> Ty {
        let base = i.base().map(|e| self.infer_expr(&e, None)).unwrap_or(Ty::Unknown);
        let index = i.index();
        match self.shallow(&base) {
            Ty::Array(t) => {
                if let Some(ix) = index {
                    let it = self.infer_expr(&ix, Some(&Ty::Int));
                    self.expect_ty(&it, &Ty::Int, ix.syntax().text_range());
                }
                (*t).clone()
            }
            Ty::Map(k, v) => {
                if let Some(ix) = index {
                    let it = self.infer_expr(&ix, Some(&k));
                    self.expect_ty(&it, &k, ix.syntax().text_range());
                }
                (*v).clone()
            }
            Ty::Bytes => {
                if let Some(ix) = index {
                    let it = self.infer_expr(&ix, Some(&Ty::Int));
                    self.expect_ty(&it, &Ty::Int, ix.syntax().text_range());
                }
                Ty::Byte
            }
            Ty::Unknown => {
                if let Some(ix) = index {
                    self.infer_expr(&ix, None);
                }
                Ty::Unknown
            }
            other => {
                if let Some(ix) = index {
                    self.infer_expr(&ix, None);
                }
                let shown = self.show(&other);
                self.error(codes::NOT_INDEXABLE, i.syntax().text_range(), format!("`{shown}` cannot be indexed"))
                    .hint = Some("arrays are indexed by `int`, maps by their key type".into());
                Ty::Unknown
            }
        }
    }

    fn infer_if(&mut self, i: &ast::IfExpr, expected: Option<&Ty>) -> Ty {
        if let Some(c) = i.condition() {
            let t = self.infer_expr(&c, Some(&Ty::Bool));
            self.expect_ty(&t, &Ty::Bool, c.syntax().text_range());
        }
        self.push_scope();
        if let Some(c) = i.condition() {
            self.narrow_all(&c, true);
        }
        let then_ty = i.then_branch().map_or(Ty::Void, |b| self.infer_block(&b, expected));
        self.pop_scope();
        let else_ty = match i.else_branch() {
            None => return Ty::Void,
            Some(branch) => {
                self.push_scope();
                if let Some(c) = i.condition() {
                    self.narrow_all(&c, false);
                }
                let t = match branch {
                    ast::ElseBranch::Block(b) => self.infer_block(&b, expected),
                    ast::ElseBranch::If(nested) => self.infer_expr(&ast::Expr::IfExpr(nested), expected),
                };
                self.pop_scope();
                t
            }
        };
        self.join(then_ty, else_ty, i.syntax().text_range())
    }

    /// The type of two branches: the same type, or the one that does not diverge.
    fn join(&mut self, a: Ty, b: Ty, range: TextRange) -> Ty {
        let (sa, sb) = (self.shallow(&a), self.shallow(&b));
        match (&sa, &sb) {
            (Ty::Never, _) => b,
            (_, Ty::Never) => a,
            (Ty::Void, _) | (_, Ty::Void) => Ty::Void,
            _ => {
                if self.coerces(&sb, &sa) {
                    a
                } else if self.coerces(&sa, &sb) {
                    b
                } else {
                    let (x, y) = (self.show(&a), self.show(&b));
                    self.error(codes::TYPE_MISMATCH, range, format!("branches have different types: `{x}` and `{y}`"));
                    Ty::Unknown
                }
            }
        }
    }

    fn infer_match(&mut self, m: &ast::MatchExpr, expected: Option<&Ty>) -> Ty {
        let scrutinee = m.scrutinee().map(|e| self.infer_expr(&e, None)).unwrap_or(Ty::Unknown);
        let scrutinee = self.shallow(&scrutinee);
        let mut result: Option<Ty> = None;
        let mut covered: Vec<String> = Vec::new();
        let mut catch_all = false;
        let enum_variants: Option<Vec<String>> = match &scrutinee {
            Ty::Adt(loc, _) if matches!(loc.item(self.db).kind, ItemKind::Enum { .. }) => {
                Some(adt_data(self.db, self.program, *loc).variants.iter().map(|(n, _)| n.clone()).collect())
            }
            _ => None,
        };
        for arm in m.arms() {
            self.push_scope();
            if let Some(pattern) = arm.pattern() {
                match &pattern {
                    ast::Pattern::WildcardPat(_) => catch_all = true,
                    ast::Pattern::IdentPat(p) => {
                        let name = p.name().map(|n| n.text()).unwrap_or_default();
                        if enum_variants.as_ref().is_some_and(|v| v.contains(&name)) {
                            covered.push(name);
                        } else {
                            catch_all = true;
                            self.bind_pattern(&pattern, &scrutinee, true);
                        }
                    }
                    ast::Pattern::VariantPat(p) => {
                        if let Some(last) = p.path().and_then(|p| p.segments().last()) {
                            covered.push(last.text());
                        }
                        self.bind_pattern(&pattern, &scrutinee, true);
                    }
                    ast::Pattern::LiteralPat(lit) => {
                        if lit.literal().is_some_and(|l| matches!(&l, ast::Expr::Literal(t) if t.token().is_some_and(|t| matches!(t.kind(), SyntaxKind::TRUE_KW | SyntaxKind::FALSE_KW)))) {
                            covered.push(lit.syntax().text().to_string());
                        }
                        self.bind_pattern(&pattern, &scrutinee, true);
                    }
                    ast::Pattern::TuplePat(_) => self.bind_pattern(&pattern, &scrutinee, true),
                }
            }
            let arm_ty = arm.expr().map_or(Ty::Unknown, |e| self.infer_expr(&e, expected));
            self.pop_scope();
            result = Some(match result {
                None => arm_ty,
                Some(prev) => self.join(prev, arm_ty, arm.syntax().text_range()),
            });
        }
        let exhaustive = catch_all
            || scrutinee.is_unknown()
            || match &enum_variants {
                Some(variants) => variants.iter().all(|v| covered.contains(v)),
                None => {
                    scrutinee == Ty::Bool && covered.iter().any(|c| c == "true") && covered.iter().any(|c| c == "false")
                }
            };
        if !exhaustive {
            let range = m.syntax().text_range();
            let missing = match &enum_variants {
                Some(variants) => {
                    let missing: Vec<String> =
                        variants.iter().filter(|v| !covered.contains(v)).map(|v| format!("`{v}`")).collect();
                    format!("missing {}", missing.join(", "))
                }
                None => format!("a `match` on `{}` needs a `_` arm", self.show(&scrutinee)),
            };
            self.error(codes::NON_EXHAUSTIVE, range, format!("non-exhaustive match: {missing}")).hint =
                Some("add the missing arms, or `_ => ...` for the rest".into());
        }
        result.unwrap_or(Ty::Void)
    }

    fn infer_closure(&mut self, c: &ast::ClosureExpr, expected: Option<&Ty>) -> Ty {
        let expected_params: Vec<Ty> = match expected.map(|t| self.shallow(t)) {
            Some(Ty::Fn(ps, _)) => ps.to_vec(),
            _ => Vec::new(),
        };
        let expected_ret = match expected.map(|t| self.shallow(t)) {
            Some(Ty::Fn(_, r)) => Some((*r).clone()),
            _ => None,
        };
        self.push_scope();
        let mut params = Vec::new();
        if let Some(list) = c.param_list() {
            for (i, p) in list.params().enumerate() {
                let ty = match p.ty() {
                    Some(t) => self.lower_type(Some(t)),
                    None => expected_params.get(i).cloned().unwrap_or_else(|| self.fresh()),
                };
                if let Some(name) = p.name() {
                    self.declare(&name.text(), ty.clone(), p.is_mut(), name.syntax().text_range(), true);
                }
                params.push(ty);
            }
        }
        let ret = expected_ret.clone().unwrap_or_else(|| self.fresh());
        self.returns.push(ret.clone());
        let saved_loops = std::mem::replace(&mut self.loop_depth, 0);
        // The body's calls and raises are the closure's, not the enclosing function's;
        // a `catch` around the closure does not catch what the body raises when called.
        let index = self.result.closures.len() as u32;
        self.result.closures.push(c.syntax().text_range());
        self.closure_stack.push(index);
        let saved_catches = std::mem::take(&mut self.catch_stack);
        let body_ty = c.body().map_or(Ty::Void, |b| self.infer_expr(&b, Some(&ret)));
        self.catch_stack = saved_catches;
        self.closure_stack.pop();
        self.loop_depth = saved_loops;
        self.returns.pop();
        self.pop_scope();
        let ret = match self.shallow(&ret) {
            Ty::Void => Ty::Void,
            r => {
                if !matches!(self.shallow(&body_ty), Ty::Never)
                    && !self.coerces(&body_ty, &r)
                    && expected_ret.is_some()
                    && let Some(b) = c.body()
                {
                    self.expect_ty(&body_ty, &r, b.syntax().text_range());
                }
                r
            }
        };
        let ty = Ty::func(params, ret);
        if let Some(loc) = self.closure_loc(index) {
            self.fn_value(Callee::Closure(loc), &ty);
        }
        ty
    }

    fn infer_catch(&mut self, c: &ast::CatchExpr, expected: Option<&Ty>) -> Ty {
        let index = self.result.catches.len();
        self.result.catches.push(CatchSite {
            range: c.syntax().text_range(),
            uncertain: false,
            typed: Vec::new(),
            catch_all: false,
        });
        self.catch_stack.push(index);
        let errors_before = self.error_count();
        let value_ty = c.expr().map_or(Ty::Unknown, |e| self.infer_expr(&e, expected));
        self.result.catches[index].uncertain = self.error_count() > errors_before;
        self.catch_stack.pop();
        let mut catch_all = false;
        for clause in c.clauses() {
            if catch_all {
                self.error(codes::UNREACHABLE_HANDLER, clause.syntax().text_range(), "this handler is never reached")
                    .hint = Some("an earlier handler already catches every error".into());
            }
            self.push_scope();
            let handler_ty = if let Some(block) = clause.block() {
                match clause.error_type() {
                    Some(t) => {
                        let range = t.syntax().text_range();
                        let ty = self.lower_type(Some(t));
                        match &ty {
                            Ty::Adt(loc, _) if matches!(loc.item(self.db).kind, ItemKind::Error(_)) => {
                                self.result.catches[index].typed.push((*loc, range));
                            }
                            Ty::Unknown => {}
                            other => {
                                let shown = self.show(other);
                                self.error(codes::NOT_AN_ERROR, range, format!("`{shown}` is not an error type"));
                            }
                        }
                        if let Some(name) = clause.name() {
                            self.declare(&name.text(), ty, false, name.syntax().text_range(), false);
                        }
                    }
                    None => {
                        catch_all = true;
                        if let Some(name) = clause.name() {
                            let local =
                                self.declare(&name.text(), Ty::AnyError, false, name.syntax().text_range(), false);
                            self.untyped_bindings.push((local, index));
                        }
                    }
                }
                self.infer_block(&block, Some(&value_ty))
            } else if let Some(default) = clause.default_value() {
                catch_all = true;
                self.infer_expr(&default, Some(&value_ty))
            } else {
                Ty::Unknown
            };
            self.pop_scope();
            if !matches!(self.shallow(&handler_ty), Ty::Never) && !matches!(self.shallow(&value_ty), Ty::Void) {
                let range = clause.syntax().text_range();
                if !self.coerces(&handler_ty, &value_ty) {
                    let (h, v) = (self.show(&handler_ty), self.show(&value_ty));
                    let diag = self.error(
                        codes::TYPE_MISMATCH,
                        range,
                        format!("this handler gives `{h}`, but the expression is `{v}`"),
                    );
                    diag.hint = Some("a handler must produce a value of the caught expression's type, or leave with `return` or `raise`".into());
                }
            }
        }
        self.result.catches[index].catch_all = catch_all;
        value_ty
    }

    // ---- names, fields, calls -----------------------------------------------------------

    /// What a path expression names, other than a local.
    fn resolve_value_name(&self, name: &str) -> Option<Def> {
        if let Some(container) = self.container.map(|c| c.parent().unwrap_or(c))
            && let Some(nested) = nested_item(self.db, container, name)
        {
            return Some(Def::Item(nested));
        }
        self.map.resolve_in(self.db, self.file, self.container, name)
    }

    fn infer_path(&mut self, p: &ast::PathExpr) -> Ty {
        let Some(name_ref) = p.name_ref() else { return Ty::Unknown };
        let range = p.syntax().text_range();
        if name_ref.is_self() {
            return match &self.self_ty {
                Some(t) => t.clone(),
                None => {
                    self.error(codes::SELF_OUTSIDE_METHOD, range, "`self` is only available in methods").hint =
                        Some("add `self` as the first parameter to make this a method".into());
                    Ty::Unknown
                }
            };
        }
        let name = name_ref.text();
        if let Some(local) = self.lookup_local(&name) {
            let declared = self.locals[self.root_local(local)].range;
            self.resolve_as(&name_ref, Target::Local(declared));
            return self.use_local(local);
        }
        let resolved = self.resolve_value_name(&name);
        match resolved {
            Some(Def::Item(loc)) if matches!(loc.item(self.db).kind, ItemKind::Fn(_)) => {
                self.resolve_as(&name_ref, Target::Fn(FnLoc::Free(loc)));
            }
            Some(Def::Item(loc)) => self.resolve_as(&name_ref, Target::Item(loc)),
            Some(Def::Module(file)) => self.resolve_as(&name_ref, Target::Module(file)),
            None => {
                if let Some(unit) = self.map.unit(&name) {
                    self.resolve_as(&name_ref, Target::Item(unit));
                }
            }
        }
        match resolved {
            Some(Def::Item(loc)) => match &loc.item(self.db).kind {
                ItemKind::Fn(_) => {
                    let sig = fn_signature(self.db, self.program, FnLoc::Free(loc)).clone();
                    let ty = self.instantiate(&sig).fn_ty();
                    self.fn_value(Callee::Fn(FnLoc::Free(loc)), &ty);
                    ty
                }
                // An error without fields is its own value: `raise Empty`.
                ItemKind::Error(fields) if fields.is_empty() => Ty::Adt(loc, Arc::from(vec![])),
                _ => {
                    let kind = loc.item(self.db).kind_name();
                    self.error(codes::NOT_A_VALUE, range, format!("`{name}` is {}, not a value", with_article(kind)))
                        .hint = Some(match kind {
                        "class" | "error" => format!("build one with `{name} {{ field: value }}`"),
                        "enum" => format!("name a variant: `{name}.Variant`"),
                        _ => "use one of its members".into(),
                    });
                    Ty::Unknown
                }
            },
            Some(Def::Module(_)) => {
                self.error(codes::NOT_A_VALUE, range, format!("`{name}` is a module, not a value")).hint =
                    Some(format!("name one of its items: `{name}.item`"));
                Ty::Unknown
            }
            None if self.map.unit(&name).is_some() => {
                self.error(codes::NOT_A_VALUE, range, format!("`{name}` is a deployment unit, not a value")).hint =
                    Some(format!("call one of its `pub fn`s: `{name}.f(...)`"));
                Ty::Unknown
            }
            None if name == "print" || name == "chan" => {
                self.error(codes::NOT_A_VALUE, range, format!("`{name}` is a built-in function and must be called"));
                Ty::Unknown
            }
            None => {
                self.unresolved(&name, range);
                Ty::Unknown
            }
        }
    }

    fn unresolved(&mut self, name: &str, range: TextRange) {
        // Its import failed and was reported: nothing more to say.
        if self.map.is_unresolved_import(self.file, name) {
            return;
        }
        let mut candidates: Vec<String> = self.scopes.iter().flatten().map(|&i| self.locals[i].name.clone()).collect();
        if let Some(scope) = self.map.scope(self.file) {
            candidates.extend(scope.names.keys().cloned());
        }
        let suggestion = candidates.into_iter().map(|c| (edit_distance(&c, name), c)).filter(|(d, _)| *d <= 2).min();
        let diag = self.error(codes::UNRESOLVED_NAME, range, format!("cannot find `{name}` in this scope"));
        diag.label = "not found".into();
        if let Some((_, s)) = suggestion {
            diag.hint = Some(format!("did you mean `{s}`?"));
        }
    }

    /// A namespace a field expression's receiver names: a module, a unit, an enum or a
    /// class (for static methods), when it is not shadowed by a local.
    fn namespace_of(&self, receiver: &ast::Expr) -> Option<Namespace> {
        if let ast::Expr::FieldExpr(f) = receiver {
            // `module.Class` or `module.Enum`.
            let inner = f.receiver()?;
            let Namespace::Module(file, _) = self.namespace_of(&inner)? else { return None };
            let name = f.name_ref()?.text();
            let Def::Item(loc) = *self.map.scope(file)?.names.get(&name)? else { return None };
            if !loc.item(self.db).is_pub {
                return None;
            }
            return match loc.item(self.db).kind {
                ItemKind::Enum { .. } => Some(Namespace::Enum(loc)),
                ItemKind::Class(_) => Some(Namespace::Class(loc)),
                _ => None,
            };
        }
        let ast::Expr::PathExpr(p) = receiver else { return None };
        let name_ref = p.name_ref()?;
        if name_ref.is_self() {
            return None;
        }
        let name = name_ref.text();
        if self.lookup_local(&name).is_some() {
            return None;
        }
        let def = self.resolve_value_name(&name);
        let unit = self.map.unit(&name);
        match def {
            Some(Def::Module(file)) => Some(Namespace::Module(file, unit)),
            Some(Def::Item(loc)) => match loc.item(self.db).kind {
                ItemKind::Enum { .. } => Some(Namespace::Enum(loc)),
                ItemKind::Class(_) => Some(Namespace::Class(loc)),
                ItemKind::Stage(_) | ItemKind::Instance { .. } if unit == Some(loc) => Some(Namespace::Unit(loc)),
                _ => None,
            },
            None => unit.map(Namespace::Unit),
        }
    }

    fn infer_field(&mut self, f: &ast::FieldExpr) -> Ty {
        let Some(name_ref) = f.name_ref() else {
            // `x.` while typing: the receiver's type still matters (completion).
            if let Some(receiver) = f.receiver()
                && self.namespace_of(&receiver).is_none()
            {
                self.infer_expr(&receiver, None);
            }
            return Ty::Unknown;
        };
        let name = name_ref.text();
        let range = f.syntax().text_range();
        let Some(receiver) = f.receiver() else { return Ty::Unknown };
        if let Some(ns) = self.namespace_of(&receiver) {
            self.record_namespace(&receiver, &ns);
            let enum_loc = match ns {
                Namespace::Enum(loc) => Some(loc),
                _ => None,
            };
            return match self.namespace_member_of(&receiver, ns, &name, range) {
                Some(Member::Fn(callee, sig)) => {
                    if let Some(target) = self.callee_target(&callee) {
                        self.resolve_as(&name_ref, target);
                    }
                    let ty = self.instantiate(&sig).fn_ty();
                    self.fn_value(callee, &ty);
                    ty
                }
                Some(Member::Value(t)) => {
                    if let Some(loc) = enum_loc {
                        self.resolve_as(&name_ref, Target::Variant(loc, name.clone()));
                    }
                    t
                }
                None => Ty::Unknown,
            };
        }
        let receiver_ty = self.infer_expr(&receiver, None);
        let receiver_ty = self.shallow(&receiver_ty);
        if let Some(t) = self.field_type(&receiver_ty, &name) {
            if let Some(target) = self.field_target(&receiver_ty, &name) {
                self.resolve_as(&name_ref, target);
            }
            return t;
        }
        // A method without a call: a function value bound to its receiver.
        if let Some((callee, sig, _)) = self.method(&receiver_ty, &name) {
            if let Some(target) = self.callee_target(&callee) {
                self.resolve_as(&name_ref, target);
            }
            let ty = sig.fn_ty();
            self.fn_value(callee, &ty);
            return ty;
        }
        if !receiver_ty.is_unknown() {
            self.no_member(&receiver_ty, &name, range, false);
        }
        Ty::Unknown
    }

    fn no_member(&mut self, ty: &Ty, name: &str, range: TextRange, is_call: bool) {
        let shown = self.show(ty);
        let mut names: Vec<String> = builtins::method_names(ty).iter().map(|s| s.to_string()).collect();
        if let Ty::Adt(loc, _) = ty {
            let data = adt_data(self.db, self.program, *loc);
            names.extend(data.fields.iter().map(|f| f.name.clone()));
            names.extend(data.deps.iter().map(|(n, _)| n.clone()));
            if let Some(body) = loc.item(self.db).body() {
                names.extend(body.methods.iter().map(|m| m.name.clone()));
            }
        }
        let suggestion = names.into_iter().map(|c| (edit_distance(&c, name), c)).filter(|(d, _)| *d <= 2).min();
        let (code, what) = if is_call { (codes::UNKNOWN_METHOD, "method") } else { (codes::UNKNOWN_FIELD, "field") };
        let diag = self.error(code, range, format!("`{shown}` has no {what} `{name}`"));
        diag.label = format!("unknown {what}");
        if let Some((_, s)) = suggestion {
            diag.hint = Some(format!("did you mean `{s}`?"));
        }
    }

    /// The type of field `name` of a value of type `ty` (deps count as fields).
    fn field_type(&mut self, ty: &Ty, name: &str) -> Option<Ty> {
        let Ty::Adt(loc, args) = ty else { return None };
        let data = adt_data(self.db, self.program, *loc);
        if let Some(field) = data.fields.iter().find(|f| f.name == name) {
            return Some(field.ty.substitute(&data.generics, args));
        }
        data.deps.iter().find(|(n, _)| n == name).map(|(_, t)| t.clone())
    }

    /// Method `name` of a value of type `ty`: the callee, its signature with type
    /// arguments applied, and whether it needs a mutable receiver.
    fn method(&mut self, ty: &Ty, name: &str) -> Option<(Callee, Signature, bool)> {
        match ty {
            Ty::Adt(loc, args) => {
                // A class's own methods; for stages, the nearest along the chain.
                let chain = if self.map.stage(*loc).is_some() { self.map.chain(*loc) } else { vec![*loc] };
                for owner in chain {
                    let Some(body) = owner.item(self.db).body() else { continue };
                    if let Some(i) = body.methods.iter().position(|m| m.name == name) {
                        let f = FnLoc::Method(owner, i as u32);
                        let mut sig = fn_signature(self.db, self.program, f).clone();
                        let generics = crate::lower::item_generics(self.db, owner);
                        sig.params =
                            sig.params.iter().map(|(n, t)| (n.clone(), t.substitute(&generics, args))).collect();
                        sig.ret = sig.ret.substitute(&generics, args);
                        let mutates = sig.self_param == Some(true);
                        return Some((Callee::Fn(f), sig, mutates));
                    }
                }
                // A default method of a trait the class implements.
                let impls = adt_data(self.db, self.program, *loc).impls.clone();
                impls.iter().find_map(|t| match t {
                    Ty::Trait(tr) => {
                        let body = tr.item(self.db).body()?;
                        let i = body.methods.iter().position(|m| m.name == name && m.has_body)?;
                        let f = FnLoc::Method(*tr, i as u32);
                        Some((Callee::Fn(f), fn_signature(self.db, self.program, f).clone(), false))
                    }
                    _ => None,
                })
            }
            Ty::Trait(tr) => self.trait_method(*tr, name),
            Ty::Param(p) => match self.bound_of(p) {
                Some(Ty::Trait(tr)) => self.trait_method(tr, name),
                _ => None,
            },
            Ty::Task(result) if name == "get" => {
                let sig = Signature::of_value(&[], result);
                Some((Callee::TaskGet((**result).clone()), sig, false))
            }
            _ => {
                let m = builtins::method(ty, name)?;
                let raises = m.raises.iter().filter_map(|e| self.prelude_error(e)).collect();
                let sig = Signature {
                    generics: Vec::new(),
                    params: m.params.into_iter().map(|t| (String::new(), t)).collect(),
                    ret: m.ret,
                    self_param: Some(m.mutates),
                    diagnostics: Vec::new(),
                };
                Some((Callee::Builtin(raises), sig, m.mutates))
            }
        }
    }

    fn trait_method(&mut self, tr: ItemLoc, name: &str) -> Option<(Callee, Signature, bool)> {
        let body = tr.item(self.db).body()?;
        let i = body.methods.iter().position(|m| m.name == name)?;
        let sig = fn_signature(self.db, self.program, FnLoc::Method(tr, i as u32)).clone();
        Some((Callee::Trait(tr, name.to_string()), sig, false))
    }

    fn prelude_error(&self, name: &str) -> Option<ItemLoc> {
        match self.map.scope(self.map.prelude)?.names.get(name)? {
            Def::Item(loc) => Some(*loc),
            Def::Module(_) => None,
        }
    }

    /// A member of a namespace: a function (to call) or a value (an enum variant).
    /// Type arguments written on a namespace receiver: `Maybe<int>` in `Maybe<int>.Nothing`.
    fn explicit_args(&mut self, receiver: &ast::Expr) -> Option<Vec<Ty>> {
        let ast::Expr::PathExpr(p) = receiver else { return None };
        let list = p.generic_args()?;
        Some(list.types().map(|t| self.lower_type(Some(t))).collect())
    }

    /// Type arguments for a generic class or enum named as a namespace: the written
    /// ones (reported when their number is wrong), or fresh variables.
    fn namespace_args(&mut self, loc: ItemLoc, explicit: Option<Vec<Ty>>, range: TextRange) -> Vec<Ty> {
        let generics = crate::lower::item_generics(self.db, loc);
        match explicit {
            Some(args) if args.len() == generics.len() => args,
            Some(args) => {
                let name = loc.item(self.db).name.clone();
                self.error(
                    codes::WRONG_TYPE_ARGS,
                    range,
                    format!("`{name}` takes {} type arguments, found {}", generics.len(), args.len()),
                );
                generics.iter().map(|_| Ty::Unknown).collect()
            }
            None => generics.iter().map(|_| self.fresh()).collect(),
        }
    }

    /// A member of the namespace `receiver` names, with the type arguments written on it.
    fn namespace_member_of(
        &mut self,
        receiver: &ast::Expr,
        ns: Namespace,
        name: &str,
        range: TextRange,
    ) -> Option<Member> {
        let explicit = self.explicit_args(receiver);
        self.namespace_member(ns, name, range, explicit)
    }

    fn namespace_member(
        &mut self,
        ns: Namespace,
        name: &str,
        range: TextRange,
        explicit: Option<Vec<Ty>>,
    ) -> Option<Member> {
        let db = self.db;
        match ns {
            Namespace::Module(file, unit) => {
                let in_module = self.map.scope(file).and_then(|s| s.names.get(name)).copied();
                let in_unit = unit.and_then(|u| self.unit_fn(u, name));
                match (in_module, in_unit) {
                    (Some(_), Some(_)) => {
                        self.error(codes::AMBIGUOUS_NAME, range, format!("`{name}` is ambiguous")).hint = Some(
                            "the module and the deployment unit of the same name both define it: rename one".into(),
                        );
                        None
                    }
                    (None, Some(_)) => self.namespace_member(Namespace::Unit(unit.unwrap()), name, range, None),
                    (Some(Def::Item(loc)), None) => {
                        if !loc.item(db).is_pub {
                            let diag =
                                self.error(codes::PRIVATE_ITEM, range, format!("`{name}` is private to its module"));
                            diag.hint =
                                Some(format!("mark it `pub {}` to use it from other modules", loc.item(db).keyword()));
                            diag.labels.push((loc.name_loc(db), "declared here".into()));
                        }
                        match &loc.item(db).kind {
                            ItemKind::Fn(_) => {
                                let f = FnLoc::Free(loc);
                                Some(Member::Fn(Callee::Fn(f), fn_signature(db, self.program, f).clone()))
                            }
                            _ => {
                                let kind = loc.item(db).kind_name();
                                self.error(
                                    codes::NOT_A_VALUE,
                                    range,
                                    format!("`{name}` is {}, not a value", with_article(kind)),
                                );
                                None
                            }
                        }
                    }
                    (Some(Def::Module(_)), None) => None,
                    (None, None) => {
                        let mut candidates: Vec<String> = self
                            .map
                            .scope(file)
                            .map(|s| {
                                s.names
                                    .iter()
                                    .filter(|(_, d)| matches!(d, Def::Item(l) if l.file == file && l.item(db).is_pub))
                                    .map(|(n, _)| n.clone())
                                    .collect()
                            })
                            .unwrap_or_default();
                        candidates.extend(unit.map(|u| self.unit_fn_names(u)).unwrap_or_default());
                        let hint = suggestion(name, candidates);
                        let diag = self.error(codes::UNRESOLVED_NAME, range, format!("module has no item `{name}`"));
                        diag.label = "not found in the module".into();
                        diag.hint = hint;
                        None
                    }
                }
            }
            Namespace::Unit(unit) => {
                let Some((f, is_pub)) = self.unit_fn(unit, name) else {
                    let unit_name = unit.item(db).name.clone();
                    let hint = suggestion(name, self.unit_fn_names(unit));
                    let diag = self.error(
                        codes::UNRESOLVED_NAME,
                        range,
                        format!("deployment unit `{unit_name}` has no function `{name}`"),
                    );
                    diag.hint = hint;
                    return None;
                };
                let remote = self.unit != Some(unit);
                if remote && !is_pub {
                    let unit_name = unit.item(db).name.clone();
                    let diag =
                        self.error(codes::PRIVATE_REMOTE, range, format!("`{unit_name}.{name}` is not a `pub fn`"));
                    diag.label = "private to its unit".into();
                    diag.hint = Some(format!("only `pub fn`s of `{unit_name}` can be called from other units"));
                    diag.labels.push((f.name_loc(db), "declared here".into()));
                }
                let sig = fn_signature(db, self.program, f).clone();
                Some(Member::Fn(if remote { Callee::Remote(f) } else { Callee::Fn(f) }, sig))
            }
            Namespace::Enum(loc) => {
                let data = adt_data(db, self.program, loc);
                match data.variants.iter().find(|(n, _)| n == name) {
                    Some((_, fields)) if fields.is_empty() => {
                        let args = self.namespace_args(loc, explicit, range);
                        Some(Member::Value(Ty::Adt(loc, args.into())))
                    }
                    Some(_) => {
                        let enum_name = loc.item(db).name.clone();
                        self.error(codes::MISSING_FIELD, range, format!("variant `{enum_name}.{name}` has fields"))
                            .hint = Some(format!("build it with `{enum_name}.{name} {{ field: value }}`"));
                        None
                    }
                    None => {
                        let enum_name = loc.item(db).name.clone();
                        self.error(
                            codes::UNRESOLVED_NAME,
                            range,
                            format!("enum `{enum_name}` has no variant `{name}`"),
                        );
                        None
                    }
                }
            }
            Namespace::Class(loc) => {
                let body = loc.item(db).body()?;
                let Some(i) = body.methods.iter().position(|m| m.name == name) else {
                    let class = loc.item(db).name.clone();
                    self.error(codes::UNKNOWN_METHOD, range, format!("class `{class}` has no function `{name}`"));
                    return None;
                };
                let f = FnLoc::Method(loc, i as u32);
                let sig = fn_signature(db, self.program, f).clone();
                if sig.self_param.is_some() {
                    let class = loc.item(db).name.clone();
                    self.error(codes::NOT_CALLABLE, range, format!("`{class}.{name}` is a method: call it on a value"));
                }
                // Static functions of generic classes get the written type arguments, or
                // fresh ones.
                let generics = crate::lower::item_generics(db, loc);
                let args = self.namespace_args(loc, explicit, range);
                let mut sig = sig;
                sig.params = sig.params.iter().map(|(n, t)| (n.clone(), t.substitute(&generics, &args))).collect();
                sig.ret = sig.ret.substitute(&generics, &args);
                Some(Member::Fn(Callee::Fn(f), sig))
            }
        }
    }

    /// The names of a unit's functions, along its chain.
    fn unit_fn_names(&self, unit: ItemLoc) -> Vec<String> {
        self.map
            .chain(unit)
            .into_iter()
            .filter_map(|owner| owner.item(self.db).body())
            .flat_map(|b| b.methods.iter().map(|m| m.name.clone()))
            .collect()
    }

    /// Function `name` of a unit, anywhere along its chain, and whether it is `pub`.
    fn unit_fn(&self, unit: ItemLoc, name: &str) -> Option<(FnLoc, bool)> {
        for owner in self.map.chain(unit) {
            let body = owner.item(self.db).body()?;
            if let Some(i) = body.methods.iter().position(|m| m.name == name) {
                return Some((FnLoc::Method(owner, i as u32), body.methods[i].is_pub));
            }
        }
        None
    }

    /// The signature with the function's own generic parameters replaced by fresh
    /// inference variables.
    fn instantiate(&mut self, sig: &Signature) -> Signature {
        if sig.generics.is_empty() {
            return sig.clone();
        }
        let names: Vec<String> = sig.generics.iter().map(|(n, _)| n.clone()).collect();
        let args: Vec<Ty> = names.iter().map(|_| self.fresh()).collect();
        Signature {
            generics: Vec::new(),
            params: sig.params.iter().map(|(n, t)| (n.clone(), t.substitute(&names, &args))).collect(),
            ret: sig.ret.substitute(&names, &args),
            self_param: sig.self_param,
            diagnostics: Vec::new(),
        }
    }

    fn infer_call(&mut self, call: &ast::CallExpr, handling: Handling, expected: Option<&Ty>) -> Ty {
        let range = call.syntax().text_range();
        let args: Vec<ast::Expr> = call.args().collect();
        let Some(callee) = call.callee() else { return Ty::Unknown };
        let bang = handling == Handling::Propagate;
        // Built-in functions.
        if let ast::Expr::PathExpr(p) = &callee
            && let Some(name) = p.name_ref().map(|n| n.text())
            && self.lookup_local(&name).is_none()
            && self.resolve_value_name(&name).is_none()
        {
            match name.as_str() {
                "print" => {
                    for a in &args {
                        let t = self.infer_expr(a, None);
                        if matches!(self.shallow(&t), Ty::Void) {
                            self.error(
                                codes::TYPE_MISMATCH,
                                a.syntax().text_range(),
                                "cannot print a value of type `void`",
                            );
                        }
                    }
                    self.check_bang_on_builtin(handling, range);
                    return Ty::Void;
                }
                "chan" => {
                    let element = match p.generic_args().and_then(|g| g.types().next()) {
                        Some(t) => self.lower_type(Some(t)),
                        None => self.fresh(),
                    };
                    if args.len() != 1 {
                        self.error(
                            codes::WRONG_ARG_COUNT,
                            range,
                            format!("`chan` takes 1 argument (the capacity), found {}", args.len()),
                        );
                    }
                    for a in &args {
                        let t = self.infer_expr(a, Some(&Ty::Int));
                        self.expect_ty(&t, &Ty::Int, a.syntax().text_range());
                    }
                    self.check_bang_on_builtin(handling, range);
                    return Ty::Tuple(vec![Ty::Sender(element.clone().into()), Ty::Receiver(element.into())].into());
                }
                _ => {}
            }
        }
        // What is being called.
        let (target, receiver_mut_check): CallTarget = match &callee {
            ast::Expr::FieldExpr(f) => {
                let name = f.name_ref().map(|n| n.text()).unwrap_or_default();
                let name_range = f.syntax().text_range();
                match f.receiver() {
                    Some(receiver) => match self.namespace_of(&receiver) {
                        Some(ns) => match self.namespace_member_of(&receiver, ns, &name, name_range) {
                            Some(Member::Fn(c, sig)) => (Some((c, sig)), None),
                            Some(Member::Value(t)) => {
                                let shown = self.show(&t);
                                self.error(codes::NOT_CALLABLE, range, format!("`{shown}` is not a function"));
                                (None, None)
                            }
                            None => (None, None),
                        },
                        None => {
                            let rt = self.infer_expr(&receiver, None);
                            let rt = self.shallow(&rt);
                            // A field holding a function value is called like a method.
                            if let Some(Ty::Fn(ps, r)) = self.field_type(&rt, &name) {
                                let callee = Callee::Value(Ty::Fn(ps.clone(), r.clone()));
                                (Some((callee, Signature::of_value(&ps, &r))), None)
                            } else {
                                match self.method(&rt, &name) {
                                    Some((c, sig, mutates)) => {
                                        let sig = self.instantiate(&sig);
                                        (Some((c, sig)), Some((receiver.clone(), mutates)))
                                    }
                                    None => {
                                        if !rt.is_unknown() {
                                            self.no_member(&rt, &name, name_range, true);
                                        }
                                        (None, None)
                                    }
                                }
                            }
                        }
                    },
                    None => (None, None),
                }
            }
            ast::Expr::PathExpr(p)
                if p.name_ref().is_some_and(|n| !n.is_self() && self.lookup_local(&n.text()).is_none()) =>
            {
                let name = p.name_ref().map(|n| n.text()).unwrap_or_default();
                if let Some(target) = self.implicit_self_call(&name, range) {
                    target
                } else {
                    match self.resolve_value_name(&name) {
                        Some(Def::Item(loc)) if matches!(loc.item(self.db).kind, ItemKind::Fn(_)) => {
                            let f = FnLoc::Free(loc);
                            let sig = fn_signature(self.db, self.program, f).clone();
                            let explicit: Vec<Ty> = p
                                .generic_args()
                                .map(|g| g.types().map(|t| self.lower_type(Some(t))).collect())
                                .unwrap_or_default();
                            let sig = if explicit.is_empty() {
                                self.instantiate(&sig)
                            } else {
                                let names: Vec<String> = sig.generics.iter().map(|(n, _)| n.clone()).collect();
                                if names.len() != explicit.len() {
                                    self.error(
                                        codes::WRONG_TYPE_ARGS,
                                        p.syntax().text_range(),
                                        format!(
                                            "`{name}` takes {} type arguments, found {}",
                                            names.len(),
                                            explicit.len()
                                        ),
                                    );
                                }
                                Signature {
                                    generics: Vec::new(),
                                    params: sig
                                        .params
                                        .iter()
                                        .map(|(n, t)| (n.clone(), t.substitute(&names, &explicit)))
                                        .collect(),
                                    ret: sig.ret.substitute(&names, &explicit),
                                    self_param: None,
                                    diagnostics: Vec::new(),
                                }
                            };
                            (Some((Callee::Fn(f), sig)), None)
                        }
                        _ => {
                            let t = self.infer_expr(&callee, None);
                            self.fn_value_target(&t, range)
                        }
                    }
                }
            }
            other => {
                let t = self.infer_expr(other, None);
                match self.closure_called_directly(other) {
                    Some(loc) => match self.shallow(&t) {
                        Ty::Fn(ps, r) => (Some((Callee::Closure(loc), Signature::of_value(&ps, &r))), None),
                        _ => self.fn_value_target(&t, range),
                    },
                    None => self.fn_value_target(&t, range),
                }
            }
        };
        // Record what the callee's names refer to, for the IDE.
        match &callee {
            ast::Expr::FieldExpr(f) => {
                if let Some(receiver) = f.receiver()
                    && let Some(ns) = self.namespace_of(&receiver)
                {
                    self.record_namespace(&receiver, &ns);
                }
                if let (Some(name_ref), Some((c, _))) = (f.name_ref(), &target)
                    && let Some(t) = self.callee_target(c)
                {
                    self.resolve_as(&name_ref, t);
                }
            }
            ast::Expr::PathExpr(p) => {
                if let (Some(name_ref), Some((Callee::Fn(f), _))) = (p.name_ref(), &target)
                    && self.lookup_local(&name_ref.text()).is_none()
                {
                    self.resolve_as(&name_ref, Target::Fn(*f));
                }
            }
            _ => {}
        }
        let Some((callee_ref, sig)) = target else {
            for a in &args {
                self.infer_expr(a, None);
            }
            return Ty::Unknown;
        };
        if let Some((receiver, true)) = receiver_mut_check {
            self.check_mutating_receiver(&receiver);
        }
        if sig.params.len() != args.len() {
            let n = sig.params.len();
            let diag = self.error(
                codes::WRONG_ARG_COUNT,
                range,
                format!(
                    "this function takes {n} argument{}, but {} {} given",
                    if n == 1 { "" } else { "s" },
                    args.len(),
                    if args.len() == 1 { "was" } else { "were" }
                ),
            );
            diag.label = "wrong number of arguments".into();
        }
        for (i, a) in args.iter().enumerate() {
            match sig.params.get(i) {
                Some((_, pt)) => {
                    let t = self.infer_expr(a, Some(pt));
                    self.expect_ty(&t, pt, a.syntax().text_range());
                }
                None => {
                    self.infer_expr(a, None);
                }
            }
        }
        if let Some(expected) = expected
            && sig.ret.has_vars()
        {
            let _ = self.coerces(&sig.ret, expected);
        }
        if handling == Handling::Spawn {
            self.result.spawns.push((callee_ref.clone(), sig.ret.clone()));
        }
        let closure = self.closure_stack.last().copied();
        self.result.calls.push(CallSite { range, closure, callee: callee_ref, handling, bang });
        sig.ret
    }

    /// Inside a stage, `exists(id)` calls the stage's own (or inherited) method with the
    /// implicit `self`; a module item of the same name makes the call ambiguous.
    fn implicit_self_call(&mut self, name: &str, range: TextRange) -> Option<CallTarget> {
        let self_ty = self.self_ty.clone()?;
        let Ty::Adt(stage, _) = &self_ty else { return None };
        if !matches!(stage.item(self.db).kind, ItemKind::Stage(_) | ItemKind::Instance { .. }) {
            return None;
        }
        let (callee, sig, _) = self.method(&self_ty, name)?;
        if let Some(Def::Item(item)) = self.resolve_value_name(name) {
            let declared = item.name_loc(self.db);
            let diag = self.error(codes::AMBIGUOUS_NAME, range, format!("`{name}` is ambiguous"));
            diag.label = "both a method of this stage and a module item".into();
            diag.hint = Some(format!("write `self.{name}(...)` for the method, or rename one of them"));
            diag.labels.push((declared, "the module item".into()));
            return Some((None, None));
        }
        Some((Some((callee, self.instantiate(&sig))), None))
    }

    fn check_bang_on_builtin(&mut self, handling: Handling, range: TextRange) {
        if handling == Handling::Propagate {
            self.error(codes::NOTHING_TO_PROPAGATE, range, "this call cannot fail: remove the `!`");
        }
    }

    /// `((x: int) => ...)(1)`: the closure written as the callee (already inferred), which
    /// is then not a value that other calls might run.
    fn closure_called_directly(&mut self, callee: &ast::Expr) -> Option<ClosureLoc> {
        let mut e = callee.clone();
        while let ast::Expr::ParenExpr(p) = &e {
            e = p.expr()?;
        }
        let ast::Expr::ClosureExpr(c) = e else { return None };
        let index = self.result.closures.iter().position(|r| *r == c.syntax().text_range())? as u32;
        let loc = self.closure_loc(index)?;
        self.result.fn_values.retain(|v| v.callee != Callee::Closure(loc));
        Some(loc)
    }

    /// Calling a value of function type (a closure, a method reference).
    fn fn_value_target(&mut self, t: &Ty, range: TextRange) -> CallTarget {
        match self.shallow(t) {
            Ty::Fn(ps, r) => {
                let callee = Callee::Value(Ty::Fn(ps.clone(), r.clone()));
                (Some((callee, Signature::of_value(&ps, &r))), None)
            }
            Ty::Unknown => (None, None),
            other => {
                let shown = self.show(&other);
                self.error(codes::NOT_CALLABLE, range, format!("`{shown}` is not a function"));
                (None, None)
            }
        }
    }

    /// A method that changes its receiver needs a changeable one: on fields of `self`,
    /// a method taking `mut self`.
    fn check_mutating_receiver(&mut self, receiver: &ast::Expr) {
        if self.is_self_place(Some(receiver.clone())) && !self.self_mut && self.container_is_class() {
            let range = receiver.syntax().text_range();
            self.error(codes::IMMUTABLE, range, "this changes `self`, but the method takes `self`").hint =
                Some("take `mut self` to change the object".into());
        }
    }

    fn infer_struct_lit(&mut self, s: &ast::StructLit, expected: Option<&Ty>) -> Ty {
        let range = s.syntax().text_range();
        let segments: Vec<String> =
            s.ty().and_then(|t| t.path()).map(|p| p.segments().map(|s| s.text()).collect()).unwrap_or_default();
        let written = segments.join(".");
        let scope = self.type_scope();
        // A class or error, or an enum variant `Enum.Variant`.
        let (ty, fields): (Ty, Vec<(String, Ty, bool)>) = if let Some(loc) = scope.resolve_type_path(&segments) {
            let item = loc.item(self.db);
            match &item.kind {
                ItemKind::Class(body) | ItemKind::Stage(body)
                    if !body.deps.is_empty() || !matches!(item.kind, ItemKind::Class(_)) =>
                {
                    let diag = self.error(
                        codes::DI_LITERAL_OF_INJECTED,
                        range,
                        format!("`{written}` cannot be built with a literal"),
                    );
                    diag.label = "it has injected dependencies".into();
                    diag.hint = Some(
                        "declare it as a bracket dependency (`[name: Type]`) and let the compiler build it".into(),
                    );
                    return Ty::Adt(loc, Arc::from(vec![]));
                }
                ItemKind::Class(_) | ItemKind::Error(_) => {
                    let data: AdtData = adt_data(self.db, self.program, loc).clone();
                    let args: Vec<Ty> = match expected.map(|t| self.shallow(t)) {
                        Some(Ty::Adt(l, a)) if l == loc => a.to_vec(),
                        _ => match s.ty().and_then(|t| t.generic_args()) {
                            Some(g) => g.types().map(|t| self.lower_type(Some(t))).collect(),
                            None => data.generics.iter().map(|_| self.fresh()).collect(),
                        },
                    };
                    let fields = data
                        .fields
                        .iter()
                        .map(|f| (f.name.clone(), f.ty.substitute(&data.generics, &args), f.has_default))
                        .collect();
                    (Ty::Adt(loc, args.into()), fields)
                }
                _ => {
                    let kind = item.kind_name();
                    self.error(
                        codes::NOT_A_VALUE,
                        range,
                        format!("`{written}` is a {kind} and cannot be built with a literal"),
                    );
                    return Ty::Unknown;
                }
            }
        } else if let [prefix @ .., variant] = segments.as_slice()
            && !prefix.is_empty()
            && let Some(enum_loc) = scope.resolve_type_path(prefix)
            && matches!(enum_loc.item(self.db).kind, ItemKind::Enum { .. })
        {
            let data = adt_data(self.db, self.program, enum_loc).clone();
            let written: Option<Vec<Ty>> =
                s.ty().and_then(|t| t.generic_args()).map(|g| g.types().map(|t| self.lower_type(Some(t))).collect());
            let args: Vec<Ty> = match (written, expected.map(|t| self.shallow(t))) {
                (Some(written), _) => self.namespace_args(enum_loc, Some(written), range),
                (None, Some(Ty::Adt(l, a))) if l == enum_loc => a.to_vec(),
                (None, _) => data.generics.iter().map(|_| self.fresh()).collect(),
            };
            match data.variants.iter().find(|(n, _)| n == variant) {
                Some((_, fields)) => (
                    Ty::Adt(enum_loc, args.clone().into()),
                    fields.iter().map(|f| (f.name.clone(), f.ty.substitute(&data.generics, &args), false)).collect(),
                ),
                None => {
                    self.error(
                        codes::UNRESOLVED_NAME,
                        range,
                        format!("enum `{}` has no variant `{variant}`", prefix.join(".")),
                    );
                    return Ty::Unknown;
                }
            }
        } else {
            if let Some(item) = scope.private_item(&segments) {
                let diag = scope.private_diag(item, &written, self.loc(range));
                self.result.diagnostics.push(diag);
            } else {
                let diag = self.error(codes::UNKNOWN_TYPE, range, format!("unknown type `{written}`"));
                diag.label = "not found in this scope".into();
            }
            for field in s.fields() {
                if let Some(v) = field.value() {
                    self.infer_expr(&v, None);
                }
            }
            return Ty::Unknown;
        };
        if let Some(last) = s.ty().and_then(|t| t.path()).and_then(|p| p.segments().last()) {
            let target = match &ty {
                Ty::Adt(loc, _) if matches!(loc.item(self.db).kind, ItemKind::Enum { .. }) => {
                    Some(Target::Variant(*loc, last.text()))
                }
                Ty::Adt(loc, _) => Some(Target::Item(*loc)),
                _ => None,
            };
            if let Some(target) = target {
                self.resolve_as(&last, target);
            }
        }
        let mut given: Vec<String> = Vec::new();
        for field in s.fields() {
            let Some(name_ref) = field.name_ref() else { continue };
            let name = name_ref.text();
            if let Ty::Adt(loc, _) = &ty {
                let field_target = match loc.item(self.db).kind {
                    ItemKind::Enum { .. } => None,
                    _ => Some(Target::Field(*loc, name.clone())),
                };
                if let Some(t) = field_target.filter(|_| fields.iter().any(|f| f.0 == name)) {
                    self.resolve_as(&name_ref, t);
                }
            }
            let field_range = field.syntax().text_range();
            let value_ty = match field.value() {
                Some(v) => Some((
                    self.infer_expr(&v, fields.iter().find(|f| f.0 == name).map(|f| &f.1)),
                    v.syntax().text_range(),
                )),
                None => match self.lookup_local(&name) {
                    Some(l) => Some((self.use_local(l), field_range)),
                    None => {
                        self.unresolved(&name, field_range);
                        None
                    }
                },
            };
            if given.contains(&name) {
                self.error(codes::DUPLICATE_DEFINITION, field_range, format!("field `{name}` is given twice"));
                continue;
            }
            given.push(name.clone());
            match fields.iter().find(|f| f.0 == name) {
                Some((_, ft, _)) => {
                    if let Some((vt, vr)) = value_ty {
                        self.expect_ty(&vt, ft, vr);
                    }
                }
                None => {
                    let shown = self.show(&ty);
                    let candidates: Vec<&String> = fields.iter().map(|f| &f.0).collect();
                    let suggestion =
                        candidates.iter().map(|c| (edit_distance(c, &name), *c)).filter(|(d, _)| *d <= 2).min();
                    let diag = self.error(
                        codes::UNKNOWN_FIELD,
                        name_ref.syntax().text_range(),
                        format!("`{shown}` has no field `{name}`"),
                    );
                    if let Some((_, s)) = suggestion {
                        diag.hint = Some(format!("did you mean `{s}`?"));
                    }
                }
            }
        }
        let missing: Vec<String> = fields
            .iter()
            .filter(|(n, _, has_default)| !has_default && !given.contains(n))
            .map(|(n, _, _)| format!("`{n}`"))
            .collect();
        if !missing.is_empty() {
            let shown = self.show(&ty);
            let diag = self.error(
                codes::MISSING_FIELD,
                range,
                format!(
                    "missing field{} {} in `{shown}`",
                    if missing.len() == 1 { "" } else { "s" },
                    missing.join(", ")
                ),
            );
            diag.label = "every field without a default needs a value".into();
        }
        ty
    }

    fn check_return(&mut self, body: &ast::Block, body_ty: &Ty, func: &ast::Fn) {
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
            let range = body.syntax().last_token().map_or(body.syntax().text_range(), |t| t.text_range());
            let name = func.name().map(|n| n.text()).unwrap_or_default();
            let declared = func.ret_type().map(|r| self.loc(r.syntax().text_range()));
            let diag =
                self.error(codes::MISSING_RETURN, range, format!("`{name}` must return a `{shown}` on every path"));
            diag.label = "the function can reach its end without returning".into();
            if let Some(loc) = declared {
                diag.labels.push((loc, format!("`{shown}` declared here")));
            }
            return;
        }
        if let Some(tail) = body.tail_expr() {
            self.expect_ty(&body_ty, &ret, tail.syntax().text_range());
        }
    }
}

/// What a call resolves to, and the receiver to check for mutability (with whether the
/// method changes it).
type CallTarget = (Option<(Callee, Signature)>, Option<(ast::Expr, bool)>);

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
