//! The program's deployment units and the calls between them: which unit calls which
//! `pub fn` of which other unit, and from where. Code generation, `system.json` and the
//! language server's code lens read it.

use pluto_db::{Db, Program};

use crate::def_map::{ItemLoc, def_map};
use crate::infer::{Callee, infer_fn};
use crate::lower::{FnLoc, all_functions};

/// One call site of a unit's `pub fn` from outside the unit.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct UnitCall {
    /// The unit the calling function belongs to; `None` for code outside every unit
    /// (free functions, classes), which runs in whichever unit calls it.
    pub caller_unit: Option<ItemLoc>,
    pub caller: FnLoc,
    pub callee_unit: ItemLoc,
    pub callee: FnLoc,
}

#[salsa::tracked(returns(ref))]
pub fn unit_calls(db: &dyn Db, program: Program) -> Vec<UnitCall> {
    let map = def_map(db, program);
    let unit_of = |f: FnLoc| f.container().filter(|c| map.is_unit(*c));
    let mut out = Vec::new();
    for caller in all_functions(db, program) {
        for call in &infer_fn(db, program, caller).calls {
            let Callee::Remote(callee) = call.callee else { continue };
            // A `pub fn` may be inherited from a template; the unit is the one named.
            let Some(callee_unit) = crate::interface::unit_of_remote(db, program, callee) else { continue };
            let entry = UnitCall { caller_unit: unit_of(caller), caller, callee_unit, callee };
            if !out.contains(&entry) {
                out.push(entry);
            }
        }
    }
    out
}

/// A dependency between deployment units: code that runs in `from` (its own methods, and
/// the functions they call) calls `callee`, a `pub fn` of unit `to`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct UnitEdge {
    pub from: ItemLoc,
    pub to: ItemLoc,
    pub callee: FnLoc,
}

/// Every unit-to-unit call of the program (for `system.json` and compatibility checks),
/// ordered by the units' and functions' names.
#[salsa::tracked(returns(ref))]
pub fn unit_edges(db: &dyn Db, program: Program) -> Vec<UnitEdge> {
    let map = def_map(db, program);
    let mut edges = Vec::new();
    for unit in map.units.values() {
        let mut seen: Vec<FnLoc> = Vec::new();
        let mut work: Vec<FnLoc> = Vec::new();
        for level in map.chain(*unit) {
            let Some(body) = level.item(db).body() else { continue };
            for method in body.methods.iter() {
                if method.has_body {
                    work.push(FnLoc::method(level, method));
                }
            }
        }
        while let Some(f) = work.pop() {
            if seen.contains(&f) {
                continue;
            }
            seen.push(f);
            for call in &infer_fn(db, program, f).calls {
                match call.callee {
                    Callee::Fn(g) if g.sig(db).has_body && !seen.contains(&g) => work.push(g),
                    Callee::Remote(callee) => {
                        let Some(to) = crate::interface::unit_of_remote(db, program, callee) else { continue };
                        let edge = UnitEdge { from: *unit, to, callee };
                        if to != *unit && !edges.contains(&edge) {
                            edges.push(edge);
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    let name = |f: FnLoc| f.sig(db).name.clone();
    edges.sort_by_key(|e| (e.from.item(db).name.clone(), e.to.item(db).name.clone(), name(e.callee)));
    edges
}
