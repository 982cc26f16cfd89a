//! Error-set inference: which errors each function can raise, from what it raises and
//! what it propagates, over the whole call graph (recursion included). One query
//! computes every set to a fixed point with a worklist, instead of leaning on salsa's
//! cycle recovery. A second pass reports calls whose errors are not handled.

use std::collections::HashMap;

use pluto_db::{Db, Program};

use crate::def_map::{Def, DefMap, ItemLoc, def_map};
use crate::diag::{Loc, SemDiag, codes};
use crate::infer::{BodyOwner, Callee, ClosureLoc, FnValue, Handling, InferResult, Raise, infer_fn};
use crate::item_tree::ItemKind;
use crate::lower::FnLoc;
use crate::ty::Ty;
use crate::ty::qualified_name;

/// A set of errors, kept sorted by (file, item) position for stable output.
pub type ErrorSet = Vec<ItemLoc>;

/// What has an error set: a function, or a closure (whose body's errors are its own,
/// not the enclosing function's).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorNode {
    Fn(FnLoc),
    Closure(ClosureLoc),
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ErrorSets {
    sets: HashMap<ErrorNode, ErrorSet>,
    /// `NetworkError` and `DeserializationError`, added to every cross-stage call.
    remote: ErrorSet,
    /// Every function value of the program, for calls through values.
    values: Vec<FnValue>,
    /// Every spawned call, for `Task.get()`.
    spawns: Vec<(Callee, Ty)>,
    /// The item types units stream to other units (`pub fn f() Receiver<T>`): a receiver
    /// of one of these may be the end of a stream, which can break.
    streams: Vec<Ty>,
}

impl ErrorSets {
    pub fn of(&self, f: FnLoc) -> &[ItemLoc] {
        self.of_node(ErrorNode::Fn(f))
    }

    pub fn of_node(&self, node: ErrorNode) -> &[ItemLoc] {
        self.sets.get(&node).map_or(&[], |s| s.as_slice())
    }

    /// The errors a call can raise.
    pub fn call_set(&self, db: &dyn Db, program: Program, callee: &Callee) -> ErrorSet {
        let map = def_map(db, program);
        let flows = Flows { values: &self.values, spawns: &self.spawns, remote: &self.remote, streams: &self.streams };
        let (nodes, direct) = sources(db, program, map, callee, &flows);
        let mut set = direct;
        for node in nodes {
            for e in self.of_node(node) {
                insert(&mut set, *e);
            }
        }
        let order = |e: &ItemLoc| e.order_key(db);
        set.sort_by_key(order);
        set
    }
}

fn insert(set: &mut ErrorSet, e: ItemLoc) -> bool {
    if set.contains(&e) {
        return false;
    }
    set.push(e);
    true
}

pub(crate) fn prelude_error(map: &DefMap, name: &str) -> Option<ItemLoc> {
    match map.scope(map.prelude)?.names.get(name)? {
        Def::Item(loc) => Some(*loc),
        Def::Module(_) => None,
    }
}

/// What error inference needs from one function or closure: the errors it raises itself
/// and the callees whose errors flow into its set.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct ErrorSummary {
    pub raises: Vec<ItemLoc>,
    pub flows: Vec<Callee>,
}

/// What error inference needs from the bodies of one file: a summary per function and
/// closure, the function values they create and the calls they spawn. A firewall
/// between bodies and `error_sets`: an edit that changes none of these leaves it equal.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct FileErrorSummary {
    pub nodes: Vec<(ErrorNode, ErrorSummary)>,
    pub values: Vec<FnValue>,
    pub spawns: Vec<(Callee, Ty)>,
}

/// The error summaries of the bodies of a file (one query per file; it is backdated when
/// no summary changed, so it stays a firewall).
#[salsa::tracked(returns(ref))]
pub fn file_error_summaries(db: &dyn Db, program: Program, file: pluto_db::SourceFile) -> FileErrorSummary {
    let mut out = FileErrorSummary::default();
    for f in crate::lower::file_functions(db, file) {
        let summary = fn_error_summary(db, program, f);
        out.nodes.extend(summary.nodes.iter().cloned());
        out.values.extend(summary.values.iter().cloned());
        out.spawns.extend(summary.spawns.iter().cloned());
    }
    for item in crate::item_tree::item_tree(db, file).items.iter() {
        let (ItemKind::Class(body), owner) = (&item.kind, ItemLoc::of(file, item)) else { continue };
        for (n, _) in body.fields.iter().enumerate().filter(|(_, f)| f.has_default) {
            let result = crate::infer::infer_field_default(db, program, owner, n as u32);
            summarize(result, BodyOwner::FieldDefault(owner, n as u32), &mut out);
        }
    }
    out
}

/// The error summaries of one function's body and its closures: re-made only when that
/// body's inference changed, so an edit in a file of thousands of functions summarizes one.
#[salsa::tracked(returns(ref))]
fn fn_error_summary(db: &dyn Db, program: Program, f: FnLoc) -> FileErrorSummary {
    let mut out = FileErrorSummary::default();
    summarize(infer_fn(db, program, f), BodyOwner::Fn(f), &mut out);
    out
}

/// Adds the summaries of one body and its closures.
fn summarize(result: &InferResult, owner: BodyOwner, out: &mut FileErrorSummary) {
    let node = |closure: Option<u32>| match (closure, owner) {
        (Some(index), _) => Some(ErrorNode::Closure(ClosureLoc { owner, index })),
        (None, BodyOwner::Fn(f)) => Some(ErrorNode::Fn(f)),
        // A field default is not called: its calls are checked where they are.
        (None, BodyOwner::FieldDefault(..)) => None,
    };
    let mut nodes: Vec<(ErrorNode, ErrorSummary)> = Vec::new();
    if let BodyOwner::Fn(f) = owner {
        nodes.push((ErrorNode::Fn(f), ErrorSummary::default()));
    }
    for index in 0..result.closures.len() as u32 {
        nodes.push((ErrorNode::Closure(ClosureLoc { owner, index }), ErrorSummary::default()));
    }
    let summary_of = |nodes: &mut Vec<(ErrorNode, ErrorSummary)>, n: ErrorNode| -> usize {
        nodes.iter().position(|(m, _)| *m == n).expect("every node of the body is listed")
    };
    let flow = |nodes: &mut Vec<(ErrorNode, ErrorSummary)>, at: Option<ErrorNode>, callee: &Callee| {
        let Some(at) = at else { return };
        let i = summary_of(nodes, at);
        if !nodes[i].1.flows.contains(callee) {
            nodes[i].1.flows.push(callee.clone());
        }
    };
    for call in &result.calls {
        // Unhandled calls are reported where they are made; counting their errors here
        // too keeps callers from a second, misleading report (a `!` that would be "useless"
        // until the callee is fixed). Spawned calls raise where their task is awaited
        // (`Task.get()`).
        if matches!(call.handling, Handling::Propagate | Handling::None) {
            flow(&mut nodes, node(call.closure), &call.callee);
        }
    }
    for raise in &result.raises {
        let at = node(raise.closure);
        match &raise.raise {
            Raise::Error(e) => {
                if let Some(at) = at {
                    let i = summary_of(&mut nodes, at);
                    insert(&mut nodes[i].1.raises, *e);
                }
            }
            Raise::Caught(k) => {
                for call in result.calls.iter().filter(|c| c.handling == Handling::Catch(*k)) {
                    flow(&mut nodes, at, &call.callee);
                }
            }
        }
    }
    out.nodes.extend(nodes);
    out.values.extend(result.fn_values.iter().cloned());
    out.spawns.extend(result.spawns.iter().cloned());
}

/// The program-wide facts calls through values, tasks and receivers depend on.
struct Flows<'a> {
    values: &'a [FnValue],
    spawns: &'a [(Callee, Ty)],
    remote: &'a [ItemLoc],
    streams: &'a [Ty],
}

/// The nodes whose sets flow into a call of `callee`, and the errors it raises directly.
fn sources(db: &dyn Db, program: Program, map: &DefMap, callee: &Callee, flows: &Flows) -> (Vec<ErrorNode>, ErrorSet) {
    let Flows { values, spawns, remote, streams } = *flows;
    let mut nodes = Vec::new();
    let mut direct = Vec::new();
    let add_one = |callee: &Callee, nodes: &mut Vec<ErrorNode>, direct: &mut ErrorSet| match callee {
        Callee::Fn(g) => nodes.extend(implementations(db, map, *g).into_iter().map(ErrorNode::Fn)),
        Callee::Closure(c) => nodes.push(ErrorNode::Closure(*c)),
        Callee::Remote(g) => {
            nodes.push(ErrorNode::Fn(*g));
            remote.iter().for_each(|e| {
                insert(direct, *e);
            });
        }
        Callee::Trait(tr, name) => nodes.extend(trait_impls(db, program, *tr, name).into_iter().map(ErrorNode::Fn)),
        Callee::Builtin(errors) => errors.iter().for_each(|e| {
            insert(direct, *e);
        }),
        Callee::Recv(item, errors) => {
            let streamed = streams.iter().any(|t| may_equal(item, t));
            for e in errors.iter().chain(remote.iter().filter(|_| streamed)) {
                insert(direct, *e);
            }
        }
        // Values are functions, closures or method references, never calls of values.
        Callee::Value(_) | Callee::Values(_) | Callee::TaskGet(_) => {}
    };
    let add = |callee: &Callee, nodes: &mut Vec<ErrorNode>, direct: &mut ErrorSet| match callee {
        Callee::Values(values) => values.iter().for_each(|v| add_one(v, nodes, direct)),
        other => add_one(other, nodes, direct),
    };
    match callee {
        Callee::Value(ty) => {
            for value in values.iter().filter(|v| may_equal(ty, &v.ty)) {
                add(&value.callee, &mut nodes, &mut direct);
            }
        }
        Callee::TaskGet(ty) => {
            for (spawned, result) in spawns.iter().filter(|(_, t)| may_equal(ty, t)) {
                match spawned {
                    Callee::Value(value_ty) => {
                        for value in values.iter().filter(|v| may_equal(value_ty, &v.ty)) {
                            add(&value.callee, &mut nodes, &mut direct);
                        }
                    }
                    other => add(other, &mut nodes, &mut direct),
                }
                let _ = result;
            }
        }
        other => add(other, &mut nodes, &mut direct),
    }
    nodes.sort_by_key(|n| format!("{n:?}"));
    nodes.dedup();
    (nodes, direct)
}

/// Whether two types may be the same type once type parameters and whatever inference
/// left open are filled in: the test that decides which function values a call through
/// a value (or which spawned calls a `Task.get()`) may run. It errs towards "yes", so no
/// error is ever lost.
fn may_equal(a: &Ty, b: &Ty) -> bool {
    match (a, b) {
        (Ty::Param(_) | Ty::Var(_) | Ty::Unknown | Ty::Never | Ty::AnyError, _)
        | (_, Ty::Param(_) | Ty::Var(_) | Ty::Unknown | Ty::Never | Ty::AnyError) => true,
        (Ty::Array(x), Ty::Array(y))
        | (Ty::Set(x), Ty::Set(y))
        | (Ty::Nullable(x), Ty::Nullable(y))
        | (Ty::Sender(x), Ty::Sender(y))
        | (Ty::Receiver(x), Ty::Receiver(y))
        | (Ty::Task(x), Ty::Task(y)) => may_equal(x, y),
        (Ty::Map(k1, v1), Ty::Map(k2, v2)) => may_equal(k1, k2) && may_equal(v1, v2),
        (Ty::Tuple(xs), Ty::Tuple(ys)) | (Ty::Adt(_, xs), Ty::Adt(_, ys))
            if xs.len() == ys.len() && std::mem::discriminant(a) == std::mem::discriminant(b) =>
        {
            let same_item = match (a, b) {
                (Ty::Adt(l1, _), Ty::Adt(l2, _)) => l1 == l2,
                _ => true,
            };
            same_item && xs.iter().zip(ys.iter()).all(|(x, y)| may_equal(x, y))
        }
        (Ty::Fn(p1, r1), Ty::Fn(p2, r2)) => {
            p1.len() == p2.len() && p1.iter().zip(p2.iter()).all(|(x, y)| may_equal(x, y)) && may_equal(r1, r2)
        }
        // A class may stand where one of its traits is expected.
        (Ty::Trait(_), Ty::Adt(..)) | (Ty::Adt(..), Ty::Trait(_)) => true,
        _ => a == b,
    }
}

#[salsa::tracked(returns(ref))]
pub fn error_sets(db: &dyn Db, program: Program) -> ErrorSets {
    let map = def_map(db, program);
    let remote: ErrorSet = crate::interface::TRANSPORT_ERRORS.iter().filter_map(|n| prelude_error(map, n)).collect();
    let summaries: Vec<&FileErrorSummary> = pluto_db::modules::module_graph(db, program)
        .modules
        .iter()
        .map(|m| file_error_summaries(db, program, m.file))
        .collect();
    let nodes: Vec<(ErrorNode, &ErrorSummary)> =
        summaries.iter().flat_map(|s| s.nodes.iter().map(|(n, summary)| (*n, summary))).collect();
    let values: Vec<FnValue> = summaries.iter().flat_map(|s| s.values.iter().cloned()).collect();
    let spawns: Vec<(Callee, Ty)> = summaries.iter().flat_map(|s| s.spawns.iter().cloned()).collect();
    let index: HashMap<ErrorNode, usize> = nodes.iter().enumerate().map(|(i, (n, _))| (*n, i)).collect();
    let streams = streamed_items(db, program, map);
    let flows = Flows { values: &values, spawns: &spawns, remote: &remote, streams: &streams };

    // What each node's set is made of: errors it raises, and nodes whose sets flow in.
    let mut sets: Vec<ErrorSet> = vec![Vec::new(); nodes.len()];
    let mut node_sources: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
    let mut cache: HashMap<Callee, (Vec<ErrorNode>, ErrorSet)> = HashMap::new();
    for (i, (_, summary)) in nodes.iter().enumerate() {
        for callee in &summary.flows {
            let (from, direct) =
                cache.entry(callee.clone()).or_insert_with(|| sources(db, program, map, callee, &flows));
            node_sources[i].extend(from.iter().filter_map(|n| index.get(n)));
            for e in direct.iter() {
                insert(&mut sets[i], *e);
            }
        }
        for e in &summary.raises {
            insert(&mut sets[i], *e);
        }
        node_sources[i].sort_unstable();
        node_sources[i].dedup();
    }

    // Fixed point: a node's set grows until none of its sources grows any more.
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
    for (i, srcs) in node_sources.iter().enumerate() {
        for &s in srcs {
            dependents[s].push(i);
        }
    }
    let mut worklist: Vec<usize> = (0..nodes.len()).collect();
    let mut queued = vec![true; nodes.len()];
    while let Some(i) = worklist.pop() {
        queued[i] = false;
        let mut grew = false;
        for s in node_sources[i].clone() {
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
    let order = |db: &dyn Db, e: &ItemLoc| e.order_key(db);
    for set in &mut sets {
        set.sort_by_key(|e| order(db, e));
    }
    ErrorSets { sets: nodes.iter().map(|(n, _)| *n).zip(sets).collect(), remote, values, spawns, streams }
}

/// The item types of the streaming `pub fn`s of every unit (`pub fn f() Receiver<T>`).
fn streamed_items(db: &dyn Db, program: Program, map: &DefMap) -> Vec<Ty> {
    let mut items = Vec::new();
    for unit in map.units.values() {
        for level in map.chain(*unit) {
            let Some(body) = level.item(db).body() else { continue };
            for method in body.methods.iter().filter(|m| m.is_pub) {
                if let Ty::Receiver(item) = &crate::lower::fn_signature(db, program, FnLoc::method(level, method)).ret
                    && !items.contains(&**item)
                {
                    items.push((**item).clone());
                }
            }
        }
    }
    items
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
                && let Some(i) = body.methods.iter().find(|m| m.name == sig.name && m.has_body)
            {
                let g = FnLoc::method(*level, i);
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
        && let Some(i) = body.methods.iter().find(|m| m.name == name && m.has_body)
    {
        found.push(FnLoc::method(tr, i));
    }
    for module in &pluto_db::modules::module_graph(db, program).modules {
        for item in crate::item_tree::item_tree(db, module.file).items.iter() {
            let ItemKind::Class(body) = &item.kind else { continue };
            let loc = ItemLoc::of(module.file, item);
            if !crate::lower::adt_data(db, program, loc).impls.contains(&crate::ty::Ty::Trait(tr)) {
                continue;
            }
            if let Some(m) = body.methods.iter().find(|m| m.name == name) {
                found.push(FnLoc::method(loc, m));
            }
        }
    }
    found
}

fn names(db: &dyn Db, set: &[ItemLoc]) -> String {
    set.iter().map(|e| format!("`{}`", qualified_name(db, *e))).collect::<Vec<_>>().join(", ")
}

/// Whether the callee's fallibility depends on implementations not known at the call
/// (`requires fn`s and trait methods), so a `!` there is never wrong.
fn is_abstract(db: &dyn Db, callee: &Callee) -> bool {
    match callee {
        Callee::Fn(g) => !g.sig(db).has_body,
        Callee::Trait(..) | Callee::Value(_) | Callee::Values(_) | Callee::TaskGet(_) => true,
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
    for item in crate::item_tree::item_tree(db, file).items.iter() {
        let (ItemKind::Class(body), owner) = (&item.kind, ItemLoc::of(file, item)) else { continue };
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
    let loc = |range| Loc { file, ast, range };
    for call in &result.calls {
        let set = sets.call_set(db, program, &call.callee);
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
            for e in sets.call_set(db, program, &call.callee) {
                insert(&mut caught, e);
            }
        }
        if catch.uncertain {
            continue;
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
