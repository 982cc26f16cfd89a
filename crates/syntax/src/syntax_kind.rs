//! `SyntaxKind`: every token and node kind of the Pluto syntax tree, and the rowan
//! `Language` that ties them to rowan's untyped trees.

/// A token or node kind. Tokens come first, then nodes; `__LAST` bounds the range.
#[allow(non_camel_case_types, clippy::upper_case_acronyms)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u16)]
pub enum SyntaxKind {
    // Trivia and special tokens.
    WHITESPACE = 0,
    COMMENT,
    ERROR_TOKEN,
    EOF,

    // Literal and name tokens.
    IDENT,
    INT_NUMBER,
    FLOAT_NUMBER,
    /// `"` or `f"` opening a string literal.
    STRING_START,
    /// Literal text inside a string, escapes and `{{`/`}}` included.
    STRING_TEXT,
    /// `{` opening an interpolation inside a string.
    INTERP_START,
    /// `}` closing an interpolation inside a string.
    INTERP_END,
    /// `"` closing a string literal.
    STRING_END,

    // Punctuation.
    L_PAREN,
    R_PAREN,
    L_BRACE,
    R_BRACE,
    L_BRACK,
    R_BRACK,
    COMMA,
    DOT,
    DOT2,
    DOT2EQ,
    COLON,
    SEMICOLON,
    QUESTION,
    UNDERSCORE,
    EQ,
    EQ2,
    NEQ,
    LT,
    LTEQ,
    GT,
    GTEQ,
    SHL,
    SHR,
    PLUS,
    MINUS,
    STAR,
    SLASH,
    PERCENT,
    BANG,
    AMP,
    AMP2,
    PIPE,
    PIPE2,
    CARET,
    FAT_ARROW,
    PLUS_EQ,
    MINUS_EQ,
    STAR_EQ,
    SLASH_EQ,
    PERCENT_EQ,

    // Keywords.
    AS_KW,
    BREAK_KW,
    CATCH_KW,
    CLASS_KW,
    CONTINUE_KW,
    ELSE_KW,
    ENUM_KW,
    ERROR_KW,
    FALSE_KW,
    FN_KW,
    FOR_KW,
    IF_KW,
    IMPL_KW,
    IMPORT_KW,
    IN_KW,
    LET_KW,
    MATCH_KW,
    MUT_KW,
    NONE_KW,
    OVERRIDE_KW,
    PUB_KW,
    RAISE_KW,
    REQUIRES_KW,
    RETURN_KW,
    SELF_KW,
    SPAWN_KW,
    STAGE_KW,
    TRAIT_KW,
    TRUE_KW,
    WHILE_KW,

    // Nodes: the file and items.
    SOURCE_FILE,
    ERROR,
    IMPORT,
    FN,
    CLASS,
    ENUM,
    TRAIT,
    ERROR_DECL,
    STAGE,
    INSTANCE,
    NAME,
    NAME_REF,
    PATH,
    PARAM_LIST,
    PARAM,
    SELF_PARAM,
    RET_TYPE,
    GENERIC_PARAM_LIST,
    GENERIC_PARAM,
    GENERIC_ARG_LIST,
    DEP_LIST,
    DEP,
    IMPL_CLAUSE,
    PARENT_CLAUSE,
    MEMBER_LIST,
    FIELD,
    FIELD_LIST,
    VARIANT_LIST,
    VARIANT,

    // Nodes: types.
    PATH_TYPE,
    ARRAY_TYPE,
    NULLABLE_TYPE,
    FN_TYPE,
    TUPLE_TYPE,
    TYPE_LIST,

    // Nodes: statements.
    BLOCK,
    LET_STMT,
    EXPR_STMT,
    ASSIGN_STMT,
    WHILE_STMT,
    FOR_STMT,

    // Nodes: expressions.
    LITERAL,
    STRING_LIT,
    INTERPOLATION,
    PATH_EXPR,
    PAREN_EXPR,
    TUPLE_EXPR,
    ARRAY_LIT,
    STRUCT_LIT,
    FIELD_INIT,
    MAP_LIT,
    MAP_ENTRY,
    SET_LIT,
    BINARY_EXPR,
    RANGE_EXPR,
    PREFIX_EXPR,
    PROPAGATE_EXPR,
    TRY_EXPR,
    CALL_EXPR,
    ARG_LIST,
    FIELD_EXPR,
    INDEX_EXPR,
    CAST_EXPR,
    IF_EXPR,
    MATCH_EXPR,
    MATCH_ARM_LIST,
    MATCH_ARM,
    BLOCK_EXPR,
    CLOSURE_EXPR,
    CATCH_EXPR,
    CATCH_CLAUSE,
    SPAWN_EXPR,
    RETURN_EXPR,
    BREAK_EXPR,
    CONTINUE_EXPR,
    RAISE_EXPR,

    // Nodes: patterns.
    IDENT_PAT,
    WILDCARD_PAT,
    LITERAL_PAT,
    TUPLE_PAT,
    VARIANT_PAT,
    RECORD_PAT_FIELD_LIST,
    RECORD_PAT_FIELD,

    #[doc(hidden)]
    __LAST,
}

use SyntaxKind::*;

impl SyntaxKind {
    pub fn is_trivia(self) -> bool {
        matches!(self, WHITESPACE | COMMENT)
    }

    pub fn is_keyword(self) -> bool {
        (AS_KW as u16..=WHILE_KW as u16).contains(&(self as u16))
    }

    /// The keyword spelled `text`, if any.
    pub fn from_keyword(text: &str) -> Option<SyntaxKind> {
        Some(match text {
            "as" => AS_KW,
            "break" => BREAK_KW,
            "catch" => CATCH_KW,
            "class" => CLASS_KW,
            "continue" => CONTINUE_KW,
            "else" => ELSE_KW,
            "enum" => ENUM_KW,
            "error" => ERROR_KW,
            "false" => FALSE_KW,
            "fn" => FN_KW,
            "for" => FOR_KW,
            "if" => IF_KW,
            "impl" => IMPL_KW,
            "import" => IMPORT_KW,
            "in" => IN_KW,
            "let" => LET_KW,
            "match" => MATCH_KW,
            "mut" => MUT_KW,
            "none" => NONE_KW,
            "override" => OVERRIDE_KW,
            "pub" => PUB_KW,
            "raise" => RAISE_KW,
            "requires" => REQUIRES_KW,
            "return" => RETURN_KW,
            "self" => SELF_KW,
            "spawn" => SPAWN_KW,
            "stage" => STAGE_KW,
            "trait" => TRAIT_KW,
            "true" => TRUE_KW,
            "while" => WHILE_KW,
            _ => return None,
        })
    }

    /// How the kind reads in an "expected X" message.
    pub fn describe(self) -> &'static str {
        match self {
            IDENT => "a name",
            INT_NUMBER | FLOAT_NUMBER => "a number",
            STRING_START => "a string",
            STRING_END => "`\"`",
            INTERP_END => "`}`",
            L_PAREN => "`(`",
            R_PAREN => "`)`",
            L_BRACE => "`{`",
            R_BRACE => "`}`",
            L_BRACK => "`[`",
            R_BRACK => "`]`",
            COMMA => "`,`",
            DOT => "`.`",
            COLON => "`:`",
            EQ => "`=`",
            GT => "`>`",
            LT => "`<`",
            FAT_ARROW => "`=>`",
            IN_KW => "`in`",
            FN_KW => "`fn`",
            EOF => "end of file",
            _ => "a token",
        }
    }
}

impl From<SyntaxKind> for rowan::SyntaxKind {
    fn from(kind: SyntaxKind) -> Self {
        rowan::SyntaxKind(kind as u16)
    }
}

/// The rowan language of Pluto trees.
#[derive(Debug, Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PlutoLanguage {}

impl rowan::Language for PlutoLanguage {
    type Kind = SyntaxKind;

    fn kind_from_raw(raw: rowan::SyntaxKind) -> SyntaxKind {
        assert!(raw.0 < __LAST as u16, "invalid syntax kind {}", raw.0);
        // SAFETY: `SyntaxKind` is `repr(u16)` and `raw.0` is below `__LAST`.
        unsafe { std::mem::transmute::<u16, SyntaxKind>(raw.0) }
    }

    fn kind_to_raw(kind: SyntaxKind) -> rowan::SyntaxKind {
        kind.into()
    }
}

pub type SyntaxNode = rowan::SyntaxNode<PlutoLanguage>;
pub type SyntaxToken = rowan::SyntaxToken<PlutoLanguage>;
pub type SyntaxElement = rowan::SyntaxElement<PlutoLanguage>;
