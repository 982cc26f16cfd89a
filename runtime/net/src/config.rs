//! Configuration of a unit's executable (SPEC §6): for every deployment unit of the
//! program, the endpoint its callers use, the address it listens on when it is this
//! unit, and the deadline of calls to it. Sources, later wins: defaults
//! (`http://127.0.0.1:<port>` from the system's port plan), the TOML file named by
//! `--config FILE` or `PLUTO_CONFIG`, then `PLUTO_STAGE_<NAME>_ENDPOINT`, `..._LISTEN`,
//! `..._TIMEOUT_MS`, `..._ADMIN` (the metrics address). Every problem is reported with
//! the file, key and reason.
//!
//! TLS: the `[tls]` section (or `PLUTO_TLS_CERT`, `PLUTO_TLS_KEY`, `PLUTO_TLS_CA`,
//! `PLUTO_TLS_REQUIRE_CLIENT_CERT`) gives this executable's certificate and key (its
//! server then speaks TLS, and it presents them to units that require client
//! certificates) and the CA it trusts (for `https://` endpoints, and for client
//! certificates when `require_client_cert` makes its server mutual TLS). The files are
//! read at start-up.

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;

/// The default deadline of a cross-stage call.
pub const DEFAULT_TIMEOUT_MS: u64 = 10_000;

#[derive(Clone, Debug)]
pub struct Stage {
    pub endpoint: String,
    pub listen: String,
    pub timeout_ms: u64,
    /// Where the unit serves its metrics over HTTP, if anywhere.
    pub admin: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub struct Config {
    pub stages: HashMap<String, Stage>,
    pub tls: Tls,
}

/// PEM texts, read at start-up.
#[derive(Clone, Debug, Default)]
pub struct Tls {
    /// This executable's certificate chain and key.
    pub identity: Option<(String, String)>,
    /// The CA trusted for servers called over `https://` and for client certificates.
    pub ca: Option<String>,
    pub require_client_cert: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    stages: BTreeMap<String, FileStage>,
    tls: Option<FileTls>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FileTls {
    cert: Option<String>,
    key: Option<String>,
    ca: Option<String>,
    require_client_cert: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileStage {
    endpoint: Option<String>,
    listen: Option<String>,
    timeout_ms: Option<u64>,
    admin: Option<String>,
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
                admin: None,
            },
        );
    }
    let path = config_path(args)?;
    let mut tls = FileTls::default();
    let mut tls_origin = String::new();
    if let Some(path) = path {
        let text = std::fs::read_to_string(&path).map_err(|e| format!("{path}: cannot read the configuration: {e}"))?;
        let file: File = toml::from_str(&text).map_err(|e| format!("{path}: {}", e.to_string().trim_end()))?;
        if let Some(section) = file.tls {
            tls = section;
            tls_origin = format!("{path}: key `tls.");
            // Relative certificate paths are relative to the configuration file.
            let base = std::path::Path::new(&path).parent().map(|p| p.to_path_buf()).unwrap_or_default();
            for file in [&mut tls.cert, &mut tls.key, &mut tls.ca].into_iter().flatten() {
                if std::path::Path::new(file.as_str()).is_relative() {
                    *file = base.join(&*file).to_string_lossy().into_owned();
                }
            }
        }
        for (name, stage) in file.stages {
            let Some(known) = config.stages.get_mut(&name) else {
                return Err(format!(
                    "{path}: key `stages.{name}`: the program has no deployment unit `{name}` (units: {})",
                    unit_list(units)
                ));
            };
            if let Some(endpoint) = stage.endpoint {
                known.endpoint =
                    check_endpoint(&endpoint).map_err(|e| format!("{path}: key `stages.{name}.endpoint`: {e}"))?;
            }
            if let Some(listen) = stage.listen {
                known.listen = listen;
            }
            if stage.admin.is_some() {
                known.admin = stage.admin;
            }
            if let Some(timeout) = stage.timeout_ms {
                known.timeout_ms =
                    check_timeout(timeout).map_err(|e| format!("{path}: key `stages.{name}.timeout_ms`: {e}"))?;
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
        if let Ok(admin) = std::env::var(format!("{prefix}ADMIN")) {
            stage.admin = Some(admin);
        }
        if let Ok(timeout) = std::env::var(format!("{prefix}TIMEOUT_MS")) {
            let parsed = timeout
                .trim()
                .parse::<u64>()
                .map_err(|_| format!("environment {prefix}TIMEOUT_MS: `{timeout}` is not a number of milliseconds"))?;
            stage.timeout_ms = check_timeout(parsed).map_err(|e| format!("environment {prefix}TIMEOUT_MS: {e}"))?;
        }
    }
    config.tls = load_tls(tls, &tls_origin)?;
    if config.tls.ca.is_none()
        && let Some((name, stage)) = config.stages.iter().find(|(_, s)| s.endpoint.starts_with("https://"))
    {
        return Err(format!(
            "unit `{name}` has the TLS endpoint `{}`, but no CA is configured to verify it: set `ca` in `[tls]` or PLUTO_TLS_CA",
            stage.endpoint
        ));
    }
    Ok(config)
}

/// The `[tls]` section with the environment's overrides, its files read. `origin` names
/// the file the section came from (`FILE: key \`tls.`), for messages.
fn load_tls(mut section: FileTls, origin: &str) -> Result<Tls, String> {
    let mut origins: HashMap<&str, String> = HashMap::new();
    for (key, variable) in [("cert", "PLUTO_TLS_CERT"), ("key", "PLUTO_TLS_KEY"), ("ca", "PLUTO_TLS_CA")] {
        let slot = match key {
            "cert" => &mut section.cert,
            "key" => &mut section.key,
            _ => &mut section.ca,
        };
        if let Ok(value) = std::env::var(variable) {
            *slot = Some(value);
            origins.insert(key, format!("environment {variable}"));
        } else if slot.is_some() {
            origins.insert(key, format!("{origin}{key}`"));
        }
    }
    if let Ok(value) = std::env::var("PLUTO_TLS_REQUIRE_CLIENT_CERT") {
        section.require_client_cert = Some(match value.trim() {
            "1" | "true" | "yes" => true,
            "0" | "false" | "no" | "" => false,
            other => return Err(format!("environment PLUTO_TLS_REQUIRE_CLIENT_CERT: `{other}` is not true or false")),
        });
    }
    let read = |key: &str, path: &Option<String>| -> Result<Option<String>, String> {
        let Some(path) = path else { return Ok(None) };
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: cannot read `{path}`: {e}", origins[key]))?;
        if !text.contains("-----BEGIN ") {
            return Err(format!("{}: `{path}` is not a PEM file", origins[key]));
        }
        Ok(Some(text))
    };
    let cert = read("cert", &section.cert)?;
    let key = read("key", &section.key)?;
    let ca = read("ca", &section.ca)?;
    let identity = match (cert, key) {
        (Some(cert), Some(key)) => Some((cert, key)),
        (None, None) => None,
        (Some(_), None) => {
            return Err(format!("{}: a certificate needs its key (`key`, PLUTO_TLS_KEY)", origins["cert"]));
        }
        (None, Some(_)) => {
            return Err(format!("{}: a key needs its certificate (`cert`, PLUTO_TLS_CERT)", origins["key"]));
        }
    };
    let require_client_cert = section.require_client_cert.unwrap_or(false);
    if require_client_cert && (identity.is_none() || ca.is_none()) {
        return Err("`require_client_cert` needs this unit's `cert` and `key` and the `ca` of its clients".into());
    }
    Ok(Tls { identity, ca, require_client_cert })
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
    if let Some(rest) = endpoint.strip_prefix("https://") {
        if rest.is_empty() {
            return Err(format!("`{endpoint}` names no host"));
        }
        return Ok(endpoint.trim_end_matches('/').to_string());
    }
    Err(format!("`{endpoint}` is not an endpoint: write `http://host:port` (or `https://host:port` for TLS)"))
}

fn check_timeout(ms: u64) -> Result<u64, String> {
    if ms == 0 { Err("a deadline of 0 ms would fail every call".into()) } else { Ok(ms) }
}
