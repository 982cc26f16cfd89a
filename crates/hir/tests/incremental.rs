//! Incrementality, observed through salsa's event log (as rust-analyzer and ty test
//! it): an edit inside one function body re-runs type inference for that function only,
//! and an edit to whitespace or a comment re-runs no semantic query at all.

use std::sync::Arc;

use pluto_db::{FilePath, MemoryLoader, RootDatabase};

/// Queries that analyse meaning, as opposed to the syntax-level ones (`parse`,
/// `item_tree`, `ast_id_map`, `decl_green`) that must re-run to notice an edit.
const SEMANTIC: &[&str] = &[
    "def_map",
    "file_signatures",
    "adt_data",
    "infer_fn",
    "error_sets",
    "file_error_summaries",
    "file_error_diagnostics",
    "declaration_diagnostics",
    "program_semantic_diagnostics",
    "file_semantic_diagnostics",
    "module_graph",
];

const MAIN: &str = r#"import billing

error Invalid { reason: string }

fn parse_amount(s: string) int {
    if s == "" {
        raise Invalid { reason: "empty" }
    }
    return s.len() * 100
}

fn total(xs: [int]) int {
    let mut sum = 0
    for x in xs {
        sum += x
    }
    return sum
}

// A comment that the test edits.
fn main() {
    let amount = parse_amount("12")!
    billing.charge(amount + total([1, 2, 3]))
}
"#;

const BILLING: &str = r#"pub fn charge(amount: int) {
    print("charging {amount}")
}
"#;

fn setup() -> (RootDatabase, pluto_db::Program) {
    let loader = MemoryLoader::new([("shop/main.pluto", MAIN), ("shop/billing.pluto", BILLING)]);
    let mut db = RootDatabase::with_event_log(Arc::new(loader));
    // The edited file is open in an editor, as in the language server.
    db.open_file(&FilePath::disk("shop/main.pluto"));
    let program = db.program(&FilePath::disk("shop/main.pluto"));
    // Warm every query.
    let diagnostics = pluto_hir::program_diagnostics(&db, program);
    assert!(diagnostics.is_empty(), "the test program should be clean: {diagnostics:#?}");
    (db, program)
}

/// The names of the queries that executed since the log started.
fn executed(db: &RootDatabase) -> Vec<String> {
    db.take_events()
        .into_iter()
        .filter_map(|event| match event.kind {
            salsa::EventKind::WillExecute { database_key } => Some(salsa::attach(db, || format!("{database_key:?}"))),
            _ => None,
        })
        .map(|key| key.split('(').next().unwrap_or_default().to_string())
        .collect()
}

fn edit(db: &mut RootDatabase, from: &str, to: &str) {
    let path = FilePath::disk("shop/main.pluto");
    let text = MAIN.replace(from, to);
    assert_ne!(text, MAIN, "the edit must change the text");
    db.set_file_text(&path, text);
}

#[test]
fn editing_a_function_body_reinfers_only_that_function() {
    let (mut db, program) = setup();
    db.start_event_log();
    edit(&mut db, "        sum += x\n", "        sum += x * 2\n");
    let diagnostics = pluto_hir::program_diagnostics(&db, program);
    assert!(diagnostics.is_empty(), "{diagnostics:#?}");
    let ran = executed(&db);
    let inferred = ran.iter().filter(|q| *q == "infer_fn").count();
    assert_eq!(inferred, 1, "expected one function re-inferred, ran: {ran:?}");
    for query in ["def_map", "fn_signature", "adt_data", "module_graph", "declaration_diagnostics"] {
        assert!(!ran.iter().any(|q| q == query), "`{query}` re-ran after a body edit: {ran:?}");
    }
}

#[test]
fn editing_a_body_updates_its_diagnostics() {
    let (mut db, program) = setup();
    edit(&mut db, "        sum += x\n", "        sum += x + true\n");
    let diagnostics = pluto_hir::program_diagnostics(&db, program);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
    assert_eq!(diagnostics[0].code, "E0207");
}

#[test]
fn whitespace_and_comment_edits_rerun_no_semantic_query() {
    for (from, to) in [
        ("// A comment that the test edits.", "// A longer comment that the test has edited, moving text."),
        ("fn total(xs: [int]) int {", "\n\n   fn total(xs: [int]) int {"),
        ("    return sum\n", "    return sum   \n\n"),
    ] {
        let (mut db, program) = setup();
        db.start_event_log();
        edit(&mut db, from, to);
        let diagnostics = pluto_hir::program_diagnostics(&db, program);
        assert!(diagnostics.is_empty(), "{diagnostics:#?}");
        let ran = executed(&db);
        let semantic: Vec<&String> = ran.iter().filter(|q| SEMANTIC.contains(&q.as_str())).collect();
        assert!(semantic.is_empty(), "edit {from:?} -> {to:?} re-ran semantic queries {semantic:?} (all: {ran:?})");
    }
}

#[test]
fn diagnostics_move_with_the_text() {
    let (mut db, program) = setup();
    edit(&mut db, "        sum += x\n", "        sum += x + true\n");
    let before = pluto_hir::program_diagnostics(&db, program)[0].range;
    let moved =
        MAIN.replace("        sum += x\n", "        sum += x + true\n").replace("// A comment", "\n\n// A comment");
    db.set_file_text(&FilePath::disk("shop/main.pluto"), moved);
    let after = pluto_hir::program_diagnostics(&db, program)[0].range;
    assert_eq!(after, before, "the error is above the comment, so it must not move");
    let moved =
        MAIN.replace("        sum += x\n", "        sum += x + true\n").replace("error Invalid", "\n\nerror Invalid");
    db.set_file_text(&FilePath::disk("shop/main.pluto"), moved);
    let after = pluto_hir::program_diagnostics(&db, program)[0].range;
    assert_eq!(
        after,
        before + pluto_syntax::TextSize::from(2),
        "two newlines above the function move the error by two"
    );
}

/// Handles to declarations made in one revision must not break analysis in the next,
/// when the declarations they named are gone (salsa re-validates old results by
/// re-running queries with their old keys).
#[test]
fn removing_declarations_between_edits_never_panics() {
    let full = r#"class Box {
    v: int
    fn a(self) int { return self.v }
    fn b(self) int { return self.a() + 1 }
    fn c(self) int { return self.b() + 1 }
}
fn f1(x: Box) int { return x.c() }
fn f2() int { return f1(Box { v: 1 }) }
fn main() { print(f2()) }
"#;
    let shrunk = [
        full.replace("    fn c(self) int { return self.b() + 1 }\n", ""),
        full.replace("    fn b(self) int { return self.a() + 1 }\n    fn c(self) int { return self.b() + 1 }\n", ""),
        "fn main() { print(1) }\n".to_string(),
        String::new(),
        full.to_string(),
        "class Box { v: int }\nfn main() {}\n".to_string(),
    ];
    let loader = MemoryLoader::new([("p/main.pluto", full)]);
    let mut db = RootDatabase::new(Arc::new(loader));
    let path = FilePath::disk("p/main.pluto");
    let file = db.open_file(&path);
    let program = db.program(&path);
    pluto_hir::program_diagnostics(&db, program);
    // Handles to every function of the first revision.
    let mut old: Vec<pluto_hir::FnLoc> = Vec::new();
    for offset in 0..full.len() as u32 {
        if let Some(f) = pluto_hir::Semantics::new(&db, program).fn_at(file, offset.into())
            && !old.contains(&f)
        {
            old.push(f);
        }
    }
    assert_eq!(old.len(), 6, "{old:?}");
    for text in shrunk {
        db.set_file_text(&path, text.clone());
        // Every query of the revision, including those whose old results hold old handles.
        let _ = pluto_hir::program_diagnostics(&db, program);
        // And the old handles themselves, asked directly.
        let sema = pluto_hir::Semantics::new(&db, program);
        for &f in &old {
            let _ = sema.signature(f);
            let _ = sema.infer(f);
            let _ = sema.fn_errors(f);
            let _ = sema.typed_ranges(pluto_hir::BodyOwner::Fn(f));
            let _ = sema.declaration_loc(pluto_hir::BodyOwner::Fn(f)).map(|l| l.absolute(&db));
            if let Some(owner) = f.container() {
                let _ = sema.adt(owner);
            }
        }
    }
}
