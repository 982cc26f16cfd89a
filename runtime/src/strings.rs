//! String operations: concatenation, comparison, the string methods of SPEC §1, and
//! number formatting for interpolation.

use crate::fault::{Fault, fault};
use crate::value::*;

/// `a + b`: appends in place when `a` ends its append buffer (see `Str`).
#[unsafe(no_mangle)]
pub extern "C" fn pluto_str_concat(a: Word, b: Word) -> Word {
    Str::concat(&[a, b], true)
}

/// Joins `count` strings at `parts` (an interpolated string).
///
/// # Safety
/// `parts` must hold `count` string objects.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pluto_str_concat_n(parts: *const Word, count: i64) -> Word {
    // SAFETY: per the contract.
    let parts = unsafe { std::slice::from_raw_parts(parts, count as usize) };
    // `"{s}x"` grows `s` as `s + "x"` does; other interpolations are made exactly.
    Str::concat(parts, false)
}

#[unsafe(no_mangle)]
pub extern "C" fn pluto_str_eq(a: Word, b: Word) -> i8 {
    (a == b || Str::bytes(a) == Str::bytes(b)) as i8
}

/// -1, 0 or 1, comparing bytes (so code points) in order.
#[unsafe(no_mangle)]
pub extern "C" fn pluto_str_cmp(a: Word, b: Word) -> i64 {
    Str::bytes(a).cmp(Str::bytes(b)) as i64
}

#[unsafe(no_mangle)]
pub extern "C" fn pluto_int_to_str(value: i64) -> Word {
    Str::from_bytes(value.to_string().as_bytes())
}

#[unsafe(no_mangle)]
pub extern "C" fn pluto_float_to_str(value: f64) -> Word {
    let mut out = String::new();
    crate::format::float(value, &mut out);
    Str::from_bytes(out.as_bytes())
}

#[unsafe(no_mangle)]
pub extern "C" fn pluto_str_contains(s: Word, needle: Word) -> i8 {
    Str::text(s).contains(Str::text(needle)) as i8
}

#[unsafe(no_mangle)]
pub extern "C" fn pluto_str_starts_with(s: Word, prefix: Word) -> i8 {
    Str::bytes(s).starts_with(Str::bytes(prefix)) as i8
}

#[unsafe(no_mangle)]
pub extern "C" fn pluto_str_ends_with(s: Word, suffix: Word) -> i8 {
    Str::bytes(s).ends_with(Str::bytes(suffix)) as i8
}

#[unsafe(no_mangle)]
pub extern "C" fn pluto_str_trim(s: Word) -> Word {
    Str::from_bytes(Str::text(s).trim().as_bytes())
}

#[unsafe(no_mangle)]
pub extern "C" fn pluto_str_to_upper(s: Word) -> Word {
    Str::from_bytes(Str::text(s).to_uppercase().as_bytes())
}

#[unsafe(no_mangle)]
pub extern "C" fn pluto_str_to_lower(s: Word) -> Word {
    Str::from_bytes(Str::text(s).to_lowercase().as_bytes())
}

#[unsafe(no_mangle)]
pub extern "C" fn pluto_str_replace(s: Word, from: Word, to: Word) -> Word {
    Str::from_bytes(Str::text(s).replace(Str::text(from), Str::text(to)).as_bytes())
}

#[unsafe(no_mangle)]
pub extern "C" fn pluto_str_repeat(s: Word, count: i64) -> Word {
    Str::from_bytes(Str::bytes(s).repeat(count.max(0) as usize).as_slice())
}

#[unsafe(no_mangle)]
pub extern "C" fn pluto_str_split(s: Word, separator: Word) -> Word {
    let (text, separator) = (Str::text(s), Str::text(separator));
    let pieces: Vec<&str> =
        if separator.is_empty() { characters(text).collect() } else { text.split(separator).collect() };
    let array = Array::of_strings(pieces.iter().map(|p| p.as_bytes()));
    // The pieces point into `s` from Rust memory: `s` must outlive the allocations.
    keep_alive(s);
    array
}

#[unsafe(no_mangle)]
pub extern "C" fn pluto_str_chars(s: Word) -> Word {
    let array = Array::of_strings(characters(Str::text(s)).map(str::as_bytes));
    keep_alive(s);
    array
}

/// Each character of `text` as a string slice.
fn characters(text: &str) -> impl Iterator<Item = &str> {
    text.char_indices().map(|(i, c)| &text[i..i + c.len_utf8()])
}

/// The UTF-8 bytes of a string, as a `[byte]`-shaped array.
#[unsafe(no_mangle)]
pub extern "C" fn pluto_str_bytes(s: Word) -> Word {
    let bytes: Vec<Word> = Str::bytes(s).iter().map(|b| *b as Word).collect();
    Array::from(crate::value::ARRAY_BYTES, &bytes)
}

/// Bytes as a string; invalid UTF-8 becomes U+FFFD.
#[unsafe(no_mangle)]
pub extern "C" fn pluto_bytes_to_string(bytes: Word) -> Word {
    let raw: Vec<u8> = Array::items(bytes).iter().map(|b| *b as u8).collect();
    Str::from_bytes(String::from_utf8_lossy(&raw).as_bytes())
}

/// The byte offset of `needle`, or -1.
#[unsafe(no_mangle)]
pub extern "C" fn pluto_str_index_of(s: Word, needle: Word) -> i64 {
    Str::text(s).find(Str::text(needle)).map_or(-1, |i| i as i64)
}

/// `s.slice(from, to)` by byte offsets, which must fall on character boundaries.
#[unsafe(no_mangle)]
pub extern "C" fn pluto_str_slice(s: Word, from: i64, to: i64, site: *const u8) -> Word {
    let text = Str::text(s);
    if from < 0 || to < from || (to as usize) > text.len() {
        fault(Fault::Slice { from, to, len: text.len() as i64 }, site);
    }
    for at in [from, to] {
        if !text.is_char_boundary(at as usize) {
            fault(Fault::CharBoundary { at }, site);
        }
    }
    Str::from_bytes(&Str::bytes(s)[from as usize..to as usize])
}

/// `s.to_int()`: 1 and the number through `out`, or 0 when `s` is not an integer.
///
/// # Safety
/// `out` must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pluto_str_to_int(s: Word, out: *mut i64) -> i8 {
    // SAFETY: per the contract.
    unsafe { parse_into(s, out) }
}

/// Parses `s` (spaces around it allowed) into `out`; 1 if it is a `T`, else 0.
///
/// # Safety
/// `out` must be writable.
unsafe fn parse_into<T: std::str::FromStr>(s: Word, out: *mut T) -> i8 {
    match Str::text(s).trim().parse::<T>() {
        Ok(n) => {
            // SAFETY: per the contract.
            unsafe { *out = n };
            1
        }
        Err(_) => 0,
    }
}

/// `s.to_float()`, like [`pluto_str_to_int`].
///
/// # Safety
/// `out` must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pluto_str_to_float(s: Word, out: *mut f64) -> i8 {
    // SAFETY: per the contract.
    unsafe { parse_into(s, out) }
}
