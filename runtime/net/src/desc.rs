//! The descriptors the compiler emits for the network runtime (offsets in
//! `pluto_abi::remote_fn` and `pluto_abi::net`), read as Rust structs.

use pluto_runtime::value::{AdtDesc, TypeDesc, Word, cstr};

/// One `pub fn` of a unit as a gRPC method.
#[repr(C)]
pub struct RemoteFn {
    pub path: *const u8,
    pub unit: *const u8,
    pub method: *const u8,
    pub fingerprint: u64,
    pub param_count: i64,
    pub params: *const *const TypeDesc,
    pub result: *const TypeDesc,
    pub error_count: i64,
    pub errors: *const ErrorEntry,
    /// Calls the function with its arguments (a block of words): a served unit's only.
    pub handler: Option<extern "C" fn(*const Word) -> pluto_runtime::value::Outcome>,
    /// 1 when it returns a receiver whose items stream to the caller (`result` is then
    /// the items' type).
    pub streaming: i64,
}

const _: () = {
    use pluto_abi::remote_fn as o;
    assert!(std::mem::offset_of!(RemoteFn, path) == o::PATH as usize);
    assert!(std::mem::offset_of!(RemoteFn, fingerprint) == o::FINGERPRINT as usize);
    assert!(std::mem::offset_of!(RemoteFn, params) == o::PARAMS as usize);
    assert!(std::mem::offset_of!(RemoteFn, errors) == o::ERRORS as usize);
    assert!(std::mem::offset_of!(RemoteFn, handler) == o::HANDLER as usize);
    assert!(std::mem::offset_of!(RemoteFn, streaming) == o::STREAMING as usize);
    assert!(std::mem::size_of::<RemoteFn>() == o::WORDS * 8);
};

/// An error a remote function may raise: its `oneof` tag and its descriptor.
#[repr(C)]
pub struct ErrorEntry {
    pub tag: i64,
    pub desc: *const AdtDesc,
}

/// The program as the network sees it.
#[repr(C)]
pub struct NetDesc {
    pub network_error: *const AdtDesc,
    pub deserialization_error: *const AdtDesc,
    pub unit_count: i64,
    /// `[name, default port]` per deployment unit of the program.
    pub units: *const UnitEntry,
    /// The encoded `FileDescriptorSet` of the served units' schemas (for reflection).
    pub descriptor_set: *const u8,
    pub descriptor_set_len: i64,
}

const _: () = {
    use pluto_abi::net as o;
    assert!(std::mem::offset_of!(NetDesc, units) == o::UNITS as usize);
    assert!(std::mem::offset_of!(NetDesc, descriptor_set_len) == o::DESCRIPTOR_SET_LEN as usize);
    assert!(std::mem::size_of::<NetDesc>() == o::WORDS * 8);
};

#[repr(C)]
pub struct UnitEntry {
    pub name: *const u8,
    pub port: i64,
}

// SAFETY: descriptors are immutable static data of the executable.
unsafe impl Sync for RemoteFn {}
unsafe impl Send for RemoteFn {}
unsafe impl Sync for NetDesc {}
unsafe impl Send for NetDesc {}

impl RemoteFn {
    pub fn get(p: *const RemoteFn) -> &'static RemoteFn {
        // SAFETY: the compiler emits descriptors as static data.
        unsafe { &*p }
    }

    pub fn path(&self) -> &'static str {
        cstr(self.path)
    }

    pub fn unit(&self) -> &'static str {
        cstr(self.unit)
    }

    pub fn method(&self) -> &'static str {
        cstr(self.method)
    }

    pub fn params(&self) -> &'static [*const TypeDesc] {
        // SAFETY: a table of `param_count` descriptors.
        unsafe { std::slice::from_raw_parts(self.params, self.param_count as usize) }
    }

    pub fn errors(&self) -> &'static [ErrorEntry] {
        // SAFETY: a table of `error_count` entries.
        unsafe { std::slice::from_raw_parts(self.errors, self.error_count as usize) }
    }

    /// `auth.verify_token`.
    pub fn qualified(&self) -> String {
        format!("{}.{}", self.unit(), self.method())
    }
}

impl NetDesc {
    pub fn units(&self) -> Vec<(String, u16)> {
        // SAFETY: a table of `unit_count` entries.
        let units = unsafe { std::slice::from_raw_parts(self.units, self.unit_count as usize) };
        units.iter().map(|u| (cstr(u.name).to_string(), u.port as u16)).collect()
    }

    pub fn descriptor_set(&self) -> &'static [u8] {
        if self.descriptor_set.is_null() {
            return &[];
        }
        // SAFETY: `descriptor_set_len` bytes of static data.
        unsafe { std::slice::from_raw_parts(self.descriptor_set, self.descriptor_set_len as usize) }
    }
}
