//! The generated entry, `pluto_main`, which the runtime's C `main` calls and which
//! returns the error that escaped (or 0). For a plain program it calls `fn main()`. For a
//! program with stages it is the dependency-injection `main` of SPEC §3: it builds every
//! injected class once, dependencies first (field defaults included), then every
//! deployment unit the executable holds with its dependencies, then runs `main` of the
//! unit that has one. An executable holding only some units (`compile-stages`) first
//! starts the network runtime and, once its units are built, serves their `pub fn`s;
//! after `main` it drains, and without `main` it serves until SIGTERM (SPEC §4.5).

use std::collections::HashMap;

use cranelift_codegen::ir::{self, InstBuilder, MemFlagsData, Value, types};
use cranelift_frontend::FunctionBuilderContext;
use cranelift_module::{FuncId, Linkage, Module};
use pluto_db::{Db, Program};
use pluto_hir::{FnLoc, ItemKind, ItemLoc, Semantics, Ty};

use crate::function::{Abi, Lowerer, Result};
use crate::layout::{fields_start, first_field};
use crate::{CodegenError, FnKey, Globals, Job};

pub(crate) struct EntryJob {
    pub id: FuncId,
    /// The `main` to run, if any (an executable holding only serving units has none).
    pub main: Option<FnKey>,
    pub units: Vec<ItemLoc>,
    pub net: Option<crate::remote::NetPlan>,
}

/// The method `name` with a body along `stage`'s chain, nearest first.
pub(crate) fn chain_method(db: &dyn Db, program: Program, stage: ItemLoc, name: &str) -> Option<FnLoc> {
    Semantics::new(db, program).def_map().chain(stage).into_iter().find_map(|level| {
        let body = level.item(db).body()?;
        let i = body.methods.iter().find(|m| m.name == name && m.has_body)?;
        Some(FnLoc::method(level, i))
    })
}

/// Finds the entry and queues `pluto_main`.
pub(crate) fn plan(db: &dyn Db, program: Program, options: &crate::Options, g: &mut Globals) -> Result<()> {
    let graph = pluto_db::modules::module_graph(db, program);
    let entry_file = graph.modules.first().map(|m| m.file).ok_or(CodegenError::NoMain)?;
    let map = Semantics::new(db, program).def_map();
    let mut units: Vec<ItemLoc> = map.stages.iter().filter(|s| s.is_unit && g.is_local(s.loc)).map(|s| s.loc).collect();
    units.sort_by_key(|u| u.order_key(db));
    let plain = Semantics::new(db, program)
        .item_tree(entry_file)
        .items
        .iter()
        .find(|i| i.name == "main" && matches!(i.kind, ItemKind::Fn(_)))
        .map(|item| FnKey::plain(FnLoc::Free(ItemLoc::of(entry_file, item))));
    let with_main: Vec<(ItemLoc, FnLoc)> =
        units.iter().filter_map(|u| chain_method(db, program, *u, "main").map(|m| (*u, m))).collect();
    let names = || with_main.iter().map(|(u, _)| u.item(db).name.clone()).collect::<Vec<_>>();
    let main = if g.local_units.is_some() {
        // An executable of some units: at most one of them may run `main`.
        match with_main.as_slice() {
            [] => None,
            [(unit, main)] => Some(FnKey::for_stage(*main, *unit)),
            _ => return Err(CodegenError::SeveralMains(names())),
        }
    } else if let Some(main) = plain {
        Some(main)
    } else {
        let chosen = match &options.main_unit {
            Some(name) => match with_main.iter().find(|(u, _)| u.item(db).name == *name) {
                Some(found) => *found,
                None => return Err(CodegenError::NoSuchUnit { name: name.clone(), with_main: names() }),
            },
            None => match with_main.as_slice() {
                [] => return Err(CodegenError::NoMain),
                [only] => *only,
                _ => return Err(CodegenError::SeveralMains(names())),
            },
        };
        Some(FnKey::for_stage(chosen.1, chosen.0))
    };
    if let Some(main) = &main {
        let info = g.function(db, program, main.clone())?;
        if !info.params.is_empty() || !matches!(info.ret, Ty::Void | Ty::Int) {
            // Checking reports this (E0218); only programs with errors get here.
            let loc = crate::item_of(main.f);
            return Err(crate::unsupported(db, loc, "a `main` with parameters or a result other than `int`"));
        }
    }
    let net = g
        .local_units
        .is_some()
        .then(|| crate::remote::NetPlan::new(db, program, &units, main.is_some(), options.descriptor_set.clone()));
    if main.is_none() && net.as_ref().is_none_or(|n| n.served.is_empty()) {
        return Err(CodegenError::NoMain);
    }
    // Every function of the program's own files is compiled, reachable or not, as any
    // compiler does: generic ones once, stage methods once per unit that runs them. An
    // executable of some units (`compile-stages`) holds only what its units reach: its
    // `main` and served functions, and what they call (queued as calls are lowered).
    let every_function = g.local_units.is_none();
    for m in graph.modules.iter().filter(|_| every_function) {
        if m.file.path(db).is_std() {
            continue;
        }
        for item in Semantics::new(db, program).item_tree(m.file).items.iter() {
            let loc = ItemLoc::of(m.file, item);
            match &item.kind {
                ItemKind::Fn(sig) if sig.has_body && sig.generics.is_empty() => {
                    g.function(db, program, FnKey::plain(FnLoc::Free(loc)))?;
                }
                ItemKind::Class(body) | ItemKind::Trait(body) => {
                    for method in body.methods.iter() {
                        if method.has_body {
                            let f = FnLoc::method(loc, method);
                            if crate::generic_names(db, f).is_empty() {
                                g.function(db, program, FnKey::plain(f))?;
                            }
                        }
                    }
                }
                ItemKind::Stage(body) | ItemKind::Instance { body, .. } => {
                    for unit in units.iter().filter(|u| map.chain(**u).contains(&loc)) {
                        for method in body.methods.iter().filter(|m| m.has_body) {
                            if let Some(f) = chain_method(db, program, *unit, &method.name) {
                                g.function(db, program, FnKey::for_stage(f, *unit))?;
                            }
                        }
                    }
                }
                _ => {}
            }
        }
    }
    let mut sig = g.module.make_signature();
    sig.returns.push(ir::AbiParam::new(types::I64));
    let id = g.module.declare_function("pluto_main", Linkage::Export, &sig).map_err(crate::backend)?;
    g.queue.push_back(Job::Entry(EntryJob { id, main, units, net }));
    Ok(())
}

pub(crate) fn build(
    db: &dyn Db,
    program: Program,
    job: EntryJob,
    g: &mut Globals,
    func: &mut ir::Function,
    context: &mut FunctionBuilderContext,
) -> Result<()> {
    // The function the entry stands for (for source locations): `main`, or the first
    // function served.
    let owner = match (&job.main, &job.net) {
        (Some(main), _) => main.clone(),
        (None, Some(net)) => {
            let (unit, index) = net.served[0];
            FnKey::for_stage(Semantics::new(db, program).unit_interface(unit).functions[index].f, unit)
        }
        (None, None) => return Err(CodegenError::NoMain),
    };
    let owner_loc = crate::item_of(owner.f);
    let decl = owner_loc.name_loc(db);
    let mut l = Lowerer::new_entry(db, program, g, func, context, owner, decl);
    if let Some(net) = &job.net {
        l.start_network(net)?;
    }
    let mut singletons: HashMap<ItemLoc, Value> = HashMap::new();
    for unit in &job.units {
        let object = l.construct(*unit, &mut singletons, &mut Vec::new())?;
        let slot = l.g.unit_slot(db, *unit)?;
        let addr = l.data_addr(slot);
        l.b.ins().store(MemFlagsData::trusted(), object, addr, 0);
        l.rt_void("pluto_gc_root", &[addr]);
    }
    if let Some(net) = &job.net {
        l.serve(net)?;
    }
    let Some(main) = job.main.clone() else {
        l.rt_void("pluto_net_wait", &[]);
        l.emit_return(None, None);
        l.finish();
        return Ok(());
    };
    let info = l.g.function(db, program, main.clone())?;
    let mut args = Vec::new();
    if info.has_self {
        let unit = main.stage.expect("stage methods run for a unit");
        args.push(singletons[&unit]);
        let lock = l.unit_lock(unit)?;
        l.rt_void("pluto_main_unit", &[lock]);
    }
    let fr = l.g.module.declare_func_in_func(info.id, l.b.func);
    let call = l.b.ins().call(fr, &args);
    let results = l.b.inst_results(call).to_vec();
    if info.ret == Ty::Int {
        // `fn main() int`: the process exits with the result (after a failure, 1).
        l.rt_void("pluto_set_exit_status", &[results[0]]);
    }
    let error = info.fallible.then(|| results[results.len() - 1]);
    if job.net.is_some() {
        l.rt_void("pluto_net_finish", &[]);
    }
    l.emit_return(None, error);
    l.finish();
    Ok(())
}

impl<'a, 'b> Lowerer<'a, 'b> {
    /// Builds the instance of class or stage `loc` once (its dependencies first).
    fn construct(
        &mut self,
        loc: ItemLoc,
        built: &mut HashMap<ItemLoc, Value>,
        path: &mut Vec<ItemLoc>,
    ) -> Result<Value> {
        if let Some(v) = built.get(&loc) {
            return Ok(*v);
        }
        if path.contains(&loc) {
            // Checking reports cycles; this is only reached for programs with errors.
            return Err(crate::unsupported(self.db, loc, "a dependency cycle"));
        }
        path.push(loc);
        let data = self.sema().adt(loc).clone();
        let mut deps = Vec::new();
        for (_, ty) in &data.deps {
            match ty {
                Ty::Adt(class, _) => deps.push(self.construct(*class, built, path)?),
                _ => return Err(crate::unsupported(self.db, loc, "injecting a dependency that is not a class")),
            }
        }
        path.pop();
        let first = first_field(self.db, loc);
        let object = self.alloc(fields_start(self.db, self.program, loc) as i64 + data.fields.len() as i64, false);
        let desc = self.adt_desc_addr(loc, &[])?;
        self.store_word(object, 0, desc);
        for (i, d) in deps.iter().enumerate() {
            self.store_word(object, first + i as i32, *d);
        }
        self.store_defaults(loc, object)?;
        built.insert(loc, object);
        Ok(object)
    }
}

impl<'a, 'b> Lowerer<'a, 'b> {
    fn new_entry(
        db: &'a dyn Db,
        program: Program,
        g: &'a mut Globals,
        func: &'b mut ir::Function,
        context: &'b mut FunctionBuilderContext,
        main: FnKey,
        decl: pluto_hir::Loc,
    ) -> Self {
        let mut l = Lowerer::new(db, program, g, func, context, main, None, decl, Abi::Entry);
        l.start();
        l
    }
}
