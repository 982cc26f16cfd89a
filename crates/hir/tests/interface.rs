//! The wire model of a unit (`unit_interface`): RPC names and paths, errors with tags
//! that do not move when other errors come and go, and a fingerprint that changes
//! exactly when the wire shape does.

use std::sync::Arc;

use pluto_db::{FilePath, MemoryLoader, RootDatabase};
use pluto_hir::{RemoteFn, Semantics, error_tag};

const API: &str = "import orders\n\nstage api {\n    fn main(self) {\n        print(orders.get_order(\"1\") catch e { \"?\" })\n    }\n}\n";

fn orders(errors: &str, raises: &str, order_fields: &str) -> String {
    format!(
        "{errors}\nclass Order {{\n{order_fields}\n}}\n\nstage orders {{\n    pub fn get_order(id: string) string {{\n{raises}        return id\n    }}\n    pub fn lookup(id: string) Order {{\n        return Order {{ id: id }}\n    }}\n    fn private_helper() int {{ return 1 }}\n}}\n"
    )
}

fn interface_of(orders_text: &str) -> Vec<RemoteFn> {
    let files = [("shop/api.pluto", API.to_string()), ("shop/orders.pluto", orders_text.to_string())];
    let db = RootDatabase::new(Arc::new(MemoryLoader::new(files)));
    let program = db.program(&FilePath::disk("shop/api.pluto"));
    let diagnostics = pluto_hir::program_diagnostics(&db, program);
    assert!(diagnostics.is_empty(), "{diagnostics:#?}");
    let map = Semantics::new(&db, program).def_map();
    let unit = map.unit("orders").unwrap();
    let interface = Semantics::new(&db, program).unit_interface(unit);
    assert_eq!(interface.package, "pluto.api");
    assert_eq!(interface.service, "Orders");
    interface.functions.clone()
}

const ONE: &str = "error NotFound { id: string }\n";
const TWO: &str = "error NotFound { id: string }\nerror Expired { at: int }\n";
const RAISE_ONE: &str = "        if id == \"\" { raise NotFound { id: id } }\n";
const RAISE_TWO: &str =
    "        if id == \"\" { raise NotFound { id: id } }\n        if id == \"0\" { raise Expired { at: 0 } }\n";

#[test]
fn names_paths_and_errors() {
    let functions = interface_of(&orders(ONE, RAISE_ONE, "    id: string"));
    let names: Vec<(&str, &str)> = functions.iter().map(|f| (f.name.as_str(), f.path.as_str())).collect();
    assert_eq!(names, [("get_order", "/pluto.api.Orders/GetOrder"), ("lookup", "/pluto.api.Orders/Lookup")]);
    let get = &functions[0];
    assert_eq!(get.rpc, "GetOrder");
    assert_eq!(get.errors.iter().map(|e| e.name.as_str()).collect::<Vec<_>>(), ["NotFound"]);
    assert_eq!(get.errors[0].tag, error_tag("NotFound"));
    assert!(get.errors[0].tag >= 2 && !(19_000..20_000).contains(&get.errors[0].tag));
}

#[test]
fn error_tags_stay_when_other_errors_come_and_go() {
    let one = interface_of(&orders(TWO, RAISE_ONE, "    id: string"));
    let two = interface_of(&orders(TWO, RAISE_TWO, "    id: string"));
    let tag = |fs: &[RemoteFn], name: &str| fs[0].errors.iter().find(|e| e.name == name).map(|e| e.tag);
    assert_eq!(tag(&one, "NotFound"), tag(&two, "NotFound"));
    assert_eq!(two[0].errors.len(), 2);
    // The set changed, so the wire shape and its fingerprint did.
    assert_ne!(one[0].fingerprint, two[0].fingerprint);
    // `lookup` did not change.
    assert_eq!(one[1].fingerprint, two[1].fingerprint);
}

#[test]
fn fingerprints_follow_the_wire_shape() {
    let base = interface_of(&orders(ONE, RAISE_ONE, "    id: string"));
    let same = interface_of(&orders(ONE, RAISE_ONE, "    id: string\n    // a comment"));
    let field = interface_of(&orders(ONE, RAISE_ONE, "    id: string\n    total: int = 0"));
    assert_eq!(base[1].fingerprint, same[1].fingerprint);
    // A field of the result's message is part of the wire shape.
    assert_ne!(base[1].fingerprint, field[1].fingerprint);
    assert_eq!(base[0].fingerprint, field[0].fingerprint);
}
