//! Native code generation: a checked program becomes one object file (Cranelift) that
//! is linked with the embedded runtime by the system C compiler.
//!
//! Work in progress: this first slice compiles free functions over `int`, `float` and
//! `bool` (locals, arithmetic with wrapping and checked division, comparisons, `&&`/`||`,
//! `if`, `while`, `break`/`continue`, `return`, direct calls, `as` casts) and `print` of
//! those and of string literals. Anything else is reported as not supported yet, never
//! silently miscompiled.

mod function;
mod link;

use std::collections::HashMap;

use cranelift_codegen::ir::{AbiParam, Signature, types};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_module::{DataId, FuncId, Linkage, Module};
use cranelift_object::{ObjectBuilder, ObjectModule};
use pluto_db::{Db, Program};
use pluto_hir::def_map::ItemLoc;
use pluto_hir::item_tree::{ItemKind, item_tree};
use pluto_hir::lower::{FnLoc, fn_signature};
use pluto_hir::ty::Ty;

pub use link::{LinkError, link_executable};

/// The runtime static library, embedded at build time.
pub const RUNTIME_ARCHIVE: &[u8] = include_bytes!(env!("PLUTO_RUNTIME_ARCHIVE"));

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
    Backend(String),
}

impl std::fmt::Display for CodegenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CodegenError::Unsupported { what, file, line } => {
                write!(f, "{file}:{line}: code generation does not support {what} yet")
            }
            CodegenError::NoMain => write!(f, "the program has no `fn main()` to start from"),
            CodegenError::Backend(message) => write!(f, "code generation failed: {message}"),
        }
    }
}

/// The runtime functions generated code calls.
pub(crate) struct Runtime {
    pub print_int: FuncId,
    pub print_float: FuncId,
    pub print_bool: FuncId,
    pub print_str: FuncId,
    pub line_str: FuncId,
    pub line_int: FuncId,
    pub line_float: FuncId,
    pub line_bool: FuncId,
    pub line_end: FuncId,
    pub fault: FuncId,
}

pub(crate) struct Globals {
    pub functions: HashMap<FnLoc, (FuncId, Signature)>,
    pub runtime: Runtime,
    pub strings: HashMap<String, DataId>,
}

/// The machine type of a Pluto type, or `None` for `void`.
pub(crate) fn machine_type(ty: &Ty) -> Result<Option<types::Type>, String> {
    match ty {
        Ty::Int => Ok(Some(types::I64)),
        Ty::Float => Ok(Some(types::F64)),
        Ty::Bool => Ok(Some(types::I8)),
        Ty::Void | Ty::Never => Ok(None),
        other => Err(format!("values of type `{}`", type_name(other))),
    }
}

fn type_name(ty: &Ty) -> String {
    match ty {
        Ty::Str => "string".into(),
        Ty::Array(_) => "array".into(),
        Ty::Map(..) => "map".into(),
        Ty::Adt(..) => "class, enum or error".into(),
        _ => "this kind".into(),
    }
}

/// Compiles a checked program (without errors) to an object file.
pub fn compile(db: &dyn Db, program: Program) -> Result<Vec<u8>, CodegenError> {
    let mut flags = settings::builder();
    flags.set("is_pic", "true").map_err(|e| CodegenError::Backend(e.to_string()))?;
    flags.set("opt_level", "speed").map_err(|e| CodegenError::Backend(e.to_string()))?;
    let isa = cranelift_native::builder()
        .map_err(|e| CodegenError::Backend(e.to_string()))?
        .finish(settings::Flags::new(flags))
        .map_err(|e| CodegenError::Backend(e.to_string()))?;
    let builder = ObjectBuilder::new(isa, "pluto_program", cranelift_module::default_libcall_names())
        .map_err(|e| CodegenError::Backend(e.to_string()))?;
    let mut module = ObjectModule::new(builder);
    let pointer = module.target_config().pointer_type();

    let declare = |module: &mut ObjectModule, name: &str, params: &[types::Type], ret: Option<types::Type>| {
        let mut sig = module.make_signature();
        sig.params.extend(params.iter().map(|t| AbiParam::new(*t)));
        sig.returns.extend(ret.map(AbiParam::new));
        module.declare_function(name, Linkage::Import, &sig).map_err(|e| CodegenError::Backend(e.to_string()))
    };
    let runtime = Runtime {
        print_int: declare(&mut module, "pluto_print_int", &[types::I64], None)?,
        print_float: declare(&mut module, "pluto_print_float", &[types::F64], None)?,
        print_bool: declare(&mut module, "pluto_print_bool", &[types::I8], None)?,
        print_str: declare(&mut module, "pluto_print_str", &[pointer, types::I64], None)?,
        line_str: declare(&mut module, "pluto_line_str", &[pointer, types::I64], None)?,
        line_int: declare(&mut module, "pluto_line_int", &[types::I64], None)?,
        line_float: declare(&mut module, "pluto_line_float", &[types::F64], None)?,
        line_bool: declare(&mut module, "pluto_line_bool", &[types::I8], None)?,
        line_end: declare(&mut module, "pluto_line_end", &[], None)?,
        fault: declare(&mut module, "pluto_fault", &[types::I32, pointer, types::I64, types::I64], None)?,
    };

    // Every free function of the program's own files.
    let mut functions = HashMap::new();
    let mut main = None;
    let mut order = Vec::new();
    for (m, module_info) in pluto_db::modules::module_graph(db, program).modules.iter().enumerate() {
        if module_info.file.path(db).is_std() {
            continue;
        }
        for (i, item) in item_tree(db, module_info.file).items.iter().enumerate() {
            let loc = ItemLoc::top(module_info.file, i);
            let ItemKind::Fn(sig) = &item.kind else {
                return Err(unsupported(db, loc, item.kind_name()));
            };
            let f = FnLoc::Free(loc);
            let signature = fn_signature(db, program, f);
            if !signature.generics.is_empty() {
                return Err(unsupported(db, loc, "generic functions"));
            }
            let mut machine = module.make_signature();
            for (_, ty) in &signature.params {
                match machine_type(ty).map_err(|what| unsupported(db, loc, &what))? {
                    Some(t) => machine.params.push(AbiParam::new(t)),
                    None => return Err(unsupported(db, loc, "`void` parameters")),
                }
            }
            if let Some(t) = machine_type(&signature.ret).map_err(|what| unsupported(db, loc, &what))? {
                machine.returns.push(AbiParam::new(t));
            }
            let is_main = m == 0 && sig.name == "main";
            let name = if is_main { "pluto_main".to_string() } else { format!("pluto_f{m}_{i}_{}", sig.name) };
            let linkage = if is_main { Linkage::Export } else { Linkage::Local };
            let id =
                module.declare_function(&name, linkage, &machine).map_err(|e| CodegenError::Backend(e.to_string()))?;
            if is_main {
                if !signature.params.is_empty() || signature.ret != Ty::Void {
                    return Err(unsupported(db, loc, "a `main` with parameters or a result"));
                }
                main = Some(f);
            }
            functions.insert(f, (id, machine));
            order.push(f);
        }
    }
    if main.is_none() {
        return Err(CodegenError::NoMain);
    }
    let mut globals = Globals { functions, runtime, strings: HashMap::new() };
    let mut context = module.make_context();
    let mut builder_context = cranelift_frontend::FunctionBuilderContext::new();
    for f in order {
        let (id, signature) = globals.functions[&f].clone();
        context.func.signature = signature;
        function::build(db, program, f, &mut module, &mut globals, &mut context.func, &mut builder_context)?;
        module.define_function(id, &mut context).map_err(|e| CodegenError::Backend(format!("{e:?}")))?;
        module.clear_context(&mut context);
    }
    let product = module.finish();
    product.emit().map_err(|e| CodegenError::Backend(e.to_string()))
}

pub(crate) fn unsupported(db: &dyn Db, loc: ItemLoc, what: &str) -> CodegenError {
    let range = loc.name_loc(db).absolute(db);
    let index = pluto_db::modules::line_index(db, loc.file);
    let (line, _) = index.line_col(loc.file.text(db), range.start());
    CodegenError::Unsupported { what: what.to_string(), file: loc.file.path(db).to_string(), line: line + 1 }
}
