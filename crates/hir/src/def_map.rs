//! Name resolution at the level of modules: what each module's top-level names refer to
//! (its items, its imports, the prelude), and the program's stages: which are templates,
//! which are deployment units (global names), and each one's parent.

use std::collections::BTreeMap;

use pluto_db::modules::module_graph;
use pluto_db::{Db, Program, SourceFile};
use pluto_syntax::TextRange;

use crate::diag::{Loc, SemDiag, codes};
use crate::item_tree::{AstId, Item, ItemKind, TypeRef, item_tree};

/// A top-level item of a file, or an item nested in one (an error declared in a stage),
/// by its declaration's `AstId`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ItemLoc {
    pub file: SourceFile,
    pub ast: AstId,
}

impl ItemLoc {
    /// `item`, declared in `file`.
    pub fn of(file: SourceFile, item: &Item) -> ItemLoc {
        ItemLoc { file, ast: item.ast }
    }

    /// The names of the item's type parameters.
    pub fn generic_names(self, db: &dyn Db) -> Vec<String> {
        crate::lower::item_generics(db, self)
    }

    /// The item; a placeholder (an empty declaration) when this handle is from an earlier
    /// revision of its file and names nothing now (salsa may re-validate old results with
    /// their old keys), never a panic.
    pub fn item(self, db: &dyn Db) -> &Item {
        item_tree(db, self.file).item(self.ast).unwrap_or_else(|| crate::item_tree::missing_item())
    }

    /// The location of the item's name.
    pub fn name_loc(self, db: &dyn Db) -> Loc {
        let item = self.item(db);
        Loc { file: self.file, ast: item.ast, range: item.name_range }
    }

    /// The item this one is nested in.
    pub fn parent(self, db: &dyn Db) -> Option<ItemLoc> {
        item_tree(db, self.file).container(self.ast).map(|c| ItemLoc::of(self.file, c))
    }

    /// Declaration order: by file path, then position in the file.
    pub fn order_key(self, db: &dyn Db) -> (pluto_db::FilePath, AstId) {
        (self.file.path(db).clone(), self.ast)
    }
}

/// What a name refers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Def {
    Item(ItemLoc),
    Module(SourceFile),
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Scope {
    pub names: BTreeMap<String, Def>,
}

/// A stage template, deployment unit or instance of the program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StageInfo {
    pub loc: ItemLoc,
    /// The template it refines: `: Parent` for stages, the keyword's template for instances.
    pub parent: Option<ItemLoc>,
    /// Whether it is a deployment unit (gets its own executable) rather than a template.
    pub is_unit: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DefMap {
    pub scopes: Vec<(SourceFile, Scope)>,
    pub prelude: SourceFile,
    /// Deployment units by name.
    pub units: BTreeMap<String, ItemLoc>,
    pub stages: Vec<StageInfo>,
    /// Names bound by imports that resolved to nothing (already reported): uses of them
    /// are not reported again.
    pub unresolved_imports: Vec<(SourceFile, String)>,
    pub diagnostics: Vec<SemDiag>,
}

impl DefMap {
    pub fn scope(&self, file: SourceFile) -> Option<&Scope> {
        self.scopes.iter().find(|(f, _)| *f == file).map(|(_, s)| s)
    }

    /// A name at the top level of `file`: its own items and imports, then the prelude.
    pub fn resolve(&self, db: &dyn Db, file: SourceFile, name: &str) -> Option<Def> {
        if let Some(def) = self.scope(file).and_then(|s| s.names.get(name)) {
            return Some(*def);
        }
        let prelude = self.scope(self.prelude)?.names.get(name)?;
        match prelude {
            Def::Item(loc) if loc.file == self.prelude && loc.item(db).is_pub => Some(*prelude),
            _ => None,
        }
    }

    /// A name inside `container` (a class, stage or instance) of `file`: the file's names,
    /// then the public names of the modules that define the stages it builds on, so
    /// that `http_server Api { fn routes(self) Router }` sees `Router` from `std.http`.
    pub fn resolve_in(&self, db: &dyn Db, file: SourceFile, container: Option<ItemLoc>, name: &str) -> Option<Def> {
        if let Some(def) = self.resolve(db, file, name) {
            return Some(def);
        }
        let container = container?;
        for level in self.chain(container).into_iter().skip(1).filter(|l| l.file != file) {
            if let Some(Def::Item(loc)) = self.scope(level.file).and_then(|s| s.names.get(name))
                && loc.file == level.file
                && loc.item(db).is_pub
            {
                return Some(Def::Item(*loc));
            }
        }
        None
    }

    /// Whether `name` in `file` comes from an import that failed (and was reported).
    pub fn is_unresolved_import(&self, file: SourceFile, name: &str) -> bool {
        self.unresolved_imports.iter().any(|(f, n)| *f == file && n == name)
    }

    pub fn stage(&self, loc: ItemLoc) -> Option<&StageInfo> {
        self.stages.iter().find(|s| s.loc == loc)
    }

    /// The chain from `loc` up to its root template, `loc` first; stops at a cycle.
    pub fn chain(&self, loc: ItemLoc) -> Vec<ItemLoc> {
        let mut chain = vec![loc];
        let mut current = loc;
        while let Some(parent) = self.stage(current).and_then(|s| s.parent) {
            if chain.contains(&parent) {
                break;
            }
            chain.push(parent);
            current = parent;
        }
        chain
    }

    /// The unit whose name is `name`.
    pub fn unit(&self, name: &str) -> Option<ItemLoc> {
        self.units.get(name).copied()
    }

    /// The unit a stage-nested or stage item belongs to, if it is a unit.
    pub fn is_unit(&self, loc: ItemLoc) -> bool {
        self.stage(loc).is_some_and(|s| s.is_unit)
    }
}

/// A stage template's keyword: `HttpServer` → `http_server`.
pub fn snake_case(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[salsa::tracked(returns(ref))]
pub fn def_map(db: &dyn Db, program: Program) -> DefMap {
    let graph = module_graph(db, program);
    let prelude = graph.modules.last().expect("the prelude is always a module").file;
    let mut map = DefMap {
        scopes: Vec::new(),
        prelude,
        units: BTreeMap::new(),
        stages: Vec::new(),
        unresolved_imports: Vec::new(),
        diagnostics: Vec::new(),
    };
    for unresolved in &graph.unresolved {
        if let Some(name) =
            item_tree(db, unresolved.importer).imports.get(unresolved.index).and_then(|i| i.segments.last())
        {
            map.unresolved_imports.push((unresolved.importer, name.clone()));
        }
    }

    // Own items first, so that imports can refer to them.
    for module in &graph.modules {
        let tree = item_tree(db, module.file);
        let mut scope = Scope::default();
        for item in tree.items.iter() {
            if item.name.is_empty() {
                continue;
            }
            let loc = ItemLoc::of(module.file, item);
            if let Some(Def::Item(previous)) = scope.names.get(&item.name) {
                map.diagnostics.push(duplicate(db, loc, *previous, &item.name));
                continue;
            }
            scope.names.insert(item.name.clone(), Def::Item(loc));
        }
        map.scopes.push((module.file, scope));
    }

    // Imports.
    for import in &graph.imports {
        let tree = item_tree(db, import.importer);
        let Some(decl) = tree.imports.get(import.index) else { continue };
        let loc = Loc { file: import.importer, ast: decl.ast, range: decl.path_range };
        let (name, def) = match &import.item {
            None => (decl.segments.last().cloned().unwrap_or_default(), Def::Module(import.module)),
            Some(item_name) => {
                let target = map.scope(import.module).and_then(|s| s.names.get(item_name)).copied();
                match target {
                    Some(Def::Item(item)) if item.item(db).is_pub || item.file == import.importer => {
                        (item_name.clone(), Def::Item(item))
                    }
                    Some(Def::Item(item)) => {
                        map.diagnostics.push(
                            SemDiag::error(codes::PRIVATE_ITEM, loc, format!("`{item_name}` is private to its module"))
                                .label("not `pub`")
                                .with(item.name_loc(db), "declared here without `pub`")
                                .hint(format!(
                                    "mark it `pub {}` to use it from other modules",
                                    item.item(db).keyword()
                                )),
                        );
                        continue;
                    }
                    _ => {
                        map.diagnostics.push(
                            SemDiag::error(
                                codes::UNRESOLVED_NAME,
                                loc,
                                format!("module `{}` has no item `{item_name}`", module_name(&decl.segments)),
                            )
                            .label("not found in the module"),
                        );
                        continue;
                    }
                }
            }
        };
        let scope = &mut map.scopes.iter_mut().find(|(f, _)| *f == import.importer).expect("importer has a scope").1;
        if let Some(existing) = scope.names.get(&name) {
            if *existing != def {
                map.diagnostics.push(
                    SemDiag::error(codes::DUPLICATE_DEFINITION, loc, format!("`{name}` is defined twice"))
                        .label("this import clashes with another name"),
                );
            }
            continue;
        }
        scope.names.insert(name, def);
    }

    collect_stages(db, &mut map, &graph.modules.iter().map(|m| m.file).collect::<Vec<_>>());
    map
}

fn module_name(segments: &[String]) -> String {
    segments[..segments.len().saturating_sub(1)].join(".")
}

fn duplicate(db: &dyn Db, loc: ItemLoc, previous: ItemLoc, name: &str) -> SemDiag {
    SemDiag::error(codes::DUPLICATE_DEFINITION, loc.name_loc(db), format!("`{name}` is defined twice"))
        .label("second definition")
        .with(previous.name_loc(db), "first defined here")
}

/// Resolves a type path to an item of the program, for parents and keywords.
pub(crate) fn resolve_item_path(
    db: &dyn Db,
    map: &DefMap,
    file: SourceFile,
    container: Option<ItemLoc>,
    segments: &[String],
) -> Option<ItemLoc> {
    let (first, rest) = segments.split_first()?;
    let mut def = map.resolve_in(db, file, container, first)?;
    for segment in rest {
        def = match def {
            Def::Module(module) => match map.scope(module)?.names.get(segment)? {
                Def::Item(item) if item.item(db).is_pub => Def::Item(*item),
                _ => return None,
            },
            Def::Item(_) => return None,
        };
    }
    match def {
        Def::Item(item) => Some(item),
        Def::Module(_) => None,
    }
}

fn collect_stages(db: &dyn Db, map: &mut DefMap, files: &[SourceFile]) {
    // Every stage and instance, with its parent resolved.
    for &file in files {
        for item in item_tree(db, file).items.iter() {
            let loc = ItemLoc::of(file, item);
            let parent = match &item.kind {
                ItemKind::Stage(body) => match &body.parent {
                    Some(TypeRef::Path { segments, range, .. }) => {
                        let found = resolve_item_path(db, map, file, None, segments);
                        match found {
                            Some(p) if matches!(p.item(db).kind, ItemKind::Stage(_)) => Some(p),
                            _ => {
                                let what = if found.is_some() { "is not a stage" } else { "is not defined" };
                                map.diagnostics.push(
                                    SemDiag::error(
                                        codes::STAGE_PARENT,
                                        Loc { file, ast: item.ast, range: *range },
                                        format!("`{}` {what}", segments.join(".")),
                                    )
                                    .label("a stage can only refine another stage"),
                                );
                                None
                            }
                        }
                    }
                    _ => None,
                },
                ItemKind::Instance { keyword, keyword_range, .. } => {
                    let found = find_template(db, map, file, keyword);
                    if found.is_none() {
                        map.diagnostics.push(unknown_template(db, map, file, item, keyword, *keyword_range));
                    }
                    found
                }
                _ => continue,
            };
            map.stages.push(StageInfo { loc, parent, is_unit: false });
        }
    }
    // Cycles.
    for i in 0..map.stages.len() {
        let loc = map.stages[i].loc;
        let chain = map.chain(loc);
        if let Some(last) = chain.last()
            && map.stage(*last).and_then(|s| s.parent) == Some(loc)
        {
            let names: Vec<String> = chain.iter().chain([&loc]).map(|l| l.item(db).name.clone()).collect();
            map.diagnostics.push(
                SemDiag::error(
                    codes::STAGE_INHERITANCE_CYCLE,
                    loc.name_loc(db),
                    format!("stage inheritance cycle: {}", names.join(" : ")),
                )
                .label("this stage is its own ancestor"),
            );
            map.stages[i].parent = None;
        }
    }
    // Templates: named as a parent, or with a `requires fn` left unimplemented.
    let parents: Vec<ItemLoc> = map.stages.iter().filter_map(|s| s.parent).collect();
    for i in 0..map.stages.len() {
        let loc = map.stages[i].loc;
        let is_instance = matches!(loc.item(db).kind, ItemKind::Instance { .. });
        let is_template = !is_instance && (parents.contains(&loc) || !unimplemented_requires(db, map, loc).is_empty());
        map.stages[i].is_unit = !is_template;
    }
    for stage in &map.stages {
        if !stage.is_unit {
            continue;
        }
        let item = stage.loc.item(db);
        if let Some(previous) = map.units.get(&item.name) {
            map.diagnostics.push(
                SemDiag::error(
                    codes::DUPLICATE_DEFINITION,
                    stage.loc.name_loc(db),
                    format!("deployment unit `{}` is defined twice", item.name),
                )
                .label("unit names are global to the program")
                .with(previous.name_loc(db), "first defined here"),
            );
            continue;
        }
        map.units.insert(item.name.clone(), stage.loc);
    }
}

/// `requires fn`s of the chain of `loc` that no stage at or below the requiring one
/// implements.
pub fn unimplemented_requires(db: &dyn Db, map: &DefMap, loc: ItemLoc) -> Vec<(ItemLoc, String)> {
    let chain = map.chain(loc);
    let mut missing = Vec::new();
    for (depth, stage) in chain.iter().enumerate() {
        let Some(body) = stage.item(db).body() else { continue };
        for method in body.methods.iter().filter(|m| m.is_requires) {
            let implemented = chain[..depth].iter().any(|below| {
                below.item(db).body().is_some_and(|b| b.methods.iter().any(|m| m.name == method.name && !m.is_requires))
            });
            if !implemented && !missing.iter().any(|(_, n)| *n == method.name) {
                missing.push((*stage, method.name.clone()));
            }
        }
    }
    missing
}

fn find_template(db: &dyn Db, map: &DefMap, file: SourceFile, keyword: &str) -> Option<ItemLoc> {
    visible_templates(db, map, file).into_iter().find(|(k, _)| k == keyword).map(|(_, loc)| loc)
}

/// The stage templates visible by name in `file`, with their keywords.
fn visible_templates(db: &dyn Db, map: &DefMap, file: SourceFile) -> Vec<(String, ItemLoc)> {
    let mut found = Vec::new();
    let scopes = [map.scope(file), map.scope(map.prelude)];
    for (i, scope) in scopes.iter().enumerate() {
        let Some(scope) = scope else { continue };
        for (name, def) in &scope.names {
            if let Def::Item(loc) = def
                && matches!(loc.item(db).kind, ItemKind::Stage(_))
                && (i == 0 || loc.item(db).is_pub)
            {
                found.push((snake_case(name), *loc));
            }
        }
    }
    found
}

fn unknown_template(
    db: &dyn Db,
    map: &DefMap,
    file: SourceFile,
    item: &Item,
    keyword: &str,
    range: TextRange,
) -> SemDiag {
    let loc = Loc { file, ast: item.ast, range };
    let mut diag = SemDiag::error(codes::UNKNOWN_TEMPLATE, loc, format!("unknown stage template `{keyword}`"))
        .label("no stage template with this keyword is in scope");
    let candidates = visible_templates(db, map, file);
    let nearest = candidates.iter().map(|(k, _)| (edit_distance(k, keyword), k)).filter(|(d, _)| *d <= 3).min();
    if let Some((_, k)) = nearest {
        diag = diag.hint(format!("did you mean `{k}`?"));
    } else if keyword == "http_server" {
        diag = diag.hint("import the template first: `import std.http.HttpServer`");
    } else {
        let mut keywords: Vec<&str> = candidates.iter().map(|(k, _)| k.as_str()).collect();
        keywords.sort();
        diag = diag.hint(format!("templates in scope: {}", keywords.join(", ")));
    }
    diag
}

/// Levenshtein distance, for "did you mean" hints.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}
