//! Expressions: literals, operators, indexing, `if` as a value, closures, and the
//! dispatch over every expression kind.

use super::*;

impl<'a> Infer<'a> {
    pub(super) fn infer_expr(&mut self, e: &ast::Expr, expected: Option<&Ty>) -> Ty {
        let ty = pluto_syntax::ensure_stack(|| self.infer_expr_inner(e, expected));
        self.result.expr_types.push((e.syntax().text_range(), ty.clone()));
        ty
    }

    pub(super) fn infer_expr_inner(&mut self, e: &ast::Expr, expected: Option<&Ty>) -> Ty {
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

    /// An integer literal must fit in `int`; `-9223372036854775808` (`i64::MIN`) does.
    pub(super) fn check_int_literal(&mut self, l: &ast::Literal) {
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

    pub(super) fn infer_binary(&mut self, b: &ast::BinaryExpr) -> Ty {
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

    pub(super) fn infer_index(&mut self, i: &ast::IndexExpr) -> Ty {
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

    pub(super) fn infer_if(&mut self, i: &ast::IfExpr, expected: Option<&Ty>) -> Ty {
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

    pub(super) fn infer_closure(&mut self, c: &ast::ClosureExpr, expected: Option<&Ty>) -> Ty {
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
}
