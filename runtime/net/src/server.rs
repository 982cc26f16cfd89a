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

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use pluto_runtime::value::{Word, adt_desc};
use tonic::{Status, server::UnaryService};

use crate::{codec, observe};
use crate::desc::RemoteFn;
use crate::wire::{BytesCodec, CHAIN_HEADER, FINGERPRINT_HEADER};

/// A function this process serves, with the lock of its unit.
#[derive(Clone, Copy)]
pub struct Served {
    pub f: &'static RemoteFn,
    pub lock: &'static pluto_runtime::locks::UnitLock,
}

/// The routes of the units served on one address, by path.
#[derive(Clone, Default)]
pub struct Methods {
    pub by_path: Arc<HashMap<String, Served>>,
}

impl tower::Service<http::Request<tonic::body::Body>> for Methods {
    type Response = http::Response<tonic::body::Body>;
    type Error = Infallible;
    type Future = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _: &mut std::task::Context<'_>) -> std::task::Poll<Result<(), Infallible>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<tonic::body::Body>) -> Self::Future {
        let served = self.by_path.get(request.uri().path()).copied();
        let path = request.uri().path().to_string();
        Box::pin(async move {
            let Some(served) = served else {
                return Ok(Status::unimplemented(format!("this unit serves no method {path}")).into_http());
            };
            let mut grpc = tonic::server::Grpc::new(BytesCodec);
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
            let metadata = request.metadata();
            if let Some(theirs) = metadata.get(FINGERPRINT_HEADER).and_then(|v| v.to_str().ok()) {
                let ours = format!("{:016x}", served.f.fingerprint);
                if theirs != ours {
                    return Err(Status::failed_precondition(format!(
                        "version skew: `{}` here has interface fingerprint {ours}, the caller was built against {theirs}; rebuild and redeploy both",
                        served.f.qualified()
                    )));
                }
            }
            let chain = metadata.get(CHAIN_HEADER).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
            let trace = metadata.get("traceparent").and_then(|v| v.to_str().ok()).and_then(observe::parse_traceparent);
            let deadline = metadata
                .get("grpc-timeout")
                .and_then(|v| v.to_str().ok())
                .and_then(parse_grpc_timeout)
                .map(|t| Instant::now() + t);
            let bytes = request.into_inner();
            let answer = crate::workers::run(move || serve(served, &bytes, chain, deadline, trace)).await;
            match answer {
                Some(result) => result.map(tonic::Response::new),
                None => Err(Status::internal("the worker running the call ended")),
            }
        })
    }
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
fn serve(
    served: Served,
    request: &[u8],
    chain: Option<u64>,
    deadline: Option<Instant>,
    trace: Option<observe::Span>,
) -> Result<Bytes, Status> {
    let started = Instant::now();
    let (span, previous_span) = observe::enter_served(trace);
    let previous_chain = pluto_runtime::locks::enter_chain(chain.unwrap_or(0));
    let previous_deadline = crate::client::enter_deadline(deadline);
    let outcome = pluto_runtime::boundary::run(|| {
        pluto_runtime::locks::lock(served.lock);
        let result = call(served.f, request);
        pluto_runtime::locks::unlock(served.lock);
        result
    });
    crate::client::enter_deadline(previous_deadline);
    pluto_runtime::locks::enter_chain(previous_chain);
    observe::leave_served(previous_span);
    ANSWERED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let result = match outcome {
        Ok(result) => result,
        Err(fault) => Err(Status::internal(pluto_runtime::boundary::ended_call(&served.f.qualified(), &fault))),
    };
    let elapsed = started.elapsed();
    let (label, error) = match &result {
        Ok((_, None)) => ("ok", None),
        Ok((_, Some(error))) => ("error", Some(error.as_str())),
        Err(status) if status.code() == tonic::Code::Internal => ("fault", None),
        Err(_) => ("invalid", None),
    };
    observe::record(served.f.unit(), served.f.method(), label, error, elapsed);
    if observe::logging() {
        let text = match &result {
            Ok((_, None)) => "ok".to_string(),
            Ok((_, Some(error))) => format!("error {error}"),
            Err(status) if status.code() == tonic::Code::Internal => format!("fault: {}", status.message()),
            Err(status) => format!("{:?}: {}", status.code(), status.message()),
        };
        observe::log_call("server", served.f.unit(), served.f.method(), span, &text, elapsed);
    }
    result.map(|(bytes, _)| bytes)
}

/// Decodes the arguments, calls the function and encodes its outcome; the error's type
/// when it raised one.
fn call(f: &'static RemoteFn, request: &[u8]) -> Result<(Bytes, Option<String>), Status> {
    let params = f.params();
    let args = pluto_runtime::gc::pluto_alloc((params.len().max(1) * 8) as i64) as Word;
    codec::decode_fields(request, params, args)
        .map_err(|e| Status::invalid_argument(format!("cannot decode the request to {}: {e}", f.qualified())))?;
    let Some(handler) = f.handler else { return Err(Status::unimplemented("not served here")) };
    let outcome = handler(args as *const Word);
    std::hint::black_box(args);
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
