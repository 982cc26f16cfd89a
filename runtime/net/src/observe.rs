//! Observability of a unit (issue 12): W3C trace context carried through every
//! cross-stage call, one structured log line per call, and Prometheus metrics.
//!
//! - **Traces.** A served call runs in the trace of its `traceparent` metadata (a new
//!   trace when it has none), as a new span; a call made from it carries the same trace
//!   id with that span as parent. A call made outside any served call (from `main`)
//!   starts a trace.
//! - **Logs.** Each call served and each call made prints one line on stderr: unit,
//!   method, trace id, outcome, duration — text, or JSON when `PLUTO_LOG_FORMAT=json`;
//!   `PLUTO_LOG=off` silences them.
//! - **Metrics.** Calls by function and outcome, errors by type, and a latency histogram
//!   per `pub fn`, in Prometheus' text format at `http://<admin>/metrics` when the unit
//!   has an admin address (`admin` in its configuration, or `PLUTO_STAGE_<NAME>_ADMIN`).

use std::cell::Cell;
use std::collections::BTreeMap;
use std::hash::{BuildHasher, Hasher};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// A position in a trace: its id and the current span.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    pub trace: u128,
    pub span: u64,
}

thread_local! {
    /// The span of the call this thread serves, if any.
    static CURRENT: Cell<Option<Span>> = const { Cell::new(None) };
}

thread_local! {
    /// This thread's id generator: a SplitMix64 state, seeded from the process's random
    /// hash keys, a counter and the clock, so threads and processes draw apart.
    static IDS: Cell<u64> = Cell::new(seed());
}

fn seed() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher
        .write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos());
    hasher.finish()
}

/// A random 64-bit id (never 0, which W3C reserves): SplitMix64, a few nanoseconds (one
/// served call draws one to three).
fn random_id() -> u64 {
    IDS.with(|state| {
        loop {
            let s = state.get().wrapping_add(0x9e37_79b9_7f4a_7c15);
            state.set(s);
            let mut z = s;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            let id = z ^ (z >> 31);
            if id != 0 {
                return id;
            }
        }
    })
}

/// `00-<trace>-<span>-01`.
pub fn traceparent(span: Span) -> String {
    format!("00-{:032x}-{:016x}-01", span.trace, span.span)
}

/// Parses a `traceparent` header (version 00).
pub fn parse_traceparent(text: &str) -> Option<Span> {
    let mut parts = text.trim().split('-');
    let (version, trace, span, _flags) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    if version != "00" || trace.len() != 32 || span.len() != 16 {
        return None;
    }
    let trace = u128::from_str_radix(trace, 16).ok().filter(|t| *t != 0)?;
    let span = u64::from_str_radix(span, 16).ok().filter(|s| *s != 0)?;
    Some(Span { trace, span })
}

/// The span of a call made from this thread: a child of the call being served, or the
/// root of a new trace.
pub fn outgoing() -> Span {
    match CURRENT.with(|c| c.get()) {
        Some(parent) => Span { trace: parent.trace, span: random_id() },
        None => new_trace(),
    }
}

/// Makes this thread serve a call with `incoming` trace context (a new trace without
/// one), as a new span; returns what to restore afterwards.
pub fn enter_served(incoming: Option<Span>) -> (Span, Option<Span>) {
    let span = match incoming {
        Some(parent) => Span { trace: parent.trace, span: random_id() },
        None => new_trace(),
    };
    (span, CURRENT.with(|c| c.replace(Some(span))))
}

fn new_trace() -> Span {
    Span { trace: (u128::from(random_id()) << 64) | u128::from(random_id()), span: random_id() }
}

pub fn leave_served(previous: Option<Span>) {
    CURRENT.with(|c| c.set(previous));
}

/// Whether calls are logged (`PLUTO_LOG` is not `off`), and as JSON.
fn log_mode() -> (bool, bool) {
    static MODE: std::sync::OnceLock<(bool, bool)> = std::sync::OnceLock::new();
    *MODE.get_or_init(|| {
        let on = std::env::var("PLUTO_LOG").map(|v| v != "off").unwrap_or(true);
        let json = std::env::var("PLUTO_LOG_FORMAT").is_ok_and(|v| v == "json");
        (on, json)
    })
}

/// Whether calls are logged at all (callers skip describing outcomes otherwise).
pub fn logging() -> bool {
    log_mode().0
}

/// One line on stderr for a call served (`kind` "server") or made ("client").
pub fn log_call(kind: &str, unit: &str, method: &str, span: Span, outcome: &str, elapsed: Duration) {
    let (on, json) = log_mode();
    if !on {
        return;
    }
    let ms = elapsed.as_secs_f64() * 1e3;
    let line = if json {
        format!(
            "{{\"kind\":\"{kind}\",\"unit\":\"{unit}\",\"method\":\"{method}\",\"trace_id\":\"{:032x}\",\"span_id\":\"{:016x}\",\"outcome\":\"{}\",\"duration_ms\":{ms:.3}}}",
            span.trace,
            span.span,
            outcome.replace('\\', "\\\\").replace('"', "\\\"")
        )
    } else {
        format!("pluto: {kind} {unit}.{method} trace={:032x} {outcome} {ms:.3}ms", span.trace)
    };
    pluto_runtime::io::flush();
    eprintln!("{line}");
}

/// One line on stderr for an HTTP request served.
pub fn log_http(method: &str, path: &str, status: u16, elapsed: Duration) {
    let (on, json) = log_mode();
    if !on {
        return;
    }
    let ms = elapsed.as_secs_f64() * 1e3;
    let line = if json {
        let path = serde_json::Value::String(path.to_string());
        format!(
            "{{\"kind\":\"http\",\"method\":\"{method}\",\"path\":{path},\"status\":{status},\"duration_ms\":{ms:.3}}}"
        )
    } else {
        format!("pluto: http {method} {path} {status} {ms:.3}ms")
    };
    pluto_runtime::io::flush();
    eprintln!("{line}");
}

/// Upper bounds of the latency histogram, in seconds.
const BUCKETS: [f64; 12] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0];

#[derive(Default)]
struct FnStats {
    /// By outcome: `ok`, `error`, `fault`, `invalid`.
    calls: BTreeMap<&'static str, u64>,
    errors: BTreeMap<String, u64>,
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

static METRICS: Mutex<BTreeMap<(&'static str, &'static str), FnStats>> = Mutex::new(BTreeMap::new());

/// Records a served call: its outcome (`ok`, `error`, `fault`, `invalid`), the error's
/// type when it raised one, and its duration.
pub fn record(unit: &'static str, method: &'static str, outcome: &'static str, error: Option<&str>, elapsed: Duration) {
    let mut metrics = METRICS.lock().unwrap_or_else(|e| e.into_inner());
    let stats = metrics.entry((unit, method)).or_default();
    *stats.calls.entry(outcome).or_default() += 1;
    if let Some(error) = error {
        match stats.errors.get_mut(error) {
            Some(n) => *n += 1,
            None => {
                stats.errors.insert(error.to_string(), 1);
            }
        }
    }
    let seconds = elapsed.as_secs_f64();
    for (i, bound) in BUCKETS.iter().enumerate() {
        if seconds <= *bound {
            stats.buckets[i] += 1;
        }
    }
    stats.count += 1;
    stats.sum += seconds;
}

/// Every metric in Prometheus' text exposition format.
pub fn render() -> String {
    let metrics = METRICS.lock().unwrap_or_else(|e| e.into_inner());
    let mut out = String::new();
    out.push_str("# HELP pluto_calls_total Calls served, by function and outcome.\n# TYPE pluto_calls_total counter\n");
    for ((unit, method), s) in metrics.iter() {
        for (outcome, n) in &s.calls {
            out.push_str(&format!(
                "pluto_calls_total{{unit=\"{unit}\",method=\"{method}\",outcome=\"{outcome}\"}} {n}\n"
            ));
        }
    }
    out.push_str(
        "# HELP pluto_errors_total Errors raised by served calls, by type.\n# TYPE pluto_errors_total counter\n",
    );
    for ((unit, method), s) in metrics.iter() {
        for (error, n) in &s.errors {
            out.push_str(&format!("pluto_errors_total{{unit=\"{unit}\",method=\"{method}\",error=\"{error}\"}} {n}\n"));
        }
    }
    out.push_str(
        "# HELP pluto_call_duration_seconds How long served calls took.\n# TYPE pluto_call_duration_seconds histogram\n",
    );
    for ((unit, method), s) in metrics.iter() {
        let labels = format!("unit=\"{unit}\",method=\"{method}\"");
        for (bound, n) in BUCKETS.iter().zip(s.buckets.iter()) {
            out.push_str(&format!("pluto_call_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {n}\n"));
        }
        out.push_str(&format!("pluto_call_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}\n", s.count));
        out.push_str(&format!("pluto_call_duration_seconds_sum{{{labels}}} {}\n", s.sum));
        out.push_str(&format!("pluto_call_duration_seconds_count{{{labels}}} {}\n", s.count));
    }
    out
}

/// Serves `/metrics` over HTTP/1.1 on `address` (on the network runtime).
pub fn serve_metrics(runtime: &tokio::runtime::Runtime, address: &str) -> Result<String, String> {
    let listener = std::net::TcpListener::bind(address)
        .and_then(|l| l.set_nonblocking(true).map(|_| l))
        .map_err(|e| format!("cannot serve metrics on {address}: {e}"))?;
    let local = listener.local_addr().map(|a| a.to_string()).unwrap_or_else(|_| address.to_string());
    let _guard = runtime.enter();
    let listener = tokio::net::TcpListener::from_std(listener).map_err(|e| format!("cannot serve metrics: {e}"))?;
    let router = axum::Router::new().route(
        "/metrics",
        axum::routing::get(|| async { ([(http::header::CONTENT_TYPE, "text/plain; version=0.0.4")], render()) }),
    );
    runtime.spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    Ok(local)
}
