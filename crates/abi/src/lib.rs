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
    /// `a`: a table of the element types' descriptors; `b`: how many (an integer).
    pub const TUPLE: i64 = 11;
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

/// The descriptor of a unit's `pub fn` as a gRPC method (static data the compiler emits,
/// the network runtime reads): byte offsets of its words.
pub mod remote_fn {
    /// `/pluto.shop.Auth/VerifyToken` (NUL-terminated).
    pub const PATH: i32 = 0;
    /// The unit's name.
    pub const UNIT: i32 = 8;
    /// The function's name.
    pub const METHOD: i32 = 16;
    /// The signature fingerprint (`hir::interface`).
    pub const FINGERPRINT: i32 = 24;
    pub const PARAM_COUNT: i32 = 32;
    /// A table of the parameters' type descriptors.
    pub const PARAMS: i32 = 40;
    /// The result's type descriptor.
    pub const RESULT: i32 = 48;
    pub const ERROR_COUNT: i32 = 56;
    /// A table of `[oneof tag, error descriptor]` pairs.
    pub const ERRORS: i32 = 64;
    /// The function taking its arguments as a block of words and returning the result
    /// and error words; null where the unit is not served by this executable.
    pub const HANDLER: i32 = 72;
    /// 1 for a server-streaming function: it returns a receiver of results.
    pub const STREAMING: i32 = 80;
    pub const WORDS: usize = 11;
}

/// The program as the network runtime sees it: byte offsets of its descriptor's words.
pub mod net {
    /// The descriptors of the built-in `NetworkError` and `DeserializationError`.
    pub const NETWORK_ERROR: i32 = 0;
    pub const DESERIALIZATION_ERROR: i32 = 8;
    pub const UNIT_COUNT: i32 = 16;
    /// A table of `[name, default port]` pairs, one per deployment unit.
    pub const UNITS: i32 = 24;
    /// The encoded `FileDescriptorSet` of the executable's schemas, for reflection.
    pub const DESCRIPTOR_SET: i32 = 32;
    pub const DESCRIPTOR_SET_LEN: i32 = 40;
    pub const WORDS: usize = 6;
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

/// Every function the runtime exports to generated code, with its machine signature.
/// Code generation declares runtime functions only from this table; the runtime checks
/// at compile time that its exports have exactly these signatures (`runtime/src/exports.rs`).
pub mod symbols {
    /// How a parameter or result is passed: a 64-bit word (integers, pointers), a
    /// double, or a byte (`bool`, `i8`).
    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    pub enum Machine {
        Word,
        Float,
        Byte,
    }

    #[derive(Debug)]
    pub struct Symbol {
        pub name: &'static str,
        pub params: &'static [Machine],
        /// Empty for functions that return nothing or never return.
        pub returns: &'static [Machine],
    }

    const fn sym(name: &'static str, params: &'static [Machine], returns: &'static [Machine]) -> Symbol {
        Symbol { name, params, returns }
    }

    use Machine::{Byte as B, Float as F, Word as W};

    /// Sorted by name.
    pub const ALL: &[Symbol] = &[
        sym("pluto_alloc", &[W], &[W]),
        sym("pluto_alloc_atomic", &[W], &[W]),
        sym("pluto_array_clear", &[W], &[]),
        sym("pluto_array_get", &[W, W, W], &[W]),
        sym("pluto_array_index_of", &[W, W, W], &[W]),
        sym("pluto_array_insert", &[W, W, W, W], &[]),
        sym("pluto_array_join", &[W, W], &[W]),
        sym("pluto_array_new", &[W, W], &[W]),
        sym("pluto_array_pop", &[W], &[W]),
        sym("pluto_array_push", &[W, W], &[]),
        sym("pluto_array_remove", &[W, W, W], &[W]),
        sym("pluto_array_reverse", &[W], &[W]),
        sym("pluto_array_set", &[W, W, W, W], &[]),
        sym("pluto_array_slice", &[W, W, W, W], &[W]),
        sym("pluto_bytes_to_string", &[W], &[W]),
        sym("pluto_chan_close", &[W], &[]),
        sym("pluto_chan_new", &[W], &[W]),
        sym("pluto_chan_next", &[W, W, W], &[W]),
        sym("pluto_chan_recv", &[W, W], &[W]),
        sym("pluto_chan_send", &[W, W], &[W]),
        sym("pluto_chan_try_recv", &[W, W], &[W]),
        sym("pluto_chan_try_send", &[W, W], &[W]),
        sym("pluto_equal", &[W, W, W], &[B]),
        sym("pluto_fault", &[W, W, W, W], &[]),
        sym("pluto_float_to_str", &[F], &[W]),
        sym("pluto_gc_root", &[W], &[]),
        sym("pluto_int_to_str", &[W], &[W]),
        sym("pluto_local_call", &[W, W, W, W], &[W, W]),
        sym("pluto_main_unit", &[W], &[]),
        sym("pluto_map_clear", &[W], &[]),
        sym("pluto_map_find", &[W, W], &[W]),
        sym("pluto_map_index", &[W, W, W], &[W]),
        sym("pluto_map_insert", &[W, W, W], &[]),
        sym("pluto_map_keys", &[W], &[W]),
        sym("pluto_map_new", &[W], &[W]),
        sym("pluto_map_remove", &[W, W, W], &[B]),
        sym("pluto_map_value_at", &[W, W], &[W]),
        sym("pluto_map_values", &[W], &[W]),
        sym("pluto_print", &[W, W], &[]),
        sym("pluto_print_str", &[W], &[]),
        sym("pluto_set_exit_status", &[W], &[]),
        sym("pluto_set_new", &[W], &[W]),
        sym("pluto_spawn", &[W, W, W], &[W]),
        sym("pluto_std_cli_exit", &[W], &[]),
        sym("pluto_std_cli_raw_args", &[], &[W]),
        sym("pluto_std_env_get", &[W], &[W]),
        sym("pluto_std_signal_on_sigterm", &[W], &[]),
        sym("pluto_std_time_now_ms", &[], &[W]),
        sym("pluto_std_time_sleep_ms", &[W], &[]),
        sym("pluto_str_bytes", &[W], &[W]),
        sym("pluto_str_chars", &[W], &[W]),
        sym("pluto_str_cmp", &[W, W], &[W]),
        sym("pluto_str_concat", &[W, W], &[W]),
        sym("pluto_str_concat_n", &[W, W], &[W]),
        sym("pluto_str_contains", &[W, W], &[B]),
        sym("pluto_str_ends_with", &[W, W], &[B]),
        sym("pluto_str_eq", &[W, W], &[B]),
        sym("pluto_str_index_of", &[W, W], &[W]),
        sym("pluto_str_repeat", &[W, W], &[W]),
        sym("pluto_str_replace", &[W, W, W], &[W]),
        sym("pluto_str_slice", &[W, W, W, W], &[W]),
        sym("pluto_str_split", &[W, W], &[W]),
        sym("pluto_str_starts_with", &[W, W], &[B]),
        sym("pluto_str_to_float", &[W, W], &[B]),
        sym("pluto_str_to_int", &[W, W], &[B]),
        sym("pluto_str_to_lower", &[W], &[W]),
        sym("pluto_str_to_upper", &[W], &[W]),
        sym("pluto_str_trim", &[W], &[W]),
        sym("pluto_task_get", &[W, W], &[W]),
        sym("pluto_to_string", &[W, W], &[W]),
        sym("pluto_unhandled", &[W], &[]),
    ];

    /// The network runtime's exports (`runtime/net`), linked only into executables that
    /// serve or call units in other processes, serve HTTP or use JSON. Sorted by name.
    pub const NET: &[Symbol] = &[
        sym("pluto_net_call", &[W, W], &[W, W]),
        sym("pluto_net_finish", &[], &[]),
        sym("pluto_net_serve", &[W, W], &[]),
        sym("pluto_net_start", &[W, W], &[]),
        sym("pluto_net_wait", &[], &[]),
        sym("pluto_std_http_listen", &[W, W, W], &[]),
        sym("pluto_std_json_encode", &[W, W], &[W]),
        sym("pluto_std_json_parse", &[W, W, W], &[W]),
    ];

    /// The symbol called `name` (of either runtime).
    pub fn find(name: &str) -> Option<&'static Symbol> {
        [ALL, NET].into_iter().find_map(|table| table.binary_search_by(|s| s.name.cmp(name)).ok().map(|i| &table[i]))
    }

    const fn same_str(a: &str, b: &str) -> bool {
        let (a, b) = (a.as_bytes(), b.as_bytes());
        if a.len() != b.len() {
            return false;
        }
        let mut i = 0;
        while i < a.len() {
            if a[i] != b[i] {
                return false;
            }
            i += 1;
        }
        true
    }

    const fn same_machines(a: &[Machine], b: &[Machine]) -> bool {
        if a.len() != b.len() {
            return false;
        }
        let mut i = 0;
        while i < a.len() {
            if a[i] as u8 != b[i] as u8 {
                return false;
            }
            i += 1;
        }
        true
    }

    /// Panics (at compile time, where it is used in a constant) naming the first symbol
    /// where `exports` differs from `table` (`ALL` or `NET`): both must list the same
    /// symbols with the same machine signatures, in the same order.
    pub const fn check(exports: &[Symbol], table: &[Symbol]) {
        let mut i = 0;
        while i < exports.len() && i < table.len() {
            let (x, y) = (&exports[i], &table[i]);
            if !same_str(x.name, y.name) || !same_machines(x.params, y.params) || !same_machines(x.returns, y.returns) {
                panic!("{}", y.name);
            }
            i += 1;
        }
        if exports.len() != table.len() {
            panic!("the runtime exports a different number of functions than its pluto_abi::symbols table lists");
        }
    }

    /// A symbol as the runtime declares it (for `check`).
    pub const fn symbol(name: &'static str, params: &'static [Machine], returns: &'static [Machine]) -> Symbol {
        sym(name, params, returns)
    }
}
