//! `std.json`: Pluto values as JSON text and back, driven by the same type descriptors as
//! the protobuf codec (`codec.rs`), on serde_json. The mapping: `int`, `float` and `byte`
//! are numbers (a `float` that is NaN or infinite is `null`, as JavaScript writes it),
//! `bool`, `string`, `bytes` a base64 string, arrays, sets and tuples are arrays, maps are
//! objects (keys of `int` and `bool` maps are their text), `T?` is `null` or the value,
//! classes and errors are objects of their fields in declaration order, and an enum
//! value is `"Variant"` when the variant has no fields, `{"Variant": {fields}}` otherwise
//! (serde's externally tagged form).
//!
//! Decoding is strict about types and lenient about extra keys: a value of the wrong
//! type, a missing field that is not nullable or an unknown variant fails with the path
//! of the bad value (`$.items[2].price`), which `json.decode` raises as `JsonError`.
//! Decoded objects are built as the codec builds them: each allocated before its parts
//! and each part stored into it at once, so everything built is reachable for the
//! collector.

use base64::Engine;
use pluto_abi::kind;
use pluto_runtime::value::{AdtDesc, Array, Str, TypeDesc, Word, adt, adt_desc, cstr, field, new_object};
use serde_json::{Map, Value};

use crate::codec::{add_element, bytes_value, default, elements, is_bytes, store};

/// How deeply values may nest (cycles between objects would otherwise never end).
const MAX_DEPTH: usize = 128;

fn ty(p: *const TypeDesc) -> &'static TypeDesc {
    TypeDesc::get(p)
}

// ---- encoding ----------------------------------------------------------------------------

/// `value` of type `t` as JSON text; `Err` when it nests deeper than [`MAX_DEPTH`] (a
/// cycle) or holds a function value. Written straight to the text by serde_json's
/// serializer, with no tree in between.
pub fn encode(value: Word, t: *const TypeDesc) -> Result<String, String> {
    let mut out = Vec::with_capacity(128);
    serde::Serialize::serialize(&Encoded { value, t, depth: 0 }, &mut serde_json::Serializer::new(&mut out))
        .map_err(|e| e.to_string())?;
    Ok(String::from_utf8(out).expect("serde_json writes UTF-8"))
}

/// A Pluto value of a type, as serde sees it.
struct Encoded {
    value: Word,
    t: *const TypeDesc,
    depth: usize,
}

impl Encoded {
    fn child(&self, value: Word, t: *const TypeDesc) -> Encoded {
        Encoded { value, t, depth: self.depth + 1 }
    }
}

/// The fields of an object, from word `first` on.
struct Fields<'a> {
    parent: &'a Encoded,
    object: Word,
    first: usize,
    fields: &'static [pluto_runtime::value::FieldDesc],
}

impl serde::Serialize for Fields<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(self.fields.len()))?;
        for (i, f) in self.fields.iter().enumerate() {
            map.serialize_entry(cstr(f.name), &self.parent.child(field(self.object, self.first + i), f.ty))?;
        }
        map.end()
    }
}

impl serde::Serialize for Encoded {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error, SerializeMap, SerializeSeq};
        if self.depth > MAX_DEPTH {
            return Err(S::Error::custom(format!(
                "the value nests more than {MAX_DEPTH} levels deep (does it contain itself?)"
            )));
        }
        let (value, d) = (self.value, ty(self.t));
        match d.kind {
            kind::INT => s.serialize_i64(value as i64),
            kind::BYTE => s.serialize_u8(value as u8),
            kind::FLOAT => match f64::from_bits(value) {
                f if f.is_finite() => s.serialize_f64(f),
                _ => s.serialize_unit(),
            },
            kind::BOOL => s.serialize_bool(value & 0xff != 0),
            kind::STRING => s.serialize_str(Str::text(value)),
            kind::ARRAY if is_bytes(d) => {
                let bytes: Vec<u8> = Array::items(value).iter().map(|b| *b as u8).collect();
                s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(bytes))
            }
            kind::ARRAY | kind::SET => {
                let items = elements(value, d);
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&self.child(item, d.a))?;
                }
                seq.end()
            }
            kind::MAP => {
                let map = pluto_runtime::collections::MapObj::get(value);
                let mut out = s.serialize_map(None)?;
                for entry in map.live_entries() {
                    let key = map.key(entry);
                    match ty(d.a).kind {
                        kind::STRING => out.serialize_key(Str::text(key))?,
                        _ => out.serialize_key(&pluto_runtime::format::to_text(key, d.a))?,
                    }
                    out.serialize_value(&self.child(map.value(entry), d.b))?;
                }
                out.end()
            }
            kind::NULLABLE if value == 0 => s.serialize_unit(),
            kind::NULLABLE => {
                let value = if ty(d.a).boxed_when_nullable() { field(value, 0) } else { value };
                Encoded { value, t: d.a, depth: self.depth }.serialize(s)
            }
            kind::ADT => {
                let desc = adt_desc(value);
                if desc.kind != adt::ENUM {
                    let fields = desc.fields();
                    return Fields { parent: self, object: value, first: desc.first as usize, fields }.serialize(s);
                }
                let variant = &desc.variants()[field(value, 1) as usize];
                if variant.fields().is_empty() {
                    return s.serialize_str(cstr(variant.name));
                }
                let mut out = s.serialize_map(Some(1))?;
                out.serialize_entry(
                    cstr(variant.name),
                    &Fields { parent: self, object: value, first: 2, fields: variant.fields() },
                )?;
                out.end()
            }
            kind::TUPLE => {
                let types = pluto_runtime::format::tuple_types(d);
                let mut seq = s.serialize_seq(Some(types.len()))?;
                for (i, element) in types.iter().enumerate() {
                    seq.serialize_element(&self.child(field(value, i), *element))?;
                }
                seq.end()
            }
            _ => Err(S::Error::custom("a function value cannot be encoded as JSON")),
        }
    }
}

// ---- decoding ----------------------------------------------------------------------------

/// Why decoding failed, and where: the path from the root (`$`, `$.items[2].price`).
pub struct Failure {
    pub path: String,
    pub reason: String,
}

/// A step of the path to the value being decoded.
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

struct Decoder<'a> {
    path: Vec<Step<'a>>,
}

/// JSON `text` as a value of type `t`.
pub fn decode(text: &str, t: *const TypeDesc) -> Result<Word, Failure> {
    let parsed: Value =
        serde_json::from_str(text).map_err(|e| Failure { path: "$".into(), reason: format!("invalid JSON: {e}") })?;
    let mut decoder = Decoder { path: Vec::new() };
    decoder.value(&parsed, t).map_err(|reason| Failure { path: decoder.path_text(), reason })
}

/// How a JSON value is named in messages.
fn what(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) if s.len() <= 40 => format!("the string {s:?}"),
        Value::String(_) => "a string".into(),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
    }
}

fn expected(wanted: &str, found: &Value) -> String {
    format!("expected {wanted}, found {}", what(found))
}

impl<'a> Decoder<'a> {
    fn path_text(&self) -> String {
        let mut out = String::from("$");
        for step in &self.path {
            match step {
                Step::Key(k) if !k.is_empty() && k.chars().all(|c| c.is_alphanumeric() || c == '_') => {
                    out.push('.');
                    out.push_str(k);
                }
                Step::Key(k) => out.push_str(&format!("[{k:?}]")),
                Step::Index(i) => out.push_str(&format!("[{i}]")),
            }
        }
        out
    }

    fn value(&mut self, v: &'a Value, t: *const TypeDesc) -> Result<Word, String> {
        if self.path.len() > MAX_DEPTH {
            return Err(format!("the value nests more than {MAX_DEPTH} levels deep"));
        }
        let d = ty(t);
        match d.kind {
            kind::INT => match v {
                Value::Number(n) => match n.as_i64() {
                    Some(i) => Ok(i as Word),
                    None if n.is_u64() => Err(format!("{n} does not fit in an int")),
                    None => Err(expected("an integer", v)),
                },
                _ => Err(expected("an integer", v)),
            },
            kind::BYTE => match v.as_u64() {
                Some(b) if b <= 255 => Ok(b),
                _ => Err(expected("a byte (an integer from 0 to 255)", v)),
            },
            kind::FLOAT => match v.as_f64() {
                Some(f) => Ok(f.to_bits()),
                None => Err(expected("a number", v)),
            },
            kind::BOOL => match v {
                Value::Bool(b) => Ok(Word::from(*b)),
                _ => Err(expected("true or false", v)),
            },
            kind::STRING => match v {
                Value::String(s) => Ok(Str::from_bytes(s.as_bytes())),
                _ => Err(expected("a string", v)),
            },
            kind::ARRAY if is_bytes(d) => {
                let Value::String(s) = v else { return Err(expected("a base64 string", v)) };
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(s)
                    .map_err(|e| format!("expected a base64 string: {e}"))?;
                Ok(bytes_value(&bytes))
            }
            kind::ARRAY | kind::SET => {
                let Value::Array(items) = v else { return Err(expected("an array", v)) };
                let collection = default(t, 0)?;
                for (i, item) in items.iter().enumerate() {
                    self.path.push(Step::Index(i));
                    let element = self.value(item, d.a)?;
                    add_element(collection, d, element);
                    self.path.pop();
                }
                Ok(collection)
            }
            kind::MAP => {
                let Value::Object(entries) = v else { return Err(expected("an object", v)) };
                let map = default(t, 0)?;
                for (k, item) in entries {
                    self.path.push(Step::Key(k));
                    let key = map_key(k, d.a)?;
                    let value = self.value(item, d.b)?;
                    pluto_runtime::collections::pluto_map_insert(map, key, value);
                    self.path.pop();
                }
                Ok(map)
            }
            kind::NULLABLE => {
                if v.is_null() {
                    return Ok(0);
                }
                let value = self.value(v, d.a)?;
                if ty(d.a).boxed_when_nullable() {
                    let boxed = pluto_runtime::gc::pluto_alloc(8) as Word;
                    store(boxed, 0, value);
                    Ok(boxed)
                } else {
                    Ok(value)
                }
            }
            kind::ADT => self.object(v, d.a.cast()),
            kind::TUPLE => {
                let types = pluto_runtime::format::tuple_types(d);
                let Value::Array(items) = v else { return Err(expected("an array", v)) };
                if items.len() != types.len() {
                    return Err(format!("expected an array of {} items, found {}", types.len(), items.len()));
                }
                let tuple = pluto_runtime::gc::pluto_alloc((types.len().max(1) * 8) as i64) as Word;
                for (i, (item, element)) in items.iter().zip(types).enumerate() {
                    self.path.push(Step::Index(i));
                    let value = self.value(item, *element)?;
                    store(tuple, i, value);
                    self.path.pop();
                }
                Ok(tuple)
            }
            _ => Err("a function value cannot be decoded from JSON".into()),
        }
    }

    fn object(&mut self, v: &'a Value, desc: *const AdtDesc) -> Result<Word, String> {
        let d = AdtDesc::get(desc);
        if d.kind == adt::ENUM {
            return self.enum_value(v, desc);
        }
        let Value::Object(entries) = v else { return Err(expected(&format!("an object ({})", cstr(d.name)), v)) };
        let first = d.first as usize;
        let object = new_object(desc, first + d.fields().len());
        if d.kind == adt::ERROR {
            store(object, 1, pluto_runtime::value::static_site("json.decode") as Word);
        }
        self.fields(entries, d.fields(), object, first)?;
        Ok(object)
    }

    /// Fills words `first..` of `object` from `entries`, one per field.
    fn fields(
        &mut self,
        entries: &'a Map<String, Value>,
        fields: &'static [pluto_runtime::value::FieldDesc],
        object: Word,
        first: usize,
    ) -> Result<(), String> {
        for (i, f) in fields.iter().enumerate() {
            let name = cstr(f.name);
            let value = match entries.get_key_value(name) {
                Some((key, item)) => {
                    self.path.push(Step::Key(key));
                    let value = self.value(item, f.ty)?;
                    self.path.pop();
                    value
                }
                None if ty(f.ty).kind == kind::NULLABLE => 0,
                None => return Err(format!("missing field `{name}`")),
            };
            store(object, first + i, value);
        }
        Ok(())
    }

    fn enum_value(&mut self, v: &'a Value, desc: *const AdtDesc) -> Result<Word, String> {
        let d = AdtDesc::get(desc);
        let names = || d.variants().iter().map(|v| format!("\"{}\"", cstr(v.name))).collect::<Vec<_>>().join(", ");
        let (name, payload) = match v {
            Value::String(name) => (name.as_str(), None),
            Value::Object(entries) if entries.len() == 1 => {
                let (name, payload) = entries.iter().next().expect("one entry");
                (name.as_str(), Some((name, payload)))
            }
            _ => return Err(expected(&format!("a variant of {} ({})", cstr(d.name), names()), v)),
        };
        let Some(index) = d.variants().iter().position(|v| cstr(v.name) == name) else {
            return Err(format!("`{name}` is not a variant of {}; its variants: {}", cstr(d.name), names()));
        };
        let fields = d.variants()[index].fields();
        let object = new_object(desc, 2 + fields.len());
        store(object, 1, index as Word);
        match payload {
            Some((key, Value::Object(entries))) => {
                self.path.push(Step::Key(key));
                self.fields(entries, fields, object, 2)?;
                self.path.pop();
            }
            Some((_, Value::Null)) | None if fields.is_empty() => {}
            Some((key, other)) => {
                self.path.push(Step::Key(key));
                return Err(expected("an object of the variant's fields", other));
            }
            None => return Err(format!("the variant `{name}` has fields: write {{\"{name}\": {{...}}}}")),
        }
        Ok(object)
    }
}

/// A map key from its JSON text.
fn map_key(text: &str, t: *const TypeDesc) -> Result<Word, String> {
    match ty(t).kind {
        kind::STRING => Ok(Str::from_bytes(text.as_bytes())),
        kind::INT => text.parse::<i64>().map(|i| i as Word).map_err(|_| format!("the key {text:?} is not an integer")),
        kind::BOOL => match text {
            "true" => Ok(1),
            "false" => Ok(0),
            _ => Err(format!("the key {text:?} is not true or false")),
        },
        _ => Err("maps decoded from JSON have `string`, `int` or `bool` keys".into()),
    }
}

// ---- exports -------------------------------------------------------------------------------

/// `json.encode<T>(value)`: a value that cannot be written (a cycle, a function value) is a
/// fault, as no program can handle it.
#[unsafe(no_mangle)]
pub extern "C" fn pluto_std_json_encode(value: Word, t: *const TypeDesc) -> Word {
    match encode(value, t) {
        Ok(text) => Str::from_bytes(text.as_bytes()),
        Err(reason) => pluto_runtime::fault::fault(
            pluto_runtime::fault::Fault::Other(format!("json.encode: {reason}")),
            pluto_runtime::value::static_site("std.json"),
        ),
    }
}

/// `json.parse<T>(text, failure)` (behind `json.decode`): the value, or, when the text
/// does not decode, 0 with `failure`'s `path` and `reason` fields set.
#[unsafe(no_mangle)]
pub extern "C" fn pluto_std_json_parse(text: Word, failure: Word, t: *const TypeDesc) -> Word {
    match decode(Str::text(text), t) {
        Ok(value) => value,
        Err(Failure { path, reason }) => {
            let d = adt_desc(failure);
            for (i, f) in d.fields().iter().enumerate() {
                let value = match cstr(f.name) {
                    "path" => &path,
                    "reason" => &reason,
                    _ => continue,
                };
                store(failure, d.first as usize + i, Str::from_bytes(value.as_bytes()));
            }
            0
        }
    }
}
