//! Lowering a declaration's trivia-free tree into a [`Body`] and its [`BodySourceMap`].
//! Nesting is as deep as the user writes it, so the walk grows its stack on demand.

use pluto_syntax::ast::{self, AstNode, HasName};
use pluto_syntax::{SyntaxKind, SyntaxNode, SyntaxToken, TextRange};

use super::*;

/// Lowers the body of the function or field declared by `root`.
pub(super) fn lower(root: &SyntaxNode) -> (Body, BodySourceMap) {
    let mut cx = Lower { body: Body::default(), map: BodySourceMap::default() };
    if let Some(f) = ast::Fn::cast(root.clone()) {
        cx.body.params = f.param_list().map(|l| l.params().map(|p| cx.param(&p)).collect()).unwrap_or_default();
        cx.body.root = f.body().map(|b| cx.block(&b));
        cx.body.block_end = f.body().and_then(|b| b.syntax().last_token()).map(|t| t.text_range());
        cx.body.ret_type = f.ret_type().map(|r| r.syntax().text_range());
    } else if let Some(field) = ast::Field::cast(root.clone()) {
        cx.body.root = field.default_value().map(|e| cx.expr(&e));
    }
    (cx.body, cx.map)
}

struct Lower {
    body: Body,
    map: BodySourceMap,
}

fn name(node: Option<ast::Name>) -> Option<Name> {
    let node = node?;
    Some(Name { text: node.text(), range: node.syntax().text_range() })
}

fn name_ref(node: Option<ast::NameRef>) -> Option<Name> {
    let node = node?;
    Some(Name { text: node.text(), range: node.syntax().text_range() })
}

fn path(p: &ast::Path) -> Vec<Name> {
    p.segments().filter_map(|s| name_ref(Some(s))).collect()
}

fn type_ref(ty: Option<ast::Type>) -> TypeRef {
    TypeRef::from_ast(ty, 0.into())
}

fn generic_args(args: Option<ast::GenericArgList>) -> Option<Vec<TypeRef>> {
    args.map(|a| a.types().map(|t| type_ref(Some(t))).collect())
}

fn missing_name(range: TextRange) -> Name {
    Name { text: String::new(), range }
}

impl Lower {
    fn alloc(&mut self, expr: Expr, node: &SyntaxNode) -> ExprId {
        let id = self.body.exprs.alloc(expr);
        self.map.expr_ranges.insert(id, node.text_range());
        self.map.exprs.insert((node.kind(), node.text_range()), id);
        id
    }

    fn alloc_pat(&mut self, pat: Pat, node: &SyntaxNode) -> PatId {
        let id = self.body.pats.alloc(pat);
        self.map.pat_ranges.insert(id, node.text_range());
        self.map.pats.insert((node.kind(), node.text_range()), id);
        id
    }

    /// A missing expression, located at `at` (where it should have been).
    fn missing(&mut self, at: TextRange) -> ExprId {
        let id = self.body.exprs.alloc(Expr::Missing);
        self.map.expr_ranges.insert(id, at);
        id
    }

    fn param(&mut self, p: &ast::Param) -> Param {
        let range = p.syntax().text_range();
        let name = name(p.name()).unwrap_or_else(|| missing_name(range));
        Param { binding: self.bind(name, p.is_mut()), ty: type_ref(p.ty()) }
    }

    fn bind(&mut self, name: Name, is_mut: bool) -> BindingId {
        self.body.bindings.alloc(Binding { name, is_mut })
    }

    fn opt_expr(&mut self, e: Option<ast::Expr>) -> Option<ExprId> {
        e.map(|e| self.expr(&e))
    }

    /// `e`, or a missing expression located in `parent`.
    fn expr_or_missing(&mut self, e: Option<ast::Expr>, parent: &SyntaxNode) -> ExprId {
        match e {
            Some(e) => self.expr(&e),
            None => self.missing(TextRange::empty(parent.text_range().end())),
        }
    }

    fn block(&mut self, block: &ast::Block) -> ExprId {
        let statements = block.statements().map(|s| self.statement(&s)).collect();
        self.alloc(Expr::Block { statements }, block.syntax())
    }

    fn opt_block(&mut self, block: Option<ast::Block>) -> Option<ExprId> {
        block.map(|b| self.block(&b))
    }

    fn statement(&mut self, stmt: &ast::Stmt) -> Statement {
        let range = stmt.syntax().text_range();
        match stmt {
            ast::Stmt::LetStmt(s) => Statement::Let {
                ty: s.ty().map(|t| type_ref(Some(t))),
                initializer: self.opt_expr(s.initializer()),
                pat: s.pattern().map(|p| self.pat(&p)),
                range,
            },
            ast::Stmt::ExprStmt(s) => Statement::Expr { expr: self.opt_expr(s.expr()), range },
            ast::Stmt::AssignStmt(s) => Statement::Assign {
                target: self.opt_expr(s.target()),
                op: s.op().map(|t| match t.kind() {
                    SyntaxKind::PLUS_EQ => AssignOp::Add,
                    SyntaxKind::MINUS_EQ => AssignOp::Sub,
                    SyntaxKind::STAR_EQ => AssignOp::Mul,
                    SyntaxKind::SLASH_EQ => AssignOp::Div,
                    SyntaxKind::PERCENT_EQ => AssignOp::Rem,
                    _ => AssignOp::Assign,
                }),
                value: self.opt_expr(s.value()),
                range,
            },
            ast::Stmt::WhileStmt(s) => {
                Statement::While { condition: self.opt_expr(s.condition()), body: self.opt_block(s.body()), range }
            }
            ast::Stmt::ForStmt(s) => Statement::For {
                iterable: self.opt_expr(s.iterable()),
                pat: s.pattern().map(|p| self.pat(&p)),
                body: self.opt_block(s.body()),
                range,
            },
        }
    }

    fn expr(&mut self, e: &ast::Expr) -> ExprId {
        pluto_syntax::ensure_stack(|| self.expr_inner(e))
    }

    fn expr_inner(&mut self, e: &ast::Expr) -> ExprId {
        let node = e.syntax();
        let expr = match e {
            ast::Expr::Literal(l) => {
                let token = l.token();
                let text = token.as_ref().map(SyntaxToken::text).unwrap_or_default().to_string();
                match token.map(|t| t.kind()) {
                    Some(SyntaxKind::INT_NUMBER) => Expr::Literal(Literal::Int(text)),
                    Some(SyntaxKind::FLOAT_NUMBER) => Expr::Literal(Literal::Float(text)),
                    Some(SyntaxKind::TRUE_KW) => Expr::Literal(Literal::Bool(true)),
                    Some(SyntaxKind::FALSE_KW) => Expr::Literal(Literal::Bool(false)),
                    Some(SyntaxKind::NONE_KW) => Expr::Literal(Literal::None),
                    _ => Expr::Missing,
                }
            }
            ast::Expr::StringLit(s) => {
                let parts = s
                    .parts()
                    .filter_map(|p| match p {
                        ast::StringPart::Text(t) => Some(StringPart::Text(t.text().to_string())),
                        ast::StringPart::Interpolation(i) => i.expr().map(|e| StringPart::Interpolation(self.expr(&e))),
                    })
                    .collect();
                Expr::String(parts)
            }
            ast::Expr::PathExpr(p) => match name_ref(p.name_ref()) {
                Some(name) => Expr::Path { name, generic_args: generic_args(p.generic_args()) },
                None => Expr::Missing,
            },
            ast::Expr::ParenExpr(p) => {
                let inner = self.expr_or_missing(p.expr(), node);
                self.map.exprs.insert((node.kind(), node.text_range()), inner);
                return inner;
            }
            ast::Expr::TupleExpr(t) => Expr::Tuple(t.elements().map(|e| self.expr(&e)).collect()),
            ast::Expr::ArrayLit(a) => Expr::Array(a.elements().map(|e| self.expr(&e)).collect()),
            ast::Expr::StructLit(s) => {
                let fields = s
                    .fields()
                    .map(|f| {
                        let range = f.syntax().text_range();
                        FieldInit {
                            name: name_ref(f.name_ref()).unwrap_or_else(|| missing_name(range)),
                            range,
                            value: self.opt_expr(f.value()),
                        }
                    })
                    .collect();
                let ty = s.ty();
                Expr::StructLit {
                    path: ty.as_ref().and_then(|t| t.path()).map(|p| path(&p)).unwrap_or_default(),
                    generic_args: generic_args(ty.and_then(|t| t.generic_args())),
                    fields,
                }
            }
            ast::Expr::MapLit(m) => Expr::Map {
                ty: type_ref(m.ty().map(ast::Type::PathType)),
                entries: m.entries().map(|en| (self.opt_expr(en.key()), self.opt_expr(en.value()))).collect(),
            },
            ast::Expr::SetLit(s) => Expr::Set {
                ty: type_ref(s.ty().map(ast::Type::PathType)),
                elements: s.elements().map(|e| self.expr(&e)).collect(),
            },
            ast::Expr::BinaryExpr(b) => {
                let lhs = self.expr_or_missing(b.lhs(), node);
                let rhs = self.expr_or_missing(b.rhs(), node);
                Expr::Binary { op: b.op().and_then(|t| BinaryOp::from_token(t.kind())), lhs, rhs }
            }
            ast::Expr::RangeExpr(r) => Expr::Range {
                start: self.opt_expr(r.start()),
                end: self.opt_expr(r.end()),
                inclusive: r.is_inclusive(),
            },
            ast::Expr::PrefixExpr(p) => Expr::Prefix {
                not: p.op().is_some_and(|t| t.kind() == SyntaxKind::BANG),
                expr: self.expr_or_missing(p.expr(), node),
            },
            ast::Expr::PropagateExpr(p) => Expr::Propagate(self.expr_or_missing(p.expr(), node)),
            ast::Expr::TryExpr(t) => Expr::Try(self.expr_or_missing(t.expr(), node)),
            ast::Expr::CallExpr(c) => {
                let callee = self.expr_or_missing(c.callee(), node);
                Expr::Call { callee, args: c.args().map(|a| self.expr(&a)).collect() }
            }
            ast::Expr::FieldExpr(f) => Expr::Field {
                receiver: self.expr_or_missing(f.receiver(), node),
                name: name_ref(f.name_ref()),
                generic_args: generic_args(f.generic_args()),
            },
            ast::Expr::IndexExpr(i) => {
                let base = self.expr_or_missing(i.base(), node);
                Expr::Index { base, index: self.expr_or_missing(i.index(), node) }
            }
            ast::Expr::CastExpr(c) => Expr::Cast { expr: self.expr_or_missing(c.expr(), node), ty: type_ref(c.ty()) },
            ast::Expr::IfExpr(i) => self.if_expr(i),
            ast::Expr::MatchExpr(m) => {
                let scrutinee = self.expr_or_missing(m.scrutinee(), node);
                let arms = m
                    .arms()
                    .map(|arm| {
                        let pat = match arm.pattern() {
                            Some(p) => self.pat(&p),
                            None => self.body.pats.alloc(Pat::Missing),
                        };
                        let expr = self.expr_or_missing(arm.expr(), arm.syntax());
                        MatchArm { pat, expr, range: arm.syntax().text_range() }
                    })
                    .collect();
                Expr::Match { scrutinee, arms }
            }
            ast::Expr::BlockExpr(b) => match b.block() {
                Some(block) => {
                    let id = self.block(&block);
                    self.map.exprs.insert((node.kind(), node.text_range()), id);
                    return id;
                }
                None => Expr::Block { statements: Vec::new() },
            },
            ast::Expr::ClosureExpr(c) => Expr::Closure {
                params: c.param_list().map(|l| l.params().map(|p| self.param(&p)).collect()).unwrap_or_default(),
                body: self.expr_or_missing(c.body(), node),
            },
            ast::Expr::CatchExpr(c) => {
                let expr = self.expr_or_missing(c.expr(), node);
                let handlers = c
                    .clauses()
                    .map(|clause| {
                        let (body, is_default) = match clause.block() {
                            Some(b) => (Some(self.block(&b)), false),
                            None => (self.opt_expr(clause.default_value()), true),
                        };
                        CatchHandler {
                            binding: name(clause.name()).map(|n| self.bind(n, false)),
                            error_type: clause.error_type().map(|t| type_ref(Some(t))),
                            body,
                            is_default,
                            range: clause.syntax().text_range(),
                        }
                    })
                    .collect();
                Expr::Catch { expr, handlers }
            }
            ast::Expr::SpawnExpr(s) => Expr::Spawn(self.expr_or_missing(s.expr(), node)),
            ast::Expr::ReturnExpr(r) => Expr::Return(self.opt_expr(r.expr())),
            ast::Expr::BreakExpr(_) => Expr::Break,
            ast::Expr::ContinueExpr(_) => Expr::Continue,
            ast::Expr::RaiseExpr(r) => Expr::Raise(self.opt_expr(r.expr())),
        };
        self.alloc(expr, node)
    }

    /// An `if` and its `else if` chain, lowered without recursing once per branch (a
    /// generated dispatcher may have thousands).
    fn if_expr(&mut self, first: &ast::IfExpr) -> Expr {
        let mut chain = vec![first.clone()];
        while let Some(ast::ElseBranch::If(next)) = chain.last().and_then(|i| i.else_branch()) {
            chain.push(next);
        }
        let mut else_branch = match chain.last().and_then(|i| i.else_branch()) {
            Some(ast::ElseBranch::Block(b)) => Some(self.block(&b)),
            _ => None,
        };
        // Innermost first: each `if` becomes the `else` of the one before it.
        let mut lowered = None;
        for (i, node) in chain.iter().enumerate().rev() {
            let condition = self.expr_or_missing(node.condition(), node.syntax());
            let then_branch = match node.then_branch() {
                Some(b) => self.block(&b),
                None => self.missing(TextRange::empty(node.syntax().text_range().end())),
            };
            let expr = Expr::If { condition, then_branch, else_branch };
            if i == 0 {
                lowered = Some(expr);
            } else {
                else_branch = Some(self.alloc(expr, node.syntax()));
            }
        }
        lowered.unwrap_or(Expr::Missing)
    }

    fn pat(&mut self, p: &ast::Pattern) -> PatId {
        pluto_syntax::ensure_stack(|| self.pat_inner(p))
    }

    fn pat_inner(&mut self, p: &ast::Pattern) -> PatId {
        let node = p.syntax();
        let pat = match p {
            ast::Pattern::IdentPat(i) => match name(i.name()) {
                Some(name) => Pat::Bind(self.bind(name, i.is_mut())),
                None => Pat::Missing,
            },
            ast::Pattern::WildcardPat(_) => Pat::Wildcard,
            ast::Pattern::LiteralPat(l) => {
                Pat::Literal { expr: self.expr_or_missing(l.literal(), node), negative: l.is_negative() }
            }
            ast::Pattern::TuplePat(t) => Pat::Tuple(t.elements().map(|e| self.pat(&e)).collect()),
            ast::Pattern::VariantPat(v) => Pat::Variant {
                path: v.path().map(|p| path(&p)).unwrap_or_default(),
                fields: v
                    .fields()
                    .map(|f| {
                        let range = f.syntax().text_range();
                        let name = name_ref(f.name_ref()).unwrap_or_else(|| missing_name(range));
                        let pat = f.pattern().map(|p| self.pat(&p));
                        let binding = match pat {
                            None if !name.text.is_empty() => Some(self.bind(name.clone(), false)),
                            _ => None,
                        };
                        RecordPatField { name, pat, binding }
                    })
                    .collect(),
            },
        };
        self.alloc_pat(pat, node)
    }
}
