//! Property tests: for arbitrary text and for random mutations of the corpus programs,
//! the parser returns (no panic), the tree's text equals the input, and every error
//! range lies inside the text on character boundaries. Bounded to a few seconds.

use proptest::prelude::*;
use std::path::Path;

fn check(text: &str) -> Result<(), TestCaseError> {
    let parse = pluto_syntax::parse(text);
    prop_assert_eq!(parse.syntax().to_string(), text);
    for error in parse.errors() {
        let (start, end) = (usize::from(error.range.start()), usize::from(error.range.end()));
        prop_assert!(start <= end && end <= text.len(), "error {:?} outside text", error);
        prop_assert!(text.is_char_boundary(start) && text.is_char_boundary(end), "error {:?} splits a char", error);
        prop_assert!(!error.message.is_empty());
    }
    // The typed layer must cope with whatever tree came out.
    for item in parse.tree().items() {
        let _ = pluto_syntax::ast::AstNode::syntax(&item).text_range();
    }
    Ok(())
}

fn corpus() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test-data/parser");
    let mut texts = Vec::new();
    for kind in ["ok", "err"] {
        let mut paths: Vec<_> = std::fs::read_dir(root.join(kind)).unwrap().map(|e| e.unwrap().path()).collect();
        paths.sort();
        for path in paths.into_iter().filter(|p| p.extension().is_some_and(|e| e == "pluto")) {
            texts.push(std::fs::read_to_string(path).unwrap());
        }
    }
    texts
}

/// Fragments that are likely to confuse a parser when spliced in at random.
const FRAGMENTS: &[&str] = &[
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    "\"",
    "f\"",
    "{x}",
    "\n",
    ",",
    ".",
    "..",
    "=>",
    "!",
    "?",
    "<",
    ">",
    ":",
    "fn ",
    "stage ",
    "class ",
    "catch ",
    "catch e: E ",
    "raise ",
    "let ",
    "if ",
    "else ",
    "match ",
    "for ",
    "in ",
    "requires ",
    "override ",
    "pub ",
    "self",
    "//",
    "0x",
    "1.5e",
    "é",
    "\\",
    "daemon W ",
    "=",
];

#[derive(Debug, Clone)]
enum Edit {
    Delete { at: usize, len: usize },
    Insert { at: usize, fragment: usize },
    Duplicate { at: usize, len: usize },
}

fn apply(text: &str, edits: &[Edit]) -> String {
    let mut s = text.to_string();
    for edit in edits {
        let clamp = |s: &str, i: usize| {
            let mut i = if s.is_empty() { 0 } else { i % (s.len() + 1) };
            while !s.is_char_boundary(i) {
                i -= 1;
            }
            i
        };
        match *edit {
            Edit::Delete { at, len } => {
                let start = clamp(&s, at);
                let end = clamp(&s, (start + len).min(s.len()));
                s.replace_range(start..end.max(start), "");
            }
            Edit::Insert { at, fragment } => {
                let at = clamp(&s, at);
                s.insert_str(at, FRAGMENTS[fragment % FRAGMENTS.len()]);
            }
            Edit::Duplicate { at, len } => {
                let start = clamp(&s, at);
                let end = clamp(&s, (start + len).min(s.len())).max(start);
                let piece = s[start..end].to_string();
                s.insert_str(end, &piece);
            }
        }
    }
    s
}

fn edit_strategy() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), 0usize..20).prop_map(|(at, len)| Edit::Delete { at, len }),
        (any::<usize>(), any::<usize>()).prop_map(|(at, fragment)| Edit::Insert { at, fragment }),
        (any::<usize>(), 0usize..40).prop_map(|(at, len)| Edit::Duplicate { at, len }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_break_the_parser(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        check(&String::from_utf8_lossy(&bytes))?;
    }

    #[test]
    fn arbitrary_token_soup_never_breaks_the_parser(pieces in proptest::collection::vec(0usize..FRAGMENTS.len(), 0..120)) {
        let text: String = pieces.iter().map(|&i| FRAGMENTS[i]).collect();
        check(&text)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn mutated_corpus_programs_never_break_the_parser(
        file in any::<prop::sample::Index>(),
        edits in proptest::collection::vec(edit_strategy(), 1..6),
    ) {
        let texts = corpus_cache();
        let text = &texts[file.index(texts.len())];
        check(&apply(text, &edits))?;
    }
}

fn corpus_cache() -> &'static [String] {
    static CORPUS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    CORPUS.get_or_init(corpus)
}

#[test]
fn deep_nesting_is_bounded() {
    for open in ["(", "[", "{", "-", "!", "if x {", "Foo { a: ", "\"{"] {
        let text = format!("fn main() {{\n    let x = {}\n}}\n", open.repeat(20_000));
        check(&text).unwrap();
    }
    for open in ["class A {", "stage s {", "trait T { fn f() {", "fn f(x: fn(", "fn f(x: ["] {
        check(&open.repeat(20_000)).unwrap();
    }
}

/// Edits inside function bodies, as typing makes them: a deletion, an insertion of a
/// fragment, or a duplicated piece, placed in the body of a random block.
fn edit_in_block(text: &str, block: prop::sample::Index, edit: &Edit) -> Option<String> {
    let parse = pluto_syntax::parse(text);
    let blocks: Vec<_> = parse
        .syntax()
        .descendants()
        .filter(|n| n.kind() == pluto_syntax::SyntaxKind::BLOCK && n.text_range().len() > 2.into())
        .collect();
    if blocks.is_empty() {
        return None;
    }
    let range = blocks[block.index(blocks.len())].text_range();
    // Positions strictly inside the braces.
    let (lo, hi) = (usize::from(range.start()) + 1, usize::from(range.end()) - 1);
    let inside = |at: usize| lo + at % (hi - lo + 1);
    let moved = match *edit {
        Edit::Delete { at, len } => Edit::Delete { at: inside(at), len: len.min(hi - inside(at)) },
        Edit::Insert { at, fragment } => Edit::Insert { at: inside(at), fragment },
        Edit::Duplicate { at, len } => Edit::Duplicate { at: inside(at), len: len.min(hi - inside(at)) },
    };
    Some(apply(text, &[moved]))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 600, failure_persistence: None, ..ProptestConfig::default() })]

    /// Reparsing after an edit gives exactly the tree and errors of parsing from scratch,
    /// whether the edited block could be reparsed alone or not.
    #[test]
    fn reparsing_an_edit_equals_parsing_from_scratch(
        file in any::<prop::sample::Index>(),
        block in any::<prop::sample::Index>(),
        edits in proptest::collection::vec(edit_strategy(), 1..4),
    ) {
        let texts = corpus_cache();
        let mut text = texts[file.index(texts.len())].clone();
        let mut parse = pluto_syntax::parse(&text);
        for edit in &edits {
            let Some(next) = edit_in_block(&text, block, edit) else { break };
            let reparsed = parse.reparse(&text, &next);
            let fresh = pluto_syntax::parse(&next);
            prop_assert_eq!(reparsed.green(), fresh.green(), "tree differs after editing to:\n{}", next);
            prop_assert_eq!(reparsed.errors(), fresh.errors());
            text = next;
            parse = reparsed;
        }
    }
}

#[test]
fn reparsing_a_body_edit_shares_the_other_declarations() {
    let old = "fn a() int {\n    return 1\n}\n\nfn b() int {\n    return 2\n}\n";
    let new = old.replace("return 1", "return 1 + 41");
    let before = pluto_syntax::parse(old);
    let after = before.reparse(old, &new);
    assert_eq!(after.green(), pluto_syntax::parse(&new).green());
    let fns = |p: &pluto_syntax::Parse| -> Vec<pluto_syntax::GreenNode> {
        p.syntax().children().map(|n| n.green().to_owned()).collect()
    };
    let (x, y) = (fns(&before), fns(&after));
    // `b` is the same node, not an equal copy; `a` is new.
    assert!(std::ptr::eq(&*x[1], &*y[1]));
    assert!(!std::ptr::eq(&*x[0], &*y[0]));
}
