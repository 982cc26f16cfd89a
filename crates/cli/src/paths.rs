//! The paths commands are given: one wording for every problem with them (missing,
//! a directory where a file is needed, unreadable, not UTF-8), always exit status 2.

use std::path::Path;

use pluto_db::{Db, FilePath, FileStatus, RootDatabase, SourceFile};

/// The message for a path that cannot be read.
pub fn cannot_read(path: &Path, reason: &str) -> String {
    format!("cannot read `{}`: {reason}", path.display())
}

pub fn io_reason(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => error.to_string(),
    }
}

/// A program's entry file, read through the database; `Err` holds the message.
pub fn entry_file(db: &RootDatabase, path: &Path) -> Result<SourceFile, String> {
    let metadata = std::fs::metadata(path).map_err(|e| cannot_read(path, &io_reason(&e)))?;
    if metadata.is_dir() {
        return Err(cannot_read(path, "it is a directory (give the program's entry file)"));
    }
    readable(db, path)
}

/// The file at `path` through the database, if it could be read.
pub fn readable(db: &RootDatabase, path: &Path) -> Result<SourceFile, String> {
    let file = db.file(&FilePath::disk(path));
    match file.status(db) {
        FileStatus::Exists => Ok(file),
        FileStatus::Missing => Err(cannot_read(path, "no such file or directory")),
        FileStatus::Unreadable(reason) => Err(cannot_read(path, reason)),
    }
}
