//! No IDE feature panics on any input, and every range it returns lies in the text it
//! speaks of (on character boundaries): random mutations of the checker corpus, each
//! feature asked about the whole file and at a few offsets (the cursor anywhere, as in an
//! editor while typing). Bounded to a few seconds.

#[path = "../../hir/tests/support/mutate.rs"]
mod mutate;

use std::sync::Arc;

use mutate::{corpus, mutate};
use pluto_db::{Db, FilePath, MemoryLoader, RootDatabase, SourceFile};
use pluto_syntax::{TextRange, TextSize};
use proptest::prelude::*;

/// Whether `range` is a range of `file`'s text, on character boundaries.
fn inside(db: &dyn Db, file: SourceFile, range: TextRange) -> bool {
    let text = file.text(db);
    let (start, end) = (usize::from(range.start()), usize::from(range.end()));
    end <= text.len() && text.is_char_boundary(start) && text.is_char_boundary(end)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn ide_features_never_panic(
        file in any::<prop::sample::Index>(),
        edits in proptest::collection::vec((any::<usize>(), any::<usize>(), any::<bool>()), 1..5),
        offsets in proptest::collection::vec(any::<usize>(), 4),
    ) {
        let texts = corpus();
        let text = mutate(&texts[file.index(texts.len())], &edits);
        let db = RootDatabase::new(Arc::new(MemoryLoader::new([("p/main.pluto", text.as_str())])));
        let program = db.program(&FilePath::disk("p/main.pluto"));
        let f = db.file(&FilePath::disk("p/main.pluto"));
        let db = &db;

        for (file, diagnostics) in pluto_ide::diagnostics_by_file(db, &[program]) {
            for d in diagnostics {
                prop_assert!(inside(db, file, d.range), "diagnostic {:?}", d);
            }
        }
        for t in pluto_ide::semantic_tokens(db, program, f) {
            prop_assert!(inside(db, f, t.range), "semantic token {:?}", t.range);
        }
        for h in pluto_ide::inlay_hints(db, program, f) {
            prop_assert!(inside(db, f, TextRange::empty(h.offset)), "inlay hint at {:?}", h.offset);
        }
        for l in pluto_ide::code_lenses(db, program, f) {
            prop_assert!(inside(db, f, l.range), "code lens {:?}", l.range);
        }
        for (file, s) in pluto_ide::workspace_symbols(db, &[f], "") {
            prop_assert!(inside(db, file, s.range) && inside(db, file, s.name_range), "symbol {}", s.name);
        }
        let _ = pluto_ide::format(&text);

        for &at in &offsets {
            let mut at = at % (text.len() + 1);
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            let offset = TextSize::from(at as u32);
            if let Some(h) = pluto_ide::hover(db, program, f, offset) {
                prop_assert!(inside(db, f, h.range), "hover {:?}", h.range);
            }
            for nav in pluto_ide::goto_definition(db, program, f, offset).into_iter()
                .chain(pluto_ide::references(db, program, f, offset))
            {
                prop_assert!(inside(db, nav.file, nav.range), "navigation {:?}", nav.range);
            }
            let _ = pluto_ide::completions(db, program, f, offset);
            let _ = pluto_ide::signature_help(db, program, f, offset);
            for action in pluto_ide::code_actions(db, program, f, TextRange::empty(offset)) {
                for (range, _) in &action.edits {
                    prop_assert!(inside(db, f, *range), "code action {} edits {:?}", action.title, range);
                }
            }
            if let Ok(range) = pluto_ide::prepare_rename(db, program, f, offset) {
                prop_assert!(inside(db, f, range), "rename range {:?}", range);
                if let Ok(files) = pluto_ide::rename(db, program, f, offset, "renamed") {
                    for edits in files {
                        for (range, _) in &edits.edits {
                            prop_assert!(inside(db, edits.file, *range), "rename edit {:?}", range);
                        }
                    }
                }
            }
        }
    }
}
