//! Configuration of a unit's executable (SPEC §6): for every deployment unit of the
//! program, the endpoint its callers use, the address it listens on when it is this
//! unit, and the deadline of calls to it. Sources, later wins: defaults
//! (`http://127.0.0.1:<port>` from the system's port plan), the TOML file named by
//! `--config FILE` or `PLUTO_CONFIG`, then `PLUTO_STAGE_<NAME>_ENDPOINT`, `..._LISTEN`,
//! `..._TIMEOUT_MS`. Every problem is reported with the file, key and reason.

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;

/// The default deadline of a cross-stage call.
pub const DEFAULT_TIMEOUT_MS: u64 = 10_000;

#[derive(Clone, Debug)]
pub struct Stage {
    pub endpoint: String,
    pub listen: String,
    pub timeout_ms: u64,
}

#[derive(Clone, Debug, Default)]
pub struct Config {
    pub stages: HashMap<String, Stage>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    stages: BTreeMap<String, FileStage>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileStage {
    endpoint: Option<String>,
    listen: Option<String>,
    timeout_ms: Option<u64>,
}

/// Loads the configuration for a program whose units (with their default ports) are
/// `units`; `args` are the process's arguments (for `--config`).
pub fn load(units: &[(String, u16)], args: &[String]) -> Result<Config, String> {
    let mut config = Config::default();
    for (name, port) in units {
        config.stages.insert(
            name.clone(),
            Stage {
                endpoint: format!("http://127.0.0.1:{port}"),
                listen: format!("127.0.0.1:{port}"),
                timeout_ms: DEFAULT_TIMEOUT_MS,
            },
        );
    }
    let path = config_path(args)?;
    if let Some(path) = path {
        let text = std::fs::read_to_string(&path).map_err(|e| format!("{path}: cannot read the configuration: {e}"))?;
        let file: File = toml::from_str(&text).map_err(|e| format!("{path}: {}", e.to_string().trim_end()))?;
        for (name, stage) in file.stages {
            let Some(known) = config.stages.get_mut(&name) else {
                return Err(format!(
                    "{path}: key `stages.{name}`: the program has no deployment unit `{name}` (units: {})",
                    unit_list(units)
                ));
            };
            if let Some(endpoint) = stage.endpoint {
                known.endpoint = check_endpoint(&endpoint).map_err(|e| format!("{path}: key `stages.{name}.endpoint`: {e}"))?;
            }
            if let Some(listen) = stage.listen {
                known.listen = listen;
            }
            if let Some(timeout) = stage.timeout_ms {
                known.timeout_ms = check_timeout(timeout).map_err(|e| format!("{path}: key `stages.{name}.timeout_ms`: {e}"))?;
            }
        }
    }
    for (name, stage) in config.stages.iter_mut() {
        let prefix = format!("PLUTO_STAGE_{}_", name.to_uppercase());
        if let Ok(endpoint) = std::env::var(format!("{prefix}ENDPOINT")) {
            stage.endpoint = check_endpoint(&endpoint).map_err(|e| format!("environment {prefix}ENDPOINT: {e}"))?;
        }
        if let Ok(listen) = std::env::var(format!("{prefix}LISTEN")) {
            stage.listen = listen;
        }
        if let Ok(timeout) = std::env::var(format!("{prefix}TIMEOUT_MS")) {
            let parsed = timeout
                .trim()
                .parse::<u64>()
                .map_err(|_| format!("environment {prefix}TIMEOUT_MS: `{timeout}` is not a number of milliseconds"))?;
            stage.timeout_ms = check_timeout(parsed).map_err(|e| format!("environment {prefix}TIMEOUT_MS: {e}"))?;
        }
    }
    Ok(config)
}

fn unit_list(units: &[(String, u16)]) -> String {
    units.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(", ")
}

/// `--config FILE`, `--config=FILE`, else `PLUTO_CONFIG`.
fn config_path(args: &[String]) -> Result<Option<String>, String> {
    let mut i = 0;
    while i < args.len() {
        if args[i] == "--config" {
            return match args.get(i + 1) {
                Some(path) => Ok(Some(path.clone())),
                None => Err("`--config` needs a file name".into()),
            };
        }
        if let Some(path) = args[i].strip_prefix("--config=") {
            return Ok(Some(path.to_string()));
        }
        i += 1;
    }
    Ok(std::env::var("PLUTO_CONFIG").ok().filter(|p| !p.is_empty()))
}

fn check_endpoint(endpoint: &str) -> Result<String, String> {
    if let Some(rest) = endpoint.strip_prefix("http://") {
        if rest.is_empty() {
            return Err(format!("`{endpoint}` names no host"));
        }
        return Ok(endpoint.trim_end_matches('/').to_string());
    }
    if endpoint.starts_with("https://") {
        return Err(format!("`{endpoint}`: TLS endpoints are not supported yet; use `http://`"));
    }
    Err(format!("`{endpoint}` is not an endpoint: write `http://host:port`"))
}

fn check_timeout(ms: u64) -> Result<u64, String> {
    if ms == 0 { Err("a deadline of 0 ms would fail every call".into()) } else { Ok(ms) }
}
