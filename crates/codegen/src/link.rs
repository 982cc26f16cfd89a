//! Linking: the program's object and the embedded runtime archive become an executable
//! through the system C compiler (`cc`, or `$CC`).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::RuntimeArchive;

#[derive(Debug)]
pub enum LinkError {
    NoLinker(String),
    Failed(String),
    Io(String),
}

impl std::fmt::Display for LinkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LinkError::NoLinker(cc) => write!(
                f,
                "cannot find the C compiler `{cc}`, which links Pluto executables: install one (Debian: `apt-get install gcc`) or set CC"
            ),
            LinkError::Failed(output) => write!(f, "linking failed:\n{output}"),
            LinkError::Io(message) => write!(f, "{message}"),
        }
    }
}

/// Writes a runtime archive once per build of it (its name holds the hash of its bytes)
/// and returns its path.
fn runtime_archive(dir: &Path, archive: &RuntimeArchive) -> Result<PathBuf, LinkError> {
    let path = dir.join(format!("{}-{}.a", archive.name, archive.hash));
    if std::fs::metadata(&path).map(|m| m.len() as usize).ok() != Some(archive.bytes.len()) {
        let partial = path.with_extension(format!("a.{}", std::process::id()));
        std::fs::write(&partial, archive.bytes)
            .map_err(|e| LinkError::Io(format!("cannot write {}: {e}", partial.display())))?;
        std::fs::rename(&partial, &path).map_err(|e| LinkError::Io(format!("cannot write {}: {e}", path.display())))?;
    }
    Ok(path)
}

/// Links `object` (the program) with the runtime into `output`: the network runtime
/// when `network` (`Object::network`), else the core runtime alone.
pub fn link_executable(object: &[u8], network: bool, work_dir: &Path, output: &Path) -> Result<(), LinkError> {
    std::fs::create_dir_all(work_dir)
        .map_err(|e| LinkError::Io(format!("cannot create {}: {e}", work_dir.display())))?;
    static OBJECTS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = OBJECTS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let object_path = work_dir.join(format!("program-{}-{n}.o", std::process::id()));
    std::fs::write(&object_path, object)
        .map_err(|e| LinkError::Io(format!("cannot write {}: {e}", object_path.display())))?;
    let archive =
        runtime_archive(work_dir, if network { &crate::RUNTIME_NET_ARCHIVE } else { &crate::RUNTIME_ARCHIVE })?;
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".to_string());
    let result = Command::new(&cc)
        .arg(&object_path)
        .arg(&archive)
        .arg("-o")
        .arg(output)
        .args(["-Wl,--gc-sections", "-lm", "-lpthread", "-ldl", "-lgcc_s", "-lc"])
        .output();
    let _ = std::fs::remove_file(&object_path);
    match result {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(LinkError::NoLinker(cc)),
        Err(e) => Err(LinkError::Io(format!("cannot run `{cc}`: {e}"))),
        Ok(out) if !out.status.success() => Err(LinkError::Failed(String::from_utf8_lossy(&out.stderr).into_owned())),
        Ok(_) => Ok(()),
    }
}
