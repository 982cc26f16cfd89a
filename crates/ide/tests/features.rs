//! IDE features on multi-file fixtures with cursor markers. A fixture is a list of
//! files, each starting with `//- path`; `$0` marks the cursor (and is removed).

mod support;

use pluto_db::SourceFile;
use support::fixture;

impl support::Fixture {
    fn goto(&self) -> String {
        let nav =
            pluto_ide::goto_definition(&self.db, self.program, self.cursor_file, self.cursor).expect("a definition");
        self.describe(&nav)
    }

    fn completion_labels(&self) -> Vec<String> {
        pluto_ide::completions(&self.db, self.program, self.cursor_file, self.cursor)
            .into_iter()
            .map(|c| c.label)
            .collect()
    }
}

const SHOP: &str = r#"//- app/api.pluto
import auth
import std.http

class Cart {
    items: [string]
    fn count(self) int { return self.items.len() }
}

stage api {
    fn main(self) {
        let cart = Cart { items: [] }
        let user = auth.verify_token("t")!
        print(cart.count() + user.len())
    }
}
//- app/auth.pluto
stage auth {
    error Invalid { token: string }
    pub fn verify_token(token: string) string {
        if token == "" { raise Invalid { token: token } }
        return token
    }
}
"#;

fn at(marker_after: &str) -> String {
    // Puts the cursor right after the first occurrence of `marker_after`.
    let at = SHOP.find(marker_after).unwrap() + marker_after.len();
    format!("{}$0{}", &SHOP[..at], &SHOP[at..])
}

#[test]
fn goto_definition_of_a_local() {
    assert_eq!(fixture(&at("print(car")).goto(), "app/api.pluto:11:13 `cart`");
}

#[test]
fn goto_definition_of_a_method_and_a_field() {
    assert_eq!(fixture(&at("print(cart.cou")).goto(), "app/api.pluto:6:8 `count`");
    assert_eq!(fixture(&at("self.ite")).goto(), "app/api.pluto:5:5 `items`");
}

#[test]
fn goto_definition_across_files_and_stage_boundaries() {
    assert_eq!(fixture(&at("auth.verify_to")).goto(), "app/auth.pluto:3:12 `verify_token`");
    assert_eq!(fixture(&at("= au")).goto(), "app/auth.pluto:1:7 `auth`");
    assert_eq!(fixture(&at("raise Inv")).goto(), "app/auth.pluto:2:11 `Invalid`");
}

#[test]
fn goto_definition_of_types_and_into_the_stdlib() {
    let f = fixture(&at("let cart = Ca"));
    assert_eq!(f.goto(), "app/api.pluto:4:7 `Cart`");
    let f = fixture(&at("import std.ht"));
    assert!(f.goto().starts_with("<std>/http.pluto:1:1"), "{}", f.goto());
}

#[test]
fn references_of_a_unit_function() {
    let f = fixture(&at("pub fn verify_to"));
    let refs: Vec<String> =
        pluto_ide::references(&f.db, f.program, f.cursor_file, f.cursor).iter().map(|n| f.describe(n)).collect();
    assert_eq!(refs, ["app/auth.pluto:3:12 `verify_token`", "app/api.pluto:12:25 `verify_token`"]);
}

#[test]
fn completion_of_members_after_a_dot() {
    let text = SHOP.replace("print(cart.count() + user.len())", "print(cart.$0)");
    let labels = fixture(&text).completion_labels();
    assert_eq!(labels, ["items", "count"]);
    let text = SHOP.replace("print(cart.count() + user.len())", "print(user.$0)");
    assert!(fixture(&text).completion_labels().contains(&"to_upper".to_string()));
}

#[test]
fn completion_of_a_units_pub_fns() {
    let text = SHOP.replace("let user = auth.verify_token(\"t\")!", "let user = auth.$0");
    let labels = fixture(&text).completion_labels();
    assert_eq!(labels, ["verify_token", "Invalid"]);
}

#[test]
fn completion_of_locals_and_keywords() {
    let text = SHOP.replace("print(cart.count() + user.len())", "print($0)");
    let labels = fixture(&text).completion_labels();
    for wanted in ["cart", "user", "Cart", "auth", "http", "print", "let", "string"] {
        assert!(labels.contains(&wanted.to_string()), "{wanted} missing from {labels:?}");
    }
}

#[test]
fn completion_offers_the_locals_in_scope_at_the_cursor() {
    let locals = |body: &str| {
        let text = format!("//- a.pluto\nfn f(p: int) {{\n{body}\n}}\n");
        let labels = fixture(&text).completion_labels();
        ["p", "a", "b", "later", "inner", "i", "x", "v", "e", "gone"]
            .into_iter()
            .filter(|n| labels.contains(&n.to_string()))
            .collect::<Vec<_>>()
    };
    // Earlier lets, not later ones, nor those of blocks already closed.
    assert_eq!(locals("let a = 1\nif true { let gone = 2 }\nlet b = $0\nlet later = 3"), ["p", "a"]);
    assert_eq!(locals("let a = 1\n$0\nlet later = 3"), ["p", "a"]);
    // The bindings of `for`, closures, match arms and `catch` handlers, inside them only.
    assert_eq!(locals("for i in 0..3 { let inner = i\n$0 }\nlet later = 1"), ["p", "inner", "i"]);
    assert_eq!(locals("let a = (x: int) => $0"), ["p", "x"]);
    assert_eq!(locals("let a: int? = none\nmatch a { v => $0 }"), ["p", "a", "v"]);
    assert_eq!(locals("let a = g() catch e { $0 }"), ["p", "e"]);
}

#[test]
fn completion_of_required_methods_in_an_instance() {
    let f = fixture(
        "//- a.pluto\nimport std.http.HttpServer\n\nhttp_server Web {\n    fn port(self) int { return 80 }\n    $0\n}\n",
    );
    let completions = pluto_ide::completions(&f.db, f.program, f.cursor_file, f.cursor);
    let snippets: Vec<&str> = completions.iter().filter_map(|c| c.snippet.as_deref()).collect();
    assert_eq!(snippets, ["fn routes(self) Router {\n    $0\n}", "fn shutdown(self) {\n    $0\n}"]);
}

#[test]
fn hover_on_a_function_shows_its_error_set() {
    let f = fixture(&at("pub fn verify_to"));
    let hover = pluto_ide::hover(&f.db, f.program, f.cursor_file, f.cursor).unwrap();
    assert_eq!(hover.markdown, "```pluto\nfn auth.verify_token(token: string) string\n```\n\nraises `auth.Invalid`");
}

#[test]
fn document_symbols_nest_members() {
    let f = fixture(&at("import auth"));
    let symbols = pluto_ide::document_symbols(&f.db, f.cursor_file);
    let outline: Vec<String> = symbols
        .iter()
        .map(|s| format!("{} [{}]", s.name, s.children.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", ")))
        .collect();
    assert_eq!(outline, ["Cart [items, count]", "api [main]"]);
}

#[test]
fn workspace_symbols_search_every_file() {
    let f = fixture(&at("import auth"));
    let files: Vec<SourceFile> =
        pluto_db::modules::module_graph(&f.db, f.program).modules.iter().map(|m| m.file).collect();
    let found: Vec<String> =
        pluto_ide::workspace_symbols(&f.db, &files, "verif").into_iter().map(|(_, s)| s.name).collect();
    assert_eq!(found, ["verify_token"]);
}

#[test]
fn inlay_hints_show_inferred_errors() {
    let f = fixture(&at("stage auth {"));
    let hints = pluto_ide::inlay_hints(&f.db, f.program, f.cursor_file);
    let labels: Vec<&str> = hints.iter().map(|h| h.label.as_str()).collect();
    assert_eq!(labels, ["raises auth.Invalid"]);
    let text = f.cursor_file.text(&f.db);
    assert!(text[..usize::from(hints[0].offset)].ends_with("verify_token(token: string) string "));
}

#[test]
fn code_lens_lists_the_callers_of_a_pub_fn() {
    let f = fixture(&at("stage auth {"));
    let lenses = pluto_ide::code_lenses(&f.db, f.program, f.cursor_file);
    let titles: Vec<&str> = lenses.iter().map(|l| l.title.as_str()).collect();
    assert_eq!(titles, ["called by api"]);
}

#[test]
fn signature_help_tracks_the_active_parameter() {
    let f =
        fixture("//- a.pluto\nfn add(a: int, b: int) int { return a + b }\n\nfn main() {\n    print(add(1, $0))\n}\n");
    let help = pluto_ide::signature_help(&f.db, f.program, f.cursor_file, f.cursor).unwrap();
    assert_eq!(help.label, "fn add(a: int, b: int) int");
    assert_eq!(help.active_parameter, 1);
    assert_eq!(&help.label[help.parameters[1].0 as usize..help.parameters[1].1 as usize], "b: int");
}

#[test]
fn hover_on_declarations_outside_bodies() {
    let f = fixture(&at("class Ca"));
    assert_eq!(
        pluto_ide::hover(&f.db, f.program, f.cursor_file, f.cursor).unwrap().markdown,
        "```pluto\nclass Cart\n```"
    );
    let f = fixture(&at("stage au"));
    assert_eq!(
        pluto_ide::hover(&f.db, f.program, f.cursor_file, f.cursor).unwrap().markdown,
        "```pluto\ndeployment unit auth\n```"
    );
    let f = fixture(&at("    item"));
    assert_eq!(
        pluto_ide::hover(&f.db, f.program, f.cursor_file, f.cursor).unwrap().markdown,
        "```pluto\nCart.items: [string]\n```"
    );
    let f = fixture(&at("verify_token(token: str"));
    assert!(
        pluto_ide::hover(&f.db, f.program, f.cursor_file, f.cursor).is_none(),
        "a primitive type has nothing to show"
    );
}

#[test]
fn hover_on_a_local_declaration_shows_its_type() {
    let f = fixture(&at("let car"));
    assert_eq!(pluto_ide::hover(&f.db, f.program, f.cursor_file, f.cursor).unwrap().markdown, "```pluto\nCart\n```");
}

#[test]
fn semantic_tokens_tell_units_remote_functions_errors_dependencies_and_mutable_locals() {
    let f = fixture(
        "//- app/api.pluto
import auth
$0
class Log {
    lines: [string] = []
}

stage api[log: Log] {
    fn main(self) {
        let mut n = 0
        let fixed = auth.verify(\"t\") catch e: auth.Denied { \"\" }
        n += fixed.len()
        self.log.lines.push(fixed)
    }
}
//- app/auth.pluto
pub error Denied { who: string }

stage auth {
    pub fn verify(token: string) string { return token }
}
",
    );
    let text = f.cursor_file.text(&f.db);
    let tokens: Vec<String> = pluto_ide::semantic_tokens(&f.db, f.program, f.cursor_file)
        .iter()
        .map(|t| {
            let mut flags = String::new();
            for (on, name) in [(t.declaration, " decl"), (t.mutable, " mut"), (t.remote, " remote")] {
                if on {
                    flags.push_str(name);
                }
            }
            format!("{} {:?}{flags}", &text[t.range], t.kind)
        })
        .collect();
    expect_test::expect![[r#"
        [
            "Log Class decl",
            "api Unit decl",
            "Log Class",
            "main Method decl",
            "n Variable decl mut",
            "fixed Variable decl",
            "auth Unit",
            "verify Method remote",
            "auth Module",
            "Denied Error",
            "n Variable mut",
            "fixed Variable",
            "log Dependency",
            "lines Field",
            "fixed Variable",
        ]
    "#]]
    .assert_debug_eq(&tokens);
}

/// Applies a quick fix's edits to `text`.
fn apply(text: &str, action: &pluto_ide::CodeAction) -> String {
    let mut out = text.to_string();
    let mut edits = action.edits.clone();
    edits.sort_by_key(|(r, _)| std::cmp::Reverse(r.start()));
    for (range, new) in edits {
        out.replace_range(usize::from(range.start())..usize::from(range.end()), &new);
    }
    out
}

#[test]
fn quick_fixes_propagate_catch_each_error_and_add_override() {
    let f = fixture(
        "//- app/api.pluto
import auth
$0
stage api {
    fn main(self) {
        let n = auth.check(\"t\")
        print(n)
    }
}
//- app/auth.pluto
pub error Denied { who: string }

stage auth {
    error Expired

    pub fn check(token: string) int {
        if token == \"\" { raise Denied { who: token } }
        if token == \"old\" { raise Expired }
        return 1
    }
}
",
    );
    let text = f.cursor_file.text(&f.db).clone();
    let call = text.find("auth.check").unwrap() as u32;
    let range = pluto_syntax::TextRange::empty(call.into());
    let actions = pluto_ide::code_actions(&f.db, f.program, f.cursor_file, range);
    let titles: Vec<&str> = actions.iter().map(|a| a.title.as_str()).collect();
    assert_eq!(titles, ["Propagate the errors with `!`", "Handle each error with `catch`"]);
    assert!(apply(&text, &actions[0]).contains("let n = auth.check(\"t\")!\n"));
    let caught = apply(&text, &actions[1]);
    assert!(caught.contains("let n = auth.check(\"t\") catch e: "), "{caught}");
    for handler in ["catch e: auth.Denied { 0 }", "catch e: auth.Expired { 0 }", "catch e: NetworkError { 0 }"] {
        assert!(caught.contains(handler), "{handler} missing in\n{caught}");
    }

    let f = fixture(
        "//- app/main.pluto
stage Base {
    requires fn run(self)
    fn greet(self) { print(\"base\") }
}
$0
stage Worker : Base {
    fn run(self) {}
    fn greet(self) { print(\"worker\") }
}
",
    );
    let text = f.cursor_file.text(&f.db).clone();
    let at = text.rfind("greet").unwrap() as u32;
    let actions = pluto_ide::code_actions(&f.db, f.program, f.cursor_file, pluto_syntax::TextRange::empty(at.into()));
    assert_eq!(actions.iter().map(|a| a.title.as_str()).collect::<Vec<_>>(), ["Add `override`"]);
    assert!(apply(&text, &actions[0]).contains("    override fn greet(self) { print(\"worker\") }"));
}

/// The quick fixes offered at the first occurrence of `at` in the cursor's file, and
/// the file after each.
fn fixes_at(f: &support::Fixture, at: &str) -> Vec<(String, String)> {
    let text = f.cursor_file.text(&f.db).clone();
    let offset = text.find(at).unwrap_or_else(|| panic!("`{at}` not in the file")) as u32;
    let range = pluto_syntax::TextRange::empty(offset.into());
    pluto_ide::code_actions(&f.db, f.program, f.cursor_file, range)
        .iter()
        .map(|a| (a.title.clone(), apply(&text, a)))
        .collect()
}

#[test]
fn quick_fixes_implement_missing_requires_fns() {
    let f = fixture(
        "//- main.pluto
$0class Job {
    id: int
}

stage Runner {
    requires fn run(self, job: Job)
    requires fn name(self) string
    fn main(self) {
        print(self.name())
        self.run(Job { id: 1 })
    }
}

runner Nightly {
    fn name(self) string { return \"n\" }
}

runner Weekly {}
",
    );
    let fixes = fixes_at(&f, "Nightly");
    assert_eq!(fixes.len(), 1, "{fixes:?}");
    assert_eq!(fixes[0].0, "Implement `run`");
    assert!(
        fixes[0].1.contains("    fn name(self) string { return \"n\" }\n    fn run(self, job: Job) {\n    }\n}\n"),
        "{}",
        fixes[0].1
    );
    let fixes = fixes_at(&f, "Weekly");
    assert_eq!(fixes[0].0, "Implement the 2 missing methods");
    assert!(
        fixes[0].1.contains("runner Weekly {\n    fn run(self, job: Job) {\n    }\n    fn name(self) string {\n    }\n}"),
        "{}",
        fixes[0].1
    );
    // With bodies filled in, the fixed program checks cleanly.
    let fixed = fixes[0].1.replace("fn name(self) string {\n    }", "fn name(self) string { return \"w\" }");
    let fixed = fixes_at(&f, "Nightly")[0].1.replace("runner Weekly {}", &fixed[fixed.find("runner Weekly").unwrap()..]);
    let g = fixture(&format!("//- main.pluto\n$0{fixed}"));
    let diagnostics = pluto_ide::diagnostics_by_file(&g.db, &[g.program]);
    let errors: Vec<_> = diagnostics.iter().flat_map(|(_, d)| d).map(|d| &d.message).collect();
    assert!(errors.is_empty(), "{errors:?}\n{fixed}");
}

#[test]
fn quick_fixes_import_an_unresolved_name() {
    let f = fixture(
        "//- main.pluto
import billing

fn main() {
    print(billing.total(2))
}
//- report.pluto
$0fn show(i: Invoice) {
    let r = Router.new()
    print(time.now_ms())
}
//- billing.pluto
import report

pub class Invoice {
    amount: int
}

pub fn total(n: int) int {
    return n
}
",
    );
    let titles = |at: &str| fixes_at(&f, at).into_iter().map(|(t, _)| t).collect::<Vec<_>>();
    assert_eq!(titles("Invoice"), ["Import `billing.Invoice`"]);
    assert_eq!(titles("Router"), ["Import `std.http.Router`"]);
    assert_eq!(titles("time"), ["Import `std.time`"]);
    let fixed = &fixes_at(&f, "Router")[0].1;
    assert!(fixed.starts_with("import std.http.Router\n\nfn show(i: Invoice) {"), "{fixed}");
}
