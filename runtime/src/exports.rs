//! The runtime's exports as generated code sees them, checked at compile time against
//! the one table code generation declares them from (`pluto_abi::symbols::ALL`): each
//! entry below must be the function's exact Rust signature (or this does not compile),
//! and the machine signatures derived from them must equal the table's (or the constant
//! at the end fails to evaluate, naming the first symbol that differs).

use pluto_abi::symbols::{self, Machine, Symbol};


use crate::collections::*;
use crate::fault::{pluto_fault, pluto_unhandled};
use crate::format::{pluto_equal, pluto_print, pluto_to_string};
use crate::boundary::{LocalCall, pluto_local_call};
use crate::locks::{UnitLock, pluto_main_unit};
use crate::gc::{pluto_alloc, pluto_alloc_atomic, pluto_gc_root};
use crate::stdlib::*;
use crate::strings::*;
use crate::tasks::*;
use crate::value::{Outcome, TypeDesc, Word};
use crate::{pluto_print_str, pluto_set_exit_status};

/// How a Rust type is passed in generated code.
pub trait Passed {
    const MACHINE: Machine;
}

macro_rules! passed {
    ($machine:ident: $($t:ty),*) => { $(impl Passed for $t { const MACHINE: Machine = Machine::$machine; })* };
}
passed!(Word: i64, u64);

/// Every pointer is a word.
impl<T> Passed for *const T {
    const MACHINE: Machine = Machine::Word;
}

impl<T> Passed for *mut T {
    const MACHINE: Machine = Machine::Word;
}

/// Code addresses are words.
impl<A, R> Passed for extern "C" fn(A) -> R {
    const MACHINE: Machine = Machine::Word;
}
passed!(Float: f64);
passed!(Byte: i8);

/// `name(params) -> result;` (a result of `!` never returns; `Outcome` is two words) to a
/// checked `Symbol`. The network runtime checks its exports with it too.
#[macro_export]
macro_rules! exports {
    (@list [$($done:expr,)*]) => { &[$($done,)*] };
    (@list [$($done:expr,)*] $name:ident($($p:ty),*) -> Outcome; $($rest:tt)*) => {
        $crate::exports!(@list [$($done,)* {
            const _: unsafe extern "C" fn($($p),*) -> $crate::value::Outcome = $name;
            pluto_abi::symbols::symbol(
                stringify!($name),
                &[$(<$p as $crate::exports::Passed>::MACHINE),*],
                &[pluto_abi::symbols::Machine::Word, pluto_abi::symbols::Machine::Word],
            )
        },] $($rest)*)
    };
    (@list [$($done:expr,)*] $name:ident($($p:ty),*) -> !; $($rest:tt)*) => {
        $crate::exports!(@list [$($done,)* {
            const _: unsafe extern "C" fn($($p),*) -> ! = $name;
            pluto_abi::symbols::symbol(stringify!($name), &[$(<$p as $crate::exports::Passed>::MACHINE),*], &[])
        },] $($rest)*)
    };
    (@list [$($done:expr,)*] $name:ident($($p:ty),*) -> $r:ty; $($rest:tt)*) => {
        $crate::exports!(@list [$($done,)* {
            const _: unsafe extern "C" fn($($p),*) -> $r = $name;
            pluto_abi::symbols::symbol(
                stringify!($name),
                &[$(<$p as $crate::exports::Passed>::MACHINE),*],
                &[<$r as $crate::exports::Passed>::MACHINE],
            )
        },] $($rest)*)
    };
    (@list [$($done:expr,)*] $name:ident($($p:ty),*); $($rest:tt)*) => {
        $crate::exports!(@list [$($done,)* {
            const _: unsafe extern "C" fn($($p),*) = $name;
            pluto_abi::symbols::symbol(stringify!($name), &[$(<$p as $crate::exports::Passed>::MACHINE),*], &[])
        },] $($rest)*)
    };
}

const EXPORTS: &[Symbol] = exports!(@list []
    pluto_alloc(i64) -> *mut u8;
    pluto_alloc_atomic(i64) -> *mut u8;
    pluto_array_clear(Word);
    pluto_array_get(Word, i64, *const u8) -> Word;
    pluto_array_index_of(Word, Word, *const TypeDesc) -> i64;
    pluto_array_insert(Word, i64, Word, *const u8);
    pluto_array_join(Word, Word) -> Word;
    pluto_array_new(i64, i64) -> Word;
    pluto_array_pop(Word) -> Word;
    pluto_array_push(Word, Word);
    pluto_array_remove(Word, i64, *const u8) -> Word;
    pluto_array_reverse(Word) -> Word;
    pluto_array_set(Word, i64, Word, *const u8);
    pluto_array_slice(Word, i64, i64, *const u8) -> Word;
    pluto_bytes_to_string(Word) -> Word;
    pluto_chan_close(Word);
    pluto_chan_new(i64) -> Word;
    pluto_chan_next(Word, *mut u64, *const u8) -> i64;
    pluto_chan_recv(Word, *mut u64) -> i64;
    pluto_chan_send(Word, Word) -> i64;
    pluto_chan_try_recv(Word, *mut u64) -> i64;
    pluto_chan_try_send(Word, Word) -> i64;
    pluto_equal(Word, Word, *const TypeDesc) -> i8;
    pluto_fault(i64, i64, i64, *const u8) -> !;
    pluto_float_to_str(f64) -> Word;
    pluto_gc_root(*const u64);
    pluto_int_to_str(i64) -> Word;
    pluto_local_call(extern "C" fn(*const Word) -> Outcome, *const Word, *const UnitLock, *const LocalCall) -> Outcome;
    pluto_main_unit(*const UnitLock);
    pluto_map_clear(Word);
    pluto_map_find(Word, Word) -> i64;
    pluto_map_index(Word, Word, *const u8) -> Word;
    pluto_map_insert(Word, Word, Word);
    pluto_map_keys(Word) -> Word;
    pluto_map_new(*const TypeDesc) -> Word;
    pluto_map_remove(Word, Word, *mut Word) -> i8;
    pluto_map_value_at(Word, i64) -> Word;
    pluto_map_values(Word) -> Word;
    pluto_print(Word, *const TypeDesc);
    pluto_print_str(Word);
    pluto_set_exit_status(i64);
    pluto_set_new(*const TypeDesc) -> Word;
    pluto_spawn(Word, *const u64, i64) -> Word;
    pluto_std_cli_exit(i64) -> !;
    pluto_std_cli_raw_args() -> Word;
    pluto_std_env_get(Word) -> Word;
    pluto_std_signal_on_sigterm(Word);
    pluto_std_time_now_ms() -> i64;
    pluto_std_time_sleep_ms(i64);
    pluto_str_bytes(Word) -> Word;
    pluto_str_chars(Word) -> Word;
    pluto_str_cmp(Word, Word) -> i64;
    pluto_str_concat(Word, Word) -> Word;
    pluto_str_concat_n(*const Word, i64) -> Word;
    pluto_str_contains(Word, Word) -> i8;
    pluto_str_ends_with(Word, Word) -> i8;
    pluto_str_eq(Word, Word) -> i8;
    pluto_str_index_of(Word, Word) -> i64;
    pluto_str_repeat(Word, i64) -> Word;
    pluto_str_replace(Word, Word, Word) -> Word;
    pluto_str_slice(Word, i64, i64, *const u8) -> Word;
    pluto_str_split(Word, Word) -> Word;
    pluto_str_starts_with(Word, Word) -> i8;
    pluto_str_to_float(Word, *mut f64) -> i8;
    pluto_str_to_int(Word, *mut i64) -> i8;
    pluto_str_to_lower(Word) -> Word;
    pluto_str_to_upper(Word) -> Word;
    pluto_str_trim(Word) -> Word;
    pluto_task_get(Word, *mut u64) -> Word;
    pluto_to_string(Word, *const TypeDesc) -> Word;
    pluto_unhandled(Word) -> !;
);

/// If this fails to evaluate, its message names the first export whose signature differs
/// from `pluto_abi::symbols::ALL`.
const _: () = symbols::check(EXPORTS, symbols::ALL);
