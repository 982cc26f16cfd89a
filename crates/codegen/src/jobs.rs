//! The bodies of compilation jobs: a function (per instance), the closure-convention
//! wrappers of function values and vtables (thunks, and trait-method dispatch), closures,
//! and the initialisers of field defaults. Each sets up a `Lowerer` and lowers into it.

use cranelift_codegen::ir::{self, InstBuilder, MemFlagsData, TrapCode, types};
use cranelift_frontend::FunctionBuilderContext;
use cranelift_module::Module;
use pluto_db::{Db, Program};
use pluto_hir::{BindingId, BodyOwner, Expr, FnLoc, ItemKind, Loc, Semantics, Ty};
use pluto_syntax::TextRange;

use crate::function::{Abi, ClosureJob, Lowerer, Result};
use crate::layout::machine_type;
use crate::{CodegenError, FnKey, Globals, Job, ThunkKind};

/// Where a function's declaration is, for the source lines of its faults.
pub(crate) fn declaration(db: &dyn Db, program: Program, f: FnLoc) -> Result<Loc> {
    Semantics::new(db, program).declaration_loc(BodyOwner::Fn(f)).ok_or_else(missing_declaration)
}

fn missing_declaration() -> CodegenError {
    CodegenError::Backend("a declaration is missing from its file".to_string())
}

/// Compiles one job into `func`.
pub(crate) fn build(
    db: &dyn Db,
    program: Program,
    job: Job,
    g: &mut Globals,
    func: &mut ir::Function,
    context: &mut FunctionBuilderContext,
) -> Result<()> {
    match job {
        Job::Fn(key, _) => build_fn(db, program, key, g, func, context),
        Job::Thunk(key, kind, _) => build_thunk(db, program, key, kind, g, func, context),
        Job::Closure(c) => build_closure(db, program, c, g, func, context),
        Job::Defaults(class, _) => build_defaults(db, program, class, g, func, context),
        Job::Entry(e) => crate::entry::build(db, program, e, g, func, context),
        Job::Remote(r) => crate::remote::build(db, program, r, g, func, context),
    }
}

fn build_fn(
    db: &dyn Db,
    program: Program,
    key: FnKey,
    g: &mut Globals,
    func: &mut ir::Function,
    context: &mut FunctionBuilderContext,
) -> Result<()> {
    let f = key.f;
    let decl = declaration(db, program, f)?;
    let info = g.functions[&key].clone();
    let abi = Abi::Direct { ret: info.ret.clone(), fallible: info.fallible };
    let self_ty = match key.stage.or(f.container()) {
        Some(c) if matches!(c.item(db).kind, ItemKind::Trait(_)) => Ty::Trait(c),
        Some(c) => {
            let params = c.generic_names(db);
            key.substitute(db, &Ty::Adt(c, params.iter().map(|p| Ty::Param(p.as_str().into())).collect()))
        }
        None => Ty::Unknown,
    };
    let mut l = Lowerer::new(db, program, g, func, context, key.clone(), Some(BodyOwner::Fn(key.f)), decl, abi);
    let entry = l.start();
    let params = l.b.block_params(entry).to_vec();
    let mut params = params.into_iter();
    if info.has_self {
        let this = params.next().expect("the receiver");
        l.declare(None, self_ty, Some(this));
    }
    let declared: Vec<BindingId> = l.body.params.iter().map(|p| p.binding).collect();
    for ((b, ty), v) in declared.into_iter().zip(&info.params).zip(params) {
        l.declare(Some(b), ty.clone(), Some(v));
    }
    let body = l.body.root.ok_or_else(|| l.unsupported(TextRange::default(), "functions without a body"))?;
    let value = l.block(body)?;
    if !l.filled {
        let body_ty = l.block_ty(body);
        match (&info.ret, value) {
            (Ty::Void, _) => l.emit_return(None, None),
            (_, Some(v)) => l.emit_return(Some((v, body_ty)), None),
            // Checking proved every path returns; this end is unreachable.
            (_, None) => {
                l.b.ins().trap(TrapCode::unwrap_user(1));
            }
        }
    }
    l.finish();
    Ok(())
}

/// A wrapper with the closure convention around a function or method.
fn build_thunk(
    db: &dyn Db,
    program: Program,
    key: FnKey,
    kind: ThunkKind,
    g: &mut Globals,
    func: &mut ir::Function,
    context: &mut FunctionBuilderContext,
) -> Result<()> {
    let f = key.f;
    if kind == ThunkKind::Dispatch {
        return build_dispatch_thunk(db, program, key, g, func, context);
    }
    let target = g.function(db, program, key.clone())?;
    let decl = declaration(db, program, f)?;
    let abi = Abi::Value { ret: target.ret.clone() };
    let mut l = Lowerer::new(db, program, g, func, context, key, None, decl, abi);
    let entry = l.start();
    let params = l.b.block_params(entry).to_vec();
    let mut args = Vec::new();
    if target.has_self {
        let receiver = match kind {
            ThunkKind::Receiver => params[0],
            ThunkKind::Value => l.b.ins().load(types::I64, MemFlagsData::trusted(), params[0], 8),
            ThunkKind::Dispatch => unreachable!("dispatch thunks are built by build_dispatch_thunk"),
        };
        args.push(receiver);
    }
    for (i, ty) in target.params.iter().enumerate() {
        let t = machine_type(ty).unwrap_or(types::I64);
        args.push(l.coerce(params[i + 1], t));
    }
    let fr = l.g.module.declare_func_in_func(target.id, l.b.func);
    let call = l.b.ins().call(fr, &args);
    let results = l.b.inst_results(call).to_vec();
    let has_value = machine_type(&target.ret).is_some();
    let value = has_value.then(|| (results[0], target.ret.clone()));
    let error = target.fallible.then(|| results[results.len() - 1]);
    l.emit_return(value, error);
    l.finish();
    Ok(())
}

/// A function value of trait method `key.f` bound to a receiver of any class: the call
/// goes through the receiver's vtable (whose entries have the closure convention, with
/// the receiver first).
fn build_dispatch_thunk(
    db: &dyn Db,
    program: Program,
    key: FnKey,
    g: &mut Globals,
    func: &mut ir::Function,
    context: &mut FunctionBuilderContext,
) -> Result<()> {
    let f = key.f;
    let (FnLoc::Method(tr, _), Some(method), decl) = (f, f.method_index(db), declaration(db, program, f)?) else {
        return Err(CodegenError::Backend(format!("`{}` is not a trait method", f.display(db))));
    };
    let ret = Semantics::new(db, program).signature(f).ret.clone();
    let mut l = Lowerer::new(db, program, g, func, context, key, None, decl, Abi::Value { ret });
    let entry = l.start();
    let params = l.b.block_params(entry).to_vec();
    let receiver = l.b.ins().load(types::I64, MemFlagsData::trusted(), params[0], 8);
    let code = l.vtable_entry(receiver, tr, i64::from(method));
    let mut args = vec![receiver];
    args.extend_from_slice(&params[1..]);
    let sig = l.g.value_signature(args.len() - 1);
    let sig_ref = l.b.import_signature(sig);
    let call = l.b.ins().call_indirect(sig_ref, code, &args);
    let results = l.b.inst_results(call).to_vec();
    l.b.ins().return_(&results);
    l.filled = true;
    l.finish();
    Ok(())
}

fn build_closure(
    db: &dyn Db,
    program: Program,
    job: ClosureJob,
    g: &mut Globals,
    func: &mut ir::Function,
    context: &mut FunctionBuilderContext,
) -> Result<()> {
    let mut l = Lowerer::new(db, program, g, func, context, job.owner, Some(job.body), job.decl, Abi::Entry);
    let ret = match l.ty_of(job.expr) {
        Ty::Fn(_, r) => (*r).clone(),
        _ => Ty::Unknown,
    };
    l.abi = Abi::Value { ret: ret.clone() };
    let entry = l.start();
    let params = l.b.block_params(entry).to_vec();
    for (i, (captured, ty)) in job.captures.iter().enumerate() {
        let slot = 1 + i as i32;
        let v = l.load_word(params[0], slot, ty);
        l.declare(captured.0, ty.clone(), Some(v));
        if let Some(b) = captured.0 {
            l.capture_slots.insert(b, (params[0], slot));
        }
    }
    let Expr::Closure { params: closure_params, body } = &l.body.exprs[job.expr] else {
        return Err(l.unsupported(l.range(job.expr), "this closure"));
    };
    let body = *body;
    for (i, p) in closure_params.iter().enumerate() {
        if l.body.binding_name(p.binding).text.is_empty() {
            continue;
        }
        let ty = l.binding_ty(p.binding);
        let t = machine_type(&ty).unwrap_or(types::I64);
        let v = l.coerce(params[i + 1], t);
        l.declare(Some(p.binding), ty, Some(v));
    }
    let body_ty = l.ty_of(body);
    let value = l.expr(body)?;
    if !l.filled {
        let value = match (&ret, value) {
            (Ty::Void, _) | (_, None) => None,
            (_, Some(v)) => Some((v, body_ty)),
        };
        l.emit_return(value, None);
    }
    l.finish();
    Ok(())
}

/// `pluto_defaults_<Class>(object)`: stores every field default of a class.
fn build_defaults(
    db: &dyn Db,
    program: Program,
    class: pluto_hir::ItemLoc,
    g: &mut Globals,
    func: &mut ir::Function,
    context: &mut FunctionBuilderContext,
) -> Result<()> {
    let body = class.item(db).body().expect("classes have bodies").clone();
    let data = Semantics::new(db, program).adt(class).clone();
    let first = crate::layout::fields_start(db, program, class);
    let class_decl = class.name_loc(db);
    // The class stands in for the function: it gives the lowering a file (defaults have
    // their own types, and no type arguments: fields keep their declared layout).
    let owner = FnKey::plain(FnLoc::Free(class));
    let mut l = Lowerer::new(db, program, g, func, context, owner, None, class_decl, Abi::Entry);
    let entry = l.start();
    let object = l.b.block_params(entry)[0];
    for (i, field) in body.fields.iter().enumerate() {
        if !field.has_default {
            continue;
        }
        let field = BodyOwner::FieldDefault(class, i as u32);
        l.use_results_of(field);
        l.decl = Semantics::new(db, program).declaration_loc(field).ok_or_else(missing_declaration)?;
        let value = l.body.root.ok_or_else(missing_declaration)?;
        let from = l.ty_of(value);
        let v = l.value(value)?;
        let v = l.convert(v, &from, &data.fields[i].ty);
        l.store_word(object, first + i as i32, v);
    }
    l.emit_return(None, None);
    l.finish();
    Ok(())
}
