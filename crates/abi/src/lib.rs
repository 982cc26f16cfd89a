//! The contract between generated code and the runtime: the numbers both sides must
//! agree on (type descriptor kinds, object kinds, array layouts, descriptor offsets,
//! fault codes). `pluto_codegen` writes them into code and static data; `pluto_runtime`
//! reads them. docs/runtime.md describes the layout they belong to.
#![no_std]

/// `TypeDesc::kind`: what a type descriptor describes.
pub mod kind {
    pub const INT: i64 = 0;
    pub const FLOAT: i64 = 1;
    pub const BOOL: i64 = 2;
    pub const STRING: i64 = 3;
    /// `a`: the element type.
    pub const ARRAY: i64 = 4;
    /// `a`, `b`: key and value types.
    pub const MAP: i64 = 5;
    /// `a`: the element type.
    pub const SET: i64 = 6;
    /// `a`: the inner type.
    pub const NULLABLE: i64 = 7;
    /// A class, enum or error: the object starts with its own descriptor.
    pub const ADT: i64 = 8;
    /// Anything printed as `<value>` (function values, bare generic values).
    pub const OPAQUE: i64 = 9;
    pub const BYTE: i64 = 10;
}

/// `AdtDesc::kind`.
pub mod adt {
    pub const CLASS: i64 = 0;
    pub const ENUM: i64 = 1;
    pub const ERROR: i64 = 2;
}

/// The words of an `AdtDesc`, at these byte offsets.
pub mod adt_desc {
    pub const KIND: i32 = 0;
    pub const NAME: i32 = 8;
    pub const COUNT: i32 = 16;
    pub const FIELDS: i32 = 24;
    pub const VARIANTS: i32 = 32;
    /// A table with one vtable (or null) per trait of the program.
    pub const TRAITS: i32 = 40;
    /// The word of an object where the printed fields start.
    pub const FIRST: i32 = 48;
}

/// String objects: `[len][ptr][buf]` then, when `ptr` is null, the bytes inline.
pub mod string {
    /// Bytes before inline bytes.
    pub const HEADER: i64 = 24;
}

/// `Array::kind`: what an array's data block holds.
pub mod array {
    /// Words that may be pointers (scanned by the collector).
    pub const WORDS: i64 = 0;
    /// Words that are never pointers (`[int]`, `[float]`): not scanned.
    pub const PLAIN_WORDS: i64 = 1;
    /// One byte per element (`[bool]`, `[byte]`, `bytes`).
    pub const BYTES: i64 = 2;
}

/// The `kind` argument of `pluto_fault`.
pub mod fault {
    pub const DIVISION_BY_ZERO: i64 = 0;
    pub const REMAINDER_BY_ZERO: i64 = 1;
    /// Arguments: the index and the length.
    pub const INDEX: i64 = 2;
}
