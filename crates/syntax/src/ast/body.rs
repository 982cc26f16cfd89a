//! Accessors of what bodies hold: blocks, statements, expressions and patterns.

use super::*;

impl Block {
    pub fn statements(&self) -> impl Iterator<Item = Stmt> + use<> {
        children(&self.syntax)
    }
    /// The final expression statement, whose value is the block's value.
    pub fn tail_expr(&self) -> Option<Expr> {
        match self.statements().last()? {
            Stmt::ExprStmt(s) => s.expr(),
            _ => None,
        }
    }
}

impl LetStmt {
    pub fn pattern(&self) -> Option<Pattern> {
        child(&self.syntax)
    }
    pub fn ty(&self) -> Option<Type> {
        child(&self.syntax)
    }
    pub fn initializer(&self) -> Option<Expr> {
        child(&self.syntax)
    }
}

impl ExprStmt {
    pub fn expr(&self) -> Option<Expr> {
        child(&self.syntax)
    }
}

impl AssignStmt {
    pub fn target(&self) -> Option<Expr> {
        nth_child(&self.syntax, 0)
    }
    pub fn value(&self) -> Option<Expr> {
        nth_child(&self.syntax, 1)
    }
    /// `=`, `+=`, `-=`, `*=`, `/=` or `%=`.
    pub fn op(&self) -> Option<SyntaxToken> {
        self.syntax
            .children_with_tokens()
            .filter_map(|e| e.into_token())
            .find(|t| matches!(t.kind(), EQ | PLUS_EQ | MINUS_EQ | STAR_EQ | SLASH_EQ | PERCENT_EQ))
    }
}

impl WhileStmt {
    pub fn condition(&self) -> Option<Expr> {
        child(&self.syntax)
    }
    pub fn body(&self) -> Option<Block> {
        child(&self.syntax)
    }
}

impl ForStmt {
    pub fn pattern(&self) -> Option<Pattern> {
        child(&self.syntax)
    }
    pub fn iterable(&self) -> Option<Expr> {
        child(&self.syntax)
    }
    pub fn body(&self) -> Option<Block> {
        child(&self.syntax)
    }
}

impl Literal {
    pub fn token(&self) -> Option<SyntaxToken> {
        self.syntax.first_token()
    }
}

/// The value of an integer literal's text (`1_000`, `0xff`, `0b101`, `0o17`), if it fits
/// in 64 bits. Whether it fits in `int` (a signed 64-bit integer) is for the checker.
pub fn int_literal_value(text: &str) -> Option<u64> {
    let text = text.replace('_', "");
    let (digits, radix) = match text.get(..2) {
        Some("0x" | "0X") => (&text[2..], 16),
        Some("0b" | "0B") => (&text[2..], 2),
        Some("0o" | "0O") => (&text[2..], 8),
        _ => (&text[..], 10),
    };
    u64::from_str_radix(digits, radix).ok()
}

/// A piece of a string literal: literal text (escapes not yet processed) or an
/// interpolated expression.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum StringPart {
    Text(SyntaxToken),
    Interpolation(Interpolation),
}

impl StringLit {
    pub fn parts(&self) -> impl Iterator<Item = StringPart> + use<> {
        self.syntax.children_with_tokens().filter_map(|e| match e {
            rowan::NodeOrToken::Token(t) if t.kind() == STRING_TEXT => Some(StringPart::Text(t)),
            rowan::NodeOrToken::Node(n) => Interpolation::cast(n).map(StringPart::Interpolation),
            _ => None,
        })
    }
    pub fn is_terminated(&self) -> bool {
        token(&self.syntax, STRING_END).is_some()
    }
}

impl Interpolation {
    pub fn expr(&self) -> Option<Expr> {
        child(&self.syntax)
    }
}

impl PathExpr {
    pub fn name_ref(&self) -> Option<NameRef> {
        child(&self.syntax)
    }
    pub fn generic_args(&self) -> Option<GenericArgList> {
        child(&self.syntax)
    }
}

impl ParenExpr {
    pub fn expr(&self) -> Option<Expr> {
        child(&self.syntax)
    }
}

impl TupleExpr {
    pub fn elements(&self) -> impl Iterator<Item = Expr> + use<> {
        children(&self.syntax)
    }
}

impl ArrayLit {
    pub fn elements(&self) -> impl Iterator<Item = Expr> + use<> {
        children(&self.syntax)
    }
}

impl StructLit {
    pub fn ty(&self) -> Option<PathType> {
        child(&self.syntax)
    }
    pub fn fields(&self) -> impl Iterator<Item = FieldInit> + use<> {
        children(&self.syntax)
    }
}

impl FieldInit {
    pub fn name_ref(&self) -> Option<NameRef> {
        child(&self.syntax)
    }
    /// The value; `None` for the shorthand `Point { x }`.
    pub fn value(&self) -> Option<Expr> {
        child(&self.syntax)
    }
}

impl MapLit {
    pub fn ty(&self) -> Option<PathType> {
        child(&self.syntax)
    }
    pub fn entries(&self) -> impl Iterator<Item = MapEntry> + use<> {
        children(&self.syntax)
    }
}

impl MapEntry {
    pub fn key(&self) -> Option<Expr> {
        nth_child(&self.syntax, 0)
    }
    pub fn value(&self) -> Option<Expr> {
        nth_child(&self.syntax, 1)
    }
}

impl SetLit {
    pub fn ty(&self) -> Option<PathType> {
        child(&self.syntax)
    }
    pub fn elements(&self) -> impl Iterator<Item = Expr> + use<> {
        children(&self.syntax)
    }
}

impl BinaryExpr {
    pub fn lhs(&self) -> Option<Expr> {
        nth_child(&self.syntax, 0)
    }
    pub fn rhs(&self) -> Option<Expr> {
        nth_child(&self.syntax, 1)
    }
    pub fn op(&self) -> Option<SyntaxToken> {
        self.syntax.children_with_tokens().filter_map(|e| e.into_token()).find(|t| !t.kind().is_trivia())
    }
}

impl RangeExpr {
    pub fn start(&self) -> Option<Expr> {
        nth_child(&self.syntax, 0)
    }
    pub fn end(&self) -> Option<Expr> {
        nth_child(&self.syntax, 1)
    }
    pub fn is_inclusive(&self) -> bool {
        token(&self.syntax, DOT2EQ).is_some()
    }
}

impl PrefixExpr {
    pub fn op(&self) -> Option<SyntaxToken> {
        self.syntax.first_token()
    }
    pub fn expr(&self) -> Option<Expr> {
        child(&self.syntax)
    }
}

impl PropagateExpr {
    pub fn expr(&self) -> Option<Expr> {
        child(&self.syntax)
    }
}

impl TryExpr {
    pub fn expr(&self) -> Option<Expr> {
        child(&self.syntax)
    }
}

impl CallExpr {
    pub fn callee(&self) -> Option<Expr> {
        child(&self.syntax)
    }
    pub fn args(&self) -> impl Iterator<Item = Expr> + use<> {
        child::<ArgList>(&self.syntax).into_iter().flat_map(|l| children::<Expr>(&l.syntax))
    }
}

impl FieldExpr {
    pub fn receiver(&self) -> Option<Expr> {
        child(&self.syntax)
    }
    pub fn name_ref(&self) -> Option<NameRef> {
        child(&self.syntax)
    }
    /// The type arguments of a called member: `json.decode<Order>(text)`.
    pub fn generic_args(&self) -> Option<GenericArgList> {
        child(&self.syntax)
    }
}

impl IndexExpr {
    pub fn base(&self) -> Option<Expr> {
        nth_child(&self.syntax, 0)
    }
    pub fn index(&self) -> Option<Expr> {
        nth_child(&self.syntax, 1)
    }
}

impl CastExpr {
    pub fn expr(&self) -> Option<Expr> {
        child(&self.syntax)
    }
    pub fn ty(&self) -> Option<Type> {
        child(&self.syntax)
    }
}

/// What follows `else`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ElseBranch {
    Block(Block),
    If(IfExpr),
}

impl IfExpr {
    pub fn condition(&self) -> Option<Expr> {
        child(&self.syntax)
    }
    pub fn then_branch(&self) -> Option<Block> {
        child(&self.syntax)
    }
    pub fn else_branch(&self) -> Option<ElseBranch> {
        self.syntax.children().skip_while(|n| n.kind() != BLOCK).skip(1).find_map(|n| match n.kind() {
            BLOCK => Block::cast(n).map(ElseBranch::Block),
            IF_EXPR => IfExpr::cast(n).map(ElseBranch::If),
            _ => None,
        })
    }
}

impl MatchExpr {
    pub fn scrutinee(&self) -> Option<Expr> {
        child(&self.syntax)
    }
    pub fn arms(&self) -> impl Iterator<Item = MatchArm> + use<> {
        child::<MatchArmList>(&self.syntax).into_iter().flat_map(|l| children::<MatchArm>(&l.syntax))
    }
}

impl MatchArm {
    pub fn pattern(&self) -> Option<Pattern> {
        child(&self.syntax)
    }
    pub fn expr(&self) -> Option<Expr> {
        child(&self.syntax)
    }
}

impl BlockExpr {
    pub fn block(&self) -> Option<Block> {
        child(&self.syntax)
    }
}

impl ClosureExpr {
    pub fn param_list(&self) -> Option<ParamList> {
        child(&self.syntax)
    }
    pub fn body(&self) -> Option<Expr> {
        child(&self.syntax)
    }
}

impl CatchExpr {
    /// The expression whose errors are handled.
    pub fn expr(&self) -> Option<Expr> {
        child(&self.syntax)
    }
    pub fn clauses(&self) -> impl Iterator<Item = CatchClause> + use<> {
        children(&self.syntax)
    }
}

impl CatchClause {
    /// The error type of a typed handler (`catch e: NotFound { ... }`).
    pub fn error_type(&self) -> Option<Type> {
        child(&self.syntax)
    }
    /// The handler block, for `catch e { ... }` and typed handlers.
    pub fn block(&self) -> Option<Block> {
        child(&self.syntax)
    }
    /// The value of the shorthand `catch value`.
    pub fn default_value(&self) -> Option<Expr> {
        child(&self.syntax)
    }
}

impl SpawnExpr {
    pub fn expr(&self) -> Option<Expr> {
        child(&self.syntax)
    }
}

impl ReturnExpr {
    pub fn expr(&self) -> Option<Expr> {
        child(&self.syntax)
    }
}

impl RaiseExpr {
    pub fn expr(&self) -> Option<Expr> {
        child(&self.syntax)
    }
}

impl IdentPat {
    pub fn is_mut(&self) -> bool {
        token(&self.syntax, MUT_KW).is_some()
    }
}

impl LiteralPat {
    pub fn literal(&self) -> Option<Expr> {
        child(&self.syntax)
    }
    pub fn is_negative(&self) -> bool {
        token(&self.syntax, MINUS).is_some()
    }
}

impl TuplePat {
    pub fn elements(&self) -> impl Iterator<Item = Pattern> + use<> {
        children(&self.syntax)
    }
}

impl VariantPat {
    pub fn path(&self) -> Option<Path> {
        child(&self.syntax)
    }
    pub fn fields(&self) -> impl Iterator<Item = RecordPatField> + use<> {
        child::<RecordPatFieldList>(&self.syntax).into_iter().flat_map(|l| children::<RecordPatField>(&l.syntax))
    }
}

impl RecordPatField {
    pub fn name_ref(&self) -> Option<NameRef> {
        child(&self.syntax)
    }
    /// The pattern bound to the field; `None` for the shorthand `{ reason }`.
    pub fn pattern(&self) -> Option<Pattern> {
        child(&self.syntax)
    }
}
