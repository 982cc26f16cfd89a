//! Typed AST: one small struct per node kind wrapping a `SyntaxNode`, with accessors
//! that return `Option` (a tree with errors may miss any piece), and enums over the
//! families of nodes (`Item`, `Type`, `Stmt`, `Expr`, `Pattern`).

use crate::{SyntaxKind, SyntaxKind::*, SyntaxNode, SyntaxToken};

pub trait AstNode: Sized {
    fn can_cast(kind: SyntaxKind) -> bool;
    fn cast(node: SyntaxNode) -> Option<Self>;
    fn syntax(&self) -> &SyntaxNode;
}

/// The children of `parent` that cast to `N`.
pub fn children<N: AstNode>(parent: &SyntaxNode) -> impl Iterator<Item = N> + use<N> {
    parent.children().filter_map(N::cast)
}

fn child<N: AstNode>(parent: &SyntaxNode) -> Option<N> {
    parent.children().find_map(N::cast)
}

fn nth_child<N: AstNode>(parent: &SyntaxNode, n: usize) -> Option<N> {
    parent.children().filter_map(N::cast).nth(n)
}

fn token(parent: &SyntaxNode, kind: SyntaxKind) -> Option<SyntaxToken> {
    parent.children_with_tokens().filter_map(|e| e.into_token()).find(|t| t.kind() == kind)
}

macro_rules! ast_nodes {
    ($($(#[$doc:meta])* $name:ident => $kind:ident,)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub struct $name {
            pub(crate) syntax: SyntaxNode,
        }
        impl AstNode for $name {
            fn can_cast(kind: SyntaxKind) -> bool {
                kind == $kind
            }
            fn cast(syntax: SyntaxNode) -> Option<Self> {
                Self::can_cast(syntax.kind()).then(|| $name { syntax })
            }
            fn syntax(&self) -> &SyntaxNode {
                &self.syntax
            }
        }
    )*};
}

macro_rules! ast_enum {
    ($(#[$doc:meta])* $name:ident { $($variant:ident),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $($variant($variant),)*
        }
        impl AstNode for $name {
            fn can_cast(kind: SyntaxKind) -> bool {
                false $(|| $variant::can_cast(kind))*
            }
            fn cast(syntax: SyntaxNode) -> Option<Self> {
                $(if $variant::can_cast(syntax.kind()) {
                    return Some($name::$variant($variant { syntax }));
                })*
                None
            }
            fn syntax(&self) -> &SyntaxNode {
                match self {
                    $($name::$variant(it) => &it.syntax,)*
                }
            }
        }
    };
}

ast_nodes! {
    SourceFile => SOURCE_FILE,
    Import => IMPORT,
    Fn => FN,
    Class => CLASS,
    Enum => ENUM,
    Trait => TRAIT,
    /// `error Name { fields }`.
    ErrorDecl => ERROR_DECL,
    /// `stage name[deps] : Parent { ... }`: a template or a deployment unit.
    Stage => STAGE,
    /// `template_name Name[deps] { ... }`, such as `daemon Worker { ... }`.
    Instance => INSTANCE,
    Name => NAME,
    NameRef => NAME_REF,
    Path => PATH,
    ParamList => PARAM_LIST,
    Param => PARAM,
    SelfParam => SELF_PARAM,
    RetType => RET_TYPE,
    GenericParamList => GENERIC_PARAM_LIST,
    GenericParam => GENERIC_PARAM,
    GenericArgList => GENERIC_ARG_LIST,
    DepList => DEP_LIST,
    Dep => DEP,
    ImplClause => IMPL_CLAUSE,
    ParentClause => PARENT_CLAUSE,
    MemberList => MEMBER_LIST,
    Field => FIELD,
    FieldList => FIELD_LIST,
    VariantList => VARIANT_LIST,
    Variant => VARIANT,
    PathType => PATH_TYPE,
    ArrayType => ARRAY_TYPE,
    NullableType => NULLABLE_TYPE,
    FnType => FN_TYPE,
    TupleType => TUPLE_TYPE,
    TypeList => TYPE_LIST,
    Block => BLOCK,
    LetStmt => LET_STMT,
    ExprStmt => EXPR_STMT,
    AssignStmt => ASSIGN_STMT,
    WhileStmt => WHILE_STMT,
    ForStmt => FOR_STMT,
    Literal => LITERAL,
    StringLit => STRING_LIT,
    Interpolation => INTERPOLATION,
    PathExpr => PATH_EXPR,
    ParenExpr => PAREN_EXPR,
    TupleExpr => TUPLE_EXPR,
    ArrayLit => ARRAY_LIT,
    StructLit => STRUCT_LIT,
    FieldInit => FIELD_INIT,
    MapLit => MAP_LIT,
    MapEntry => MAP_ENTRY,
    SetLit => SET_LIT,
    BinaryExpr => BINARY_EXPR,
    RangeExpr => RANGE_EXPR,
    PrefixExpr => PREFIX_EXPR,
    /// `expr!`: propagate the errors of `expr` to the caller.
    PropagateExpr => PROPAGATE_EXPR,
    /// `expr?`: the value of nullable `expr`, or `none` returned from the enclosing
    /// function when it is `none`.
    TryExpr => TRY_EXPR,
    CallExpr => CALL_EXPR,
    ArgList => ARG_LIST,
    FieldExpr => FIELD_EXPR,
    IndexExpr => INDEX_EXPR,
    CastExpr => CAST_EXPR,
    IfExpr => IF_EXPR,
    MatchExpr => MATCH_EXPR,
    MatchArmList => MATCH_ARM_LIST,
    MatchArm => MATCH_ARM,
    BlockExpr => BLOCK_EXPR,
    ClosureExpr => CLOSURE_EXPR,
    CatchExpr => CATCH_EXPR,
    CatchClause => CATCH_CLAUSE,
    SpawnExpr => SPAWN_EXPR,
    ReturnExpr => RETURN_EXPR,
    BreakExpr => BREAK_EXPR,
    ContinueExpr => CONTINUE_EXPR,
    RaiseExpr => RAISE_EXPR,
    IdentPat => IDENT_PAT,
    WildcardPat => WILDCARD_PAT,
    LiteralPat => LITERAL_PAT,
    TuplePat => TUPLE_PAT,
    VariantPat => VARIANT_PAT,
    RecordPatFieldList => RECORD_PAT_FIELD_LIST,
    RecordPatField => RECORD_PAT_FIELD,
}

ast_enum! {
    /// A declaration at the top of a file or inside a member list.
    Item { Import, Fn, Class, Enum, Trait, ErrorDecl, Stage, Instance }
}
ast_enum! {
    Type { PathType, ArrayType, NullableType, FnType, TupleType }
}
ast_enum! {
    Stmt { LetStmt, ExprStmt, AssignStmt, WhileStmt, ForStmt }
}
ast_enum! {
    Expr {
        Literal, StringLit, PathExpr, ParenExpr, TupleExpr, ArrayLit, StructLit, MapLit, SetLit,
        BinaryExpr, RangeExpr, PrefixExpr, PropagateExpr, TryExpr, CallExpr, FieldExpr, IndexExpr, CastExpr,
        IfExpr, MatchExpr, BlockExpr, ClosureExpr, CatchExpr, SpawnExpr, ReturnExpr, BreakExpr,
        ContinueExpr, RaiseExpr,
    }
}
ast_enum! {
    Pattern { IdentPat, WildcardPat, LiteralPat, TuplePat, VariantPat }
}

/// Nodes that declare something with a name.
pub trait HasName: AstNode {
    fn name(&self) -> Option<Name> {
        child(self.syntax())
    }
}

impl HasName for Fn {}
impl HasName for Class {}
impl HasName for Enum {}
impl HasName for Trait {}
impl HasName for ErrorDecl {}
impl HasName for Stage {}
impl HasName for Instance {}
impl HasName for Param {}
impl HasName for GenericParam {}
impl HasName for Dep {}
impl HasName for Field {}
impl HasName for Variant {}
impl HasName for IdentPat {}
impl HasName for CatchClause {}

/// Nodes with generic parameters, bracket deps or a member list.
pub trait HasGenerics: AstNode {
    fn generic_params(&self) -> Option<GenericParamList> {
        child(self.syntax())
    }
}
impl HasGenerics for Fn {}
impl HasGenerics for Class {}
impl HasGenerics for Enum {}
impl HasGenerics for Trait {}
impl HasGenerics for Stage {}

pub trait HasDeps: AstNode {
    fn dep_list(&self) -> Option<DepList> {
        child(self.syntax())
    }
}
impl HasDeps for Class {}
impl HasDeps for Stage {}
impl HasDeps for Instance {}

pub trait HasMembers: AstNode {
    fn member_list(&self) -> Option<MemberList> {
        child(self.syntax())
    }
}
impl HasMembers for Class {}
impl HasMembers for Trait {}
impl HasMembers for Stage {}
impl HasMembers for Instance {}

impl SourceFile {
    pub fn items(&self) -> impl Iterator<Item = Item> + use<> {
        children(&self.syntax)
    }
    pub fn imports(&self) -> impl Iterator<Item = Import> + use<> {
        children(&self.syntax)
    }
}

impl Import {
    pub fn path(&self) -> Option<Path> {
        child(&self.syntax)
    }
}

impl Name {
    pub fn text(&self) -> String {
        self.ident().map_or_else(String::new, |t| t.text().to_string())
    }
    pub fn ident(&self) -> Option<SyntaxToken> {
        self.syntax.first_token()
    }
}

impl NameRef {
    pub fn text(&self) -> String {
        self.token().map_or_else(String::new, |t| t.text().to_string())
    }
    pub fn token(&self) -> Option<SyntaxToken> {
        self.syntax.first_token()
    }
    pub fn is_self(&self) -> bool {
        self.token().is_some_and(|t| t.kind() == SELF_KW)
    }
}

impl Path {
    pub fn segments(&self) -> impl Iterator<Item = NameRef> + use<> {
        children(&self.syntax)
    }
    /// The segments joined with dots, as written (`std.http.HttpServer`).
    pub fn text(&self) -> String {
        self.segments().map(|s| s.text()).collect::<Vec<_>>().join(".")
    }
}

impl Fn {
    pub fn param_list(&self) -> Option<ParamList> {
        child(&self.syntax)
    }
    pub fn ret_type(&self) -> Option<Type> {
        child::<RetType>(&self.syntax).and_then(|r| r.ty())
    }
    pub fn body(&self) -> Option<Block> {
        child(&self.syntax)
    }
    pub fn is_pub(&self) -> bool {
        token(&self.syntax, PUB_KW).is_some()
    }
    pub fn is_requires(&self) -> bool {
        token(&self.syntax, REQUIRES_KW).is_some()
    }
    pub fn is_override(&self) -> bool {
        token(&self.syntax, OVERRIDE_KW).is_some()
    }
}

impl ParamList {
    pub fn self_param(&self) -> Option<SelfParam> {
        child(&self.syntax)
    }
    pub fn params(&self) -> impl Iterator<Item = Param> + use<> {
        children(&self.syntax)
    }
}

impl Param {
    pub fn ty(&self) -> Option<Type> {
        child(&self.syntax)
    }
    pub fn is_mut(&self) -> bool {
        token(&self.syntax, MUT_KW).is_some()
    }
}

impl SelfParam {
    pub fn is_mut(&self) -> bool {
        token(&self.syntax, MUT_KW).is_some()
    }
}

impl RetType {
    pub fn ty(&self) -> Option<Type> {
        child(&self.syntax)
    }
}

impl GenericParamList {
    pub fn params(&self) -> impl Iterator<Item = GenericParam> + use<> {
        children(&self.syntax)
    }
}

impl GenericParam {
    pub fn bound(&self) -> Option<Type> {
        child(&self.syntax)
    }
}

impl GenericArgList {
    pub fn types(&self) -> impl Iterator<Item = Type> + use<> {
        children(&self.syntax)
    }
}

impl DepList {
    pub fn deps(&self) -> impl Iterator<Item = Dep> + use<> {
        children(&self.syntax)
    }
}

impl Dep {
    pub fn ty(&self) -> Option<Type> {
        child(&self.syntax)
    }
}

impl Class {
    pub fn impl_clause(&self) -> Option<ImplClause> {
        child(&self.syntax)
    }
}

impl ImplClause {
    pub fn traits(&self) -> impl Iterator<Item = Type> + use<> {
        children(&self.syntax)
    }
}

impl Stage {
    /// The parent template named after `:`.
    pub fn parent(&self) -> Option<Type> {
        child::<ParentClause>(&self.syntax).and_then(|p| child(&p.syntax))
    }
}

impl Instance {
    /// The template keyword, in snake_case (`daemon`, `http_server`).
    pub fn template(&self) -> Option<NameRef> {
        child(&self.syntax)
    }
}

impl MemberList {
    pub fn fields(&self) -> impl Iterator<Item = Field> + use<> {
        children(&self.syntax)
    }
    pub fn fns(&self) -> impl Iterator<Item = Fn> + use<> {
        children(&self.syntax)
    }
    pub fn items(&self) -> impl Iterator<Item = Item> + use<> {
        children(&self.syntax)
    }
}

impl Field {
    pub fn ty(&self) -> Option<Type> {
        child(&self.syntax)
    }
    pub fn default_value(&self) -> Option<Expr> {
        child(&self.syntax)
    }
}

impl FieldList {
    pub fn fields(&self) -> impl Iterator<Item = Field> + use<> {
        children(&self.syntax)
    }
}

impl ErrorDecl {
    pub fn field_list(&self) -> Option<FieldList> {
        child(&self.syntax)
    }
}

impl Enum {
    pub fn variants(&self) -> impl Iterator<Item = Variant> + use<> {
        child::<VariantList>(&self.syntax).into_iter().flat_map(|l| children::<Variant>(&l.syntax))
    }
}

impl Variant {
    pub fn field_list(&self) -> Option<FieldList> {
        child(&self.syntax)
    }
}

impl PathType {
    pub fn path(&self) -> Option<Path> {
        child(&self.syntax)
    }
    /// The type arguments after the path, or inside it (`Maybe<int>.Just { ... }`).
    pub fn generic_args(&self) -> Option<GenericArgList> {
        child(&self.syntax).or_else(|| self.path().and_then(|p| child(&p.syntax)))
    }
}

impl ArrayType {
    pub fn element(&self) -> Option<Type> {
        child(&self.syntax)
    }
}

impl NullableType {
    pub fn inner(&self) -> Option<Type> {
        child(&self.syntax)
    }
}

impl FnType {
    pub fn params(&self) -> impl Iterator<Item = Type> + use<> {
        child::<TypeList>(&self.syntax).into_iter().flat_map(|l| children::<Type>(&l.syntax))
    }
    pub fn ret_type(&self) -> Option<Type> {
        child::<RetType>(&self.syntax).and_then(|r| r.ty())
    }
}

impl TupleType {
    pub fn elements(&self) -> impl Iterator<Item = Type> + use<> {
        child::<TypeList>(&self.syntax).into_iter().flat_map(|l| children::<Type>(&l.syntax))
    }
}

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
