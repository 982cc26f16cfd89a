//! Source files as salsa inputs. Every path the compiler ever asks about gets one
//! `SourceFile`, created on first use by the database's `FileLoader`, including paths
//! that do not exist: their `status` is an input too, so when a missing module appears
//! (or a file disappears) the queries that looked for it re-run.

use std::fmt;
use std::path::{Component, Path, PathBuf};

/// Where a source file lives: on disk, or embedded in the `pluto` binary (the standard
/// library, addressed by its path below `stdlib/`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FilePath {
    Disk(PathBuf),
    Std(String),
}

impl FilePath {
    /// A disk path with `.` components removed, so that `./a.pluto` and `a.pluto` are
    /// the same file.
    pub fn disk(path: impl AsRef<Path>) -> FilePath {
        let normalized: PathBuf = path.as_ref().components().filter(|c| !matches!(c, Component::CurDir)).collect();
        FilePath::Disk(if normalized.as_os_str().is_empty() { PathBuf::from(".") } else { normalized })
    }

    pub fn as_disk(&self) -> Option<&Path> {
        match self {
            FilePath::Disk(p) => Some(p),
            FilePath::Std(_) => None,
        }
    }

    pub fn is_std(&self) -> bool {
        matches!(self, FilePath::Std(_))
    }
}

impl fmt::Display for FilePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FilePath::Disk(p) => write!(f, "{}", p.display()),
            FilePath::Std(p) => write!(f, "<std>/{p}"),
        }
    }
}

/// Whether a file could be read.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum FileStatus {
    Exists,
    Missing,
    /// It exists but could not be read (permissions, not UTF-8, a directory, ...).
    Unreadable(String),
}

#[salsa::input(debug)]
pub struct SourceFile {
    #[returns(ref)]
    pub path: FilePath,
    #[returns(ref)]
    pub text: String,
    #[returns(ref)]
    pub status: FileStatus,
}

impl SourceFile {
    pub fn exists(self, db: &dyn salsa::Database) -> bool {
        *self.status(db) == FileStatus::Exists
    }
}

/// Reads files for the database. The CLI reads the disk; tests and the language server
/// layer open editor buffers over it.
pub trait FileLoader: Send + Sync {
    /// The file's text, or why there is none.
    fn load(&self, path: &FilePath) -> Result<String, FileStatus>;
}

/// Reads disk files, and serves the standard library from the binary.
#[derive(Debug, Default)]
pub struct DiskLoader;

impl FileLoader for DiskLoader {
    fn load(&self, path: &FilePath) -> Result<String, FileStatus> {
        match path {
            FilePath::Std(rel) => crate::stdlib::source(rel).map(str::to_string).ok_or(FileStatus::Missing),
            FilePath::Disk(p) => match std::fs::read(p) {
                Ok(bytes) => {
                    String::from_utf8(bytes).map_err(|_| FileStatus::Unreadable("it is not valid UTF-8".into()))
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(FileStatus::Missing),
                Err(e) => Err(FileStatus::Unreadable(e.to_string())),
            },
        }
    }
}

/// Serves files from memory (and the standard library from the binary): for tests.
#[derive(Debug, Default)]
pub struct MemoryLoader {
    pub files: std::collections::HashMap<PathBuf, String>,
}

impl MemoryLoader {
    pub fn new<P: Into<PathBuf>, T: Into<String>>(files: impl IntoIterator<Item = (P, T)>) -> Self {
        MemoryLoader { files: files.into_iter().map(|(p, t)| (p.into(), t.into())).collect() }
    }
}

impl FileLoader for MemoryLoader {
    fn load(&self, path: &FilePath) -> Result<String, FileStatus> {
        match path {
            FilePath::Std(_) => DiskLoader.load(path),
            FilePath::Disk(p) => self.files.get(p).cloned().ok_or(FileStatus::Missing),
        }
    }
}
