//! Native code generation: a checked program becomes one object file (Cranelift) that is
//! linked with the embedded runtime by the system C compiler.
//!
//! Every non-generic function of the program's own files is compiled; generic ones once
//! per list of type arguments a call needs, and standard-library functions when something
//! calls them (docs/runtime.md explains the value representation). Methods of stage
//! templates are compiled once per concrete stage, so `self.run()` in a template calls the
//! instance's `run` directly. Anything not supported is reported with
//! its source line, never silently miscompiled.

mod arrays;
mod branches;
mod calls;
mod entry;
mod errors;
mod expr;
mod function;
mod inline;
mod jobs;
mod layout;
mod link;
mod remote;
mod stmt;

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use cranelift_codegen::ir::{self, AbiParam, Signature, types};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_module::{DataId, FuncId, Linkage, Module};
use cranelift_object::{ObjectBuilder, ObjectModule};
use pluto_db::{Db, FilePath, Program};
use pluto_hir::{FnLoc, ItemKind, ItemLoc, Semantics, Ty};

pub use link::{LinkError, link_executable};

/// A runtime static library embedded at build time, with a hash of its bytes (it names
/// the copy the linker reads).
pub struct RuntimeArchive {
    pub name: &'static str,
    pub bytes: &'static [u8],
    pub hash: &'static str,
}

/// The runtime static library.
pub const RUNTIME_ARCHIVE: RuntimeArchive = RuntimeArchive {
    name: "libpluto_runtime",
    bytes: include_bytes!(env!("PLUTO_RUNTIME_ARCHIVE")),
    hash: env!("PLUTO_RUNTIME_ARCHIVE_HASH"),
};

/// The runtime with the network runtime (gRPC, HTTP, JSON, configuration), for the
/// executables that need it (`Object::network`).
pub const RUNTIME_NET_ARCHIVE: RuntimeArchive = RuntimeArchive {
    name: "libpluto_runtime_net",
    bytes: include_bytes!(env!("PLUTO_RUNTIME_NET_ARCHIVE")),
    hash: env!("PLUTO_RUNTIME_NET_ARCHIVE_HASH"),
};

/// Why a program could not be compiled.
#[derive(Debug)]
pub enum CodegenError {
    /// The program uses something code generation does not handle yet.
    Unsupported {
        what: String,
        file: String,
        line: u32,
    },
    NoMain,
    /// Several units have `main` and none was chosen.
    SeveralMains(Vec<String>),
    /// `--unit NAME` names no unit with `main`.
    NoSuchUnit {
        name: String,
        with_main: Vec<String>,
    },
    /// A unit to hold (`--colocate`, `compile-stages`) that the program does not have.
    UnknownUnit {
        name: String,
        units: Vec<String>,
    },
    Backend(String),
}

/// What to build.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The deployment unit whose `main` the executable runs, when several have one.
    pub main_unit: Option<String>,
    /// The units this executable holds (`compile-stages`); calls to every other unit go
    /// over the network. `None`: the whole program in one executable, no network.
    pub units: Option<Vec<String>>,
    /// The encoded `FileDescriptorSet` of the held units' schemas (served by reflection).
    pub descriptor_set: Vec<u8>,
}

impl std::fmt::Display for CodegenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CodegenError::Unsupported { what, file, line } => {
                write!(f, "{file}:{line}: code generation does not support {what} yet")
            }
            CodegenError::NoMain => write!(
                f,
                "the program has no entry point: write a `fn main()`, or a deployment unit with `fn main(self)`"
            ),
            CodegenError::SeveralMains(units) => write!(
                f,
                "the units {} each have `main`: choose the one to run with `--unit NAME`",
                units.iter().map(|u| format!("`{u}`")).collect::<Vec<_>>().join(", ")
            ),
            CodegenError::NoSuchUnit { name, with_main } => write!(
                f,
                "no deployment unit `{name}` with `main`; units with `main`: {}",
                if with_main.is_empty() { "none".to_string() } else { with_main.join(", ") }
            ),
            CodegenError::UnknownUnit { name, units } => write!(
                f,
                "the program has no deployment unit `{name}`; its units: {}",
                if units.is_empty() { "none".to_string() } else { units.join(", ") }
            ),
            CodegenError::Backend(message) => write!(f, "code generation failed: {message}"),
        }
    }
}

pub(crate) fn backend(e: impl std::fmt::Debug) -> CodegenError {
    CodegenError::Backend(format!("{e:?}"))
}

/// A function as compiled: generic functions once per list of type arguments (the
/// container's parameters, then the function's own), methods of stage templates once
/// per concrete stage they run for.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct FnKey {
    pub f: FnLoc,
    pub stage: Option<ItemLoc>,
    pub args: Arc<[Ty]>,
}

impl FnKey {
    pub fn plain(f: FnLoc) -> FnKey {
        FnKey { f, stage: None, args: Arc::from([]) }
    }

    /// An instance; type arguments nothing decided (all unknown) leave `f` generic, its
    /// type parameters handled as words.
    pub fn instance(f: FnLoc, args: Vec<Option<Ty>>) -> FnKey {
        if args.iter().all(Option::is_none) {
            return FnKey::plain(f);
        }
        FnKey { f, stage: None, args: args.into_iter().map(|t| t.unwrap_or(Ty::Unknown)).collect() }
    }

    pub fn for_stage(f: FnLoc, stage: ItemLoc) -> FnKey {
        FnKey { f, stage: Some(stage), args: Arc::from([]) }
    }

    /// The names the type arguments stand for.
    pub fn names(&self, db: &dyn Db) -> Vec<String> {
        generic_names(db, self.f)
    }

    /// `ty` with this instance's type arguments for the type parameters.
    pub fn substitute(&self, db: &dyn Db, ty: &Ty) -> Ty {
        if self.args.is_empty() { ty.clone() } else { ty.substitute(&self.names(db), &self.args) }
    }
}

/// The type parameters in scope in `f`: its container's, then its own.
pub(crate) fn generic_names(db: &dyn Db, f: FnLoc) -> Vec<String> {
    let mut names = match f.container() {
        Some(c) => c.generic_names(db),
        None => Vec::new(),
    };
    names.extend(f.sig(db).generics.iter().map(|g| g.name.clone()));
    names
}

/// Wrappers with the uniform calling convention of function values: every argument and
/// the result are words, and an error word is returned after the result.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub(crate) enum ThunkKind {
    /// First argument: the receiver (vtable entries).
    Receiver,
    /// First argument: a closure object `[code][receiver?]` (function values).
    Value,
    /// A trait method bound to a receiver whose class is not known where the function
    /// value is made: calls the receiver's implementation through its vtable.
    Dispatch,
}

pub(crate) enum Job {
    Fn(FnKey, FuncId),
    Thunk(FnKey, ThunkKind, FuncId),
    Closure(function::ClosureJob),
    Defaults(ItemLoc, FuncId),
    Entry(entry::EntryJob),
    Remote(remote::RemoteJob),
}

/// What a compiled function looks like from a call site.
#[derive(Clone)]
pub(crate) struct FnInfo {
    pub id: FuncId,
    pub signature: Signature,
    pub has_self: bool,
    pub fallible: bool,
    pub params: Vec<Ty>,
    pub ret: Ty,
    /// The type arguments a runtime function receives as descriptors after its values.
    pub descriptors: Vec<Ty>,
}

pub(crate) struct Globals {
    pub module: ObjectModule,
    pub functions: HashMap<FnKey, FnInfo>,
    pub thunks: HashMap<(FnKey, ThunkKind), FuncId>,
    pub queue: VecDeque<Job>,
    pub strings: HashMap<String, DataId>,
    pub c_strings: HashMap<String, DataId>,
    pub type_descs: HashMap<Ty, DataId>,
    pub adt_descs: HashMap<(ItemLoc, Arc<[Ty]>), DataId>,
    pub runtime: HashMap<&'static str, FuncId>,
    /// Every trait of the program, numbered: an object's descriptor has a vtable slot
    /// per trait.
    pub traits: Vec<ItemLoc>,
    pub vtables: usize,
    pub closures: usize,
    pub defaults: HashMap<ItemLoc, Option<FuncId>>,
    /// The slot holding each deployment unit's instance.
    pub units: HashMap<ItemLoc, DataId>,
    /// The units this executable holds (`None`: all).
    pub local_units: Option<Vec<ItemLoc>>,
    /// Stubs calling units held elsewhere, and descriptors of remote functions, by unit
    /// and index in its interface.
    pub stubs: HashMap<(ItemLoc, usize), FnInfo>,
    pub remote_descs: HashMap<(ItemLoc, usize), DataId>,
    /// Handlers of `pub fn`s of units held here (served, or called across units) and
    /// function values making cross-unit calls, and the descriptors of colocated
    /// cross-unit calls.
    pub unit_fns: HashMap<(ItemLoc, usize, remote::RemoteKind), FuncId>,
    pub local_calls: HashMap<(ItemLoc, usize), DataId>,
}

/// Compiles a checked program (without errors) to an object file.
pub fn compile(db: &dyn Db, program: Program) -> Result<Object, CodegenError> {
    compile_with(db, program, &Options::default())
}

/// Compiles a checked program with `options`.
pub fn compile_with(db: &dyn Db, program: Program, options: &Options) -> Result<Object, CodegenError> {
    let mut flags = settings::builder();
    flags.set("is_pic", "true").map_err(backend)?;
    flags.set("opt_level", "speed").map_err(backend)?;
    let isa = cranelift_native::builder().map_err(backend)?.finish(settings::Flags::new(flags)).map_err(backend)?;
    let builder =
        ObjectBuilder::new(isa, "pluto_program", cranelift_module::default_libcall_names()).map_err(backend)?;
    let mut traits = Vec::new();
    for m in &pluto_db::modules::module_graph(db, program).modules {
        for item in Semantics::new(db, program).item_tree(m.file).items.iter() {
            if matches!(item.kind, ItemKind::Trait(_)) {
                traits.push(ItemLoc::of(m.file, item));
            }
        }
    }
    let mut g = Globals {
        module: ObjectModule::new(builder),
        functions: HashMap::new(),
        thunks: HashMap::new(),
        queue: VecDeque::new(),
        strings: HashMap::new(),
        c_strings: HashMap::new(),
        type_descs: HashMap::new(),
        adt_descs: HashMap::new(),
        runtime: HashMap::new(),
        traits,
        vtables: 0,
        closures: 0,
        defaults: HashMap::new(),
        units: HashMap::new(),
        local_units: None,
        stubs: HashMap::new(),
        remote_descs: HashMap::new(),
        unit_fns: HashMap::new(),
        local_calls: HashMap::new(),
    };
    if let Some(names) = &options.units {
        let map = Semantics::new(db, program).def_map();
        let mut held = Vec::new();
        for name in names {
            match map.unit(name) {
                Some(unit) => held.push(unit),
                None => {
                    return Err(CodegenError::UnknownUnit {
                        name: name.clone(),
                        units: map.units.keys().cloned().collect(),
                    });
                }
            }
        }
        g.local_units = Some(held);
    }
    entry::plan(db, program, options, &mut g)?;
    // Every function is built first, then each is compiled with its small callees
    // inlined (Cranelift has no inliner of its own heuristics; `inline.rs` is ours).
    let mut context = g.module.make_context();
    let mut builder_context = cranelift_frontend::FunctionBuilderContext::new();
    let mut built: Vec<(FuncId, ir::Function)> = Vec::new();
    while let Some(job) = g.queue.pop_front() {
        let id = match &job {
            Job::Fn(_, id) | Job::Thunk(_, _, id) | Job::Defaults(_, id) => *id,
            Job::Closure(c) => c.id,
            Job::Entry(e) => e.id,
            Job::Remote(r) => r.id,
        };
        context.func.signature = g.module.declarations().get_function_decl(id).signature.clone();
        jobs::build(db, program, job, &mut g, &mut context.func, &mut builder_context)?;
        built.push((id, std::mem::replace(&mut context.func, ir::Function::new())));
        g.module.clear_context(&mut context);
    }
    let bodies = inline::Bodies::new(&built);
    for (id, func) in &built {
        context.func = func.clone();
        context.inline(bodies.inliner()).map_err(backend)?;
        if std::env::var_os("PLUTO_DUMP_CLIF").is_some() {
            eprintln!("{}", context.func.display());
        }
        g.module.define_function(*id, &mut context).map_err(|e| CodegenError::Backend(format!("{e:?}")))?;
        g.module.clear_context(&mut context);
    }
    let network = options.units.is_some() || pluto_abi::symbols::NET.iter().any(|s| g.imported(s.name));
    let product = g.module.finish();
    let bytes = product.emit().map_err(|e| CodegenError::Backend(e.to_string()))?;
    Ok(Object { bytes, network })
}

/// A compiled program: the object file, and whether it needs the network runtime
/// (`RUNTIME_NET_ARCHIVE`: it holds units of a program split by `compile-stages`, or it
/// serves HTTP or uses JSON), else the core runtime suffices.
pub struct Object {
    pub bytes: Vec<u8>,
    pub network: bool,
}

/// Type arguments larger than this stop instantiation (`f<T>` calling `f<[T]>`).
const MAX_TYPE_SIZE: usize = 24;

fn size(ty: &Ty) -> usize {
    let mut nodes = 0;
    ty.walk(&mut |_| nodes += 1);
    nodes
}

/// Whether `f` takes the receiver as its first argument: methods with `self`, and every
/// function of a stage (where `self` is implicit).
pub(crate) fn has_self(db: &dyn Db, f: FnLoc) -> bool {
    f.sig(db).self_param.is_some() || f.container().is_some_and(|c| is_stage(db, c))
}

/// What a call of trait method `f` runs on an object of `class`: the class's method of
/// that name, or else the trait's default.
pub(crate) fn implementation(db: &dyn Db, class: ItemLoc, f: FnLoc) -> FnLoc {
    let name = &f.sig(db).name;
    match class.item(db).body().and_then(|b| b.methods.iter().find(|m| m.name == *name)) {
        Some(method) => FnLoc::method(class, method),
        None => f,
    }
}

/// The item that declares `f`: the function itself, or the class or stage holding the
/// method (for error locations).
pub(crate) fn item_of(f: FnLoc) -> ItemLoc {
    match f {
        FnLoc::Free(loc) | FnLoc::Method(loc, _) => loc,
    }
}

/// Whether `loc` is a stage (template or unit) or an instance of one.
pub(crate) fn is_stage(db: &dyn Db, loc: ItemLoc) -> bool {
    matches!(loc.item(db).kind, ItemKind::Stage(_) | ItemKind::Instance { .. })
}

/// The bodiless standard-library functions the runtime provides, as (module, name);
/// `std.math`'s are instructions. Calling any other (such as `http.serve`) is reported as
/// not supported yet.
const RUNTIME_INTRINSICS: &[(&str, &str)] = &[
    ("cli", "raw_args"),
    ("cli", "exit"),
    ("env", "get"),
    ("time", "now_ms"),
    ("time", "sleep_ms"),
    ("signal", "on_sigterm"),
    ("math", "sqrt"),
    ("math", "abs"),
    ("math", "floor"),
    ("http", "listen"),
    ("json", "encode"),
    ("json", "parse"),
];

/// A bodiless standard-library function's machine signature must be the one the runtime
/// exports (`pluto_abi::symbols`); `std.math`'s are instructions, not calls.
fn check_intrinsic(name: &str, machine: &Signature) -> Result<(), CodegenError> {
    if name.starts_with("pluto_std_math_") {
        return Ok(());
    }
    let symbol = pluto_abi::symbols::find(name)
        .ok_or_else(|| CodegenError::Backend(format!("the runtime does not export `{name}`")))?;
    let params: Vec<types::Type> = machine.params.iter().map(|p| p.value_type).collect();
    let returns: Vec<types::Type> = machine.returns.iter().map(|p| p.value_type).collect();
    let expected: Vec<types::Type> = symbol.params.iter().map(machine_of).collect();
    let expected_returns: Vec<types::Type> = symbol.returns.iter().map(machine_of).collect();
    if params != expected || (returns != expected_returns && !symbol.returns.is_empty()) {
        return Err(CodegenError::Backend(format!(
            "`{name}` is declared in the standard library as {params:?} -> {returns:?}, but the runtime exports {expected:?} -> {expected_returns:?}"
        )));
    }
    Ok(())
}

/// The Cranelift type of a runtime function's parameter or result.
fn machine_of(m: &pluto_abi::symbols::Machine) -> types::Type {
    match m {
        pluto_abi::symbols::Machine::Word => types::I64,
        pluto_abi::symbols::Machine::Float => types::F64,
        pluto_abi::symbols::Machine::Byte => types::I8,
    }
}

/// The runtime functions code generation calls by name (besides `pluto_abi::symbols`'s
/// intrinsics): for the test that each is exported.
pub fn runtime_intrinsics() -> impl Iterator<Item = String> {
    RUNTIME_INTRINSICS.iter().map(|(module, name)| format!("pluto_std_{module}_{name}"))
}

/// The name of a standard-library module file (`time` for std/time.pluto).
fn std_module_name(db: &dyn Db, f: FnLoc) -> Option<String> {
    match f.file().path(db) {
        FilePath::Std(name) => Some(name.trim_end_matches(".pluto").rsplit('/').next()?.to_string()),
        FilePath::Disk(_) => None,
    }
}

impl Globals {
    /// The compiled function for `key`, declared (and queued for compilation) on first use.
    pub fn function(&mut self, db: &dyn Db, program: Program, key: FnKey) -> Result<FnInfo, CodegenError> {
        if let Some(info) = self.functions.get(&key) {
            return Ok(info.clone());
        }
        let (f, stage) = (key.f, key.stage);
        if key.args.iter().any(|t| size(t) > MAX_TYPE_SIZE) {
            let loc = item_of(f);
            return Err(unsupported(db, loc, "a generic function that instantiates itself with ever larger types"));
        }
        let sig = f.sig(db);
        let declared = Semantics::new(db, program).signature(f);
        let params: Vec<Ty> = declared.params.iter().map(|(_, t)| key.substitute(db, t)).collect();
        let ret = key.substitute(db, &declared.ret);
        let has_self = has_self(db, f);
        let intrinsic = !sig.has_body;
        let fallible = !intrinsic && !Semantics::new(db, program).fn_errors(f).is_empty();
        // A generic function the runtime provides takes its values as words and, after
        // them, the descriptor of each type argument (`json.encode<T>` walks the value by it).
        let descriptors: Vec<Ty> = if intrinsic { key.args.to_vec() } else { Vec::new() };
        let machine = if descriptors.is_empty() {
            self.direct_signature(has_self, &params, &ret, fallible)
        } else {
            let mut machine = self.module.make_signature();
            let words = usize::from(has_self) + params.len() + descriptors.len();
            machine.params.extend(std::iter::repeat_n(AbiParam::new(types::I64), words));
            if layout::machine_type(&ret).is_some() {
                machine.returns.push(AbiParam::new(types::I64));
            }
            machine
        };
        let (name, linkage) = if intrinsic {
            match std_module_name(db, f) {
                Some(module)
                    if f.container().is_none()
                        && RUNTIME_INTRINSICS.contains(&(module.as_str(), sig.name.as_str())) =>
                {
                    let name = format!("pluto_std_{module}_{}", sig.name);
                    check_intrinsic(&name, &machine)?;
                    (name, Linkage::Import)
                }
                _ => {
                    let loc = item_of(f);
                    let module = std_module_name(db, f).map(|m| format!("{m}.")).unwrap_or_default();
                    return Err(unsupported(db, loc, &format!("`{module}{}` (it has no body)", f.display(db))));
                }
            }
        } else {
            let n = self.functions.len();
            let stage_name = stage.map(|s| format!("_{}", s.item(db).name)).unwrap_or_default();
            (format!("pluto_{}{stage_name}_{n}", f.display(db).replace('.', "_")), Linkage::Local)
        };
        let id = self.module.declare_function(&name, linkage, &machine).map_err(backend)?;
        let info = FnInfo { id, signature: machine, has_self, fallible, params, ret, descriptors };
        self.functions.insert(key.clone(), info.clone());
        if !intrinsic {
            self.queue.push_back(Job::Fn(key, id));
        }
        Ok(info)
    }

    /// The signature of a Pluto function: the receiver, the parameters in their machine
    /// types, then the result and, when it can fail, an error word.
    pub fn direct_signature(&self, has_self: bool, params: &[Ty], ret: &Ty, fallible: bool) -> Signature {
        let mut machine = self.module.make_signature();
        if has_self {
            machine.params.push(AbiParam::new(types::I64));
        }
        for ty in params {
            // `void` parameters do not exist; a word keeps the arity.
            machine.params.push(AbiParam::new(layout::machine_type(ty).unwrap_or(types::I64)));
        }
        if let Some(t) = layout::machine_type(ret) {
            machine.returns.push(AbiParam::new(t));
        }
        if fallible {
            machine.returns.push(AbiParam::new(types::I64));
        }
        machine
    }

    /// The closure-convention signature: `(env, args as words...) -> (result word, error)`.
    pub fn value_signature(&self, arity: usize) -> Signature {
        let mut sig = self.module.make_signature();
        sig.params.extend(std::iter::repeat_n(AbiParam::new(types::I64), arity + 1));
        sig.returns.extend([AbiParam::new(types::I64), AbiParam::new(types::I64)]);
        sig
    }

    /// A wrapper of `f` with the closure convention.
    pub fn thunk(
        &mut self,
        db: &dyn Db,
        program: Program,
        key: FnKey,
        kind: ThunkKind,
    ) -> Result<FuncId, CodegenError> {
        if let Some(id) = self.thunks.get(&(key.clone(), kind)) {
            return Ok(*id);
        }
        let f = key.f;
        let arity = Semantics::new(db, program).signature(f).params.len();
        let sig = self.value_signature(arity);
        let name = format!("pluto_thunk{}_{}", self.thunks.len(), f.display(db).replace('.', "_"));
        let id = self.module.declare_function(&name, Linkage::Local, &sig).map_err(backend)?;
        self.thunks.insert((key.clone(), kind), id);
        self.queue.push_back(Job::Thunk(key, kind, id));
        Ok(id)
    }

    /// Whether the object calls the runtime function `name`.
    fn imported(&self, name: &str) -> bool {
        self.runtime.contains_key(name)
            || self
                .module
                .declarations()
                .get_functions()
                .any(|(_, d)| d.linkage == Linkage::Import && d.name.as_deref() == Some(name))
    }

    /// A runtime function by name, declared on first use from `pluto_abi::symbols` (the
    /// table the runtime checks its exports against), and its parameters' machine types.
    pub fn runtime_fn(&mut self, name: &'static str) -> (FuncId, Vec<types::Type>) {
        let symbol = pluto_abi::symbols::find(name).unwrap_or_else(|| panic!("`{name}` is not in pluto_abi::symbols"));
        let params: Vec<types::Type> = symbol.params.iter().map(machine_of).collect();
        if let Some(id) = self.runtime.get(name) {
            return (*id, params);
        }
        let mut sig = self.module.make_signature();
        sig.params.extend(params.iter().map(|t| AbiParam::new(*t)));
        sig.returns.extend(symbol.returns.iter().map(|m| AbiParam::new(machine_of(m))));
        let id =
            self.module.declare_function(name, Linkage::Import, &sig).expect("runtime functions are declared once");
        self.runtime.insert(name, id);
        (id, params)
    }
}

pub(crate) fn unsupported(db: &dyn Db, loc: ItemLoc, what: &str) -> CodegenError {
    let range = loc.name_loc(db).absolute(db);
    let index = pluto_db::modules::line_index(db, loc.file);
    let (line, _) = index.line_col(loc.file.text(db), range.start());
    CodegenError::Unsupported { what: what.to_string(), file: loc.file.path(db).to_string(), line: line + 1 }
}
