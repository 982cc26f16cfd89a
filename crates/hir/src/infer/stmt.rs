//! Blocks and statements: `let`, assignment (with its mutability rules), `while`, `for`
//! and what a loop iterates.

use super::*;

impl<'a> Infer<'a> {
    /// The type of a block: its tail expression's, `never` if it always leaves early, or
    /// `void`.
    pub(super) fn infer_block(&mut self, block: &ast::Block, expected: Option<&Ty>) -> Ty {
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

    pub(super) fn infer_stmt(&mut self, stmt: &ast::Stmt) -> Ty {
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

    pub(super) fn element_type(&mut self, iterable: &Ty, range: TextRange) -> Ty {
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

    pub(super) fn infer_assign(&mut self, s: &ast::AssignStmt) {
        let Some(target) = s.target() else { return };
        let op = s.op().map(|t| t.kind()).unwrap_or(SyntaxKind::EQ);
        let target_ty = match &target {
            ast::Expr::PathExpr(p) => {
                let name = p.name_ref().map(|n| n.text()).unwrap_or_default();
                match self.lookup_local(&name) {
                    Some(i) => {
                        let root = self.root_local(i);
                        if let Some(name_ref) = p.name_ref() {
                            self.resolve_as(&name_ref, Target::Local(self.locals[root].range));
                        }
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

    pub(super) fn container_is_class(&self) -> bool {
        self.container.is_some_and(|c| matches!(c.item(self.db).kind, ItemKind::Class(_)))
    }

    /// Whether an expression is `self` or a path into `self`'s own fields. Paths through
    /// an injected dependency (`self.store.x`) are not: dependencies are shared
    /// singletons that the runtime locks, not part of the object.
    pub(super) fn is_self_place(&self, e: Option<ast::Expr>) -> bool {
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

    pub(super) fn is_dep(&self, name: &str) -> bool {
        self.container.is_some_and(|c| adt_data(self.db, self.program, c).deps.iter().any(|(n, _)| n == name))
    }
}
