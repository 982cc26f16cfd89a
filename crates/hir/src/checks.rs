//! Whole-program checks on declarations: stage rules (fields, `override`, `requires`,
//! signatures along the chain), trait implementations, dependency injection (what can be
//! injected, cycles, defaults of injected classes) and the types a unit's `pub fn`s may
//! send over the wire.

use pluto_db::{Db, Program, SourceFile};
use pluto_syntax::TextRange;

use crate::def_map::{DefMap, ItemLoc, def_map, unimplemented_requires};
use crate::diag::{Loc, SemDiag, codes};
use crate::item_tree::{FnSig, ItemKind, item_tree};
use crate::lower::{FnLoc, adt_data, fn_signature};
use crate::ty::Ty;

#[salsa::tracked(returns(ref))]
pub fn declaration_diagnostics(db: &dyn Db, program: Program) -> Vec<SemDiag> {
    let map = def_map(db, program);
    let mut out = Vec::new();
    for module in &pluto_db::modules::module_graph(db, program).modules {
        let is_std = module.file.path(db).is_std();
        for item in item_tree(db, module.file).items.iter() {
            let loc = ItemLoc::of(module.file, item);
            match &item.kind {
                ItemKind::Fn(sig) => check_free_fn(module.file, sig, is_std, &mut out),
                ItemKind::Class(body) => {
                    for sig in body.methods.iter() {
                        check_modifiers(db, FnLoc::method(loc, sig), sig, false, &mut out);
                    }
                    check_trait_impls(db, program, loc, &mut out);
                    check_nested(db, loc, &mut out);
                }
                ItemKind::Trait(body) => {
                    for sig in body.methods.iter() {
                        let f = FnLoc::method(loc, sig);
                        if sig.is_requires || sig.is_override {
                            out.push(modifier_error(
                                db,
                                f,
                                "`requires` and `override` belong to stages; trait methods without a body are required",
                            ));
                        }
                    }
                    check_nested(db, loc, &mut out);
                }
                ItemKind::Stage(_) | ItemKind::Instance { .. } => check_stage(db, program, map, loc, &mut out),
                _ => {}
            }
        }
    }
    check_di(db, program, map, &mut out);
    check_main(db, program, &mut out);
    out
}

/// The entry file's `fn main()` takes nothing and returns nothing or an `int` (the exit
/// status); so does the `main` of a deployment unit.
fn check_main(db: &dyn Db, program: Program, out: &mut Vec<SemDiag>) {
    let entry = program.entry(db);
    let mut mains: Vec<FnLoc> = Vec::new();
    for item in item_tree(db, entry).items.iter() {
        match &item.kind {
            ItemKind::Fn(sig) if sig.name == "main" => mains.push(FnLoc::Free(ItemLoc::of(entry, item))),
            ItemKind::Stage(body) | ItemKind::Instance { body, .. } => {
                if let Some(m) = body.methods.iter().find(|m| m.name == "main" && m.has_body) {
                    mains.push(FnLoc::method(ItemLoc::of(entry, item), m));
                }
            }
            _ => {}
        }
    }
    for f in mains {
        let sig = fn_signature(db, program, f);
        let bad_ret = !matches!(sig.ret, Ty::Void | Ty::Int | Ty::Unknown);
        if sig.params.is_empty() && !bad_ret {
            continue;
        }
        let what = if !sig.params.is_empty() { "takes no parameters" } else { "returns nothing or an `int`" };
        out.push(
            SemDiag::error(codes::MAIN_SIGNATURE, f.name_loc(db), format!("`main` {what}"))
                .label(format!("this is `{}`", sig.fn_ty().display(db)))
                .hint("write `fn main()`, or `fn main() int` to choose the exit status; read arguments with `std.cli`"),
        );
    }
}

fn check_free_fn(file: pluto_db::SourceFile, sig: &FnSig, is_std: bool, out: &mut Vec<SemDiag>) {
    let loc = Loc { file, ast: sig.ast, range: sig.name_range };
    if sig.is_requires || sig.is_override {
        out.push(
            SemDiag::error(codes::MISPLACED_MODIFIER, loc, "`requires` and `override` belong to methods of stages")
                .label("not inside a stage"),
        );
    } else if !sig.has_body && !is_std {
        out.push(
            SemDiag::error(codes::MISPLACED_MODIFIER, loc, format!("function `{}` has no body", sig.name))
                .label("add `{ ... }`"),
        );
    }
}

fn modifier_error(db: &dyn Db, f: FnLoc, message: &str) -> SemDiag {
    SemDiag::error(codes::MISPLACED_MODIFIER, f.name_loc(db), message.to_string())
}

fn check_modifiers(db: &dyn Db, f: FnLoc, sig: &FnSig, in_stage: bool, out: &mut Vec<SemDiag>) {
    if !in_stage && (sig.is_requires || sig.is_override) {
        out.push(modifier_error(db, f, "`requires` and `override` belong to methods of stages"));
    }
    if sig.is_requires && sig.has_body {
        out.push(modifier_error(db, f, "a `requires fn` has no body: stages built on this one provide it"));
    }
    if !sig.is_requires && !sig.has_body && !f.file().path(db).is_std() {
        out.push(modifier_error(db, f, &format!("method `{}` has no body", sig.name)));
    }
}

/// Declarations nested in a class or trait (only stages may hold errors).
fn check_nested(db: &dyn Db, loc: ItemLoc, out: &mut Vec<SemDiag>) {
    let Some(body) = loc.item(db).body() else { return };
    for nested in &body.nested {
        out.push(
            SemDiag::error(
                codes::MISPLACED,
                Loc { file: loc.file, ast: nested.ast, range: nested.name_range },
                format!("a {} cannot be declared inside a {}", nested.kind_name(), loc.item(db).kind_name()),
            )
            .hint("declare it at the top level of the file"),
        );
    }
}

fn check_trait_impls(db: &dyn Db, program: Program, class: ItemLoc, out: &mut Vec<SemDiag>) {
    let data = adt_data(db, program, class);
    let Some(body) = class.item(db).body() else { return };
    for tr in &data.impls {
        let Ty::Trait(tr) = tr else {
            if !tr.is_unknown() {
                out.push(
                    SemDiag::error(
                        codes::TRAIT_NOT_IMPLEMENTED,
                        class.name_loc(db),
                        format!("`{}` is not a trait", tr.display(db)),
                    )
                    .label("only traits can follow `impl`"),
                );
            }
            continue;
        };
        let Some(trait_body) = tr.item(db).body() else { continue };
        for required in trait_body.methods.iter() {
            let trait_fn = FnLoc::method(*tr, required);
            match body.methods.iter().find(|m| m.name == required.name) {
                Some(m) => {
                    let own = FnLoc::method(class, m);
                    let (a, b) = (fn_signature(db, program, own), fn_signature(db, program, trait_fn));
                    if a.params.iter().map(|p| &p.1).ne(b.params.iter().map(|p| &p.1)) || a.ret != b.ret {
                        out.push(
                            SemDiag::error(
                                codes::SIGNATURE_MISMATCH,
                                own.name_loc(db),
                                format!(
                                    "`{}` does not match its declaration in trait `{}`",
                                    required.name,
                                    tr.item(db).name
                                ),
                            )
                            .label(format!("expected `{}`", b.fn_ty().display(db)))
                            .with(trait_fn.name_loc(db), "declared here"),
                        );
                    }
                }
                None if !required.has_body => out.push(
                    SemDiag::error(
                        codes::TRAIT_NOT_IMPLEMENTED,
                        class.name_loc(db),
                        format!(
                            "`{}` does not implement `{}` of trait `{}`",
                            class.item(db).name,
                            required.name,
                            tr.item(db).name
                        ),
                    )
                    .label("missing method")
                    .with(trait_fn.name_loc(db), "required here"),
                ),
                None => {}
            }
        }
    }
}

fn check_stage(db: &dyn Db, program: Program, map: &DefMap, loc: ItemLoc, out: &mut Vec<SemDiag>) {
    let item = loc.item(db);
    let Some(body) = item.body() else { return };
    for field in &body.fields {
        out.push(
            SemDiag::error(
                codes::STAGE_FIELD,
                field_name_loc(loc.file, field.ast, &field.name),
                format!("stages have no fields, but `{}` declares `{}`", item.name, field.name),
            )
            .label("a field")
            .hint("keep state in a class and inject it with `[name: Type]`"),
        );
    }
    for nested in &body.nested {
        if !matches!(nested.kind, ItemKind::Error(_)) {
            out.push(
                SemDiag::error(
                    codes::MISPLACED,
                    Loc { file: loc.file, ast: nested.ast, range: nested.name_range },
                    format!("a {} cannot be declared inside a stage", nested.kind_name()),
                )
                .hint("stages may declare errors; declare other items at the top level"),
            );
        }
    }
    let chain = map.chain(loc);
    let is_instance = matches!(item.kind, ItemKind::Instance { .. });
    for sig in body.methods.iter() {
        let f = FnLoc::method(loc, sig);
        check_modifiers(db, f, sig, true, out);
        if is_instance && sig.is_requires {
            out.push(modifier_error(db, f, "an instance cannot add `requires fn`s: declare a stage template for that"));
        }
        // The nearest definition of the same name up the chain.
        let ancestor = chain[1..].iter().find_map(|level| {
            let b = level.item(db).body()?;
            let i = b.methods.iter().find(|x| x.name == sig.name)?;
            Some(FnLoc::method(*level, i))
        });
        match ancestor {
            None if sig.is_override => out.push(
                SemDiag::error(codes::NOTHING_TO_OVERRIDE, f.name_loc(db), format!("`{}` overrides nothing", sig.name))
                    .label("no stage up the chain declares it")
                    .hint("remove `override`, or check the name"),
            ),
            Some(a) => {
                let ancestor_sig = a.sig(db);
                if !ancestor_sig.is_requires && !sig.is_override {
                    out.push(
                        SemDiag::error(
                            codes::MISSING_OVERRIDE,
                            f.name_loc(db),
                            format!("`{}` is already defined by `{}`", sig.name, a.container().unwrap().item(db).name),
                        )
                        .label("redefined without `override`")
                        .with(a.name_loc(db), "defined here")
                        .hint(format!("write `override fn {}` to replace it", sig.name)),
                    );
                }
                let (own, theirs) = (fn_signature(db, program, f), fn_signature(db, program, a));
                let params_differ = own.params.iter().map(|p| &p.1).ne(theirs.params.iter().map(|p| &p.1));
                if (params_differ || own.ret != theirs.ret)
                    && !own.fn_ty().has_unknown()
                    && !theirs.fn_ty().has_unknown()
                {
                    out.push(
                        SemDiag::error(
                            codes::SIGNATURE_MISMATCH,
                            f.name_loc(db),
                            format!(
                                "`{}` does not match the signature in `{}`",
                                sig.name,
                                a.container().unwrap().item(db).name
                            ),
                        )
                        .label(format!("expected `{}`", theirs.fn_ty().display(db)))
                        .with(a.name_loc(db), "declared here"),
                    );
                }
            }
            None => {}
        }
    }
    let stage = map.stage(loc);
    if stage.is_some_and(|s| s.is_unit) {
        // A `requires fn` an instance declares itself is reported above.
        let missing: Vec<_> = unimplemented_requires(db, map, loc).into_iter().filter(|(s, _)| *s != loc).collect();
        if !missing.is_empty() {
            let list: Vec<String> =
                missing.iter().map(|(s, n)| format!("`{n}` (from `{}`)", s.item(db).name)).collect();
            let mut diag = SemDiag::error(
                codes::MISSING_REQUIRED,
                loc.name_loc(db),
                format!("`{}` does not implement {}", item.name, list.join(", ")),
            )
            .label("required methods missing");
            for (s, n) in &missing {
                if let Some(b) = s.item(db).body()
                    && let Some(i) = b.methods.iter().find(|m| m.name == *n)
                {
                    diag = diag.with(FnLoc::method(*s, i).name_loc(db), "required here");
                }
            }
            out.push(diag);
        }
        check_wire_types(db, program, loc, out);
    }
}

/// `pub fn`s of a unit take and return only values that can cross the network.
fn check_wire_types(db: &dyn Db, program: Program, unit: ItemLoc, out: &mut Vec<SemDiag>) {
    let Some(body) = unit.item(db).body() else { return };
    for sig in body.methods.iter() {
        if !sig.is_pub {
            continue;
        }
        let f = FnLoc::method(unit, sig);
        let signature = fn_signature(db, program, f);
        let checks = signature
            .params
            .iter()
            .zip(sig.params.iter())
            .map(|((name, ty), p)| (ty, format!("parameter `{name}`"), p.ty.range()))
            .chain(std::iter::once((
                &signature.ret,
                "the result".to_string(),
                sig.ret.as_ref().map(|r| r.range()).unwrap_or_default(),
            )));
        for (ty, what, range) in checks {
            // A result `Receiver<T>` is a stream of `T`s (a server-streaming RPC).
            let ty = match ty {
                Ty::Receiver(item) if what == "the result" => &**item,
                other => other,
            };
            if let Some(reason) = not_wire_safe(db, program, ty, &mut Vec::new()) {
                out.push(
                    SemDiag::error(
                        codes::NOT_WIRE_TYPE,
                        Loc { file: unit.file, ast: sig.ast, range },
                        format!("{what} of `pub fn {}` cannot cross the network: {reason}", sig.name),
                    )
                    .label(format!("`{}`", ty.display(db)))
                    .hint("a unit's `pub fn`s are called over gRPC; pass plain data (numbers, strings, arrays, maps, classes without dependencies)"),
                );
            }
        }
    }
}

/// Why a type cannot be sent between units, or `None` if it can.
fn not_wire_safe(db: &dyn Db, program: Program, ty: &Ty, seen: &mut Vec<ItemLoc>) -> Option<String> {
    match ty {
        Ty::Fn(..) => Some("functions and closures do not travel".into()),
        Ty::Sender(_) | Ty::Receiver(_) | Ty::Task(_) => Some("channels and tasks are local to a process".into()),
        Ty::Trait(_) | Ty::Param(_) | Ty::AnyError => Some(format!("`{}` has no fixed shape", ty.display(db))),
        Ty::Array(t) | Ty::Set(t) | Ty::Nullable(t) => not_wire_safe(db, program, t, seen),
        Ty::Map(k, v) => {
            if !matches!(**k, Ty::Str | Ty::Int | Ty::Unknown) {
                return Some("map keys must be `string` or `int`".into());
            }
            not_wire_safe(db, program, v, seen)
        }
        Ty::Tuple(ts) => ts.iter().find_map(|t| not_wire_safe(db, program, t, seen)),
        Ty::Adt(loc, args) => {
            if seen.contains(loc) {
                return None;
            }
            seen.push(*loc);
            let item = loc.item(db);
            if let Some(body) = item.body()
                && (!body.deps.is_empty() || !matches!(item.kind, ItemKind::Class(_)))
            {
                return Some(format!("`{}` is injected, not data", item.name));
            }
            let data = adt_data(db, program, *loc);
            let fields = data.fields.iter().chain(data.variants.iter().flat_map(|(_, f)| f.iter()));
            for field in fields {
                if let Some(reason) = not_wire_safe(db, program, &field.ty.substitute(&data.generics, args), seen) {
                    return Some(format!("field `{}` of `{}`: {reason}", field.name, item.name));
                }
            }
            args.iter().find_map(|t| not_wire_safe(db, program, t, seen))
        }
        _ => None,
    }
}

/// Dependency injection: deps must be classes; the graph must be acyclic; an injected
/// class's fields need defaults.
fn check_di(db: &dyn Db, program: Program, map: &DefMap, out: &mut Vec<SemDiag>) {
    let mut owners: Vec<ItemLoc> = Vec::new();
    for module in &pluto_db::modules::module_graph(db, program).modules {
        for item in item_tree(db, module.file).items.iter() {
            if matches!(item.kind, ItemKind::Class(_) | ItemKind::Stage(_) | ItemKind::Instance { .. }) {
                owners.push(ItemLoc::of(module.file, item));
            }
        }
    }
    let deps_of = |loc: ItemLoc| -> Vec<(String, Ty)> {
        match loc.item(db).body() {
            Some(body) if !body.deps.is_empty() => {
                let data = adt_data(db, program, loc);
                data.deps.iter().filter(|(n, _)| body.deps.iter().any(|d| d.name == *n)).cloned().collect()
            }
            _ => Vec::new(),
        }
    };
    let mut injected: Vec<ItemLoc> = Vec::new();
    for &owner in &owners {
        let item = owner.item(db);
        let Some(body) = item.body() else { continue };
        for (name, ty) in deps_of(owner) {
            let dep = body.deps.iter().find(|d| d.name == name).expect("dep comes from this body");
            let loc = Loc { file: owner.file, ast: item.ast, range: dep.ty.range() };
            match &ty {
                Ty::Adt(class, _) if matches!(class.item(db).kind, ItemKind::Class(_)) => {
                    if !injected.contains(class) {
                        injected.push(*class);
                    }
                }
                Ty::Unknown => {}
                other => out.push(
                    SemDiag::error(
                        codes::DI_NOT_INJECTABLE,
                        loc,
                        format!("`{}` cannot be injected", other.display(db)),
                    )
                    .label("only classes are injected")
                    .hint("inject a class that holds the value, or pass it as a parameter"),
                ),
            }
        }
    }
    for class in &injected {
        let data = adt_data(db, program, *class);
        for field in data.fields.iter().filter(|f| !f.has_default) {
            out.push(
                SemDiag::error(
                    codes::DI_FIELD_WITHOUT_DEFAULT,
                    field_name_loc(class.file, field.ast, &field.name),
                    format!("field `{}` of injected class `{}` needs a default value", field.name, class.item(db).name),
                )
                .label("no default")
                .hint(format!(
                    "the compiler builds `{}`; give the field a value: `{}: ... = ...`",
                    class.item(db).name,
                    field.name
                )),
            );
        }
    }
    // Cycles, reported once each at the first class of the cycle in program order.
    let mut reported: Vec<Vec<ItemLoc>> = Vec::new();
    for &start in &owners {
        let mut path = vec![start];
        find_cycle(db, &deps_of, start, &mut path, &mut reported, out);
    }
    let _ = map;
}

fn find_cycle(
    db: &dyn Db,
    deps_of: &dyn Fn(ItemLoc) -> Vec<(String, Ty)>,
    current: ItemLoc,
    path: &mut Vec<ItemLoc>,
    reported: &mut Vec<Vec<ItemLoc>>,
    out: &mut Vec<SemDiag>,
) {
    if path.len() > 64 {
        return;
    }
    for (_, ty) in deps_of(current) {
        let Ty::Adt(next, _) = ty else { continue };
        if next == path[0] {
            let mut members = path.clone();
            members.sort_by_key(|l| l.order_key(db));
            if reported.contains(&members) {
                continue;
            }
            reported.push(members);
            let names: Vec<String> = path.iter().chain([&path[0]]).map(|l| l.item(db).name.clone()).collect();
            out.push(
                SemDiag::error(
                    codes::DI_CYCLE,
                    path[0].name_loc(db),
                    format!("dependency cycle: {}", names.join(" -> ")),
                )
                .label("depends on itself through its dependencies")
                .hint("break the cycle: one of these classes must not inject the next"),
            );
        } else if !path.contains(&next) {
            path.push(next);
            find_cycle(db, deps_of, next, path, reported, out);
            path.pop();
        }
    }
}

/// A field's name: the first token of its declaration.
fn field_name_loc(file: SourceFile, ast: crate::item_tree::AstId, name: &str) -> Loc {
    Loc { file, ast, range: TextRange::at(0.into(), (name.len() as u32).into()) }
}
