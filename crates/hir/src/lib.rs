//! Semantic analysis of Pluto programs, as salsa queries over `pluto_db`: the item tree
//! (signatures without bodies), module-level name resolution and stages (`def_map`),
//! written types to semantic ones (`lower`), per-function type inference (`infer`),
//! error-set inference over the call graph (`errors`), and the checks of dependency
//! injection and stages (`checks`). `diagnostics` gathers everything for a program.

pub mod builtins;
pub mod checks;
pub mod def_map;
pub mod diag;
pub mod diagnostics;
pub mod errors;
pub mod infer;
pub mod interface;
pub mod item_tree;
pub mod lower;
pub mod semantics;
mod source_to_def;
pub mod stages;
pub mod ty;

/// The rowan language, for syntax pointers.
pub type PlutoLang = pluto_syntax::PlutoLanguage;

pub use diagnostics::program_diagnostics;
pub use semantics::{NameKind, NamedSpan, Semantics};

// The vocabulary of the interface: the handles and semantic values other crates name.
pub use def_map::{Def, DefMap, ItemLoc};
pub use diag::Loc;
pub use infer::{CallSite, Callee, Handling, InferResult, Target};
pub use interface::{RemoteError, RemoteFn, UnitInterface};
pub use item_tree::ItemKind;
pub use lower::{AdtData, FieldTy, FnLoc, Signature};
pub use ty::{Ty, qualified_name};

pub use builtins::{method as builtin_method, method_names as builtin_method_names};
pub use def_map::snake_case as template_keyword;
pub use interface::TRANSPORT_ERRORS;
pub use source_to_def::{Symbol, SymbolKind, document_symbols};
pub use stages::UnitCall;
