//! End to end with a third-party LSP client: headless Neovim (Debian package `neovim`,
//! installed by `.ci/run`) opens a file with a cross-stage error through its built-in
//! client and must receive the diagnostic and a hover, format, rename across files and
//! apply a quick fix. (Debian's Neovim 0.7 has no client side for semantic tokens or
//! watched files; the server's side of those is tested over the protocol in `lsp.rs`.)

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const API: &str = "import auth\n\nstage api {\n    fn main(self) {\n        let user = auth.verify_token(\"t0k3n\")!\n        print(user)\n    }\n}\n";
// `verify_token` takes an int: the call in api.pluto is a cross-stage type error.
const AUTH: &str =
    "stage auth {\n    pub fn verify_token(token: int) string {\n        return \"user {token}\"\n    }\n}\n";

#[test]
fn neovim_diagnostics_hover_formatting_rename_and_quick_fix() {
    let dir = std::env::temp_dir().join(format!("pluto-neovim-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let dir = dir.canonicalize().unwrap();
    std::fs::write(dir.join("api.pluto"), API).unwrap();
    std::fs::write(dir.join("auth.pluto"), AUTH).unwrap();
    let out = dir.join("result.json");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test-data/neovim/client.lua");
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_pluto")).parent().unwrap();
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap_or_default());

    let mut child = Command::new("nvim")
        .args(["--headless", "-u", "NONE", "-i", "NONE", "-c"])
        .arg(format!("luafile {}", script.display()))
        .env("PATH", path)
        .env("PLUTO_TEST_DIR", &dir)
        .env("PLUTO_TEST_OUT", &out)
        .env("XDG_STATE_HOME", dir.join("state"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .expect("cannot run `nvim`: install Neovim (Debian package `neovim`)");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("Neovim did not finish within 60 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let result: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("Neovim wrote no result")).unwrap();
    let diagnostics = result["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 1, "{result}");
    assert_eq!(diagnostics[0]["line"], 4);
    assert_eq!(diagnostics[0]["col"], 37);
    assert!(diagnostics[0]["message"].as_str().unwrap().contains("expected `int`, found `string`"), "{result}");
    let hover = result["hover"].as_str().unwrap_or_default();
    assert!(hover.contains("cross-stage call to unit `auth`"), "{result}");
    assert!(hover.contains("fn auth.verify_token(token: int) string"), "{result}");
    // Formatting through the server restored the layout.
    assert_eq!(result["formatted"].as_str().map(|t| format!("{t}\n")).as_deref(), Some(API), "{result}");
    // Rename from the call site changed the call and the declaration in the other file.
    let renamed_api = result["renamed_api"].as_str().unwrap_or_default();
    assert!(renamed_api.contains("auth.check_token(\"t0k3n\")!"), "{result}");
    let renamed_auth = result["renamed_auth"].as_str().unwrap_or_default();
    assert!(renamed_auth.contains("pub fn check_token(token: int) string"), "{result}");
    // The quick fix for the unhandled NetworkError propagated it.
    assert_eq!(result["action"], "Propagate the errors with `!`", "{result}");
    assert_eq!(result["fixed_line"], "        let user = auth.verify_token(7)!", "{result}");
    let _ = std::fs::remove_dir_all(&dir);
}
