//! The wire model of a deployment unit (SPEC §5): its remote interface as the network
//! sees it. For each `pub fn` (along the unit's chain): the gRPC names and path, the
//! parameters and result, the inferred error set in a stable order with each error's
//! `oneof` tag, and a fingerprint of the whole wire shape. Hover, the wire checks, the
//! schema emitter and code generation's clients all read this one query.

use pluto_db::{Db, FilePath, Program};

use crate::def_map::{ItemLoc, def_map};
use crate::diag::{SemDiag, codes};
use crate::errors::error_sets;
use crate::item_tree::ItemKind;
use crate::lower::{FnLoc, adt_data, fn_signature};
use crate::ty::{Ty, qualified_name};

/// The remote interface of one deployment unit.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct UnitInterface {
    pub unit: ItemLoc,
    /// The unit's name (`auth`).
    pub name: String,
    /// The protobuf package of the program (`pluto.shop`).
    pub package: String,
    /// The gRPC service (`Auth`).
    pub service: String,
    pub functions: Vec<RemoteFn>,
    /// Error tags that collide within one function (reported by `interface_diagnostics`).
    pub diagnostics: Vec<SemDiag>,
}

/// A `pub fn` of a unit as a gRPC method.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RemoteFn {
    pub f: FnLoc,
    pub name: String,
    /// The RPC's name (`VerifyToken`).
    pub rpc: String,
    /// `/pluto.shop.Auth/VerifyToken`.
    pub path: String,
    pub params: Vec<(String, Ty)>,
    /// The result; for a streaming function, the type of each item.
    pub ret: Ty,
    /// It returns a `Receiver<T>`: a server-streaming RPC whose messages are the items.
    pub streaming: bool,
    /// The errors it can raise, ordered by qualified name, each with its `oneof` tag.
    pub errors: Vec<RemoteError>,
    /// The wire shape spelled out (`verify_token(token: string) -> auth.User{...} ! ...`),
    /// what `fingerprint` hashes.
    pub shape: String,
    /// A hash of the wire shape: names, types (message shapes included) and error tags.
    pub fingerprint: u64,
}

impl RemoteFn {
    /// What the function returns to Pluto code: the result, or for a stream the
    /// receiver of its items.
    pub fn value_ty(&self) -> Ty {
        if self.streaming { Ty::Receiver(std::sync::Arc::new(self.ret.clone())) } else { self.ret.clone() }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RemoteError {
    pub error: ItemLoc,
    /// `orders.OrderNotFound`.
    pub name: String,
    /// The field number in the response's `oneof outcome` (1 is the result).
    pub tag: u32,
}

/// The errors every cross-stage call may raise besides the callee's own.
pub const TRANSPORT_ERRORS: [&str; 2] = ["NetworkError", "DeserializationError"];

/// The declarations of the built-in transport errors, in `TRANSPORT_ERRORS`' order.
pub fn transport_errors(db: &dyn Db, program: Program) -> Vec<ItemLoc> {
    let map = def_map(db, program);
    TRANSPORT_ERRORS.iter().filter_map(|name| crate::errors::prelude_error(map, name)).collect()
}

/// The first port of the default port plan: unit number `i` (by name) listens on
/// `FIRST_PORT + i` unless configured otherwise.
pub const FIRST_PORT: u16 = 50051;

/// Every deployment unit of the program with its default port (units ordered by name).
pub fn default_ports(db: &dyn Db, program: Program) -> Vec<(String, u16)> {
    let map = def_map(db, program);
    map.units.keys().enumerate().map(|(i, name)| (name.clone(), FIRST_PORT.saturating_add(i as u16))).collect()
}

/// The program's protobuf package: `pluto.` and the entry file's stem.
pub fn program_package(db: &dyn Db, program: Program) -> String {
    let stem = match program.entry(db).path(db) {
        FilePath::Disk(p) => p.file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_default(),
        FilePath::Std(p) => p.trim_end_matches(".pluto").to_string(),
    };
    let clean: String = stem.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
    format!("pluto.{clean}")
}

/// Protobuf names of units and functions: `verify_token` → `VerifyToken`.
pub fn pascal_case(name: &str) -> String {
    name.split('_').filter(|s| !s.is_empty()).map(|s| s[..1].to_uppercase() + &s[1..]).collect()
}

/// The `oneof` tag of an error: derived from its qualified name alone, so it does not
/// change when other errors are added or removed. Tags avoid 1 (the result) and
/// protobuf's reserved 19000–19999.
pub fn error_tag(qualified: &str) -> u32 {
    let range = 536_870_911 - 2 - 1000;
    let mut tag = 2 + (fnv1a(qualified.as_bytes()) % range as u64) as u32;
    if tag >= 19_000 {
        tag += 1000;
    }
    tag
}

fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

#[salsa::tracked(returns(ref))]
pub fn unit_interface(db: &dyn Db, program: Program, unit: ItemLoc) -> UnitInterface {
    let map = def_map(db, program);
    let package = program_package(db, program);
    let name = unit.item(db).name.clone();
    let service = pascal_case(&name);
    let sets = error_sets(db, program);
    let mut functions = Vec::new();
    let mut diagnostics = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    // The unit's own `pub fn`s first, then inherited ones not overridden.
    for level in map.chain(unit) {
        let Some(body) = level.item(db).body() else { continue };
        for method in body.methods.iter() {
            if !method.is_pub || !method.has_body || seen.contains(&method.name) {
                continue;
            }
            seen.push(method.name.clone());
            let f = FnLoc::method(level, method);
            let signature = fn_signature(db, program, f);
            let mut errors: Vec<RemoteError> = sets
                .of(f)
                .iter()
                .map(|e| {
                    let qualified = qualified_name(db, *e);
                    RemoteError { error: *e, tag: error_tag(&qualified), name: qualified }
                })
                .collect();
            errors.sort_by(|a, b| a.name.cmp(&b.name));
            for (k, e) in errors.iter().enumerate() {
                if let Some(other) = errors[..k].iter().find(|o| o.tag == e.tag) {
                    diagnostics.push(
                        SemDiag::error(
                            codes::NOT_WIRE_TYPE,
                            f.name_loc(db),
                            format!("errors `{}` and `{}` get the same wire tag {}", other.name, e.name, e.tag),
                        )
                        .hint("rename one of the errors: tags are derived from their names"),
                    );
                }
            }
            let rpc = pascal_case(&method.name);
            let path = format!("/{package}.{service}/{rpc}");
            let params = signature.params.clone();
            let (ret, streaming) = match &signature.ret {
                Ty::Receiver(item) => ((**item).clone(), true),
                other => (other.clone(), false),
            };
            let mut shape = format!("{}(", method.name);
            for (n, t) in &params {
                shape.push_str(&format!("{n}: {}, ", wire_shape(db, program, t, &mut Vec::new())));
            }
            let stream = if streaming { "stream " } else { "" };
            shape.push_str(&format!(") -> {stream}{}", wire_shape(db, program, &ret, &mut Vec::new())));
            for e in &errors {
                shape.push_str(&format!(
                    " ! {}={} {}",
                    e.name,
                    e.tag,
                    adt_shape(db, program, e.error, &[], &mut Vec::new())
                ));
            }
            functions.push(RemoteFn {
                f,
                name: method.name.clone(),
                rpc,
                path,
                params,
                ret,
                streaming,
                errors,
                fingerprint: fnv1a(shape.as_bytes()),
                shape,
            });
        }
    }
    UnitInterface { unit, name, package, service, functions, diagnostics }
}

/// A type as the wire sees it: messages spelled out with their fields (each message once
/// per path, so recursive types end).
pub fn type_shape(db: &dyn Db, program: Program, ty: &Ty) -> String {
    wire_shape(db, program, ty, &mut Vec::new())
}

fn wire_shape(db: &dyn Db, program: Program, ty: &Ty, open: &mut Vec<ItemLoc>) -> String {
    match ty {
        Ty::Array(t) => format!("[{}]", wire_shape(db, program, t, open)),
        Ty::Set(t) => format!("Set<{}>", wire_shape(db, program, t, open)),
        Ty::Nullable(t) => format!("{}?", wire_shape(db, program, t, open)),
        Ty::Map(k, v) => format!("Map<{}, {}>", wire_shape(db, program, k, open), wire_shape(db, program, v, open)),
        Ty::Adt(loc, args) => adt_shape(db, program, *loc, args, open),
        other => other.display(db),
    }
}

fn adt_shape(db: &dyn Db, program: Program, loc: ItemLoc, args: &[Ty], open: &mut Vec<ItemLoc>) -> String {
    let name = qualified_name(db, loc);
    if open.contains(&loc) {
        return name;
    }
    open.push(loc);
    let data = adt_data(db, program, loc);
    let field_list = |fields: &[crate::lower::FieldTy], open: &mut Vec<ItemLoc>| {
        fields
            .iter()
            .map(|f| format!("{}: {}", f.name, wire_shape(db, program, &f.ty.substitute(&data.generics, args), open)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let shape = match &loc.item(db).kind {
        ItemKind::Enum { .. } => {
            let variants: Vec<String> =
                data.variants.iter().map(|(v, fields)| format!("{v}{{{}}}", field_list(fields, open))).collect();
            format!("{name}<{}>", variants.join(" | "))
        }
        _ => format!("{name}{{{}}}", field_list(&data.fields, open)),
    };
    open.pop();
    shape
}

/// The unit a remote call of `f` goes to: the unit declaring it, or the first unit whose
/// chain inherits it.
pub fn unit_of_remote(db: &dyn Db, program: Program, f: FnLoc) -> Option<ItemLoc> {
    let map = def_map(db, program);
    let owner = f.container()?;
    map.units.values().copied().find(|u| *u == owner || map.chain(*u).contains(&owner))
}

/// The unit and wire description of a remote call of `f`.
pub fn remote_fn(db: &dyn Db, program: Program, f: FnLoc) -> Option<(&UnitInterface, &RemoteFn)> {
    let interface = unit_interface(db, program, unit_of_remote(db, program, f)?);
    interface.functions.iter().find(|r| r.f == f).map(|r| (interface, r))
}

/// Every deployment unit's interface diagnostics (wire tag collisions).
pub fn interface_diagnostics(db: &dyn Db, program: Program) -> Vec<SemDiag> {
    let map = def_map(db, program);
    map.units.values().flat_map(|u| unit_interface(db, program, *u).diagnostics.clone()).collect()
}
