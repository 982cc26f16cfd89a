//! `std.http`'s server (SPEC §4.6): HTTP/1.1 on hyper, answered by the handlers of a
//! Pluto `Router`. `http.serve(port, router)` copies the router's table into Rust at
//! start (methods, path patterns, and the handler closures, kept as collector roots), so
//! tokio threads match requests without touching Pluto values. A matched request's parts
//! go, as bytes, to a Pluto worker thread (`workers.rs`), which builds the `Request`
//! object from its descriptor, calls the handler inside a fault boundary holding the lock
//! of the unit running `main`, and reads the `Response` back into bytes.
//!
//! Unknown paths answer 404, a known path with another method 405 (with `Allow`); a
//! handler's fault or unhandled error answers 500 and is logged with its source line.
//! Limits: request bodies up to `PLUTO_HTTP_MAX_BODY` bytes (default 8 MiB, else 413),
//! request heads within 30 s, handlers within `PLUTO_HTTP_TIMEOUT_MS` (default 30 s, else
//! 503). It listens on `0.0.0.0:<port>`, or on `PLUTO_HTTP_LISTEN` when that is set.
//! SIGTERM or SIGINT stops accepting, finishes the requests in flight (at most 30 s) and
//! returns from `serve`.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use pluto_runtime::value::{AdtDesc, Outcome, Str, TypeDesc, Word, adt_desc, cstr, field, new_object};

use crate::codec::{default, store};
use crate::observe;

/// A route of the table: method, pattern segments, and the index of its handler.
struct Route {
    method: String,
    segments: Vec<Segment>,
    handler: usize,
}

enum Segment {
    Literal(String),
    Param(String),
}

/// What the server knows, shared by its tasks: plain Rust data only.
struct Table {
    routes: Vec<Route>,
    max_body: usize,
    timeout: Duration,
}

/// A request's parts, handed to a worker.
struct Parts {
    method: String,
    path: String,
    params: Vec<(String, String)>,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    body: Bytes,
}

/// What a handler answered.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Bytes,
}

/// Where the handlers and the `Request` layout live while the server runs.
struct Handlers {
    /// Collector roots, one per handler closure (never freed: the server runs once).
    closures: &'static [Word],
    request: &'static AdtDesc,
}

// SAFETY: the closures are only read (on Pluto worker threads), the descriptor is static
// data the compiler emitted; neither is ever written after start.
unsafe impl Sync for Handlers {}
unsafe impl Send for Handlers {}

static HANDLERS: std::sync::OnceLock<Handlers> = std::sync::OnceLock::new();

fn env_number(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => v.trim().parse().unwrap_or_else(|_| {
            crate::startup_failure(&format!("{name}={v:?} is not a number"));
        }),
        Err(_) => default,
    }
}

/// The index of the field called `name` in `desc`, or a start-up failure.
fn field_index(desc: &AdtDesc, name: &str) -> usize {
    desc.fields().iter().position(|f| cstr(f.name) == name).unwrap_or_else(|| {
        crate::startup_failure(&format!(
            "`{}` has no field `{name}` (std.http does not match the runtime)",
            cstr(desc.name)
        ))
    })
}

/// The field called `name` of a class object.
fn named_field(object: Word, name: &str) -> Word {
    let d = adt_desc(object);
    field(object, d.first as usize + field_index(d, name))
}

fn text_field(object: Word, name: &str) -> String {
    Str::text(named_field(object, name)).to_string()
}

/// Reads the router's table: `routes`, each with `method`, `pattern` and `handler`.
fn read_router(router: Word) -> (Vec<Route>, Vec<Word>) {
    let routes = named_field(router, "routes");
    let mut table = Vec::new();
    let mut closures = Vec::new();
    for route in pluto_runtime::value::Array::items(routes) {
        let method = text_field(route, "method");
        let pattern = text_field(route, "pattern");
        let segments = split_path(&pattern)
            .map(|s| match s.strip_prefix(':') {
                Some(name) => Segment::Param(name.to_string()),
                None => Segment::Literal(s.to_string()),
            })
            .collect();
        closures.push(named_field(route, "handler"));
        table.push(Route { method, segments, handler: closures.len() - 1 });
    }
    (table, closures)
}

fn split_path(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter(|s| !s.is_empty())
}

fn decode_component(s: &str) -> String {
    percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned()
}

/// What the table says about `method` on `path`: the route and its parameters, or the
/// methods the path allows (empty: no route has the path).
fn route<'t>(table: &'t Table, method: &str, path: &str) -> Result<(&'t Route, Vec<(String, String)>), Vec<String>> {
    let segments: Vec<&str> = split_path(path).collect();
    let mut allowed = Vec::new();
    for r in &table.routes {
        if r.segments.len() != segments.len() {
            continue;
        }
        let mut params = Vec::new();
        let matched = r.segments.iter().zip(&segments).all(|(pattern, actual)| match pattern {
            Segment::Literal(literal) => decode_component(actual) == *literal,
            Segment::Param(name) => {
                params.push((name.clone(), decode_component(actual)));
                true
            }
        });
        if !matched {
            continue;
        }
        if r.method == method || (method == "HEAD" && r.method == "GET") {
            return Ok((r, params));
        }
        if !allowed.contains(&r.method) {
            allowed.push(r.method.clone());
        }
    }
    Err(allowed)
}

fn plain(status: u16, text: &str) -> hyper::Response<Full<Bytes>> {
    let mut response = hyper::Response::new(Full::new(Bytes::from(format!("{text}\n"))));
    *response.status_mut() = hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    response
        .headers_mut()
        .insert(hyper::header::CONTENT_TYPE, hyper::header::HeaderValue::from_static("text/plain; charset=utf-8"));
    response
}

async fn handle(
    table: Arc<Table>,
    request: hyper::Request<Incoming>,
) -> Result<hyper::Response<Full<Bytes>>, Infallible> {
    let started = Instant::now();
    let method = request.method().as_str().to_string();
    let raw_path = request.uri().path().to_string();
    let span = request.headers().get("traceparent").and_then(|v| v.to_str().ok()).and_then(observe::parse_traceparent);
    let response = answer(&table, request, span).await;
    if observe::logging() {
        observe::log_http(&method, &raw_path, response.status().as_u16(), started.elapsed());
    }
    Ok(response)
}

async fn answer(
    table: &Table,
    request: hyper::Request<Incoming>,
    span: Option<observe::Span>,
) -> hyper::Response<Full<Bytes>> {
    let method = request.method().as_str().to_string();
    let (route, params) = match route(table, &method, request.uri().path()) {
        Ok(found) => found,
        Err(allowed) if allowed.is_empty() => return plain(404, "not found"),
        Err(allowed) => {
            let mut response = plain(405, "method not allowed");
            if let Ok(v) = hyper::header::HeaderValue::from_str(&allowed.join(", ")) {
                response.headers_mut().insert(hyper::header::ALLOW, v);
            }
            return response;
        }
    };
    let handler = route.handler;
    let path = decode_component(request.uri().path());
    let query: Vec<(String, String)> =
        request.uri().query().map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect()).unwrap_or_default();
    let mut headers: Vec<(String, String)> = Vec::new();
    for (name, value) in request.headers() {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        match headers.iter_mut().find(|(n, _)| n == name.as_str()) {
            Some((_, existing)) => {
                existing.push_str(", ");
                existing.push_str(&value);
            }
            None => headers.push((name.as_str().to_string(), value)),
        }
    }
    let body = match Limited::new(request.into_body(), table.max_body).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => {
            return plain(413, &format!("the request body is larger than {} bytes", table.max_body));
        }
        Err(e) => return plain(400, &format!("the request body could not be read: {e}")),
    };
    let parts = Parts { method, path, params, query, headers, body };
    let answer = crate::workers::run(move || run_handler(handler, parts, span));
    let answer = match tokio::time::timeout(table.timeout, answer).await {
        Ok(Some(answer)) => answer,
        Ok(None) => return plain(500, "internal server error"),
        Err(_) => {
            pluto_runtime::io::flush();
            eprintln!("pluto: an HTTP handler did not answer within {} ms: answered 503", table.timeout.as_millis());
            return plain(503, "the handler did not answer in time");
        }
    };
    let mut response = hyper::Response::new(Full::new(answer.body));
    *response.status_mut() = match hyper::StatusCode::from_u16(answer.status) {
        Ok(status) => status,
        Err(_) => {
            eprintln!(
                "pluto: an HTTP handler answered status {}, which is not a valid status: answered 500",
                answer.status
            );
            return plain(500, "internal server error");
        }
    };
    for (name, value) in answer.headers {
        match (hyper::header::HeaderName::from_bytes(name.as_bytes()), hyper::header::HeaderValue::from_str(&value)) {
            (Ok(name), Ok(value)) => {
                response.headers_mut().append(name, value);
            }
            _ => {
                eprintln!(
                    "pluto: an HTTP handler answered the header {name:?}: {value:?}, which HTTP cannot carry: answered 500"
                );
                return plain(500, "internal server error");
            }
        }
    }
    response
}

/// A new Pluto map of `t` (`Map<string, string>`) holding `pairs`.
fn string_map(t: *const TypeDesc, pairs: &[(String, String)]) -> Word {
    let map = default(t, 0).unwrap_or(0);
    for (k, v) in pairs {
        let key = Str::from_bytes(k.as_bytes());
        let value = Str::from_bytes(v.as_bytes());
        pluto_runtime::collections::pluto_map_insert(map, key, value);
    }
    map
}

/// Builds the `Request`, calls handler `index` and reads its `Response` (on a worker).
fn run_handler(index: usize, parts: Parts, span: Option<observe::Span>) -> Answer {
    let handlers = HANDLERS.get().expect("the server started");
    let (_, previous_span) = observe::enter_served(span);
    let previous_chain = pluto_runtime::locks::enter_chain(0);
    let lock = pluto_runtime::locks::main_unit();
    let outcome = pluto_runtime::boundary::run(|| {
        if let Some(lock) = lock {
            pluto_runtime::locks::lock(lock);
        }
        let request = build_request(handlers.request, &parts);
        let closure = handlers.closures[index];
        // SAFETY: a closure object starts with its code, which takes the closure and the
        // argument and returns a value word and an error word.
        let outcome = unsafe {
            let code: extern "C" fn(Word, Word) -> Outcome = std::mem::transmute(*(closure as *const usize));
            code(closure, request)
        };
        let answer = if outcome.error != 0 {
            Err(pluto_runtime::fault::describe_unhandled(outcome.error))
        } else {
            Ok(read_response(outcome.value))
        };
        if let Some(lock) = lock {
            pluto_runtime::locks::unlock(lock);
        }
        answer
    });
    pluto_runtime::locks::enter_chain(previous_chain);
    observe::leave_served(previous_span);
    let failure = match outcome {
        Ok(Ok(answer)) => return answer,
        Ok(Err(unhandled)) => format!("error: {unhandled}"),
        Err(fault) => format!("fault: {fault}"),
    };
    pluto_runtime::io::flush();
    eprintln!(
        "{failure}\n  (ended the HTTP request {} {}; answered 500, the server keeps serving)",
        parts.method, parts.path
    );
    Answer {
        status: 500,
        headers: vec![("content-type".into(), "text/plain; charset=utf-8".into())],
        body: Bytes::from_static(b"internal server error\n"),
    }
}

fn build_request(desc: &'static AdtDesc, parts: &Parts) -> Word {
    let first = desc.first as usize;
    let fields = desc.fields();
    let request = new_object(desc, first + fields.len());
    for (i, f) in fields.iter().enumerate() {
        let value = match cstr(f.name) {
            "method" => Str::from_bytes(parts.method.as_bytes()),
            "path" => Str::from_bytes(parts.path.as_bytes()),
            "body" => Str::from_bytes(&parts.body),
            "params" => string_map(f.ty, &parts.params),
            "query" => string_map(f.ty, &parts.query),
            "headers" => string_map(f.ty, &parts.headers),
            _ => default(f.ty, 0).unwrap_or(0),
        };
        store(request, first + i, value);
    }
    request
}

fn read_response(response: Word) -> Answer {
    let at = |name: &str| named_field(response, name);
    let status = at("status") as i64;
    let mut headers = Vec::new();
    let map = pluto_runtime::collections::MapObj::get(at("headers"));
    for entry in map.live_entries() {
        headers.push((Str::text(map.key(entry)).to_string(), Str::text(map.value(entry)).to_string()));
    }
    let body = Bytes::copy_from_slice(Str::bytes(at("body")));
    Answer { status: u16::try_from(status).unwrap_or(0), headers, body }
}

/// The tokio runtime: the network runtime's when it started (`compile-stages`), else one
/// made here.
fn tokio_runtime() -> &'static tokio::runtime::Runtime {
    static OWN: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    if let Some(net) = crate::NET.get() {
        return &net.runtime;
    }
    OWN.get_or_init(|| crate::new_runtime("pluto-http", "the HTTP runtime"))
}

/// `http.listen<Request>(port, router)` (behind `http.serve`): serves until SIGTERM or
/// SIGINT, then drains and returns.
#[unsafe(no_mangle)]
pub extern "C" fn pluto_std_http_listen(port: i64, router: Word, request: *const TypeDesc) {
    let request_type = TypeDesc::get(request);
    let (routes, closures) = read_router(router);
    let closures: &'static mut [Word] = Box::leak(closures.into_boxed_slice());
    for slot in closures.iter() {
        pluto_runtime::gc::pluto_gc_root(slot as *const Word);
    }
    let request_desc = AdtDesc::get(request_type.a.cast());
    for name in ["method", "path", "params", "query", "headers", "body"] {
        field_index(request_desc, name);
    }
    if HANDLERS.set(Handlers { closures, request: request_desc }).is_err() {
        crate::startup_failure("`http.serve` was called twice: a process serves HTTP once");
    }
    let table = Arc::new(Table {
        routes,
        max_body: env_number("PLUTO_HTTP_MAX_BODY", 8 << 20) as usize,
        timeout: Duration::from_millis(env_number("PLUTO_HTTP_TIMEOUT_MS", 30_000)),
    });
    let (stop, stopped) = tokio::sync::watch::channel(false);
    pluto_runtime::stdlib::on_stop_signal(Box::new(move || {
        stop.send_replace(true);
    }));
    // The environment decides where, when it says (as `PLUTO_STAGE_<NAME>_LISTEN` does for
    // gRPC): the same executable serves on another port in a test or a container.
    let address = match std::env::var("PLUTO_HTTP_LISTEN") {
        Ok(address) => address,
        Err(_) => match u16::try_from(port) {
            Ok(port) => format!("0.0.0.0:{port}"),
            Err(_) => crate::startup_failure(&format!("cannot serve HTTP on port {port}: ports are 0 to 65535")),
        },
    };
    let listener = std::net::TcpListener::bind(&address)
        .and_then(|l| l.set_nonblocking(true).map(|_| l))
        .unwrap_or_else(|e| crate::startup_failure(&format!("cannot serve HTTP on {address}: {e}")));
    let local = listener.local_addr().map(|a| a.to_string()).unwrap_or(address);
    pluto_runtime::io::flush();
    eprintln!("pluto: serving HTTP on http://{local}");
    let runtime = tokio_runtime();
    let served = runtime.block_on(serve(listener, table, stopped));
    pluto_runtime::io::flush();
    eprintln!("pluto: stopped serving HTTP after {served} requests");
}

async fn serve(
    listener: std::net::TcpListener,
    table: Arc<Table>,
    mut stopped: tokio::sync::watch::Receiver<bool>,
) -> u64 {
    let listener = match tokio::net::TcpListener::from_std(listener) {
        Ok(l) => l,
        Err(e) => crate::startup_failure(&format!("cannot serve HTTP: {e}")),
    };
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let served = Arc::new(std::sync::atomic::AtomicU64::new(0));
    loop {
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                // Out of descriptors and the like: wait, then accept again.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
            _ = stopped.wait_for(|s| *s) => break,
        };
        let _ = stream.set_nodelay(true);
        let table = table.clone();
        let served = served.clone();
        let service = hyper::service::service_fn(move |request| {
            served.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            handle(table.clone(), request)
        });
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(Duration::from_secs(30))
            .serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            // A client that sends garbage or goes away ends only its connection.
            let _ = connection.await;
        });
    }
    drop(listener);
    let _ = tokio::time::timeout(Duration::from_secs(30), graceful.shutdown()).await;
    served.load(std::sync::atomic::Ordering::Relaxed)
}
