//! The cross-stage call graph query.

use std::sync::Arc;

use pluto_db::{FilePath, MemoryLoader, RootDatabase};

#[test]
fn unit_calls_lists_cross_stage_calls() {
    let files = [
        (
            "app/api.pluto",
            "import auth\nimport orders\n\nstage api {\n    fn main(self) {\n        let u = auth.verify(\"t\")!\n        let o = orders.find(u)!\n        print(o)\n    }\n}\n",
        ),
        ("app/auth.pluto", "stage auth {\n    pub fn verify(token: string) int { return token.len() }\n}\n"),
        (
            "app/orders.pluto",
            "import auth\n\nstage orders {\n    pub fn find(user: int) string {\n        let again = auth.verify(\"x\")!\n        return \"order {user} {again}\"\n    }\n    pub fn local() string { return orders.find(1) catch \"\" }\n}\n",
        ),
    ];
    let db = RootDatabase::new(Arc::new(MemoryLoader::new(files)));
    let program = db.program(&FilePath::disk("app/api.pluto"));
    let diagnostics = pluto_hir::program_diagnostics(&db, program);
    assert!(diagnostics.is_empty(), "{diagnostics:#?}");
    let mut calls: Vec<String> = pluto_hir::Semantics::new(&db, program).unit_calls()
        .iter()
        .map(|c| {
            let caller = c.caller_unit.map_or("-".to_string(), |u| u.item(&db).name.clone());
            format!("{caller} -> {}.{}", c.callee_unit.item(&db).name, c.callee.sig(&db).name)
        })
        .collect();
    calls.sort();
    assert_eq!(calls, ["api -> auth.verify", "api -> orders.find", "orders -> auth.verify"]);
}
