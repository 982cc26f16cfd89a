//! The protobuf codec of Pluto values, driven by the type descriptors the compiler emits
//! (as upb's table-driven parsers are): no code is generated per program. The mapping is
//! the schema's (`crates/rpc/src/proto.rs`, SPEC §5): `int` → `int64`, `float` →
//! `double`, `bool`, `string`, `byte` → `uint32`, `bytes`, `[T]`/`Set<T>` → `repeated`
//! (packed for numbers), `Map<K, V>` → `map`, `T?` → `optional`, classes and errors →
//! messages of their fields (numbered from 1), enums → a message whose `oneof` holds one
//! message per variant (numbered from 1). A shape protobuf cannot nest (after `repeated`,
//! as a map value, in a `oneof`) is wrapped in a message whose field 1 holds it. Proto3
//! defaults are omitted, as prost does, so the bytes equal prost's.
//!
//! Encoding only reads Pluto objects. Decoding builds them: every object is allocated
//! before its parts and each part is stored into it at once, so everything built is
//! reachable from the stack for the collector. Nesting deeper than [`MAX_DEPTH`] (as
//! protobuf's own limit) is refused both ways, and nothing malformed panics.

use pluto_abi::kind;
use pluto_runtime::value::{AdtDesc, Array, Str, TypeDesc, Word, adt, field as word, new_object};
use prost::encoding::{WireType, decode_key, decode_varint, encode_key, encode_varint};

/// How deeply messages may nest.
pub const MAX_DEPTH: usize = 100;

pub type Result<T> = std::result::Result<T, String>;

fn ty(p: *const TypeDesc) -> &'static TypeDesc {
    TypeDesc::get(p)
}

pub(crate) fn is_bytes(t: &TypeDesc) -> bool {
    t.kind == kind::ARRAY && !t.b.is_null()
}

fn packable(t: &TypeDesc) -> bool {
    matches!(t.kind, kind::INT | kind::FLOAT | kind::BOOL | kind::BYTE)
}

// ---- encoding ----------------------------------------------------------------------------

/// The fields `values` (of types `types`) as one message's bytes, numbered from 1.
pub fn encode_fields(types: &[*const TypeDesc], values: &[Word], out: &mut Vec<u8>) -> Result<()> {
    for (i, (t, v)) in types.iter().zip(values).enumerate() {
        put_field(i as u32 + 1, *t, *v, out, 0)?;
    }
    Ok(())
}

/// `value` as field `number` of a `oneof` (always written).
pub fn encode_single(number: u32, t: *const TypeDesc, value: Word, out: &mut Vec<u8>) -> Result<()> {
    single(number, t, value, true, out, 0)
}

/// The fields of an object of `desc` (a class or error) as a message body.
pub fn encode_object(object: Word, desc: &AdtDesc, out: &mut Vec<u8>) -> Result<()> {
    object_body(object, desc, out, 0)
}

fn put_field(number: u32, t: *const TypeDesc, value: Word, out: &mut Vec<u8>, depth: usize) -> Result<()> {
    let d = ty(t);
    match d.kind {
        kind::ARRAY | kind::SET if !is_bytes(d) => {
            let items = elements(value, d);
            let element = ty(d.a);
            if items.is_empty() {
                return Ok(());
            }
            if packable(element) {
                let mut body = Vec::new();
                for item in items {
                    scalar_value(element, item, &mut body);
                }
                length_delimited(number, &body, out);
            } else {
                for item in items {
                    single(number, d.a, item, true, out, depth)?;
                }
            }
            Ok(())
        }
        kind::MAP => {
            let map = pluto_runtime::collections::MapObj::get(value);
            for entry in map.live_entries() {
                let mut body = Vec::new();
                single(1, d.a, map.key(entry), false, &mut body, depth + 1)?;
                single(2, d.b, map.value(entry), false, &mut body, depth + 1)?;
                length_delimited(number, &body, out);
            }
            Ok(())
        }
        kind::NULLABLE => {
            if value == 0 {
                return Ok(());
            }
            let inner = ty(d.a);
            let value = if inner.boxed_when_nullable() { word(value, 0) } else { value };
            single(number, d.a, value, true, out, depth)
        }
        _ => single(number, t, value, false, out, depth),
    }
}

/// The elements of an array or set.
pub(crate) fn elements(value: Word, d: &TypeDesc) -> Vec<Word> {
    if d.kind == kind::SET {
        let set = pluto_runtime::collections::MapObj::get(value);
        set.live_entries().map(|e| set.key(e)).collect()
    } else {
        Array::items(value)
    }
}

fn single(number: u32, t: *const TypeDesc, value: Word, always: bool, out: &mut Vec<u8>, depth: usize) -> Result<()> {
    if depth > MAX_DEPTH {
        return Err(format!("the value is nested more than {MAX_DEPTH} levels deep"));
    }
    let d = ty(t);
    match d.kind {
        kind::INT | kind::BOOL | kind::BYTE | kind::FLOAT => {
            if always || !is_zero(d, value) {
                let wire = if d.kind == kind::FLOAT { WireType::SixtyFourBit } else { WireType::Varint };
                encode_key(number, wire, out);
                scalar_value(d, value, out);
            }
        }
        kind::STRING => {
            let bytes = Str::bytes(value);
            if always || !bytes.is_empty() {
                length_delimited(number, bytes, out);
            }
        }
        _ if is_bytes(d) => {
            let a = Array::get(value);
            // SAFETY: a byte array holds `len` bytes at `data`.
            let bytes = unsafe { std::slice::from_raw_parts(a.data as *const u8, a.len as usize) };
            if always || !bytes.is_empty() {
                length_delimited(number, bytes, out);
            }
        }
        kind::ADT => {
            let mut body = Vec::new();
            object_body(value, pluto_runtime::value::adt_desc(value), &mut body, depth + 1)?;
            length_delimited(number, &body, out);
        }
        kind::ARRAY | kind::SET | kind::MAP | kind::NULLABLE => {
            let mut body = Vec::new();
            put_field(1, t, value, &mut body, depth + 1)?;
            length_delimited(number, &body, out);
        }
        // `void` (an empty message) and anything the wire check keeps out.
        _ => length_delimited(number, &[], out),
    }
    Ok(())
}

fn is_zero(d: &TypeDesc, value: Word) -> bool {
    match d.kind {
        kind::FLOAT => f64::from_bits(value) == 0.0,
        kind::BOOL | kind::BYTE => value & 0xff == 0,
        _ => value == 0,
    }
}

fn scalar_value(d: &TypeDesc, value: Word, out: &mut Vec<u8>) {
    match d.kind {
        kind::FLOAT => out.extend_from_slice(&value.to_le_bytes()),
        kind::BOOL => encode_varint(u64::from(value & 0xff != 0), out),
        kind::BYTE => encode_varint(value & 0xff, out),
        _ => encode_varint(value, out),
    }
}

fn length_delimited(number: u32, body: &[u8], out: &mut Vec<u8>) {
    encode_key(number, WireType::LengthDelimited, out);
    encode_varint(body.len() as u64, out);
    out.extend_from_slice(body);
}

fn object_body(object: Word, desc: &AdtDesc, out: &mut Vec<u8>, depth: usize) -> Result<()> {
    if desc.kind == adt::ENUM {
        let variant = word(object, 1) as usize;
        let Some(v) = desc.variants().get(variant) else { return Err("an enum value of no variant".into()) };
        let mut body = Vec::new();
        for (i, f) in v.fields().iter().enumerate() {
            put_field(i as u32 + 1, f.ty, word(object, 2 + i), &mut body, depth + 1)?;
        }
        length_delimited(variant as u32 + 1, &body, out);
        return Ok(());
    }
    for (i, f) in desc.fields().iter().enumerate() {
        put_field(i as u32 + 1, f.ty, word(object, desc.first as usize + i), out, depth)?;
    }
    Ok(())
}

// ---- decoding ----------------------------------------------------------------------------

/// A reader over one message's bytes.
struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    fn key(&mut self) -> Result<Option<(u32, WireType)>> {
        if self.buf.is_empty() {
            return Ok(None);
        }
        decode_key(&mut self.buf).map(Some).map_err(|e| e.to_string())
    }

    fn varint(&mut self) -> Result<u64> {
        decode_varint(&mut self.buf).map_err(|e| e.to_string())
    }

    fn fixed64(&mut self) -> Result<u64> {
        let Some((bytes, rest)) = self.buf.split_first_chunk::<8>() else { return Err("truncated fixed64".into()) };
        self.buf = rest;
        Ok(u64::from_le_bytes(*bytes))
    }

    fn delimited(&mut self) -> Result<&'a [u8]> {
        let len = self.varint()?;
        if len > self.buf.len() as u64 {
            return Err(format!("a length of {len} bytes runs past the end of the message"));
        }
        let (body, rest) = self.buf.split_at(len as usize);
        self.buf = rest;
        Ok(body)
    }

    fn skip(&mut self, wire: WireType) -> Result<()> {
        match wire {
            WireType::Varint => self.varint().map(drop),
            WireType::SixtyFourBit => self.fixed64().map(drop),
            WireType::ThirtyTwoBit => {
                if self.buf.len() < 4 {
                    return Err("truncated fixed32".into());
                }
                self.buf = &self.buf[4..];
                Ok(())
            }
            WireType::LengthDelimited => self.delimited().map(drop),
            WireType::StartGroup | WireType::EndGroup => Err("groups are not supported".into()),
        }
    }
}

pub(crate) fn store(object: Word, i: usize, value: Word) {
    // SAFETY: callers store within the object's layout.
    unsafe { *(object as *mut Word).add(i) = value };
}

/// Decodes a message whose fields 1..n have types `types` into `out` (a block of words).
pub fn decode_fields(bytes: &[u8], types: &[*const TypeDesc], out: Word) -> Result<()> {
    for (i, t) in types.iter().enumerate() {
        store(out, i, default(*t, 0)?);
    }
    let mut r = Reader { buf: bytes };
    while let Some((number, wire)) = r.key()? {
        match types.get((number as usize).wrapping_sub(1)) {
            Some(t) => {
                let current = word(out, number as usize - 1);
                let value = decode_field(&mut r, wire, *t, current, 0)?;
                store(out, number as usize - 1, value);
            }
            None => r.skip(wire)?,
        }
    }
    Ok(())
}

/// Decodes field `number`'s payload as a `oneof` member of type `t`.
pub fn decode_single(bytes: &[u8], wire: WireType, t: *const TypeDesc) -> Result<Word> {
    let mut r = Reader { buf: bytes };
    decode_value(&mut r, wire, t, 0)
}

/// Splits a message into its first field: number, wire type and the bytes of its payload
/// (for a `oneof` response, which has exactly one).
pub fn first_field(bytes: &[u8]) -> Result<Option<(u32, WireType, Vec<u8>)>> {
    let mut r = Reader { buf: bytes };
    let mut found = None;
    while let Some((number, wire)) = r.key()? {
        let before = r.buf;
        r.skip(wire)?;
        let payload = &before[..before.len() - r.buf.len()];
        found = Some((number, wire, payload.to_vec()));
    }
    Ok(found)
}

/// Decodes an error message of `desc` into a new error object raised at `site`.
pub fn decode_error(bytes: &[u8], desc: *const AdtDesc, site: *const u8) -> Result<Word> {
    let mut r = Reader { buf: bytes };
    let body = r.delimited()?;
    let object = decode_object(body, desc, 0)?;
    store(object, 1, site as Word);
    Ok(object)
}

/// The value of one occurrence of a field of type `t` (`current` is what the field held
/// so far: repeated and map fields accumulate).
fn decode_field(r: &mut Reader, wire: WireType, t: *const TypeDesc, current: Word, depth: usize) -> Result<Word> {
    let d = ty(t);
    match d.kind {
        kind::ARRAY | kind::SET if !is_bytes(d) => {
            let element = ty(d.a);
            if packable(element) && wire == WireType::LengthDelimited {
                let body = r.delimited()?;
                let mut inner = Reader { buf: body };
                let element_wire = if element.kind == kind::FLOAT { WireType::SixtyFourBit } else { WireType::Varint };
                while !inner.buf.is_empty() {
                    let item = decode_value(&mut inner, element_wire, d.a, depth)?;
                    add_element(current, d, item);
                }
            } else {
                let item = decode_value(r, wire, d.a, depth)?;
                add_element(current, d, item);
            }
            Ok(current)
        }
        kind::MAP => {
            expect(wire, WireType::LengthDelimited)?;
            let body = r.delimited()?;
            let mut entry = Reader { buf: body };
            let mut key = default(d.a, depth)?;
            let mut value = default(d.b, depth)?;
            while let Some((number, wire)) = entry.key()? {
                match number {
                    1 => key = decode_value(&mut entry, wire, d.a, depth + 1)?,
                    2 => value = decode_value(&mut entry, wire, d.b, depth + 1)?,
                    _ => entry.skip(wire)?,
                }
            }
            pluto_runtime::collections::pluto_map_insert(current, key, value);
            Ok(current)
        }
        kind::NULLABLE => {
            let inner = ty(d.a);
            let value = decode_value(r, wire, d.a, depth)?;
            if inner.boxed_when_nullable() {
                let boxed = pluto_runtime::gc::pluto_alloc(8) as Word;
                store(boxed, 0, value);
                Ok(boxed)
            } else {
                Ok(value)
            }
        }
        _ => decode_value(r, wire, t, depth),
    }
}

/// A new Pluto `bytes` value holding `bytes`.
pub(crate) fn bytes_value(bytes: &[u8]) -> Word {
    let array = Array::with_capacity(pluto_abi::array::BYTES, bytes.len());
    let a = Array::get(array);
    for (i, b) in bytes.iter().enumerate() {
        a.put(i, Word::from(*b));
    }
    a.len = bytes.len() as i64;
    array
}

pub(crate) fn add_element(collection: Word, d: &TypeDesc, item: Word) {
    if d.kind == kind::SET {
        pluto_runtime::collections::pluto_map_insert(collection, item, 0);
    } else {
        pluto_runtime::collections::pluto_array_push(collection, item);
    }
}

fn expect(wire: WireType, wanted: WireType) -> Result<()> {
    if wire == wanted { Ok(()) } else { Err(format!("wire type {wire:?} where {wanted:?} was expected")) }
}

/// A value that stands alone (scalars, strings, bytes, messages, wrapped shapes).
fn decode_value(r: &mut Reader, wire: WireType, t: *const TypeDesc, depth: usize) -> Result<Word> {
    if depth > MAX_DEPTH {
        return Err(format!("the message is nested more than {MAX_DEPTH} levels deep"));
    }
    let d = ty(t);
    match d.kind {
        kind::INT => {
            expect(wire, WireType::Varint)?;
            r.varint()
        }
        kind::BOOL => {
            expect(wire, WireType::Varint)?;
            Ok(u64::from(r.varint()? != 0))
        }
        kind::BYTE => {
            expect(wire, WireType::Varint)?;
            let v = r.varint()?;
            if v > 255 { Err(format!("{v} does not fit in a byte")) } else { Ok(v) }
        }
        kind::FLOAT => {
            expect(wire, WireType::SixtyFourBit)?;
            r.fixed64()
        }
        kind::STRING => {
            expect(wire, WireType::LengthDelimited)?;
            let bytes = r.delimited()?;
            std::str::from_utf8(bytes).map_err(|_| "a string is not valid UTF-8".to_string())?;
            Ok(Str::from_bytes(bytes))
        }
        _ if is_bytes(d) => {
            expect(wire, WireType::LengthDelimited)?;
            Ok(bytes_value(r.delimited()?))
        }
        kind::ADT => {
            expect(wire, WireType::LengthDelimited)?;
            let body = r.delimited()?;
            decode_object(body, d.a.cast(), depth + 1)
        }
        kind::ARRAY | kind::SET | kind::MAP | kind::NULLABLE => {
            expect(wire, WireType::LengthDelimited)?;
            let body = r.delimited()?;
            let mut inner = Reader { buf: body };
            let mut value = default(t, depth)?;
            while let Some((number, wire)) = inner.key()? {
                if number == 1 {
                    value = decode_field(&mut inner, wire, t, value, depth + 1)?;
                } else {
                    inner.skip(wire)?;
                }
            }
            Ok(value)
        }
        _ => {
            r.skip(wire)?;
            Ok(0)
        }
    }
}

fn decode_object(body: &[u8], desc: *const AdtDesc, depth: usize) -> Result<Word> {
    if desc.is_null() {
        return Err("a message of a type without a descriptor".into());
    }
    let d = AdtDesc::get(desc);
    let mut r = Reader { buf: body };
    if d.kind == adt::ENUM {
        let mut object = default_object(desc, depth)?;
        while let Some((number, wire)) = r.key()? {
            let Some(variant) = d.variants().get((number as usize).wrapping_sub(1)) else {
                r.skip(wire)?;
                continue;
            };
            expect(wire, WireType::LengthDelimited)?;
            let fields = variant.fields();
            object = new_object(desc, 2 + fields.len());
            store(object, 1, number as Word - 1);
            let types: Vec<*const TypeDesc> = fields.iter().map(|f| f.ty).collect();
            let payload = r.delimited()?;
            decode_fields_at(payload, &types, object, 2, depth + 1)?;
        }
        return Ok(object);
    }
    let fields = d.fields();
    let object = new_object(desc, d.first as usize + fields.len());
    let types: Vec<*const TypeDesc> = fields.iter().map(|f| f.ty).collect();
    decode_fields_at(body, &types, object, d.first as usize, depth)?;
    Ok(object)
}

/// Decodes fields 1..n of types `types` into words `at..` of `object`.
fn decode_fields_at(bytes: &[u8], types: &[*const TypeDesc], object: Word, at: usize, depth: usize) -> Result<()> {
    for (i, t) in types.iter().enumerate() {
        store(object, at + i, default(*t, depth)?);
    }
    let mut r = Reader { buf: bytes };
    while let Some((number, wire)) = r.key()? {
        match types.get((number as usize).wrapping_sub(1)) {
            Some(t) => {
                let i = at + number as usize - 1;
                let value = decode_field(&mut r, wire, *t, word(object, i), depth)?;
                store(object, i, value);
            }
            None => r.skip(wire)?,
        }
    }
    Ok(())
}

/// The value of a field that is absent: zero, empty, `none`, or a message of defaults.
pub fn default(t: *const TypeDesc, depth: usize) -> Result<Word> {
    if depth > MAX_DEPTH {
        return Err(format!("the message is nested more than {MAX_DEPTH} levels deep"));
    }
    let d = ty(t);
    Ok(match d.kind {
        kind::STRING => Str::from_bytes(b""),
        kind::ARRAY => {
            let element = ty(d.a);
            let array_kind = if is_bytes(d) {
                pluto_abi::array::BYTES
            } else {
                match element.kind {
                    kind::BOOL | kind::BYTE => pluto_abi::array::BYTES,
                    kind::INT | kind::FLOAT => pluto_abi::array::PLAIN_WORDS,
                    _ => pluto_abi::array::WORDS,
                }
            };
            Array::with_capacity(array_kind, 0)
        }
        kind::MAP => pluto_runtime::collections::pluto_map_new(d.a),
        kind::SET => pluto_runtime::collections::pluto_set_new(d.a),
        kind::ADT => default_object(d.a.cast(), depth + 1)?,
        _ => 0,
    })
}

fn default_object(desc: *const AdtDesc, depth: usize) -> Result<Word> {
    if desc.is_null() {
        return Ok(0);
    }
    let d = AdtDesc::get(desc);
    if d.kind == adt::ENUM {
        let fields = d.variants().first().map_or(&[][..], |v| v.fields());
        let object = new_object(desc, 2 + fields.len());
        for (i, f) in fields.iter().enumerate() {
            store(object, 2 + i, default(f.ty, depth + 1)?);
        }
        return Ok(object);
    }
    let fields = d.fields();
    let object = new_object(desc, d.first as usize + fields.len());
    for (i, f) in fields.iter().enumerate() {
        store(object, d.first as usize + i, default(f.ty, depth + 1)?);
    }
    Ok(object)
}
