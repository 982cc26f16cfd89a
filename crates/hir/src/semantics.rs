//! `Semantics`: what analysis knows about a place in a file, asked by absolute offset. IDE
//! features use it instead of reading inference results, whose ranges are relative to
//! trivia-free declarations, and mapping them back themselves. Plain data in and out.

use pluto_db::modules::parse;
use pluto_db::{Db, Program, SourceFile};
use pluto_syntax::{SyntaxKind, TextRange, TextSize};

use crate::body::{BodyOwner, BodyWithSourceMap, body_with_source_map};
use crate::def_map::{ItemLoc, def_map};
use crate::errors::{ErrorSet, error_sets};
use crate::infer::{Callee, Target, infer_fn};
use crate::item_tree::{ItemKind, Unstrip, ast_id_map, item_tree, strip_offset, unstrip};
use crate::lower::{FnLoc, adt_data, file_functions};
use crate::ty::Ty;

/// What a name is, for semantic highlighting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameKind {
    /// A stage: a deployment unit or a template.
    Unit,
    Class,
    Enum,
    Trait,
    Error,
    Function,
    Method,
    /// A field of a class or error.
    Field,
    /// A bracket dependency (`self.db`).
    Dependency,
    Variant,
    Variable,
    Module,
}

/// A name in a file and what it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NamedSpan {
    pub range: TextRange,
    pub kind: NameKind,
    /// The name is declared here.
    pub declaration: bool,
    /// A local declared `let mut` or a `mut` parameter.
    pub mutable: bool,
    /// A unit's `pub fn`: callable from other units, over the network.
    pub remote: bool,
}

/// Facts about places in one program.
pub struct Semantics<'db> {
    pub(crate) db: &'db dyn Db,
    pub(crate) program: Program,
}

impl<'db> Semantics<'db> {
    pub fn new(db: &'db dyn Db, program: Program) -> Self {
        Semantics { db, program }
    }

    /// The signature of a function or method, its types resolved.
    pub fn signature(&self, f: FnLoc) -> &'db crate::lower::Signature {
        crate::lower::fn_signature(self.db, self.program, f)
    }

    /// The fields, variants, dependencies and impls of a class, error, enum or stage.
    pub fn adt(&self, loc: ItemLoc) -> &'db crate::lower::AdtData {
        adt_data(self.db, self.program, loc)
    }

    /// The program's module scopes, stages and units.
    pub fn def_map(&self) -> &'db crate::def_map::DefMap {
        def_map(self.db, self.program)
    }

    /// The items declared in `file` (signatures, without bodies).
    pub fn item_tree(&self, file: SourceFile) -> &'db crate::item_tree::ItemTree {
        item_tree(self.db, file)
    }

    /// The syntax node declaring `f`.
    pub fn fn_node(&self, f: FnLoc) -> pluto_syntax::SyntaxNode {
        self.node_of(f.file(), f.sig(self.db).ast)
    }

    /// Every call from one unit's code into another unit's `pub fn`.
    pub fn unit_calls(&self) -> &'db [crate::stages::UnitCall] {
        crate::stages::unit_calls(self.db, self.program)
    }

    /// The `requires fn`s of `stage`'s chain that nothing at or below it implements: the
    /// template declaring each and its name.
    pub fn unimplemented_requires(&self, stage: ItemLoc) -> Vec<(ItemLoc, String)> {
        crate::def_map::unimplemented_requires(self.db, self.def_map(), stage)
    }

    /// The unit a cross-stage call of `f` goes to and its wire description.
    pub fn remote_fn(
        &self,
        f: FnLoc,
    ) -> Option<(&'db crate::interface::UnitInterface, &'db crate::interface::RemoteFn)> {
        crate::interface::remote_fn(self.db, self.program, f)
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
        strip_offset(&self.fn_node(f), offset)
    }

    /// A range inference recorded for `f`, in the file's coordinates.
    pub fn absolute(&self, f: FnLoc, range: TextRange) -> TextRange {
        let node = self.fn_node(f);
        let start = unstrip(&node, range.start(), false);
        TextRange::new(start, unstrip(&node, range.end(), true).max(start))
    }

    /// The range `range` of the file in the coordinates inference uses for `f`.
    pub fn relative_range(&self, f: FnLoc, range: TextRange) -> TextRange {
        let start = self.relative(f, range.start());
        TextRange::new(start, self.relative(f, range.end()).max(start))
    }

    /// The locals and parameters visible at `offset` inside a function body, innermost
    /// first (a shadowed name once).
    pub fn locals_at(&self, file: SourceFile, offset: TextSize) -> Vec<String> {
        let Some(f) = self.fn_at(file, offset) else { return Vec::new() };
        let at = self.relative(f, offset);
        let owner = BodyOwner::Fn(f);
        let BodyWithSourceMap { body, source_map, scopes } = body_with_source_map(self.db, owner);
        // The innermost expression at the cursor; one that merely ends there only if it
        // is the name being typed (the cursor touches it in the file) or a missing one.
        let root = parse(self.db, file).syntax();
        let typing = offset > TextSize::from(0)
            && root
                .token_at_offset(offset - TextSize::from(1))
                .any(|t| t.kind() == SyntaxKind::IDENT && t.text_range().end() == offset);
        let expr = source_map
            .exprs_around(at)
            .filter(|(id, r)| match body.exprs[*id] {
                crate::body::Expr::Missing => true,
                crate::body::Expr::Path { .. } => r.end() > at || typing,
                _ => r.end() > at,
            })
            .min_by_key(|(_, r)| r.len())
            .map(|(id, _)| id);
        let Some(scope) = expr.and_then(|e| scopes.scope_at(e, at)) else {
            return body.params.iter().map(|p| body.binding_name(p.binding).text.clone()).collect();
        };
        scopes.visible(body, scope).into_iter().map(|b| body.binding_name(b).text.clone()).collect()
    }

    /// Every typed range of `owner`'s body (relative to its declaration): expressions
    /// (and the parentheses around them) and the names it declares.
    pub fn typed_ranges(&self, owner: BodyOwner) -> Vec<(TextRange, Ty)> {
        let result = self.infer_body(owner);
        let BodyWithSourceMap { body, source_map, .. } = body_with_source_map(self.db, owner);
        let mut out: Vec<(TextRange, Ty)> =
            result.type_of_expr.iter().map(|(e, t)| (source_map.expr_range(e), t.clone())).collect();
        for (range, e) in source_map.aliases() {
            if let Some(t) = result.type_of_expr.get(e) {
                out.push((range, t.clone()));
            }
        }
        out.extend(result.type_of_binding.iter().map(|(b, t)| (body.binding_name(b).range, t.clone())));
        out
    }

    /// The smallest expression containing `offset` in a body, and its type.
    pub fn type_at(&self, file: SourceFile, offset: TextSize) -> Option<(TextRange, Ty)> {
        let f = self.fn_at(file, offset)?;
        let at = self.relative(f, offset);
        let typed = self.typed_ranges(BodyOwner::Fn(f));
        let (range, ty) = typed.into_iter().filter(|(r, _)| r.contains(at)).min_by_key(|(r, _)| r.len())?;
        Some((self.absolute(f, range), ty))
    }

    /// The type of the expression exactly at `range`.
    pub fn type_of_range(&self, file: SourceFile, range: TextRange) -> Option<Ty> {
        let f = self.fn_at(file, range.start())?;
        let relative = self.relative_range(f, range);
        self.typed_ranges(BodyOwner::Fn(f)).into_iter().find(|(r, _)| *r == relative).map(|(_, t)| t)
    }

    /// What the name at `offset` in a body refers to, and the function it is in.
    pub fn resolution_at(&self, file: SourceFile, offset: TextSize) -> Option<(Target, FnLoc)> {
        let f = self.fn_at(file, offset)?;
        let at = self.relative(f, offset);
        let (_, target) =
            self.named_resolutions(f).into_iter().filter(|(r, _)| r.contains(at)).min_by_key(|(r, _)| r.len())?;
        Some((target, f))
    }

    /// Everything the name at `offset` in a body refers to: usually one target, two for
    /// a shorthand (`Point { x }` names the field `x` and uses the local `x`).
    pub fn targets_at(&self, file: SourceFile, offset: TextSize) -> Vec<Target> {
        let Some(f) = self.fn_at(file, offset) else { return Vec::new() };
        let at = self.relative(f, offset);
        let containing: Vec<(TextRange, Target)> =
            self.named_resolutions(f).into_iter().filter(|(r, _)| r.contains(at)).collect();
        let Some(smallest) = containing.iter().map(|(r, _)| r.len()).min() else { return Vec::new() };
        containing.into_iter().filter(|(r, _)| r.len() == smallest).map(|(_, t)| t).collect()
    }

    /// Every resolved name in `f`'s body with what it refers to, by the name's range
    /// relative to the function.
    fn named_resolutions(&self, f: FnLoc) -> Vec<(TextRange, Target)> {
        let body = &body_with_source_map(self.db, BodyOwner::Fn(f)).body;
        let result = infer_fn(self.db, self.program, f);
        result.resolutions.iter().filter_map(|(site, t)| Some((body.name_at(site)?.range, t.clone()))).collect()
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

    /// Every place in `f`'s body that refers to `target`.
    pub fn uses_in(&self, f: FnLoc, target: &Target) -> Vec<TextRange> {
        let unstrip = Unstrip::new(&self.fn_node(f));
        self.named_resolutions(f).into_iter().filter(|(_, t)| t == target).map(|(r, _)| unstrip.range(r)).collect()
    }

    /// The methods that must keep `f`'s name: along a stage chain, the one it overrides
    /// or implements and those that override or implement it; for a trait, the trait's
    /// method and every impl's. `f` itself included; just `f` for anything else.
    pub fn method_family(&self, f: FnLoc) -> Vec<FnLoc> {
        let (FnLoc::Method(container, _), name) = (f, &f.sig(self.db).name) else { return vec![f] };
        let map = def_map(self.db, self.program);
        let mut owners: Vec<ItemLoc> = Vec::new();
        if map.stage(container).is_some() {
            let chain = map.chain(container);
            owners.extend(map.stages.iter().map(|s| s.loc).filter(|s| map.chain(*s).iter().any(|l| chain.contains(l))));
        } else {
            let traits: Vec<ItemLoc> = match container.item(self.db).kind {
                ItemKind::Trait(_) => vec![container],
                _ => adt_data(self.db, self.program, container)
                    .impls
                    .iter()
                    .filter_map(|t| match t {
                        Ty::Trait(tr) if has_method(self.db, *tr, name) => Some(*tr),
                        _ => None,
                    })
                    .collect(),
            };
            owners.push(container);
            owners.extend(traits.iter().copied());
            for module in &pluto_db::modules::module_graph(self.db, self.program).modules {
                for item in item_tree(self.db, module.file).items.iter() {
                    let loc = ItemLoc::of(module.file, item);
                    if matches!(item.kind, ItemKind::Class(_))
                        && adt_data(self.db, self.program, loc)
                            .impls
                            .iter()
                            .any(|t| matches!(t, Ty::Trait(tr) if traits.contains(tr)))
                    {
                        owners.push(loc);
                    }
                }
            }
        }
        let mut family = Vec::new();
        for owner in owners {
            let Some(body) = owner.item(self.db).body() else { continue };
            if let Some(i) = body.methods.iter().find(|m| m.name == *name) {
                let method = FnLoc::method(owner, i);
                if !family.contains(&method) {
                    family.push(method);
                }
            }
        }
        family
    }

    /// The imports that would make `name` visible in `file`: a standard library module
    /// or one of its public items (`std.http`, `std.http.Router`), or a module of the
    /// program or one of its public items (`billing`, `billing.Invoice`).
    pub fn imports_for(&self, file: SourceFile, name: &str) -> Vec<String> {
        let db = self.db;
        let mut modules: Vec<(String, SourceFile)> = Vec::new();
        for (path, _) in pluto_db::stdlib::FILES.iter().filter(|(p, _)| *p != pluto_db::stdlib::PRELUDE) {
            let stem = path.trim_end_matches(".pluto");
            modules.push((format!("std.{stem}"), db.file(&pluto_db::FilePath::Std(path.to_string()))));
        }
        for module in &pluto_db::modules::module_graph(db, self.program).modules {
            if module.file != file && !module.name.is_empty() && !module.name.starts_with("std.") {
                modules.push((module.name.clone(), module.file));
            }
        }
        let mut out = Vec::new();
        for (path, module) in modules {
            if path.rsplit('.').next() == Some(name) {
                out.push(path.clone());
            }
            if item_tree(db, module).items.iter().any(|i| i.is_pub && i.name == name) {
                out.push(format!("{path}.{name}"));
            }
        }
        out.dedup();
        out
    }

    /// The `requires fn`s that the stage or instance declared at `file` (its declaration
    /// contains `offset`) must still implement, each as its template writes it
    /// (`fn routes(self) Router`).
    pub fn missing_requires(&self, file: SourceFile, offset: TextSize) -> Vec<String> {
        let db = self.db;
        let map = def_map(db, self.program);
        let ids = ast_id_map(db, file);
        let Some(stage) = item_tree(db, file)
            .items
            .iter()
            .map(|item| ItemLoc::of(file, item))
            .filter(|loc| map.stage(*loc).is_some() && ids.range(loc.item(db).ast).contains_inclusive(offset))
            .min_by_key(|loc| ids.range(loc.item(db).ast).len())
        else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (template, name) in crate::def_map::unimplemented_requires(db, map, stage) {
            let Some(body) = template.item(db).body() else { continue };
            let Some(i) = body.methods.iter().find(|m| m.name == name) else { continue };
            let node = self.fn_node(FnLoc::method(template, i));
            let written: Vec<String> = node
                .descendants_with_tokens()
                .filter_map(|e| e.into_token())
                .filter(|t| t.kind() != pluto_syntax::SyntaxKind::REQUIRES_KW)
                .map(|t| if t.kind().is_trivia() { " ".to_string() } else { t.text().to_string() })
                .collect();
            out.push(written.concat().split_whitespace().collect::<Vec<_>>().join(" "));
        }
        out
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

    /// Every name of `file` that analysis resolved or declared, sorted, one per range
    /// (the innermost where ranges nest).
    pub fn names_in(&self, file: SourceFile) -> Vec<NamedSpan> {
        let db = self.db;
        let plain = |range, kind| NamedSpan { range, kind, declaration: false, mutable: false, remote: false };
        let mut out = Vec::new();
        for item in item_tree(db, file).items.iter() {
            let loc = ItemLoc::of(file, item);
            if !matches!(item.kind, ItemKind::Fn(_)) {
                out.push(NamedSpan { declaration: true, ..plain(loc.name_loc(db).absolute(db), self.item_kind(loc)) });
            }
        }
        let text = file.text(db);
        let root = parse(db, file).syntax();
        for f in file_functions(db, file) {
            let range = f.name_loc(db).absolute(db);
            out.push(NamedSpan { declaration: true, remote: self.is_remote(f), ..plain(range, fn_kind(f)) });
            let body = &body_with_source_map(db, BodyOwner::Fn(f)).body;
            // The locals of `f` whose declaration is already listed.
            let mut declared_locals = std::collections::HashSet::new();
            let unstrip = Unstrip::new(&self.fn_node(f));
            for (range, target) in self.named_resolutions(f) {
                let range = unstrip.range(range);
                let span = match target {
                    Target::Local(b) => {
                        let Some(binding) = body.binding(b) else { continue };
                        let mutable = binding.is_mut;
                        if declared_locals.insert(b) {
                            let declared = unstrip.range(binding.name.range);
                            out.push(NamedSpan { declaration: true, mutable, ..plain(declared, NameKind::Variable) });
                        }
                        NamedSpan { mutable, ..plain(range, NameKind::Variable) }
                    }
                    Target::Item(loc) => plain(range, self.item_kind(loc)),
                    Target::Fn(g) => NamedSpan { remote: self.is_remote(g), ..plain(range, fn_kind(g)) },
                    Target::Field(..) => plain(range, NameKind::Field),
                    Target::Variant(..) => plain(range, NameKind::Variant),
                    Target::Dep(..) => plain(range, NameKind::Dependency),
                    Target::Module(_) => plain(range, NameKind::Module),
                };
                out.push(span);
            }
        }
        // Names in types (`fn f(o: Order) auth.User`, `catch e: Denied`) and template
        // keywords (`daemon Worker`), resolved as navigation resolves them.
        // (A walk over nodes only: a file has several times more tokens than nodes.)
        for name_ref in root.descendants().filter(|n| n.kind() == SyntaxKind::NAME_REF) {
            let in_type = name_ref.parent().is_some_and(|p| {
                p.kind() == SyntaxKind::INSTANCE
                    || (p.kind() == SyntaxKind::PATH && p.parent().is_some_and(|t| t.kind() == SyntaxKind::PATH_TYPE))
            });
            if !in_type {
                continue;
            }
            for token in name_ref.children_with_tokens().filter_map(|e| e.into_token()) {
                match self.named_outside_bodies(file, &token) {
                    Some(Target::Item(loc)) => out.push(plain(token.text_range(), self.item_kind(loc))),
                    Some(Target::Module(_)) => out.push(plain(token.text_range(), NameKind::Module)),
                    _ => {}
                }
            }
        }
        out.retain(|t| !t.range.is_empty() && !text[t.range].contains('\n'));
        out.sort_by_key(|t| (t.range.start(), std::cmp::Reverse(t.range.len())));
        let mut result: Vec<NamedSpan> = Vec::with_capacity(out.len());
        for span in out {
            match result.last_mut() {
                Some(last) if last.range.end() > span.range.start() => {
                    if span.range.len() < last.range.len() {
                        *last = span;
                    }
                }
                _ => result.push(span),
            }
        }
        result
    }

    fn item_kind(&self, loc: ItemLoc) -> NameKind {
        match loc.item(self.db).kind {
            ItemKind::Class(_) => NameKind::Class,
            ItemKind::Enum { .. } => NameKind::Enum,
            ItemKind::Trait(_) => NameKind::Trait,
            ItemKind::Error(_) => NameKind::Error,
            ItemKind::Fn(_) => NameKind::Function,
            ItemKind::Stage(_) | ItemKind::Instance { .. } => NameKind::Unit,
        }
    }

    /// Whether `f` is a `pub fn` of a deployment unit.
    fn is_remote(&self, f: FnLoc) -> bool {
        f.sig(self.db).is_pub && f.container().is_some_and(|c| def_map(self.db, self.program).is_unit(c))
    }

    /// The errors the call starting at `start` in `file` can raise, each as `file` must
    /// write it (`Invalid`, `auth.Invalid`, `orders.OrderNotFound`, `NetworkError`), and
    /// the call's type.
    pub fn call_error_names(&self, file: SourceFile, call: TextRange) -> Option<(Vec<String>, Ty)> {
        let callee = self.call_starting_at(file, call.start())?;
        let names = self.call_errors(&callee).iter().map(|e| self.written_name(file, *e)).collect();
        Some((names, self.type_of_range(file, call).unwrap_or(Ty::Void)))
    }

    /// How `error` is written in `file`: bare in its own file and for the prelude's, after
    /// its unit when a unit declares it, else after its module.
    fn written_name(&self, file: SourceFile, error: ItemLoc) -> String {
        let qualified = crate::ty::qualified_name(self.db, error);
        if error.parent(self.db).is_some() || error.file == file {
            return qualified;
        }
        match error.file.path(self.db) {
            pluto_db::FilePath::Std(p) if p == pluto_db::stdlib::PRELUDE => qualified,
            path => {
                let text = path.to_string();
                let stem = text.rsplit('/').next().unwrap_or(&text).trim_end_matches(".pluto").to_string();
                format!("{stem}.{qualified}")
            }
        }
    }
}

fn has_method(db: &dyn Db, item: ItemLoc, name: &str) -> bool {
    item.item(db).body().is_some_and(|b| b.methods.iter().any(|m| m.name == name))
}

fn fn_kind(f: FnLoc) -> NameKind {
    if f.container().is_some() { NameKind::Method } else { NameKind::Function }
}
