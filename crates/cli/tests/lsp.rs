//! The language server over real JSON-RPC: the test starts `pluto lsp`, frames messages
//! with Content-Length headers on its stdin and reads its stdout. Every wait is bounded.

#[path = "support/lsp_client.rs"]
mod lsp_client;

use lsp_client::{Server, uri};
use serde_json::json;

const API: &str = "import auth\n\nstage api {\n    fn main(self) {\n        let user = auth.verify_token(\"t0k3n\")!\n        print(user)\n    }\n}\n";
const AUTH: &str = "stage auth {\n    pub fn verify_token(token: string) string {\n        return token\n    }\n}\n";

fn fixture(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("pluto-lsp-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("api.pluto"), API).unwrap();
    std::fs::write(dir.join("auth.pluto"), AUTH).unwrap();
    std::fs::canonicalize(dir).unwrap()
}

#[test]
fn a_signature_change_in_one_stage_shows_errors_in_its_caller() {
    let dir = fixture("diagnostics");
    let (api, auth) = (dir.join("api.pluto"), dir.join("auth.pluto"));
    let mut server = Server::start(&dir);
    server.open(&api, API);
    assert!(server.diagnostics_for(&api, |d| d.is_empty()).is_empty());
    server.open(&auth, AUTH);
    // `verify_token` now takes an int: the call in api.pluto passes a string.
    server.notify(
        "textDocument/didChange",
        json!({
            "textDocument": { "uri": uri(&auth), "version": 2 },
            "contentChanges": [{ "range": { "start": { "line": 1, "character": 31 }, "end": { "line": 1, "character": 37 } }, "text": "int" }]
        }),
    );
    let diagnostics = server.diagnostics_for(&api, |d| !d.is_empty());
    assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
    assert_eq!(diagnostics[0]["code"], "E0201");
    assert_eq!(diagnostics[0]["range"]["start"], json!({ "line": 4, "character": 37 }));
    assert!(diagnostics[0]["message"].as_str().unwrap().contains("expected `int`, found `string`"));
    // Undo: the caller is clean again.
    server.notify(
        "textDocument/didChange",
        json!({
            "textDocument": { "uri": uri(&auth), "version": 3 },
            "contentChanges": [{ "text": AUTH }]
        }),
    );
    server.diagnostics_for(&api, |d| d.is_empty());
    server.shutdown();
}

#[test]
fn hover_shows_types_error_sets_and_cross_stage_targets() {
    let dir = fixture("hover");
    let api = dir.join("api.pluto");
    let mut server = Server::start(&dir);
    server.open(&api, API);
    server.diagnostics_for(&api, |d| d.is_empty());
    // On `verify_token` in `auth.verify_token(...)`.
    let hover = server.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri(&api) }, "position": { "line": 4, "character": 25 } }),
    );
    let text = hover["contents"]["value"].as_str().unwrap();
    assert!(text.contains("fn auth.verify_token(token: string) string"), "{text}");
    assert!(text.contains("cross-stage call to unit `auth`"), "{text}");
    assert!(text.contains("/pluto.api.Auth/VerifyToken"), "{text}");
    assert!(text.contains("`NetworkError`, `DeserializationError`"), "{text}");
    // On `user` in `print(user)`: its type.
    let hover = server.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri(&api) }, "position": { "line": 5, "character": 15 } }),
    );
    assert_eq!(hover["contents"]["value"], "```pluto\nstring\n```");
    server.shutdown();
}

#[test]
fn navigation_completion_and_annotations_over_the_protocol() {
    let dir = fixture("features");
    let (api, auth) = (dir.join("api.pluto"), dir.join("auth.pluto"));
    let mut server = Server::start(&dir);
    server.open(&api, API);
    server.diagnostics_for(&api, |d| d.is_empty());
    let at = |line: u32, character: u32| json!({ "textDocument": { "uri": uri(&api) }, "position": { "line": line, "character": character } });

    // Go to definition across a stage boundary.
    let definition = server.request("textDocument/definition", at(4, 25));
    assert_eq!(definition["uri"], json!(uri(&auth)));
    assert_eq!(definition["range"]["start"], json!({ "line": 1, "character": 11 }));

    // References of a local.
    let refs = server.request(
        "textDocument/references",
        json!({ "textDocument": { "uri": uri(&api) }, "position": { "line": 5, "character": 15 }, "context": { "includeDeclaration": true } }),
    );
    let lines: Vec<u64> =
        refs.as_array().unwrap().iter().map(|r| r["range"]["start"]["line"].as_u64().unwrap()).collect();
    assert_eq!(lines, [4, 5]);

    // Completion after `auth.`: the unit's pub fns.
    let changed = API.replace("auth.verify_token(\"t0k3n\")!", "auth.");
    server.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri(&api), "version": 2 }, "contentChanges": [{ "text": changed }] }),
    );
    let items = server.request("textDocument/completion", at(4, 24));
    let labels: Vec<&str> = items.as_array().unwrap().iter().map(|i| i["label"].as_str().unwrap()).collect();
    assert_eq!(labels, ["verify_token"]);
    server.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri(&api), "version": 3 }, "contentChanges": [{ "text": API }] }),
    );
    server.diagnostics_for(&api, |d| d.is_empty());

    // Symbols.
    let symbols = server.request("textDocument/documentSymbol", json!({ "textDocument": { "uri": uri(&api) } }));
    assert_eq!(symbols[0]["name"], "api");
    assert_eq!(symbols[0]["children"][0]["name"], "main");
    let found = server.request("workspace/symbol", json!({ "query": "verify" }));
    assert_eq!(found[0]["name"], "verify_token");

    // Code lens on auth's pub fn: called by api.
    server.open(&auth, AUTH);
    let lenses = server.request("textDocument/codeLens", json!({ "textDocument": { "uri": uri(&auth) } }));
    assert_eq!(lenses[0]["command"]["title"], "called by api");

    // Signature help inside the call.
    let help = server.request("textDocument/signatureHelp", at(4, 37));
    assert_eq!(help["signatures"][0]["label"], "fn auth.verify_token(token: string) string");
    assert_eq!(help["activeParameter"], 0);
    server.shutdown();
}

#[test]
fn inlay_hints_show_inferred_error_sets() {
    let dir = fixture("inlay");
    let auth = dir.join("auth.pluto");
    let failing = AUTH
        .replace("return token", "if token == \"\" { raise Invalid }\n        return token")
        .replace("stage auth {", "error Invalid\n\nstage auth {");
    std::fs::write(&auth, &failing).unwrap();
    let mut server = Server::start(&dir);
    server.open(&auth, &failing);
    server.diagnostics_for(&auth, |d| d.is_empty());
    let hints = server.request(
        "textDocument/inlayHint",
        json!({ "textDocument": { "uri": uri(&auth) }, "range": { "start": { "line": 0, "character": 0 }, "end": { "line": 99, "character": 0 } } }),
    );
    assert_eq!(hints[0]["label"], "raises Invalid");
    assert_eq!(hints[0]["position"], json!({ "line": 3, "character": 46 }));
    server.shutdown();
}

#[test]
fn formatting_replaces_the_document_with_its_layout() {
    let dir = fixture("formatting");
    let auth = dir.join("auth.pluto");
    let messy = "stage auth {\n  pub fn verify_token(token: string) string {\n\n\n return   token\n}\n}\n";
    std::fs::write(&auth, messy).unwrap();
    let mut server = Server::start(&dir);
    server.open(&auth, messy);
    server.diagnostics_for(&auth, |d| d.is_empty());
    let options = json!({ "tabSize": 4, "insertSpaces": true });
    let edits = server.request("textDocument/formatting", json!({ "textDocument": { "uri": uri(&auth) }, "options": options }));
    assert_eq!(edits.as_array().map(Vec::len), Some(1), "{edits}");
    assert_eq!(edits[0]["newText"], AUTH);
    assert_eq!(edits[0]["range"]["start"], json!({ "line": 0, "character": 0 }));
    assert_eq!(edits[0]["range"]["end"], json!({ "line": 7, "character": 0 }));
    // A document with a syntax error is left alone.
    let broken = "stage auth {\n  pub fn (\n}\n";
    server.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri(&auth), "version": 2 }, "contentChanges": [{ "text": broken }] }),
    );
    let edits = server.request("textDocument/formatting", json!({ "textDocument": { "uri": uri(&auth) }, "options": options }));
    assert!(edits.is_null(), "{edits}");
    server.shutdown();
}

#[test]
fn files_changed_outside_the_editor_update_the_program() {
    let dir = fixture("watched");
    let (api, auth) = (dir.join("api.pluto"), dir.join("auth.pluto"));
    let mut server = Server::start(&dir);
    server.open(&api, API);
    server.diagnostics_for(&api, |d| d.is_empty());
    let watched = |server: &mut Server, kind: u32| {
        server.notify("workspace/didChangeWatchedFiles", json!({ "changes": [{ "uri": uri(&auth), "type": kind }] }));
    };
    // Changed on disk (type 2): the caller's error appears.
    std::fs::write(&auth, AUTH.replace("token: string", "token: int")).unwrap();
    watched(&mut server, 2);
    let found = server.diagnostics_for(&api, |d| !d.is_empty());
    assert!(found[0]["message"].as_str().unwrap().contains("expected `int`, found `string`"), "{found:?}");
    // Deleted (type 3): the import has nothing to load.
    std::fs::remove_file(&auth).unwrap();
    watched(&mut server, 3);
    let found = server.diagnostics_for(&api, |d| d.iter().any(|d| d["message"].as_str().unwrap().contains("auth")));
    assert!(!found.is_empty());
    // Created again (type 1), as it was: no errors.
    std::fs::write(&auth, AUTH).unwrap();
    watched(&mut server, 1);
    server.diagnostics_for(&api, |d| d.is_empty());
    server.shutdown();
}

#[test]
fn the_server_registers_for_file_events_when_the_client_allows() {
    let dir = fixture("register");
    let mut server = Server::start_with_capabilities(
        &dir,
        json!({ "workspace": { "didChangeWatchedFiles": { "dynamicRegistration": true } } }),
    );
    let request = server.wait_for(|m| m["method"] == "client/registerCapability");
    let registration = &request["params"]["registrations"][0];
    assert_eq!(registration["method"], "workspace/didChangeWatchedFiles");
    assert_eq!(registration["registerOptions"]["watchers"][0]["globPattern"], "**/*.pluto");
    server.send(json!({ "jsonrpc": "2.0", "id": request["id"], "result": null }));
    server.shutdown();
}

#[test]
fn semantic_tokens_mark_units_remote_functions_and_mutable_locals() {
    let dir = fixture("semantic");
    let api = dir.join("api.pluto");
    let mut server = Server::start(&dir);
    let text = API.replace("print(user)", "let mut n = 1\n        n += 1\n        print(n)\n        print(user)");
    std::fs::write(&api, &text).unwrap();
    server.open(&api, &text);
    server.diagnostics_for(&api, |d| d.is_empty());
    let result = server.request("textDocument/semanticTokens/full", json!({ "textDocument": { "uri": uri(&api) } }));
    let data: Vec<u64> = result["data"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).collect();
    // Decode: (line, column, length, type, modifiers) with the server's legend
    // (0 namespace, 6 method, 9 variable; modifiers 1 declaration, 2 mutable, 4 remote).
    let (mut line, mut column) = (0, 0);
    let mut tokens = Vec::new();
    for t in data.chunks(5) {
        if t[0] > 0 {
            column = 0;
        }
        line += t[0];
        column += t[1];
        let lines: Vec<&str> = text.lines().collect();
        let name: String = lines[line as usize].chars().skip(column as usize).take(t[2] as usize).collect();
        tokens.push(format!("{name}:{}:{}", t[3], t[4]));
    }
    assert!(tokens.contains(&"auth:0:0".to_string()), "{tokens:?}");
    assert!(tokens.contains(&"verify_token:6:4".to_string()), "{tokens:?}");
    assert!(tokens.contains(&"n:9:3".to_string()), "{tokens:?}");
    assert!(tokens.contains(&"n:9:2".to_string()), "{tokens:?}");
    server.shutdown();
}

#[test]
fn quick_fixes_for_an_unhandled_error() {
    let dir = fixture("code-actions");
    let api = dir.join("api.pluto");
    let auth = dir.join("auth.pluto");
    let failing = AUTH
        .replace("return token", "if token == \"\" { raise Invalid }\n        return token")
        .replace("stage auth {", "error Invalid\n\nstage auth {");
    std::fs::write(&auth, &failing).unwrap();
    let text = API.replace("verify_token(\"t0k3n\")!", "verify_token(\"t0k3n\")");
    std::fs::write(&api, &text).unwrap();
    let mut server = Server::start(&dir);
    server.open(&api, &text);
    server.diagnostics_for(&api, |d| d.iter().any(|d| d["code"] == "E0301"));
    let actions = server.request(
        "textDocument/codeAction",
        json!({
            "textDocument": { "uri": uri(&api) },
            "range": { "start": { "line": 4, "character": 20 }, "end": { "line": 4, "character": 20 } },
            "context": { "diagnostics": [] }
        }),
    );
    let titles: Vec<&str> = actions.as_array().unwrap().iter().map(|a| a["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["Propagate the errors with `!`", "Handle each error with `catch`"]);
    let edit = &actions[0]["edit"]["changes"][uri(&api)][0];
    assert_eq!(edit["newText"], "!");
    assert_eq!(edit["range"]["start"], json!({ "line": 4, "character": 45 }));
    let handlers = actions[1]["edit"]["changes"][uri(&api)][0]["newText"].as_str().unwrap();
    assert!(handlers.contains("catch e: auth.Invalid { \"\" }"), "{handlers}");
    server.shutdown();
}

#[test]
fn rename_across_stages_and_refusals() {
    let dir = fixture("rename");
    let api = dir.join("api.pluto");
    let auth = dir.join("auth.pluto");
    let mut server = Server::start(&dir);
    server.open(&api, API);
    server.diagnostics_for(&api, |d| d.is_empty());
    let at = json!({ "textDocument": { "uri": uri(&api) }, "position": { "line": 4, "character": 25 } });
    let range = server.request("textDocument/prepareRename", at.clone());
    assert_eq!(range["start"], json!({ "line": 4, "character": 24 }), "{range}");
    assert_eq!(range["end"], json!({ "line": 4, "character": 36 }), "{range}");

    let mut params = at.clone();
    params["newName"] = json!("check_token");
    let edit = server.request("textDocument/rename", params);
    let in_api = &edit["changes"][uri(&api)];
    assert_eq!(in_api[0]["newText"], "check_token", "{edit}");
    assert_eq!(in_api[0]["range"]["start"], json!({ "line": 4, "character": 24 }), "{edit}");
    let in_auth = &edit["changes"][uri(&auth)];
    assert_eq!(in_auth[0]["range"]["start"], json!({ "line": 1, "character": 11 }), "{edit}");

    // Into a clash (the local `user` would shadow the built-in `print` it is passed to).
    let mut params = json!({ "textDocument": { "uri": uri(&api) }, "position": { "line": 4, "character": 13 } });
    params["newName"] = json!("print");
    let error = server.request_error("textDocument/rename", params);
    assert!(error["message"].as_str().unwrap().contains("renaming `user` to `print` would"), "{error}");
    server.shutdown();
}

#[test]
fn malformed_messages_get_errors_and_the_server_keeps_serving() {
    let dir = fixture("malformed");
    let mut server = Server::start(&dir);
    let frame = |body: &str| format!("Content-Length: {}\r\n\r\n{body}", body.len());
    let cases = [
        (frame("{not json"), -32700),
        (frame("[1,2,3]"), -32600),
        (frame("{}"), -32600),
        (frame(r#"{"jsonrpc":"2.0","id":{"a":1},"method":"textDocument/hover"}"#), -32600),
        ("Content-Length: abc\r\n\r\n{}".to_string(), -32700),
    ];
    for (bytes, code) in cases {
        server.send_raw(bytes.as_bytes());
        let reply = server.wait_for(|m| m["id"].is_null() && m.get("error").is_some());
        assert_eq!(reply["error"]["code"], json!(code), "{bytes}: {reply}");
    }
    // An unknown request is answered, and the server still works.
    server.send(json!({ "jsonrpc": "2.0", "id": 77, "method": "pluto/unknown", "params": {} }));
    let reply = server.wait_for(|m| m["id"] == json!(77));
    assert_eq!(reply["error"]["code"], json!(-32601), "{reply}");
    let api = dir.join("api.pluto");
    server.open(&api, API);
    let hover = server.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri(&api) }, "position": { "line": 4, "character": 25 } }),
    );
    assert!(hover["contents"]["value"].as_str().unwrap().contains("verify_token"), "{hover}");
    server.shutdown();
}

#[test]
fn exit_without_shutdown_is_status_1() {
    let dir = fixture("exit");
    let server = Server::start(&dir);
    assert_eq!(server.exit_without_shutdown(), Some(1));
}
