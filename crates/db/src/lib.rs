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

use salsa::{Durability, Setter};

pub use diagnostics::{Diagnostic, Label, LineIndex, Severity};
pub use files::{DiskLoader, FileLoader, FilePath, FileStatus, MemoryLoader, SourceFile};
pub use modules::{Module, ModuleGraph, Program};

/// What queries may ask of the database beyond salsa itself.
#[salsa::db]
pub trait Db: salsa::Database {
    /// The file at `path`, loaded on first use (a missing file is a `SourceFile` whose
    /// status says so).
    fn file(&self, path: &FilePath) -> SourceFile;

    /// The last parse made of `file`, with the text it was made from: `parse` reparses
    /// only the edited block when it can (the result is the same as a whole parse).
    fn last_parse(&self, _file: SourceFile) -> Option<(Arc<str>, pluto_syntax::Parse)> {
        None
    }

    fn remember_parse(&self, _file: SourceFile, _text: Arc<str>, _parse: &pluto_syntax::Parse) {}
}

/// The one database implementation, used by the CLI, the language server and tests.
#[salsa::db]
#[derive(Clone)]
pub struct RootDatabase {
    storage: salsa::Storage<Self>,
    files: Arc<Mutex<HashMap<FilePath, SourceFile>>>,
    loader: Arc<dyn FileLoader>,
    events: Arc<Mutex<Option<Vec<salsa::Event>>>>,
    /// The latest parse of each file and its text, for incremental reparsing.
    parses: Arc<Mutex<ParseCache>>,
}

type ParseCache = HashMap<SourceFile, (Arc<str>, pluto_syntax::Parse)>;

impl Default for RootDatabase {
    fn default() -> Self {
        RootDatabase::new(Arc::new(DiskLoader))
    }
}

impl RootDatabase {
    pub fn new(loader: Arc<dyn FileLoader>) -> Self {
        RootDatabase {
            storage: salsa::Storage::new(None),
            files: Arc::default(),
            loader,
            events: Arc::default(),
            parses: Arc::default(),
        }
    }

    /// Marks a file as being edited (an editor opened it): its inputs become volatile.
    /// Lowering durability invalidates what depends on the file once, so do it when the
    /// buffer opens rather than on its first change.
    pub fn open_file(&mut self, path: &FilePath) -> SourceFile {
        let file = self.file(path);
        let text = file.text(self).clone();
        let status = file.status(self).clone();
        file.set_text(self).with_durability(Durability::LOW).to(text);
        file.set_status(self).with_durability(Durability::LOW).to(status);
        file
    }

    /// A database that can record salsa's events (see `start_event_log`), for tests of
    /// incrementality. Recording costs time on every query, so only tests use it.
    pub fn with_event_log(loader: Arc<dyn FileLoader>) -> Self {
        let events: Arc<Mutex<Option<Vec<salsa::Event>>>> = Arc::default();
        let sink = events.clone();
        let storage = salsa::Storage::new(Some(Box::new(move |event: salsa::Event| {
            if let Some(log) = sink.lock().unwrap().as_mut() {
                log.push(event);
            }
        })));
        RootDatabase { storage, files: Arc::default(), loader, events, parses: Arc::default() }
    }

    /// Replaces a file's text (an editor buffer, a test edit); creates it if needed.
    /// The file becomes volatile (low durability): it is expected to change again,
    /// while files never edited stay medium, so queries that read only those are
    /// re-validated in constant time after an edit.
    pub fn set_file_text(&mut self, path: &FilePath, text: String) -> SourceFile {
        let file = self.file(path);
        if *file.text(self) != text {
            file.set_text(self).with_durability(Durability::LOW).to(text);
        }
        if *file.status(self) != FileStatus::Exists {
            file.set_status(self).with_durability(Durability::LOW).to(FileStatus::Exists);
        }
        file
    }

    /// Reads a file again through the loader (something outside the editor created,
    /// changed or deleted it): its text and whether it exists follow the disk.
    pub fn reload_file(&mut self, path: &FilePath) -> SourceFile {
        let file = self.file(path);
        let (text, status) = match self.loader.load(path) {
            Ok(text) => (text, FileStatus::Exists),
            Err(status) => (String::new(), status),
        };
        if *file.text(self) != text {
            file.set_text(self).with_durability(Durability::LOW).to(text);
        }
        if *file.status(self) != status {
            file.set_status(self).with_durability(Durability::LOW).to(status);
        }
        file
    }

    /// Starts recording salsa events; the database must come from `with_event_log`.
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
        // The standard library never changes; files read from disk change only when
        // something edits them, which lowers their durability.
        let durability = if path.is_std() { Durability::HIGH } else { Durability::MEDIUM };
        let file = SourceFile::builder(path.clone(), text, status)
            .path_durability(durability)
            .text_durability(durability)
            .status_durability(durability)
            .new(self);
        files.insert(path.clone(), file);
        file
    }

    fn last_parse(&self, file: SourceFile) -> Option<(Arc<str>, pluto_syntax::Parse)> {
        self.parses.lock().unwrap().get(&file).cloned()
    }

    fn remember_parse(&self, file: SourceFile, text: Arc<str>, parse: &pluto_syntax::Parse) {
        self.parses.lock().unwrap().insert(file, (text, parse.clone()));
    }
}
