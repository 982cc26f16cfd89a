//! The wire of Pluto stages. `proto` turns each deployment unit's remote interface (the
//! `unit_interface` query of `pluto_hir`) into a protobuf schema, as SPEC §5 maps types:
//! one service per unit, a request message per `pub fn` (its parameters as fields 1..n)
//! and a response message whose `oneof outcome` holds the result (`ok = 1`) or one of the
//! function's errors (at the tag derived from the error's name). The runtime's codec
//! encodes values by the same mapping. `system` describes a built system as data
//! (`system.json`), `deploy` writes its container and Kubernetes artefacts, and
//! `compat` compares two systems for a rolling deploy.

pub mod compat;
pub mod deploy;
pub mod proto;
pub mod system;

pub use proto::{unit_proto, unit_protos};

/// The schemas compiled into one encoded `FileDescriptorSet` (for the server reflection
/// of an executable holding these units), with a real protobuf compiler (`protox`).
pub fn descriptor_set(files: &[&proto::ProtoFile]) -> Result<Vec<u8>, String> {
    /// The schemas by file name (the compiler keeps its resolver, so it owns them).
    struct Sources(Vec<(String, String)>);
    impl protox::file::FileResolver for Sources {
        fn open_file(&self, name: &str) -> Result<protox::file::File, protox::Error> {
            match self.0.iter().find(|(file, _)| file == name) {
                Some((_, text)) => protox::file::File::from_source(name, text),
                None => Err(protox::Error::file_not_found(name)),
            }
        }
    }
    let sources = Sources(files.iter().map(|f| (f.file_name.clone(), f.text.clone())).collect());
    let mut compiler = protox::Compiler::with_file_resolver(sources);
    for f in files {
        compiler.open_file(&f.file_name).map_err(|e| format!("{}: {e}", f.file_name))?;
    }
    Ok(compiler.encode_file_descriptor_set())
}
