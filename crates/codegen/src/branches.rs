//! Control flow as values: `if` and `match` expressions, the tests of `match` patterns,
//! and the ends of branches that join with a value.

use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{self, InstBuilder, MemFlagsData, TrapCode, Value, types};
use pluto_hir::Ty;
use pluto_syntax::SyntaxNode;
use pluto_syntax::ast::{self, AstNode, HasName};

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
        node: &SyntaxNode,
    ) -> Result<()> {
        if self.filled {
            return Ok(());
        }
        match machine_type(result) {
            Some(_) => {
                let v = value.ok_or_else(|| self.unsupported(node, "this branch as a value"))?;
                let v = self.convert(v, value_ty, result);
                self.jump(done, &[v]);
            }
            None => self.jump(done, &[]),
        }
        Ok(())
    }

    fn block_ty(&self, block: &ast::Block) -> Ty {
        block.tail_expr().map(|e| self.ty_of(e.syntax())).unwrap_or(Ty::Void)
    }

    pub fn if_expr(&mut self, i: &ast::IfExpr, ty: &Ty) -> Result<Option<Value>> {
        let cond = i.condition().ok_or_else(|| self.unsupported(i.syntax(), "an `if` without a condition"))?;
        let c = self.value(&cond)?;
        let then_block = self.b.create_block();
        let else_block = self.b.create_block();
        let done = self.b.create_block();
        let result = if i.else_branch().is_some() { ty.clone() } else { Ty::Void };
        if let Some(t) = machine_type(&result) {
            self.b.append_block_param(done, t);
        }
        self.b.ins().brif(c, then_block, &[], else_block, &[]);
        self.b.seal_block(then_block);
        self.b.seal_block(else_block);

        self.switch_to(then_block);
        if let Some(b) = i.then_branch() {
            let v = self.block(&b)?;
            let vt = self.block_ty(&b);
            self.finish_branch(done, &result, v, &vt, i.syntax())?;
        }
        self.jump(done, &[]);

        self.switch_to(else_block);
        match i.else_branch() {
            Some(ast::ElseBranch::Block(b)) => {
                let v = self.block(&b)?;
                let vt = self.block_ty(&b);
                self.finish_branch(done, &result, v, &vt, i.syntax())?;
            }
            Some(ast::ElseBranch::If(nested)) => {
                let nested_ty = self.ty_of(nested.syntax());
                let v = pluto_syntax::ensure_stack(|| self.if_expr(&nested, &nested_ty))?;
                self.finish_branch(done, &result, v, &nested_ty, i.syntax())?;
            }
            None => self.jump(done, &[]),
        }
        self.b.seal_block(done);
        self.switch_to(done);
        Ok(machine_type(&result).map(|_| self.b.block_params(done)[0]))
    }

    pub fn match_expr(&mut self, m: &ast::MatchExpr, ty: &Ty) -> Result<Option<Value>> {
        let scrutinee = m.scrutinee().ok_or_else(|| self.unsupported(m.syntax(), "a `match` without a value"))?;
        let scrutinee_ty = self.ty_of(scrutinee.syntax());
        let value = self.value(&scrutinee)?;
        let done = self.b.create_block();
        if let Some(t) = machine_type(ty) {
            self.b.append_block_param(done, t);
        }
        for arm in m.arms() {
            let body_block = self.b.create_block();
            let next = self.b.create_block();
            self.scopes.push(Default::default());
            let pattern = arm.pattern().ok_or_else(|| self.unsupported(arm.syntax(), "an arm without a pattern"))?;
            self.pattern_test(&pattern, value, &scrutinee_ty, body_block, next)?;
            self.b.seal_block(body_block);
            self.b.seal_block(next);
            self.switch_to(body_block);
            let body = arm.expr().ok_or_else(|| self.unsupported(arm.syntax(), "an empty arm"))?;
            let body_ty = self.ty_of(body.syntax());
            let v = self.expr(&body)?;
            self.finish_branch(done, ty, v, &body_ty, arm.syntax())?;
            self.scopes.pop();
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
    fn pattern_test(
        &mut self,
        pattern: &ast::Pattern,
        value: Value,
        ty: &Ty,
        yes: ir::Block,
        no: ir::Block,
    ) -> Result<()> {
        match pattern {
            ast::Pattern::WildcardPat(_) => {
                self.b.ins().jump(yes, &[]);
            }
            ast::Pattern::IdentPat(p) => {
                let name = p.name().map(|n| n.text()).unwrap_or_default();
                self.declare(&name, ty.clone(), Some(value));
                self.b.ins().jump(yes, &[]);
            }
            ast::Pattern::LiteralPat(p) => {
                let literal = p.literal().ok_or_else(|| self.unsupported(p.syntax(), "this pattern"))?;
                let mut expected = self.value(&literal)?;
                if p.is_negative() {
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
            ast::Pattern::VariantPat(p) => {
                let Ty::Adt(enum_loc, _) = ty else { return Err(self.unsupported(p.syntax(), "this pattern")) };
                let variant = p.path().and_then(|p| p.segments().last()).map(|n| n.text()).unwrap_or_default();
                let data = self.sema().adt(*enum_loc).clone();
                let index = data
                    .variants
                    .iter()
                    .position(|(n, _)| *n == variant)
                    .ok_or_else(|| self.unsupported(p.syntax(), "this variant"))?;
                let tag = self.b.ins().load(types::I64, MemFlagsData::trusted(), value, 8);
                let hit = self.b.ins().icmp_imm_s(IntCC::Equal, tag, index as i64);
                let bind = self.b.create_block();
                self.b.ins().brif(hit, bind, &[], no, &[]);
                self.b.seal_block(bind);
                self.switch_to(bind);
                let fields = &data.variants[index].1;
                for field in p.fields() {
                    let Some(name_ref) = field.name_ref() else { continue };
                    let Some(j) = fields.iter().position(|f| f.name == name_ref.text()) else { continue };
                    let slot_ty = fields[j].ty.clone();
                    let w = self.load_word(value, 2 + j as i32, &slot_ty);
                    match field.pattern() {
                        None => {
                            let bound = self.ty_of(name_ref.syntax());
                            let v = self.convert(w, &slot_ty, &bound);
                            self.declare(&name_ref.text(), bound, Some(v));
                        }
                        Some(ast::Pattern::IdentPat(ip)) => {
                            let name = ip.name().map(|n| n.text()).unwrap_or_default();
                            let bound = ip.name().map(|n| self.ty_of(n.syntax())).unwrap_or(Ty::Unknown);
                            let v = self.convert(w, &slot_ty, &bound);
                            self.declare(&name, bound, Some(v));
                        }
                        Some(ast::Pattern::WildcardPat(_)) => {}
                        Some(other) => return Err(self.unsupported(other.syntax(), "nested patterns")),
                    }
                }
                self.b.ins().jump(yes, &[]);
            }
            ast::Pattern::TuplePat(p) => {
                // Each element in turn; the first that does not match goes to `no`.
                let Ty::Tuple(elements) = ty else { return Err(self.unsupported(p.syntax(), "this tuple pattern")) };
                let elements = elements.clone();
                let tuple = self.word(value);
                for (i, (element, element_ty)) in p.elements().zip(elements.iter()).enumerate() {
                    let v = self.load_word(tuple, i as i32, element_ty);
                    let next = self.b.create_block();
                    self.pattern_test(&element, v, element_ty, next, no)?;
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
