//! Lowering bodies: every expression and pattern of every function in `test-data` gets an
//! id whose source range is its node's; scopes cover every expression; deep code lowers
//! without exhausting the stack; and what the scopes make visible, on one example.

use expect_test::expect;
use pluto_syntax::ast::{self, AstNode};
use pluto_syntax::{SyntaxKind, SyntaxNode};

use super::scope::ExprScopes;
use super::*;
use crate::item_tree::strip_trivia;

/// Every function of `text`, without trivia (the coordinates of bodies).
fn functions(text: &str) -> Vec<SyntaxNode> {
    let root = pluto_syntax::parse(text).syntax();
    root.descendants()
        .filter(|n| n.kind() == SyntaxKind::FN)
        .map(|n| SyntaxNode::new_root(strip_trivia(&n.green())))
        .collect()
}

/// The programs of test-data/check and test-data/run.
fn corpus() -> Vec<(String, String)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test-data");
    let mut out = Vec::new();
    for dir in ["check", "run"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "pluto") {
                out.push((path.display().to_string(), std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    out
}

#[test]
fn every_expression_and_pattern_has_an_id_at_its_range() {
    let mut bodies = 0;
    for (path, text) in corpus() {
        for f in functions(&text) {
            let (body, map) = lower::lower(&f);
            let Some(block) = ast::Fn::cast(f.clone()).and_then(|f| f.body()) else { continue };
            bodies += 1;
            for node in block.syntax().descendants() {
                if ast::Expr::can_cast(node.kind()) {
                    let id = map.exprs.get(&(node.kind(), node.text_range())).copied();
                    let id = id.unwrap_or_else(|| panic!("{path}: no expression for {node:?}"));
                    if !matches!(node.kind(), SyntaxKind::PAREN_EXPR | SyntaxKind::BLOCK_EXPR) {
                        assert_eq!(map.expr_range(id), node.text_range(), "{path}: {node:?}");
                    }
                } else if ast::Pattern::can_cast(node.kind()) {
                    let id = map.pats.get(&(node.kind(), node.text_range())).copied();
                    let id = id.unwrap_or_else(|| panic!("{path}: no pattern for {node:?}"));
                    assert_eq!(map.pat_range(id), node.text_range(), "{path}: {node:?}");
                }
            }
            // Every expression outside patterns is in a scope.
            let scopes = ExprScopes::new(&body);
            let in_patterns: Vec<ExprId> = body
                .pats
                .iter()
                .filter_map(|(_, p)| match p {
                    Pat::Literal { expr, .. } => Some(*expr),
                    _ => None,
                })
                .collect();
            for (id, _) in body.exprs.iter() {
                assert!(in_patterns.contains(&id) || scopes.scope_of(id).is_some(), "{path}: {:?}", body.exprs[id]);
            }
        }
    }
    assert!(bodies > 500, "only {bodies} bodies in test-data");
}

#[test]
fn deep_code_lowers_without_exhausting_the_stack() {
    let sum = vec!["1"; 20_000].join(" + ");
    let mut chain = String::from("if x == 0 { 0 }");
    for i in 1..5_000 {
        chain.push_str(&format!(" else if x == {i} {{ {i} }}"));
    }
    let calls = format!("s{}", ".trim()".repeat(5_000));
    let text = format!("fn f(x: int, s: string) int {{\n let a = {sum}\n let t = {calls}\n return {chain}\n}}\n");
    // Parsed on a thread with the command line's stack, lowered on one with far less.
    let parse = std::thread::Builder::new().stack_size(8 << 20).spawn(move || functions(&text)[0].green().to_owned());
    let green = parse.unwrap().join().unwrap();
    let handle = std::thread::Builder::new()
        .stack_size(256 << 10)
        .spawn({
            move || {
                let (body, _) = lower::lower(&SyntaxNode::new_root(green.clone()));
                let scopes = ExprScopes::new(&body);
                // The tree goes back to be dropped where it was made: dropping a green
                // tree recurses on its depth.
                (body.exprs.len(), body.exprs.iter().all(|(id, _)| scopes.scope_of(id).is_some()), green)
            }
        })
        .unwrap();
    let (exprs, scoped, green) = handle.join().unwrap();
    std::thread::Builder::new().stack_size(8 << 20).spawn(move || drop(green)).unwrap().join().unwrap();
    assert!(exprs > 40_000, "{exprs}");
    assert!(scoped);
}

#[test]
fn scopes_show_the_names_each_expression_sees() {
    let text = r#"
fn f(p: int, q: [int]) int {
    let a = p
    for i in q {
        let b = i + a
        print(b)
    }
    let g = (x: int) => x + a
    let r = match p { 0 => a, n => n + p }
    let s = lookup(p) catch e { a }
    return g(r) + s
}
"#;
    let f = &functions(text)[0];
    let (body, _) = lower::lower(f);
    let scopes = ExprScopes::new(&body);
    let mut lines = Vec::new();
    for (id, expr) in body.exprs.iter() {
        if let Expr::Path { name, .. } = expr {
            let visible: Vec<&str> = scopes
                .visible(&body, scopes.scope_of(id).unwrap())
                .iter()
                .map(|&b| body.binding_name(b).text.as_str())
                .collect();
            lines.push(format!("{} sees {}", name.text, visible.join(" ")));
        }
    }
    expect![[r#"
        p sees q p
        q sees a q p
        i sees i a q p
        a sees i a q p
        print sees b i a q p
        b sees b i a q p
        x sees x a q p
        a sees x a q p
        p sees g a q p
        a sees g a q p
        n sees n g a q p
        p sees n g a q p
        lookup sees r g a q p
        p sees r g a q p
        a sees e r g a q p
        g sees s r g a q p
        r sees s r g a q p
        s sees s r g a q p"#]]
    .assert_eq(&lines.join("\n"));
}
