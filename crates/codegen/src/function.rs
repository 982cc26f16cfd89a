//! One function to Cranelift IR: the lowering context, locals, conversions between
//! machine representations, returns and faults (statements are in `stmt`). Bodies are
//! `pluto_hir`'s arena bodies, read with the inference results keyed by their ids; source
//! lines for faults come from the body's source map, mapped back to the file.

use std::collections::HashMap;

use cranelift_codegen::ir::{self, InstBuilder, MemFlagsData, TrapCode, Value, types};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use cranelift_module::{DataId, FuncId, Module};
use pluto_db::{Db, Program};
use pluto_hir::{
    BindingId, Body, BodyOwner, BodySourceMap, CallSite, Capture, ExprId, InferResult, Loc, NameSite, Semantics,
    Target, Ty,
};
use pluto_syntax::TextRange;

use crate::layout::{boxed_when_nullable, machine_type};
use crate::{CodegenError, FnKey, Globals};

pub(crate) type Result<T> = std::result::Result<T, CodegenError>;

/// What a lowering without a body (entry points, thunks, stubs) reads: nothing.
static EMPTY: std::sync::OnceLock<(Body, BodySourceMap, InferResult)> = std::sync::OnceLock::new();

pub(crate) struct Loop {
    pub header: ir::Block,
    pub exit: ir::Block,
}

#[derive(Clone)]
pub(crate) struct Local {
    pub var: Variable,
    pub ty: Ty,
}

/// How the function being built returns.
#[derive(Clone)]
pub(crate) enum Abi {
    /// A Pluto function: its result in its machine type, then an error word if fallible.
    Direct { ret: Ty, fallible: bool },
    /// The closure convention: a result word and an error word.
    Value { ret: Ty },
    /// `pluto_main` and initialisers: only an error word.
    Entry,
}

/// A closure body waiting to be compiled after the function that creates it.
pub(crate) struct ClosureJob {
    pub id: FuncId,
    pub owner: FnKey,
    /// The body the closure is written in (a function's, or a field default's), and the
    /// closure expression in it.
    pub body: BodyOwner,
    pub expr: ExprId,
    pub decl: Loc,
    /// What it captures, and each one's type.
    pub captures: Vec<(Capture, Ty)>,
}

pub(crate) struct Lowerer<'a, 'b> {
    pub db: &'a dyn Db,
    pub program: Program,
    pub g: &'a mut Globals,
    pub b: FunctionBuilder<'b>,
    /// The function whose inference results are used (a closure's enclosing function).
    pub owner: FnKey,
    /// The body being lowered (none for entry points, thunks and stubs), where its parts
    /// are, and what inference found in it.
    pub body_owner: Option<BodyOwner>,
    pub body: &'a Body,
    pub source_map: &'a BodySourceMap,
    pub result: &'a InferResult,
    /// The calls of the body, by expression.
    pub calls: HashMap<ExprId, CallSite>,
    /// The locals, by their declaration in the body (which inference resolved every use
    /// of a local to), and the method's receiver.
    pub locals: HashMap<BindingId, Local>,
    pub receiver: Option<Local>,
    pub loops: Vec<Loop>,
    /// The declaration being lowered, to find the source lines of its ranges.
    pub decl: Loc,
    /// Whether the current block already ends in a terminator.
    pub filled: bool,
    pub abi: Abi,
    /// Handler blocks of the `catch` expressions being lowered, innermost last.
    pub catches: Vec<ir::Block>,
    /// Memory flags of array headers (`len`, `cap`, `data`, `kind`) and of array
    /// elements: distinct alias regions, so storing an element does not make Cranelift
    /// reload the header.
    pub header_flags: MemFlagsData,
    pub element_flags: MemFlagsData,
    /// Inside a loop that makes no calls: local arrays read once before the loop, by
    /// declaration, and their headers (`len`, `data`, `kind`) by array value (see
    /// `hoist_arrays`).
    pub hoisted: HashMap<BindingId, Value>,
    /// In a closure: where each captured local lives in the closure object (the object,
    /// the word). A closure owns its copies: an assignment to one is stored back, so the
    /// next call of the same closure sees it (a counter closure counts).
    pub capture_slots: HashMap<BindingId, (Value, i32)>,
    pub headers: HashMap<Value, [Value; 3]>,
}

impl<'a, 'b> Lowerer<'a, 'b> {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        db: &'a dyn Db,
        program: Program,
        g: &'a mut Globals,
        func: &'b mut ir::Function,
        context: &'b mut FunctionBuilderContext,
        owner: FnKey,
        body: Option<BodyOwner>,
        decl: Loc,
        abi: Abi,
    ) -> Self {
        let mut region = |user_id: u32, description: &'static str| {
            let region =
                func.dfg.alias_regions.insert(ir::AliasRegionData { user_id, description: description.into() });
            MemFlagsData::trusted().with_alias_region(Some(region))
        };
        let header_flags = region(1, "array headers");
        let element_flags = region(2, "array elements");
        let (empty_body, empty_map, empty_result) = EMPTY.get_or_init(Default::default);
        let mut l = Lowerer {
            db,
            program,
            g,
            header_flags,
            element_flags,
            hoisted: HashMap::new(),
            capture_slots: HashMap::new(),
            headers: HashMap::new(),
            b: FunctionBuilder::new(func, context),
            owner,
            body_owner: None,
            body: empty_body,
            source_map: empty_map,
            result: empty_result,
            calls: HashMap::new(),
            locals: HashMap::new(),
            receiver: None,
            loops: Vec::new(),
            decl,
            filled: false,
            abi,
            catches: Vec::new(),
        };
        if let Some(body) = body {
            l.use_results_of(body);
        }
        l
    }

    /// Lowers `body`, with what inference found in it.
    pub fn use_results_of(&mut self, body: BodyOwner) {
        let sema = Semantics::new(self.db, self.program);
        let lowered = sema.body(body);
        let result = sema.infer_body(body);
        self.body_owner = Some(body);
        self.body = &lowered.body;
        self.source_map = &lowered.source_map;
        self.result = result;
        self.calls = result.calls.iter().map(|c| (c.expr, c.clone())).collect();
    }

    /// Where expression `e` is in its declaration (the coordinates of inference).
    pub fn range(&self, e: ExprId) -> TextRange {
        self.source_map.expr_range(e)
    }

    pub fn start(&mut self) -> ir::Block {
        let entry = self.b.create_block();
        self.b.append_block_params_for_function_params(entry);
        self.b.switch_to_block(entry);
        self.b.seal_block(entry);
        entry
    }

    pub fn finish(mut self) {
        self.b.seal_all_blocks();
        let config = self.g.module.target_config();
        self.b.finalize(config);
    }

    pub fn file(&self) -> pluto_db::SourceFile {
        self.owner.f.file()
    }

    /// What analysis knows about the program being lowered.
    pub fn sema(&self) -> Semantics<'a> {
        Semantics::new(self.db, self.program)
    }

    pub fn unsupported(&self, at: TextRange, what: &str) -> CodegenError {
        CodegenError::Unsupported {
            what: what.to_string(),
            file: self.file().path(self.db).to_string(),
            line: self.line(at),
        }
    }

    /// The 1-based source line of a range of the stripped declaration.
    pub fn line(&self, at: TextRange) -> u32 {
        let offset = Loc { range: at, ..self.decl }.absolute(self.db).start();
        let file = self.file();
        let (line, _) = pluto_db::modules::line_index(self.db, file).line_col(file.text(self.db), offset);
        line + 1
    }

    /// The address of a `file:line` C string for faults at `at`.
    pub fn site(&mut self, at: TextRange) -> Result<Value> {
        let text = format!("{}:{}", self.file().path(self.db), self.line(at));
        let id = self.g.c_string(&text)?;
        Ok(self.data_addr(id))
    }

    /// The address of the runtime's descriptor of `ty`.
    pub fn type_desc_addr(&mut self, ty: &Ty) -> Result<Value> {
        let id = self.g.type_desc(self.db, self.program, ty)?;
        Ok(self.data_addr(id))
    }

    /// The address of the object descriptor of `loc` with type arguments `args`.
    pub fn adt_desc_addr(&mut self, loc: pluto_hir::ItemLoc, args: &[Ty]) -> Result<Value> {
        let id = self.g.adt_desc(self.db, self.program, loc, args)?;
        Ok(self.data_addr(id))
    }

    pub fn data_addr(&mut self, id: DataId) -> Value {
        let gv = self.g.module.declare_data_in_func(id, self.b.func);
        self.b.ins().symbol_value(types::I64, gv)
    }

    /// The type inference recorded for `e`, with this instance's type arguments.
    pub fn ty_of(&self, e: ExprId) -> Ty {
        match self.result.type_of_expr.get(e) {
            Some(ty) => self.owner.substitute(self.db, ty),
            None => Ty::Unknown,
        }
    }

    /// The type of local `b`, with this instance's type arguments.
    pub fn binding_ty(&self, b: BindingId) -> Ty {
        match self.result.type_of_binding.get(b) {
            Some(ty) => self.owner.substitute(self.db, ty),
            None => Ty::Unknown,
        }
    }

    // ---- runtime calls and values ------------------------------------------------------------

    /// Calls runtime function `name` (declared on first use, with its signature from
    /// `pluto_abi::symbols`) and returns its results.
    pub fn call_rt(&mut self, name: &'static str, args: &[Value]) -> Vec<Value> {
        let (id, params) = self.g.runtime_fn(name);
        debug_assert_eq!(params.len(), args.len(), "arguments of `{name}`");
        let fr = self.g.module.declare_func_in_func(id, self.b.func);
        let args: Vec<Value> = args.iter().zip(&params).map(|(v, t)| self.coerce(*v, *t)).collect();
        let call = self.b.ins().call(fr, &args);
        self.b.inst_results(call).to_vec()
    }

    /// A runtime call with one result.
    pub fn rt(&mut self, name: &'static str, args: &[Value]) -> Value {
        self.call_rt(name, args)[0]
    }

    /// A runtime call whose result (if any) is not used.
    pub fn rt_void(&mut self, name: &'static str, args: &[Value]) {
        self.call_rt(name, args);
    }

    /// Reinterprets `v` as machine type `want`: floats and words by bits, bools by
    /// widening or taking the low byte.
    pub fn coerce(&mut self, v: Value, want: types::Type) -> Value {
        let have = self.b.func.dfg.value_type(v);
        match (have, want) {
            (a, b) if a == b => v,
            (types::F64, types::I64) => self.b.ins().bitcast(types::I64, MemFlagsData::new(), v),
            (types::I64, types::F64) => self.b.ins().bitcast(types::F64, MemFlagsData::new(), v),
            (types::I8, types::I64) => self.b.ins().uextend(types::I64, v),
            (types::I64, types::I8) => self.b.ins().ireduce(types::I8, v),
            (types::F64, types::I8) => {
                let w = self.b.ins().bitcast(types::I64, MemFlagsData::new(), v);
                self.b.ins().ireduce(types::I8, w)
            }
            (types::I8, types::F64) => {
                let w = self.b.ins().uextend(types::I64, v);
                self.b.ins().bitcast(types::F64, MemFlagsData::new(), w)
            }
            _ => v,
        }
    }

    pub fn word(&mut self, v: Value) -> Value {
        self.coerce(v, types::I64)
    }

    /// A value of type `from` where one of type `to` is expected: boxes and unboxes
    /// nullables as their representations require, then fixes the machine type.
    pub fn convert(&mut self, v: Value, from: &Ty, to: &Ty) -> Value {
        let v = match (from, to) {
            (Ty::Nullable(a), Ty::Nullable(b)) if boxed_when_nullable(a) != boxed_when_nullable(b) => {
                if boxed_when_nullable(a) {
                    self.unbox_or_zero(v)
                } else {
                    self.box_or_zero(v)
                }
            }
            (Ty::Nullable(_) | Ty::Never | Ty::Unknown, Ty::Nullable(_)) => v,
            (_, Ty::Nullable(inner)) if boxed_when_nullable(inner) => self.box_value(v),
            (Ty::Nullable(inner), other) if !matches!(other, Ty::Nullable(_)) && boxed_when_nullable(inner) => {
                // Narrowed: the value is known not to be none.
                let w = self.b.ins().load(types::I64, MemFlagsData::trusted(), v, 0);
                match machine_type(other) {
                    Some(t) => return self.coerce(w, t),
                    None => return w,
                }
            }
            _ => v,
        };
        match machine_type(to) {
            Some(t) => self.coerce(v, t),
            None => v,
        }
    }

    pub fn box_value(&mut self, v: Value) -> Value {
        let p = self.alloc(1, true);
        let w = self.word(v);
        self.b.ins().store(MemFlagsData::trusted(), w, p, 0);
        p
    }

    fn box_or_zero(&mut self, v: Value) -> Value {
        let v = self.word(v);
        self.when(v, |l| l.box_value(v))
    }

    fn unbox_or_zero(&mut self, v: Value) -> Value {
        let v = self.word(v);
        self.when(v, |l| l.b.ins().load(types::I64, MemFlagsData::trusted(), v, 0))
    }

    /// `condition ? f() : 0` as a word: `f` runs only when `condition` is non-zero.
    /// Built-ins that may find nothing (`pop`, `get`, `index_of`) produce nullables so.
    pub fn when(&mut self, condition: Value, f: impl FnOnce(&mut Self) -> Value) -> Value {
        let some = self.b.create_block();
        let done = self.b.create_block();
        self.b.append_block_param(done, types::I64);
        let zero = self.b.ins().iconst(types::I64, 0);
        self.b.ins().brif(condition, some, &[], done, &[ir::BlockArg::Value(zero)]);
        self.b.seal_block(some);
        self.switch_to(some);
        let r = f(self);
        let r = self.word(r);
        self.b.ins().jump(done, &[ir::BlockArg::Value(r)]);
        self.b.seal_block(done);
        self.switch_to(done);
        self.b.block_params(done)[0]
    }

    pub fn alloc(&mut self, words: i64, atomic: bool) -> Value {
        let size = self.b.ins().iconst(types::I64, words.max(1) * 8);
        self.rt(if atomic { "pluto_alloc_atomic" } else { "pluto_alloc" }, &[size])
    }

    pub fn load_word(&mut self, object: Value, index: i32, ty: &Ty) -> Value {
        let t = machine_type(ty).unwrap_or(types::I64);
        self.b.ins().load(t, MemFlagsData::trusted(), object, index * 8)
    }

    pub fn store_word(&mut self, object: Value, index: i32, v: Value) {
        let v = match self.b.func.dfg.value_type(v) {
            types::I8 => self.word(v),
            _ => v,
        };
        self.b.ins().store(MemFlagsData::trusted(), v, object, index * 8);
    }

    pub fn zero_of(&mut self, ty: &Ty) -> Option<Value> {
        machine_type(ty).map(|t| match t {
            types::F64 => self.b.ins().f64const(0.0),
            t => self.b.ins().iconst(t, 0),
        })
    }

    /// Calls `pluto_fault` for fault `kind` at `at`; the current block ends.
    pub fn fault(&mut self, kind: i64, a: Value, b: Value, at: TextRange) -> Result<()> {
        let site = self.site(at)?;
        let k = self.b.ins().iconst(types::I64, kind);
        self.rt_void("pluto_fault", &[k, a, b, site]);
        self.b.ins().trap(TrapCode::unwrap_user(2));
        self.filled = true;
        Ok(())
    }

    // ---- locals and blocks ----------------------------------------------------------------

    /// Declares local `b` (`None`: the method's receiver) with type `ty`, set to `value`
    /// or to its type's zero.
    pub fn declare(&mut self, b: Option<BindingId>, ty: Ty, value: Option<Value>) {
        let machine = machine_type(&ty).unwrap_or(types::I64);
        let var = self.b.declare_var(machine);
        let value = match value {
            Some(v) => self.coerce(v, machine),
            None => self.zero_of(&ty).unwrap_or_else(|| self.b.ins().iconst(types::I64, 0)),
        };
        self.b.def_var(var, value);
        let local = Local { var, ty };
        match b {
            Some(b) => {
                self.locals.insert(b, local);
            }
            None => self.receiver = Some(local),
        }
    }

    /// Local `b` (`None`: the receiver), if it has been declared.
    pub fn local_of(&self, b: Option<BindingId>) -> Option<Local> {
        match b {
            Some(b) => self.locals.get(&b).cloned(),
            None => self.receiver.clone(),
        }
    }

    /// What the name at `site` refers to, as inference resolved it.
    pub fn resolution(&self, site: NameSite) -> Option<Target> {
        self.result.resolutions.get(site).cloned()
    }

    /// The local that the name at `site` refers to, as inference resolved it (`self` too).
    pub fn local(&self, site: NameSite) -> Option<Local> {
        match self.result.resolutions.get(site) {
            Some(Target::Local(b)) => self.local_of(Some(*b)),
            _ if self.body.name_at(site).is_some_and(|n| n.text == "self") => self.self_local(),
            _ => None,
        }
    }

    /// The method's receiver, where there is one.
    pub fn self_local(&self) -> Option<Local> {
        self.receiver.clone()
    }

    /// Starts a fresh (unreachable) block after a terminator, so lowering can go on.
    pub fn ensure_open(&mut self) {
        if self.filled {
            let block = self.b.create_block();
            self.b.switch_to_block(block);
            // Nothing jumps here: its predecessors are all known.
            self.b.seal_block(block);
            self.filled = false;
        }
    }

    pub fn switch_to(&mut self, block: ir::Block) {
        self.b.switch_to_block(block);
        self.filled = false;
    }

    pub fn jump(&mut self, target: ir::Block, args: &[Value]) {
        if !self.filled {
            let args: Vec<ir::BlockArg> = args.iter().map(|v| ir::BlockArg::Value(*v)).collect();
            self.b.ins().jump(target, &args);
            self.filled = true;
        }
    }

    /// Leaves the function with `value` (converted from `ty`) and error word `error`.
    pub fn emit_return(&mut self, value: Option<(Value, Ty)>, error: Option<Value>) {
        if self.filled {
            return;
        }
        let zero = self.b.ins().iconst(types::I64, 0);
        let error = error.unwrap_or(zero);
        match self.abi.clone() {
            Abi::Direct { ret, fallible } => {
                let mut values = Vec::new();
                if let Some(t) = machine_type(&ret) {
                    let v = match value {
                        Some((v, from)) => self.convert(v, &from, &ret),
                        None => self.zero_of(&ret).expect("a machine type has a zero"),
                    };
                    values.push(self.coerce(v, t));
                }
                if fallible {
                    values.push(error);
                }
                self.b.ins().return_(&values);
            }
            Abi::Value { ret } => {
                let v = match value {
                    Some((v, from)) => {
                        let v = self.convert(v, &from, &ret);
                        self.word(v)
                    }
                    None => zero,
                };
                self.b.ins().return_(&[v, error]);
            }
            Abi::Entry => {
                self.b.ins().return_(&[error]);
            }
        }
        self.filled = true;
    }
}
