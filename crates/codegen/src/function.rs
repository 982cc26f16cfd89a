//! One function body to Cranelift IR, reading the types inference recorded. The body is
//! the declaration's trivia-free tree, so ranges match the inference results; source
//! lines for faults come from mapping back to the file.

use std::collections::HashMap;

use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{self, InstBuilder, TrapCode, Value, types};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use cranelift_module::{DataDescription, Linkage, Module};
use cranelift_object::ObjectModule;
use pluto_db::modules::parse;
use pluto_db::{Db, Program};
use pluto_hir::infer::{Target, infer_fn};
use pluto_hir::item_tree::{Decl, ast_id_map, decl_green, unstrip};
use pluto_hir::lower::FnLoc;
use pluto_hir::ty::Ty;
use pluto_syntax::ast::{self, AstNode, HasName};
use pluto_syntax::{SyntaxKind, SyntaxNode, TextRange};

use crate::{CodegenError, Globals, machine_type};

struct Loop {
    header: ir::Block,
    exit: ir::Block,
}

struct Lowerer<'a, 'b> {
    db: &'a dyn Db,
    module: &'a mut ObjectModule,
    globals: &'a mut Globals,
    b: FunctionBuilder<'b>,
    f: FnLoc,
    types: HashMap<TextRange, Ty>,
    resolutions: HashMap<TextRange, Target>,
    scopes: Vec<HashMap<String, (Variable, Ty)>>,
    loops: Vec<Loop>,
    /// The real declaration node, for source lines.
    real: SyntaxNode,
    /// Whether the current block already ends in a terminator.
    filled: bool,
}

type Result<T> = std::result::Result<T, CodegenError>;

pub(crate) fn build(
    db: &dyn Db,
    program: Program,
    f: FnLoc,
    module: &mut ObjectModule,
    globals: &mut Globals,
    func: &mut ir::Function,
    builder_context: &mut FunctionBuilderContext,
) -> Result<()> {
    let sig = f.sig(db);
    let green = decl_green(db, Decl::new(db, f.file(), sig.ast)).clone().expect("the function exists");
    let func_node = ast::Fn::cast(SyntaxNode::new_root(green)).expect("a function node");
    let result = infer_fn(db, program, f);
    let real = ast_id_map(db, f.file()).node(&parse(db, f.file()).syntax(), sig.ast);
    let signature = pluto_hir::lower::fn_signature(db, program, f);
    let mut lowerer = Lowerer {
        db,
        module,
        globals,
        b: FunctionBuilder::new(func, builder_context),
        f,
        types: result.expr_types.iter().cloned().collect(),
        resolutions: result.resolutions.iter().cloned().collect(),
        scopes: vec![HashMap::new()],
        loops: Vec::new(),
        real,
        filled: false,
    };
    let entry = lowerer.b.create_block();
    lowerer.b.append_block_params_for_function_params(entry);
    lowerer.b.switch_to_block(entry);
    lowerer.b.seal_block(entry);
    for (i, (name, ty)) in signature.params.iter().enumerate() {
        let value = lowerer.b.block_params(entry)[i];
        lowerer.declare(name, ty.clone(), Some(value))?;
    }
    let body = func_node.body().expect("functions with bodies only");
    let value = lowerer.block(&body)?;
    if !lowerer.filled {
        match (&signature.ret, value) {
            (Ty::Void, _) => {
                lowerer.b.ins().return_(&[]);
            }
            (_, Some(v)) => {
                lowerer.b.ins().return_(&[v]);
            }
            // Checking proved every path returns; this end is unreachable.
            (_, None) => {
                lowerer.b.ins().trap(TrapCode::unwrap_user(1));
            }
        }
    }
    lowerer.b.seal_all_blocks();
    let config = lowerer.module.target_config();
    lowerer.b.finalize(config);
    Ok(())
}

impl Lowerer<'_, '_> {
    fn unsupported(&self, node: &SyntaxNode, what: &str) -> CodegenError {
        CodegenError::Unsupported {
            what: what.to_string(),
            file: self.f.file().path(self.db).to_string(),
            line: self.line(node),
        }
    }

    /// The 1-based source line of a node of the stripped body.
    fn line(&self, node: &SyntaxNode) -> u32 {
        let offset = unstrip(&self.real, node.text_range().start(), false);
        let file = self.f.file();
        let (line, _) = pluto_db::modules::line_index(self.db, file).line_col(file.text(self.db), offset);
        line + 1
    }

    fn ty_of(&self, node: &SyntaxNode) -> Ty {
        self.types.get(&node.text_range()).cloned().unwrap_or(Ty::Unknown)
    }

    fn declare(&mut self, name: &str, ty: Ty, value: Option<Value>) -> Result<()> {
        let machine = machine_type(&ty).map_err(|what| CodegenError::Unsupported {
            what,
            file: self.f.file().path(self.db).to_string(),
            line: 0,
        })?;
        let Some(machine) = machine else { return Ok(()) };
        let var = self.b.declare_var(machine);
        let value = value.unwrap_or_else(|| match machine {
            types::F64 => self.b.ins().f64const(0.0),
            t => self.b.ins().iconst(t, 0),
        });
        self.b.def_var(var, value);
        self.scopes.last_mut().unwrap().insert(name.to_string(), (var, ty));
        Ok(())
    }

    fn lookup(&self, name: &str) -> Option<(Variable, Ty)> {
        self.scopes.iter().rev().find_map(|s| s.get(name).cloned())
    }

    /// Starts a fresh (unreachable) block after a terminator, so lowering can go on.
    fn ensure_open(&mut self) {
        if self.filled {
            let block = self.b.create_block();
            self.b.switch_to_block(block);
            self.filled = false;
        }
    }

    fn jump(&mut self, target: ir::Block, args: &[Value]) {
        if !self.filled {
            let args: Vec<ir::BlockArg> = args.iter().map(|v| ir::BlockArg::Value(*v)).collect();
            self.b.ins().jump(target, &args);
            self.filled = true;
        }
    }

    fn block(&mut self, block: &ast::Block) -> Result<Option<Value>> {
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
                let Some(ast::Pattern::IdentPat(p)) = s.pattern() else {
                    return Err(self.unsupported(s.syntax(), "patterns other than a name in `let`"));
                };
                let name = p.name().map(|n| n.text()).unwrap_or_default();
                let ty = p.name().map(|n| self.ty_of(n.syntax())).unwrap_or(Ty::Unknown);
                let value = match s.initializer() {
                    Some(e) => self.expr(&e)?,
                    None => None,
                };
                self.ensure_open();
                self.declare(&name, ty, value).map_err(|e| self.with_line(e, s.syntax()))?;
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
                self.jump(header, &[]);
                self.b.switch_to_block(header);
                self.filled = false;
                let cond =
                    s.condition().ok_or_else(|| self.unsupported(s.syntax(), "a `while` without a condition"))?;
                let c = self.value(&cond)?;
                self.b.ins().brif(c, body, &[], exit, &[]);
                self.b.switch_to_block(body);
                self.filled = false;
                self.loops.push(Loop { header, exit });
                if let Some(block) = s.body() {
                    self.block(&block)?;
                }
                self.loops.pop();
                self.jump(header, &[]);
                self.b.switch_to_block(exit);
                self.filled = false;
            }
            ast::Stmt::ForStmt(s) => self.for_range(s)?,
        }
        Ok(())
    }

    fn with_line(&self, error: CodegenError, node: &SyntaxNode) -> CodegenError {
        match error {
            CodegenError::Unsupported { what, file, .. } => {
                CodegenError::Unsupported { what, file, line: self.line(node) }
            }
            other => other,
        }
    }

    /// `for i in a..b` and `a..=b`: a counted loop.
    fn for_range(&mut self, s: &ast::ForStmt) -> Result<()> {
        let Some(ast::Expr::RangeExpr(range)) = s.iterable() else {
            return Err(self.unsupported(s.syntax(), "`for` over anything but a range"));
        };
        let Some(ast::Pattern::IdentPat(p)) = s.pattern() else {
            return Err(self.unsupported(s.syntax(), "`for` patterns other than a name"));
        };
        let (Some(start), Some(end)) = (range.start(), range.end()) else {
            return Err(self.unsupported(s.syntax(), "open ranges"));
        };
        let start = self.value(&start)?;
        let end = self.value(&end)?;
        let counter = self.b.declare_var(types::I64);
        self.b.def_var(counter, start);
        let header = self.b.create_block();
        let body = self.b.create_block();
        let step = self.b.create_block();
        let exit = self.b.create_block();
        self.jump(header, &[]);
        self.b.switch_to_block(header);
        self.filled = false;
        let i = self.b.use_var(counter);
        let cc = if range.is_inclusive() { IntCC::SignedLessThanOrEqual } else { IntCC::SignedLessThan };
        let go = self.b.ins().icmp(cc, i, end);
        self.b.ins().brif(go, body, &[], exit, &[]);
        self.b.switch_to_block(body);
        self.filled = false;
        self.scopes.push(HashMap::new());
        let name = p.name().map(|n| n.text()).unwrap_or_default();
        let current = self.b.use_var(counter);
        self.declare(&name, Ty::Int, Some(current))?;
        self.loops.push(Loop { header: step, exit });
        if let Some(block) = s.body() {
            self.block(&block)?;
        }
        self.loops.pop();
        self.scopes.pop();
        self.jump(step, &[]);
        self.b.switch_to_block(step);
        self.filled = false;
        let i = self.b.use_var(counter);
        // `0..=i64::MAX` must not wrap around forever.
        let at_end = self.b.ins().icmp(IntCC::Equal, i, end);
        let next = self.b.ins().iadd_imm_s(i, 1);
        self.b.def_var(counter, next);
        self.b.ins().brif(at_end, exit, &[], header, &[]);
        self.b.switch_to_block(exit);
        self.filled = false;
        Ok(())
    }

    fn assign(&mut self, s: &ast::AssignStmt) -> Result<()> {
        let Some(ast::Expr::PathExpr(target)) = s.target() else {
            return Err(self.unsupported(s.syntax(), "assignment to anything but a local variable"));
        };
        let name = target.name_ref().map(|n| n.text()).unwrap_or_default();
        let (var, ty) = self.lookup(&name).ok_or_else(|| self.unsupported(s.syntax(), "this assignment"))?;
        let value = s.value().ok_or_else(|| self.unsupported(s.syntax(), "an assignment without a value"))?;
        let v = self.value(&value)?;
        let op = s.op().map(|t| t.kind()).unwrap_or(SyntaxKind::EQ);
        let new = if op == SyntaxKind::EQ {
            v
        } else {
            let old = self.b.use_var(var);
            let binary = match op {
                SyntaxKind::PLUS_EQ => SyntaxKind::PLUS,
                SyntaxKind::MINUS_EQ => SyntaxKind::MINUS,
                SyntaxKind::STAR_EQ => SyntaxKind::STAR,
                SyntaxKind::SLASH_EQ => SyntaxKind::SLASH,
                _ => SyntaxKind::PERCENT,
            };
            self.arith(binary, &ty, old, v, s.syntax())?
        };
        self.b.def_var(var, new);
        Ok(())
    }

    /// An expression that must produce a value.
    fn value(&mut self, e: &ast::Expr) -> Result<Value> {
        self.expr(e)?.ok_or_else(|| self.unsupported(e.syntax(), "this expression as a value"))
    }

    fn expr(&mut self, e: &ast::Expr) -> Result<Option<Value>> {
        self.ensure_open();
        let ty = self.ty_of(e.syntax());
        match e {
            ast::Expr::Literal(l) => {
                let token = l.token().expect("literals have a token");
                let v = match token.kind() {
                    SyntaxKind::INT_NUMBER if ty == Ty::Float => {
                        let n = parse_int(token.text()).ok_or_else(|| self.unsupported(e.syntax(), "this number"))?;
                        self.b.ins().f64const(n as f64)
                    }
                    SyntaxKind::INT_NUMBER => {
                        let n = parse_int(token.text()).ok_or_else(|| self.unsupported(e.syntax(), "this number"))?;
                        self.b.ins().iconst(types::I64, n)
                    }
                    SyntaxKind::FLOAT_NUMBER => {
                        let n: f64 = token
                            .text()
                            .replace('_', "")
                            .parse()
                            .map_err(|_| self.unsupported(e.syntax(), "this number"))?;
                        self.b.ins().f64const(n)
                    }
                    SyntaxKind::TRUE_KW => self.b.ins().iconst(types::I8, 1),
                    SyntaxKind::FALSE_KW => self.b.ins().iconst(types::I8, 0),
                    _ => return Err(self.unsupported(e.syntax(), "`none`")),
                };
                Ok(Some(v))
            }
            ast::Expr::PathExpr(p) => {
                let name = p.name_ref().map(|n| n.text()).unwrap_or_default();
                match self.lookup(&name) {
                    Some((var, _)) => Ok(Some(self.b.use_var(var))),
                    None => Err(self.unsupported(e.syntax(), "functions as values")),
                }
            }
            ast::Expr::ParenExpr(p) => match p.expr() {
                Some(inner) => self.expr(&inner),
                None => Ok(None),
            },
            ast::Expr::PrefixExpr(p) => {
                let operand = p.expr().ok_or_else(|| self.unsupported(e.syntax(), "this expression"))?;
                let v = self.value(&operand)?;
                let is_not = p.op().is_some_and(|t| t.kind() == SyntaxKind::BANG);
                Ok(Some(match (is_not, &ty) {
                    (true, _) => self.b.ins().bxor_imm_s(v, 1),
                    (false, Ty::Float) => self.b.ins().fneg(v),
                    (false, _) => self.b.ins().ineg(v),
                }))
            }
            ast::Expr::BinaryExpr(bin) => self.binary(bin).map(Some),
            ast::Expr::CastExpr(c) => {
                let inner = c.expr().ok_or_else(|| self.unsupported(e.syntax(), "this cast"))?;
                let from = self.ty_of(inner.syntax());
                let v = self.value(&inner)?;
                Ok(Some(match (&from, &ty) {
                    (Ty::Int, Ty::Float) => self.b.ins().fcvt_from_sint(types::F64, v),
                    (Ty::Float, Ty::Int) => self.b.ins().fcvt_to_sint_sat(types::I64, v),
                    (a, b) if a == b => v,
                    _ => return Err(self.unsupported(e.syntax(), "this cast")),
                }))
            }
            ast::Expr::CallExpr(call) => self.call(call, &ty),
            ast::Expr::IfExpr(i) => self.if_expr(i, &ty),
            ast::Expr::MatchExpr(m) => self.match_expr(m, &ty),
            ast::Expr::BlockExpr(b) => match b.block() {
                Some(block) => self.block(&block),
                None => Ok(None),
            },
            ast::Expr::ReturnExpr(r) => {
                let value = match r.expr() {
                    Some(v) => self.expr(&v)?,
                    None => None,
                };
                if !self.filled {
                    match value {
                        Some(v) => self.b.ins().return_(&[v]),
                        None => self.b.ins().return_(&[]),
                    };
                    self.filled = true;
                }
                Ok(None)
            }
            ast::Expr::BreakExpr(_) | ast::Expr::ContinueExpr(_) => {
                let target = {
                    let l = self.loops.last().ok_or_else(|| self.unsupported(e.syntax(), "this `break`"))?;
                    if matches!(e, ast::Expr::BreakExpr(_)) { l.exit } else { l.header }
                };
                self.jump(target, &[]);
                Ok(None)
            }
            _ => Err(self.unsupported(e.syntax(), &describe(e))),
        }
    }

    fn binary(&mut self, bin: &ast::BinaryExpr) -> Result<Value> {
        let op = bin.op().map(|t| t.kind()).ok_or_else(|| self.unsupported(bin.syntax(), "this operator"))?;
        let (Some(lhs), Some(rhs)) = (bin.lhs(), bin.rhs()) else {
            return Err(self.unsupported(bin.syntax(), "this expression"));
        };
        if matches!(op, SyntaxKind::AMP2 | SyntaxKind::PIPE2) {
            // Short-circuit: the right side runs only when it decides the result.
            let l = self.value(&lhs)?;
            let rhs_block = self.b.create_block();
            let done = self.b.create_block();
            self.b.append_block_param(done, types::I8);
            if op == SyntaxKind::AMP2 {
                self.b.ins().brif(l, rhs_block, &[], done, &[ir::BlockArg::Value(l)]);
            } else {
                self.b.ins().brif(l, done, &[ir::BlockArg::Value(l)], rhs_block, &[]);
            }
            self.b.switch_to_block(rhs_block);
            self.filled = false;
            let r = self.value(&rhs)?;
            self.jump(done, &[r]);
            self.b.switch_to_block(done);
            self.filled = false;
            return Ok(self.b.block_params(done)[0]);
        }
        let operand_ty = self.ty_of(lhs.syntax());
        let l = self.value(&lhs)?;
        let r = self.value(&rhs)?;
        let compare = |int: IntCC, float: FloatCC| (int, float);
        let cmp = match op {
            SyntaxKind::EQ2 => Some(compare(IntCC::Equal, FloatCC::Equal)),
            SyntaxKind::NEQ => Some(compare(IntCC::NotEqual, FloatCC::NotEqual)),
            SyntaxKind::LT => Some(compare(IntCC::SignedLessThan, FloatCC::LessThan)),
            SyntaxKind::LTEQ => Some(compare(IntCC::SignedLessThanOrEqual, FloatCC::LessThanOrEqual)),
            SyntaxKind::GT => Some(compare(IntCC::SignedGreaterThan, FloatCC::GreaterThan)),
            SyntaxKind::GTEQ => Some(compare(IntCC::SignedGreaterThanOrEqual, FloatCC::GreaterThanOrEqual)),
            _ => None,
        };
        if let Some((int, float)) = cmp {
            return Ok(match operand_ty {
                Ty::Float => self.b.ins().fcmp(float, l, r),
                Ty::Int | Ty::Bool => self.b.ins().icmp(int, l, r),
                _ => return Err(self.unsupported(bin.syntax(), "comparing values of this type")),
            });
        }
        match op {
            SyntaxKind::AMP => Ok(self.b.ins().band(l, r)),
            SyntaxKind::PIPE => Ok(self.b.ins().bor(l, r)),
            SyntaxKind::CARET => Ok(self.b.ins().bxor(l, r)),
            SyntaxKind::SHL => Ok(self.b.ins().ishl(l, r)),
            SyntaxKind::SHR => Ok(self.b.ins().sshr(l, r)),
            _ => self.arith(op, &operand_ty, l, r, bin.syntax()),
        }
    }

    /// `+ - * / %` on ints (wrapping; division checked) and floats.
    fn arith(&mut self, op: SyntaxKind, ty: &Ty, l: Value, r: Value, node: &SyntaxNode) -> Result<Value> {
        Ok(match (ty, op) {
            (Ty::Float, SyntaxKind::PLUS) => self.b.ins().fadd(l, r),
            (Ty::Float, SyntaxKind::MINUS) => self.b.ins().fsub(l, r),
            (Ty::Float, SyntaxKind::STAR) => self.b.ins().fmul(l, r),
            (Ty::Float, SyntaxKind::SLASH) => self.b.ins().fdiv(l, r),
            (Ty::Int, SyntaxKind::PLUS) => self.b.ins().iadd(l, r),
            (Ty::Int, SyntaxKind::MINUS) => self.b.ins().isub(l, r),
            (Ty::Int, SyntaxKind::STAR) => self.b.ins().imul(l, r),
            (Ty::Int, SyntaxKind::SLASH | SyntaxKind::PERCENT) => self.checked_division(op, l, r, node)?,
            _ => return Err(self.unsupported(node, "this operator on these types")),
        })
    }

    /// Integer division: a zero divisor is a fault with the source line; `MIN / -1`
    /// wraps (to MIN, remainder 0) instead of trapping.
    fn checked_division(&mut self, op: SyntaxKind, l: Value, r: Value, node: &SyntaxNode) -> Result<Value> {
        let fault = self.b.create_block();
        let ok = self.b.create_block();
        let minus_one = self.b.create_block();
        let divide = self.b.create_block();
        let done = self.b.create_block();
        self.b.append_block_param(done, types::I64);
        let is_zero = self.b.ins().icmp_imm_s(IntCC::Equal, r, 0);
        self.b.ins().brif(is_zero, fault, &[], ok, &[]);

        self.b.switch_to_block(fault);
        let kind = if op == SyntaxKind::SLASH { 0 } else { 1 };
        self.call_fault(kind, node)?;

        self.b.switch_to_block(ok);
        let is_minus_one = self.b.ins().icmp_imm_s(IntCC::Equal, r, -1);
        self.b.ins().brif(is_minus_one, minus_one, &[], divide, &[]);

        self.b.switch_to_block(minus_one);
        let special = if op == SyntaxKind::SLASH { self.b.ins().ineg(l) } else { self.b.ins().iconst(types::I64, 0) };
        self.b.ins().jump(done, &[ir::BlockArg::Value(special)]);

        self.b.switch_to_block(divide);
        let v = if op == SyntaxKind::SLASH { self.b.ins().sdiv(l, r) } else { self.b.ins().srem(l, r) };
        self.b.ins().jump(done, &[ir::BlockArg::Value(v)]);

        self.b.switch_to_block(done);
        self.filled = false;
        Ok(self.b.block_params(done)[0])
    }

    fn call_fault(&mut self, kind: i32, node: &SyntaxNode) -> Result<()> {
        let file = self.f.file().path(self.db).to_string();
        let (ptr, len) = self.string_constant(&file)?;
        let line = self.line(node) as i64;
        let fault = self.module.declare_func_in_func(self.globals.runtime.fault, self.b.func);
        let kind = self.b.ins().iconst(types::I32, kind as i64);
        let line = self.b.ins().iconst(types::I64, line);
        self.b.ins().call(fault, &[kind, ptr, len, line]);
        self.b.ins().trap(TrapCode::unwrap_user(2));
        Ok(())
    }

    /// The address and length of a string constant in the object's data.
    fn string_constant(&mut self, text: &str) -> Result<(Value, Value)> {
        let id = match self.globals.strings.get(text) {
            Some(id) => *id,
            None => {
                let name = format!("pluto_str_{}", self.globals.strings.len());
                let id = self
                    .module
                    .declare_data(&name, Linkage::Local, false, false)
                    .map_err(|e| CodegenError::Backend(e.to_string()))?;
                let mut data = DataDescription::new();
                data.define(text.as_bytes().to_vec().into_boxed_slice());
                self.module.define_data(id, &data).map_err(|e| CodegenError::Backend(e.to_string()))?;
                self.globals.strings.insert(text.to_string(), id);
                id
            }
        };
        let global = self.module.declare_data_in_func(id, self.b.func);
        let pointer = self.module.target_config().pointer_type();
        let ptr = self.b.ins().symbol_value(pointer, global);
        let len = self.b.ins().iconst(types::I64, text.len() as i64);
        Ok((ptr, len))
    }

    fn call(&mut self, call: &ast::CallExpr, _ty: &Ty) -> Result<Option<Value>> {
        let callee = call.callee().ok_or_else(|| self.unsupported(call.syntax(), "this call"))?;
        let args: Vec<ast::Expr> = call.args().collect();
        let ast::Expr::PathExpr(path) = &callee else {
            return Err(self.unsupported(call.syntax(), "calls of methods and function values"));
        };
        let name_ref = path.name_ref().ok_or_else(|| self.unsupported(call.syntax(), "this call"))?;
        match self.resolutions.get(&name_ref.syntax().text_range()).cloned() {
            Some(Target::Fn(f)) => {
                let (id, _) = self
                    .globals
                    .functions
                    .get(&f)
                    .cloned()
                    .ok_or_else(|| self.unsupported(call.syntax(), "calls into the standard library"))?;
                let mut values = Vec::new();
                for a in &args {
                    values.push(self.value(a)?);
                }
                let func = self.module.declare_func_in_func(id, self.b.func);
                let inst = self.b.ins().call(func, &values);
                Ok(self.b.inst_results(inst).first().copied())
            }
            None if name_ref.text() == "print" && args.len() == 1 => {
                self.print(&args[0])?;
                Ok(None)
            }
            _ => Err(self.unsupported(call.syntax(), "this call")),
        }
    }

    fn print(&mut self, arg: &ast::Expr) -> Result<()> {
        if let ast::Expr::StringLit(s) = arg {
            let parts: Vec<ast::StringPart> = s.parts().collect();
            if parts.iter().all(|p| matches!(p, ast::StringPart::Text(_))) {
                let text: String = parts
                    .iter()
                    .map(|p| match p {
                        ast::StringPart::Text(t) => unescape(t.text()),
                        ast::StringPart::Interpolation(_) => String::new(),
                    })
                    .collect();
                let (ptr, len) = self.string_constant(&text)?;
                let f = self.module.declare_func_in_func(self.globals.runtime.print_str, self.b.func);
                self.b.ins().call(f, &[ptr, len]);
                return Ok(());
            }
            // An interpolated line: the runtime assembles it piece by piece.
            for part in parts {
                match part {
                    ast::StringPart::Text(t) => {
                        let (ptr, len) = self.string_constant(&unescape(t.text()))?;
                        let f = self.module.declare_func_in_func(self.globals.runtime.line_str, self.b.func);
                        self.b.ins().call(f, &[ptr, len]);
                    }
                    ast::StringPart::Interpolation(i) => {
                        let e = i.expr().ok_or_else(|| self.unsupported(arg.syntax(), "an empty interpolation"))?;
                        let runtime = match self.ty_of(e.syntax()) {
                            Ty::Int => self.globals.runtime.line_int,
                            Ty::Float => self.globals.runtime.line_float,
                            Ty::Bool => self.globals.runtime.line_bool,
                            _ => return Err(self.unsupported(e.syntax(), "interpolating values of this type")),
                        };
                        let v = self.value(&e)?;
                        let f = self.module.declare_func_in_func(runtime, self.b.func);
                        self.b.ins().call(f, &[v]);
                    }
                }
            }
            let f = self.module.declare_func_in_func(self.globals.runtime.line_end, self.b.func);
            self.b.ins().call(f, &[]);
            return Ok(());
        }
        let ty = self.ty_of(arg.syntax());
        let runtime = match ty {
            Ty::Int => self.globals.runtime.print_int,
            Ty::Float => self.globals.runtime.print_float,
            Ty::Bool => self.globals.runtime.print_bool,
            _ => return Err(self.unsupported(arg.syntax(), "printing values of this type")),
        };
        let v = self.value(arg)?;
        let f = self.module.declare_func_in_func(runtime, self.b.func);
        self.b.ins().call(f, &[v]);
        Ok(())
    }

    /// `match` on an `int` or `bool`: literal arms tested in order, `_` or a binding for
    /// the rest (checking made sure the arms are exhaustive).
    fn match_expr(&mut self, m: &ast::MatchExpr, ty: &Ty) -> Result<Option<Value>> {
        let scrutinee = m.scrutinee().ok_or_else(|| self.unsupported(m.syntax(), "this `match`"))?;
        let scrutinee_ty = self.ty_of(scrutinee.syntax());
        if !matches!(scrutinee_ty, Ty::Int | Ty::Bool) {
            return Err(self.unsupported(m.syntax(), "`match` on values other than `int` and `bool`"));
        }
        let value = self.value(&scrutinee)?;
        let result_type = machine_type(ty).map_err(|what| self.unsupported(m.syntax(), &what))?;
        let done = self.b.create_block();
        if let Some(t) = result_type {
            self.b.append_block_param(done, t);
        }
        for arm in m.arms() {
            let body_block = self.b.create_block();
            let next = self.b.create_block();
            self.scopes.push(HashMap::new());
            match arm.pattern() {
                Some(ast::Pattern::LiteralPat(p)) => {
                    let literal = p.literal().ok_or_else(|| self.unsupported(arm.syntax(), "this pattern"))?;
                    let mut expected = self.value(&literal)?;
                    if p.is_negative() {
                        expected = self.b.ins().ineg(expected);
                    }
                    let hit = self.b.ins().icmp(IntCC::Equal, value, expected);
                    self.b.ins().brif(hit, body_block, &[], next, &[]);
                }
                Some(ast::Pattern::WildcardPat(_)) => {
                    self.b.ins().jump(body_block, &[]);
                }
                Some(ast::Pattern::IdentPat(p)) => {
                    let name = p.name().map(|n| n.text()).unwrap_or_default();
                    self.declare(&name, scrutinee_ty.clone(), Some(value))?;
                    self.b.ins().jump(body_block, &[]);
                }
                _ => return Err(self.unsupported(arm.syntax(), "this pattern")),
            }
            self.b.switch_to_block(body_block);
            self.filled = false;
            let body = arm.expr().ok_or_else(|| self.unsupported(arm.syntax(), "an empty arm"))?;
            let v = self.expr(&body)?;
            self.finish_branch(done, result_type, v, arm.syntax())?;
            self.scopes.pop();
            self.b.switch_to_block(next);
            self.filled = false;
        }
        // Exhaustiveness was checked: falling through every arm cannot happen.
        self.b.ins().trap(TrapCode::unwrap_user(3));
        self.filled = true;
        self.b.switch_to_block(done);
        self.filled = false;
        Ok(result_type.map(|_| self.b.block_params(done)[0]))
    }

    /// Ends a branch of an `if` or `match` by jumping to `done`, passing its value when
    /// the construct produces one (a branch that already left, by `return` or `break`,
    /// passes nothing).
    fn finish_branch(
        &mut self,
        done: ir::Block,
        result_type: Option<types::Type>,
        value: Option<Value>,
        node: &SyntaxNode,
    ) -> Result<()> {
        match (result_type, value) {
            (Some(_), Some(v)) => self.jump(done, &[v]),
            (Some(_), None) if !self.filled => return Err(self.unsupported(node, "this branch as a value")),
            _ => self.jump(done, &[]),
        }
        Ok(())
    }

    fn if_expr(&mut self, i: &ast::IfExpr, ty: &Ty) -> Result<Option<Value>> {
        let cond = i.condition().ok_or_else(|| self.unsupported(i.syntax(), "an `if` without a condition"))?;
        let c = self.value(&cond)?;
        let then_block = self.b.create_block();
        let else_block = self.b.create_block();
        let done = self.b.create_block();
        let result_type = match i.else_branch() {
            Some(_) => machine_type(ty).map_err(|what| self.unsupported(i.syntax(), &what))?,
            None => None,
        };
        if let Some(t) = result_type {
            self.b.append_block_param(done, t);
        }
        self.b.ins().brif(c, then_block, &[], else_block, &[]);

        self.b.switch_to_block(then_block);
        self.filled = false;
        let then_value = match i.then_branch() {
            Some(b) => self.block(&b)?,
            None => None,
        };
        self.finish_branch(done, result_type, then_value, i.syntax())?;

        self.b.switch_to_block(else_block);
        self.filled = false;
        let else_value = match i.else_branch() {
            Some(ast::ElseBranch::Block(b)) => self.block(&b)?,
            Some(ast::ElseBranch::If(nested)) => self.if_expr(&nested, ty)?,
            None => None,
        };
        self.finish_branch(done, result_type, else_value, i.syntax())?;

        self.b.switch_to_block(done);
        self.filled = false;
        Ok(result_type.map(|_| self.b.block_params(done)[0]))
    }
}

fn describe(e: &ast::Expr) -> String {
    match e {
        ast::Expr::StringLit(_) => "strings outside `print`".into(),
        ast::Expr::MatchExpr(_) => "`match`".into(),
        ast::Expr::ClosureExpr(_) => "closures".into(),
        ast::Expr::CatchExpr(_) | ast::Expr::PropagateExpr(_) | ast::Expr::RaiseExpr(_) => {
            "errors (`raise`, `!`, `catch`)".into()
        }
        ast::Expr::StructLit(_) => "classes".into(),
        ast::Expr::ArrayLit(_) | ast::Expr::IndexExpr(_) => "arrays".into(),
        ast::Expr::MapLit(_) | ast::Expr::SetLit(_) => "maps and sets".into(),
        ast::Expr::FieldExpr(_) => "fields and methods".into(),
        ast::Expr::SpawnExpr(_) => "tasks".into(),
        ast::Expr::TupleExpr(_) => "tuples".into(),
        _ => "this expression".into(),
    }
}

fn parse_int(text: &str) -> Option<i64> {
    let text = text.replace('_', "");
    let (digits, radix) = match text.get(..2) {
        Some("0x" | "0X") => (&text[2..], 16),
        Some("0b" | "0B") => (&text[2..], 2),
        Some("0o" | "0O") => (&text[2..], 8),
        _ => (&text[..], 10),
    };
    // Integers wrap: a literal past i64::MAX is read as its two's complement.
    u64::from_str_radix(digits, radix).ok().map(|n| n as i64)
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
