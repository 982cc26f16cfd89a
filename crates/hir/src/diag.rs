//! Semantic diagnostics, located relative to a declaration so that they stay equal when
//! unrelated text moves; `to_db` makes them absolute at the very end.

use pluto_db::{Db, Diagnostic, Label, Severity, SourceFile};
use pluto_syntax::TextRange;

use pluto_db::modules::parse;

use crate::item_tree::{AstId, ast_id_map, unstrip};

/// A place in a program: a range relative to the start of declaration `ast` of `file`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Loc {
    pub file: SourceFile,
    pub ast: AstId,
    pub range: TextRange,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SemDiag {
    pub severity: Severity,
    pub code: &'static str,
    pub message: String,
    pub loc: Loc,
    pub label: String,
    pub labels: Vec<(Loc, String)>,
    pub hint: Option<String>,
}

impl SemDiag {
    pub fn error(code: &'static str, loc: Loc, message: impl Into<String>) -> SemDiag {
        SemDiag {
            severity: Severity::Error,
            code,
            message: message.into(),
            loc,
            label: String::new(),
            labels: Vec::new(),
            hint: None,
        }
    }

    pub fn warning(code: &'static str, loc: Loc, message: impl Into<String>) -> SemDiag {
        SemDiag { severity: Severity::Warning, ..SemDiag::error(code, loc, message) }
    }

    pub fn label(mut self, label: impl Into<String>) -> SemDiag {
        self.label = label.into();
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> SemDiag {
        self.hint = Some(hint.into());
        self
    }

    pub fn with(mut self, loc: Loc, message: impl Into<String>) -> SemDiag {
        self.labels.push((loc, message.into()));
        self
    }

    /// The diagnostic with absolute ranges in the current revision.
    pub fn to_db(&self, db: &dyn Db) -> Diagnostic {
        Diagnostic {
            severity: self.severity,
            code: self.code,
            message: self.message.clone(),
            file: self.loc.file,
            range: self.loc.absolute(db),
            primary_label: self.label.clone(),
            labels: self
                .labels
                .iter()
                .map(|(loc, message)| Label { file: loc.file, range: loc.absolute(db), message: message.clone() })
                .collect(),
            hint: self.hint.clone(),
        }
    }
}

impl Loc {
    /// The range in the file's current text.
    pub fn absolute(&self, db: &dyn Db) -> TextRange {
        let map = ast_id_map(db, self.file);
        if self.ast.0 as usize >= map.len() {
            return TextRange::default();
        }
        let node = map.node(&parse(db, self.file).syntax(), self.ast);
        let start = unstrip(&node, self.range.start(), false);
        let end = unstrip(&node, self.range.end(), true).max(start);
        TextRange::new(start, end)
    }
}

/// Diagnostic codes of semantic analysis, documented in `docs/diagnostics.md`.
pub mod codes {
    // Names and modules.
    pub const DUPLICATE_DEFINITION: &str = "E0101";
    pub const UNRESOLVED_NAME: &str = "E0102";
    pub const PRIVATE_ITEM: &str = "E0103";
    pub const UNKNOWN_TYPE: &str = "E0104";
    pub const NOT_A_VALUE: &str = "E0105";
    pub const AMBIGUOUS_NAME: &str = "E0106";
    pub const WRONG_TYPE_ARGS: &str = "E0107";
    // Types.
    pub const TYPE_MISMATCH: &str = "E0201";
    pub const UNKNOWN_FIELD: &str = "E0202";
    pub const UNKNOWN_METHOD: &str = "E0203";
    pub const WRONG_ARG_COUNT: &str = "E0204";
    pub const NOT_CALLABLE: &str = "E0205";
    pub const MISSING_FIELD: &str = "E0206";
    pub const BAD_OPERANDS: &str = "E0207";
    pub const IMMUTABLE: &str = "E0208";
    pub const MISSING_RETURN: &str = "E0209";
    pub const NON_EXHAUSTIVE: &str = "E0210";
    pub const NOT_ITERABLE: &str = "E0211";
    pub const CANNOT_INFER: &str = "E0212";
    pub const BAD_CAST: &str = "E0213";
    pub const MISPLACED: &str = "E0214";
    pub const TRAIT_NOT_IMPLEMENTED: &str = "E0215";
    pub const NOT_INDEXABLE: &str = "E0216";
    pub const SELF_OUTSIDE_METHOD: &str = "E0217";
    pub const MAIN_SIGNATURE: &str = "E0218";
    pub const INT_OUT_OF_RANGE: &str = "E0219";
    pub const NONE_PROPAGATION: &str = "E0220";
    // Errors.
    pub const UNHANDLED_ERROR: &str = "E0301";
    pub const NOTHING_TO_PROPAGATE: &str = "E0302";
    pub const NOTHING_TO_CATCH: &str = "E0303";
    pub const INCOMPLETE_CATCH: &str = "E0304";
    pub const NOT_AN_ERROR: &str = "E0305";
    pub const UNREACHABLE_HANDLER: &str = "E0306";
    // Dependency injection.
    pub const DI_CYCLE: &str = "E0401";
    pub const DI_NOT_INJECTABLE: &str = "E0402";
    pub const DI_LITERAL_OF_INJECTED: &str = "E0403";
    pub const DI_FIELD_WITHOUT_DEFAULT: &str = "E0404";
    // Stages.
    pub const STAGE_FIELD: &str = "E0501";
    pub const STAGE_PARENT: &str = "E0502";
    pub const STAGE_INHERITANCE_CYCLE: &str = "E0503";
    pub const MISSING_OVERRIDE: &str = "E0504";
    pub const NOTHING_TO_OVERRIDE: &str = "E0505";
    pub const MISSING_REQUIRED: &str = "E0506";
    pub const SIGNATURE_MISMATCH: &str = "E0507";
    pub const DEP_CONFLICT: &str = "E0508";
    pub const UNKNOWN_TEMPLATE: &str = "E0509";
    pub const MISPLACED_MODIFIER: &str = "E0511";
    // Cross-stage calls.
    pub const PRIVATE_REMOTE: &str = "E0601";
    pub const NOT_WIRE_TYPE: &str = "E0602";
    // Warnings.
    pub const UNUSED_VARIABLE: &str = "W0001";
    pub const UNREACHABLE_CODE: &str = "W0002";
}
