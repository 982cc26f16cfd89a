//! Multi-file fixtures with a cursor: a list of files, each starting with `//- path`;
//! `$0` marks the cursor (and is removed). The first file is the program's entry.

#![allow(dead_code)]

use std::sync::Arc;

use pluto_db::{Db, FilePath, MemoryLoader, Program, RootDatabase, SourceFile};
use pluto_syntax::TextSize;

pub struct Fixture {
    pub db: RootDatabase,
    pub program: Program,
    pub cursor_file: SourceFile,
    pub cursor: TextSize,
}

pub fn fixture(text: &str) -> Fixture {
    let mut files = Vec::new();
    let mut cursor = None;
    for chunk in text.split("//- ").filter(|c| !c.trim().is_empty()) {
        let (path, body) = chunk.split_once('\n').unwrap();
        let path = path.trim().to_string();
        let body = match body.find("$0") {
            Some(at) => {
                cursor = Some((path.clone(), at));
                body.replacen("$0", "", 1)
            }
            None => body.to_string(),
        };
        files.push((path, body));
    }
    let entry = files[0].0.clone();
    let db = RootDatabase::new(Arc::new(MemoryLoader::new(files.iter().map(|(p, t)| (p.clone(), t.clone())))));
    let program = db.program(&FilePath::disk(&entry));
    let (cursor_path, at) = cursor.expect("fixture has a $0");
    let cursor_file = db.file(&FilePath::disk(&cursor_path));
    Fixture { db, program, cursor_file, cursor: TextSize::from(at as u32) }
}

impl Fixture {
    /// `file:line:column` of a navigation target, 1-based, and the text at it.
    pub fn describe(&self, nav: &pluto_ide::NavTarget) -> String {
        let text = nav.file.text(&self.db);
        let index = pluto_db::modules::line_index(&self.db, nav.file);
        let (line, col) = index.line_col(text, nav.range.start());
        format!("{}:{}:{} `{}`", nav.file.path(&self.db), line + 1, col + 1, &text[nav.range])
    }
}
