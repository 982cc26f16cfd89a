//! The network runtime of Pluto deployment units (SPEC §4.5, §5, §6): linked instead of
//! the core runtime (`pluto_runtime`, which it contains) into executables that serve
//! `pub fn`s or call units in other processes, serve HTTP (`http_server.rs`) or use JSON
//! (`json.rs`), so programs that need none of these carry no tokio or tonic.
//!
//! The generated entry of a unit's executable calls, in order: [`pluto_net_start`]
//! (configuration, the tokio runtime), [`pluto_net_serve`] (gRPC servers for the units it
//! holds), then the unit's `main` followed by [`pluto_net_finish`], or, without `main`,
//! [`pluto_net_wait`] (serve until SIGTERM/SIGINT, then drain). Generated client stubs
//! call [`pluto_net_call`].
//!
//! Tokio threads never hold Pluto values: only bytes cross between them and Pluto
//! threads (`workers.rs` runs served calls, a caller's own thread encodes and decodes).

mod client;
mod codec;
mod config;
mod desc;
mod exports;
mod http_server;
mod json;
mod observe;
mod server;
mod wire;
mod workers;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use pluto_runtime::value::{Outcome, Word};

use crate::desc::{NetDesc, RemoteFn};

/// The process's network state, made by `pluto_net_start`.
pub(crate) struct Net {
    pub runtime: tokio::runtime::Runtime,
    pub config: config::Config,
    pub desc: &'static NetDesc,
    /// The servers running: how to stop each, and its task.
    servers: Mutex<Vec<(tokio::sync::oneshot::Sender<()>, tokio::task::JoinHandle<()>)>>,
}

static NET: OnceLock<Net> = OnceLock::new();

pub(crate) fn net() -> &'static Net {
    NET.get().unwrap_or_else(|| pluto_runtime::fault::fatal("the network runtime was used before it started"))
}

/// A problem that stops the executable at start-up (configuration, listening).
pub(crate) fn startup_failure(message: &str) -> ! {
    pluto_runtime::io::flush();
    eprintln!("pluto: {message}");
    std::process::exit(2)
}

/// Loads the configuration and starts the tokio runtime. Without `main` (`has_main` 0)
/// the executable serves until SIGTERM/SIGINT, which are blocked here, before any other
/// thread exists, so that [`pluto_net_wait`] receives them.
#[unsafe(no_mangle)]
pub extern "C" fn pluto_net_start(desc: *const NetDesc, has_main: i64) {
    // SAFETY: the compiler emits the program's descriptor as static data.
    let desc: &'static NetDesc = unsafe { &*desc };
    if has_main == 0 {
        // SAFETY: plain signal-mask calls on a local set.
        unsafe { libc::pthread_sigmask(libc::SIG_BLOCK, &pluto_runtime::stdlib::stop_signals(), std::ptr::null_mut()) };
    } else {
        // `main` may serve HTTP or register `on_sigterm`: the signals go to the runtime's
        // watcher, not to the threads made below.
        pluto_runtime::stdlib::watch_stop_signals();
    }
    let args: Vec<String> = std::env::args().collect();
    let config =
        config::load(&desc.units(), &args).unwrap_or_else(|e| startup_failure(&format!("configuration error: {e}")));
    let runtime = new_runtime("pluto-net", "the network runtime");
    let _ = NET.set(Net { runtime, config, desc, servers: Mutex::new(Vec::new()) });
}

/// A tokio runtime whose threads are named `threads`; what it is for (`what`) names it
/// in the start-up failure when it cannot start.
pub(crate) fn new_runtime(threads: &str, what: &str) -> tokio::runtime::Runtime {
    // Creating threads takes locks of the C library: not while a collection may stop us.
    pluto_runtime::threads::enter_critical();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().thread_name(threads).build();
    pluto_runtime::threads::leave_critical();
    runtime.unwrap_or_else(|e| startup_failure(&format!("cannot start {what}: {e}")))
}

/// Serves the functions in `table`: `count` pairs of a function's descriptor and the lock
/// of its unit. Units that listen on the same address share one server.
///
/// # Safety
/// `table` must hold `count` such pairs.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pluto_net_serve(table: *const Word, count: i64) {
    let net = net();
    // SAFETY: per the contract.
    let pairs = unsafe { std::slice::from_raw_parts(table, count.max(0) as usize * 2) };
    let mut by_address: BTreeMap<String, (Vec<String>, HashMap<String, server::Served>)> = BTreeMap::new();
    for pair in pairs.chunks(2) {
        let f = RemoteFn::get(pair[0] as *const RemoteFn);
        let Some(stage) = net.config.stages.get(f.unit()) else { continue };
        let (units, methods) = by_address.entry(stage.listen.clone()).or_default();
        if !units.iter().any(|u| u == f.unit()) {
            units.push(f.unit().to_string());
        }
        // SAFETY: the compiler's static data, alive for the whole process.
        let lock = unsafe { &*(pair[1] as *const pluto_runtime::locks::UnitLock) };
        methods.insert(f.path().to_string(), server::Served { f, lock });
    }
    let mut admins: Vec<(String, Vec<String>)> = Vec::new();
    for (address, (units, methods)) in by_address {
        for unit in &units {
            if let Some(admin) = net.config.stages.get(unit).and_then(|s| s.admin.clone()) {
                match admins.iter_mut().find(|(a, _)| *a == admin) {
                    Some((_, list)) => list.push(unit.clone()),
                    None => admins.push((admin, vec![unit.clone()])),
                }
            }
        }
        start_server(net, &address, &units, methods);
    }
    for (admin, units) in admins {
        match observe::serve_metrics(&net.runtime, &admin) {
            Ok(local) => eprintln!("pluto: unit `{}` metrics on http://{local}/metrics", units.join("`, `")),
            Err(e) => startup_failure(&e),
        }
    }
}

fn start_server(net: &'static Net, address: &str, units: &[String], methods: HashMap<String, server::Served>) {
    let listener = std::net::TcpListener::bind(address)
        .and_then(|l| l.set_nonblocking(true).map(|_| l))
        .unwrap_or_else(|e| startup_failure(&format!("unit `{}` cannot listen on {address}: {e}", units.join("`, `"))));
    let local = listener.local_addr().map(|a| a.to_string()).unwrap_or_else(|_| address.to_string());
    let _guard = net.runtime.enter();
    let listener = tokio::net::TcpListener::from_std(listener)
        .unwrap_or_else(|e| startup_failure(&format!("cannot listen on {address}: {e}")));
    let services: Vec<String> = {
        let mut s: Vec<String> =
            methods.keys().filter_map(|p| p.rsplit_once('/').map(|(s, _)| s.to_string())).collect();
        s.sort();
        s.dedup();
        s
    };
    let (reporter, health) = tonic_health::server::health_reporter();
    let mut routes = tonic::service::Routes::new(health);
    let set = net.desc.descriptor_set();
    if !set.is_empty() {
        let v1 = tonic_reflection::server::Builder::configure().register_encoded_file_descriptor_set(set).build_v1();
        let v1alpha =
            tonic_reflection::server::Builder::configure().register_encoded_file_descriptor_set(set).build_v1alpha();
        match (v1, v1alpha) {
            (Ok(v1), Ok(v1alpha)) => routes = routes.add_service(v1).add_service(v1alpha),
            (Err(e), _) | (_, Err(e)) => eprintln!("pluto: server reflection is off: {e}"),
        }
    }
    // Each served function by its exact path (no path parameters to extract per call);
    // anything else under a served service answers UNIMPLEMENTED.
    let mut router = std::mem::take(routes.axum_router_mut());
    for (path, served) in methods {
        router = router.route_service(&path, server::Route(Some(served)));
    }
    for service in &services {
        router = router.route_service(&format!("{service}/{{method}}"), server::Route(None));
    }
    *routes.axum_router_mut() = router;
    net.runtime.block_on(async {
        for service in &services {
            reporter.set_service_status(service.trim_start_matches('/'), tonic_health::ServingStatus::Serving).await;
        }
    });
    let incoming = tokio_stream::wrappers::TcpListenerStream::new(listener);
    let incoming = tokio_stream::StreamExt::map(incoming, |s| {
        if let Ok(stream) = &s {
            let _ = stream.set_nodelay(true);
        }
        s
    });
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let mut builder = tonic::transport::Server::builder();
    let tls = &net.config.tls;
    let scheme = match &tls.identity {
        Some((cert, key)) => {
            let mut config =
                tonic::transport::ServerTlsConfig::new().identity(tonic::transport::Identity::from_pem(cert, key));
            if tls.require_client_cert
                && let Some(ca) = &tls.ca
            {
                config = config.client_ca_root(tonic::transport::Certificate::from_pem(ca));
            }
            builder = builder
                .tls_config(config)
                .unwrap_or_else(|e| startup_failure(&format!("the TLS certificate or key is unusable: {e}")));
            if tls.require_client_cert { "mutual TLS" } else { "TLS" }
        }
        None => "h2c",
    };
    let server = builder.add_routes(routes).serve_with_incoming_shutdown(incoming, async {
        let _ = stopped.await;
    });
    let task = net.runtime.spawn(async move {
        if let Err(e) = server.await {
            eprintln!("pluto: the gRPC server stopped: {e}");
        }
    });
    net.servers.lock().unwrap_or_else(|e| e.into_inner()).push((stop, task));
    eprintln!("pluto: unit `{}` serving on {local} ({scheme})", units.join("`, `"));
}

/// Calls a remote function: `args` holds its arguments as words. Returns the result and
/// the error word (the callee's error, `NetworkError` or `DeserializationError`).
///
/// # Safety
/// `desc` must be a remote function's descriptor and `args` hold its arguments.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pluto_net_call(desc: *const RemoteFn, args: *const Word) -> Outcome {
    let f = RemoteFn::get(desc);
    // SAFETY: per the contract.
    let args = unsafe { std::slice::from_raw_parts(args, f.param_count.max(0) as usize) };
    client::call(f, args)
}

/// Serves until SIGTERM or SIGINT, then stops accepting, finishes the calls in flight
/// and returns (the executable then exits with 0).
#[unsafe(no_mangle)]
pub extern "C" fn pluto_net_wait() {
    let set = pluto_runtime::stdlib::stop_signals();
    loop {
        let mut signal = 0;
        // SAFETY: waits for one of the signals blocked at start-up.
        match unsafe { libc::sigwait(&set, &mut signal) } {
            0 => break,
            libc::EINTR => continue,
            _ => break,
        }
    }
    pluto_net_finish();
}

/// Stops accepting calls and waits (at most 30 s) for those in flight to finish.
#[unsafe(no_mangle)]
pub extern "C" fn pluto_net_finish() {
    let net = net();
    let servers: Vec<_> = std::mem::take(&mut *net.servers.lock().unwrap_or_else(|e| e.into_inner()));
    if servers.is_empty() {
        return;
    }
    let (stops, tasks): (Vec<_>, Vec<_>) = servers.into_iter().unzip();
    for stop in stops {
        let _ = stop.send(());
    }
    for task in tasks {
        let _ = net.runtime.block_on(async { tokio::time::timeout(Duration::from_secs(30), task).await });
    }
    let answered = server::ANSWERED.load(std::sync::atomic::Ordering::Relaxed);
    eprintln!("pluto: stopped serving after answering {answered} calls");
}
