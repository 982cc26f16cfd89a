//! Finding the programs in a set of files. A file that no other file imports (directly
//! or transitively) is an entry; every other file is a module of the programs that
//! import it. Files that only import each other in a cycle get an entry picked for them.

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
