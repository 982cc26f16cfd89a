//! Semantic analysis of Pluto programs, as salsa queries over `pluto_db`: the item tree
//! (signatures without bodies), module-level name resolution and stages (`def_map`),
//! written types to semantic ones (`lower`), function bodies as arenas with their source
//! maps and scopes (`body`), per-function type inference over them (`infer`),
//! error-set inference over the call graph (`errors`), and the checks of dependency
//! injection and stages (`checks`). `diagnostics` gathers everything for a program.

mod backend;
pub(crate) mod body;
pub(crate) mod builtins;
pub(crate) mod checks;
pub(crate) mod def_map;
pub(crate) mod diag;
pub(crate) mod diagnostics;
pub(crate) mod errors;
pub(crate) mod infer;
pub(crate) mod interface;
pub(crate) mod item_tree;
pub(crate) mod lower;
pub(crate) mod semantics;
mod source_to_def;
pub(crate) mod stages;
pub(crate) mod ty;

/// The rowan language, for syntax pointers.
pub type PlutoLang = pluto_syntax::PlutoLanguage;

pub use diagnostics::program_diagnostics;
pub use semantics::{NameKind, NamedSpan, Semantics};

// The vocabulary of the interface: the handles and semantic values other crates name.
pub use body::{
    AssignOp, BinaryOp, Binding, BindingId, Body, BodyOwner, BodySourceMap, BodyWithSourceMap, CatchHandler, Expr,
    ExprId, FieldInit, Literal, MatchArm, Name, NameSite, Param, Pat, PatId, RecordPatField, Statement, StringPart,
};
pub use def_map::{Def, DefMap, ItemLoc};
pub use diag::Loc;
pub use infer::{CallSite, Callee, Capture, Handling, InferResult, Resolutions, Target};
pub use interface::{RemoteError, RemoteFn, UnitInterface};
pub use item_tree::{AstId, ItemKind};
pub use lower::{AdtData, FieldTy, FnLoc, Signature};
pub use ty::{Ty, qualified_name};

pub use builtins::{method as builtin_method, method_names as builtin_method_names};
pub use def_map::snake_case as template_keyword;
pub use interface::{TRANSPORT_ERRORS, error_tag, pascal_case};
pub use item_tree::unstrip;
pub use source_to_def::{Symbol, SymbolKind, document_symbols};
pub use stages::{UnitCall, UnitEdge};

/// The queries behind the interface, one by one, for this crate's benchmarks (which time
/// each step of a re-check); other crates use the interface above.
#[doc(hidden)]
pub mod queries {
    pub use crate::def_map::def_map;
    pub use crate::diagnostics::file_semantic_diagnostics;
    pub use crate::errors::file_error_summaries;
    pub use crate::item_tree::{ast_id_map, item_tree, strip_trivia};
    pub use crate::lower::all_functions;
}
