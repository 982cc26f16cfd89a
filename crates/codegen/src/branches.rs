//! Control flow as values: `if` and `match` expressions, the tests of `match` patterns,
//! and the ends of branches that join with a value.

use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{self, InstBuilder, MemFlagsData, TrapCode, Value, types};
use pluto_hir::{Expr, ExprId, MatchArm, Pat, PatId, Ty};
use pluto_syntax::TextRange;

use crate::function::{Lowerer, Result};
use crate::layout::machine_type;

impl Lowerer<'_, '_> {
    /// Ends a branch of an `if`, `match` or `catch` by jumping to `done`, passing its
    /// value converted to the construct's type (a branch that already left passes nothing).
    pub fn finish_branch(
        &mut self,
        done: ir::Block,
        result: &Ty,
        value: Option<Value>,
        value_ty: &Ty,
        at: TextRange,
    ) -> Result<()> {
        if self.filled {
            return Ok(());
        }
        match machine_type(result) {
            Some(_) => {
                let v = value.ok_or_else(|| self.unsupported(at, "this branch as a value"))?;
                let v = self.convert(v, value_ty, result);
                self.jump(done, &[v]);
            }
            None => self.jump(done, &[]),
        }
        Ok(())
    }

    pub fn if_expr(
        &mut self,
        i: ExprId,
        cond: ExprId,
        then_branch: ExprId,
        else_branch: Option<ExprId>,
        ty: &Ty,
    ) -> Result<Option<Value>> {
        let at = self.range(i);
        let c = self.value(cond)?;
        let then_block = self.b.create_block();
        let else_block = self.b.create_block();
        let done = self.b.create_block();
        let result = if else_branch.is_some() { ty.clone() } else { Ty::Void };
        if let Some(t) = machine_type(&result) {
            self.b.append_block_param(done, t);
        }
        self.b.ins().brif(c, then_block, &[], else_block, &[]);
        self.b.seal_block(then_block);
        self.b.seal_block(else_block);

        self.switch_to(then_block);
        if matches!(self.body.exprs[then_branch], Expr::Block { .. }) {
            let v = self.block(then_branch)?;
            let vt = self.block_ty(then_branch);
            self.finish_branch(done, &result, v, &vt, at)?;
        }
        self.jump(done, &[]);

        self.switch_to(else_block);
        match else_branch {
            Some(nested) if matches!(self.body.exprs[nested], Expr::If { .. }) => {
                let nested_ty = self.ty_of(nested);
                let v = self.expr(nested)?;
                self.finish_branch(done, &result, v, &nested_ty, at)?;
            }
            Some(b) => {
                let v = self.block(b)?;
                let vt = self.block_ty(b);
                self.finish_branch(done, &result, v, &vt, at)?;
            }
            None => self.jump(done, &[]),
        }
        self.b.seal_block(done);
        self.switch_to(done);
        Ok(machine_type(&result).map(|_| self.b.block_params(done)[0]))
    }

    pub fn match_expr(&mut self, scrutinee: ExprId, arms: &[MatchArm], ty: &Ty) -> Result<Option<Value>> {
        let scrutinee_ty = self.ty_of(scrutinee);
        let value = self.value(scrutinee)?;
        let done = self.b.create_block();
        if let Some(t) = machine_type(ty) {
            self.b.append_block_param(done, t);
        }
        for arm in arms {
            let body_block = self.b.create_block();
            let next = self.b.create_block();
            if matches!(self.body.pats[arm.pat], Pat::Missing) {
                return Err(self.unsupported(arm.range, "an arm without a pattern"));
            }
            self.pattern_test(arm.pat, value, &scrutinee_ty, body_block, next)?;
            self.b.seal_block(body_block);
            self.b.seal_block(next);
            self.switch_to(body_block);
            if matches!(self.body.exprs[arm.expr], Expr::Missing) {
                return Err(self.unsupported(arm.range, "an empty arm"));
            }
            let body_ty = self.ty_of(arm.expr);
            let v = self.expr(arm.expr)?;
            self.finish_branch(done, ty, v, &body_ty, arm.range)?;
            self.switch_to(next);
        }
        // Exhaustiveness was checked: falling through every arm cannot happen.
        self.b.ins().trap(TrapCode::unwrap_user(3));
        self.filled = true;
        self.b.seal_block(done);
        self.switch_to(done);
        Ok(machine_type(ty).map(|_| self.b.block_params(done)[0]))
    }

    /// Branches to `yes` (with the pattern's names bound) if `value` matches, else `no`.
    fn pattern_test(&mut self, pattern: PatId, value: Value, ty: &Ty, yes: ir::Block, no: ir::Block) -> Result<()> {
        let body = self.body;
        let at = self.source_map.pat_range(pattern);
        match &body.pats[pattern] {
            Pat::Missing => return Err(self.unsupported(at, "this pattern")),
            Pat::Wildcard => {
                self.b.ins().jump(yes, &[]);
            }
            Pat::Bind(b) => {
                self.declare(Some(*b), ty.clone(), Some(value));
                self.b.ins().jump(yes, &[]);
            }
            Pat::Literal { expr: literal, negative } => {
                let mut expected = self.value(*literal)?;
                if *negative {
                    expected = match ty {
                        Ty::Float => self.b.ins().fneg(expected),
                        _ => self.b.ins().ineg(expected),
                    };
                }
                let hit = match ty {
                    Ty::Str => self.call_rt("pluto_str_eq", &[value, expected])[0],
                    Ty::Float => self.b.ins().fcmp(FloatCC::Equal, value, expected),
                    _ => self.b.ins().icmp(IntCC::Equal, value, expected),
                };
                self.b.ins().brif(hit, yes, &[], no, &[]);
            }
            Pat::Variant { path, fields: field_pats } => {
                let Ty::Adt(enum_loc, _) = ty else { return Err(self.unsupported(at, "this pattern")) };
                let variant = path.last().map(|n| n.text.clone()).unwrap_or_default();
                let data = self.sema().adt(*enum_loc).clone();
                let index = data
                    .variants
                    .iter()
                    .position(|(n, _)| *n == variant)
                    .ok_or_else(|| self.unsupported(at, "this variant"))?;
                let tag = self.b.ins().load(types::I64, MemFlagsData::trusted(), value, 8);
                let hit = self.b.ins().icmp_imm_s(IntCC::Equal, tag, index as i64);
                let bind = self.b.create_block();
                self.b.ins().brif(hit, bind, &[], no, &[]);
                self.b.seal_block(bind);
                self.switch_to(bind);
                let fields = &data.variants[index].1;
                for field in field_pats {
                    let name_ref = &field.name;
                    let Some(j) = fields.iter().position(|f| f.name == name_ref.text) else { continue };
                    let slot_ty = fields[j].ty.clone();
                    let w = self.load_word(value, 2 + j as i32, &slot_ty);
                    // The shorthand `{ reason }` binds the field's name; `{ reason: r }` binds `r`.
                    let bound = match field.pat.map(|p| &body.pats[p]) {
                        None => field.binding,
                        Some(Pat::Bind(b)) => Some(*b),
                        Some(Pat::Wildcard) => continue,
                        Some(_) => {
                            let nested = field.pat.map_or(at, |p| self.source_map.pat_range(p));
                            return Err(self.unsupported(nested, "nested patterns"));
                        }
                    };
                    if let Some(b) = bound {
                        let bound = self.binding_ty(b);
                        let v = self.convert(w, &slot_ty, &bound);
                        self.declare(Some(b), bound, Some(v));
                    }
                }
                self.b.ins().jump(yes, &[]);
            }
            Pat::Tuple(element_pats) => {
                // Each element in turn; the first that does not match goes to `no`.
                let Ty::Tuple(elements) = ty else { return Err(self.unsupported(at, "this tuple pattern")) };
                let elements = elements.clone();
                let tuple = self.word(value);
                for (i, (element, element_ty)) in element_pats.iter().zip(elements.iter()).enumerate() {
                    let v = self.load_word(tuple, i as i32, element_ty);
                    let next = self.b.create_block();
                    self.pattern_test(*element, v, element_ty, next, no)?;
                    self.b.seal_block(next);
                    self.switch_to(next);
                }
                self.b.ins().jump(yes, &[]);
            }
        }
        self.filled = true;
        Ok(())
    }
}
