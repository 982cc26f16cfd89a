//! The layout of Pluto values in memory, shared with the code generator
//! (`crates/codegen/src/layout.rs` writes the same offsets; docs/runtime.md lists them).
//!
//! Every value is one 64-bit word: an `int`, a `float`'s bits, a `bool` (0 or 1), or a
//! pointer to a heap object. Objects are made of words:
//! - string: `[len][bytes...]` (literals are static objects of the same shape);
//! - array: `[len][cap][data]`, `data` a separate block of `cap` words;
//! - map and set: [`MapObj`];
//! - class, stage instance: `[desc][fields...]`; error: `[desc][raise site][fields...]`;
//!   enum: `[desc][variant][fields of the variant...]`;
//! - nullable: `none` is 0; `int?`, `float?`, `bool?` and `byte?` box their value in a
//!   one-word object, other types use the pointer itself;
//! - closure: `[code][captures...]`.
//!
//! Type descriptors ([`TypeDesc`], [`AdtDesc`]) are static data emitted by the compiler;
//! the runtime reads them to print, compare and hash values of any type.

use std::ffi::CStr;

pub type Word = u64;

pub use pluto_abi::kind;

#[repr(C)]
pub struct TypeDesc {
    pub kind: i64,
    pub a: *const TypeDesc,
    pub b: *const TypeDesc,
}

pub use pluto_abi::adt;

#[repr(C)]
pub struct FieldDesc {
    pub name: *const u8,
    pub ty: *const TypeDesc,
}

#[repr(C)]
pub struct VariantDesc {
    pub name: *const u8,
    pub count: i64,
    pub fields: *const FieldDesc,
}

#[repr(C)]
pub struct AdtDesc {
    pub kind: i64,
    pub name: *const u8,
    /// Fields of a class or error; variants of an enum.
    pub count: i64,
    pub fields: *const FieldDesc,
    pub variants: *const VariantDesc,
    /// Vtables by trait number (read by generated code only).
    pub traits: *const *const u8,
    /// The word of an object where the printed fields start.
    pub first: i64,
}

impl AdtDesc {
    pub fn get(p: *const AdtDesc) -> &'static AdtDesc {
        // SAFETY: descriptors are static data emitted by the compiler.
        unsafe { &*p }
    }

    /// The fields of a class or error.
    pub fn fields(&self) -> &'static [FieldDesc] {
        if self.kind == adt::ENUM || self.fields.is_null() {
            return &[];
        }
        // SAFETY: a table of `count` fields.
        unsafe { std::slice::from_raw_parts(self.fields, self.count as usize) }
    }

    /// The variants of an enum.
    pub fn variants(&self) -> &'static [VariantDesc] {
        if self.kind != adt::ENUM || self.variants.is_null() {
            return &[];
        }
        // SAFETY: a table of `count` variants.
        unsafe { std::slice::from_raw_parts(self.variants, self.count as usize) }
    }
}

impl VariantDesc {
    pub fn fields(&self) -> &'static [FieldDesc] {
        if self.fields.is_null() {
            return &[];
        }
        // SAFETY: a table of `count` fields.
        unsafe { std::slice::from_raw_parts(self.fields, self.count as usize) }
    }
}

pub fn cstr(p: *const u8) -> &'static str {
    // SAFETY: the compiler emits NUL-terminated UTF-8 names.
    unsafe { CStr::from_ptr(p.cast()).to_str().unwrap_or("?") }
}

impl TypeDesc {
    pub fn get(p: *const TypeDesc) -> &'static TypeDesc {
        // SAFETY: descriptors are static data emitted by the compiler.
        unsafe { &*p }
    }

    /// Whether a nullable of this type boxes its value.
    pub fn boxed_when_nullable(&self) -> bool {
        matches!(self.kind, kind::INT | kind::FLOAT | kind::BOOL | kind::BYTE)
    }
}

/// What closure-convention code returns: the result word and the error word.
#[repr(C)]
pub struct Outcome {
    pub value: Word,
    pub error: Word,
}

/// A string object: its length, then either its bytes inline (`ptr` is null) or a
/// pointer to them in an append buffer (`buf`). Strings made by `+` live in append
/// buffers with room to grow: `s + x` where `s` ends exactly where its buffer's used
/// part ends appends `x` in place and returns a new three-word string over the longer
/// prefix, so `s = s + x` in a loop copies each byte once (amortised O(1) per append).
/// Every string is immutable: appending only ever writes past the end of all strings
/// that share the buffer, and claims that space atomically.
#[repr(C)]
pub struct Str {
    pub len: i64,
    ptr: *const u8,
    buf: *mut Buffer,
}

/// The storage of appendable strings: its capacity and how much of it is used.
#[repr(C)]
pub struct Buffer {
    cap: i64,
    used: std::sync::atomic::AtomicI64,
    bytes: [u8; 0],
}

/// The size of a string object's header (`len`, `ptr`, `buf`).
pub const STR_HEADER: usize = pluto_abi::string::HEADER as usize;

impl Str {
    fn get<'a>(p: Word) -> &'a Str {
        // SAFETY: `p` is a string object.
        unsafe { &*(p as *const Str) }
    }

    pub fn bytes<'a>(p: Word) -> &'a [u8] {
        let s = Str::get(p);
        let data = if s.ptr.is_null() { (p as usize + STR_HEADER) as *const u8 } else { s.ptr };
        // SAFETY: a string's bytes are `len` bytes at `data`.
        unsafe { std::slice::from_raw_parts(data, s.len as usize) }
    }

    pub fn text<'a>(p: Word) -> &'a str {
        // SAFETY: Pluto strings are UTF-8 by construction.
        unsafe { std::str::from_utf8_unchecked(Str::bytes(p)) }
    }

    pub fn from_bytes(text: &[u8]) -> Word {
        let p = crate::gc::pluto_alloc_atomic((STR_HEADER + text.len()) as i64);
        // SAFETY: a fresh object of the header and `len` bytes.
        unsafe {
            Str::inline_header(p, text.len());
            std::ptr::copy_nonoverlapping(text.as_ptr(), p.add(STR_HEADER), text.len());
        }
        p as Word
    }

    /// Writes the header of a string whose `len` bytes follow it.
    ///
    /// # Safety
    /// `p` must point to a new object of at least `STR_HEADER` bytes.
    unsafe fn inline_header(p: *mut u8, len: usize) {
        // SAFETY: per the contract.
        unsafe {
            let s = p as *mut Str;
            (*s).len = len as i64;
            (*s).ptr = std::ptr::null();
            (*s).buf = std::ptr::null_mut();
        }
    }

    /// `parts` joined. When the first part ends at the end of its append buffer and the
    /// buffer has room, the rest is appended in place; otherwise, if `growable`, a new
    /// buffer with room for more is made, else an exact inline string.
    pub fn concat(parts: &[Word], growable: bool) -> Word {
        let Some(first) = parts.first().map(|p| Str::get(*p)) else { return Str::from_bytes(b"") };
        let rest: usize = parts[1..].iter().map(|p| Str::bytes(*p).len()).sum();
        let total = first.len as usize + rest;
        if !first.buf.is_null()
            && let Some(at) = Str::claim(first, rest)
        {
            // SAFETY: `claim` reserved `rest` bytes at `at` for this call alone.
            unsafe { Str::copy_parts(&parts[1..], at) };
            return Str::view(first.ptr, total, first.buf);
        }
        if !growable && first.buf.is_null() {
            let p = crate::gc::pluto_alloc_atomic((STR_HEADER + total) as i64);
            // SAFETY: a fresh object with room for the header and every part.
            unsafe {
                Str::inline_header(p, total);
                Str::copy_parts(parts, p.add(STR_HEADER));
            }
            return p as Word;
        }
        // A new buffer, half as large again as needed, so repeated appends are amortised.
        let cap = (total + total / 2).max(total + 16);
        let buffer = crate::gc::pluto_alloc_atomic((16 + cap) as i64) as *mut Buffer;
        // SAFETY: a fresh buffer of `cap` bytes; `total` of them are filled here.
        unsafe {
            (*buffer).cap = cap as i64;
            (*buffer).used.store(total as i64, std::sync::atomic::Ordering::Relaxed);
            let data = (*buffer).bytes.as_mut_ptr();
            Str::copy_parts(parts, data);
            Str::view(data, total, buffer)
        }
    }

    /// Reserves `extra` bytes right after `s` in its buffer, if `s` ends where the used
    /// part of the buffer ends and there is room.
    fn claim(s: &Str, extra: usize) -> Option<*mut u8> {
        // SAFETY: a string with a buffer points into that buffer's bytes.
        let buffer = unsafe { &*s.buf };
        let data = buffer.bytes.as_ptr() as usize;
        let end = s.ptr as usize + s.len as usize - data;
        let wanted = end + extra;
        if wanted > buffer.cap as usize {
            return None;
        }
        let ordering = std::sync::atomic::Ordering::AcqRel;
        buffer
            .used
            .compare_exchange(end as i64, wanted as i64, ordering, std::sync::atomic::Ordering::Relaxed)
            .ok()
            .map(|_| (data + end) as *mut u8)
    }

    /// Copies the bytes of `parts` one after another to `at`.
    ///
    /// # Safety
    /// `at` must have room for all of them.
    unsafe fn copy_parts(parts: &[Word], mut at: *mut u8) {
        for part in parts {
            let bytes = Str::bytes(*part);
            // SAFETY: per the contract.
            unsafe {
                std::ptr::copy_nonoverlapping(bytes.as_ptr(), at, bytes.len());
                at = at.add(bytes.len());
            }
        }
    }

    /// A string object over `len` bytes at `ptr` in `buf`.
    fn view(ptr: *const u8, len: usize, buf: *mut Buffer) -> Word {
        // Not atomic: it points at its buffer, which must stay alive.
        let p = crate::gc::pluto_alloc(STR_HEADER as i64) as *mut Str;
        // SAFETY: a fresh object of the header's size.
        unsafe {
            (*p).len = len as i64;
            (*p).ptr = ptr;
            (*p).buf = buf;
        }
        p as Word
    }
}

pub use pluto_abi::array::{BYTES as ARRAY_BYTES, WORDS as ARRAY_WORDS};

/// An array object.
#[repr(C)]
pub struct Array {
    pub len: i64,
    pub cap: i64,
    pub data: *mut u8,
    pub kind: i64,
}

impl Array {
    pub fn get<'a>(p: Word) -> &'a mut Array {
        // SAFETY: `p` is an array object.
        unsafe { &mut *(p as *mut Array) }
    }

    pub fn at(&self, i: usize) -> Word {
        // SAFETY: callers index below `len`.
        unsafe { if self.kind == ARRAY_BYTES { *self.data.add(i) as Word } else { *(self.data as *const Word).add(i) } }
    }

    pub fn put(&mut self, i: usize, w: Word) {
        // SAFETY: callers index below `cap`.
        unsafe {
            if self.kind == ARRAY_BYTES {
                *self.data.add(i) = w as u8;
            } else {
                *(self.data as *mut Word).add(i) = w;
            }
        }
    }

    pub fn element_size(&self) -> usize {
        if self.kind == ARRAY_BYTES { 1 } else { 8 }
    }

    /// The elements, each as a word.
    pub fn items(p: Word) -> Vec<Word> {
        let a = Array::get(p);
        (0..a.len as usize).map(|i| a.at(i)).collect()
    }

    /// Room for `cap` more elements in a fresh data block.
    pub fn allocate_data(kind: i64, cap: usize) -> *mut u8 {
        if cap == 0 {
            return std::ptr::null_mut();
        }
        let size = if kind == ARRAY_BYTES { cap } else { cap * 8 } as i64;
        if kind == ARRAY_WORDS { crate::gc::pluto_alloc(size) } else { crate::gc::pluto_alloc_atomic(size) }
    }

    pub fn with_capacity(kind: i64, cap: usize) -> Word {
        let p = crate::gc::pluto_alloc(32) as Word;
        let a = Array::get(p);
        a.kind = kind;
        a.cap = cap as i64;
        a.data = Array::allocate_data(kind, cap);
        p
    }

    /// A `[string]` of new strings with these contents.
    pub fn of_strings<'s>(pieces: impl Iterator<Item = &'s [u8]>) -> Word {
        let array = Array::with_capacity(ARRAY_WORDS, pieces.size_hint().0);
        for piece in pieces {
            let word = Str::from_bytes(piece);
            crate::collections::pluto_array_push(array, word);
        }
        array
    }

    pub fn from(kind: i64, items: &[Word]) -> Word {
        let p = Array::with_capacity(kind, items.len());
        let a = Array::get(p);
        for (i, w) in items.iter().enumerate() {
            a.put(i, *w);
        }
        a.len = items.len() as i64;
        p
    }
}

/// Keeps `object` visible to the collector until this point. Runtime functions that copy
/// words of an object into Rust memory (which is not scanned) and then allocate call it
/// at their end, so the copied words stay reachable through the object meanwhile.
#[inline(always)]
pub fn keep_alive(object: Word) {
    std::hint::black_box(object);
}

/// Reads word `i` of an object.
pub fn field(object: Word, i: usize) -> Word {
    // SAFETY: callers index within the object's layout.
    unsafe { *(object as *const Word).add(i) }
}

/// A new object of `words` words (zeroed) starting with `desc`.
pub fn new_object(desc: *const AdtDesc, words: usize) -> Word {
    let object = crate::gc::pluto_alloc((words.max(1) * 8) as i64) as *mut Word;
    // SAFETY: a fresh object of `words` words.
    unsafe { *object = desc as Word };
    object as Word
}

/// A new error object of `desc` raised at `site` (a NUL-terminated description that
/// lives as long as the process), its string fields set from `fields` by name; other
/// fields are empty strings or zero.
pub fn new_error(desc: *const AdtDesc, site: *const u8, fields: &[(&str, &str)]) -> Word {
    let d = AdtDesc::get(desc);
    let object = new_object(desc, d.first as usize + d.count as usize);
    // SAFETY: a fresh object of `first + count` words.
    unsafe { *(object as *mut Word).add(1) = site as Word };
    for (i, field) in d.fields().iter().enumerate() {
        let text = fields.iter().find(|(name, _)| *name == cstr(field.name)).map_or("", |(_, v)| *v);
        let value = if TypeDesc::get(field.ty).kind == kind::STRING { Str::from_bytes(text.as_bytes()) } else { 0 };
        // SAFETY: as above.
        unsafe { *(object as *mut Word).add(d.first as usize + i) = value };
    }
    object
}

/// A NUL-terminated copy of `text` that lives as long as the process, made once per text
/// (raise sites the runtime makes up, such as `auth.verify_token (remote call)`).
pub fn static_site(text: &str) -> *const u8 {
    use std::collections::HashMap;
    use std::sync::Mutex;
    static SITES: Mutex<Option<HashMap<String, usize>>> = Mutex::new(None);
    let mut sites = SITES.lock().unwrap_or_else(|e| e.into_inner());
    let table = sites.get_or_insert_with(HashMap::new);
    let p = *table.entry(text.to_string()).or_insert_with(|| {
        std::ffi::CString::new(text.replace('\0', " ")).unwrap_or_default().into_raw() as usize
    });
    p as *const u8
}

pub fn adt_desc(object: Word) -> &'static AdtDesc {
    // SAFETY: every class, enum and error object starts with its descriptor.
    unsafe { &*(field(object, 0) as *const AdtDesc) }
}
