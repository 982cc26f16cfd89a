//! Blocks and statements: `let`, assignment (with its mutability rules), `while`, `for`
//! and what a loop iterates.

use super::*;
use crate::body::AssignOp;

impl<'a> Infer<'a> {
    /// The type of a block: its tail expression's, `never` if it always leaves early, or
    /// `void`.
    pub(super) fn infer_block(&mut self, block: ExprId, expected: Option<&Ty>) -> Ty {
        let body = self.body;
        let Expr::Block { statements } = &body.exprs[block] else { return Ty::Unknown };
        self.push_scope();
        let mut diverged = false;
        let mut warned = false;
        let mut result = Ty::Void;
        for (i, stmt) in statements.iter().enumerate() {
            // Code after a statement that always leaves is still checked (as rustc does),
            // with one warning at its start.
            if diverged && !warned {
                warned = true;
                let range = stmt.range();
                self.result.diagnostics.push(
                    SemDiag::warning(codes::UNREACHABLE_CODE, self.loc(range), "unreachable code")
                        .label("this is never executed"),
                );
            }
            let is_tail = i + 1 == statements.len();
            let ty = match stmt {
                Statement::Expr { expr, .. } if is_tail => match *expr {
                    Some(e) => self.infer_expr(e, expected),
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

    /// The value of block `block`: its last statement, when that is an expression.
    pub(super) fn tail_expr(&self, block: ExprId) -> Option<ExprId> {
        match &self.body.exprs[block] {
            Expr::Block { statements } => match statements.last()? {
                Statement::Expr { expr, .. } => *expr,
                _ => None,
            },
            _ => None,
        }
    }

    pub(super) fn infer_stmt(&mut self, stmt: &Statement) -> Ty {
        match stmt {
            Statement::Let { pat, ty, initializer, .. } => {
                let annotation = ty.as_ref().map(|t| self.lower_type(t));
                let ty = match (*initializer, &annotation) {
                    (Some(e), Some(a)) => {
                        let t = self.infer_expr(e, Some(a));
                        self.expect_ty(&t, a, self.range(e));
                        a.clone()
                    }
                    (Some(e), None) => {
                        let t = self.infer_expr(e, None);
                        if matches!(self.shallow(&t), Ty::Void) {
                            self.error(codes::TYPE_MISMATCH, self.range(e), "this expression has no value").label =
                                "`void`".into();
                            Ty::Unknown
                        } else {
                            t
                        }
                    }
                    (None, Some(a)) => a.clone(),
                    (None, None) => Ty::Unknown,
                };
                let diverges = matches!(self.shallow(&ty), Ty::Never);
                if let Some(pattern) = *pat {
                    self.bind_pattern(pattern, &ty, true);
                }
                if diverges { Ty::Never } else { Ty::Void }
            }
            Statement::Expr { expr, .. } => {
                let Some(e) = *expr else { return Ty::Void };
                let ty = self.infer_expr(e, None);
                self.narrow_after_if(e);
                if matches!(self.shallow(&ty), Ty::Never) { Ty::Never } else { Ty::Void }
            }
            Statement::Assign { target, op, value, range } => {
                if let Some(target) = *target {
                    self.infer_assign(*range, target, op.unwrap_or(AssignOp::Assign), *value);
                }
                Ty::Void
            }
            Statement::While { condition, body, .. } => {
                if let Some(c) = *condition {
                    let t = self.infer_expr(c, Some(&Ty::Bool));
                    self.expect_ty(&t, &Ty::Bool, self.range(c));
                }
                self.loop_depth += 1;
                self.push_scope();
                if let Some(c) = *condition {
                    self.narrow_all(c, true);
                }
                if let Some(b) = *body {
                    self.infer_block(b, None);
                }
                self.pop_scope();
                self.loop_depth -= 1;
                Ty::Void
            }
            Statement::For { pat, iterable, body, .. } => {
                let element = match *iterable {
                    Some(e) => {
                        let t = match self.body.exprs[e] {
                            Expr::Range { .. } => self.infer_range(e),
                            _ => self.infer_expr(e, None),
                        };
                        self.element_type(&t, self.range(e))
                    }
                    None => Ty::Unknown,
                };
                self.push_scope();
                if let Some(p) = *pat {
                    self.bind_pattern(p, &element, true);
                }
                self.loop_depth += 1;
                if let Some(b) = *body {
                    self.infer_block(b, None);
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

    pub(super) fn infer_assign(&mut self, stmt_range: TextRange, target: ExprId, op: AssignOp, value: Option<ExprId>) {
        let body = self.body;
        let target_ty = match &body.exprs[target] {
            Expr::Path { name: name_ref, .. } => {
                let name = name_ref.text.clone();
                match self.lookup_local(target, &name) {
                    Some(i) => {
                        let root = self.root_local(i);
                        self.capture(root);
                        self.resolve_local(NameSite::Expr(target), root);
                        if !self.locals[root].mutable {
                            let range = self.range(target);
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
                    None => self.infer_expr(target, None),
                }
            }
            Expr::Field { receiver, .. } => {
                if self.is_self_place(*receiver) && !self.self_mut && self.container_is_class() {
                    let range = self.range(target);
                    let diag = self.error(
                        codes::IMMUTABLE,
                        range,
                        "cannot change a field of `self` in a method that takes `self`",
                    );
                    diag.hint = Some("take `mut self` to change fields".into());
                }
                self.infer_expr(target, None)
            }
            Expr::Index { .. } => self.infer_expr(target, None),
            _ => {
                self.error(codes::MISPLACED, self.range(target), "cannot assign to this expression").label =
                    "not a variable, field or index".into();
                self.infer_expr(target, None);
                Ty::Unknown
            }
        };
        let Some(value) = value else { return };
        let value_ty = self.infer_expr(value, Some(&target_ty));
        if op == AssignOp::Assign {
            self.expect_ty(&value_ty, &target_ty, self.range(value));
        } else {
            let t = self.shallow(&target_ty);
            let ok = (t.is_numeric() || (t == Ty::Str && op == AssignOp::Add)) && self.unify(&t, &value_ty)
                || t.is_unknown();
            if !ok && !value_ty.is_unknown() {
                let (a, b) = (self.show(&target_ty), self.show(&value_ty));
                let op_text = match op {
                    AssignOp::Assign => "=",
                    AssignOp::Add => "+=",
                    AssignOp::Sub => "-=",
                    AssignOp::Mul => "*=",
                    AssignOp::Div => "/=",
                    AssignOp::Rem => "%=",
                };
                self.error(codes::BAD_OPERANDS, stmt_range, format!("cannot apply `{op_text}` to `{a}` and `{b}`"));
            }
        }
    }

    pub(super) fn container_is_class(&self) -> bool {
        self.container.is_some_and(|c| matches!(c.item(self.db).kind, ItemKind::Class(_)))
    }

    /// Whether an expression is `self` or a path into `self`'s own fields. Paths through
    /// an injected dependency (`self.store.x`) are not: dependencies are shared
    /// singletons that the runtime locks, not part of the object.
    pub(super) fn is_self_place(&self, mut e: ExprId) -> bool {
        let is_self = |e: ExprId| matches!(&self.body.exprs[e], Expr::Path { name, .. } if name.text == "self");
        // Down the chain of fields and indexes (iteratively: chains are as long as the
        // user writes them).
        loop {
            match &self.body.exprs[e] {
                Expr::Path { .. } => return is_self(e),
                Expr::Field { receiver, name, .. } => {
                    let through_dep = is_self(*receiver) && name.as_ref().is_some_and(|n| self.is_dep(&n.text));
                    if through_dep {
                        return false;
                    }
                    e = *receiver;
                }
                Expr::Index { base, .. } => e = *base,
                _ => return false,
            }
        }
    }

    pub(super) fn is_dep(&self, name: &str) -> bool {
        self.container.is_some_and(|c| adt_data(self.db, self.program, c).deps.iter().any(|(n, _)| n == name))
    }
}
