//! Statements: blocks, `let` with patterns, assignment (to locals,
//! fields and elements), and loops (`while`, `for` over ranges, arrays, maps and channel
//! receivers).

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{self, InstBuilder, Value, types};
use pluto_hir::{AssignOp, BindingId, Expr, ExprId, Name, NameSite, Pat, PatId, Statement, Target, Ty};
use pluto_syntax::TextRange;

use crate::function::{Loop, Lowerer, Result};
use crate::layout::machine_type;

impl Lowerer<'_, '_> {
    /// A block's statements in a scope of their own; the value of its last one if that
    /// is an expression.
    pub fn block(&mut self, block: ExprId) -> Result<Option<Value>> {
        let Expr::Block { statements } = &self.body.exprs[block] else {
            return Err(self.unsupported(self.range(block), "this block"));
        };
        let mut value = None;
        for (i, stmt) in statements.iter().enumerate() {
            self.ensure_open();
            let is_tail = i + 1 == statements.len();
            match stmt {
                Statement::Expr { expr, .. } if is_tail => {
                    if let Some(e) = *expr {
                        value = self.expr(e)?;
                    }
                }
                _ => self.stmt(stmt)?,
            }
        }
        Ok(if self.filled { None } else { value })
    }

    /// The type of a block's value: its last statement's, when that is an expression.
    pub fn block_ty(&self, block: ExprId) -> Ty {
        match &self.body.exprs[block] {
            Expr::Block { statements } => match statements.last() {
                Some(Statement::Expr { expr: Some(e), .. }) => self.ty_of(*e),
                _ => Ty::Void,
            },
            _ => self.ty_of(block),
        }
    }

    fn stmt(&mut self, stmt: &Statement) -> Result<()> {
        match stmt {
            Statement::Let { pat, initializer, range, .. } => {
                let value = match *initializer {
                    Some(e) => {
                        let v = self.expr(e)?;
                        v.map(|v| (v, self.ty_of(e)))
                    }
                    None => None,
                };
                self.ensure_open();
                match *pat {
                    Some(pattern) => self.bind(pattern, value, *range)?,
                    None => return Err(self.unsupported(*range, "a `let` without a name")),
                }
            }
            Statement::Expr { expr, .. } => {
                if let Some(e) = *expr {
                    self.expr(e)?;
                }
            }
            Statement::Assign { target, op, value, range } => {
                let (Some(target), Some(value)) = (*target, *value) else {
                    return Err(self.unsupported(*range, "this assignment"));
                };
                self.assign(target, op.unwrap_or(AssignOp::Assign), value, *range)?
            }
            Statement::While { condition, body: inner, range } => {
                let header = self.b.create_block();
                let body = self.b.create_block();
                let exit = self.b.create_block();
                let hoisted = self.hoist_arrays(stmt);
                self.jump(header, &[]);
                self.switch_to(header);
                let cond = condition.ok_or_else(|| self.unsupported(*range, "a `while` without a condition"))?;
                let c = self.value(cond)?;
                self.b.ins().brif(c, body, &[], exit, &[]);
                self.b.seal_block(body);
                self.switch_to(body);
                self.loop_body(header, exit, *inner)?;
                self.close_loop(header, exit);
                self.unhoist(hoisted);
            }
            Statement::For { pat, iterable, body, range } => {
                let hoisted = self.hoist_arrays(stmt);
                let result = self.for_loop(*pat, *iterable, *body, *range);
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
    fn hoist_arrays(&mut self, looped: &Statement) -> Vec<BindingId> {
        if self.filled {
            return Vec::new();
        }
        let body = self.body;
        // The locals (by declaration) indexed and assigned in the loop, by an explicit walk.
        let declared = |e: ExprId| match &body.exprs[e] {
            Expr::Path { .. } => match self.result.resolutions.get(NameSite::Expr(e)) {
                Some(Target::Local(declared)) => Some(*declared),
                _ => None,
            },
            _ => None,
        };
        let mut exprs = Vec::new();
        looped.exprs(&mut exprs);
        let mut indexed = Vec::new();
        let mut assigned = Vec::new();
        while let Some(e) = exprs.pop() {
            match &body.exprs[e] {
                Expr::Call { .. } => return Vec::new(),
                Expr::Index { base, .. } => indexed.extend(declared(*base)),
                Expr::Block { statements } => {
                    for s in statements {
                        if let Statement::Assign { target: Some(t), .. } = s {
                            assigned.extend(declared(*t));
                        }
                    }
                }
                _ => {}
            }
            exprs.extend(body.children(e));
        }
        if let Statement::Assign { target: Some(t), .. } = looped {
            assigned.extend(declared(*t));
        }
        let mut hoisted = Vec::new();
        for at in indexed {
            if assigned.contains(&at) || self.hoisted.contains_key(&at) || hoisted.contains(&at) {
                continue;
            }
            // Declared before the loop (a local of the loop itself is not there yet).
            let Some(local) = self.local_of(Some(at)) else { continue };
            if !matches!(local.ty, Ty::Array(_) | Ty::Bytes) {
                continue;
            }
            let array = self.b.use_var(local.var);
            let [len, data, kind] = [0, 2, 3].map(|word| self.header(array, word));
            self.headers.insert(array, [len, data, kind]);
            self.hoisted.insert(at, array);
            hoisted.push(at);
        }
        hoisted
    }

    fn unhoist(&mut self, locals: Vec<BindingId>) {
        for at in locals {
            if let Some(array) = self.hoisted.remove(&at) {
                self.headers.remove(&array);
            }
        }
    }

    /// Binds a `let` pattern: a name (typed by inference) or a tuple of names.
    fn bind(&mut self, pattern: PatId, value: Option<(Value, Ty)>, at: TextRange) -> Result<()> {
        let body = self.body;
        match &body.pats[pattern] {
            Pat::Bind(b) => {
                let ty = self.binding_ty(*b);
                let value = value.map(|(v, from)| self.convert(v, &from, &ty));
                self.declare(Some(*b), ty, value);
                Ok(())
            }
            Pat::Wildcard => Ok(()),
            Pat::Tuple(elements) => {
                // A tuple is an object of one word per element.
                let Some((tuple, Ty::Tuple(element_tys))) = value else {
                    return Err(self.unsupported(at, "this tuple pattern"));
                };
                let tuple = self.word(tuple);
                for (i, (element, ty)) in elements.iter().zip(element_tys.iter()).enumerate() {
                    let v = self.load_word(tuple, i as i32, ty);
                    self.bind(*element, Some((v, ty.clone())), at)?;
                }
                Ok(())
            }
            _ => Err(self.unsupported(at, "this pattern in `let`")),
        }
    }

    fn for_loop(
        &mut self,
        pat: Option<PatId>,
        iterable: Option<ExprId>,
        looped: Option<ExprId>,
        at: TextRange,
    ) -> Result<()> {
        let Some(iterable) = iterable else {
            return Err(self.unsupported(at, "a `for` without anything to iterate"));
        };
        let Some(pattern) = pat else {
            return Err(self.unsupported(at, "a `for` without a pattern"));
        };
        if let Ty::Receiver(element) = self.ty_of(iterable) {
            return self.receive_loop(at, iterable, pattern, looped, &element);
        }
        // Ranges count; arrays (and map keys, sets) walk their elements by index.
        let (start, end, inclusive, items, element) = match self.body.exprs[iterable] {
            Expr::Range { start, end, inclusive } => {
                let (Some(start), Some(end)) = (start, end) else {
                    return Err(self.unsupported(at, "open ranges"));
                };
                let start = self.value(start)?;
                let end = self.value(end)?;
                (start, end, inclusive, None, Ty::Int)
            }
            _ => {
                let ty = self.ty_of(iterable);
                let v = self.value(iterable)?;
                let (array, element) = match &ty {
                    Ty::Array(t) => (v, (**t).clone()),
                    Ty::Map(k, _) => (self.rt("pluto_map_keys", &[v]), (**k).clone()),
                    Ty::Set(t) => (self.rt("pluto_map_keys", &[v]), (**t).clone()),
                    Ty::Bytes => (v, Ty::Byte),
                    _ => return Err(self.unsupported(at, "`for` over this type")),
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
        let current = self.b.use_var(counter);
        let value = match items {
            Some((array, _)) => self.array_get(array, current, &element, at)?,
            None => current,
        };
        // The element type says how the value is represented.
        self.bind(pattern, Some((value, element)), at)?;
        self.loop_body(step, exit, looped)?;
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
    fn receive_loop(
        &mut self,
        at: TextRange,
        rx: ExprId,
        pattern: PatId,
        looped: Option<ExprId>,
        element: &Ty,
    ) -> Result<()> {
        let channel = self.value(rx)?;
        let slot = self.b.create_sized_stack_slot(ir::StackSlotData::new(ir::StackSlotKind::ExplicitSlot, 8, 3));
        let header = self.b.create_block();
        let body = self.b.create_block();
        let exit = self.b.create_block();
        self.jump(header, &[]);
        self.switch_to(header);
        let out = self.b.ins().stack_addr(types::I64, slot, 0);
        let site = self.site(at)?;
        let status = self.rt("pluto_chan_next", &[channel, out, site]);
        self.b.ins().brif(status, exit, &[], body, &[]);
        self.b.seal_block(body);
        self.switch_to(body);
        let word = self.b.ins().stack_load(types::I64, types::I64, slot, 0);
        let value = self.coerce(word, machine_type(element).unwrap_or(types::I64));
        self.bind(pattern, Some((value, element.clone())), at)?;
        self.loop_body(header, exit, looped)?;
        self.close_loop(header, exit);
        Ok(())
    }

    /// A loop's body, where `continue` goes to `next` and `break` to `exit`.
    fn loop_body(&mut self, next: ir::Block, exit: ir::Block, body: Option<ExprId>) -> Result<()> {
        self.loops.push(Loop { header: next, exit });
        let lowered = body.map_or(Ok(None), |b| self.block(b));
        self.loops.pop();
        lowered.map(|_| ())
    }

    /// Jumps back to `header` and goes on at `exit`. Sealing as soon as every jump to a
    /// block is known lets the SSA builder avoid block parameters for values that do not
    /// change in the loop.
    fn close_loop(&mut self, header: ir::Block, exit: ir::Block) {
        self.jump(header, &[]);
        self.b.seal_block(header);
        self.b.seal_block(exit);
        self.switch_to(exit);
    }

    fn assign(&mut self, target: ExprId, op: AssignOp, value: ExprId, at: TextRange) -> Result<()> {
        let written_ty = self.ty_of(target);
        let compute = |l: &mut Self, old: Option<Value>, target_ty: &Ty| -> Result<Value> {
            let value_ty = l.ty_of(value);
            let v = l.value(value)?;
            let v = l.convert(v, &value_ty, target_ty);
            match old {
                None => Ok(v),
                Some(old) => {
                    let binary = op.binary().ok_or_else(|| l.unsupported(at, "this assignment"))?;
                    l.arith(binary, target_ty, old, v, at)
                }
            }
        };
        let body = self.body;
        match &body.exprs[target] {
            Expr::Path { .. } => {
                let local =
                    self.local(NameSite::Expr(target)).ok_or_else(|| self.unsupported(at, "this assignment"))?;
                let target_ty = if written_ty.is_unknown() { local.ty.clone() } else { written_ty.clone() };
                let old = (op != AssignOp::Assign).then(|| self.b.use_var(local.var));
                let old = old.map(|v| self.convert(v, &local.ty, &target_ty));
                let new = compute(self, old, &target_ty)?;
                let new = self.convert(new, &target_ty, &local.ty);
                self.b.def_var(local.var, new);
                if let Some(Target::Local(b)) = self.resolution(NameSite::Expr(target))
                    && let Some(&(closure, slot)) = self.capture_slots.get(&b)
                {
                    self.store_word(closure, slot, new);
                }
            }
            Expr::Field { receiver, name, .. } => {
                let object = self.value(*receiver)?;
                let (index, slot_ty) = self.field_slot(target, *receiver, name.as_ref())?;
                let target_ty = if written_ty.is_unknown() { slot_ty.clone() } else { written_ty.clone() };
                let old = if op != AssignOp::Assign {
                    let w = self.load_word(object, index, &slot_ty);
                    Some(self.convert(w, &slot_ty, &target_ty))
                } else {
                    None
                };
                let new = compute(self, old, &target_ty)?;
                let new = self.convert(new, &target_ty, &slot_ty);
                self.store_word(object, index, new);
            }
            Expr::Index { base, index } => {
                let (base, index) = (*base, *index);
                let ix = self.range(target);
                let base_ty = self.ty_of(base);
                let container = self.value(base)?;
                let key = self.value(index)?;
                match &base_ty {
                    Ty::Array(element) => {
                        let target_ty = (**element).clone();
                        let old = match op {
                            AssignOp::Assign => None,
                            _ => Some(self.array_get(container, key, element, ix)?),
                        };
                        let new = compute(self, old, &target_ty)?;
                        let new = self.convert(new, &target_ty, element);
                        self.array_set(container, key, new, element, ix)?;
                    }
                    Ty::Map(k, v) => {
                        let target_ty = (**v).clone();
                        let key_ty = self.ty_of(index);
                        let key = self.convert(key, &key_ty, k);
                        let key = self.word(key);
                        let old = if op != AssignOp::Assign {
                            let site = self.site(ix)?;
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
                    _ => return Err(self.unsupported(at, "assigning through this index")),
                }
            }
            _ => return Err(self.unsupported(at, "assignment to this expression")),
        }
        Ok(())
    }

    /// The word index and declared type of the field that field expression `f`
    /// (`receiver.name`) names.
    pub fn field_slot(&self, f: ExprId, receiver: ExprId, name: Option<&Name>) -> Result<(i32, Ty)> {
        let at = self.range(f);
        let name = name.ok_or_else(|| self.unsupported(at, "this field"))?.text.clone();
        let receiver_ty = self.ty_of(receiver);
        let loc = match &receiver_ty {
            // In a template's method compiled for a concrete stage, `self` is that stage.
            Ty::Adt(loc, _) if crate::is_stage(self.db, *loc) => self.owner.stage.unwrap_or(*loc),
            Ty::Adt(loc, _) => *loc,
            _ => return Err(self.unsupported(at, "fields of this type")),
        };
        let data = self.sema().adt(loc);
        if let Some(i) = data.deps.iter().position(|(n, _)| *n == name) {
            return Ok((crate::layout::first_field(self.db, loc) + i as i32, data.deps[i].1.clone()));
        }
        match data.fields.iter().position(|fd| fd.name == name) {
            Some(i) => {
                Ok((crate::layout::fields_start(self.db, self.program, loc) + i as i32, data.fields[i].ty.clone()))
            }
            None => Err(self.unsupported(at, "this field")),
        }
    }
}
