//! Error-set inference: which errors each function can raise, from what it raises and
//! what it propagates, over the whole call graph (recursion included). One query
//! computes every set to a fixed point with a worklist, instead of leaning on salsa's
//! cycle recovery. A second pass reports calls whose errors are not handled.

use std::collections::HashMap;

use pluto_db::{Db, Program};

use crate::def_map::{Def, DefMap, ItemLoc, def_map};
use crate::diag::{Loc, SemDiag, codes};
use crate::infer::{Callee, Handling, InferResult, Raise, infer_fn};
use crate::item_tree::ItemKind;
use crate::lower::{FnLoc, all_functions};
use crate::ty::qualified_name;

/// A set of errors, kept sorted by (file, item) position for stable output.
pub type ErrorSet = Vec<ItemLoc>;

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ErrorSets {
    sets: HashMap<FnLoc, ErrorSet>,
    /// `NetworkError` and `DeserializationError`, added to every cross-stage call.
    remote: ErrorSet,
}

impl ErrorSets {
    pub fn of(&self, f: FnLoc) -> &[ItemLoc] {
        self.sets.get(&f).map_or(&[], |s| s.as_slice())
    }
}

fn insert(set: &mut ErrorSet, e: ItemLoc) -> bool {
    if set.contains(&e) {
        return false;
    }
    set.push(e);
    true
}

fn prelude_error(map: &DefMap, name: &str) -> Option<ItemLoc> {
    match map.scope(map.prelude)?.names.get(name)? {
        Def::Item(loc) => Some(*loc),
        Def::Module(_) => None,
    }
}

/// What error inference needs from one function: the errors it raises itself and the
/// callees whose errors flow into its set. A firewall between bodies and `error_sets`:
/// an edit that changes a body but none of its calls or raises leaves it equal.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct ErrorSummary {
    pub raises: Vec<ItemLoc>,
    pub flows: Vec<Callee>,
}

/// The error summaries of every function of a file (one query per file; it is backdated
/// when no summary changed, so it stays a firewall).
#[salsa::tracked(returns(ref))]
pub fn file_error_summaries(db: &dyn Db, program: Program, file: pluto_db::SourceFile) -> Vec<(FnLoc, ErrorSummary)> {
    crate::lower::file_functions(db, file).into_iter().map(|f| (f, error_summary(db, program, f))).collect()
}

fn error_summary(db: &dyn Db, program: Program, f: FnLoc) -> ErrorSummary {
    let result = infer_fn(db, program, f);
    let mut summary = ErrorSummary::default();
    let mut flow = |callee: &Callee| {
        if !summary.flows.contains(callee) {
            summary.flows.push(callee.clone());
        }
    };
    for call in &result.calls {
        // Unhandled calls are reported where they are made; counting their errors here
        // too keeps callers from a second, misleading report.
        if matches!(call.handling, Handling::Propagate | Handling::Spawn | Handling::None) {
            flow(&call.callee);
        }
    }
    for (_, raise) in &result.raises {
        match raise {
            Raise::Error(e) => {
                insert(&mut summary.raises, *e);
            }
            Raise::Caught(k) => {
                for call in result.calls.iter().filter(|c| c.handling == Handling::Catch(*k)) {
                    flow(&call.callee);
                }
            }
        }
    }
    summary
}

#[salsa::tracked(returns(ref))]
pub fn error_sets(db: &dyn Db, program: Program) -> ErrorSets {
    let map = def_map(db, program);
    let functions = all_functions(db, program);
    let remote: ErrorSet =
        ["NetworkError", "DeserializationError"].iter().filter_map(|n| prelude_error(map, n)).collect();
    let index: HashMap<FnLoc, usize> = functions.iter().enumerate().map(|(i, f)| (*f, i)).collect();

    // What each function's set is made of: errors it raises, and functions whose sets
    // flow into it.
    let mut sets: Vec<ErrorSet> = vec![Vec::new(); functions.len()];
    let mut sources: Vec<Vec<usize>> = vec![Vec::new(); functions.len()];
    let summaries: HashMap<FnLoc, &ErrorSummary> = pluto_db::modules::module_graph(db, program)
        .modules
        .iter()
        .flat_map(|m| file_error_summaries(db, program, m.file).iter().map(|(f, s)| (*f, s)))
        .collect();
    for (i, f) in functions.iter().enumerate() {
        let summary = summaries[f];
        let flows = |callee: &Callee, set: &mut ErrorSet, sources: &mut Vec<usize>| match callee {
            Callee::Fn(g) => sources.extend(implementations(db, map, *g).iter().filter_map(|g| index.get(g))),
            Callee::Remote(g) => {
                sources.extend(index.get(g));
                remote.iter().for_each(|e| {
                    insert(set, *e);
                });
            }
            Callee::Trait(tr, name) => {
                sources.extend(trait_impls(db, program, *tr, name).iter().filter_map(|g| index.get(g)))
            }
            Callee::Builtin(errors) => errors.iter().for_each(|e| {
                insert(set, *e);
            }),
        };
        for callee in &summary.flows {
            flows(callee, &mut sets[i], &mut sources[i]);
        }
        for e in &summary.raises {
            insert(&mut sets[i], *e);
        }
        sources[i].sort_unstable();
        sources[i].dedup();
    }

    // Fixed point: a function's set grows until none of its sources grows any more.
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); functions.len()];
    for (i, srcs) in sources.iter().enumerate() {
        for &s in srcs {
            dependents[s].push(i);
        }
    }
    let mut worklist: Vec<usize> = (0..functions.len()).collect();
    let mut queued = vec![true; functions.len()];
    while let Some(i) = worklist.pop() {
        queued[i] = false;
        let mut grew = false;
        for s in sources[i].clone() {
            for e in sets[s].clone() {
                grew |= insert(&mut sets[i], e);
            }
        }
        if grew {
            for &d in &dependents[i] {
                if !queued[d] {
                    queued[d] = true;
                    worklist.push(d);
                }
            }
        }
    }
    let order = |db: &dyn Db, e: &ItemLoc| (e.file.path(db).clone(), e.index, e.nested);
    for set in &mut sets {
        set.sort_by_key(|e| order(db, e));
    }
    ErrorSets { sets: functions.into_iter().zip(sets).collect(), remote }
}

/// The functions a call to `f` may run: `f` itself, or for a `requires fn` every
/// implementation in the stages that build on its template.
fn implementations(db: &dyn Db, map: &DefMap, f: FnLoc) -> Vec<FnLoc> {
    let sig = f.sig(db);
    let (FnLoc::Method(owner, _), false) = (f, sig.has_body) else { return vec![f] };
    if map.stage(owner).is_none() {
        return vec![f];
    }
    let mut found = Vec::new();
    for stage in &map.stages {
        let chain = map.chain(stage.loc);
        if !chain.contains(&owner) {
            continue;
        }
        for level in chain.iter().take_while(|l| **l != owner) {
            if let Some(body) = level.item(db).body()
                && let Some(i) = body.methods.iter().position(|m| m.name == sig.name && m.has_body)
            {
                let g = FnLoc::Method(*level, i as u32);
                if !found.contains(&g) {
                    found.push(g);
                }
                break;
            }
        }
    }
    found
}

/// The methods named `name` of every class implementing trait `tr`, and the trait's own
/// default.
fn trait_impls(db: &dyn Db, program: Program, tr: ItemLoc, name: &str) -> Vec<FnLoc> {
    let mut found = Vec::new();
    if let Some(body) = tr.item(db).body()
        && let Some(i) = body.methods.iter().position(|m| m.name == name && m.has_body)
    {
        found.push(FnLoc::Method(tr, i as u32));
    }
    for module in &pluto_db::modules::module_graph(db, program).modules {
        for (i, item) in crate::item_tree::item_tree(db, module.file).items.iter().enumerate() {
            let ItemKind::Class(body) = &item.kind else { continue };
            let loc = ItemLoc::top(module.file, i);
            if !crate::lower::adt_data(db, program, loc).impls.contains(&crate::ty::Ty::Trait(tr)) {
                continue;
            }
            if let Some(m) = body.methods.iter().position(|m| m.name == name) {
                found.push(FnLoc::Method(loc, m as u32));
            }
        }
    }
    found
}

fn names(db: &dyn Db, set: &[ItemLoc]) -> String {
    set.iter().map(|e| format!("`{}`", qualified_name(db, *e))).collect::<Vec<_>>().join(", ")
}

/// The errors a call can raise.
fn call_set(db: &dyn Db, program: Program, sets: &ErrorSets, map: &DefMap, callee: &Callee) -> ErrorSet {
    let mut set = Vec::new();
    match callee {
        Callee::Fn(g) => {
            for g in implementations(db, map, *g) {
                sets.of(g).iter().for_each(|e| {
                    insert(&mut set, *e);
                });
            }
        }
        Callee::Remote(g) => {
            sets.of(*g).iter().chain(sets.remote.iter()).for_each(|e| {
                insert(&mut set, *e);
            });
        }
        Callee::Trait(tr, name) => {
            for g in trait_impls(db, program, *tr, name) {
                sets.of(g).iter().for_each(|e| {
                    insert(&mut set, *e);
                });
            }
        }
        Callee::Builtin(errors) => set.extend(errors.iter().copied()),
    }
    set
}

/// Whether the callee's fallibility depends on implementations not known at the call
/// (`requires fn`s and trait methods), so a `!` there is never wrong.
fn is_abstract(db: &dyn Db, callee: &Callee) -> bool {
    match callee {
        Callee::Fn(g) => !g.sig(db).has_body,
        Callee::Trait(..) => true,
        _ => false,
    }
}

/// Unhandled errors, `!` and `catch` where nothing can fail, incomplete typed catches,
/// for the functions of one file (one query per file keeps the query graph small).
#[salsa::tracked(returns(ref))]
pub fn file_error_diagnostics(db: &dyn Db, program: Program, file: pluto_db::SourceFile) -> Vec<SemDiag> {
    let mut out = Vec::new();
    for f in crate::lower::file_functions(db, file) {
        handling_diagnostics(db, program, infer_fn(db, program, f), f.file(), f.sig(db).ast, &mut out);
    }
    for (i, item) in crate::item_tree::item_tree(db, file).items.iter().enumerate() {
        let (ItemKind::Class(body), owner) = (&item.kind, ItemLoc::top(file, i)) else { continue };
        for (n, field) in body.fields.iter().enumerate().filter(|(_, f)| f.has_default) {
            let result = crate::infer::infer_field_default(db, program, owner, n as u32);
            handling_diagnostics(db, program, result, file, field.ast, &mut out);
        }
    }
    out
}

/// The checks of how calls handle their errors, for one checked body.
fn handling_diagnostics(
    db: &dyn Db,
    program: Program,
    result: &InferResult,
    file: pluto_db::SourceFile,
    ast: crate::item_tree::AstId,
    out: &mut Vec<SemDiag>,
) {
    let sets = error_sets(db, program);
    let map = def_map(db, program);
    let loc = |range| Loc { file, ast, range };
    for call in &result.calls {
        let set = call_set(db, program, sets, map, &call.callee);
        match call.handling {
            Handling::None if !set.is_empty() => {
                let plural = if set.len() == 1 { "" } else { "s" };
                out.push(
                    SemDiag::error(
                        codes::UNHANDLED_ERROR,
                        loc(call.range),
                        format!("unhandled error{plural} {}", names(db, &set)),
                    )
                    .label(format!("this call can raise {}", names(db, &set)))
                    .hint("propagate with `!` after the call, or handle with `catch`"),
                );
            }
            Handling::Propagate if set.is_empty() && !is_abstract(db, &call.callee) => {
                out.push(
                    SemDiag::error(
                        codes::NOTHING_TO_PROPAGATE,
                        loc(call.range),
                        "this call cannot fail: remove the `!`",
                    )
                    .label("raises no errors"),
                );
            }
            _ => {}
        }
    }
    for (k, catch) in result.catches.iter().enumerate() {
        let mut caught = Vec::new();
        let mut any_abstract = false;
        for call in result.calls.iter().filter(|c| c.handling == Handling::Catch(k)) {
            any_abstract |= is_abstract(db, &call.callee);
            for e in call_set(db, program, sets, map, &call.callee) {
                insert(&mut caught, e);
            }
        }
        if caught.is_empty() {
            if !any_abstract {
                out.push(
                    SemDiag::error(
                        codes::NOTHING_TO_CATCH,
                        loc(catch.range),
                        "nothing to catch: this expression cannot fail",
                    )
                    .hint("remove the `catch`"),
                );
            }
            continue;
        }
        for (error, range) in &catch.typed {
            if !caught.contains(error) {
                out.push(
                    SemDiag::error(
                        codes::UNREACHABLE_HANDLER,
                        loc(*range),
                        format!("`{}` is never raised here", qualified_name(db, *error)),
                    )
                    .label("this handler is never used")
                    .hint(format!("the expression can raise {}", names(db, &caught))),
                );
            }
        }
        if !catch.catch_all {
            let missing: Vec<ItemLoc> =
                caught.iter().filter(|e| !catch.typed.iter().any(|(t, _)| t == *e)).copied().collect();
            if !missing.is_empty() {
                out.push(
                    SemDiag::error(
                        codes::INCOMPLETE_CATCH,
                        loc(catch.range),
                        format!("this `catch` does not handle {}", names(db, &missing)),
                    )
                    .hint("add a handler for each, or end the chain with `catch e { ... }`"),
                );
            }
        }
    }
}
