//! The Pluto compiler database: salsa inputs (source files, programs), the queries
//! shared by `pluto check`, the language server and code generation, and diagnostics
//! as plain data. Semantic queries build on the ones here.

pub mod diagnostics;
pub mod files;
pub mod modules;
pub mod stdlib;
pub mod workspace;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use salsa::Setter;

pub use diagnostics::{Diagnostic, Label, LineIndex, Severity};
pub use files::{DiskLoader, FileLoader, FilePath, FileStatus, MemoryLoader, SourceFile};
pub use modules::{Module, ModuleGraph, Program};

/// What queries may ask of the database beyond salsa itself.
#[salsa::db]
pub trait Db: salsa::Database {
    /// The file at `path`, loaded on first use (a missing file is a `SourceFile` whose
    /// status says so).
    fn file(&self, path: &FilePath) -> SourceFile;
}

/// The one database implementation, used by the CLI, the language server and tests.
#[salsa::db]
#[derive(Clone)]
pub struct RootDatabase {
    storage: salsa::Storage<Self>,
    files: Arc<Mutex<HashMap<FilePath, SourceFile>>>,
    loader: Arc<dyn FileLoader>,
    events: Arc<Mutex<Option<Vec<salsa::Event>>>>,
}

impl Default for RootDatabase {
    fn default() -> Self {
        RootDatabase::new(Arc::new(DiskLoader))
    }
}

impl RootDatabase {
    pub fn new(loader: Arc<dyn FileLoader>) -> Self {
        let events: Arc<Mutex<Option<Vec<salsa::Event>>>> = Arc::default();
        let sink = events.clone();
        let storage = salsa::Storage::new(Some(Box::new(move |event: salsa::Event| {
            if let Some(log) = sink.lock().unwrap().as_mut() {
                log.push(event);
            }
        })));
        RootDatabase { storage, files: Arc::default(), loader, events }
    }

    /// Replaces a file's text (an editor buffer, a test edit); creates it if needed.
    pub fn set_file_text(&mut self, path: &FilePath, text: String) -> SourceFile {
        let file = self.file(path);
        if *file.text(self) != text {
            file.set_text(self).to(text);
        }
        if *file.status(self) != FileStatus::Exists {
            file.set_status(self).to(FileStatus::Exists);
        }
        file
    }

    /// Starts recording salsa events (for tests of incrementality).
    pub fn start_event_log(&self) {
        *self.events.lock().unwrap() = Some(Vec::new());
    }

    /// The events recorded since the last call, and keeps recording.
    pub fn take_events(&self) -> Vec<salsa::Event> {
        self.events.lock().unwrap().as_mut().map(std::mem::take).unwrap_or_default()
    }

    /// A program starting at `entry`.
    pub fn program(&self, entry: &FilePath) -> Program {
        Program::new(self, self.file(entry))
    }
}

#[salsa::db]
impl salsa::Database for RootDatabase {}

#[salsa::db]
impl Db for RootDatabase {
    fn file(&self, path: &FilePath) -> SourceFile {
        let mut files = self.files.lock().unwrap();
        if let Some(file) = files.get(path) {
            return *file;
        }
        let (text, status) = match self.loader.load(path) {
            Ok(text) => (text, FileStatus::Exists),
            Err(status) => (String::new(), status),
        };
        let file = SourceFile::new(self, path.clone(), text, status);
        files.insert(path.clone(), file);
        file
    }
}
