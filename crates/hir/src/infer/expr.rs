//! Expressions: literals, operators, indexing, `if` as a value, closures, and the
//! dispatch over every expression kind.

use super::*;
use crate::body::{BinaryOp, Param, StringPart};

impl<'a> Infer<'a> {
    pub(super) fn infer_expr(&mut self, e: ExprId, expected: Option<&Ty>) -> Ty {
        let ty = pluto_syntax::ensure_stack(|| self.infer_expr_inner(e, expected));
        if !matches!(self.body.exprs[e], Expr::Missing) {
            self.result.type_of_expr.insert(e, ty.clone());
        }
        ty
    }

    /// Whether `e` is left out (a syntax error was reported for it).
    pub(super) fn is_missing(&self, e: ExprId) -> bool {
        matches!(self.body.exprs[e], Expr::Missing)
    }

    pub(super) fn infer_expr_inner(&mut self, e: ExprId, expected: Option<&Ty>) -> Ty {
        let body = self.body;
        let range = self.range(e);
        match &body.exprs[e] {
            Expr::Missing => Ty::Unknown,
            Expr::Literal(l) => self.infer_literal(e, l, expected),
            Expr::String(parts) => {
                for part in parts {
                    if let StringPart::Interpolation(e) = part {
                        let t = self.infer_expr(*e, None);
                        if matches!(self.shallow(&t), Ty::Void) {
                            self.error(
                                codes::TYPE_MISMATCH,
                                self.range(*e),
                                "cannot interpolate a value of type `void`",
                            );
                        }
                    }
                }
                Ty::Str
            }
            Expr::Path { name, .. } => self.infer_path(e, name),
            Expr::Tuple(_) | Expr::Array(_) | Expr::Map { .. } | Expr::Set { .. } => self.infer_collection(e, expected),
            Expr::StructLit { path, generic_args, fields } => {
                self.infer_struct_lit(e, path, generic_args.as_deref(), fields, expected)
            }
            Expr::Binary { op, lhs, rhs } => self.infer_binary(range, *op, *lhs, *rhs),
            Expr::Range { .. } => {
                // `for` takes its range through `infer_range`; anywhere else a range has
                // no value to hold.
                let diag = self.error(codes::MISPLACED, range, "a range is only allowed as what `for` iterates");
                diag.label = "not in a `for`".into();
                diag.hint =
                    Some("write `for i in 0..n { ... }`; to keep the numbers, push them into an array there".into());
                self.infer_range(e)
            }
            Expr::Prefix { not, expr: operand } => {
                let operand = *operand;
                if self.is_missing(operand) {
                    return Ty::Unknown;
                }
                if !*not {
                    self.negated_literal = Some(operand);
                }
                let t = self.infer_expr(operand, expected);
                let t = self.shallow(&t);
                if *not {
                    self.expect_ty(&t, &Ty::Bool, self.range(operand));
                    Ty::Bool
                } else if t.is_numeric() || t.is_unknown() {
                    t
                } else {
                    let shown = self.show(&t);
                    self.error(codes::BAD_OPERANDS, range, format!("cannot negate a value of type `{shown}`"));
                    Ty::Unknown
                }
            }
            Expr::Propagate(inner) => match &body.exprs[*inner] {
                Expr::Call { callee, args } => {
                    let t = self.infer_call(*inner, *callee, args, Handling::Propagate, expected);
                    self.result.type_of_expr.insert(*inner, t.clone());
                    t
                }
                Expr::Missing => Ty::Unknown,
                _ => {
                    let t = self.infer_expr(*inner, expected);
                    self.error(codes::NOTHING_TO_PROPAGATE, range, "`!` applies to a function call").hint =
                        Some("write `!` right after the call whose errors should propagate".into());
                    t
                }
            },
            Expr::Try(inner) => self.infer_try(range, *inner),
            Expr::Call { callee, args } => self.infer_call(e, *callee, args, self.default_handling(), expected),
            Expr::Field { receiver, name, .. } => self.infer_field(e, *receiver, name.as_ref()),
            Expr::Index { base, index } => self.infer_index(range, *base, *index),
            Expr::Cast { expr: inner, ty } => {
                let target = self.lower_type(ty);
                let inner = *inner;
                if self.is_missing(inner) {
                    return target;
                }
                let from = self.infer_expr(inner, None);
                let from = self.shallow(&from);
                let ok = (from.is_numeric() && target.is_numeric())
                    || from.is_unknown()
                    || target.is_unknown()
                    || from == target;
                if !ok {
                    let (a, b) = (self.show(&from), self.show(&target));
                    self.error(codes::BAD_CAST, range, format!("cannot cast `{a}` to `{b}`")).hint =
                        Some("`as` converts between `int`, `float` and `byte`".into());
                }
                target
            }
            Expr::If { condition, then_branch, else_branch } => {
                self.infer_if(range, *condition, *then_branch, *else_branch, expected)
            }
            Expr::Match { scrutinee, arms } => self.infer_match(range, *scrutinee, arms, expected),
            Expr::Block { .. } => self.infer_block(e, expected),
            Expr::Closure { params, body: inner } => self.infer_closure(e, params, *inner, expected),
            Expr::Catch { expr: inner, handlers } => self.infer_catch(range, *inner, handlers, expected),
            Expr::Spawn(inner) => match &body.exprs[*inner] {
                Expr::Call { callee, args } => {
                    let t = self.infer_call(*inner, *callee, args, Handling::Spawn, None);
                    Ty::Task(Arc::new(t))
                }
                Expr::Missing => Ty::Unknown,
                _ => {
                    self.infer_expr(*inner, None);
                    self.error(codes::MISPLACED, range, "`spawn` takes a function call");
                    Ty::Unknown
                }
            },
            Expr::Return(value) => self.infer_return(range, *value),
            Expr::Break => {
                if self.loop_depth == 0 {
                    self.error(codes::MISPLACED, range, "`break` outside of a loop");
                }
                Ty::Never
            }
            Expr::Continue => {
                if self.loop_depth == 0 {
                    self.error(codes::MISPLACED, range, "`continue` outside of a loop");
                }
                Ty::Never
            }
            Expr::Raise(value) => self.infer_raise(range, *value),
        }
    }

    /// A range `a..b` / `a..=b`: its bounds are `int`s.
    pub(super) fn infer_range(&mut self, e: ExprId) -> Ty {
        let Expr::Range { start, end, .. } = &self.body.exprs[e] else { return Ty::Unknown };
        for bound in [start, end].into_iter().flatten() {
            let t = self.infer_expr(*bound, Some(&Ty::Int));
            self.expect_ty(&t, &Ty::Int, self.range(*bound));
        }
        self.result.type_of_expr.insert(e, Ty::Range);
        Ty::Range
    }

    /// A literal: an integer where a `float` or `byte` is wanted is one of those, and
    /// `none` takes the nullable type wanted.
    fn infer_literal(&mut self, e: ExprId, l: &Literal, expected: Option<&Ty>) -> Ty {
        match l {
            Literal::Int(_) => {
                self.check_int_literal(e, l);
                if let Some(t) = expected.map(|t| self.shallow(t))
                    && matches!(t, Ty::Float | Ty::Byte)
                {
                    // An integer literal where a float or byte is wanted is one of those.
                    return t;
                }
                Ty::Int
            }
            Literal::Float(_) => Ty::Float,
            Literal::Bool(_) => Ty::Bool,
            Literal::None => match expected.map(|t| self.shallow(t)) {
                Some(t @ Ty::Nullable(_)) => t,
                _ => {
                    let v = self.fresh();
                    Ty::nullable(v)
                }
            },
        }
    }

    /// Tuple, array, map and set literals, their elements checked against the element
    /// types wanted or written.
    fn infer_collection(&mut self, e: ExprId, expected: Option<&Ty>) -> Ty {
        let body = self.body;
        match &body.exprs[e] {
            Expr::Tuple(elements) => {
                let expected: Vec<Ty> = match expected.map(|t| self.shallow(t)) {
                    Some(Ty::Tuple(ts)) => ts.to_vec(),
                    _ => Vec::new(),
                };
                let tys: Vec<Ty> =
                    elements.iter().enumerate().map(|(i, e)| self.infer_expr(*e, expected.get(i))).collect();
                Ty::Tuple(tys.into())
            }
            Expr::Array(elements) => {
                let element = match expected.map(|t| self.shallow(t)) {
                    Some(Ty::Array(t)) => (*t).clone(),
                    _ => self.fresh(),
                };
                for e in elements {
                    let t = self.infer_expr(*e, Some(&element));
                    self.expect_ty(&t, &element, self.range(*e));
                }
                Ty::array(element)
            }
            Expr::Map { ty, entries } => {
                let ty = self.lower_type(ty);
                if let Ty::Map(k, v) = &ty {
                    for (key, value) in entries {
                        if let Some(key) = *key {
                            let t = self.infer_expr(key, Some(k));
                            self.expect_ty(&t, k, self.range(key));
                        }
                        if let Some(value) = *value {
                            let t = self.infer_expr(value, Some(v));
                            self.expect_ty(&t, v, self.range(value));
                        }
                    }
                }
                ty
            }
            Expr::Set { ty, elements } => {
                let ty = self.lower_type(ty);
                if let Ty::Set(t) = &ty {
                    for e in elements {
                        let et = self.infer_expr(*e, Some(t));
                        self.expect_ty(&et, t, self.range(*e));
                    }
                }
                ty
            }
            _ => Ty::Unknown,
        }
    }

    /// `return` with or without a value, against the result of the body it leaves.
    fn infer_return(&mut self, range: TextRange, value: Option<ExprId>) -> Ty {
        let ret = self.returns.last().cloned().unwrap_or(Ty::Void);
        match value {
            Some(e) => {
                let t = self.infer_expr(e, Some(&ret));
                if matches!(self.shallow(&ret), Ty::Void) && !matches!(self.shallow(&t), Ty::Void | Ty::Never) {
                    self.error(codes::TYPE_MISMATCH, self.range(e), "this function returns nothing").hint =
                        Some("declare the return type after the parameters: `fn f() int`".into());
                } else {
                    self.expect_ty(&t, &ret, self.range(e));
                }
            }
            None => {
                if !matches!(self.shallow(&ret), Ty::Void | Ty::Unknown) {
                    let shown = self.show(&ret);
                    self.error(codes::MISSING_RETURN, range, format!("`return` needs a value of type `{shown}`"));
                }
            }
        }
        Ty::Never
    }

    /// `raise E { ... }`, or `raise e` of an error a `catch` bound.
    fn infer_raise(&mut self, range: TextRange, value: Option<ExprId>) -> Ty {
        let body = self.body;
        if let Some(e) = value {
            let raise_range = range;
            let t = self.infer_expr(e, None);
            let range = self.range(e);
            match self.shallow(&t) {
                Ty::Adt(loc, _) if matches!(loc.item(self.db).kind, ItemKind::Error(_)) => {
                    let closure = self.closure_stack.last().copied();
                    self.result.raises.push(RaiseSite { range: raise_range, raise: Raise::Error(loc), closure });
                }
                Ty::AnyError => {
                    let binding = match &body.exprs[e] {
                        Expr::Path { name, .. } => self.lookup_local(e, &name.text),
                        _ => None,
                    };
                    if let Some(catch) =
                        binding.and_then(|b| self.untyped_bindings.iter().find(|(l, _)| *l == b)).map(|(_, c)| *c)
                    {
                        let closure = self.closure_stack.last().copied();
                        self.result.raises.push(RaiseSite { range: raise_range, raise: Raise::Caught(catch), closure });
                    }
                }
                Ty::Unknown => {}
                other => {
                    let shown = self.show(&other);
                    self.error(codes::NOT_AN_ERROR, range, format!("`raise` needs an error, found `{shown}`")).hint =
                        Some("declare one with `error Name { fields }` and raise `Name { ... }`".into());
                }
            }
        }
        Ty::Never
    }

    /// An integer literal must fit in `int`; `-9223372036854775808` (`i64::MIN`) does.
    pub(super) fn check_int_literal(&mut self, l: ExprId, literal: &Literal) {
        let Literal::Int(text) = literal else { return };
        let negated = self.negated_literal.take() == Some(l);
        let limit = if negated { 1u64 << 63 } else { i64::MAX as u64 };
        match literal.int_value() {
            Some(n) if n <= limit => {}
            _ => {
                let diag = self.error(
                    codes::INT_OUT_OF_RANGE,
                    self.range(l),
                    format!("integer literal `{text}` does not fit in `int`"),
                );
                diag.label = "larger than 9223372036854775807".into();
                diag.hint = Some("`int` is a signed 64-bit integer; use a `float` for larger numbers".into());
            }
        }
    }

    pub(super) fn infer_binary(&mut self, range: TextRange, op: Option<BinaryOp>, lhs_e: ExprId, rhs_e: ExprId) -> Ty {
        let Some(kind) = op else { return Ty::Unknown };
        let lhs = self.infer_expr(lhs_e, None);
        // The right side of `&&` runs only when the left is true, of `||` when it is false.
        let short_circuit = match kind {
            BinaryOp::And => Some(true),
            BinaryOp::Or => Some(false),
            _ => None,
        };
        self.push_scope();
        if let Some(when) = short_circuit {
            self.narrow_all(lhs_e, when);
        }
        let rhs = self.infer_expr(rhs_e, Some(&lhs));
        self.pop_scope();
        let (l, r) = (self.shallow(&lhs), self.shallow(&rhs));
        if l.is_unknown() || r.is_unknown() {
            return match kind {
                BinaryOp::Eq | BinaryOp::Ne | BinaryOp::And | BinaryOp::Or => Ty::Bool,
                op if op.is_ordering() => Ty::Bool,
                _ => Ty::Unknown,
            };
        }
        let op_text = kind.text();
        let bad = |cx: &mut Self, hint: Option<&str>| {
            let (a, c) = (cx.show(&l), cx.show(&r));
            let diag = cx.error(codes::BAD_OPERANDS, range, format!("cannot apply `{op_text}` to `{a}` and `{c}`"));
            diag.hint = hint.map(str::to_string);
            Ty::Unknown
        };
        match kind {
            op if op.is_arithmetic() => {
                let numeric = l.is_numeric() && self.unify(&l, &r);
                let strings = kind == BinaryOp::Add && l == Ty::Str && r == Ty::Str;
                if numeric || strings {
                    l
                } else if l.is_numeric() && r.is_numeric() {
                    bad(self, Some("convert one side with `as int` or `as float`"))
                } else if kind == BinaryOp::Add && (l == Ty::Str || r == Ty::Str) {
                    bad(self, Some("interpolate instead: \"{a}{b}\""))
                } else {
                    bad(self, None)
                }
            }
            op if op.is_ordering() => {
                if (l.is_numeric() || l == Ty::Str) && self.unify(&l, &r) {
                    Ty::Bool
                } else {
                    bad(self, None);
                    Ty::Bool
                }
            }
            BinaryOp::Eq | BinaryOp::Ne => {
                if !(self.coerces(&r, &l) || self.coerces(&l, &r)) {
                    bad(self, None);
                }
                Ty::Bool
            }
            BinaryOp::And | BinaryOp::Or => {
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

    pub(super) fn infer_index(&mut self, range: TextRange, base: ExprId, ix: ExprId) -> Ty {
        let base = self.infer_expr(base, None);
        match self.shallow(&base) {
            Ty::Array(t) => {
                let it = self.infer_expr(ix, Some(&Ty::Int));
                self.expect_ty(&it, &Ty::Int, self.range(ix));
                (*t).clone()
            }
            Ty::Map(k, v) => {
                let it = self.infer_expr(ix, Some(&k));
                self.expect_ty(&it, &k, self.range(ix));
                (*v).clone()
            }
            Ty::Bytes => {
                let it = self.infer_expr(ix, Some(&Ty::Int));
                self.expect_ty(&it, &Ty::Int, self.range(ix));
                Ty::Byte
            }
            Ty::Unknown => {
                self.infer_expr(ix, None);
                Ty::Unknown
            }
            other => {
                self.infer_expr(ix, None);
                let shown = self.show(&other);
                self.error(codes::NOT_INDEXABLE, range, format!("`{shown}` cannot be indexed")).hint =
                    Some("arrays are indexed by `int`, maps by their key type".into());
                Ty::Unknown
            }
        }
    }

    pub(super) fn infer_if(
        &mut self,
        range: TextRange,
        c: ExprId,
        then_branch: ExprId,
        else_branch: Option<ExprId>,
        expected: Option<&Ty>,
    ) -> Ty {
        let t = self.infer_expr(c, Some(&Ty::Bool));
        self.expect_ty(&t, &Ty::Bool, self.range(c));
        self.push_scope();
        self.narrow_all(c, true);
        let then_ty = self.infer_block(then_branch, expected);
        self.pop_scope();
        let else_ty = match else_branch {
            None => return Ty::Void,
            Some(branch) => {
                self.push_scope();
                self.narrow_all(c, false);
                let t = match self.body.exprs[branch] {
                    Expr::If { .. } => self.infer_expr(branch, expected),
                    _ => self.infer_block(branch, expected),
                };
                self.pop_scope();
                t
            }
        };
        self.join(then_ty, else_ty, range)
    }

    /// The type of two branches: the same type, or the one that does not diverge.
    pub(super) fn join(&mut self, a: Ty, b: Ty, range: TextRange) -> Ty {
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

    pub(super) fn infer_closure(&mut self, c: ExprId, params: &[Param], body: ExprId, expected: Option<&Ty>) -> Ty {
        let expected_params: Vec<Ty> = match expected.map(|t| self.shallow(t)) {
            Some(Ty::Fn(ps, _)) => ps.to_vec(),
            _ => Vec::new(),
        };
        let expected_ret = match expected.map(|t| self.shallow(t)) {
            Some(Ty::Fn(_, r)) => Some((*r).clone()),
            _ => None,
        };
        self.push_scope();
        // Locals from here on are the closure's own; those before it are captured.
        let first_local = self.locals.len();
        let mut param_tys = Vec::new();
        for (i, p) in params.iter().enumerate() {
            let ty = match &p.ty {
                TypeRef::Missing => expected_params.get(i).cloned().unwrap_or_else(|| self.fresh()),
                t => self.lower_type(t),
            };
            if !self.body.binding_name(p.binding).text.is_empty() {
                self.declare(p.binding, ty.clone(), true);
            }
            param_tys.push(ty);
        }
        let ret = expected_ret.clone().unwrap_or_else(|| self.fresh());
        self.returns.push(ret.clone());
        let saved_loops = std::mem::replace(&mut self.loop_depth, 0);
        // The body's calls and raises are the closure's, not the enclosing function's;
        // a `catch` around the closure does not catch what the body raises when called.
        let index = self.result.closures.len() as u32;
        self.result.closures.push(self.range(c));
        self.result.captures.push(Vec::new());
        self.closure_stack.push(index);
        self.closure_locals.push(first_local);
        let saved_catches = std::mem::take(&mut self.catch_stack);
        let body_ty = if self.is_missing(body) { Ty::Void } else { self.infer_expr(body, Some(&ret)) };
        self.catch_stack = saved_catches;
        self.closure_stack.pop();
        self.closure_locals.pop();
        self.loop_depth = saved_loops;
        self.returns.pop();
        self.pop_scope();
        let ret = match self.shallow(&ret) {
            Ty::Void => Ty::Void,
            r => {
                if !matches!(self.shallow(&body_ty), Ty::Never)
                    && !self.coerces(&body_ty, &r)
                    && expected_ret.is_some()
                    && !self.is_missing(body)
                {
                    self.expect_ty(&body_ty, &r, self.range(body));
                }
                r
            }
        };
        let ty = Ty::func(param_tys, ret);
        if let Some(loc) = self.closure_loc(index) {
            self.fn_value(c, Callee::Closure(loc), &ty);
        }
        ty
    }
}
