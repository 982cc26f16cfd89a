//! `system.json` (SPEC §7): the deployed system as data — its units, the executables that
//! hold them and their ports, each unit's `pub fn`s with their wire shapes, error tags and
//! fingerprints, and the call graph between units. `pluto compat` compares a program
//! with a deployed system through it, so it carries every wire shape spelled out.

use pluto_db::{Db, Program};
use pluto_hir::{ItemLoc, Semantics, Ty};
use serde::{Deserialize, Serialize};

/// The version of the format, bumped on incompatible changes.
pub const FORMAT: u32 = 1;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct System {
    pub format: u32,
    /// The protobuf package (`pluto.shop`).
    pub package: String,
    pub units: Vec<Unit>,
    /// Which unit calls which `pub fn` of which other unit.
    pub calls: Vec<Call>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unit {
    pub name: String,
    /// The port of the default plan (`config/local.toml`, the Kubernetes Service).
    pub port: u16,
    /// The executable holding it, relative to the output directory (`auth/auth`).
    pub executable: String,
    /// What runs it: `service` (serves `pub fn`s), `daemon` (runs until stopped) or `job`
    /// (runs `main` to completion).
    pub kind: String,
    /// Whether it runs a `main` (a service may too).
    pub has_main: bool,
    /// The gRPC service (`pluto.shop.Auth`), for units with `pub fn`s.
    pub service: Option<String>,
    pub functions: Vec<Function>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Function {
    pub name: String,
    /// `/pluto.shop.Auth/VerifyToken`.
    pub path: String,
    pub params: Vec<Param>,
    /// The result's wire shape.
    pub result: String,
    pub errors: Vec<ErrorTag>,
    /// The whole wire shape, as the fingerprint hashes it.
    pub shape: String,
    /// Hex, as callers send it.
    pub fingerprint: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Param {
    pub name: String,
    pub shape: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorTag {
    pub name: String,
    pub tag: u32,
    pub shape: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Call {
    pub from: String,
    pub to: String,
    pub function: String,
    /// The fingerprint the caller was built against.
    pub fingerprint: String,
}

/// The names of the program's deployment units, in the order of the port plan.
pub fn unit_names(db: &dyn Db, program: Program) -> Vec<String> {
    Semantics::new(db, program).default_ports().into_iter().map(|(name, _)| name).collect()
}

/// Whether `unit`'s chain has a `main` with a body (it runs it, and may end by itself).
pub fn has_main(db: &dyn Db, program: Program, unit: ItemLoc) -> bool {
    Semantics::new(db, program).def_map()
        .chain(unit)
        .iter()
        .any(|level| level.item(db).body().is_some_and(|b| b.methods.iter().any(|m| m.name == "main" && m.has_body)))
}

/// What runs a unit (see [`Unit::kind`]).
pub fn unit_kind(db: &dyn Db, program: Program, unit: ItemLoc) -> &'static str {
    if !Semantics::new(db, program).unit_interface(unit).functions.is_empty() {
        return "service";
    }
    let map = Semantics::new(db, program).def_map();
    if map.chain(unit).iter().any(|level| level.item(db).name == "Daemon" && level.file == map.prelude) {
        "daemon"
    } else {
        "job"
    }
}

/// The system of `program` built as the executables `groups` (each named after its first
/// unit).
pub fn system(db: &dyn Db, program: Program, groups: &[Vec<String>]) -> System {
    let map = Semantics::new(db, program).def_map();
    let ports = Semantics::new(db, program).default_ports();
    let mut units = Vec::new();
    for (name, port) in &ports {
        let Some(unit) = map.unit(name) else { continue };
        let interface = Semantics::new(db, program).unit_interface(unit);
        let holder = groups.iter().find(|g| g.contains(name)).map_or(name, |g| &g[0]);
        let functions = interface
            .functions
            .iter()
            .map(|f| Function {
                name: f.name.clone(),
                path: f.path.clone(),
                params: f
                    .params
                    .iter()
                    .map(|(n, t)| Param { name: n.clone(), shape: Semantics::new(db, program).wire_shape(t) })
                    .collect(),
                result: format!("{}{}", if f.streaming { "stream " } else { "" }, Semantics::new(db, program).wire_shape(&f.ret)),
                errors: f
                    .errors
                    .iter()
                    .map(|e| ErrorTag {
                        name: e.name.clone(),
                        tag: e.tag,
                        shape: Semantics::new(db, program).wire_shape(&Ty::Adt(e.error, Vec::new().into())),
                    })
                    .collect(),
                shape: f.shape.clone(),
                fingerprint: format!("{:016x}", f.fingerprint),
            })
            .collect();
        units.push(Unit {
            name: name.clone(),
            port: *port,
            executable: format!("{holder}/{holder}"),
            kind: unit_kind(db, program, unit).to_string(),
            has_main: has_main(db, program, unit),
            service: (!interface.functions.is_empty()).then(|| format!("{}.{}", interface.package, interface.service)),
            functions,
        });
    }
    let calls = Semantics::new(db, program).unit_edges()
        .iter()
        .map(|e| {
            let interface = Semantics::new(db, program).unit_interface(e.to);
            let name = e.callee.sig(db).name.clone();
            let fingerprint = interface
                .functions
                .iter()
                .find(|f| f.name == name)
                .map(|f| format!("{:016x}", f.fingerprint))
                .unwrap_or_default();
            Call { from: e.from.item(db).name.clone(), to: interface.name.clone(), function: name, fingerprint }
        })
        .collect();
    System { format: FORMAT, package: Semantics::new(db, program).package(), units, calls }
}
