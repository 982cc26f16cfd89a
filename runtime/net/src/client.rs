//! Calling another unit's `pub fn` over gRPC: the arguments are encoded on the calling
//! Pluto thread, the call runs on the tokio runtime over one reused connection per
//! endpoint, and the answer's bytes come back to be decoded into the result, a remote
//! error re-raised with its fields, or `NetworkError`/`DeserializationError`.
//!
//! Every call has a deadline: the callee's `timeout_ms`, shortened to what is left of the
//! deadline of the request being served (so deadlines propagate through nested calls);
//! it travels as `grpc-timeout`. A streaming function (`pub fn f() Receiver<T>`) answers
//! with a stream: the deadline covers its start, and a net worker feeds the caller's
//! receiver from it (`open_stream`).

use std::cell::Cell;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use bytes::Bytes;
use pluto_runtime::value::{Outcome, Word};
use tonic::transport::{Channel, Endpoint};
use tonic::{Code, Status};

use crate::codec;
use crate::desc::RemoteFn;
use crate::wire::{BytesCodec, CHAIN_HEADER, FINGERPRINT_HEADER};
use pluto_runtime::value::{new_error, static_site};

thread_local! {
    /// The deadline of the request this thread serves, if any.
    static DEADLINE: Cell<Option<Instant>> = const { Cell::new(None) };
}

/// Sets this thread's deadline, returning the previous one.
pub fn enter_deadline(deadline: Option<Instant>) -> Option<Instant> {
    DEADLINE.with(|d| d.replace(deadline))
}

static CHANNELS: Mutex<Option<HashMap<String, Channel>>> = Mutex::new(None);

/// The connection to `endpoint`, made on first use (lazily: a unit that is down is
/// reported by the call, not here).
fn channel(endpoint: &str) -> Result<Channel, String> {
    let mut channels = CHANNELS.lock().unwrap_or_else(|e| e.into_inner());
    let table = channels.get_or_insert_with(HashMap::new);
    if let Some(c) = table.get(endpoint) {
        return Ok(c.clone());
    }
    let net = crate::net();
    let _guard = net.runtime.enter();
    let mut e = Endpoint::from_shared(endpoint.to_string())
        .map_err(|e| format!("`{endpoint}` is not a valid endpoint: {e}"))?
        .connect_timeout(Duration::from_secs(5))
        .tcp_nodelay(true);
    if endpoint.starts_with("https://") {
        let tls = &net.config.tls;
        let mut config = tonic::transport::ClientTlsConfig::new();
        if let Some(ca) = &tls.ca {
            config = config.ca_certificate(tonic::transport::Certificate::from_pem(ca));
        }
        if let Some((cert, key)) = &tls.identity {
            config = config.identity(tonic::transport::Identity::from_pem(cert, key));
        }
        e = e
            .tls_config(config)
            .map_err(|e| format!("the TLS configuration for `{endpoint}` is unusable: {}", error_chain(&e)))?;
    }
    let c = e.connect_lazy();
    table.insert(endpoint.to_string(), c.clone());
    Ok(c)
}

/// Calls `f` with `args` (`f.param_count` words); returns the result or the error to raise.
pub fn call(f: &'static RemoteFn, args: &[Word]) -> Outcome {
    let net = crate::net();
    let raise = |reason: String| Outcome { value: 0, error: network_error(f, &reason) };
    let Some(stage) = net.config.stages.get(f.unit()) else {
        return raise(format!("no configuration for unit `{}`", f.unit()));
    };
    let mut request = Vec::new();
    if let Err(e) = codec::encode_fields(f.params(), args, &mut request) {
        return Outcome { value: 0, error: deserialization_error(f, &format!("cannot encode the arguments: {e}")) };
    }
    let mut timeout = Duration::from_millis(stage.timeout_ms);
    if let Some(deadline) = DEADLINE.with(|d| d.get()) {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return raise("the deadline of the request being served has passed".into());
        }
        timeout = timeout.min(left);
    }
    let channel = match channel(&stage.endpoint) {
        Ok(c) => c,
        Err(e) => return raise(e),
    };
    let span = crate::observe::outgoing();
    let request = outgoing(f, request, span);
    let started = Instant::now();
    if f.streaming != 0 {
        return open_stream(f, channel, request, timeout, started, &stage.endpoint);
    }
    let result = within(timeout, async move {
        let mut grpc = ready(channel).await?;
        let mut request = request;
        request.set_timeout(timeout);
        grpc.unary(request, http::uri::PathAndQuery::from_static(f.path()), BytesCodec)
            .await
            .map(tonic::Response::into_inner)
    });
    let outcome = match result {
        Ok(bytes) => decode_response(f, &bytes),
        Err(status) => raise(failure(f, &stage.endpoint, timeout, started, &status)),
    };
    if crate::observe::logging() {
        let text = if outcome.error == 0 {
            "ok".to_string()
        } else {
            let mut text = String::from("error ");
            pluto_runtime::format::write_object(outcome.error, &mut text);
            text
        };
        crate::observe::log_call("client", f.unit(), f.method(), span, &text, started.elapsed());
    }
    outcome
}

/// Runs `attempt` (a call's exchange with the network) within `timeout`, driven on this
/// (Pluto) thread as a blocking point: the connection's tasks run on tokio's threads, and
/// only the request's and the answer's bytes pass between them.
fn within<T>(timeout: Duration, attempt: impl std::future::Future<Output = Result<T, Status>>) -> Result<T, Status> {
    let net = crate::net();
    pluto_runtime::locks::while_blocked(|| {
        net.runtime.block_on(async move {
            match tokio::time::timeout(timeout, attempt).await {
                Ok(result) => result,
                Err(_) => Err(Status::deadline_exceeded("")),
            }
        })
    })
}

/// A gRPC client on `channel` once it is ready to send.
async fn ready(channel: Channel) -> Result<tonic::client::Grpc<Channel>, Status> {
    let mut grpc = tonic::client::Grpc::new(channel);
    grpc.ready().await.map_err(|e| Status::unavailable(error_chain(&e)))?;
    Ok(grpc)
}

/// The `NetworkError` reason of a call started at `started` that failed with `status`:
/// however the deadline shows (the server's own timeout cancels the call), one that
/// failed once its deadline passed says so.
fn failure(f: &RemoteFn, endpoint: &str, timeout: Duration, started: Instant, status: &Status) -> String {
    if started.elapsed() >= timeout {
        return reason(f, endpoint, timeout, &Status::deadline_exceeded(status.message()));
    }
    reason(f, endpoint, timeout, status)
}

/// The request carrying `body` and the call's metadata: the callee's fingerprint, the
/// call chain (for re-entrant unit locks) and the trace.
fn outgoing(f: &RemoteFn, body: Vec<u8>, span: crate::observe::Span) -> tonic::Request<Bytes> {
    let mut request = tonic::Request::new(Bytes::from(body));
    let metadata = request.metadata_mut();
    let fingerprint = format!("{:016x}", f.fingerprint);
    metadata.insert(FINGERPRINT_HEADER, fingerprint.parse().expect("hex is valid metadata"));
    let chain = pluto_runtime::locks::chain().to_string();
    metadata.insert(CHAIN_HEADER, chain.parse().expect("digits are valid metadata"));
    let traceparent = crate::observe::traceparent(span);
    metadata.insert("traceparent", traceparent.parse().expect("hex is valid metadata"));
    request
}

/// Items received and not yet taken by the caller, per stream.
const STREAM_CAPACITY: i64 = 256;

/// Calls a streaming function: waits (within the deadline) for its first message, which
/// is an error to raise or the first item; the caller then gets a receiver that a net
/// worker feeds from the stream. The deadline covers the call's start, not the whole
/// stream, which lasts as long as the producer sends.
fn open_stream(
    f: &'static RemoteFn,
    channel: Channel,
    request: tonic::Request<Bytes>,
    timeout: Duration,
    started: Instant,
    endpoint: &str,
) -> Outcome {
    let opened = within(timeout, async move {
        let mut grpc = ready(channel).await?;
        let path = http::uri::PathAndQuery::from_static(f.path());
        let mut stream = grpc.server_streaming(request, path, BytesCodec).await?.into_inner();
        let first = stream.message().await?;
        Ok((stream, first))
    });
    let (stream, first) = match opened {
        Ok(opened) => opened,
        Err(status) => {
            return Outcome { value: 0, error: network_error(f, &failure(f, endpoint, timeout, started, &status)) };
        }
    };
    use pluto_runtime::tasks::stream as chan;
    let receiver = chan::channel(STREAM_CAPACITY);
    let Some(first) = first else {
        chan::close(receiver);
        return Outcome { value: receiver, error: 0 };
    };
    let item = decode_response(f, &first);
    if item.error != 0 {
        return item;
    }
    chan::send_all(receiver, &[item.value]);
    // The worker holds the receiver on its own stack before this thread lets go of it.
    let (taken, wait) = std::sync::mpsc::sync_channel::<()>(1);
    let endpoint = endpoint.to_string();
    crate::workers::submit(Box::new(move || {
        let receiver = std::hint::black_box(receiver);
        let _ = taken.send(());
        feed(f, stream, receiver, &endpoint);
        std::hint::black_box(receiver);
    }));
    let _ = pluto_runtime::locks::while_blocked(|| wait.recv());
    Outcome { value: receiver, error: 0 }
}

/// Feeds `receiver` from `stream` (on a net worker) until the stream ends (the channel is
/// closed), breaks (closed with the `NetworkError`), or the caller closed the receiver
/// (the stream is dropped, which cancels the call and stops the producer).
fn feed(f: &'static RemoteFn, mut stream: tonic::Streaming<Bytes>, receiver: Word, endpoint: &str) {
    use pluto_runtime::tasks::stream as chan;
    let net = crate::net();
    loop {
        let (batch, end) = pluto_runtime::locks::while_blocked(|| net.runtime.block_on(next_batch(&mut stream)));
        // Decoded into this stack array (where the collector sees the values), then
        // handed to the receiver many at a time.
        let mut values = [0 as Word; STREAM_BATCH];
        let mut decoded = 0;
        let mut failed = 0;
        for bytes in &batch {
            let item = decode_response(f, bytes);
            if item.error != 0 {
                failed = item.error;
                break;
            }
            values[decoded] = item.value;
            decoded += 1;
        }
        let sent = chan::send_all(receiver, &values[..decoded]);
        std::hint::black_box(&values);
        if failed != 0 {
            chan::fail(receiver, failed);
            return;
        }
        if !sent {
            return;
        }
        match end {
            Ok(true) => {}
            Ok(false) => {
                chan::close(receiver);
                return;
            }
            Err(status) => {
                let reason = format!(
                    "the stream from {} broke: {}",
                    f.qualified(),
                    reason(f, endpoint, Duration::ZERO, &status)
                );
                chan::fail(receiver, network_error(f, &reason));
                return;
            }
        }
    }
}

/// The most messages handed to the feeding worker at once.
const STREAM_BATCH: usize = 256;

/// The messages of `stream` that have arrived (at least one, waiting for it), at most
/// [`STREAM_BATCH`]; and whether the stream goes on (`Ok(false)`: it ended, `Err`: it broke).
async fn next_batch(stream: &mut tonic::Streaming<Bytes>) -> (Vec<Bytes>, Result<bool, Status>) {
    let mut batch = Vec::new();
    loop {
        let next = if batch.is_empty() { Some(stream.message().await) } else { ready_now(stream.message()).await };
        match next {
            None => return (batch, Ok(true)),
            Some(Ok(Some(bytes))) => batch.push(bytes),
            Some(Ok(None)) => return (batch, Ok(false)),
            Some(Err(status)) => return (batch, Err(status)),
        }
        if batch.len() == STREAM_BATCH {
            return (batch, Ok(true));
        }
    }
}

/// What `future` gives if it is ready at once (`Streaming::message` may be dropped
/// unfinished: it loses nothing).
async fn ready_now<F: std::future::Future>(future: F) -> Option<F::Output> {
    let mut future = std::pin::pin!(future);
    std::future::poll_fn(|cx| match future.as_mut().poll(cx) {
        std::task::Poll::Ready(value) => std::task::Poll::Ready(Some(value)),
        std::task::Poll::Pending => std::task::Poll::Ready(None),
    })
    .await
}

/// The error and its causes, `a: b: c`.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    let mut last = text.clone();
    while let Some(s) = source {
        let more = s.to_string();
        if more.starts_with(&last) {
            // A cause that repeats its effect's text and adds to it replaces it.
            text.truncate(text.len() - last.len());
            text.push_str(&more);
            last = more;
        } else if !text.contains(&more) {
            text = format!("{text}: {more}");
            last = more;
        }
        source = s.source();
    }
    text
}

/// The `reason` of the `NetworkError` for a failed call.
fn reason(f: &RemoteFn, endpoint: &str, timeout: Duration, status: &Status) -> String {
    let message = status.message();
    match status.code() {
        Code::DeadlineExceeded => {
            format!("deadline exceeded: {} did not answer within {} ms", f.qualified(), timeout.as_millis())
        }
        Code::Unavailable => format!("cannot reach unit `{}` at {endpoint}: {message}", f.unit()),
        Code::Internal if message.starts_with("fault in ") => pluto_runtime::boundary::fault_reason(message),
        Code::Internal | Code::Unknown => {
            let detail = std::error::Error::source(status)
                .map(|e| {
                    // The status's message often ends with its cause's own text.
                    let chain = error_chain(e);
                    let first = e.to_string();
                    match chain.strip_prefix(&first) {
                        Some(rest) if message.ends_with(&first) => rest.to_string(),
                        _ => format!(": {chain}"),
                    }
                })
                .unwrap_or_default();
            format!("the connection to unit `{}` at {endpoint} failed: {message}{detail}", f.unit())
        }
        Code::FailedPrecondition => message.to_string(),
        Code::Unimplemented => {
            format!("version skew: {endpoint} does not serve {} ({message})", f.path())
        }
        Code::InvalidArgument => format!("the callee could not decode the request: {message}"),
        code => format!("{code:?}: {message}"),
    }
}

fn decode_response(f: &'static RemoteFn, bytes: &[u8]) -> Outcome {
    let undecodable = |reason: String| Outcome {
        value: 0,
        error: deserialization_error(f, &format!("cannot decode the answer of {}: {reason}", f.qualified())),
    };
    match codec::first_field(bytes) {
        Err(e) => undecodable(e),
        Ok(None) => undecodable("it holds no outcome".into()),
        Ok(Some((1, wire, payload))) => match codec::decode_single(&payload, wire, f.result) {
            Ok(value) => Outcome { value, error: 0 },
            Err(e) => undecodable(e),
        },
        Ok(Some((tag, _, payload))) => match f.errors().iter().find(|e| e.tag == i64::from(tag)) {
            Some(entry) => match codec::decode_error(&payload, entry.desc, remote_site(f)) {
                Ok(error) => Outcome { value: 0, error },
                Err(e) => undecodable(e),
            },
            None => undecodable(format!("unknown outcome {tag}")),
        },
    }
}

fn remote_site(f: &RemoteFn) -> *const u8 {
    static_site(&format!("{} (remote call)", f.qualified()))
}

pub fn network_error(f: &RemoteFn, reason: &str) -> Word {
    let net = crate::net();
    new_error(
        net.desc.network_error,
        remote_site(f),
        &[("reason", reason), ("stage", f.unit()), ("method", f.method())],
    )
}

fn deserialization_error(f: &RemoteFn, reason: &str) -> Word {
    new_error(crate::net().desc.deserialization_error, remote_site(f), &[("reason", reason)])
}
