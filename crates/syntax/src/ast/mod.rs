//! Typed AST: one small struct per node kind wrapping a `SyntaxNode`, with accessors
//! that return `Option` (a tree with errors may miss any piece), and enums over the
//! families of nodes (`Item`, `Type`, `Stmt`, `Expr`, `Pattern`). The node types and the
//! traits are declared here; their accessors are in `items` (declarations, types) and
//! `body` (blocks, statements, expressions, patterns).

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

mod body;
mod items;

pub use body::{ElseBranch, StringPart, int_literal_value};
