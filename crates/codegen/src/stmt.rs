//! Statements: blocks and their scopes, `let` with patterns, assignment (to locals,
//! fields and elements), and loops (`while`, `for` over ranges, arrays, maps and channel
//! receivers).

use std::collections::HashMap;

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{self, InstBuilder, Value, types};
use pluto_hir::Ty;
use pluto_syntax::ast::{self, AstNode, HasName};
use pluto_syntax::{SyntaxKind, SyntaxNode};

use crate::function::{Loop, Lowerer, Result};
use crate::layout::machine_type;

impl Lowerer<'_, '_> {
    pub fn block(&mut self, block: &ast::Block) -> Result<Option<Value>> {
        self.scopes.push(HashMap::new());
        let statements: Vec<ast::Stmt> = block.statements().collect();
        let mut value = None;
        for (i, stmt) in statements.iter().enumerate() {
            self.ensure_open();
            let is_tail = i + 1 == statements.len();
            match stmt {
                ast::Stmt::ExprStmt(s) if is_tail => {
                    if let Some(e) = s.expr() {
                        value = self.expr(&e)?;
                    }
                }
                _ => self.stmt(stmt)?,
            }
        }
        self.scopes.pop();
        Ok(if self.filled { None } else { value })
    }

    fn stmt(&mut self, stmt: &ast::Stmt) -> Result<()> {
        match stmt {
            ast::Stmt::LetStmt(s) => {
                let value = match s.initializer() {
                    Some(e) => {
                        let v = self.expr(&e)?;
                        v.map(|v| (v, self.ty_of(e.syntax())))
                    }
                    None => None,
                };
                self.ensure_open();
                match s.pattern() {
                    Some(pattern) => self.bind(&pattern, value, s.syntax())?,
                    None => return Err(self.unsupported(s.syntax(), "a `let` without a name")),
                }
            }
            ast::Stmt::ExprStmt(s) => {
                if let Some(e) = s.expr() {
                    self.expr(&e)?;
                }
            }
            ast::Stmt::AssignStmt(s) => self.assign(s)?,
            ast::Stmt::WhileStmt(s) => {
                let header = self.b.create_block();
                let body = self.b.create_block();
                let exit = self.b.create_block();
                let hoisted = self.hoist_arrays(s.syntax());
                self.jump(header, &[]);
                self.switch_to(header);
                let cond =
                    s.condition().ok_or_else(|| self.unsupported(s.syntax(), "a `while` without a condition"))?;
                let c = self.value(&cond)?;
                self.b.ins().brif(c, body, &[], exit, &[]);
                self.b.seal_block(body);
                self.switch_to(body);
                self.loops.push(Loop { header, exit });
                if let Some(block) = s.body() {
                    self.block(&block)?;
                }
                self.loops.pop();
                self.jump(header, &[]);
                // Sealing as soon as every jump to a block is known lets the SSA builder
                // avoid block parameters for values that do not change in the loop.
                self.b.seal_block(header);
                self.b.seal_block(exit);
                self.switch_to(exit);
                self.unhoist(hoisted);
            }
            ast::Stmt::ForStmt(s) => {
                let hoisted = self.hoist_arrays(s.syntax());
                let result = self.for_loop(s);
                self.unhoist(hoisted);
                result?
            }
        }
        Ok(())
    }

    /// Before a loop whose condition and body make no call, reads each local array it
    /// indexes, and that array's header, once: nothing in such a loop can change a header
    /// (only calls push, pop or reassign through another reference), and the variable is
    /// not assigned in it. Cranelift does not hoist loads out of loops by itself.
    fn hoist_arrays(&mut self, looped: &SyntaxNode) -> Vec<String> {
        if self.filled || looped.descendants().any(|n| ast::CallExpr::cast(n).is_some()) {
            return Vec::new();
        }
        let mut names = Vec::new();
        let mut assigned = Vec::new();
        for node in looped.descendants() {
            if let Some(ix) = ast::IndexExpr::cast(node.clone())
                && let Some(ast::Expr::PathExpr(p)) = ix.base()
                && let Some(name) = p.name_ref().map(|n| n.text())
                && !names.contains(&name)
            {
                names.push(name);
            } else if let Some(a) = ast::AssignStmt::cast(node.clone())
                && let Some(ast::Expr::PathExpr(p)) = a.target()
            {
                assigned.extend(p.name_ref().map(|n| n.text()));
            } else if let Some(pat) = ast::IdentPat::cast(node) {
                // A local declared in the loop could shadow the array.
                assigned.extend(pat.name().map(|n| n.text()));
            }
        }
        let mut hoisted = Vec::new();
        for name in names {
            if assigned.contains(&name) || self.hoisted.contains_key(&name) {
                continue;
            }
            let Some(local) = self.lookup(&name) else { continue };
            if !matches!(local.ty, Ty::Array(_) | Ty::Bytes) {
                continue;
            }
            let array = self.b.use_var(local.var);
            let [len, data, kind] = [0, 2, 3].map(|word| self.header(array, word));
            self.headers.insert(array, [len, data, kind]);
            self.hoisted.insert(name.clone(), array);
            hoisted.push(name);
        }
        hoisted
    }

    fn unhoist(&mut self, names: Vec<String>) {
        for name in names {
            if let Some(array) = self.hoisted.remove(&name) {
                self.headers.remove(&array);
            }
        }
    }

    /// Binds a `let` pattern: a name (typed by inference) or a tuple of names.
    fn bind(&mut self, pattern: &ast::Pattern, value: Option<(Value, Ty)>, node: &SyntaxNode) -> Result<()> {
        match pattern {
            ast::Pattern::IdentPat(p) => {
                let name = p.name().map(|n| n.text()).unwrap_or_default();
                let ty = p.name().map(|n| self.ty_of(n.syntax())).unwrap_or(Ty::Unknown);
                let value = value.map(|(v, from)| self.convert(v, &from, &ty));
                self.declare(&name, ty, value);
                Ok(())
            }
            ast::Pattern::WildcardPat(_) => Ok(()),
            ast::Pattern::TuplePat(p) => {
                // A tuple is an object of one word per element.
                let Some((tuple, Ty::Tuple(elements))) = value else {
                    return Err(self.unsupported(node, "this tuple pattern"));
                };
                let tuple = self.word(tuple);
                for (i, (element, ty)) in p.elements().zip(elements.iter()).enumerate() {
                    let v = self.load_word(tuple, i as i32, ty);
                    self.bind(&element, Some((v, ty.clone())), node)?;
                }
                Ok(())
            }
            _ => Err(self.unsupported(node, "this pattern in `let`")),
        }
    }

    fn for_loop(&mut self, s: &ast::ForStmt) -> Result<()> {
        let Some(iterable) = s.iterable() else {
            return Err(self.unsupported(s.syntax(), "a `for` without anything to iterate"));
        };
        let Some(pattern) = s.pattern() else {
            return Err(self.unsupported(s.syntax(), "a `for` without a pattern"));
        };
        if let Ty::Receiver(element) = self.ty_of(iterable.syntax()) {
            return self.receive_loop(s, &iterable, &pattern, &element);
        }
        // Ranges count; arrays (and map keys, sets) walk their elements by index.
        let (start, end, inclusive, items, element) = match &iterable {
            ast::Expr::RangeExpr(range) => {
                let (Some(start), Some(end)) = (range.start(), range.end()) else {
                    return Err(self.unsupported(s.syntax(), "open ranges"));
                };
                let start = self.value(&start)?;
                let end = self.value(&end)?;
                (start, end, range.is_inclusive(), None, Ty::Int)
            }
            other => {
                let ty = self.ty_of(other.syntax());
                let v = self.value(other)?;
                let (array, element) = match &ty {
                    Ty::Array(t) => (v, (**t).clone()),
                    Ty::Map(k, _) => (self.rt("pluto_map_keys", &[v]), (**k).clone()),
                    Ty::Set(t) => (self.rt("pluto_map_keys", &[v]), (**t).clone()),
                    Ty::Bytes => (v, Ty::Byte),
                    _ => return Err(self.unsupported(s.syntax(), "`for` over this type")),
                };
                let zero = self.b.ins().iconst(types::I64, 0);
                let len = self.header(array, 0);
                (zero, zero, false, Some((array, len)), element)
            }
        };
        let counter = self.b.declare_var(types::I64);
        self.b.def_var(counter, start);
        let header = self.b.create_block();
        let body = self.b.create_block();
        let step = self.b.create_block();
        let exit = self.b.create_block();
        self.jump(header, &[]);
        self.switch_to(header);
        let i = self.b.use_var(counter);
        let go = match items {
            // The elements present when the loop starts: pushing in the body does not
            // extend it (as Go's `range`); removing in the body ends it early rather
            // than reading past the end.
            Some((array, start_len)) => {
                let len = self.header(array, 0);
                let len = self.b.ins().smin(len, start_len);
                self.b.ins().icmp(IntCC::SignedLessThan, i, len)
            }
            None => {
                let cc = if inclusive { IntCC::SignedLessThanOrEqual } else { IntCC::SignedLessThan };
                self.b.ins().icmp(cc, i, end)
            }
        };
        self.b.ins().brif(go, body, &[], exit, &[]);
        self.b.seal_block(body);
        self.switch_to(body);
        self.scopes.push(HashMap::new());
        let current = self.b.use_var(counter);
        let value = match items {
            Some((array, _)) => self.array_get(array, current, &element, s.syntax())?,
            None => current,
        };
        // The element type says how the value is represented.
        self.bind(&pattern, Some((value, element)), s.syntax())?;
        self.loops.push(Loop { header: step, exit });
        if let Some(block) = s.body() {
            self.block(&block)?;
        }
        self.loops.pop();
        self.scopes.pop();
        self.jump(step, &[]);
        self.b.seal_block(step);
        self.switch_to(step);
        let i = self.b.use_var(counter);
        let next = self.b.ins().iadd_imm_s(i, 1);
        self.b.def_var(counter, next);
        if items.is_none() {
            // `0..=i64::MAX` must not wrap around forever.
            let at_end = self.b.ins().icmp(IntCC::Equal, i, end);
            self.b.ins().brif(at_end, exit, &[], header, &[]);
        } else {
            self.b.ins().jump(header, &[]);
        }
        self.b.seal_block(header);
        self.b.seal_block(exit);
        self.switch_to(exit);
        Ok(())
    }

    /// `for v in rx`: receives until the channel is closed and drained (a broken stream
    /// from another unit faults: a loop has nowhere to raise its error).
    fn receive_loop(&mut self, s: &ast::ForStmt, rx: &ast::Expr, pattern: &ast::Pattern, element: &Ty) -> Result<()> {
        let channel = self.value(rx)?;
        let slot = self.b.create_sized_stack_slot(ir::StackSlotData::new(ir::StackSlotKind::ExplicitSlot, 8, 3));
        let header = self.b.create_block();
        let body = self.b.create_block();
        let exit = self.b.create_block();
        self.jump(header, &[]);
        self.switch_to(header);
        let out = self.b.ins().stack_addr(types::I64, slot, 0);
        let site = self.site(s.syntax())?;
        let status = self.rt("pluto_chan_next", &[channel, out, site]);
        self.b.ins().brif(status, exit, &[], body, &[]);
        self.b.seal_block(body);
        self.switch_to(body);
        self.scopes.push(HashMap::new());
        let word = self.b.ins().stack_load(types::I64, types::I64, slot, 0);
        let value = self.coerce(word, machine_type(element).unwrap_or(types::I64));
        self.bind(pattern, Some((value, element.clone())), s.syntax())?;
        self.loops.push(Loop { header, exit });
        if let Some(block) = s.body() {
            self.block(&block)?;
        }
        self.loops.pop();
        self.scopes.pop();
        self.jump(header, &[]);
        self.b.seal_block(header);
        self.b.seal_block(exit);
        self.switch_to(exit);
        Ok(())
    }

    fn assign(&mut self, s: &ast::AssignStmt) -> Result<()> {
        let target = s.target().ok_or_else(|| self.unsupported(s.syntax(), "an assignment without a target"))?;
        let value = s.value().ok_or_else(|| self.unsupported(s.syntax(), "an assignment without a value"))?;
        let op = s.op().map(|t| t.kind()).unwrap_or(SyntaxKind::EQ);
        let written_ty = self.ty_of(target.syntax());
        let compute = |l: &mut Self, old: Option<Value>, target_ty: &Ty| -> Result<Value> {
            let value_ty = l.ty_of(value.syntax());
            let v = l.value(&value)?;
            let v = l.convert(v, &value_ty, target_ty);
            match old {
                None => Ok(v),
                Some(old) => {
                    let binary = match op {
                        SyntaxKind::PLUS_EQ => SyntaxKind::PLUS,
                        SyntaxKind::MINUS_EQ => SyntaxKind::MINUS,
                        SyntaxKind::STAR_EQ => SyntaxKind::STAR,
                        SyntaxKind::SLASH_EQ => SyntaxKind::SLASH,
                        _ => SyntaxKind::PERCENT,
                    };
                    l.arith(binary, target_ty, old, v, s.syntax())
                }
            }
        };
        match &target {
            ast::Expr::PathExpr(p) => {
                let name = p.name_ref().map(|n| n.text()).unwrap_or_default();
                let local = self.lookup(&name).ok_or_else(|| self.unsupported(s.syntax(), "this assignment"))?;
                let target_ty = if written_ty.is_unknown() { local.ty.clone() } else { written_ty.clone() };
                let old = (op != SyntaxKind::EQ).then(|| self.b.use_var(local.var));
                let old = old.map(|v| self.convert(v, &local.ty, &target_ty));
                let new = compute(self, old, &target_ty)?;
                let new = self.convert(new, &target_ty, &local.ty);
                self.b.def_var(local.var, new);
            }
            ast::Expr::FieldExpr(f) => {
                let receiver = f.receiver().ok_or_else(|| self.unsupported(s.syntax(), "this assignment"))?;
                let object = self.value(&receiver)?;
                let (index, slot_ty) = self.field_slot(f)?;
                let target_ty = if written_ty.is_unknown() { slot_ty.clone() } else { written_ty.clone() };
                let old = if op != SyntaxKind::EQ {
                    let w = self.load_word(object, index, &slot_ty);
                    Some(self.convert(w, &slot_ty, &target_ty))
                } else {
                    None
                };
                let new = compute(self, old, &target_ty)?;
                let new = self.convert(new, &target_ty, &slot_ty);
                self.store_word(object, index, new);
            }
            ast::Expr::IndexExpr(ix) => {
                let (Some(base), Some(index)) = (ix.base(), ix.index()) else {
                    return Err(self.unsupported(s.syntax(), "this assignment"));
                };
                let base_ty = self.ty_of(base.syntax());
                let container = self.value(&base)?;
                let key = self.value(&index)?;
                match &base_ty {
                    Ty::Array(element) => {
                        let target_ty = (**element).clone();
                        let old = match op {
                            SyntaxKind::EQ => None,
                            _ => Some(self.array_get(container, key, element, ix.syntax())?),
                        };
                        let new = compute(self, old, &target_ty)?;
                        let new = self.convert(new, &target_ty, element);
                        self.array_set(container, key, new, element, ix.syntax())?;
                    }
                    Ty::Map(k, v) => {
                        let target_ty = (**v).clone();
                        let key_ty = self.ty_of(index.syntax());
                        let key = self.convert(key, &key_ty, k);
                        let key = self.word(key);
                        let old = if op != SyntaxKind::EQ {
                            let site = self.site(ix.syntax())?;
                            let w = self.rt("pluto_map_index", &[container, key, site]);
                            Some(self.convert(w, v, &target_ty))
                        } else {
                            None
                        };
                        let new = compute(self, old, &target_ty)?;
                        let new = self.convert(new, &target_ty, v);
                        let new = self.word(new);
                        self.rt_void("pluto_map_insert", &[container, key, new]);
                    }
                    _ => return Err(self.unsupported(s.syntax(), "assigning through this index")),
                }
            }
            _ => return Err(self.unsupported(s.syntax(), "assignment to this expression")),
        }
        Ok(())
    }

    /// The word index and declared type of the field a field expression names.
    pub fn field_slot(&self, f: &ast::FieldExpr) -> Result<(i32, Ty)> {
        let name_ref = f.name_ref().ok_or_else(|| self.unsupported(f.syntax(), "this field"))?;
        let name = name_ref.text();
        let receiver_ty = f.receiver().map(|r| self.ty_of(r.syntax())).unwrap_or(Ty::Unknown);
        let loc = match &receiver_ty {
            // In a template's method compiled for a concrete stage, `self` is that stage.
            Ty::Adt(loc, _) if crate::is_stage(self.db, *loc) => self.owner.stage.unwrap_or(*loc),
            Ty::Adt(loc, _) => *loc,
            _ => return Err(self.unsupported(f.syntax(), "fields of this type")),
        };
        let data = self.sema().adt(loc);
        if let Some(i) = data.deps.iter().position(|(n, _)| *n == name) {
            return Ok((crate::layout::first_field(self.db, loc) + i as i32, data.deps[i].1.clone()));
        }
        match data.fields.iter().position(|fd| fd.name == name) {
            Some(i) => {
                Ok((crate::layout::fields_start(self.db, self.program, loc) + i as i32, data.fields[i].ty.clone()))
            }
            None => Err(self.unsupported(f.syntax(), "this field")),
        }
    }
}
