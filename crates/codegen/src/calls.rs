//! Calls: `print`, functions and methods (direct), trait methods (through the vtable in
//! the receiver's descriptor), stage methods (resolved for the concrete stage), calls of
//! function values (closures), and the built-in methods of strings and collections.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{self, InstBuilder, MemFlagsData, StackSlotData, StackSlotKind, Value, types};
use pluto_hir::{Def, Expr, ExprId, FnLoc, Handling, ItemKind, ItemLoc, NameSite, Target, Ty};
use pluto_syntax::TextRange;

use cranelift_module::Module;

use crate::function::{Lowerer, Result};
use crate::layout::machine_type;
use crate::{CodegenError, FnInfo, FnKey};

/// The receiver of a call, when there is one.
enum Receiver {
    /// A value: `x.f()`.
    Value(Value, Ty),
    /// A deployment unit: `auth.f()` (its instance is loaded from its slot).
    Unit(ItemLoc),
    /// A module, class or enum name: `time.now_ms()`, `Router.new()`.
    Namespace,
}

impl Lowerer<'_, '_> {
    pub fn call(&mut self, call: ExprId, callee: ExprId, args: &[ExprId], ty: &Ty) -> Result<Option<Value>> {
        let at = self.range(call);
        let handling = self.calls.get(&call).map(|c| c.handling);
        let body = self.body;
        match &body.exprs[callee] {
            Expr::Path { name: name_ref, .. } => {
                let name = name_ref.text.clone();
                if self.local(NameSite::Expr(callee)).is_none() {
                    match self.resolution(NameSite::Expr(callee)) {
                        Some(Target::Fn(f)) => {
                            // Inside a stage, sibling methods take the implicit `self`.
                            let receiver = match crate::has_self(self.db, f) {
                                true => {
                                    let this = self
                                        .self_local()
                                        .ok_or_else(|| self.unsupported(at, "calling a method without `self`"))?;
                                    let v = self.b.use_var(this.var);
                                    Receiver::Value(v, this.ty)
                                }
                                false => Receiver::Namespace,
                            };
                            return self.call_fn(f, receiver, args, ty, handling, call);
                        }
                        None if name == "print" => {
                            self.print(args)?;
                            return Ok(None);
                        }
                        None if name == "chan" => return self.new_channel(args).map(Some),
                        _ => {}
                    }
                }
                self.call_value(callee, args, ty, handling, at)
            }
            Expr::Field { receiver: receiver_expr, name, .. } => {
                let receiver_expr = *receiver_expr;
                let name_ref = name.as_ref().ok_or_else(|| self.unsupported(at, "this call"))?;
                let target = self.resolution(NameSite::Expr(callee));
                // `Router.new()`, `http.Router.new()`, `time.now_ms()`, `auth.verify()`.
                let receiver_site = NameSite::Expr(receiver_expr);
                let namespace = match &body.exprs[receiver_expr] {
                    Expr::Path { name: n, .. } if self.local(receiver_site).is_none() && n.text != "self" => {
                        self.resolution(receiver_site)
                    }
                    Expr::Field { name: Some(_), .. } => {
                        self.resolution(receiver_site).filter(|t| matches!(t, Target::Item(_) | Target::Module(_)))
                    }
                    _ => None,
                };
                let receiver = match namespace {
                    Some(Target::Item(loc)) if self.sema().def_map().is_unit(loc) => Receiver::Unit(loc),
                    Some(Target::Item(_) | Target::Module(_)) => Receiver::Namespace,
                    _ => {
                        let rty = self.ty_of(receiver_expr);
                        let v = self.value(receiver_expr)?;
                        Receiver::Value(v, rty)
                    }
                };
                match (target, receiver) {
                    (Some(Target::Fn(fl)), receiver) => self.call_fn(fl, receiver, args, ty, handling, call),
                    (_, Receiver::Value(v, rty)) => {
                        let name = name_ref.text.clone();
                        if let Ty::Adt(..) = rty {
                            // A field holding a function value.
                            let (index, slot_ty) = self.field_slot(callee, receiver_expr, Some(name_ref))?;
                            let closure = self.load_word(v, index, &slot_ty);
                            return self.call_closure(closure, args, ty, handling, at);
                        }
                        self.builtin_method(v, &rty, &name, args, ty, handling, at)
                    }
                    _ => Err(self.unsupported(at, "this call")),
                }
            }
            _ => self.call_value(callee, args, ty, handling, at),
        }
    }

    /// `spawn f(args)`: the callee as a function value and the arguments as words, run on
    /// a new thread by the runtime; the task it returns yields the call's result.
    pub fn spawn(&mut self, call: ExprId, callee: ExprId, args: &[ExprId]) -> Result<Value> {
        let at = self.range(call);
        let used = Ty::func(args.iter().map(|a| self.ty_of(*a)).collect(), self.ty_of(call));
        let body = self.body;
        let function = match &body.exprs[callee] {
            Expr::Path { .. } if self.local(NameSite::Expr(callee)).is_none() => {
                match self.resolution(NameSite::Expr(callee)) {
                    Some(Target::Fn(f)) => {
                        let receiver = match crate::has_self(self.db, f) {
                            true => {
                                let this =
                                    self.self_local().ok_or_else(|| self.unsupported(at, "a method without `self`"))?;
                                Some((self.b.use_var(this.var), this.ty))
                            }
                            false => None,
                        };
                        self.function_value(f, receiver, &used)?
                    }
                    _ => self.value(callee)?,
                }
            }
            Expr::Field { receiver, name: method_name, .. } => {
                let receiver = *receiver;
                let namespace = match &body.exprs[receiver] {
                    Expr::Path { name, .. }
                        if self.local(NameSite::Expr(receiver)).is_none() && name.text != "self" =>
                    {
                        self.resolution(NameSite::Expr(receiver))
                    }
                    _ => None,
                };
                let method = method_name.as_ref().and(self.resolution(NameSite::Expr(callee)));
                match (method, namespace) {
                    (Some(Target::Fn(method)), Some(Target::Item(loc)))
                        if self.sema().def_map().is_unit(loc) && self.owner.stage != Some(loc) =>
                    {
                        let name = method.sig(self.db).name.clone();
                        self.unit_fn_value(loc, &name)?
                    }
                    (Some(Target::Fn(method)), Some(Target::Item(_) | Target::Module(_))) => {
                        self.function_value(method, None, &used)?
                    }
                    (Some(Target::Fn(method)), _) => {
                        let receiver_ty = self.ty_of(receiver);
                        let r = self.value(receiver)?;
                        self.function_value(method, Some((r, receiver_ty)), &used)?
                    }
                    _ => self.value(callee)?,
                }
            }
            _ => self.value(callee)?,
        };
        let slot = self.b.create_sized_stack_slot(StackSlotData::new(
            StackSlotKind::ExplicitSlot,
            (args.len().max(1) * 8) as u32,
            3,
        ));
        for (i, a) in args.iter().enumerate() {
            let w = self.word_of(*a)?;
            self.b.ins().stack_store(types::I64, w, slot, i as i32 * 8);
        }
        let addr = self.b.ins().stack_addr(types::I64, slot, 0);
        let count = self.b.ins().iconst(types::I64, args.len() as i64);
        Ok(self.rt("pluto_spawn", &[function, addr, count]))
    }

    /// `print(x)`: strings as they are, anything else through its type descriptor.
    fn print(&mut self, args: &[ExprId]) -> Result<()> {
        for &a in args {
            let ty = self.ty_of(a);
            let v = self.value(a)?;
            match ty {
                Ty::Str => self.rt_void("pluto_print_str", &[v]),
                _ => {
                    let desc = self.type_desc_addr(&ty)?;
                    let w = self.word(v);
                    self.rt_void("pluto_print", &[w, desc]);
                }
            }
        }
        Ok(())
    }

    /// The method of concrete stage `stage` that a call of `f` means: the nearest level
    /// of its chain with a body for that name.
    fn stage_method(&self, f: FnLoc, stage: ItemLoc) -> FnLoc {
        crate::entry::chain_method(self.db, self.program, stage, &f.sig(self.db).name).unwrap_or(f)
    }

    fn call_fn(
        &mut self,
        f: FnLoc,
        receiver: Receiver,
        args: &[ExprId],
        ty: &Ty,
        handling: Option<Handling>,
        call: ExprId,
    ) -> Result<Option<Value>> {
        let node = self.range(call);
        let mut f = f;
        let container = f.container();
        if let (Some(tr), Receiver::Value(v, rty)) = (container, &receiver)
            && matches!(tr.item(self.db).kind, ItemKind::Trait(_))
        {
            match rty {
                // The class is known (a concrete receiver, or a bounded type parameter of
                // this instance): call its method, or the trait's default, directly.
                Ty::Adt(class, _) => f = crate::implementation(self.db, *class, f),
                // Otherwise through the vtable.
                _ => {
                    let i = f.method_index(self.db).map_or(0, i64::from);
                    return self.call_trait(*v, tr, i, f, args, ty, handling, node);
                }
            }
        }
        if let Receiver::Unit(unit) = receiver
            && self.owner.stage != Some(unit)
            && self.g.is_local(unit)
        {
            let name = f.sig(self.db).name.clone();
            return self.colocated_call(unit, &name, args, ty, handling, node);
        }
        if let Receiver::Unit(unit) = receiver
            && !self.g.is_local(unit)
        {
            // A unit in another process: its stub, which calls it over gRPC.
            let name = f.sig(self.db).name.clone();
            let info = self.g.remote_stub(self.db, self.program, unit, &name)?;
            let mut values = Vec::new();
            for (a, param) in args.iter().zip(&info.params) {
                values.push(self.value_as(*a, param)?);
            }
            let values: Vec<Value> =
                values.iter().zip(&info.signature.params).map(|(v, p)| self.coerce(*v, p.value_type)).collect();
            return self.direct_call(&info, &values, ty, handling, node);
        }
        let container = f.container();
        let (key, this): (FnKey, Option<Value>) = match receiver {
            Receiver::Unit(unit) => {
                let slot = self.g.unit_slot(self.db, unit)?;
                let addr = self.data_addr(slot);
                let this = self.b.ins().load(types::I64, MemFlagsData::trusted(), addr, 0);
                (FnKey::for_stage(self.stage_method(f, unit), unit), Some(this))
            }
            Receiver::Value(v, rty) => match container {
                Some(c) if crate::is_stage(self.db, c) => {
                    // The concrete stage this code runs for, when the receiver is (a level
                    // of) it; otherwise the receiver's own stage.
                    let stage = match rty {
                        Ty::Adt(s, _) if crate::is_stage(self.db, s) => match self.owner.stage {
                            Some(o) if self.sema().def_map().chain(o).contains(&s) => o,
                            _ => s,
                        },
                        _ => self.owner.stage.unwrap_or(c),
                    };
                    (FnKey::for_stage(self.stage_method(f, stage), stage), Some(v))
                }
                _ => (self.instance(f, Some(&rty), args, ty, call), Some(v)),
            },
            Receiver::Namespace => (self.instance(f, None, args, ty, call), None),
        };
        let info = match self.g.function(self.db, self.program, key.clone()) {
            // A standard-library function the runtime does not provide: say where it is called.
            Err(CodegenError::Unsupported { what, file, .. }) if file.starts_with("<std>") => {
                return Err(self.unsupported(node, &what));
            }
            other => other?,
        };
        if let Some(v) = self.math_instruction(key.f, args)? {
            return Ok(Some(v));
        }
        let mut values = Vec::new();
        if info.has_self {
            let this = this.ok_or_else(|| self.unsupported(node, "calling a method without its receiver"))?;
            values.push(self.word(this));
        }
        for (a, param) in args.iter().zip(&info.params) {
            let v = self.value_as(*a, param)?;
            values.push(v);
        }
        for ty in &info.descriptors {
            let desc = self.type_desc_addr(ty)?;
            values.push(desc);
        }
        let values: Vec<Value> =
            values.iter().zip(&info.signature.params).map(|(v, p)| self.coerce(*v, p.value_type)).collect();
        self.direct_call(&info, &values, ty, handling, node)
    }

    /// The instance of `f` a call with these arguments and result type needs (the type
    /// arguments written at `call` decide those they name).
    fn instance(&self, f: FnLoc, receiver: Option<&Ty>, args: &[ExprId], ty: &Ty, call: ExprId) -> FnKey {
        let used = Ty::func(args.iter().map(|a| self.ty_of(*a)).collect(), ty.clone());
        let key = self.instance_for(f, receiver, &used);
        let names = crate::generic_names(self.db, f);
        match self.calls.get(&call) {
            Some(call) if !call.type_args.is_empty() && names.len() >= call.type_args.len() => {
                // The function's own parameters come last, after its class's.
                let mut args = if key.args.is_empty() { vec![Ty::Unknown; names.len()] } else { key.args.to_vec() };
                let own = args.len() - call.type_args.len();
                for (slot, written) in args[own..].iter_mut().zip(&call.type_args) {
                    *slot = self.owner.substitute(self.db, written);
                }
                FnKey { args: args.into(), ..key }
            }
            _ => key,
        }
    }

    /// The instance of `f` used as a function of type `used`: the receiver's type
    /// arguments for its class's parameters, its own parameters bound by matching its
    /// declared type against `used`.
    pub fn instance_for(&self, f: FnLoc, receiver: Option<&Ty>, used: &Ty) -> FnKey {
        let names = crate::generic_names(self.db, f);
        if names.is_empty() {
            return FnKey::plain(f);
        }
        let mut bound: Vec<Option<Ty>> = vec![None; names.len()];
        if let (Some(Ty::Adt(loc, class_args)), Some(c)) = (receiver, f.container())
            && *loc == c
        {
            for (slot, arg) in bound.iter_mut().zip(class_args.iter()) {
                *slot = Some(arg.clone());
            }
        }
        let declared = self.sema().signature(f).fn_ty();
        bind_types(&declared, used, &names, &mut bound);
        FnKey::instance(f, bound)
    }

    /// `std.math` functions are single instructions.
    fn math_instruction(&mut self, f: FnLoc, args: &[ExprId]) -> Result<Option<Value>> {
        if f.sig(self.db).has_body || f.file().path(self.db).to_string() != "<std>/math.pluto" {
            return Ok(None);
        }
        let [x] = args else { return Ok(None) };
        let x = self.value_as(*x, &Ty::Float)?;
        Ok(Some(match f.sig(self.db).name.as_str() {
            "sqrt" => self.b.ins().sqrt(x),
            "abs" => self.b.ins().fabs(x),
            "floor" => self.b.ins().floor(x),
            _ => return Ok(None),
        }))
    }

    fn direct_call(
        &mut self,
        info: &FnInfo,
        args: &[Value],
        ty: &Ty,
        handling: Option<Handling>,
        node: TextRange,
    ) -> Result<Option<Value>> {
        let fr = self.g.module.declare_func_in_func(info.id, self.b.func);
        let call = self.b.ins().call(fr, args);
        let results = self.b.inst_results(call).to_vec();
        if info.fallible {
            let error = results[results.len() - 1];
            self.check_error(error, handling, node)?;
        }
        Ok(machine_type(&info.ret).map(|_| self.convert(results[0], &info.ret, ty)))
    }

    #[allow(clippy::too_many_arguments)]
    fn call_trait(
        &mut self,
        object: Value,
        tr: ItemLoc,
        method: i64,
        f: FnLoc,
        args: &[ExprId],
        ty: &Ty,
        handling: Option<Handling>,
        node: TextRange,
    ) -> Result<Option<Value>> {
        let object = self.word(object);
        let code = self.vtable_entry(object, tr, method);
        let signature = self.sema().signature(f).clone();
        let mut values = vec![object];
        for (a, (_, param)) in args.iter().zip(&signature.params) {
            let v = self.value_as(*a, param)?;
            values.push(self.word(v));
        }
        self.indirect_call(code, values, &signature.ret, ty, handling, node)
    }

    /// The code of method number `method` of trait `tr` for `object`: from the vtable in
    /// its descriptor (vtable entries have the closure convention, receiver first).
    pub fn vtable_entry(&mut self, object: Value, tr: ItemLoc, method: i64) -> Value {
        let t = self.g.traits.iter().position(|x| *x == tr).expect("every trait is numbered") as i32;
        let flags = MemFlagsData::trusted();
        let desc = self.b.ins().load(types::I64, flags, object, 0);
        let table = self.b.ins().load(types::I64, flags, desc, pluto_abi::adt_desc::TRAITS);
        let vtable = self.b.ins().load(types::I64, flags, table, t * 8);
        self.b.ins().load(types::I64, flags, vtable, method as i32 * 8)
    }

    /// Calls closure-convention code with word arguments; the result is `ret` as a word.
    fn indirect_call(
        &mut self,
        code: Value,
        args: Vec<Value>,
        ret: &Ty,
        ty: &Ty,
        handling: Option<Handling>,
        node: TextRange,
    ) -> Result<Option<Value>> {
        let sig = self.g.value_signature(args.len() - 1);
        let sig_ref = self.b.import_signature(sig);
        let call = self.b.ins().call_indirect(sig_ref, code, &args);
        let results = self.b.inst_results(call).to_vec();
        self.check_error(results[1], handling, node)?;
        Ok(machine_type(ty).map(|_| self.convert(results[0], ret, ty)))
    }

    fn call_value(
        &mut self,
        callee: ExprId,
        args: &[ExprId],
        ty: &Ty,
        handling: Option<Handling>,
        node: TextRange,
    ) -> Result<Option<Value>> {
        let closure = self.value(callee)?;
        self.call_closure(closure, args, ty, handling, node)
    }

    fn call_closure(
        &mut self,
        closure: Value,
        args: &[ExprId],
        ty: &Ty,
        handling: Option<Handling>,
        node: TextRange,
    ) -> Result<Option<Value>> {
        let code = self.b.ins().load(types::I64, MemFlagsData::trusted(), closure, 0);
        let mut values = vec![closure];
        for a in args {
            values.push(self.word_of(*a)?);
        }
        // A function value's result is in its own type's representation: `ty`.
        self.indirect_call(code, values, ty, ty, handling, node)
    }

    // ---- built-in methods ------------------------------------------------------------------

    /// Whether a position or entry the runtime returned was found (it returns -1 if not).
    fn found(&mut self, i: Value) -> Value {
        self.b.ins().icmp_imm_s(IntCC::NotEqual, i, -1)
    }

    /// `-1` means none; anything else is the (boxed) int.
    fn index_or_none(&mut self, i: Value) -> Value {
        let found = self.found(i);
        self.when(found, |l| l.box_value(i))
    }

    /// A word holding a value of type `element`, as the present value of nullable `ty`.
    fn some(&mut self, w: Value, element: &Ty, ty: &Ty) -> Value {
        let w = self.coerce(w, machine_type(element).unwrap_or(types::I64));
        self.convert(w, element, ty)
    }

    #[allow(clippy::too_many_arguments)]
    fn builtin_method(
        &mut self,
        v: Value,
        rty: &Ty,
        name: &str,
        args: &[ExprId],
        ty: &Ty,
        handling: Option<Handling>,
        node: TextRange,
    ) -> Result<Option<Value>> {
        // `bytes` is laid out as a `[byte]`.
        let byte_array = Ty::array(Ty::Byte);
        let rty = if *rty == Ty::Bytes && name != "to_string" { &byte_array } else { rty };
        let mut words = Vec::new();
        let element = match rty {
            Ty::Array(t) | Ty::Set(t) => (**t).clone(),
            Ty::Map(k, _) => (**k).clone(),
            _ => Ty::Unknown,
        };
        let params = pluto_hir::builtin_method(rty, name).map(|m| m.params).unwrap_or_default();
        for (a, p) in args.iter().zip(&params) {
            let x = self.value_as(*a, p)?;
            words.push(self.word(x));
        }
        // Strings keep their length in the first word too; it never changes.
        let len = |l: &mut Self| match rty {
            Ty::Array(_) => l.header(v, 0),
            _ => l.b.ins().load(types::I64, MemFlagsData::trusted(), v, 0),
        };
        let r = match (rty, name) {
            (Ty::Str | Ty::Array(_) | Ty::Map(..) | Ty::Set(_), "len") => len(self),
            (Ty::Str | Ty::Array(_) | Ty::Map(..) | Ty::Set(_), "is_empty") => {
                let n = len(self);
                self.b.ins().icmp_imm_s(IntCC::Equal, n, 0)
            }
            (Ty::Str, "contains" | "starts_with" | "ends_with") => {
                let f = match name {
                    "contains" => "pluto_str_contains",
                    "starts_with" => "pluto_str_starts_with",
                    _ => "pluto_str_ends_with",
                };
                self.call_rt(f, &[v, words[0]])[0]
            }
            (Ty::Str, "trim") => self.rt("pluto_str_trim", &[v]),
            (Ty::Str, "to_upper") => self.rt("pluto_str_to_upper", &[v]),
            (Ty::Str, "to_lower") => self.rt("pluto_str_to_lower", &[v]),
            (Ty::Str, "replace") => self.rt("pluto_str_replace", &[v, words[0], words[1]]),
            (Ty::Str, "repeat") => self.rt("pluto_str_repeat", &[v, words[0]]),
            (Ty::Str, "split") => self.rt("pluto_str_split", &[v, words[0]]),
            (Ty::Str, "chars") => self.rt("pluto_str_chars", &[v]),
            (Ty::Str, "bytes") => self.rt("pluto_str_bytes", &[v]),
            (Ty::Bytes, "to_string") => self.rt("pluto_bytes_to_string", &[v]),
            (Ty::Str, "slice") => {
                let site = self.site(node)?;
                self.rt("pluto_str_slice", &[v, words[0], words[1], site])
            }
            (Ty::Str, "index_of") => {
                let i = self.rt("pluto_str_index_of", &[v, words[0]]);
                self.index_or_none(i)
            }
            (Ty::Str, "to_int" | "to_float") => return self.parse_number(v, name, ty, handling, node),
            (Ty::Array(_), "push") => {
                self.array_push(v, words[0], &element);
                return Ok(None);
            }
            (Ty::Array(_), "pop") => {
                let n = len(self);
                self.when(n, |l| {
                    let w = l.rt("pluto_array_pop", &[v]);
                    l.some(w, &element, ty)
                })
            }
            (Ty::Array(_), "insert") => {
                let site = self.site(node)?;
                self.rt_void("pluto_array_insert", &[v, words[0], words[1], site]);
                return Ok(None);
            }
            (Ty::Array(_), "remove") => {
                let site = self.site(node)?;
                let w = self.rt("pluto_array_remove", &[v, words[0], site]);
                self.convert(w, &element, ty)
            }
            (Ty::Array(_), "clear") => {
                self.rt_void("pluto_array_clear", &[v]);
                return Ok(None);
            }
            (Ty::Array(_), "contains" | "index_of") => {
                let desc = self.type_desc_addr(&element)?;
                let i = self.rt("pluto_array_index_of", &[v, words[0], desc]);
                if name == "contains" { self.found(i) } else { self.index_or_none(i) }
            }
            (Ty::Array(_), "slice") => {
                let site = self.site(node)?;
                self.rt("pluto_array_slice", &[v, words[0], words[1], site])
            }
            (Ty::Array(_), "reverse") => self.rt("pluto_array_reverse", &[v]),
            (Ty::Array(_), "join") => self.rt("pluto_array_join", &[v, words[0]]),
            (Ty::Map(..) | Ty::Set(_), "insert") => {
                let value = match words.get(1) {
                    Some(w) => *w,
                    None => self.b.ins().iconst(types::I64, 0),
                };
                self.rt_void("pluto_map_insert", &[v, words[0], value]);
                return Ok(None);
            }
            (Ty::Map(..) | Ty::Set(_), "contains") => {
                let e = self.rt("pluto_map_find", &[v, words[0]]);
                self.found(e)
            }
            (Ty::Map(_, val), "get") => {
                let e = self.rt("pluto_map_find", &[v, words[0]]);
                let found = self.found(e);
                self.when(found, |l| {
                    let w = l.rt("pluto_map_value_at", &[v, e]);
                    l.some(w, val, ty)
                })
            }
            (Ty::Map(..) | Ty::Set(_), "remove") => {
                let slot = self.b.create_sized_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, 8, 3));
                let addr = self.b.ins().stack_addr(types::I64, slot, 0);
                let removed = self.call_rt("pluto_map_remove", &[v, words[0], addr])[0];
                match rty {
                    Ty::Set(_) => removed,
                    Ty::Map(_, val) => self.when(removed, |l| {
                        let w = l.b.ins().stack_load(types::I64, types::I64, slot, 0);
                        l.some(w, val, ty)
                    }),
                    _ => unreachable!("matched above"),
                }
            }
            (Ty::Map(..), "keys") | (Ty::Set(_), "values") => self.rt("pluto_map_keys", &[v]),
            (Ty::Map(..), "values") => self.rt("pluto_map_values", &[v]),
            (Ty::Map(..), "clear") => {
                self.rt_void("pluto_map_clear", &[v]);
                return Ok(None);
            }
            (Ty::Sender(_) | Ty::Receiver(_) | Ty::Task(_), _) => {
                return self.channel_or_task_method(v, rty, name, &words, ty, handling, node);
            }
            _ => return Err(self.unsupported(node, &format!("the method `{name}` of this type"))),
        };
        Ok(Some(match machine_type(ty) {
            Some(t) => self.coerce(r, t),
            None => r,
        }))
    }

    /// `chan<T>(capacity)`: a channel; the sender and the receiver are the same object.
    fn new_channel(&mut self, args: &[ExprId]) -> Result<Value> {
        let capacity = match args.first() {
            Some(a) => self.value_as(*a, &Ty::Int)?,
            None => self.b.ins().iconst(types::I64, 0),
        };
        let channel = self.rt("pluto_chan_new", &[capacity]);
        let pair = self.alloc(2, false);
        self.store_word(pair, 0, channel);
        self.store_word(pair, 1, channel);
        Ok(pair)
    }

    /// The methods of senders, receivers and tasks: the runtime answers a status (or an
    /// error word); a channel status becomes the prelude's `ChannelClosed`,
    /// `ChannelFull` or `ChannelEmpty` raised here, or the error a broken stream left.
    #[allow(clippy::too_many_arguments)]
    fn channel_or_task_method(
        &mut self,
        v: Value,
        rty: &Ty,
        name: &str,
        words: &[Value],
        ty: &Ty,
        handling: Option<Handling>,
        node: TextRange,
    ) -> Result<Option<Value>> {
        let slot = self.b.create_sized_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, 8, 3));
        let out = self.b.ins().stack_addr(types::I64, slot, 0);
        let (status, would_block) = match (rty, name) {
            (Ty::Sender(_), "send") => (self.rt("pluto_chan_send", &[v, words[0]]), None),
            (Ty::Sender(_), "try_send") => (self.rt("pluto_chan_try_send", &[v, words[0]]), Some("ChannelFull")),
            (Ty::Sender(_) | Ty::Receiver(_), "close") => {
                self.rt_void("pluto_chan_close", &[v]);
                return Ok(None);
            }
            (Ty::Receiver(_), "recv") => (self.rt("pluto_chan_recv", &[v, out]), None),
            (Ty::Receiver(_), "try_recv") => (self.rt("pluto_chan_try_recv", &[v, out]), Some("ChannelEmpty")),
            (Ty::Task(_), "get") => {
                let error = self.rt("pluto_task_get", &[v, out]);
                self.check_error(error, handling, node)?;
                return Ok(self.stack_result(slot, ty));
            }
            _ => return Err(self.unsupported(node, &format!("the method `{name}` of this type"))),
        };
        let failed = self.b.create_block();
        let ok = self.b.create_block();
        self.b.ins().brif(status, failed, &[], ok, &[]);
        self.b.set_cold_block(failed);
        self.b.seal_block(failed);
        self.switch_to(failed);
        let closed = self.prelude_error("ChannelClosed", node)?;
        let closed = self.error_object(closed, &[], node)?;
        let error = match would_block {
            Some(other) => {
                let other = self.prelude_error(other, node)?;
                let other = self.error_object(other, &[], node)?;
                let is_closed = self.b.ins().icmp_imm_s(IntCC::Equal, status, 1);
                self.b.ins().select(is_closed, closed, other)
            }
            None => closed,
        };
        // A receiver fed by a broken stream answers the error it was closed with.
        let error = if matches!(rty, Ty::Receiver(_)) {
            let failure = self.b.ins().stack_load(types::I64, types::I64, slot, 0);
            let failed = self.b.ins().icmp_imm_s(IntCC::Equal, status, 3);
            self.b.ins().select(failed, failure, error)
        } else {
            error
        };
        self.handle_error(error, handling, node)?;
        self.b.seal_block(ok);
        self.switch_to(ok);
        Ok(self.stack_result(slot, ty))
    }

    /// A result the runtime wrote to `slot`, as a value of type `ty` (nothing for `void`).
    fn stack_result(&mut self, slot: ir::StackSlot, ty: &Ty) -> Option<Value> {
        machine_type(ty).map(|t| {
            let w = self.b.ins().stack_load(types::I64, types::I64, slot, 0);
            self.coerce(w, t)
        })
    }

    /// An error declared in the prelude, by name.
    fn prelude_error(&self, name: &str, node: TextRange) -> Result<ItemLoc> {
        match self.sema().def_map().resolve(self.db, self.file(), name) {
            Some(Def::Item(loc)) => Ok(loc),
            _ => Err(self.unsupported(node, &format!("`{name}` (the prelude has none)"))),
        }
    }

    /// `s.to_int()` / `s.to_float()`: the number, or a `ParseError { input }`.
    fn parse_number(
        &mut self,
        s: Value,
        name: &str,
        ty: &Ty,
        handling: Option<Handling>,
        node: TextRange,
    ) -> Result<Option<Value>> {
        let slot = self.b.create_sized_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, 8, 3));
        let addr = self.b.ins().stack_addr(types::I64, slot, 0);
        let f = if name == "to_int" { "pluto_str_to_int" } else { "pluto_str_to_float" };
        let ok = self.call_rt(f, &[s, addr])[0];
        let bad = self.b.create_block();
        let good = self.b.create_block();
        self.b.ins().brif(ok, good, &[], bad, &[]);
        self.b.set_cold_block(bad);
        self.switch_to(bad);
        let parse_error = self.prelude_error("ParseError", node)?;
        let error = self.error_object(parse_error, &[s], node)?;
        self.handle_error(error, handling, node)?;
        self.jump(good, &[]);
        self.switch_to(good);
        let t = machine_type(ty).unwrap_or(types::I64);
        Ok(Some(self.b.ins().stack_load(types::I64, t, slot, 0)))
    }
}

/// Binds the type parameters `names` that `pattern` (a declared type) mentions to the
/// parts of `actual` (a concrete type) in the same places.
fn bind_types(pattern: &Ty, actual: &Ty, names: &[String], out: &mut [Option<Ty>]) {
    match (pattern, actual) {
        (_, Ty::Unknown | Ty::Var(_) | Ty::Never) => {}
        (Ty::Param(name), _) => {
            if let Some(i) = names.iter().position(|n| **n == **name)
                && out[i].is_none()
            {
                out[i] = Some(actual.clone());
            }
        }
        (Ty::Array(p), Ty::Array(a))
        | (Ty::Set(p), Ty::Set(a))
        | (Ty::Nullable(p), Ty::Nullable(a))
        | (Ty::Sender(p), Ty::Sender(a))
        | (Ty::Receiver(p), Ty::Receiver(a))
        | (Ty::Task(p), Ty::Task(a)) => bind_types(p, a, names, out),
        // A value where a nullable is expected.
        (Ty::Nullable(p), a) => bind_types(p, a, names, out),
        (Ty::Map(pk, pv), Ty::Map(ak, av)) => {
            bind_types(pk, ak, names, out);
            bind_types(pv, av, names, out);
        }
        (Ty::Fn(pp, pr), Ty::Fn(ap, ar)) => {
            for (p, a) in pp.iter().zip(ap.iter()) {
                bind_types(p, a, names, out);
            }
            bind_types(pr, ar, names, out);
        }
        (Ty::Adt(pl, pa), Ty::Adt(al, aa)) if pl == al => {
            for (p, a) in pa.iter().zip(aa.iter()) {
                bind_types(p, a, names, out);
            }
        }
        (Ty::Tuple(ps), Ty::Tuple(as_)) => {
            for (p, a) in ps.iter().zip(as_.iter()) {
                bind_types(p, a, names, out);
            }
        }
        _ => {}
    }
}
