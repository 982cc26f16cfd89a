//! Rename on the fixtures of `test-data/rename`: each `<case>.fixture` starts with
//! `// rename to: NEW`, then its files (`//- path`, the cursor at `$0`); `<case>.expected`
//! holds every changed file after the rename, or `refused: <why>` (`UPDATE_EXPECT=1`
//! rewrites them). The files of a successful rename must check as cleanly as before.

mod support;

use std::path::{Path, PathBuf};

fn run(case: &Path) -> String {
    let text = std::fs::read_to_string(case).unwrap();
    let (header, files) = text.split_once('\n').unwrap();
    let new_name = header.strip_prefix("// rename to: ").expect("the first line is `// rename to: NEW`").trim();
    let f = support::fixture(files);
    if let Err(why) = pluto_ide::prepare_rename(&f.db, f.program, f.cursor_file, f.cursor) {
        return format!("refused: {why}\n");
    }
    match pluto_ide::rename(&f.db, f.program, f.cursor_file, f.cursor, new_name) {
        Err(why) => format!("refused: {why}\n"),
        Ok(changes) => {
            let mut out = String::new();
            for change in changes {
                let mut renamed = change.file.text(&f.db).clone();
                let mut edits = change.edits.clone();
                edits.sort_by_key(|(r, _)| std::cmp::Reverse(r.start()));
                for (range, new) in edits {
                    renamed.replace_range(usize::from(range.start())..usize::from(range.end()), &new);
                }
                out.push_str(&format!("//- {}\n{renamed}", change.file.path(&f.db)));
            }
            out
        }
    }
}

#[test]
fn rename_cases() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test-data/rename");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "fixture"))
        .collect();
    cases.sort();
    assert!(cases.len() >= 10, "found only {} cases", cases.len());
    for case in cases {
        expect_test::expect_file![case.with_extension("expected")].assert_eq(&run(&case));
    }
}
