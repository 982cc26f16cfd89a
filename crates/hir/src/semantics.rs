//! `Semantics`: what analysis knows about a place in a file, asked by absolute offset. IDE
//! features use it instead of reading inference results, whose ranges are relative to
//! trivia-free declarations, and mapping them back themselves. Plain data in and out.

use pluto_db::modules::parse;
use pluto_db::{Db, Program, SourceFile};
use pluto_syntax::{TextRange, TextSize};

use crate::def_map::ItemLoc;
use crate::errors::{ErrorSet, error_sets};
use crate::infer::{Callee, Target, infer_fn};
use crate::item_tree::{ast_id_map, strip_offset, unstrip};
use crate::lower::{FnLoc, file_functions};
use crate::ty::Ty;

/// Facts about places in one program.
pub struct Semantics<'db> {
    db: &'db dyn Db,
    program: Program,
}

impl<'db> Semantics<'db> {
    pub fn new(db: &'db dyn Db, program: Program) -> Self {
        Semantics { db, program }
    }

    /// The innermost function whose declaration contains `offset`.
    pub fn fn_at(&self, file: SourceFile, offset: TextSize) -> Option<FnLoc> {
        let map = ast_id_map(self.db, file);
        file_functions(self.db, file)
            .into_iter()
            .filter(|f| {
                let ast = f.sig(self.db).ast;
                (ast.0 as usize) < map.len() && map.range(ast).contains_inclusive(offset)
            })
            .min_by_key(|f| map.range(f.sig(self.db).ast).len())
    }

    /// `offset` in the coordinates inference uses for `f`'s body.
    fn relative(&self, f: FnLoc, offset: TextSize) -> TextSize {
        let node = ast_id_map(self.db, f.file()).node(&parse(self.db, f.file()).syntax(), f.sig(self.db).ast);
        strip_offset(&node, offset)
    }

    /// A range inference recorded for `f`, in the file's coordinates.
    pub fn absolute(&self, f: FnLoc, range: TextRange) -> TextRange {
        let node = ast_id_map(self.db, f.file()).node(&parse(self.db, f.file()).syntax(), f.sig(self.db).ast);
        let start = unstrip(&node, range.start(), false);
        TextRange::new(start, unstrip(&node, range.end(), true).max(start))
    }

    /// The range `range` of the file in the coordinates inference uses for `f`.
    pub fn relative_range(&self, f: FnLoc, range: TextRange) -> TextRange {
        let start = self.relative(f, range.start());
        TextRange::new(start, self.relative(f, range.end()).max(start))
    }

    /// The smallest expression containing `offset` in a body, and its type.
    pub fn type_at(&self, file: SourceFile, offset: TextSize) -> Option<(TextRange, Ty)> {
        let f = self.fn_at(file, offset)?;
        let at = self.relative(f, offset);
        let result = infer_fn(self.db, self.program, f);
        let (range, ty) = result.expr_types.iter().filter(|(r, _)| r.contains(at)).min_by_key(|(r, _)| r.len())?;
        Some((self.absolute(f, *range), ty.clone()))
    }

    /// The type of the expression exactly at `range`.
    pub fn type_of_range(&self, file: SourceFile, range: TextRange) -> Option<Ty> {
        let f = self.fn_at(file, range.start())?;
        let relative = self.relative_range(f, range);
        let result = infer_fn(self.db, self.program, f);
        result.expr_types.iter().find(|(r, _)| *r == relative).map(|(_, t)| t.clone())
    }

    /// What the name at `offset` in a body refers to, and the function it is in.
    pub fn resolution_at(&self, file: SourceFile, offset: TextSize) -> Option<(Target, FnLoc)> {
        let f = self.fn_at(file, offset)?;
        let at = self.relative(f, offset);
        let result = infer_fn(self.db, self.program, f);
        let (_, target) = result.resolutions.iter().filter(|(r, _)| r.contains(at)).min_by_key(|(r, _)| r.len())?;
        Some((target.clone(), f))
    }

    /// The innermost call containing `offset`: its range and what it calls.
    pub fn call_at(&self, file: SourceFile, offset: TextSize) -> Option<(TextRange, Callee)> {
        let f = self.fn_at(file, offset)?;
        let at = self.relative(f, offset);
        let result = infer_fn(self.db, self.program, f);
        let call = result.calls.iter().filter(|c| c.range.contains(at)).min_by_key(|c| c.range.len())?;
        Some((self.absolute(f, call.range), call.callee.clone()))
    }

    /// The call whose expression starts at `start` (the innermost, if several do).
    pub fn call_starting_at(&self, file: SourceFile, start: TextSize) -> Option<Callee> {
        let f = self.fn_at(file, start)?;
        let at = self.relative(f, start);
        let result = infer_fn(self.db, self.program, f);
        result.calls.iter().filter(|c| c.range.start() == at).min_by_key(|c| c.range.len()).map(|c| c.callee.clone())
    }

    /// Every resolved name in `f`'s body, with what it refers to (ranges in the file).
    pub fn resolutions_in(&self, f: FnLoc) -> Vec<(TextRange, Target)> {
        infer_fn(self.db, self.program, f).resolutions.iter().map(|(r, t)| (self.absolute(f, *r), t.clone())).collect()
    }

    /// Every place in `f`'s body that refers to `target`.
    pub fn uses_in(&self, f: FnLoc, target: &Target) -> Vec<TextRange> {
        infer_fn(self.db, self.program, f)
            .resolutions
            .iter()
            .filter(|(_, t)| t == target)
            .map(|(r, _)| self.absolute(f, *r))
            .collect()
    }

    /// The errors a function can raise.
    pub fn fn_errors(&self, f: FnLoc) -> &'db [ItemLoc] {
        error_sets(self.db, self.program).of(f)
    }

    /// The errors a call of `callee` can raise (for a cross-stage call, without the
    /// transport errors every such call adds).
    pub fn call_errors(&self, callee: &Callee) -> ErrorSet {
        error_sets(self.db, self.program).call_set(self.db, self.program, callee)
    }
}
