//! The emitted schemas are real protobuf: every one is compiled by `protox` (a protobuf
//! compiler in Rust), and the compiled descriptors have the services, methods, fields and
//! error tags SPEC §5 asks for.

use std::path::Path;
use std::sync::Arc;

use pluto_db::{FilePath, MemoryLoader, RootDatabase};
use protox::prost_reflect::prost_types::{FileDescriptorProto, FileDescriptorSet};

/// Checks `files` (the first is the entry), emits every unit's schema, compiles each.
fn compile(files: &[(&str, &str)]) -> Vec<(String, FileDescriptorProto, String)> {
    let db = RootDatabase::new(Arc::new(MemoryLoader::new(files.iter().map(|(p, t)| (format!("app/{p}"), *t)))));
    let program = db.program(&FilePath::disk(format!("app/{}", files[0].0)));
    let diagnostics = pluto_hir::program_diagnostics(&db, program);
    assert!(diagnostics.is_empty(), "{diagnostics:#?}");
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!("pluto-proto-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut out = Vec::new();
    for proto in pluto_rpc::unit_protos(&db, program) {
        std::fs::write(dir.join(&proto.file_name), &proto.text).unwrap();
        let set: FileDescriptorSet = protox::compile([&proto.file_name], [&dir])
            .unwrap_or_else(|e| panic!("{} does not compile: {e:?}\n{}", proto.file_name, proto.text));
        let file = set.file.into_iter().find(|f| f.name() == proto.file_name).unwrap();
        out.push((proto.unit, file, proto.text));
    }
    let _ = std::fs::remove_dir_all(&dir);
    out
}

fn shop() -> Vec<(&'static str, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/shop");
    ["api", "auth", "billing", "orders", "models"]
        .iter()
        .map(|n| (*n, std::fs::read_to_string(dir.join(format!("{n}.pluto"))).unwrap()))
        .collect()
}

#[test]
fn the_shop_units_have_services_and_typed_errors() {
    let files = shop();
    let files: Vec<(String, &str)> = files.iter().map(|(n, t)| (format!("{n}.pluto"), t.as_str())).collect();
    let files: Vec<(&str, &str)> = files.iter().map(|(n, t)| (n.as_str(), *t)).collect();
    let protos = compile(&files);
    let units: Vec<&str> = protos.iter().map(|(u, _, _)| u.as_str()).collect();
    assert_eq!(units, ["auth", "billing", "orders"], "api has no pub fn, so no schema");
    let (_, billing, _) = &protos[1];
    let charge = billing.message_type.iter().find(|m| m.name() == "BillingChargeResponse").unwrap();
    let charge_fields: Vec<&str> = charge.field.iter().map(|f| f.name()).collect();
    assert_eq!(charge_fields, ["ok", "billing_payment_declined"]);
    let (_, orders, text) = &protos[2];
    assert_eq!(orders.package(), "pluto.api");
    let service = &orders.service[0];
    assert_eq!(service.name(), "Orders");
    assert_eq!(service.method[0].name(), "GetOrder");
    assert_eq!(service.method[0].input_type(), ".pluto.api.OrdersGetOrderRequest");
    let response = orders.message_type.iter().find(|m| m.name() == "OrdersGetOrderResponse").unwrap();
    let fields: Vec<(&str, i32)> = response.field.iter().map(|f| (f.name(), f.number())).collect();
    let tag = pluto_hir::error_tag("orders.OrderNotFound") as i32;
    assert_eq!(fields, [("ok", 1), ("orders_order_not_found", tag)], "{text}");
    // Placing an order can fail with billing's error, which crosses two units.
    let place = orders.message_type.iter().find(|m| m.name() == "OrdersPlaceOrderResponse").unwrap();
    let place_fields: Vec<&str> = place.field.iter().map(|f| f.name()).collect();
    assert!(place_fields.contains(&"billing_payment_declined"), "{place_fields:?}");
    assert!(place_fields.contains(&"network_error"), "{place_fields:?}");
    // The result's message, and what it holds.
    let order = orders.message_type.iter().find(|m| m.name() == "Order").unwrap();
    let order_fields: Vec<&str> = order.field.iter().map(|f| f.name()).collect();
    assert_eq!(order_fields, ["id", "user_id", "items"]);
}

const SHAPES: &str = r#"
import data

stage api {
    fn main(self) {
        print(data.count() catch -1)
    }
}
"#;

const DATA: &str = r#"
pub class Node {
    value: int
    children: [Node]
    parent: Node?
}

pub enum Shape {
    Circle { radius: float }
    Square { side: float }
    Empty
}

pub class Box<T> {
    item: T
}

error Invalid { reason: string }

stage data {
    pub fn count() int { return 1 }
    pub fn tree(root: Node) Node { return root }
    pub fn shapes(all: [Shape], by_name: Map<string, Shape>) [Shape] { return all }
    pub fn grid(cells: [[int]], maybe: [string]?, tags: Set<string>) Map<int, [string]> {
        return Map<int, [string]> {}
    }
    pub fn boxed(b: Box<int>, raw: bytes, small: byte, flag: bool) Box<string>? { return none }
    pub fn nothing(x: float) {
        if x < 0.0 { raise Invalid { reason: "negative" } }
    }
}
"#;

#[test]
fn every_wire_shape_compiles() {
    let protos = compile(&[("api.pluto", SHAPES), ("data.pluto", DATA)]);
    let (_, data, text) = &protos[0];
    let names: Vec<&str> = data.message_type.iter().map(|m| m.name()).collect();
    for expected in
        ["Node", "Shape", "ShapeCircle", "ShapeEmpty", "BoxOfInt64", "BoxOfString", "ListOfInt64Value", "Void"]
    {
        assert!(names.contains(&expected), "{expected} missing in {names:?}\n{text}");
    }
    // `[[int]]` is a list of wrapped lists; `Map<int, [string]>` maps to wrapped lists.
    let grid = data.message_type.iter().find(|m| m.name() == "DataGridRequest").unwrap();
    assert_eq!(grid.field[0].type_name(), ".pluto.api.ListOfInt64Value");
    // A function without a result answers `Void`, or its error.
    let nothing = data.message_type.iter().find(|m| m.name() == "DataNothingResponse").unwrap();
    assert_eq!(nothing.field[0].type_name(), ".pluto.api.Void");
    assert_eq!(nothing.field[1].name(), "invalid");
}
