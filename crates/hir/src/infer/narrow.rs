//! Narrowing of nullable locals: what a condition proves about `x != none` / `x == none`
//! through `!`, `&&` and `||`, in `if` branches, after an `if` that leaves, in `while`
//! bodies and on the right of `&&`/`||`.

use super::*;

impl<'a> Infer<'a> {
    /// After `if x == none { return }` (or `if x == none || x == 0 { return }`), `x` is
    /// no longer nullable.
    pub(super) fn narrow_after_if(&mut self, e: &ast::Expr, _ty: &Ty) {
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

    pub(super) fn stmt_diverges_syntactically(&self, stmt: &ast::Stmt) -> bool {
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
    pub(super) fn narrow_all(&mut self, cond: &ast::Expr, when: bool) {
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
    pub(super) fn non_none_when(&self, cond: &ast::Expr, when: bool, out: &mut Vec<usize>) {
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
}
