//! Executables that hold some of the program's deployment units (`compile-stages`, SPEC
//! §4.4–§4.5). A call to a unit held elsewhere is a call of a *stub*: a function with the
//! callee's own signature (fallible, since the network may fail) that hands the
//! arguments to the network runtime (`pluto_net_call`) with the callee's descriptor. A
//! `pub fn` of a unit held here gets a *handler*, which the runtime calls with the
//! decoded arguments as a block of words. Descriptors (`pluto_abi::remote_fn`,
//! `pluto_abi::net`) are static data built from `hir`'s `unit_interface`: the runtime's
//! codec reads the types from them, so nothing is generated per message.

use cranelift_codegen::ir::{self, AbiParam, InstBuilder, MemFlagsData, StackSlotData, StackSlotKind, types};
use cranelift_frontend::FunctionBuilderContext;
use cranelift_module::{DataDescription, DataId, FuncId, Linkage, Module};
use pluto_db::{Db, Program};
use pluto_hir::{ItemLoc, Semantics, Ty};

use crate::function::{Abi, Lowerer, Result};
use crate::layout::{Word, machine_type};
use crate::{CodegenError, FnInfo, FnKey, Globals, Job};

/// A stub or a handler waiting to be compiled: function `index` of `unit`'s interface.
pub(crate) struct RemoteJob {
    pub id: FuncId,
    pub unit: ItemLoc,
    pub index: usize,
    pub kind: RemoteKind,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub(crate) enum RemoteKind {
    Stub,
    Handler,
    /// A function value (closure convention) making the cross-unit call, for `spawn`.
    Value,
}

impl Globals {
    /// Whether `unit` is held by the executable being built.
    pub fn is_local(&self, unit: ItemLoc) -> bool {
        self.local_units.as_ref().is_none_or(|units| units.contains(&unit))
    }

    fn interface_index(db: &dyn Db, program: Program, unit: ItemLoc, name: &str) -> Result<usize> {
        Semantics::new(db, program).unit_interface(unit).functions.iter().position(|f| f.name == name).ok_or_else(
            || crate::unsupported(db, unit, &format!("a cross-stage call of `{name}`, which is not a `pub fn`")),
        )
    }

    /// The stub that calls `unit`'s `pub fn` `name` in another process.
    pub fn remote_stub(&mut self, db: &dyn Db, program: Program, unit: ItemLoc, name: &str) -> Result<FnInfo> {
        let index = Self::interface_index(db, program, unit, name)?;
        if let Some(info) = self.stubs.get(&(unit, index)) {
            return Ok(info.clone());
        }
        let rf = &Semantics::new(db, program).unit_interface(unit).functions[index];
        let params: Vec<Ty> = rf.params.iter().map(|(_, t)| t.clone()).collect();
        // The callee's own signature, always fallible: the network may fail.
        let signature = self.direct_signature(false, &params, &rf.value_ty(), true);
        let symbol = format!("pluto_remote_{}_{}", unit.item(db).name, rf.name);
        let id = self.module.declare_function(&symbol, Linkage::Local, &signature).map_err(crate::backend)?;
        let info = FnInfo {
            id,
            signature,
            has_self: false,
            fallible: true,
            params,
            ret: rf.value_ty(),
            descriptors: Vec::new(),
        };
        self.stubs.insert((unit, index), info.clone());
        self.queue.push_back(Job::Remote(RemoteJob { id, unit, index, kind: RemoteKind::Stub }));
        Ok(info)
    }

    /// The handler through which the runtime calls function `index` of `unit` (held here).
    fn remote_handler(&mut self, db: &dyn Db, unit: ItemLoc, index: usize) -> Result<FuncId> {
        let mut signature = self.module.make_signature();
        signature.params.push(AbiParam::new(types::I64));
        signature.returns.extend([AbiParam::new(types::I64), AbiParam::new(types::I64)]);
        self.unit_fn(db, unit, index, RemoteKind::Handler, signature)
    }

    /// Function `index` of `unit` as `kind` (a handler or a function value), declared
    /// and queued once.
    fn unit_fn(
        &mut self,
        db: &dyn Db,
        unit: ItemLoc,
        index: usize,
        kind: RemoteKind,
        signature: ir::Signature,
    ) -> Result<FuncId> {
        if let Some(id) = self.unit_fns.get(&(unit, index, kind)) {
            return Ok(*id);
        }
        let symbol = format!("pluto_{kind:?}_{}_{index}", unit.item(db).name).to_lowercase();
        let id = self.module.declare_function(&symbol, Linkage::Local, &signature).map_err(crate::backend)?;
        self.unit_fns.insert((unit, index, kind), id);
        self.queue.push_back(Job::Remote(RemoteJob { id, unit, index, kind }));
        Ok(id)
    }

    /// A function value's code calling function `index` of `unit` across units (locally
    /// or over the network, as this executable holds it).
    fn unit_call_thunk(&mut self, db: &dyn Db, program: Program, unit: ItemLoc, index: usize) -> Result<FuncId> {
        let arity = Semantics::new(db, program).unit_interface(unit).functions[index].params.len();
        let signature = self.value_signature(arity);
        self.unit_fn(db, unit, index, RemoteKind::Value, signature)
    }

    /// The descriptor of a colocated call of function `index` of `unit`
    /// (`pluto_runtime::boundary::LocalCall`).
    fn local_call_desc(&mut self, db: &dyn Db, program: Program, unit: ItemLoc, index: usize) -> Result<DataId> {
        if let Some(id) = self.local_calls.get(&(unit, index)) {
            return Ok(*id);
        }
        let network_error = Semantics::new(db, program)
            .transport_errors()
            .first()
            .copied()
            .ok_or_else(|| CodegenError::Backend("the prelude lacks `NetworkError`".into()))?;
        let interface = Semantics::new(db, program).unit_interface(unit);
        let words = [
            Word::Data(self.adt_desc(db, program, network_error, &[])?),
            Word::Data(self.c_string(&interface.name)?),
            Word::Data(self.c_string(&interface.functions[index].name)?),
        ];
        let id = self.table(format!("pluto_local_call{}", self.local_calls.len()), &words)?;
        self.local_calls.insert((unit, index), id);
        Ok(id)
    }

    /// The descriptor of function `index` of `unit` (`pluto_abi::remote_fn`), with its
    /// handler when the unit is served here.
    fn remote_desc(&mut self, db: &dyn Db, program: Program, unit: ItemLoc, index: usize) -> Result<DataId> {
        if let Some(id) = self.remote_descs.get(&(unit, index)) {
            return Ok(*id);
        }
        let interface = Semantics::new(db, program).unit_interface(unit);
        let rf = &interface.functions[index];
        let mut params = Vec::new();
        for (_, ty) in &rf.params {
            params.push(Word::Data(self.type_desc(db, program, ty)?));
        }
        let params = self.table(format!("pluto_remote{}_params", self.remote_descs.len()), &params)?;
        let mut errors = Vec::new();
        for e in &rf.errors {
            errors.push(Word::Int(i64::from(e.tag)));
            errors.push(Word::Data(self.adt_desc(db, program, e.error, &[])?));
        }
        let errors = self.table(format!("pluto_remote{}_errors", self.remote_descs.len()), &errors)?;
        let handler =
            if self.is_local(unit) { Word::Func(self.remote_handler(db, unit, index)?) } else { Word::Int(0) };
        let words = [
            Word::Data(self.c_string(&rf.path)?),
            Word::Data(self.c_string(&interface.name)?),
            Word::Data(self.c_string(&rf.name)?),
            Word::Int(rf.fingerprint as i64),
            Word::Int(rf.params.len() as i64),
            Word::Data(params),
            Word::Data(self.type_desc(db, program, &rf.ret)?),
            Word::Int(rf.errors.len() as i64),
            Word::Data(errors),
            handler,
            Word::Int(i64::from(rf.streaming)),
        ];
        debug_assert_eq!(words.len(), pluto_abi::remote_fn::WORDS);
        let id = self.table(format!("pluto_remote{}", self.remote_descs.len()), &words)?;
        self.remote_descs.insert((unit, index), id);
        Ok(id)
    }

    /// The program's descriptor for the network runtime (`pluto_abi::net`).
    fn net_desc(&mut self, db: &dyn Db, program: Program, descriptor_set: &[u8]) -> Result<DataId> {
        let mut errors = Vec::new();
        for e in Semantics::new(db, program).transport_errors() {
            errors.push(Word::Data(self.adt_desc(db, program, e, &[])?));
        }
        let [network, deserialization] = errors
            .try_into()
            .map_err(|_| CodegenError::Backend("the prelude lacks `NetworkError` or `DeserializationError`".into()))?;
        let ports = Semantics::new(db, program).default_ports();
        let mut units = Vec::new();
        for (name, port) in &ports {
            units.push(Word::Data(self.c_string(name)?));
            units.push(Word::Int(i64::from(*port)));
        }
        let units = self.table("pluto_net_units".into(), &units)?;
        let set =
            self.module.declare_data("pluto_descriptor_set", Linkage::Local, false, false).map_err(crate::backend)?;
        let mut data = DataDescription::new();
        data.define(descriptor_set.to_vec().into_boxed_slice());
        self.module.define_data(set, &data).map_err(crate::backend)?;
        let words = [
            network,
            deserialization,
            Word::Int(ports.len() as i64),
            Word::Data(units),
            Word::Data(set),
            Word::Int(descriptor_set.len() as i64),
        ];
        debug_assert_eq!(words.len(), pluto_abi::net::WORDS);
        self.table("pluto_net".into(), &words)
    }
}

/// What the entry of an executable holding some units does on the network.
pub(crate) struct NetPlan {
    /// The `pub fn`s served here: unit and interface index.
    pub served: Vec<(ItemLoc, usize)>,
    pub has_main: bool,
    pub descriptor_set: Vec<u8>,
}

impl NetPlan {
    pub fn new(db: &dyn Db, program: Program, units: &[ItemLoc], has_main: bool, descriptor_set: Vec<u8>) -> NetPlan {
        let served = units
            .iter()
            .flat_map(|u| (0..Semantics::new(db, program).unit_interface(*u).functions.len()).map(move |i| (*u, i)))
            .collect();
        NetPlan { served, has_main, descriptor_set }
    }
}

impl Lowerer<'_, '_> {
    /// `unit.name` as a function value (for `spawn unit.name(args)`): calling it makes
    /// the cross-unit call.
    pub fn unit_fn_value(&mut self, unit: ItemLoc, name: &str) -> Result<ir::Value> {
        let index = Globals::interface_index(self.db, self.program, unit, name)?;
        let thunk = self.g.unit_call_thunk(self.db, self.program, unit, index)?;
        let object = self.alloc(2, false);
        let fr = self.g.module.declare_func_in_func(thunk, self.b.func);
        let code = self.b.ins().func_addr(types::I64, fr);
        self.store_word(object, 0, code);
        Ok(object)
    }

    /// The cross-unit call of function `index` of `unit` with `args` (words in a stack
    /// block): its result and error words.
    fn cross_unit_call(&mut self, unit: ItemLoc, index: usize, block: ir::Value) -> Result<Vec<ir::Value>> {
        if self.g.is_local(unit) {
            let handler = self.g.remote_handler(self.db, unit, index)?;
            let fr = self.g.module.declare_func_in_func(handler, self.b.func);
            let code = self.b.ins().func_addr(types::I64, fr);
            let lock = self.unit_lock(unit)?;
            let desc = self.g.local_call_desc(self.db, self.program, unit, index)?;
            let desc = self.data_addr(desc);
            Ok(self.call_rt("pluto_local_call", &[code, block, lock, desc]))
        } else {
            let desc = self.g.remote_desc(self.db, self.program, unit, index)?;
            let desc = self.data_addr(desc);
            Ok(self.call_rt("pluto_net_call", &[desc, block]))
        }
    }

    /// Words `values` in a new stack block; its address.
    fn word_block(&mut self, values: &[ir::Value]) -> ir::Value {
        let slot = self.b.create_sized_stack_slot(StackSlotData::new(
            StackSlotKind::ExplicitSlot,
            (values.len().max(1) * 8) as u32,
            3,
        ));
        for (i, v) in values.iter().enumerate() {
            let w = self.word(*v);
            self.b.ins().stack_store(types::I64, w, slot, i as i32 * 8);
        }
        self.b.ins().stack_addr(types::I64, slot, 0)
    }

    /// A call of `unit`'s `pub fn` `name` from outside the unit, when this executable
    /// holds the unit: through its handler inside a fault boundary holding the unit's
    /// lock (`pluto_local_call`), so a fault ends only this call, as over the network.
    pub fn colocated_call(
        &mut self,
        unit: ItemLoc,
        name: &str,
        args: &[pluto_hir::ExprId],
        ty: &Ty,
        handling: Option<pluto_hir::Handling>,
        node: pluto_syntax::TextRange,
    ) -> Result<Option<ir::Value>> {
        let index = Globals::interface_index(self.db, self.program, unit, name)?;
        let rf = self.sema().unit_interface(unit).functions[index].clone();
        let mut values = Vec::new();
        for (a, (_, param)) in args.iter().zip(&rf.params) {
            values.push(self.value_as(*a, param)?);
        }
        let block = self.word_block(&values);
        let outcome = self.cross_unit_call(unit, index, block)?;
        self.check_error(outcome[1], handling, node)?;
        let ret = rf.value_ty();
        Ok(machine_type(&ret).map(|t| {
            let v = self.coerce(outcome[0], t);
            self.convert(v, &ret, ty)
        }))
    }

    /// The address of `unit`'s lock (after its instance in the unit's slot).
    pub(crate) fn unit_lock(&mut self, unit: ItemLoc) -> Result<ir::Value> {
        let slot = self.g.unit_slot(self.db, unit)?;
        let addr = self.data_addr(slot);
        Ok(self.b.ins().iadd_imm_s(addr, 8))
    }

    /// `pluto_net_start`: configuration and the network runtime, before anything else.
    pub fn start_network(&mut self, plan: &NetPlan) -> Result<()> {
        let desc = self.g.net_desc(self.db, self.program, &plan.descriptor_set)?;
        let desc = self.data_addr(desc);
        let has_main = self.b.ins().iconst(types::I64, i64::from(plan.has_main));
        self.rt_void("pluto_net_start", &[desc, has_main]);
        Ok(())
    }

    /// `pluto_net_serve` with every served function and the lock of its unit.
    pub fn serve(&mut self, plan: &NetPlan) -> Result<()> {
        let slot = self.b.create_sized_stack_slot(StackSlotData::new(
            StackSlotKind::ExplicitSlot,
            (plan.served.len().max(1) * 16) as u32,
            3,
        ));
        for (i, (unit, index)) in plan.served.iter().enumerate() {
            let desc = self.g.remote_desc(self.db, self.program, *unit, *index)?;
            let desc = self.data_addr(desc);
            self.b.ins().stack_store(types::I64, desc, slot, i as i32 * 16);
            let lock = self.unit_lock(*unit)?;
            self.b.ins().stack_store(types::I64, lock, slot, i as i32 * 16 + 8);
        }
        let table = self.b.ins().stack_addr(types::I64, slot, 0);
        let count = self.b.ins().iconst(types::I64, plan.served.len() as i64);
        self.rt_void("pluto_net_serve", &[table, count]);
        Ok(())
    }
}

/// Compiles a stub or a handler.
pub(crate) fn build(
    db: &dyn Db,
    program: Program,
    job: RemoteJob,
    g: &mut Globals,
    func: &mut ir::Function,
    context: &mut FunctionBuilderContext,
) -> Result<()> {
    let rf = Semantics::new(db, program).unit_interface(job.unit).functions[job.index].clone();
    // What the function returns to Pluto code: for a stream, the receiver of its items.
    let ret = rf.value_ty();
    let key = FnKey::for_stage(rf.f, job.unit);
    let decl = crate::jobs::declaration(db, program, rf.f)?;
    match job.kind {
        RemoteKind::Stub => {
            let abi = Abi::Direct { ret: ret.clone(), fallible: true };
            let mut l = Lowerer::new(db, program, g, func, context, key, None, decl, abi);
            let entry = l.start();
            let params = l.b.block_params(entry).to_vec();
            let block = l.word_block(&params);
            let outcome = l.cross_unit_call(job.unit, job.index, block)?;
            let value = machine_type(&ret).map(|t| (l.coerce(outcome[0], t), ret.clone()));
            l.emit_return(value, Some(outcome[1]));
            l.finish();
        }
        RemoteKind::Handler => {
            let target = g.function(db, program, key.clone())?;
            let slot = g.unit_slot(db, job.unit)?;
            let abi = Abi::Value { ret: ret.clone() };
            let mut l = Lowerer::new(db, program, g, func, context, key, None, decl, abi);
            let entry = l.start();
            let args = l.b.block_params(entry)[0];
            let mut values = Vec::new();
            if target.has_self {
                let addr = l.data_addr(slot);
                values.push(l.b.ins().load(types::I64, MemFlagsData::trusted(), addr, 0));
            }
            for i in 0..target.params.len() {
                values.push(l.b.ins().load(types::I64, MemFlagsData::trusted(), args, i as i32 * 8));
            }
            let values: Vec<ir::Value> =
                values.iter().zip(&target.signature.params).map(|(v, p)| l.coerce(*v, p.value_type)).collect();
            let fr = l.g.module.declare_func_in_func(target.id, l.b.func);
            let call = l.b.ins().call(fr, &values);
            let results = l.b.inst_results(call).to_vec();
            let value = machine_type(&target.ret).map(|_| (results[0], target.ret.clone()));
            let error = target.fallible.then(|| results[results.len() - 1]);
            l.emit_return(value, error);
            l.finish();
        }
        RemoteKind::Value => {
            let abi = Abi::Value { ret: ret.clone() };
            let mut l = Lowerer::new(db, program, g, func, context, key, None, decl, abi);
            let entry = l.start();
            // The closure object comes first; the arguments follow.
            let params = l.b.block_params(entry)[1..].to_vec();
            let block = l.word_block(&params);
            let outcome = l.cross_unit_call(job.unit, job.index, block)?;
            l.b.ins().return_(&outcome);
            l.filled = true;
            l.finish();
        }
    }
    Ok(())
}
