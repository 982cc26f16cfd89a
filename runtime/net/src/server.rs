//! Serving a unit's `pub fn`s over gRPC (tonic on hyper/h2): one route per unit service,
//! `/pluto.<program>.<Unit>/<Fn>`, whose bytes are passed to a worker thread
//! (`workers.rs`) and answered with the encoded `oneof outcome`. Anything else under the
//! service answers `UNIMPLEMENTED`, as do unknown services. Every server also serves
//! `grpc.health.v1.Health` and server reflection (from the embedded descriptor set).
//!
//! On a worker the call runs inside a fault boundary and holds the unit's lock for the
//! request's call chain (`pluto_runtime::locks`); a fault answers `INTERNAL` with its
//! description and the unit keeps serving. A caller built against another interface
//! (its fingerprint differs) is answered `FAILED_PRECONDITION` naming the skew.

use std::convert::Infallible;
use std::time::{Duration, Instant};

use bytes::Bytes;
use pluto_runtime::value::{Word, adt_desc};
use tonic::{Status, server::UnaryService};

use crate::desc::RemoteFn;
use crate::wire::{BytesCodec, CHAIN_HEADER, FINGERPRINT_HEADER};
use crate::{codec, observe};

/// A function this process serves, with the lock of its unit.
#[derive(Clone, Copy)]
pub struct Served {
    pub f: &'static RemoteFn,
    pub lock: &'static pluto_runtime::locks::UnitLock,
}

type Request = http::Request<axum::body::Body>;
type Answer =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<http::Response<tonic::body::Body>, Infallible>> + Send>>;

/// The route of one served function (`/pluto.<program>.<Unit>/<Fn>`); `None` answers
/// `UNIMPLEMENTED` (any other method under a served service). The request body goes to
/// tonic as the router gives it, with no further boxing.
#[derive(Clone, Copy)]
pub struct Route(pub Option<Served>);

impl tower::Service<Request> for Route {
    type Response = http::Response<tonic::body::Body>;
    type Error = Infallible;
    type Future = Answer;

    fn poll_ready(&mut self, _: &mut std::task::Context<'_>) -> std::task::Poll<Result<(), Infallible>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request) -> Answer {
        let Some(served) = self.0 else {
            let status = Status::unimplemented(format!("this unit serves no method {}", request.uri().path()));
            return Box::pin(std::future::ready(Ok(status.into_http())));
        };
        Box::pin(async move {
            let mut grpc = tonic::server::Grpc::new(BytesCodec);
            if served.f.streaming != 0 {
                return Ok(grpc.server_streaming(StreamHandler(served), request).await);
            }
            Ok(grpc.unary(Handler(served), request).await)
        })
    }
}

struct Handler(Served);

impl UnaryService<Bytes> for Handler {
    type Response = Bytes;
    type Future = std::pin::Pin<Box<dyn std::future::Future<Output = Result<tonic::Response<Bytes>, Status>> + Send>>;

    fn call(&mut self, request: tonic::Request<Bytes>) -> Self::Future {
        let served = self.0;
        Box::pin(async move {
            let context = Context::of(served, request.metadata())?;
            let bytes = request.into_inner();
            let answer = crate::workers::run(move || serve(served, &bytes, context)).await;
            match answer {
                Some(result) => result.map(tonic::Response::new),
                None => Err(Status::internal("the worker running the call ended")),
            }
        })
    }
}

/// A streaming function (it returns a `Receiver<T>`): a worker calls it, then drains
/// the receiver into the response stream until the channel closes. When the caller goes
/// away the worker closes the channel, so the producer's next `send` raises
/// `ChannelClosed` and it stops.
struct StreamHandler(Served);

/// Batches of encoded items waiting for the network, per stream, and the most items in
/// one batch.
const STREAM_BUFFER: usize = 4;
const STREAM_BATCH: usize = 256;

/// A stream's messages as the worker hands them over, in batches.
struct ItemStream {
    batches: tokio::sync::mpsc::Receiver<Vec<Result<Bytes, Status>>>,
    pending: std::vec::IntoIter<Result<Bytes, Status>>,
}

impl tokio_stream::Stream for ItemStream {
    type Item = Result<Bytes, Status>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        loop {
            if let Some(item) = self.pending.next() {
                return std::task::Poll::Ready(Some(item));
            }
            match self.batches.poll_recv(cx) {
                std::task::Poll::Ready(Some(batch)) => self.pending = batch.into_iter(),
                std::task::Poll::Ready(None) => return std::task::Poll::Ready(None),
                std::task::Poll::Pending => return std::task::Poll::Pending,
            }
        }
    }
}

impl tonic::server::ServerStreamingService<Bytes> for StreamHandler {
    type Response = Bytes;
    type ResponseStream = ItemStream;
    type Future = std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<tonic::Response<Self::ResponseStream>, Status>> + Send>,
    >;

    fn call(&mut self, request: tonic::Request<Bytes>) -> Self::Future {
        let served = self.0;
        Box::pin(async move {
            let context = Context::of(served, request.metadata())?;
            let bytes = request.into_inner();
            let (items, stream) = tokio::sync::mpsc::channel(STREAM_BUFFER);
            crate::workers::submit(Box::new(move || serve_stream(served, &bytes, context, items)));
            Ok(tonic::Response::new(ItemStream { batches: stream, pending: Vec::new().into_iter() }))
        })
    }
}

/// What a request's metadata says about its call.
struct Context {
    chain: Option<u64>,
    deadline: Option<Instant>,
    trace: Option<observe::Span>,
}

impl Context {
    /// The call's context, or the version-skew failure when the caller was built
    /// against another interface.
    fn of(served: Served, metadata: &tonic::metadata::MetadataMap) -> Result<Context, Status> {
        if let Some(theirs) = metadata.get(FINGERPRINT_HEADER).and_then(|v| v.to_str().ok()) {
            if u64::from_str_radix(theirs, 16).ok() != Some(served.f.fingerprint) {
                let ours = format!("{:016x}", served.f.fingerprint);
                return Err(Status::failed_precondition(format!(
                    "version skew: `{}` here has interface fingerprint {ours}, the caller was built against {theirs}; rebuild and redeploy both",
                    served.f.qualified()
                )));
            }
        }
        let text = |key: &str| metadata.get(key).and_then(|v| v.to_str().ok());
        Ok(Context {
            chain: text(CHAIN_HEADER).and_then(|v| v.parse::<u64>().ok()),
            deadline: text("grpc-timeout").and_then(parse_grpc_timeout).map(|t| Instant::now() + t),
            trace: text("traceparent").and_then(observe::parse_traceparent),
        })
    }

    /// Runs `body` on this (worker) thread inside the call's context: its trace span,
    /// call chain and deadline; `body` gets the span.
    fn enter<R>(self, body: impl FnOnce(observe::Span) -> R) -> R {
        let (span, previous_span) = observe::enter_served(self.trace);
        let previous_chain = pluto_runtime::locks::enter_chain(self.chain.unwrap_or(0));
        let previous_deadline = crate::client::enter_deadline(self.deadline);
        let result = body(span);
        crate::client::enter_deadline(previous_deadline);
        pluto_runtime::locks::enter_chain(previous_chain);
        observe::leave_served(previous_span);
        result
    }
}

/// Runs a streaming function and forwards its items to `items` (on a worker thread).
fn serve_stream(
    served: Served,
    request: &[u8],
    context: Context,
    items: tokio::sync::mpsc::Sender<Vec<Result<Bytes, Status>>>,
) {
    use pluto_runtime::tasks::stream::{self, Received};
    let started = Instant::now();
    let f = served.f;
    context.enter(|span| {
        let outcome = run_locked(served, || invoke(f, request));
        let (label, text) = match outcome {
            Err(fault) => {
                let _ = blocking_send(
                    &items,
                    vec![Err(Status::internal(pluto_runtime::boundary::ended_call(&f.qualified(), &fault)))],
                );
                ("fault", format!("fault: {fault}"))
            }
            Ok(Err(status)) => {
                let text = format!("{:?}: {}", status.code(), status.message());
                let _ = blocking_send(&items, vec![Err(status)]);
                ("invalid", text)
            }
            Ok(Ok(outcome)) if outcome.error != 0 => {
                let answer = encode_outcome(f, outcome);
                let text = match &answer {
                    Ok((_, Some(error))) => format!("error {error}"),
                    _ => "error".to_string(),
                };
                let _ = blocking_send(&items, vec![answer.map(|(bytes, _)| bytes)]);
                ("error", text)
            }
            Ok(Ok(outcome)) => {
                let receiver = outcome.value;
                let mut sent = 0u64;
                let end = loop {
                    match stream::receive(receiver) {
                        Received::Value(first) => {
                            // The items already waiting go out as one batch: one wake-up of
                            // the network side for many messages. They are taken from the
                            // channel at once, into this stack array (where the collector
                            // sees them), so the producer refills it meanwhile.
                            let mut waiting = [0 as Word; STREAM_BATCH];
                            waiting[0] = first;
                            let count = 1 + stream::drain(receiver, &mut waiting[1..]);
                            let mut batch = Vec::with_capacity(count);
                            for &item in &waiting[..count] {
                                match encode_outcome(f, pluto_runtime::value::Outcome { value: item, error: 0 }) {
                                    Ok((bytes, _)) => batch.push(Ok(bytes)),
                                    Err(status) => {
                                        batch.push(Err(status));
                                        break;
                                    }
                                }
                            }
                            std::hint::black_box(&waiting);
                            let count = batch.len() as u64;
                            let failed = batch.last().is_some_and(Result::is_err);
                            if blocking_send(&items, batch).is_err() {
                                // The caller went away: stop the producer.
                                stream::close(receiver);
                                break format!("ok, the caller cancelled after {sent} items");
                            }
                            if failed {
                                stream::close(receiver);
                                break "an item could not be encoded".to_string();
                            }
                            sent += count;
                        }
                        Received::Closed => break format!("ok, {sent} items"),
                        Received::Failed(error) => {
                            let mut text = String::new();
                            pluto_runtime::format::write_object(error, &mut text);
                            let reason = format!("the stream {} relays broke: {text}", f.qualified());
                            let _ = blocking_send(&items, vec![Err(Status::unavailable(reason.clone()))]);
                            break reason;
                        }
                    }
                };
                std::hint::black_box(receiver);
                ("ok", end)
            }
        };
        answered(f, label, None, span, started, || text);
    });
}

/// Hands a batch to the network side, waiting while its buffer is full (the caller reads
/// slower than the producer writes): a blocking point, so the worker gives its place to
/// another meanwhile.
fn blocking_send(
    items: &tokio::sync::mpsc::Sender<Vec<Result<Bytes, Status>>>,
    batch: Vec<Result<Bytes, Status>>,
) -> Result<(), tokio::sync::mpsc::error::SendError<Vec<Result<Bytes, Status>>>> {
    pluto_runtime::locks::while_blocked(|| items.blocking_send(batch))
}

/// `grpc-timeout`: digits and a unit (`H M S m u n`).
fn parse_grpc_timeout(text: &str) -> Option<Duration> {
    let (digits, unit) = text.split_at(text.len().checked_sub(1)?);
    let n: u64 = digits.parse().ok()?;
    Some(match unit {
        "H" => Duration::from_secs(n * 3600),
        "M" => Duration::from_secs(n * 60),
        "S" => Duration::from_secs(n),
        "m" => Duration::from_millis(n),
        "u" => Duration::from_micros(n),
        "n" => Duration::from_nanos(n),
        _ => return None,
    })
}

/// Calls answered (with a result or an error), reported when the unit stops.
pub static ANSWERED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Runs one request on this (worker) thread.
fn serve(served: Served, request: &[u8], context: Context) -> Result<Bytes, Status> {
    let started = Instant::now();
    let (outcome, span) = context.enter(|span| {
        let outcome =
            run_locked(served, || invoke(served.f, request).and_then(|outcome| encode_outcome(served.f, outcome)));
        (outcome, span)
    });
    let result = match outcome {
        Ok(result) => result,
        Err(fault) => Err(Status::internal(pluto_runtime::boundary::ended_call(&served.f.qualified(), &fault))),
    };
    let (label, error) = match &result {
        Ok((_, None)) => ("ok", None),
        Ok((_, Some(error))) => ("error", Some(error.as_str())),
        Err(status) if status.code() == tonic::Code::Internal => ("fault", None),
        Err(_) => ("invalid", None),
    };
    answered(served.f, label, error, span, started, || match &result {
        Ok((_, None)) => "ok".to_string(),
        Ok((_, Some(error))) => format!("error {error}"),
        Err(status) if status.code() == tonic::Code::Internal => format!("fault: {}", status.message()),
        Err(status) => format!("{:?}: {}", status.code(), status.message()),
    });
    result.map(|(bytes, _)| bytes)
}

/// Runs `body` inside a fault boundary holding the unit's lock (the boundary releases it
/// when `body` faults); `Err` is the fault's description.
fn run_locked<R>(served: Served, body: impl FnOnce() -> R) -> Result<R, String> {
    pluto_runtime::boundary::run(|| {
        pluto_runtime::locks::lock(served.lock);
        let result = body();
        pluto_runtime::locks::unlock(served.lock);
        result
    })
}

/// Counts, records and (when logging) logs a served call: its outcome `label`, the error's
/// type when it raised one, and `text` describing the outcome for the log line.
fn answered(
    f: &'static RemoteFn,
    label: &'static str,
    error: Option<&str>,
    span: observe::Span,
    started: Instant,
    text: impl FnOnce() -> String,
) {
    ANSWERED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let elapsed = started.elapsed();
    observe::record(f.unit(), f.method(), label, error, elapsed);
    if observe::logging() {
        observe::log_call("server", f.unit(), f.method(), span, &text(), elapsed);
    }
}

/// Decodes the arguments and calls the function: its result and error words.
fn invoke(f: &'static RemoteFn, request: &[u8]) -> Result<pluto_runtime::value::Outcome, Status> {
    let params = f.params();
    let args = pluto_runtime::gc::pluto_alloc((params.len().max(1) * 8) as i64) as Word;
    codec::decode_fields(request, params, args)
        .map_err(|e| Status::invalid_argument(format!("cannot decode the request to {}: {e}", f.qualified())))?;
    let Some(handler) = f.handler else { return Err(Status::unimplemented("not served here")) };
    let outcome = handler(args as *const Word);
    std::hint::black_box(args);
    Ok(outcome)
}

/// The response message of an outcome (for a stream, of one item, or of the error
/// raised before the first); the error's type when it is one.
fn encode_outcome(
    f: &'static RemoteFn,
    outcome: pluto_runtime::value::Outcome,
) -> Result<(Bytes, Option<String>), Status> {
    let mut out = Vec::new();
    if outcome.error == 0 {
        codec::encode_single(1, f.result, outcome.value, &mut out)
            .map_err(|e| Status::internal(format!("cannot encode the result of {}: {e}", f.qualified())))?;
        return Ok((out.into(), None));
    }
    let desc = adt_desc(outcome.error);
    let Some(entry) = f.errors().iter().find(|e| std::ptr::eq(e.desc, desc)) else {
        let mut text = String::new();
        pluto_runtime::format::write_object(outcome.error, &mut text);
        return Err(Status::internal(format!("unhandled {text} escaped {}", f.qualified())));
    };
    let mut body = Vec::new();
    codec::encode_object(outcome.error, desc, &mut body)
        .map_err(|e| Status::internal(format!("cannot encode an error of {}: {e}", f.qualified())))?;
    prost::encoding::encode_key(entry.tag as u32, prost::encoding::WireType::LengthDelimited, &mut out);
    prost::encoding::encode_varint(body.len() as u64, &mut out);
    out.extend_from_slice(&body);
    Ok((out.into(), Some(pluto_runtime::value::cstr(desc.name).to_string())))
}
