//! Function bodies as data: each body (a function's block, or a field's default value)
//! lowered once from its declaration's trivia-free tree into arenas of expressions and
//! patterns addressed by id, with a source map back to the syntax (as rust-analyzer's
//! `Body` and `BodySourceMap`). Parentheses leave no expression of their own; blocks,
//! statements, closures, `catch` handlers and match arms keep their shape. Ranges are
//! those of the trivia-free declaration, the coordinates of inference results.
//!
//! `scope` computes which locals are visible where, once, over this data.

mod lower;
pub(crate) mod scope;

pub use scope::ExprScopes;

use std::collections::HashMap;
use std::sync::Arc;

use la_arena::{Arena, ArenaMap, Idx};
use pluto_db::Db;
use pluto_syntax::{SyntaxKind, TextRange};

use crate::def_map::ItemLoc;
use crate::item_tree::{Decl, TypeRef, decl_green};
use crate::lower::FnLoc;

pub type ExprId = Idx<Expr>;
pub type PatId = Idx<Pat>;
pub type BindingId = Idx<Binding>;

/// The body a closure is written in: a function's, or a field default's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BodyOwner {
    Fn(FnLoc),
    FieldDefault(ItemLoc, u32),
}

/// A name written in a body, with its range.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Name {
    pub text: String,
    pub range: TextRange,
}

/// A local a body declares: a parameter (of the function or of a closure), a name a
/// pattern binds, or a `catch` handler's binding. Every use of a local resolves to one.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Binding {
    pub name: Name,
    pub is_mut: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Literal {
    /// The literal's text (`1_000`, `0xff`): whether it fits is for the checker.
    Int(String),
    Float(String),
    Bool(bool),
    None,
}

impl Literal {
    /// An integer literal's value, if it fits in 64 bits (whether it fits in `int` is
    /// for the checker).
    pub fn int_value(&self) -> Option<u64> {
        match self {
            Literal::Int(text) => pluto_syntax::ast::int_literal_value(text),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum StringPart {
    /// Literal text, as written (escapes not yet decoded).
    Text(String),
    Interpolation(ExprId),
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FieldInit {
    pub name: Name,
    /// The whole `name: value` (or just `name`).
    pub range: TextRange,
    /// `None` for the shorthand `Point { x }`, which reads the local `x`.
    pub value: Option<ExprId>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MatchArm {
    pub pat: PatId,
    pub expr: ExprId,
    pub range: TextRange,
}

/// A parameter of a function or closure.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Param {
    pub binding: BindingId,
    pub ty: TypeRef,
}

/// One handler of a `catch`: `catch e { ... }`, `catch e: NotFound { ... }`, or the
/// shorthand default value `catch -1`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CatchHandler {
    pub binding: Option<BindingId>,
    pub error_type: Option<TypeRef>,
    /// The handler block, or the default value.
    pub body: Option<ExprId>,
    /// Whether `body` is a default value rather than a block.
    pub is_default: bool,
    pub range: TextRange,
}

/// A binary operator (`..` and `..=` are ranges, not operators).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
    BitAnd,
    BitOr,
    BitXor,
    Shl,
    Shr,
}

impl BinaryOp {
    pub fn from_token(kind: SyntaxKind) -> Option<BinaryOp> {
        use SyntaxKind::*;
        Some(match kind {
            PLUS => BinaryOp::Add,
            MINUS => BinaryOp::Sub,
            STAR => BinaryOp::Mul,
            SLASH => BinaryOp::Div,
            PERCENT => BinaryOp::Rem,
            EQ2 => BinaryOp::Eq,
            NEQ => BinaryOp::Ne,
            LT => BinaryOp::Lt,
            LTEQ => BinaryOp::Le,
            GT => BinaryOp::Gt,
            GTEQ => BinaryOp::Ge,
            AMP2 => BinaryOp::And,
            PIPE2 => BinaryOp::Or,
            AMP => BinaryOp::BitAnd,
            PIPE => BinaryOp::BitOr,
            CARET => BinaryOp::BitXor,
            SHL => BinaryOp::Shl,
            SHR => BinaryOp::Shr,
            _ => return None,
        })
    }

    /// How the operator is written.
    pub fn text(self) -> &'static str {
        match self {
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Rem => "%",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::And => "&&",
            BinaryOp::Or => "||",
            BinaryOp::BitAnd => "&",
            BinaryOp::BitOr => "|",
            BinaryOp::BitXor => "^",
            BinaryOp::Shl => "<<",
            BinaryOp::Shr => ">>",
        }
    }

    /// `+ - * / %`.
    pub fn is_arithmetic(self) -> bool {
        matches!(self, BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div | BinaryOp::Rem)
    }

    /// `< <= > >=`.
    pub fn is_ordering(self) -> bool {
        matches!(self, BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AssignOp {
    Assign,
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Statement {
    Let { pat: Option<PatId>, ty: Option<TypeRef>, initializer: Option<ExprId>, range: TextRange },
    Expr { expr: Option<ExprId>, range: TextRange },
    Assign { target: Option<ExprId>, op: Option<AssignOp>, value: Option<ExprId>, range: TextRange },
    While { condition: Option<ExprId>, body: Option<ExprId>, range: TextRange },
    For { pat: Option<PatId>, iterable: Option<ExprId>, body: Option<ExprId>, range: TextRange },
}

impl AssignOp {
    /// The operator of a compound assignment (`+=` is `+`); `None` for `=`.
    pub fn binary(self) -> Option<BinaryOp> {
        match self {
            AssignOp::Assign => None,
            AssignOp::Add => Some(BinaryOp::Add),
            AssignOp::Sub => Some(BinaryOp::Sub),
            AssignOp::Mul => Some(BinaryOp::Mul),
            AssignOp::Div => Some(BinaryOp::Div),
            AssignOp::Rem => Some(BinaryOp::Rem),
        }
    }
}

impl Statement {
    pub fn range(&self) -> TextRange {
        match self {
            Statement::Let { range, .. }
            | Statement::Expr { range, .. }
            | Statement::Assign { range, .. }
            | Statement::While { range, .. }
            | Statement::For { range, .. } => *range,
        }
    }

    /// Adds the expressions directly inside this statement to `out`, in source order.
    pub fn exprs(&self, out: &mut Vec<ExprId>) {
        match self {
            Statement::Let { initializer, .. } => out.extend(*initializer),
            Statement::Expr { expr, .. } => out.extend(*expr),
            Statement::Assign { target, value, .. } => out.extend(target.iter().chain(value)),
            Statement::While { condition, body, .. } => out.extend(condition.iter().chain(body)),
            Statement::For { iterable, body, .. } => out.extend(iterable.iter().chain(body)),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Expr {
    /// Left out or unparsable: a syntax error has been reported.
    Missing,
    Literal(Literal),
    String(Vec<StringPart>),
    /// A name on its own, with type arguments if written (`decode<Order>`).
    Path {
        name: Name,
        generic_args: Option<Vec<TypeRef>>,
    },
    Tuple(Vec<ExprId>),
    Array(Vec<ExprId>),
    /// `Order { ... }`, `Shape.Circle { ... }`, `Box<int> { ... }`: the type's path
    /// segments and type arguments, then the fields.
    StructLit {
        path: Vec<Name>,
        generic_args: Option<Vec<TypeRef>>,
        fields: Vec<FieldInit>,
    },
    Map {
        ty: TypeRef,
        entries: Vec<(Option<ExprId>, Option<ExprId>)>,
    },
    Set {
        ty: TypeRef,
        elements: Vec<ExprId>,
    },
    /// `op` is `None` when it is missing.
    Binary {
        op: Option<BinaryOp>,
        lhs: ExprId,
        rhs: ExprId,
    },
    Range {
        start: Option<ExprId>,
        end: Option<ExprId>,
        inclusive: bool,
    },
    /// `-e` or `!e`.
    Prefix {
        not: bool,
        expr: ExprId,
    },
    /// `e!`.
    Propagate(ExprId),
    /// `e?`.
    Try(ExprId),
    Call {
        callee: ExprId,
        args: Vec<ExprId>,
    },
    Field {
        receiver: ExprId,
        name: Option<Name>,
        generic_args: Option<Vec<TypeRef>>,
    },
    Index {
        base: ExprId,
        index: ExprId,
    },
    Cast {
        expr: ExprId,
        ty: TypeRef,
    },
    If {
        condition: ExprId,
        then_branch: ExprId,
        else_branch: Option<ExprId>,
    },
    Match {
        scrutinee: ExprId,
        arms: Vec<MatchArm>,
    },
    Block {
        statements: Vec<Statement>,
    },
    Closure {
        params: Vec<Param>,
        body: ExprId,
    },
    Catch {
        expr: ExprId,
        handlers: Vec<CatchHandler>,
    },
    Spawn(ExprId),
    Return(Option<ExprId>),
    Break,
    Continue,
    Raise(Option<ExprId>),
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RecordPatField {
    pub name: Name,
    /// `None` for the shorthand `{ reason }`, which binds `reason` (as `binding`).
    pub pat: Option<PatId>,
    pub binding: Option<BindingId>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Pat {
    Missing,
    Bind(BindingId),
    Wildcard,
    /// A literal, negated when written `-1`.
    Literal {
        expr: ExprId,
        negative: bool,
    },
    Tuple(Vec<PatId>),
    /// `Status.Suspended { reason }` (the path's segments in order).
    Variant {
        path: Vec<Name>,
        fields: Vec<RecordPatField>,
    },
}

/// Where a name that inference resolves is written in a body: the key of resolutions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NameSite {
    /// The name of a path or field expression (`x`, the `b` of `a.b`, the method of
    /// `a.b()`).
    Expr(ExprId),
    /// The type or variant a struct literal names (its last path segment).
    LitType(ExprId),
    /// The name of the `n`th field of a struct literal.
    LitField(ExprId, u32),
    /// The local a shorthand field (`Point { x }`) reads: the same name as its field.
    LitShorthand(ExprId, u32),
    /// The variant a variant pattern names (its last path segment).
    PatVariant(PatId),
    /// The name of the `n`th field of a variant pattern.
    PatField(PatId, u32),
}

/// One body's expressions and patterns.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Body {
    pub exprs: Arena<Expr>,
    pub pats: Arena<Pat>,
    pub bindings: Arena<Binding>,
    /// The function's parameters (none for a field default); `self` is not among them.
    pub params: Vec<Param>,
    /// The function's block, or the field's default value.
    pub root: Option<ExprId>,
    /// For a function: the last token of its block (where a missing `return` is
    /// reported) and its written result type.
    pub block_end: Option<TextRange>,
    pub ret_type: Option<TextRange>,
}

impl Body {
    /// The local declared by the name at `range`.
    pub fn binding_at(&self, range: TextRange) -> Option<BindingId> {
        self.bindings.iter().find(|(_, b)| b.name.range == range).map(|(id, _)| id)
    }

    /// Local `b`, if this body has it (a target from another body may not).
    pub fn binding(&self, b: BindingId) -> Option<&Binding> {
        get(&self.bindings, b)
    }

    /// The name of local `b`.
    pub fn binding_name(&self, b: BindingId) -> &Name {
        &self.bindings[b].name
    }

    /// The name written at `site`; `None` for a site this body does not have.
    pub fn name_at(&self, site: NameSite) -> Option<&Name> {
        let expr = |e: ExprId| get(&self.exprs, e);
        let pat = |p: PatId| get(&self.pats, p);
        let lit_field = |e: ExprId, n: u32| match expr(e)? {
            Expr::StructLit { fields, .. } => fields.get(n as usize).map(|f| &f.name),
            _ => None,
        };
        match site {
            NameSite::Expr(e) => match expr(e)? {
                Expr::Path { name, .. } => Some(name),
                Expr::Field { name, .. } => name.as_ref(),
                _ => None,
            },
            NameSite::LitType(e) => match expr(e)? {
                Expr::StructLit { path, .. } => path.last(),
                _ => None,
            },
            NameSite::LitField(e, n) | NameSite::LitShorthand(e, n) => lit_field(e, n),
            NameSite::PatVariant(p) => match pat(p)? {
                Pat::Variant { path, .. } => path.last(),
                _ => None,
            },
            NameSite::PatField(p, n) => match pat(p)? {
                Pat::Variant { fields, .. } => fields.get(n as usize).map(|f| &f.name),
                _ => None,
            },
        }
    }

    /// The expressions directly inside `expr`, in source order.
    pub fn children(&self, expr: ExprId) -> Vec<ExprId> {
        let mut out = Vec::new();
        match &self.exprs[expr] {
            Expr::Missing | Expr::Literal(_) | Expr::Path { .. } | Expr::Break | Expr::Continue => {}
            Expr::String(parts) => out.extend(parts.iter().filter_map(|p| match p {
                StringPart::Interpolation(e) => Some(*e),
                StringPart::Text(_) => None,
            })),
            Expr::Tuple(es) | Expr::Array(es) | Expr::Set { elements: es, .. } => out.extend(es),
            Expr::StructLit { fields, .. } => out.extend(fields.iter().filter_map(|f| f.value)),
            Expr::Map { entries, .. } => out.extend(entries.iter().flat_map(|(k, v)| k.iter().chain(v))),
            Expr::Binary { lhs, rhs, .. } => out.extend([*lhs, *rhs]),
            Expr::Range { start, end, .. } => out.extend(start.iter().chain(end)),
            Expr::Prefix { expr, .. }
            | Expr::Propagate(expr)
            | Expr::Try(expr)
            | Expr::Spawn(expr)
            | Expr::Cast { expr, .. } => out.push(*expr),
            Expr::Return(e) | Expr::Raise(e) => out.extend(*e),
            Expr::Call { callee, args } => {
                out.push(*callee);
                out.extend(args);
            }
            Expr::Field { receiver, .. } => out.push(*receiver),
            Expr::Index { base, index } => out.extend([*base, *index]),
            Expr::If { condition, then_branch, else_branch } => {
                out.extend([*condition, *then_branch]);
                out.extend(*else_branch);
            }
            Expr::Match { scrutinee, arms } => {
                out.push(*scrutinee);
                out.extend(arms.iter().map(|a| a.expr));
            }
            Expr::Block { statements } => statements.iter().for_each(|s| s.exprs(&mut out)),
            Expr::Closure { body, .. } => out.push(*body),
            Expr::Catch { expr, handlers } => {
                out.push(*expr);
                out.extend(handlers.iter().filter_map(|h| h.body));
            }
        }
        out
    }
}

/// The entry `id` of `arena`; `None` for an id from another (larger) body.
fn get<T>(arena: &Arena<T>, id: Idx<T>) -> Option<&T> {
    ((id.into_raw().into_u32() as usize) < arena.len()).then(|| &arena[id])
}

/// Where a body's expressions and patterns are in the trivia-free declaration.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct BodySourceMap {
    expr_ranges: ArenaMap<ExprId, TextRange>,
    /// Expression nodes by kind and range; a parenthesised expression's node maps to the
    /// expression inside, and an `if`'s or loop's block node to its block expression.
    exprs: HashMap<(SyntaxKind, TextRange), ExprId>,
    pat_ranges: ArenaMap<PatId, TextRange>,
    pats: HashMap<(SyntaxKind, TextRange), PatId>,
}

impl BodySourceMap {
    pub fn expr_range(&self, expr: ExprId) -> TextRange {
        self.expr_ranges.get(expr).copied().unwrap_or_default()
    }

    pub fn pat_range(&self, pat: PatId) -> TextRange {
        self.pat_ranges.get(pat).copied().unwrap_or_default()
    }

    /// Nodes that stand for an expression with another range (parentheses around it),
    /// with that expression.
    pub fn aliases(&self) -> Vec<(TextRange, ExprId)> {
        let mut out: Vec<(TextRange, ExprId)> =
            self.exprs.iter().filter(|((_, r), e)| self.expr_range(**e) != *r).map(|((_, r), e)| (*r, *e)).collect();
        out.sort_by_key(|(r, _)| (r.start(), r.end()));
        out
    }

    /// The expressions whose ranges contain `offset`, an end included.
    pub fn exprs_around(&self, offset: pluto_syntax::TextSize) -> impl Iterator<Item = (ExprId, TextRange)> + '_ {
        self.expr_ranges.iter().filter(move |(_, r)| r.contains_inclusive(offset)).map(|(id, r)| (id, *r))
    }
}

/// A body, its source map and its scopes, as the query returns them.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct BodyWithSourceMap {
    pub body: Arc<Body>,
    pub source_map: Arc<BodySourceMap>,
    pub scopes: Arc<ExprScopes>,
}

/// The declaration holding `owner`'s body, if it is still there.
fn owner_decl(db: &dyn Db, owner: BodyOwner) -> Option<Decl> {
    match owner {
        BodyOwner::Fn(f) => Some(Decl::new(db, f.file(), f.sig(db).ast)),
        BodyOwner::FieldDefault(class, field) => {
            class.item(db).body().and_then(|b| b.fields.get(field as usize)).map(|d| Decl::new(db, class.file, d.ast))
        }
    }
}

/// The body of `owner`; empty when its declaration is gone.
pub fn body_with_source_map(db: &dyn Db, owner: BodyOwner) -> &BodyWithSourceMap {
    static EMPTY: std::sync::OnceLock<BodyWithSourceMap> = std::sync::OnceLock::new();
    match owner_decl(db, owner) {
        Some(decl) => decl_body(db, decl),
        None => EMPTY.get_or_init(BodyWithSourceMap::default),
    }
}

/// The body of the function or field `decl`, lowered from its trivia-free tree (read
/// through its own green node, so an edit elsewhere does not re-run this), with which
/// locals are visible where in it.
#[salsa::tracked(returns(ref))]
pub fn decl_body(db: &dyn Db, decl: Decl) -> BodyWithSourceMap {
    let Some(green) = decl_green(db, decl) else { return BodyWithSourceMap::default() };
    let (body, source_map) = lower::lower(&pluto_syntax::SyntaxNode::new_root(green.clone()));
    let scopes = ExprScopes::new(&body);
    BodyWithSourceMap { body: Arc::new(body), source_map: Arc::new(source_map), scopes: Arc::new(scopes) }
}

#[cfg(test)]
mod tests;
