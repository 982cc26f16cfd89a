//! Parsing and the module graph: which files make up a program. A program is an entry
//! file plus everything it imports, transitively, plus the standard library prelude.
//! `import a.b` loads `a/b.pluto` beside the entry file, or, failing that, item `b` of
//! `a.pluto`; `import std.x.Y` does the same inside the embedded standard library.

use std::sync::Arc;

use pluto_syntax::ast::AstNode;
use pluto_syntax::{Parse, TextRange};

use crate::Db;
use crate::diagnostics::{Diagnostic, LineIndex, codes, from_syntax_error};
use crate::files::{FilePath, FileStatus, SourceFile};
use crate::stdlib;

/// A program: the file it starts from. Everything else is derived.
#[salsa::input(debug)]
pub struct Program {
    #[returns(copy)]
    pub entry: SourceFile,
}

/// The file's syntax tree. After an edit inside one block, only that block is parsed
/// again (`Parse::reparse`), so the other declarations keep their very green nodes.
// `no_eq`: a changed text never gives an equal tree, so comparing trees (deeply) to
// backdate would only cost time.
#[salsa::tracked(returns(ref), no_eq)]
pub fn parse(db: &dyn Db, file: SourceFile) -> Parse {
    let text = file.text(db);
    let parse = match db.last_parse(file) {
        Some((old_text, old)) if *old_text == **text => old,
        Some((old_text, old)) => old.reparse(&old_text, text),
        None => pluto_syntax::parse(text),
    };
    db.remember_parse(file, Arc::from(text.as_str()), &parse);
    parse
}

#[salsa::tracked(returns(ref))]
pub fn line_index(db: &dyn Db, file: SourceFile) -> LineIndex {
    LineIndex::new(file.text(db))
}

/// One `import` as written.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ImportDecl {
    pub segments: Vec<String>,
    pub range: TextRange,
}

/// The import paths of a file, without their positions.
#[salsa::tracked(returns(ref))]
pub fn import_paths(db: &dyn Db, file: SourceFile) -> Vec<Vec<String>> {
    file_imports(db, file).iter().map(|i| i.segments.clone()).collect()
}

#[salsa::tracked(returns(ref))]
pub fn file_imports(db: &dyn Db, file: SourceFile) -> Vec<ImportDecl> {
    parse(db, file)
        .tree()
        .imports()
        .filter_map(|import| {
            let path = import.path()?;
            let segments: Vec<String> = path.segments().map(|s| s.text()).collect();
            if segments.is_empty() || segments.iter().any(String::is_empty) {
                return None; // a syntax error has been reported
            }
            Some(ImportDecl { segments, range: path.syntax().text_range() })
        })
        .collect()
}

/// A module of a program.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Module {
    pub file: SourceFile,
    /// Dotted name as imported (`billing`, `a.b`, `std.http`); empty for the entry file.
    pub name: String,
}

/// An import and what it resolved to.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ResolvedImport {
    pub importer: SourceFile,
    /// Which of the importer's imports (in `file_imports` order).
    pub index: usize,
    pub module: SourceFile,
    /// For `import std.http.HttpServer`, the single item `HttpServer`.
    pub item: Option<String>,
}

/// An import that resolved to nothing, and the files it looked for.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct UnresolvedImport {
    pub importer: SourceFile,
    pub index: usize,
    pub tried: Vec<FilePath>,
}

/// The modules of a program. It holds no text offsets, so edits that do not change any
/// import leave it equal and nothing downstream re-runs.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ModuleGraph {
    /// The entry first, then modules in the order they were reached, then the prelude.
    pub modules: Vec<Module>,
    pub imports: Vec<ResolvedImport>,
    pub unresolved: Vec<UnresolvedImport>,
}

impl ModuleGraph {
    pub fn contains(&self, file: SourceFile) -> bool {
        self.modules.iter().any(|m| m.file == file)
    }
}

#[salsa::tracked(returns(ref))]
pub fn module_graph(db: &dyn Db, program: Program) -> ModuleGraph {
    let entry = program.entry(db);
    let root = match entry.path(db) {
        FilePath::Disk(p) => p.parent().map(|p| p.to_path_buf()).unwrap_or_default(),
        FilePath::Std(_) => Default::default(),
    };
    let mut graph = ModuleGraph {
        modules: vec![Module { file: entry, name: String::new() }],
        imports: Vec::new(),
        unresolved: Vec::new(),
    };
    let prelude = db.file(&FilePath::Std(stdlib::PRELUDE.to_string()));
    let mut queue = vec![entry, prelude];
    let mut next = 0;
    while next < queue.len() {
        let importer = queue[next];
        next += 1;
        for (index, segments) in import_paths(db, importer).iter().enumerate() {
            match resolve_import(db, &root, segments) {
                Ok((module, name, item)) => {
                    graph.imports.push(ResolvedImport { importer, index, module, item });
                    if !queue.contains(&module) {
                        queue.push(module);
                        graph.modules.push(Module { file: module, name });
                    }
                }
                Err(tried) => graph.unresolved.push(UnresolvedImport { importer, index, tried }),
            }
        }
    }
    graph.modules.push(Module { file: prelude, name: "std.prelude".to_string() });
    graph
}

/// The file, module name and single item an import path refers to, or the paths tried.
fn resolve_import(
    db: &dyn Db,
    root: &std::path::Path,
    segments: &[String],
) -> Result<(SourceFile, String, Option<String>), Vec<FilePath>> {
    let (is_std, rest) = match segments.split_first() {
        Some((first, rest)) if first == "std" => (true, rest),
        _ => (false, segments),
    };
    let file_path = |parts: &[String]| {
        let rel = format!("{}.pluto", parts.join("/"));
        if is_std { FilePath::Std(rel) } else { FilePath::disk(root.join(rel)) }
    };
    let module_name = |parts: &[String]| {
        let name = parts.join(".");
        if is_std { format!("std.{name}") } else { name }
    };
    let mut tried = Vec::new();
    if rest.is_empty() {
        return Err(tried);
    }
    // The whole path as a module, then all but the last segment with the last as an item.
    for split in [rest.len(), rest.len() - 1] {
        if split == 0 {
            continue;
        }
        let path = file_path(&rest[..split]);
        let file = db.file(&path);
        match file.status(db) {
            FileStatus::Exists => {
                let item = rest.get(split).cloned();
                return Ok((file, module_name(&rest[..split]), item));
            }
            FileStatus::Missing | FileStatus::Unreadable(_) => tried.push(path),
        }
    }
    Err(tried)
}

/// Diagnostics for the imports of a program that resolved to nothing.
#[salsa::tracked(returns(ref))]
pub fn import_diagnostics(db: &dyn Db, program: Program) -> Vec<Diagnostic> {
    module_graph(db, program)
        .unresolved
        .iter()
        .map(|u| unresolved(db, u.importer, &file_imports(db, u.importer)[u.index], &u.tried))
        .collect()
}

fn unresolved(db: &dyn Db, importer: SourceFile, import: &ImportDecl, tried: &[FilePath]) -> Diagnostic {
    let written = import.segments.join(".");
    let diagnostic =
        Diagnostic::error(codes::UNRESOLVED_IMPORT, format!("unresolved import `{written}`"), importer, import.range)
            .with_label("no module with this name");
    if tried.is_empty() {
        let modules: Vec<&str> =
            stdlib::FILES.iter().map(|(p, _)| p.trim_end_matches(".pluto")).filter(|p| *p != "prelude").collect();
        return diagnostic
            .with_hint(format!("import a module of the standard library: std.{}", modules.join(", std.")));
    }
    let unreadable = tried.iter().find_map(|p| match db.file(p).status(db) {
        FileStatus::Unreadable(reason) => Some(format!("`{p}` exists but cannot be read: {reason}")),
        _ => None,
    });
    if let Some(reason) = unreadable {
        return Diagnostic { code: codes::UNREADABLE_FILE, ..diagnostic }.with_hint(reason);
    }
    let tried: Vec<String> = tried.iter().map(|p| format!("`{p}`")).collect();
    diagnostic.with_hint(format!("looked for {}", tried.join(" and ")))
}

/// Syntax errors of one file, as diagnostics.
#[salsa::tracked(returns(ref))]
pub fn syntax_diagnostics(db: &dyn Db, file: SourceFile) -> Vec<Diagnostic> {
    parse(db, file).errors().iter().map(|e| from_syntax_error(file, e)).collect()
}

/// Every diagnostic of a program, in a stable order.
#[salsa::tracked(returns(ref))]
pub fn program_diagnostics(db: &dyn Db, program: Program) -> Vec<Diagnostic> {
    let graph = module_graph(db, program);
    let mut all = import_diagnostics(db, program).clone();
    for module in &graph.modules {
        all.extend(syntax_diagnostics(db, module.file).iter().cloned());
    }
    all
}
