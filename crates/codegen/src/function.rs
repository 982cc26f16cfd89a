//! One function to Cranelift IR: the lowering context, locals, statements and control
//! flow. Bodies are the declarations' trivia-free trees, so ranges match what inference
//! recorded; source lines for faults come from mapping back to the file.

use std::collections::HashMap;

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{self, InstBuilder, MemFlagsData, TrapCode, Value, types};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use cranelift_module::{DataId, FuncId, Module};
use pluto_db::{Db, Program};
use pluto_hir::{CallSite, InferResult, Target, Ty};
use pluto_hir::item_tree::unstrip;
use pluto_hir::lower::adt_data;
use pluto_syntax::ast::{self, AstNode, HasName};
use pluto_syntax::{SyntaxKind, SyntaxNode, TextRange};

use crate::layout::{boxed_when_nullable, machine_type};
use crate::{CodegenError, FnKey, Globals};

pub(crate) type Result<T> = std::result::Result<T, CodegenError>;

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
    pub node: ast::ClosureExpr,
    pub real: SyntaxNode,
    pub captures: Vec<(String, Ty)>,
}

pub(crate) struct Lowerer<'a, 'b> {
    pub db: &'a dyn Db,
    pub program: Program,
    pub g: &'a mut Globals,
    pub b: FunctionBuilder<'b>,
    /// The function whose inference results are used (a closure's enclosing function).
    pub owner: FnKey,
    pub types: HashMap<TextRange, Ty>,
    pub resolutions: HashMap<TextRange, Target>,
    pub calls: HashMap<TextRange, CallSite>,
    pub scopes: Vec<HashMap<String, Local>>,
    pub loops: Vec<Loop>,
    /// The real declaration node, for source lines.
    pub real: SyntaxNode,
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
    /// name, and their headers (`len`, `data`, `kind`) by array value (see `hoist_arrays`).
    pub hoisted: HashMap<String, Value>,
    pub headers: HashMap<Value, [Value; 3]>,
}

/// The types inference recorded, by range.
pub(crate) fn expression_types(result: &InferResult) -> HashMap<TextRange, Ty> {
    result.expr_types.iter().cloned().collect()
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
        result: &InferResult,
        real: SyntaxNode,
        abi: Abi,
    ) -> Self {
        let mut region = |user_id: u32, description: &'static str| {
            let region =
                func.dfg.alias_regions.insert(ir::AliasRegionData { user_id, description: description.into() });
            MemFlagsData::trusted().with_alias_region(Some(region))
        };
        let header_flags = region(1, "array headers");
        let element_flags = region(2, "array elements");
        Lowerer {
            db,
            program,
            g,
            header_flags,
            element_flags,
            hoisted: HashMap::new(),
            headers: HashMap::new(),
            b: FunctionBuilder::new(func, context),
            owner,
            types: expression_types(result),
            resolutions: result.resolutions.iter().cloned().collect(),
            calls: result.calls.iter().map(|c| (c.range, c.clone())).collect(),
            scopes: vec![HashMap::new()],
            loops: Vec::new(),
            real,
            filled: false,
            abi,
            catches: Vec::new(),
        }
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

    pub fn unsupported(&self, node: &SyntaxNode, what: &str) -> CodegenError {
        CodegenError::Unsupported {
            what: what.to_string(),
            file: self.file().path(self.db).to_string(),
            line: self.line(node),
        }
    }

    /// The 1-based source line of a node of the stripped body.
    pub fn line(&self, node: &SyntaxNode) -> u32 {
        let offset = unstrip(&self.real, node.text_range().start(), false);
        let file = self.file();
        let (line, _) = pluto_db::modules::line_index(self.db, file).line_col(file.text(self.db), offset);
        line + 1
    }

    /// The address of a `file:line` C string for faults at `node`.
    pub fn site(&mut self, node: &SyntaxNode) -> Result<Value> {
        let text = format!("{}:{}", self.file().path(self.db), self.line(node));
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

    /// The type inference recorded for `node`, with this instance's type arguments.
    pub fn ty_of(&self, node: &SyntaxNode) -> Ty {
        match self.types.get(&node.text_range()) {
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

    /// Calls `pluto_fault` for fault `kind` at `node`; the current block ends.
    pub fn fault(&mut self, kind: i64, a: Value, b: Value, node: &SyntaxNode) -> Result<()> {
        let site = self.site(node)?;
        let k = self.b.ins().iconst(types::I64, kind);
        self.rt_void("pluto_fault", &[k, a, b, site]);
        self.b.ins().trap(TrapCode::unwrap_user(2));
        self.filled = true;
        Ok(())
    }

    // ---- locals and blocks ----------------------------------------------------------------

    pub fn declare(&mut self, name: &str, ty: Ty, value: Option<Value>) {
        let machine = machine_type(&ty).unwrap_or(types::I64);
        let var = self.b.declare_var(machine);
        let value = match value {
            Some(v) => self.coerce(v, machine),
            None => self.zero_of(&ty).unwrap_or_else(|| self.b.ins().iconst(types::I64, 0)),
        };
        self.b.def_var(var, value);
        self.scopes.last_mut().unwrap().insert(name.to_string(), Local { var, ty });
    }

    pub fn lookup(&self, name: &str) -> Option<Local> {
        self.scopes.iter().rev().find_map(|s| s.get(name).cloned())
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
        let data = adt_data(self.db, self.program, loc);
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
