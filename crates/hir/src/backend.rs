//! What code generation and the schema emitters ask of analysis, as more `Semantics`
//! methods: a function's inference results and declaration, the initialisers of field
//! defaults, and the wire model of units and of the system. They read these and never
//! the queries behind them.

use pluto_db::SourceFile;
use pluto_db::modules::parse;
use pluto_syntax::{SyntaxNode, TextRange};

use crate::Semantics;
use crate::body::{BodyOwner, BodyWithSourceMap, body_with_source_map};
use crate::def_map::ItemLoc;
use crate::diag::Loc;
use crate::infer::{InferResult, infer_field_default, infer_fn};
use crate::interface::{UnitInterface, default_ports, program_package, transport_errors, type_shape, unit_interface};
use crate::item_tree::{AstId, ast_id_map};
use crate::lower::FnLoc;
use crate::stages::{UnitEdge, unit_edges};
use crate::ty::Ty;

impl<'db> Semantics<'db> {
    /// The types, resolutions and calls inferred for `f`'s body.
    pub fn infer(&self, f: FnLoc) -> &'db InferResult {
        infer_fn(self.db, self.program, f)
    }

    /// The body of `owner` as lowered for analysis, with its source map.
    pub fn body(&self, owner: BodyOwner) -> &'db BodyWithSourceMap {
        body_with_source_map(self.db, owner)
    }

    /// What inference found in `owner`'s body.
    pub fn infer_body(&self, owner: BodyOwner) -> &'db InferResult {
        match owner {
            BodyOwner::Fn(f) => self.infer(f),
            BodyOwner::FieldDefault(class, field) => self.field_default(class, field),
        }
    }

    /// What inference found in the default of field `field` of class `class`.
    pub fn field_default(&self, class: ItemLoc, field: u32) -> &'db InferResult {
        infer_field_default(self.db, self.program, class, field)
    }

    /// Where the declaration holding `owner`'s body is (for a function, its range is the
    /// name's): ranges of the body, put in its place, locate them in the file
    /// (`Loc::absolute`). `None` when the declaration is gone from the file.
    pub fn declaration_loc(&self, owner: BodyOwner) -> Option<Loc> {
        match owner {
            BodyOwner::Fn(f) => Some(f.name_loc(self.db)),
            BodyOwner::FieldDefault(class, field) => {
                let decl = class.item(self.db).body()?.fields.get(field as usize)?;
                Some(Loc { file: class.file, ast: decl.ast, range: TextRange::default() })
            }
        }
    }

    /// The node of declaration `ast` in the file as it is.
    pub(crate) fn node_of(&self, file: SourceFile, ast: AstId) -> SyntaxNode {
        ast_id_map(self.db, file).node(&parse(self.db, file).syntax(), ast)
    }

    /// The wire model of deployment unit `unit`.
    pub fn unit_interface(&self, unit: ItemLoc) -> &'db UnitInterface {
        unit_interface(self.db, self.program, unit)
    }

    /// The loopback port each unit serves on when nothing is configured.
    pub fn default_ports(&self) -> Vec<(String, u16)> {
        default_ports(self.db, self.program)
    }

    /// `NetworkError` and `DeserializationError`: what every cross-stage call can raise.
    pub fn transport_errors(&self) -> Vec<ItemLoc> {
        transport_errors(self.db, self.program)
    }

    /// Every unit-to-unit call of the program, ordered by names.
    pub fn unit_edges(&self) -> &'db [UnitEdge] {
        unit_edges(self.db, self.program)
    }

    /// The protobuf package of the program (`pluto.<entry file stem>`).
    pub fn package(&self) -> String {
        program_package(self.db, self.program)
    }

    /// How a type looks on the wire, for the system manifest (`[string]`, `Order`, ...).
    pub fn wire_shape(&self, ty: &Ty) -> String {
        type_shape(self.db, self.program, ty)
    }
}
