//! The error-handling expressions: `catch` chains (recording what each catches for
//! error-set inference) and the none-propagation operator `e?`.

use super::*;
use crate::body::CatchHandler;

impl<'a> Infer<'a> {
    pub(super) fn infer_catch(
        &mut self,
        range: TextRange,
        inner: ExprId,
        handlers: &[CatchHandler],
        expected: Option<&Ty>,
    ) -> Ty {
        let index = self.result.catches.len();
        self.result.catches.push(CatchSite { range, uncertain: false, typed: Vec::new(), catch_all: false });
        self.catch_stack.push(index);
        let (errors_before, unknown_before) = (self.error_count(), self.unknown_calls);
        let value_ty = self.infer_expr(inner, expected);
        self.result.catches[index].uncertain =
            self.error_count() > errors_before || self.unknown_calls > unknown_before;
        self.catch_stack.pop();
        let mut catch_all = false;
        for clause in handlers {
            if catch_all {
                self.error(codes::UNREACHABLE_HANDLER, clause.range, "this handler is never reached").hint =
                    Some("an earlier handler already catches every error".into());
            }
            self.push_scope();
            let handler_ty = if let (Some(block), false) = (clause.body, clause.is_default) {
                match &clause.error_type {
                    Some(t) => {
                        let range = t.range();
                        let ty = self.lower_type(t);
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
                        if let Some(b) = clause.binding {
                            self.declare(b, ty, false);
                        }
                    }
                    None => {
                        catch_all = true;
                        if let Some(b) = clause.binding {
                            let local = self.declare(b, Ty::AnyError, false);
                            self.untyped_bindings.push((local, index));
                        }
                    }
                }
                self.infer_block(block, Some(&value_ty))
            } else if let Some(default) = clause.body {
                catch_all = true;
                self.infer_expr(default, Some(&value_ty))
            } else {
                Ty::Unknown
            };
            self.pop_scope();
            if !matches!(self.shallow(&handler_ty), Ty::Never) && !matches!(self.shallow(&value_ty), Ty::Void) {
                let range = clause.range;
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

    /// `e?`: the value of nullable `e`; when it is `none`, the enclosing function (whose
    /// result must be nullable) returns `none`.
    pub(super) fn infer_try(&mut self, range: TextRange, inner: ExprId) -> Ty {
        if self.is_missing(inner) {
            return Ty::Unknown;
        }
        let ty = self.infer_expr(inner, None);
        let value = match self.shallow(&ty) {
            Ty::Nullable(inner) => (*inner).clone(),
            Ty::Unknown => return Ty::Unknown,
            other => {
                // Only this is said: whether the function could return `none` is moot.
                let shown = self.show(&other);
                let diag =
                    self.error(codes::NONE_PROPAGATION, range, format!("`?` needs a nullable value, found `{shown}`"));
                diag.label = "this can never be `none`".into();
                diag.hint = Some("remove the `?`".into());
                return other;
            }
        };
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
        value
    }
}
