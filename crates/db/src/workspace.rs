//! Finding the programs in a set of files. A file that no other file imports (directly
//! or transitively) is an entry; every other file is a module of the programs that
//! import it. Files that only import each other in a cycle get an entry picked for them.

use std::path::{Path, PathBuf};

use crate::files::FilePath;
use crate::modules::{Program, module_graph};
use crate::{Db, RootDatabase};

/// The programs whose entries are among `candidates`, covering every candidate.
pub fn discover_programs(db: &RootDatabase, candidates: &[FilePath]) -> Vec<Program> {
    let programs: Vec<Program> = candidates.iter().map(|path| db.program(path)).collect();
    let files: Vec<_> = candidates.iter().map(|path| db.file(path)).collect();
    let imported_by_another = |i: usize| {
        programs
            .iter()
            .enumerate()
            .any(|(j, other)| j != i && module_graph(db, *other).modules[1..].iter().any(|m| m.file == files[i]))
    };
    let mut entries: Vec<usize> = (0..programs.len()).filter(|&i| !imported_by_another(i)).collect();
    // Candidates reachable only through an import cycle: the first of them becomes an
    // entry, which covers the rest of its cycle.
    for (i, file) in files.iter().enumerate() {
        let covered = entries.iter().any(|&e| module_graph(db, programs[e]).contains(*file));
        if !covered {
            entries.push(i);
        }
    }
    entries.into_iter().map(|i| programs[i]).collect()
}

/// How deep `pluto_files` descends; also a bound against directory symlink loops.
const MAX_DEPTH: usize = 16;

/// The `.pluto` files in `dir`, sorted; with `recursive`, also below it, skipping hidden
/// directories and build outputs (`target`, `node_modules`). Directories that could not
/// be read are returned beside the files, so callers decide whether that is an error.
pub fn pluto_files(dir: &Path, recursive: bool) -> (Vec<PathBuf>, Vec<(PathBuf, std::io::Error)>) {
    let (mut files, mut unreadable) = (Vec::new(), Vec::new());
    collect(dir, if recursive { MAX_DEPTH } else { 0 }, &mut files, &mut unreadable);
    files.sort();
    (files, unreadable)
}

fn collect(dir: &Path, depth_left: usize, files: &mut Vec<PathBuf>, unreadable: &mut Vec<(PathBuf, std::io::Error)>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => return unreadable.push((dir.to_path_buf(), e)),
    };
    for entry in entries {
        let path = match entry {
            Ok(entry) => entry.path(),
            Err(e) => {
                unreadable.push((dir.to_path_buf(), e));
                continue;
            }
        };
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if path.is_dir() {
            if depth_left > 0 && !name.starts_with('.') && name != "target" && name != "node_modules" {
                collect(&path, depth_left - 1, files, unreadable);
            }
        } else if path.extension().is_some_and(|e| e == "pluto") {
            files.push(path);
        }
    }
}
