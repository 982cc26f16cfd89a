//! Expressions: literals, strings, operators, fields, indexing, collection and struct
//! literals, closures, and `if`/`match` as values.

use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{self, InstBuilder, StackSlotData, StackSlotKind, Value, types};
use pluto_hir::{
    BinaryOp, Capture, Expr, ExprId, FieldInit, FnLoc, ItemKind, ItemLoc, Literal, Name, NameSite, Param, StringPart,
    Target, Ty,
};
use pluto_syntax::TextRange;

use cranelift_module::Module;

use crate::function::{ClosureJob, Local, Lowerer, Result};
use crate::layout::{fields_start, type_args};
use crate::{FnKey, Job, ThunkKind};

impl Lowerer<'_, '_> {
    /// An expression that must produce a value.
    pub fn value(&mut self, e: ExprId) -> Result<Value> {
        match self.expr(e)? {
            Some(v) => Ok(v),
            // After `return`, `raise` or a fault the value is never used.
            None if self.filled => {
                self.ensure_open();
                Ok(self.b.ins().iconst(types::I64, 0))
            }
            None => Err(self.unsupported(self.range(e), "this expression as a value")),
        }
    }

    /// An expression's value as a word (for containers and runtime calls).
    pub fn word_of(&mut self, e: ExprId) -> Result<Value> {
        let v = self.value(e)?;
        Ok(self.word(v))
    }

    /// An expression's value converted to type `to`.
    pub fn value_as(&mut self, e: ExprId, to: &Ty) -> Result<Value> {
        let from = self.ty_of(e);
        let v = self.value(e)?;
        Ok(self.convert(v, &from, to))
    }

    pub fn expr(&mut self, e: ExprId) -> Result<Option<Value>> {
        pluto_syntax::ensure_stack(|| self.expr_inner(e))
    }

    fn expr_inner(&mut self, e: ExprId) -> Result<Option<Value>> {
        self.ensure_open();
        let ty = self.ty_of(e);
        let at = self.range(e);
        let body = self.body;
        match &body.exprs[e] {
            Expr::Missing => Err(self.unsupported(at, "this expression")),
            Expr::Literal(l) => self.literal(l, &ty, at).map(Some),
            Expr::String(parts) => self.string(parts).map(Some),
            Expr::Path { name, .. } => self.path(e, name, &ty).map(Some),
            Expr::Prefix { not, expr: operand } => {
                let v = self.value(*operand)?;
                Ok(Some(match (*not, &ty) {
                    (true, _) => self.b.ins().bxor_imm_s(v, 1),
                    (false, Ty::Float) => self.b.ins().fneg(v),
                    (false, _) => self.b.ins().ineg(v),
                }))
            }
            Expr::Binary { op, lhs, rhs } => self.binary(at, *op, *lhs, *rhs).map(Some),
            Expr::Cast { expr: inner, .. } => {
                let inner = *inner;
                let from = self.ty_of(inner);
                let v = self.value(inner)?;
                Ok(Some(match (&from, &ty) {
                    (Ty::Int | Ty::Byte, Ty::Float) => self.b.ins().fcvt_from_sint(types::F64, v),
                    (Ty::Float, Ty::Int | Ty::Byte) => {
                        let n = self.b.ins().fcvt_to_sint_sat(types::I64, v);
                        if ty == Ty::Byte { self.b.ins().band_imm_u(n, 0xff) } else { n }
                    }
                    (Ty::Int, Ty::Byte) => self.b.ins().band_imm_u(v, 0xff),
                    (Ty::Byte, Ty::Int) => v,
                    (Ty::Int | Ty::Float | Ty::Bool | Ty::Byte, Ty::Str) => self.string_of(v, &from)?,
                    (a, b) if a == b => v,
                    _ => return Err(self.unsupported(at, "this cast")),
                }))
            }
            Expr::Call { callee, args } => self.call(e, *callee, args, &ty),
            Expr::Propagate(inner) => self.expr(*inner),
            Expr::Try(inner) => {
                let inner = *inner;
                let inner_ty = self.ty_of(inner);
                let v = self.value(inner)?;
                let v = self.word(v);
                // `none`: the function returns `none` (a zero word in every nullable layout).
                let present = self.b.create_block();
                let absent = self.b.create_block();
                self.b.ins().brif(v, present, &[], absent, &[]);
                self.b.seal_block(present);
                self.b.seal_block(absent);
                self.switch_to(absent);
                let none = self.b.ins().iconst(types::I64, 0);
                self.emit_return(Some((none, Ty::Never)), None);
                self.switch_to(present);
                Ok(Some(self.convert(v, &inner_ty, &ty)))
            }
            Expr::Catch { expr: inner, handlers } => self.catch_expr(e, *inner, handlers, &ty),
            Expr::Raise(value) => {
                self.raise(e, *value)?;
                Ok(None)
            }
            Expr::If { condition, then_branch, else_branch } => {
                self.if_expr(e, *condition, *then_branch, *else_branch, &ty)
            }
            Expr::Match { scrutinee, arms } => self.match_expr(*scrutinee, arms, &ty),
            Expr::Block { .. } => self.block(e),
            Expr::Return(value) => {
                let value = match *value {
                    Some(v) => {
                        let from = self.ty_of(v);
                        self.expr(v)?.map(|v| (v, from))
                    }
                    None => None,
                };
                self.emit_return(value, None);
                Ok(None)
            }
            Expr::Break | Expr::Continue => {
                let target = {
                    let l = self.loops.last().ok_or_else(|| self.unsupported(at, "this `break`"))?;
                    if matches!(body.exprs[e], Expr::Break) { l.exit } else { l.header }
                };
                self.jump(target, &[]);
                Ok(None)
            }
            Expr::Field { receiver, name, .. } => self.field(e, *receiver, name.as_ref(), &ty).map(Some),
            Expr::Index { base, index } => self.index(at, *base, *index, &ty).map(Some),
            Expr::Array(_) | Expr::Map { .. } | Expr::Set { .. } | Expr::Tuple(_) => self.collection(e, &ty),
            Expr::StructLit { path, fields, .. } => self.struct_lit(e, path, fields, &ty).map(Some),
            Expr::Closure { params, .. } => self.closure(e, params).map(Some),
            Expr::Spawn(inner) => match &body.exprs[*inner] {
                Expr::Call { callee, args } => self.spawn(*inner, *callee, args).map(Some),
                _ => Err(self.unsupported(at, "`spawn` of something other than a call")),
            },
            Expr::Range { .. } => Err(self.unsupported(at, "ranges outside `for`")),
        }
    }

    /// Array, map, set and tuple literals: a new container of type `ty` holding the
    /// elements, each converted to the element type.
    fn collection(&mut self, e: ExprId, ty: &Ty) -> Result<Option<Value>> {
        let at = self.range(e);
        let body = self.body;
        match &body.exprs[e] {
            Expr::Array(items) => {
                let element = match ty {
                    Ty::Array(t) => (**t).clone(),
                    _ => Ty::Unknown,
                };
                let cap = self.b.ins().iconst(types::I64, items.len() as i64);
                let array = self.array_new(cap, &element);
                for item in items {
                    let v = self.value_as(*item, &element)?;
                    self.array_push(array, v, &element);
                }
                Ok(Some(array))
            }
            Expr::Map { entries, .. } => {
                let (k, v) = match ty {
                    Ty::Map(k, v) => ((**k).clone(), (**v).clone()),
                    _ => return Err(self.unsupported(at, "this map")),
                };
                let key_desc = self.type_desc_addr(&k)?;
                let map = self.rt("pluto_map_new", &[key_desc]);
                for entry in entries {
                    let (Some(key), Some(value)) = *entry else { continue };
                    let key = self.value_as(key, &k)?;
                    let key = self.word(key);
                    let value = self.value_as(value, &v)?;
                    let value = self.word(value);
                    self.rt_void("pluto_map_insert", &[map, key, value]);
                }
                Ok(Some(map))
            }
            Expr::Set { elements, .. } => {
                let element = match ty {
                    Ty::Set(t) => (**t).clone(),
                    _ => return Err(self.unsupported(at, "this set")),
                };
                let desc = self.type_desc_addr(&element)?;
                let set = self.rt("pluto_set_new", &[desc]);
                for item in elements {
                    let v = self.value_as(*item, &element)?;
                    let w = self.word(v);
                    let zero = self.b.ins().iconst(types::I64, 0);
                    self.rt_void("pluto_map_insert", &[set, w, zero]);
                }
                Ok(Some(set))
            }
            Expr::Tuple(items) => {
                let Ty::Tuple(elements) = ty else { return Err(self.unsupported(at, "this tuple")) };
                let elements = elements.clone();
                let tuple = self.alloc(elements.len() as i64, false);
                for (i, (item, element)) in items.iter().zip(elements.iter()).enumerate() {
                    let v = self.value_as(*item, element)?;
                    let w = self.word(v);
                    self.store_word(tuple, i as i32, w);
                }
                Ok(Some(tuple))
            }
            _ => Err(self.unsupported(at, "this literal")),
        }
    }

    fn literal(&mut self, l: &Literal, ty: &Ty, at: TextRange) -> Result<Value> {
        Ok(match l {
            Literal::Int(_) if *ty == Ty::Float => {
                let n = parse_int(l).ok_or_else(|| self.unsupported(at, "this number"))?;
                self.b.ins().f64const(n as f64)
            }
            Literal::Int(_) => {
                let n = parse_int(l).ok_or_else(|| self.unsupported(at, "this number"))?;
                self.b.ins().iconst(types::I64, n)
            }
            Literal::Float(text) => {
                let n: f64 = text.replace('_', "").parse().map_err(|_| self.unsupported(at, "this number"))?;
                self.b.ins().f64const(n)
            }
            Literal::Bool(b) => self.b.ins().iconst(types::I8, *b as i64),
            Literal::None => self.b.ins().iconst(types::I64, 0),
        })
    }

    /// A string literal: a static object, or the pieces of an interpolation joined.
    fn string(&mut self, pieces: &[StringPart]) -> Result<Value> {
        let mut parts = Vec::new();
        for part in pieces {
            match part {
                StringPart::Text(t) => {
                    let id = self.g.string_object(&unescape(t))?;
                    parts.push(self.data_addr(id));
                }
                StringPart::Interpolation(e) => {
                    let ty = self.ty_of(*e);
                    let v = self.value(*e)?;
                    parts.push(self.string_of(v, &ty)?);
                }
            }
        }
        match parts.len() {
            0 => {
                let id = self.g.string_object("")?;
                Ok(self.data_addr(id))
            }
            1 => Ok(parts[0]),
            2 => Ok(self.rt("pluto_str_concat", &[parts[0], parts[1]])),
            n => {
                let slot =
                    self.b.create_sized_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, n as u32 * 8, 3));
                for (i, p) in parts.iter().enumerate() {
                    self.b.ins().stack_store(types::I64, *p, slot, i as i32 * 8);
                }
                let addr = self.b.ins().stack_addr(types::I64, slot, 0);
                let count = self.b.ins().iconst(types::I64, n as i64);
                Ok(self.rt("pluto_str_concat_n", &[addr, count]))
            }
        }
    }

    /// Any value as a string object.
    pub fn string_of(&mut self, v: Value, ty: &Ty) -> Result<Value> {
        Ok(match ty {
            Ty::Str => v,
            Ty::Int => self.rt("pluto_int_to_str", &[v]),
            Ty::Float => self.call_rt("pluto_float_to_str", &[v])[0],
            _ => {
                let desc = self.type_desc_addr(ty)?;
                let w = self.word(v);
                self.rt("pluto_to_string", &[w, desc])
            }
        })
    }

    fn path(&mut self, e: ExprId, name_ref: &Name, ty: &Ty) -> Result<Value> {
        let at = self.range(e);
        let name = name_ref.text.clone();
        if let Some(local) = self.local(NameSite::Expr(e)) {
            let hoisted = match self.result.resolutions.get(NameSite::Expr(e)) {
                Some(Target::Local(b)) => self.hoisted.get(b).copied(),
                _ => None,
            };
            let v = hoisted.unwrap_or_else(|| self.b.use_var(local.var));
            return Ok(self.convert(v, &local.ty, ty));
        }
        match self.resolution(NameSite::Expr(e)) {
            Some(Target::Fn(f)) => self.function_value(f, None, ty),
            // An error without fields is its own value: `raise Empty`.
            Some(Target::Item(loc)) if matches!(loc.item(self.db).kind, ItemKind::Error(_)) => {
                self.error_object(loc, &[], at)
            }
            _ => Err(self.unsupported(at, &format!("the name `{name}` here"))),
        }
    }

    /// A function as a value: a closure object `[thunk][receiver]`. `ty` is the value's
    /// function type, which fixes a generic function's type arguments.
    pub fn function_value(&mut self, f: FnLoc, receiver: Option<(Value, Ty)>, ty: &Ty) -> Result<Value> {
        let receiver_ty = receiver.as_ref().map(|(_, t)| t);
        let is_trait = f.container().is_some_and(|c| matches!(c.item(self.db).kind, ItemKind::Trait(_)));
        let (f, kind) = match receiver_ty {
            // A trait method on a known class: that class's method (or the default).
            Some(Ty::Adt(class, _)) if is_trait => (crate::implementation(self.db, *class, f), ThunkKind::Value),
            // Otherwise the receiver's vtable decides when the value is called.
            Some(_) if is_trait => (f, ThunkKind::Dispatch),
            _ => (f, ThunkKind::Value),
        };
        let key = match kind {
            ThunkKind::Dispatch => FnKey::plain(f),
            _ => self.instance_for(f, receiver_ty, ty),
        };
        let thunk = self.g.thunk(self.db, self.program, key, kind)?;
        let object = self.alloc(2, false);
        let fr = self.g.module.declare_func_in_func(thunk, self.b.func);
        let code = self.b.ins().func_addr(types::I64, fr);
        self.store_word(object, 0, code);
        if let Some((r, _)) = receiver {
            self.store_word(object, 1, r);
        }
        Ok(object)
    }

    fn field(&mut self, f: ExprId, receiver: ExprId, name: Option<&Name>, ty: &Ty) -> Result<Value> {
        let at = self.range(f);
        let name_ref = name.ok_or_else(|| self.unsupported(at, "this field"))?;
        match self.resolution(NameSite::Expr(f)) {
            Some(Target::Variant(enum_loc, variant)) => {
                return self.variant(enum_loc, &type_args(ty), &variant, &[], at);
            }
            Some(Target::Fn(method)) => {
                let receiver_ty = self.ty_of(receiver);
                let r = self.value(receiver)?;
                return self.function_value(method, Some((r, receiver_ty)), ty);
            }
            _ => {}
        }
        let receiver_ty = self.ty_of(receiver);
        let object = self.value(receiver)?;
        match &receiver_ty {
            Ty::Adt(..) => {
                let (index, slot_ty) = self.field_slot(f, receiver, Some(name_ref))?;
                let v = self.load_word(object, index, &slot_ty);
                Ok(self.convert(v, &slot_ty, ty))
            }
            Ty::AnyError => Err(self.unsupported(at, "fields of an error caught without a type")),
            _ => Err(self.unsupported(at, "this field")),
        }
    }

    /// An enum value: `[desc][variant][fields...]`.
    pub fn variant(
        &mut self,
        enum_loc: ItemLoc,
        args: &[Ty],
        variant: &str,
        fields: &[Value],
        node: TextRange,
    ) -> Result<Value> {
        let data = self.sema().adt(enum_loc);
        let index = data
            .variants
            .iter()
            .position(|(n, _)| n == variant)
            .ok_or_else(|| self.unsupported(node, "this variant"))?;
        let object = self.alloc(2 + fields.len() as i64, false);
        let desc = self.adt_desc_addr(enum_loc, args)?;
        self.store_word(object, 0, desc);
        let i = self.b.ins().iconst(types::I64, index as i64);
        self.store_word(object, 1, i);
        for (j, v) in fields.iter().enumerate() {
            self.store_word(object, 2 + j as i32, *v);
        }
        Ok(object)
    }

    fn index(&mut self, ix: TextRange, base: ExprId, index: ExprId, ty: &Ty) -> Result<Value> {
        let base_ty = self.ty_of(base);
        let container = self.value(base)?;
        match &base_ty {
            Ty::Array(element) => {
                let i = self.value(index)?;
                let v = self.array_get(container, i, element, ix)?;
                Ok(self.convert(v, element, ty))
            }
            Ty::Bytes => {
                let i = self.value(index)?;
                self.array_get(container, i, &Ty::Byte, ix)
            }
            Ty::Map(k, v) => {
                let key = self.value_as(index, k)?;
                let key = self.word(key);
                let site = self.site(ix)?;
                let w = self.rt("pluto_map_index", &[container, key, site]);
                Ok(self.convert(w, v, ty))
            }
            _ => Err(self.unsupported(ix, "indexing this type")),
        }
    }

    fn struct_lit(&mut self, lit: ExprId, path: &[Name], inits: &[FieldInit], ty: &Ty) -> Result<Value> {
        let at = self.range(lit);
        let Ty::Adt(loc, _) = ty else { return Err(self.unsupported(at, "this literal")) };
        let loc = *loc;
        let item = loc.item(self.db);
        let data = self.sema().adt(loc).clone();
        if let ItemKind::Enum { .. } = item.kind {
            let variant = path.last().map(|n| n.text.clone()).unwrap_or_default();
            let fields = data.variants.iter().find(|(n, _)| *n == variant).map(|(_, f)| f.clone()).unwrap_or_default();
            let mut values = Vec::new();
            for fd in &fields {
                let v = match init_of(inits, &fd.name) {
                    Some((n, init)) => self.field_init(lit, n, init, &fd.ty)?,
                    None => self.b.ins().iconst(types::I64, 0),
                };
                values.push(v);
            }
            return self.variant(loc, &type_args(ty), &variant, &values, at);
        }
        let first = fields_start(self.db, self.program, loc);
        let object = self.alloc(first as i64 + data.fields.len() as i64, false);
        let desc = self.adt_desc_addr(loc, &type_args(ty))?;
        self.store_word(object, 0, desc);
        if matches!(item.kind, ItemKind::Error(_)) {
            let site = self.site(at)?;
            self.store_word(object, 1, site);
        }
        self.store_defaults(loc, object)?;
        for (i, fd) in data.fields.iter().enumerate() {
            if let Some((n, init)) = init_of(inits, &fd.name) {
                let v = self.field_init(lit, n, init, &fd.ty)?;
                self.store_word(object, first + i as i32, v);
            }
        }
        Ok(object)
    }

    /// The value of `name: value` or of the shorthand `name` (field `n` of literal `lit`),
    /// as a word of type `slot`.
    fn field_init(&mut self, lit: ExprId, n: u32, init: &FieldInit, slot: &Ty) -> Result<Value> {
        let v = match init.value {
            Some(value) => self.value_as(value, slot)?,
            None => {
                let local = self
                    .local(NameSite::LitShorthand(lit, n))
                    .ok_or_else(|| self.unsupported(init.range, "this field"))?;
                let v = self.b.use_var(local.var);
                self.convert(v, &local.ty, slot)
            }
        };
        Ok(self.word(v))
    }

    /// Stores the field defaults of `class` (if it has any) into a new `object`.
    pub fn store_defaults(&mut self, class: ItemLoc, object: Value) -> Result<()> {
        if self.sema().adt(class).fields.iter().any(|f| f.has_default) {
            let defaults = self.defaults_fn(class)?;
            let fr = self.g.module.declare_func_in_func(defaults, self.b.func);
            self.b.ins().call(fr, &[object]);
        }
        Ok(())
    }

    /// The function storing the field defaults of `class`, declared on first use.
    fn defaults_fn(&mut self, class: ItemLoc) -> Result<cranelift_module::FuncId> {
        if let Some(Some(id)) = self.g.defaults.get(&class) {
            return Ok(*id);
        }
        let mut sig = self.g.module.make_signature();
        sig.params.push(ir::AbiParam::new(types::I64));
        sig.returns.push(ir::AbiParam::new(types::I64));
        let name = format!("pluto_defaults_{}_{}", class.item(self.db).name, self.g.defaults.len());
        let id =
            self.g.module.declare_function(&name, cranelift_module::Linkage::Local, &sig).map_err(crate::backend)?;
        self.g.defaults.insert(class, Some(id));
        self.g.queue.push_back(Job::Defaults(class, id));
        Ok(id)
    }

    /// A closure: an object with its code and captured values, compiled later.
    fn closure(&mut self, c: ExprId, params: &[Param]) -> Result<Value> {
        let range = self.range(c);
        // Captured: what inference found the closure uses from around it, as the
        // enclosing code holds it.
        let index = self.result.closures.iter().position(|r| *r == range);
        let captured: Vec<(Capture, Local)> = index
            .and_then(|i| self.result.captures.get(i))
            .into_iter()
            .flatten()
            .filter_map(|c| self.local_of(c.0).map(|local| (*c, local)))
            .collect();
        let arity = params.len();
        let sig = self.g.value_signature(arity);
        let name = format!("pluto_closure{}", self.g.closures);
        self.g.closures += 1;
        let id =
            self.g.module.declare_function(&name, cranelift_module::Linkage::Local, &sig).map_err(crate::backend)?;
        self.g.queue.push_back(Job::Closure(ClosureJob {
            id,
            owner: self.owner.clone(),
            body: self.body_owner.ok_or_else(|| self.unsupported(range, "a closure here"))?,
            expr: c,
            decl: self.decl,
            captures: captured.iter().map(|(c, local)| (*c, local.ty.clone())).collect(),
        }));
        let object = self.alloc(1 + captured.len() as i64, false);
        let fr = self.g.module.declare_func_in_func(id, self.b.func);
        let code = self.b.ins().func_addr(types::I64, fr);
        self.store_word(object, 0, code);
        for (i, (_, local)) in captured.iter().enumerate() {
            let v = self.b.use_var(local.var);
            self.store_word(object, 1 + i as i32, v);
        }
        Ok(object)
    }

    fn binary(&mut self, at: TextRange, op: Option<BinaryOp>, lhs: ExprId, rhs: ExprId) -> Result<Value> {
        let op = op.ok_or_else(|| self.unsupported(at, "this operator"))?;
        if matches!(op, BinaryOp::And | BinaryOp::Or) {
            // Short-circuit: the right side runs only when it decides the result.
            let l = self.value(lhs)?;
            let rhs_block = self.b.create_block();
            let done = self.b.create_block();
            self.b.append_block_param(done, types::I8);
            if op == BinaryOp::And {
                self.b.ins().brif(l, rhs_block, &[], done, &[ir::BlockArg::Value(l)]);
            } else {
                self.b.ins().brif(l, done, &[ir::BlockArg::Value(l)], rhs_block, &[]);
            }
            self.b.seal_block(rhs_block);
            self.switch_to(rhs_block);
            let r = self.value(rhs)?;
            self.jump(done, &[r]);
            self.b.seal_block(done);
            self.switch_to(done);
            return Ok(self.b.block_params(done)[0]);
        }
        let lhs_ty = self.ty_of(lhs);
        let rhs_ty = self.ty_of(rhs);
        let is_none = |e: ExprId| matches!(self.body.exprs[e], Expr::Literal(Literal::None));
        if matches!(op, BinaryOp::Eq | BinaryOp::Ne) && (is_none(lhs) || is_none(rhs)) {
            // Comparing with `none`: a word test.
            let l = self.word_of(lhs)?;
            let r = self.word_of(rhs)?;
            let cc = if op == BinaryOp::Eq { IntCC::Equal } else { IntCC::NotEqual };
            return Ok(self.b.ins().icmp(cc, l, r));
        }
        // Operands meet at the wider type (`int?` against `int` compares as `int?`).
        let operand_ty = if matches!(rhs_ty, Ty::Nullable(_)) && !matches!(lhs_ty, Ty::Nullable(_)) {
            rhs_ty.clone()
        } else {
            lhs_ty.clone()
        };
        let l = self.value_as(lhs, &operand_ty)?;
        let r = self.value_as(rhs, &operand_ty)?;
        let cmp = match op {
            BinaryOp::Eq => Some((IntCC::Equal, FloatCC::Equal)),
            BinaryOp::Ne => Some((IntCC::NotEqual, FloatCC::NotEqual)),
            BinaryOp::Lt => Some((IntCC::SignedLessThan, FloatCC::LessThan)),
            BinaryOp::Le => Some((IntCC::SignedLessThanOrEqual, FloatCC::LessThanOrEqual)),
            BinaryOp::Gt => Some((IntCC::SignedGreaterThan, FloatCC::GreaterThan)),
            BinaryOp::Ge => Some((IntCC::SignedGreaterThanOrEqual, FloatCC::GreaterThanOrEqual)),
            _ => None,
        };
        if let Some((int, float)) = cmp {
            return Ok(match &operand_ty {
                Ty::Float => self.b.ins().fcmp(float, l, r),
                Ty::Int | Ty::Bool | Ty::Byte => self.b.ins().icmp(int, l, r),
                Ty::Str if matches!(op, BinaryOp::Eq | BinaryOp::Ne) => {
                    let eq = self.call_rt("pluto_str_eq", &[l, r])[0];
                    if op == BinaryOp::Eq { eq } else { self.b.ins().bxor_imm_s(eq, 1) }
                }
                Ty::Str => {
                    let c = self.rt("pluto_str_cmp", &[l, r]);
                    self.b.ins().icmp_imm_s(int, c, 0)
                }
                Ty::Param(_) | Ty::Var(_) | Ty::Unknown | Ty::Fn(..) => {
                    return Err(self.unsupported(at, "comparing values of a generic or function type"));
                }
                _ if matches!(op, BinaryOp::Eq | BinaryOp::Ne) => {
                    let desc = self.type_desc_addr(&operand_ty)?;
                    let (l, r) = (self.word(l), self.word(r));
                    let eq = self.call_rt("pluto_equal", &[l, r, desc])[0];
                    if op == BinaryOp::Eq { eq } else { self.b.ins().bxor_imm_s(eq, 1) }
                }
                _ => return Err(self.unsupported(at, "ordering values of this type")),
            });
        }
        match op {
            BinaryOp::BitAnd => Ok(self.b.ins().band(l, r)),
            BinaryOp::BitOr => Ok(self.b.ins().bor(l, r)),
            BinaryOp::BitXor => Ok(self.b.ins().bxor(l, r)),
            BinaryOp::Shl => Ok(self.b.ins().ishl(l, r)),
            BinaryOp::Shr => Ok(self.b.ins().sshr(l, r)),
            _ => self.arith(op, &operand_ty, l, r, at),
        }
    }

    /// `+ - * / %` on ints (wrapping; division checked), floats, and `+` on strings.
    pub fn arith(&mut self, op: BinaryOp, ty: &Ty, l: Value, r: Value, node: TextRange) -> Result<Value> {
        Ok(match (ty, op) {
            (Ty::Str, BinaryOp::Add) => self.rt("pluto_str_concat", &[l, r]),
            (Ty::Float, BinaryOp::Add) => self.b.ins().fadd(l, r),
            (Ty::Float, BinaryOp::Sub) => self.b.ins().fsub(l, r),
            (Ty::Float, BinaryOp::Mul) => self.b.ins().fmul(l, r),
            (Ty::Float, BinaryOp::Div) => self.b.ins().fdiv(l, r),
            (Ty::Float, BinaryOp::Rem) => {
                let q = self.b.ins().fdiv(l, r);
                let t = self.b.ins().trunc(q);
                let m = self.b.ins().fmul(t, r);
                self.b.ins().fsub(l, m)
            }
            (Ty::Int | Ty::Byte, BinaryOp::Add) => self.b.ins().iadd(l, r),
            (Ty::Int | Ty::Byte, BinaryOp::Sub) => self.b.ins().isub(l, r),
            (Ty::Int | Ty::Byte, BinaryOp::Mul) => self.b.ins().imul(l, r),
            (Ty::Int | Ty::Byte, BinaryOp::Div | BinaryOp::Rem) => self.checked_division(op, l, r, node)?,
            _ => return Err(self.unsupported(node, "this operator on these types")),
        })
    }

    /// Integer division: a zero divisor is a fault with the source line; `MIN / -1`
    /// wraps (to MIN, remainder 0) instead of trapping.
    fn checked_division(&mut self, op: BinaryOp, l: Value, r: Value, node: TextRange) -> Result<Value> {
        let fault = self.b.create_block();
        let ok = self.b.create_block();
        let minus_one = self.b.create_block();
        let divide = self.b.create_block();
        let done = self.b.create_block();
        self.b.append_block_param(done, types::I64);
        let is_zero = self.b.ins().icmp_imm_s(IntCC::Equal, r, 0);
        self.b.ins().brif(is_zero, fault, &[], ok, &[]);
        self.b.set_cold_block(fault);

        self.switch_to(fault);
        let kind = match op {
            BinaryOp::Div => pluto_abi::fault::DIVISION_BY_ZERO,
            _ => pluto_abi::fault::REMAINDER_BY_ZERO,
        };
        self.fault(kind, l, r, node)?;

        self.switch_to(ok);
        let is_minus_one = self.b.ins().icmp_imm_s(IntCC::Equal, r, -1);
        self.b.ins().brif(is_minus_one, minus_one, &[], divide, &[]);

        self.switch_to(minus_one);
        let special = if op == BinaryOp::Div { self.b.ins().ineg(l) } else { self.b.ins().iconst(types::I64, 0) };
        self.b.ins().jump(done, &[ir::BlockArg::Value(special)]);

        self.switch_to(divide);
        let v = if op == BinaryOp::Div { self.b.ins().sdiv(l, r) } else { self.b.ins().srem(l, r) };
        self.b.ins().jump(done, &[ir::BlockArg::Value(v)]);

        self.switch_to(done);
        Ok(self.b.block_params(done)[0])
    }
}

/// An integer literal's value; checking rejected those past `i64::MAX` (but for the
/// negated `9223372036854775808`, which wraps to `i64::MIN`).
/// The initialiser of field `name` in a struct literal's `inits`, and its position.
fn init_of<'i>(inits: &'i [FieldInit], name: &str) -> Option<(u32, &'i FieldInit)> {
    (0u32..).zip(inits).find(|(_, init)| init.name.text == name)
}

fn parse_int(l: &Literal) -> Option<i64> {
    l.int_value().map(|n| n as i64)
}

/// The text of a string piece with its escapes applied.
fn unescape(raw: &str) -> String {
    let mut out = String::new();
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('r') => out.push('\r'),
                Some('0') => out.push('\0'),
                Some(other) => out.push(other),
                None => {}
            },
            '{' | '}' if chars.peek() == Some(&c) => {
                chars.next();
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}
