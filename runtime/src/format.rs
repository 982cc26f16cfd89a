//! Values of any type as text (printing, interpolation, unhandled errors), and equality
//! and hashing by type descriptor (map keys, `contains`, `==` on strings).

use std::fmt::Write;

use crate::value::*;

/// Floats as SPEC §1 says: as Rust's `{}` prints them (`21.0` is `21`).
pub fn float(value: f64, out: &mut String) {
    let _ = write!(out, "{value}");
}

/// Writes `value` of type `ty`; strings are quoted when `nested` (inside a collection or
/// an object), bare at the top.
pub fn write_value(value: Word, ty: *const TypeDesc, nested: bool, out: &mut String) {
    let ty = TypeDesc::get(ty);
    match ty.kind {
        kind::INT => {
            let _ = write!(out, "{}", value as i64);
        }
        kind::BYTE => {
            let _ = write!(out, "{}", value as u8);
        }
        kind::FLOAT => float(f64::from_bits(value), out),
        kind::BOOL => out.push_str(if value & 0xff != 0 { "true" } else { "false" }),
        kind::STRING if nested => {
            let _ = write!(out, "{:?}", Str::text(value));
        }
        kind::STRING => out.push_str(Str::text(value)),
        kind::ARRAY => {
            out.push('[');
            for (i, item) in Array::items(value).iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_value(*item, ty.a, true, out);
            }
            out.push(']');
        }
        kind::MAP | kind::SET => {
            out.push('{');
            let map = crate::collections::MapObj::get(value);
            for (i, entry) in map.live_entries().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_value(map.key(entry), ty.a, true, out);
                if ty.kind == kind::MAP {
                    out.push_str(": ");
                    write_value(map.value(entry), ty.b, true, out);
                }
            }
            out.push('}');
        }
        kind::NULLABLE if value == 0 => out.push_str("none"),
        kind::NULLABLE => {
            let inner = TypeDesc::get(ty.a);
            let value = if inner.boxed_when_nullable() { field(value, 0) } else { value };
            write_value(value, ty.a, nested, out)
        }
        kind::ADT => write_object(value, out),
        kind::TUPLE => {
            out.push('(');
            for (i, element) in tuple_types(ty).iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_value(field(value, i), *element, true, out);
            }
            out.push(')');
        }
        _ => out.push_str("<value>"),
    }
}

fn write_fields(object: Word, first: usize, count: i64, fields: *const FieldDesc, out: &mut String) {
    if count == 0 {
        return;
    }
    out.push_str(" { ");
    for i in 0..count as usize {
        // SAFETY: `fields` has `count` entries.
        let f = unsafe { &*fields.add(i) };
        if i > 0 {
            out.push_str(", ");
        }
        let _ = write!(out, "{}: ", cstr(f.name));
        write_value(field(object, first + i), f.ty, true, out);
    }
    out.push_str(" }");
}

/// `Name { field: value, ... }` for classes and errors, `Enum.Variant { ... }` for enums.
pub fn write_object(object: Word, out: &mut String) {
    let desc = adt_desc(object);
    match desc.kind {
        adt::ENUM => {
            let variant = field(object, 1) as usize;
            // SAFETY: the variant index is below `count`.
            let v = unsafe { &*desc.variants.add(variant) };
            let _ = write!(out, "{}.{}", cstr(desc.name), cstr(v.name));
            write_fields(object, 2, v.count, v.fields, out);
        }
        _ => {
            out.push_str(cstr(desc.name));
            write_fields(object, desc.first as usize, desc.count, desc.fields, out);
        }
    }
}

pub fn to_text(value: Word, ty: *const TypeDesc) -> String {
    let mut out = String::new();
    write_value(value, ty, false, &mut out);
    out
}

/// Equality of two values of type `ty`: by content for strings, collections and
/// nullables; by identity for objects; by bits otherwise (floats compare as floats).
pub fn equal(a: Word, b: Word, ty: *const TypeDesc) -> bool {
    let ty = TypeDesc::get(ty);
    match ty.kind {
        kind::FLOAT => f64::from_bits(a) == f64::from_bits(b),
        kind::BOOL | kind::BYTE => (a & 0xff) == (b & 0xff),
        kind::STRING => a == b || Str::bytes(a) == Str::bytes(b),
        kind::ARRAY => {
            let (x, y) = (Array::items(a), Array::items(b));
            x.len() == y.len() && x.iter().zip(&y).all(|(x, y)| equal(*x, *y, ty.a))
        }
        kind::NULLABLE => match (a, b) {
            (0, 0) => true,
            (0, _) | (_, 0) => false,
            _ if TypeDesc::get(ty.a).boxed_when_nullable() => equal(field(a, 0), field(b, 0), ty.a),
            _ => equal(a, b, ty.a),
        },
        kind::ADT => a == b || enum_equal(a, b),
        kind::TUPLE => tuple_types(ty).iter().enumerate().all(|(i, t)| equal(field(a, i), field(b, i), *t)),
        _ => a == b,
    }
}

/// The element types of a tuple type: `a` points at `b` descriptors.
pub fn tuple_types(ty: &TypeDesc) -> &'static [*const TypeDesc] {
    // SAFETY: a tuple descriptor's `a` is a table of `b` descriptor pointers.
    unsafe { std::slice::from_raw_parts(ty.a as *const *const TypeDesc, ty.b as usize) }
}

/// Two enum values are equal when they are the same variant and their fields are.
fn enum_equal(a: Word, b: Word) -> bool {
    let desc = adt_desc(a);
    if desc.kind != adt::ENUM || !std::ptr::eq(desc, adt_desc(b)) || field(a, 1) != field(b, 1) {
        return false;
    }
    // SAFETY: the variant index is below `count`.
    let v = unsafe { &*desc.variants.add(field(a, 1) as usize) };
    (0..v.count as usize).all(|i| {
        // SAFETY: the variant has `count` fields.
        let f = unsafe { &*v.fields.add(i) };
        equal(field(a, 2 + i), field(b, 2 + i), f.ty)
    })
}

pub fn hash(value: Word, ty: *const TypeDesc) -> u64 {
    let ty = TypeDesc::get(ty);
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut mix = |bytes: &[u8]| {
        for b in bytes {
            h ^= *b as u64;
            h = h.wrapping_mul(0x100_0000_01b3);
        }
    };
    match ty.kind {
        kind::STRING => mix(Str::bytes(value)),
        kind::BOOL | kind::BYTE => mix(&[(value & 0xff) as u8]),
        kind::NULLABLE if value != 0 && TypeDesc::get(ty.a).boxed_when_nullable() => {
            return hash(field(value, 0), ty.a);
        }
        kind::TUPLE => {
            for (i, t) in tuple_types(ty).iter().enumerate() {
                mix(&hash(field(value, i), *t).to_le_bytes());
            }
        }
        _ => mix(&value.to_le_bytes()),
    }
    h
}

/// `print(value)` of any type.
///
/// # Safety
/// `ty` must describe `value`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pluto_print(value: Word, ty: *const TypeDesc) {
    let mut text = to_text(value, ty);
    text.push('\n');
    crate::io::write_stdout(text.as_bytes());
}

/// A value as a string, for interpolation.
///
/// # Safety
/// `ty` must describe `value`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pluto_to_string(value: Word, ty: *const TypeDesc) -> Word {
    if TypeDesc::get(ty).kind == kind::STRING {
        return value;
    }
    Str::from_bytes(to_text(value, ty).as_bytes())
}

#[unsafe(no_mangle)]
pub extern "C" fn pluto_equal(a: Word, b: Word, ty: *const TypeDesc) -> i8 {
    equal(a, b, ty) as i8
}
