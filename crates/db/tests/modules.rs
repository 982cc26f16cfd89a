//! The module graph: import resolution on disk-like trees, the embedded standard
//! library, and re-resolution when files appear.

use std::sync::Arc;

use pluto_db::modules::{module_graph, program_diagnostics};
use pluto_db::{Db, FilePath, MemoryLoader, RootDatabase, stdlib};

fn db_with(files: &[(&str, &str)]) -> RootDatabase {
    RootDatabase::new(Arc::new(MemoryLoader::new(files.iter().map(|(p, t)| (*p, *t)))))
}

fn module_names(db: &RootDatabase, entry: &str) -> Vec<String> {
    let program = db.program(&FilePath::disk(entry));
    module_graph(db, program).modules.iter().map(|m| m.file.path(db).to_string()).collect()
}

#[test]
fn stdlib_parses_without_errors() {
    for (path, text) in stdlib::FILES {
        let parse = pluto_syntax::parse(text);
        assert!(parse.errors().is_empty(), "stdlib/{path}: {:?}", parse.errors());
    }
}

#[test]
fn imports_resolve_beside_the_entry_file() {
    let db = db_with(&[
        ("proj/main.pluto", "import billing\nimport a.b\nimport std.http.HttpServer\nfn main() {}\n"),
        ("proj/billing.pluto", "import util\npub fn charge() {}\n"),
        ("proj/util.pluto", "pub fn helper() {}\n"),
        ("proj/a/b.pluto", "pub fn f() {}\n"),
    ]);
    assert_eq!(
        module_names(&db, "proj/main.pluto"),
        [
            "proj/main.pluto",
            "proj/billing.pluto",
            "proj/a/b.pluto",
            "<std>/http.pluto",
            "<std>/signal.pluto",
            "<std>/cli.pluto",
            "proj/util.pluto",
            "<std>/prelude.pluto",
        ]
    );
    let program = db.program(&FilePath::disk("proj/main.pluto"));
    let graph = module_graph(&db, program);
    let http = graph.imports.iter().find(|i| i.module.path(&db) == &FilePath::Std("http.pluto".into())).unwrap();
    assert_eq!(http.item.as_deref(), Some("HttpServer"));
    assert!(program_diagnostics(&db, program).is_empty(), "{:?}", program_diagnostics(&db, program));
}

#[test]
fn unresolved_imports_say_where_they_looked() {
    let db = db_with(&[("main.pluto", "import missing.thing\nimport std\nimport std.nope\n")]);
    let program = db.program(&FilePath::disk("main.pluto"));
    let diagnostics = program_diagnostics(&db, program);
    let summary: Vec<(String, &str, String)> =
        diagnostics.iter().map(|d| (d.message.clone(), d.code, d.hint.clone().unwrap_or_default())).collect();
    assert_eq!(summary.len(), 3, "{summary:#?}");
    assert_eq!(summary[0].0, "unresolved import `missing.thing`");
    assert_eq!(summary[0].1, "E0010");
    assert_eq!(summary[0].2, "looked for `missing/thing.pluto` and `missing.pluto`");
    assert!(summary[1].2.starts_with("import a module of the standard library: std.cli"), "{}", summary[1].2);
    assert_eq!(summary[2].2, "looked for `<std>/nope.pluto`");
}

#[test]
fn syntax_errors_of_every_module_are_reported() {
    let db = db_with(&[("main.pluto", "import lib\nfn main() {}\n"), ("lib.pluto", "fn broken( {\n")]);
    let program = db.program(&FilePath::disk("main.pluto"));
    let diagnostics = program_diagnostics(&db, program);
    assert!(!diagnostics.is_empty());
    assert!(diagnostics.iter().all(|d| d.file.path(&db) == &FilePath::disk("lib.pluto") && d.code == "E0001"));
}

#[test]
fn a_module_that_appears_later_is_picked_up() {
    let mut db = db_with(&[("main.pluto", "import late\nfn main() {}\n")]);
    let program = db.program(&FilePath::disk("main.pluto"));
    assert_eq!(program_diagnostics(&db, program).len(), 1);
    db.set_file_text(&FilePath::disk("late.pluto"), "pub fn f() {}\n".to_string());
    assert!(program_diagnostics(&db, program).is_empty());
    assert!(module_graph(&db, program).contains(db.file(&FilePath::disk("late.pluto"))));
}

#[test]
fn import_cycles_are_allowed() {
    let db = db_with(&[("main.pluto", "import a\n"), ("a.pluto", "import b\n"), ("b.pluto", "import a\n")]);
    let names = module_names(&db, "main.pluto");
    assert_eq!(
        names,
        ["main.pluto", "a.pluto", "<std>/signal.pluto", "<std>/cli.pluto", "b.pluto", "<std>/prelude.pluto"]
    );
}

#[test]
fn programs_are_discovered_from_entries() {
    use pluto_db::workspace::discover_programs;
    let db = db_with(&[
        ("main.pluto", "import lib\n"),
        ("lib.pluto", "pub fn f() {}\n"),
        ("tool.pluto", "fn main() {}\n"),
        ("x.pluto", "import y\n"),
        ("y.pluto", "import x\n"),
    ]);
    let candidates: Vec<FilePath> =
        ["lib.pluto", "main.pluto", "tool.pluto", "x.pluto", "y.pluto"].iter().map(FilePath::disk).collect();
    let entries: Vec<String> =
        discover_programs(&db, &candidates).iter().map(|p| p.entry(&db).path(&db).to_string()).collect();
    assert_eq!(entries, ["main.pluto", "tool.pluto", "x.pluto"]);
}
