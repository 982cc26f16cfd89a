//! Semantic highlighting: what each name in a file is — deployment units, the `pub fn`s of
//! units (their remote interface), errors, injected dependencies, mutable locals — so an
//! editor can show what the grammar alone cannot. The facts come from `hir`'s
//! `Semantics::names_in`; the language server encodes them.

use pluto_db::{Db, Program, SourceFile};

pub use pluto_hir::{NameKind as TokenKind, NamedSpan as SemanticToken};

/// The highlighted names of `file`, in order and not overlapping.
pub fn semantic_tokens(db: &dyn Db, program: Program, file: SourceFile) -> Vec<SemanticToken> {
    pluto_hir::Semantics::new(db, program).names_in(file)
}
