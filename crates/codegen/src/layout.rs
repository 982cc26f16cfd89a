//! How Pluto values are laid out (the numbers are in `pluto_abi`, shared with the
//! runtime): machine types, object field offsets, and the static data the runtime needs: string objects,
//! fault sites, and type descriptors.

use cranelift_codegen::ir::types;
use cranelift_module::{DataDescription, DataId, Linkage, Module};
use pluto_db::Db;
use pluto_hir::{FnLoc, ItemKind, ItemLoc, Semantics, Ty};

use pluto_abi::{adt, kind};

use crate::{CodegenError, Globals};

/// The machine type of a value of `ty`, or `None` for `void`. Everything that is not a
/// number or a bool is a pointer word.
pub fn machine_type(ty: &Ty) -> Option<types::Type> {
    match ty {
        Ty::Float => Some(types::F64),
        Ty::Bool => Some(types::I8),
        Ty::Void | Ty::Never => None,
        _ => Some(types::I64),
    }
}

/// Whether a nullable of `inner` boxes the value (numbers, bools, and generic values,
/// whose representation is not known where they are handled).
pub fn boxed_when_nullable(inner: &Ty) -> bool {
    matches!(inner, Ty::Int | Ty::Float | Ty::Bool | Ty::Byte | Ty::Param(_) | Ty::Var(_) | Ty::Unknown)
}

/// Where the dependencies of an object of this class or stage start, in words (after
/// the descriptor; errors and enums have a second header word, and no dependencies).
pub fn first_field(db: &dyn Db, loc: ItemLoc) -> i32 {
    match loc.item(db).kind {
        ItemKind::Error(_) | ItemKind::Enum { .. } => 2,
        _ => 1,
    }
}

/// Where the fields of an object of `loc` start, in words: after its header and its
/// dependencies.
pub fn fields_start(db: &dyn Db, program: pluto_db::Program, loc: ItemLoc) -> i32 {
    first_field(db, loc) + Semantics::new(db, program).adt(loc).deps.len() as i32
}

/// The type arguments of a class, enum or error type (none for other types).
pub fn type_args(ty: &Ty) -> Vec<Ty> {
    match ty {
        Ty::Adt(_, args) => args.to_vec(),
        _ => Vec::new(),
    }
}

/// The bytes of a unit's lock, after its instance in the unit's slot.
pub const UNIT_LOCK_SIZE: i64 = 16;

impl Globals {
    fn define_data(&mut self, name: String, data: DataDescription) -> Result<DataId, CodegenError> {
        let id = self.module.declare_data(&name, Linkage::Local, false, false).map_err(crate::backend)?;
        self.module.define_data(id, &data).map_err(crate::backend)?;
        Ok(id)
    }

    /// The writable slot holding unit `unit`'s instance (filled by the generated `main`).
    pub fn unit_slot(&mut self, db: &dyn Db, unit: ItemLoc) -> Result<DataId, CodegenError> {
        if let Some(id) = self.units.get(&unit) {
            return Ok(*id);
        }
        let name = format!("pluto_unit_{}", unit.item(db).name);
        let id = self.module.declare_data(&name, Linkage::Local, true, false).map_err(crate::backend)?;
        // The instance, then the unit's lock (`pluto_runtime::locks::UnitLock`, two words).
        let mut data = DataDescription::new();
        data.define_zeroinit(8 + UNIT_LOCK_SIZE as usize);
        data.set_align(8);
        self.module.define_data(id, &data).map_err(crate::backend)?;
        self.units.insert(unit, id);
        Ok(id)
    }

    /// A static string object `[len][bytes]` with `text`.
    pub fn string_object(&mut self, text: &str) -> Result<DataId, CodegenError> {
        if let Some(id) = self.strings.get(text) {
            return Ok(*id);
        }
        // `[len][ptr = 0][buf = 0]` then the bytes inline (runtime/src/value.rs).
        let mut bytes = (text.len() as i64).to_le_bytes().to_vec();
        bytes.resize(pluto_abi::string::HEADER as usize, 0);
        bytes.extend_from_slice(text.as_bytes());
        let mut data = DataDescription::new();
        data.define(bytes.into_boxed_slice());
        data.set_align(8);
        let id = self.define_data(format!("pluto_str{}", self.strings.len()), data)?;
        self.strings.insert(text.to_string(), id);
        Ok(id)
    }

    /// A NUL-terminated C string (names in descriptors, fault sites).
    pub fn c_string(&mut self, text: &str) -> Result<DataId, CodegenError> {
        if let Some(id) = self.c_strings.get(text) {
            return Ok(*id);
        }
        let mut bytes = text.as_bytes().to_vec();
        bytes.push(0);
        let mut data = DataDescription::new();
        data.define(bytes.into_boxed_slice());
        let id = self.define_data(format!("pluto_cstr{}", self.c_strings.len()), data)?;
        self.c_strings.insert(text.to_string(), id);
        Ok(id)
    }

    /// A static table of words and addresses.
    pub(crate) fn table(&mut self, name: String, words: &[Word]) -> Result<DataId, CodegenError> {
        let id = self.module.declare_data(&name, Linkage::Local, false, false).map_err(crate::backend)?;
        self.fill(id, words)?;
        Ok(id)
    }

    fn fill(&mut self, id: DataId, words: &[Word]) -> Result<(), CodegenError> {
        let mut data = DataDescription::new();
        let mut bytes = vec![0u8; words.len().max(1) * 8];
        for (i, w) in words.iter().enumerate() {
            if let Word::Int(n) = w {
                bytes[i * 8..i * 8 + 8].copy_from_slice(&n.to_le_bytes());
            }
        }
        data.define(bytes.into_boxed_slice());
        data.set_align(8);
        for (i, w) in words.iter().enumerate() {
            match w {
                Word::Int(_) => {}
                Word::Data(d) => {
                    let gv = self.module.declare_data_in_data(*d, &mut data);
                    data.write_data_addr((i * 8) as u32, gv, 0);
                }
                Word::Func(f) => {
                    let fr = self.module.declare_func_in_data(*f, &mut data);
                    data.write_function_addr((i * 8) as u32, fr);
                }
            }
        }
        self.module.define_data(id, &data).map_err(crate::backend)
    }

    /// The descriptor the runtime uses to print, compare, hash and (on the wire) encode
    /// values of `ty`. A class, enum or error's points to its object descriptor (`a`);
    /// `bytes` is an array of bytes marked by a non-zero `b`.
    pub fn type_desc(&mut self, db: &dyn Db, program: pluto_db::Program, ty: &Ty) -> Result<DataId, CodegenError> {
        if let Some(id) = self.type_descs.get(ty) {
            return Ok(*id);
        }
        let (kind, a, b) = match ty {
            Ty::Int => (kind::INT, None, Word::Int(0)),
            Ty::Byte => (kind::BYTE, None, Word::Int(0)),
            Ty::Float => (kind::FLOAT, None, Word::Int(0)),
            Ty::Bool => (kind::BOOL, None, Word::Int(0)),
            Ty::Str => (kind::STRING, None, Word::Int(0)),
            Ty::Array(t) => (kind::ARRAY, Some(self.type_desc(db, program, t)?), Word::Int(0)),
            Ty::Bytes => (kind::ARRAY, Some(self.type_desc(db, program, &Ty::Byte)?), Word::Int(1)),
            Ty::Set(t) => (kind::SET, Some(self.type_desc(db, program, t)?), Word::Int(0)),
            Ty::Map(k, v) => {
                let key = self.type_desc(db, program, k)?;
                (kind::MAP, Some(key), Word::Data(self.type_desc(db, program, v)?))
            }
            Ty::Nullable(t) => (kind::NULLABLE, Some(self.type_desc(db, program, t)?), Word::Int(0)),
            Ty::Adt(loc, args) => {
                // Reserved first: the object descriptor's fields may be of this type.
                let name = format!("pluto_ty{}", self.type_descs.len());
                let id = self.module.declare_data(&name, Linkage::Local, false, false).map_err(crate::backend)?;
                self.type_descs.insert(ty.clone(), id);
                let object = self.adt_desc(db, program, *loc, args)?;
                self.fill(id, &[Word::Int(kind::ADT), Word::Data(object), Word::Int(0)])?;
                return Ok(id);
            }
            Ty::Trait(_) | Ty::AnyError => (kind::ADT, None, Word::Int(0)),
            Ty::Tuple(elements) => {
                let mut table = Vec::new();
                for element in elements.iter() {
                    table.push(Word::Data(self.type_desc(db, program, element)?));
                }
                let name = format!("pluto_tuple{}", self.type_descs.len());
                let elements_table = self.table(name, &table)?;
                let words = [Word::Int(kind::TUPLE), Word::Data(elements_table), Word::Int(elements.len() as i64)];
                let id = self.table(format!("pluto_ty{}", self.type_descs.len()), &words)?;
                self.type_descs.insert(ty.clone(), id);
                return Ok(id);
            }
            _ => (kind::OPAQUE, None, Word::Int(0)),
        };
        let words = [Word::Int(kind), a.map_or(Word::Int(0), Word::Data), b];
        let id = self.table(format!("pluto_ty{}", self.type_descs.len()), &words)?;
        self.type_descs.insert(ty.clone(), id);
        Ok(id)
    }

    fn field_descs(
        &mut self,
        db: &dyn Db,
        program: pluto_db::Program,
        name: String,
        fields: &[(String, Ty)],
    ) -> Result<DataId, CodegenError> {
        let mut words = Vec::new();
        for (field, ty) in fields {
            words.push(Word::Data(self.c_string(field)?));
            words.push(Word::Data(self.type_desc(db, program, ty)?));
        }
        words.push(Word::Int(0));
        self.table(name, &words)
    }

    /// The descriptor at the start of every object of class, enum or error `loc`:
    /// `[kind][name][count][fields][variants][traits]`, where `traits` has one vtable
    /// (or null) per trait of the program.
    ///
    /// A generic class or enum has one descriptor per list of type arguments (so that
    /// `Box<int>` prints its field as an int); arguments that are not all known share the
    /// generic one.
    pub fn adt_desc(
        &mut self,
        db: &dyn Db,
        program: pluto_db::Program,
        loc: ItemLoc,
        args: &[Ty],
    ) -> Result<DataId, CodegenError> {
        let mut concrete = true;
        for a in args {
            a.walk(&mut |t| concrete &= !matches!(t, Ty::Param(_) | Ty::Var(_) | Ty::Unknown));
        }
        let args: std::sync::Arc<[Ty]> = if concrete { args.into() } else { std::sync::Arc::from([]) };
        if let Some(id) = self.adt_descs.get(&(loc, args.clone())) {
            return Ok(*id);
        }
        let n = self.adt_descs.len();
        // Reserve the name first: vtables below may refer back to this class.
        let id =
            self.module.declare_data(&format!("pluto_adt{n}"), Linkage::Local, false, false).map_err(crate::backend)?;
        self.adt_descs.insert((loc, args.clone()), id);
        let item = loc.item(db);
        let data = Semantics::new(db, program).adt(loc).clone();
        let generics = data.generics.clone();
        let plain = |fields: &[pluto_hir::FieldTy]| -> Vec<(String, Ty)> {
            fields
                .iter()
                .map(|f| {
                    let ty = if args.is_empty() { f.ty.clone() } else { f.ty.substitute(&generics, &args) };
                    (f.name.clone(), ty)
                })
                .collect()
        };
        let name = self.c_string(&item.name)?;
        let (kind, count, fields, variants) = match &item.kind {
            ItemKind::Enum { .. } => {
                let mut words = Vec::new();
                for (i, (variant, fields)) in data.variants.iter().enumerate() {
                    words.push(Word::Data(self.c_string(variant)?));
                    words.push(Word::Int(fields.len() as i64));
                    words.push(Word::Data(self.field_descs(
                        db,
                        program,
                        format!("pluto_adt{n}_v{i}"),
                        &plain(fields),
                    )?));
                }
                let variants = self.table(format!("pluto_adt{n}_variants"), &words)?;
                (adt::ENUM, data.variants.len() as i64, Word::Int(0), Word::Data(variants))
            }
            ItemKind::Error(_) => {
                let fields = self.field_descs(db, program, format!("pluto_adt{n}_fields"), &plain(&data.fields))?;
                (adt::ERROR, data.fields.len() as i64, Word::Data(fields), Word::Int(0))
            }
            // Classes print their fields, not their dependencies; stages print no fields.
            ItemKind::Class(_) => {
                let fields = self.field_descs(db, program, format!("pluto_adt{n}_fields"), &plain(&data.fields))?;
                (adt::CLASS, data.fields.len() as i64, Word::Data(fields), Word::Int(0))
            }
            _ => (adt::CLASS, 0, Word::Int(0), Word::Int(0)),
        };
        let first = fields_start(db, program, loc) as i64;
        let mut vtables = Vec::new();
        for t in self.traits.clone() {
            let implemented = data.impls.iter().any(|i| matches!(i, Ty::Trait(x) if *x == t));
            vtables.push(if implemented { Word::Data(self.vtable(db, program, loc, t)?) } else { Word::Int(0) });
        }
        let traits = self.table(format!("pluto_adt{n}_traits"), &vtables)?;
        let words = [
            Word::Int(kind),
            Word::Data(name),
            Word::Int(count),
            fields,
            variants,
            Word::Data(traits),
            Word::Int(first),
        ];
        self.fill(id, &words)?;
        Ok(id)
    }

    /// The methods of `class` that implement trait `tr`, in the trait's order, as
    /// functions with the uniform closure calling convention (the receiver first).
    fn vtable(
        &mut self,
        db: &dyn Db,
        program: pluto_db::Program,
        class: ItemLoc,
        tr: ItemLoc,
    ) -> Result<DataId, CodegenError> {
        let methods = tr.item(db).body().map(|b| b.methods.as_slice()).unwrap_or_default();
        let mut words = Vec::new();
        for method in methods {
            let f = crate::implementation(db, class, FnLoc::method(tr, method));
            let thunk = self.thunk(db, program, crate::FnKey::plain(f), crate::ThunkKind::Receiver)?;
            words.push(Word::Func(thunk));
        }
        let n = self.vtables;
        self.vtables += 1;
        self.table(format!("pluto_vtable{n}"), &words)
    }
}

pub enum Word {
    Int(i64),
    Data(DataId),
    Func(cranelift_module::FuncId),
}
