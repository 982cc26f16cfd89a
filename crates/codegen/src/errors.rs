//! Errors as values: a fallible function returns an error word after its result (0 when
//! it succeeded). `raise` returns one; after each fallible call a branch sends a
//! non-zero error to the enclosing `catch` handler or returns it (`!`). No unwinding.

use cranelift_codegen::ir::{self, InstBuilder, MemFlagsData, Value, types};
use pluto_hir::{CatchHandler, ExprId, Handling, ItemLoc, Ty};
use pluto_syntax::TextRange;

use crate::function::{Abi, Lowerer, Result};
use crate::layout::machine_type;

impl Lowerer<'_, '_> {
    /// After a call that may fail: a non-zero `error` is handled as `handling` says.
    pub fn check_error(&mut self, error: Value, handling: Option<Handling>, node: TextRange) -> Result<()> {
        let failed = self.b.create_block();
        let ok = self.b.create_block();
        self.b.ins().brif(error, failed, &[], ok, &[]);
        self.b.seal_block(failed);
        self.b.seal_block(ok);
        self.b.set_cold_block(failed);
        self.switch_to(failed);
        self.handle_error(error, handling, node)?;
        self.switch_to(ok);
        Ok(())
    }

    /// Sends `error` (known to be non-zero) where it goes; the current block ends.
    pub fn handle_error(&mut self, error: Value, handling: Option<Handling>, node: TextRange) -> Result<()> {
        match handling {
            Some(Handling::Catch(_)) => {
                let handler = *self.catches.last().ok_or_else(|| self.unsupported(node, "this `catch`"))?;
                self.jump(handler, &[error]);
            }
            Some(Handling::Spawn) => return Err(self.unsupported(node, "tasks (`spawn`)")),
            // `!`, or a function value whose errors count toward the caller (see the
            // approximations of error inference): the caller's caller gets them.
            _ => self.propagate(error),
        }
        Ok(())
    }

    fn propagate(&mut self, error: Value) {
        let can_return_errors = match &self.abi {
            Abi::Direct { fallible, .. } => *fallible,
            Abi::Value { .. } | Abi::Entry => true,
        };
        if can_return_errors {
            self.emit_return(None, Some(error));
        } else {
            self.rt_void("pluto_unhandled", &[error]);
            self.b.ins().trap(ir::TrapCode::unwrap_user(4));
            self.filled = true;
        }
    }

    /// A new error object `[desc][raise site][fields...]`.
    pub fn error_object(&mut self, loc: ItemLoc, fields: &[Value], node: TextRange) -> Result<Value> {
        let object = self.alloc(2 + fields.len() as i64, false);
        let desc = self.adt_desc_addr(loc, &[])?;
        self.store_word(object, 0, desc);
        let site = self.site(node)?;
        self.store_word(object, 1, site);
        for (i, f) in fields.iter().enumerate() {
            self.store_word(object, 2 + i as i32, *f);
        }
        Ok(object)
    }

    /// `raise E { ... }` or `raise e`: the error leaves the function.
    pub fn raise(&mut self, r: ExprId, value: Option<ExprId>) -> Result<()> {
        let e = value.ok_or_else(|| self.unsupported(self.range(r), "a `raise` without an error"))?;
        let error = self.word_of(e)?;
        if !self.filled {
            self.propagate(error);
        }
        Ok(())
    }

    /// `expr catch ...`: the expression runs with a handler block for its calls' errors;
    /// the handler picks the first clause whose error type matches.
    pub fn catch_expr(&mut self, c: ExprId, inner: ExprId, clauses: &[CatchHandler], ty: &Ty) -> Result<Option<Value>> {
        let handler = self.b.create_block();
        self.b.append_block_param(handler, types::I64);
        let done = self.b.create_block();
        if let Some(t) = machine_type(ty) {
            self.b.append_block_param(done, t);
        }
        self.catches.push(handler);
        let inner_ty = self.ty_of(inner);
        let value = self.expr(inner);
        self.catches.pop();
        let value = value?;
        self.finish_branch(done, ty, value, &inner_ty, self.range(c))?;

        self.switch_to(handler);
        let error = self.b.block_params(handler)[0];
        for clause in clauses {
            let next = self.b.create_block();
            let binding = clause.binding.map(|b| (b, self.binding_ty(b)));
            if let Some((_, Ty::Adt(loc, _))) = &binding {
                // A typed handler: compare descriptors.
                let expected = self.adt_desc_addr(*loc, &[])?;
                let actual = self.b.ins().load(types::I64, MemFlagsData::trusted(), error, 0);
                let hit = self.b.ins().icmp(ir::condcodes::IntCC::Equal, actual, expected);
                let body = self.b.create_block();
                self.b.ins().brif(hit, body, &[], next, &[]);
                self.switch_to(body);
            }
            if let Some((at, bound)) = &binding {
                self.declare(Some(*at), bound.clone(), Some(error));
            }
            match (clause.body, clause.is_default) {
                (Some(block), false) => {
                    let v = self.block(block)?;
                    let vt = self.block_ty(block);
                    self.finish_branch(done, ty, v, &vt, clause.range)?;
                }
                (Some(default), true) => {
                    let vt = self.ty_of(default);
                    let v = self.expr(default)?;
                    self.finish_branch(done, ty, v, &vt, clause.range)?;
                }
                (None, _) => {}
            }
            self.switch_to(next);
        }
        // Typed handlers cover the whole error set (checked), so no error gets here.
        self.propagate(error);
        self.switch_to(done);
        Ok(machine_type(ty).map(|_| self.b.block_params(done)[0]))
    }
}
