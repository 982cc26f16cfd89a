//! No query panics on any input: random mutations of the checker corpus go through the
//! whole analysis (names, types, error sets, stages) and the diagnostics must map back
//! into the text. Bounded to a few seconds.

#[path = "support/mutate.rs"]
mod mutate;

use std::sync::Arc;

use mutate::{corpus, mutate};
use pluto_db::{FilePath, MemoryLoader, RootDatabase};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn the_checker_never_panics(
        file in any::<prop::sample::Index>(),
        edits in proptest::collection::vec((any::<usize>(), any::<usize>(), any::<bool>()), 1..6),
    ) {
        let texts = corpus();
        let text = mutate(&texts[file.index(texts.len())], &edits);
        let db = RootDatabase::new(Arc::new(MemoryLoader::new([("p/main.pluto", text.as_str())])));
        let program = db.program(&FilePath::disk("p/main.pluto"));
        for d in pluto_hir::program_diagnostics(&db, program) {
            let len = d.file.text(&db).len();
            prop_assert!(usize::from(d.range.end()) <= len, "{:?} outside the text", d);
            prop_assert!(d.file.text(&db).is_char_boundary(usize::from(d.range.start())));
        }
    }
}
