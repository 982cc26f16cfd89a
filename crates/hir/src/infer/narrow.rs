//! Narrowing of nullable locals: what a condition proves about `x != none` / `x == none`
//! through `!`, `&&` and `||`, in `if` branches, after an `if` that leaves, in `while`
//! bodies and on the right of `&&`/`||`.

use super::*;
use crate::body::BinaryOp;

impl<'a> Infer<'a> {
    /// After `if x == none { return }` (or `if x == none || x == 0 { return }`), `x` is
    /// no longer nullable.
    pub(super) fn narrow_after_if(&mut self, e: ExprId) {
        let Expr::If { condition, then_branch, else_branch: None } = self.body.exprs[e] else { return };
        let then_diverges = match &self.body.exprs[then_branch] {
            Expr::Block { statements } => statements.last().is_some_and(|s| self.stmt_diverges_syntactically(s)),
            _ => false,
        };
        if then_diverges {
            self.narrow_all(condition, false);
        }
    }

    pub(super) fn stmt_diverges_syntactically(&self, stmt: &Statement) -> bool {
        match stmt {
            Statement::Expr { expr: Some(e), .. } => {
                matches!(self.body.exprs[*e], Expr::Return(_) | Expr::Raise(_) | Expr::Break | Expr::Continue)
            }
            _ => false,
        }
    }

    /// Narrows, in the current scope, every local that `cond` proves is not `none` when
    /// it evaluates to `when`.
    pub(super) fn narrow_all(&mut self, cond: ExprId, when: bool) {
        let mut locals = Vec::new();
        self.non_none_when(cond, when, &mut locals);
        for local in locals {
            if let Ty::Nullable(inner) = self.shallow(&self.locals[local].ty) {
                self.narrow(local, (*inner).clone());
            }
        }
    }

    /// The locals that are not `none` when `cond` is `when`: from `x != none`,
    /// `x == none`, `!`, `&&` (when true) and `||` (when false). Conditions are walked
    /// with an explicit stack: a generated `a && b && ...` may be thousands long.
    pub(super) fn non_none_when(&self, cond: ExprId, when: bool, out: &mut Vec<usize>) {
        let body = self.body;
        let mut pending = vec![(cond, when)];
        while let Some((cond, when)) = pending.pop() {
            match &body.exprs[cond] {
                Expr::Prefix { not: true, expr } => pending.push((*expr, !when)),
                Expr::Binary { op: Some(op), lhs, rhs } => match *op {
                    BinaryOp::And if when => pending.extend([(*rhs, true), (*lhs, true)]),
                    BinaryOp::Or if !when => pending.extend([(*rhs, false), (*lhs, false)]),
                    BinaryOp::Eq | BinaryOp::Ne => {
                        let is_none = |e: ExprId| matches!(body.exprs[e], Expr::Literal(Literal::None));
                        let local_of = |e: ExprId| match &body.exprs[e] {
                            Expr::Path { name, .. } => self.lookup_local(e, &name.text),
                            _ => None,
                        };
                        let local = if is_none(*rhs) {
                            local_of(*lhs)
                        } else if is_none(*lhs) {
                            local_of(*rhs)
                        } else {
                            None
                        };
                        // `x != none` is true, or `x == none` is false.
                        if let Some(local) = local
                            && (*op == BinaryOp::Ne) == when
                        {
                            out.push(local);
                        }
                    }
                    _ => {}
                },
                _ => {}
            }
        }
    }
}
