//! The runtime's table-driven protobuf codec against an independent implementation
//! (prost-reflect, over the descriptors `protox` compiles from the emitted `store.proto`):
//! random messages sent to a real Pluto unit (`store.echo` of
//! test-data/stages/wire_types) come back equal, in exactly as many bytes as prost encodes
//! them in; malformed, truncated, oversized and deeply nested payloads are refused with
//! `INVALID_ARGUMENT` (or tonic's size limit) and the unit keeps serving. A caller given
//! an answer that does not decode raises `DeserializationError`.

#[path = "support/pluto.rs"]
mod pluto_support;
#[path = "support/system.rs"]
mod system;

use std::path::Path;

use bytes::{Buf, BufMut, Bytes};
use proptest::prelude::*;
use protox::prost_reflect::{DescriptorPool, DynamicMessage, MapKey, MessageDescriptor, ReflectMessage, Value};
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};

#[derive(Clone, Copy, Default)]
struct RawCodec;

impl Codec for RawCodec {
    type Encode = Bytes;
    type Decode = Bytes;
    type Encoder = RawCodec;
    type Decoder = RawCodec;
    fn encoder(&mut self) -> RawCodec {
        RawCodec
    }
    fn decoder(&mut self) -> RawCodec {
        RawCodec
    }
}

impl Encoder for RawCodec {
    type Item = Bytes;
    type Error = tonic::Status;
    fn encode(&mut self, item: Bytes, dst: &mut EncodeBuf<'_>) -> Result<(), tonic::Status> {
        dst.put(item);
        Ok(())
    }
}

impl Decoder for RawCodec {
    type Item = Bytes;
    type Error = tonic::Status;
    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Bytes>, tonic::Status> {
        let n = src.remaining();
        Ok(Some(src.copy_to_bytes(n)))
    }
}

/// An order as proptest makes it.
#[derive(Clone, Debug)]
struct Order {
    id: String,
    items: Vec<(String, i64, Vec<String>)>,
    notes: Option<String>,
    counts: Vec<(String, i64)>,
    shape: u8,
    shape_numbers: (f64, i64, i64),
    flags: Vec<bool>,
    scores: Vec<f64>,
    parent: Option<Box<Order>>,
    done: bool,
    code: u32,
}

fn order(depth: u32) -> BoxedStrategy<Order> {
    let text = "[a-zé ]{0,8}";
    let base = (
        text,
        prop::collection::vec((text, any::<i64>(), prop::collection::vec(text, 0..3)), 0..4),
        prop::option::of(text),
        prop::collection::vec(("[a-z]{0,4}", any::<i64>()), 0..4),
        0u8..3,
        (-1e9f64..1e9, any::<i64>(), any::<i64>()),
        prop::collection::vec(any::<bool>(), 0..5),
        prop::collection::vec(-1e12f64..1e12, 0..5),
        any::<bool>(),
        0u32..256,
    );
    let inner = if depth == 0 { Just(None).boxed() } else { prop::option::of(order(depth - 1).prop_map(Box::new)).boxed() };
    (base, inner)
        .prop_map(|((id, items, notes, counts, shape, shape_numbers, flags, scores, done, code), parent)| Order {
            id,
            items,
            notes,
            counts,
            shape,
            shape_numbers,
            flags,
            scores,
            parent,
            done,
            code,
        })
        .boxed()
}

fn message(pool: &DescriptorPool, name: &str) -> DynamicMessage {
    DynamicMessage::new(pool.get_message_by_name(&format!("pluto.app.{name}")).unwrap())
}

fn to_dynamic(pool: &DescriptorPool, o: &Order) -> DynamicMessage {
    let mut m = message(pool, "Order");
    m.set_field_by_name("id", Value::String(o.id.clone()));
    let items = o
        .items
        .iter()
        .map(|(name, qty, tags)| {
            let mut item = message(pool, "Item");
            item.set_field_by_name("name", Value::String(name.clone()));
            item.set_field_by_name("qty", Value::I64(*qty));
            item.set_field_by_name("tags", Value::List(tags.iter().cloned().map(Value::String).collect()));
            Value::Message(item)
        })
        .collect();
    m.set_field_by_name("items", Value::List(items));
    if let Some(notes) = &o.notes {
        m.set_field_by_name("notes", Value::String(notes.clone()));
    }
    let counts = o.counts.iter().map(|(k, v)| (MapKey::String(k.clone()), Value::I64(*v))).collect();
    m.set_field_by_name("counts", Value::Map(counts));
    let mut shape = message(pool, "Shape");
    let (radius, w, h) = o.shape_numbers;
    match o.shape {
        0 => {
            let mut circle = message(pool, "ShapeCircle");
            circle.set_field_by_name("radius", Value::F64(radius));
            shape.set_field_by_name("circle", Value::Message(circle));
        }
        1 => {
            let mut rect = message(pool, "ShapeRect");
            rect.set_field_by_name("w", Value::I64(w));
            rect.set_field_by_name("h", Value::I64(h));
            shape.set_field_by_name("rect", Value::Message(rect));
        }
        _ => shape.set_field_by_name("dot", Value::Message(message(pool, "ShapeDot"))),
    }
    m.set_field_by_name("shape", Value::Message(shape));
    m.set_field_by_name("flags", Value::List(o.flags.iter().map(|b| Value::Bool(*b)).collect()));
    m.set_field_by_name("scores", Value::List(o.scores.iter().map(|f| Value::F64(*f)).collect()));
    if let Some(parent) = &o.parent {
        m.set_field_by_name("parent", Value::Message(to_dynamic(pool, parent)));
    }
    m.set_field_by_name("done", Value::Bool(o.done));
    m.set_field_by_name("code", Value::U32(o.code));
    m
}

/// `m` as it reads back from its own bytes, with proto3's implicit-presence fields that
/// hold their default cleared (set or not, they are the same message on the wire).
fn normalized(m: DynamicMessage) -> DynamicMessage {
    let bytes = prost::Message::encode_to_vec(&m);
    cleared(DynamicMessage::decode(m.descriptor(), bytes.as_slice()).expect("own bytes decode"))
}

fn cleared(mut m: DynamicMessage) -> DynamicMessage {
    fn value(v: Value) -> Value {
        match v {
            Value::Message(m) => Value::Message(cleared(m)),
            Value::List(items) => Value::List(items.into_iter().map(value).collect()),
            Value::Map(entries) => Value::Map(entries.into_iter().map(|(k, v)| (k, value(v))).collect()),
            other => other,
        }
    }
    for field in m.descriptor().fields() {
        if !m.has_field(&field) {
            continue;
        }
        let current = m.get_field(&field).into_owned();
        if !field.supports_presence() && current.is_default_for_field(&field) {
            m.clear_field(&field);
        } else {
            m.set_field(&field, value(current));
        }
    }
    m
}

struct Unit {
    _server: system::Server,
    runtime: tokio::runtime::Runtime,
    channel: tonic::transport::Channel,
    pool: DescriptorPool,
}

impl Unit {
    fn start(work: &Path) -> Unit {
        let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test-data/stages/wire_types");
        let build = system::compile_stages(&source, "app.pluto", &work.join("build"), &[]);
        let port = system::free_port();
        let server = system::Server::start(&build, "store", &system::wiring(&[("store".to_string(), port)].into()));
        let set = protox::compile(["store.proto"], [build.dir.join("store")]).expect("store.proto compiles");
        let pool = DescriptorPool::from_file_descriptor_set(set).unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let channel = runtime.block_on(async {
            tonic::transport::Endpoint::from_shared(format!("http://127.0.0.1:{port}")).unwrap().connect().await.unwrap()
        });
        Unit { _server: server, runtime, channel, pool }
    }

    /// Calls `/pluto.app.Store/<method>` with raw bytes.
    fn call(&self, method: &str, request: Vec<u8>) -> Result<Bytes, tonic::Status> {
        let path: tonic::codegen::http::uri::PathAndQuery = format!("/pluto.app.Store/{method}").parse().unwrap();
        self.runtime.block_on(async {
            let mut grpc = tonic::client::Grpc::new(self.channel.clone());
            grpc.ready().await.map_err(|e| tonic::Status::unavailable(e.to_string()))?;
            grpc.unary(tonic::Request::new(Bytes::from(request)), path, RawCodec).await.map(|r| r.into_inner())
        })
    }

    fn descriptor(&self, name: &str) -> MessageDescriptor {
        self.pool.get_message_by_name(&format!("pluto.app.{name}")).unwrap()
    }

    /// `store.echo(order)` round trip: the order that came back.
    fn echo(&self, order: &DynamicMessage) -> Result<DynamicMessage, tonic::Status> {
        let mut request = DynamicMessage::new(self.descriptor("StoreEchoRequest"));
        request.set_field_by_name("o", Value::Message(order.clone()));
        let answer = self.call("Echo", prost::Message::encode_to_vec(&request))?;
        let size = answer.len();
        let response = DynamicMessage::decode(self.descriptor("StoreEchoResponse"), answer).expect("the answer decodes");
        // The same message encoded by prost takes exactly as many bytes (packed repeated
        // scalars, defaults left out, the same varint widths).
        assert_eq!(size, prost::Message::encoded_len(&response), "Pluto's payload against prost's for {response}");
        match response.get_field_by_name("ok").map(|v| v.into_owned()) {
            Some(Value::Message(m)) => Ok(m),
            other => panic!("no `ok` in the answer: {other:?}"),
        }
    }

    /// A call that must work: the unit still serves.
    fn still_serves(&self) {
        let mut request = DynamicMessage::new(self.descriptor("StoreReserveRequest"));
        request.set_field_by_name("item", Value::String("ink".into()));
        request.set_field_by_name("wanted", Value::I64(2));
        let answer = self.call("Reserve", prost::Message::encode_to_vec(&request)).expect("the unit still serves");
        assert_eq!(&answer[..], &[0x08, 0x02], "ok = 2");
    }
}

#[test]
fn random_messages_round_trip_through_a_unit() {
    // Recursive strategies in a debug build need more than a test thread's stack.
    let run = std::thread::Builder::new().stack_size(64 << 20).spawn(|| {
        let work = pluto_support::workdir("codec-roundtrip");
        let unit = Unit::start(&work);
        let config = ProptestConfig { cases: 96, failure_persistence: None, ..ProptestConfig::default() };
        proptest!(config, |(o in order(2))| {
            let sent = to_dynamic(&unit.pool, &o);
            let back = unit.echo(&sent).expect("echo answers");
            // (DynamicMessage's Debug recurses through recursive descriptors: use text.)
            let (sent, back) = (normalized(sent), normalized(back));
            prop_assert!(back == sent, "sent\n{}\ngot back\n{}", sent, back);
        });
        let _ = std::fs::remove_dir_all(&work);
    });
    run.unwrap().join().unwrap();
}

#[test]
fn bad_payloads_are_refused_and_the_unit_keeps_serving() {
    let work = pluto_support::workdir("codec-bad");
    let unit = Unit::start(&work);
    let invalid = |bytes: Vec<u8>, why: &str| {
        let status = unit.call("Echo", bytes).expect_err(why);
        assert_eq!(status.code(), tonic::Code::InvalidArgument, "{why}: {status:?}");
    };
    // A length running past the end, a truncated varint, a group, a wrong wire type, a
    // string that is not UTF-8, a byte out of range.
    invalid(vec![0x0a, 0x40, 0x01], "a length past the end");
    invalid(vec![0x0a, 0x02, 0x10, 0xff], "a truncated varint");
    invalid(vec![0x0b], "a group");
    invalid(vec![0x09, 0, 0, 0, 0, 0, 0, 0, 0], "fixed64 where a message is expected");
    invalid(vec![0x0a, 0x03, 0x0a, 0x01, 0xff], "a string that is not UTF-8");
    invalid(vec![0x0a, 0x03, 0x50, 0x80, 0x02], "a byte out of range (256)");
    // Nested 150 deep through `parent` (protobuf's limit is 100).
    let mut deep = message(&unit.pool, "Order");
    for _ in 0..150 {
        let mut outer = message(&unit.pool, "Order");
        outer.set_field_by_name("parent", Value::Message(deep));
        deep = outer;
    }
    let mut request = DynamicMessage::new(unit.descriptor("StoreEchoRequest"));
    request.set_field_by_name("o", Value::Message(deep));
    invalid(prost::Message::encode_to_vec(&request), "nested 150 deep");
    unit.still_serves();
    // Every prefix of a valid request: refused or (cut at a field boundary) answered.
    let mut rng_order = message(&unit.pool, "Order");
    rng_order.set_field_by_name("id", Value::String("o-1".into()));
    rng_order.set_field_by_name("notes", Value::String("a note".into()));
    rng_order.set_field_by_name("scores", Value::List(vec![Value::F64(1.5), Value::F64(-2.0)]));
    let mut request = DynamicMessage::new(unit.descriptor("StoreEchoRequest"));
    request.set_field_by_name("o", Value::Message(rng_order));
    let full = prost::Message::encode_to_vec(&request);
    for cut in 0..full.len() {
        match unit.call("Echo", full[..cut].to_vec()) {
            Ok(_) => {}
            Err(status) => assert_eq!(status.code(), tonic::Code::InvalidArgument, "prefix {cut}: {status:?}"),
        }
    }
    // Larger than gRPC's default 4 MB limit.
    let status = unit.call("Echo", vec![0x0a; 5 << 20]).expect_err("oversized");
    assert!(
        matches!(status.code(), tonic::Code::ResourceExhausted | tonic::Code::OutOfRange | tonic::Code::InvalidArgument),
        "{status:?}"
    );
    unit.still_serves();
    let _ = std::fs::remove_dir_all(&work);
}

/// A server answering `ledger.balance` (of test-data/faults) with bytes that are not its
/// response: the Pluto caller raises `DeserializationError` saying why, and does not crash.
#[test]
fn an_undecodable_answer_is_a_deserialization_error() {
    #[derive(Clone)]
    struct Garbage(&'static [u8]);
    struct Answer(&'static [u8]);
    impl tonic::server::UnaryService<Bytes> for Answer {
        type Response = Bytes;
        type Future = std::future::Ready<Result<tonic::Response<Bytes>, tonic::Status>>;
        fn call(&mut self, _: tonic::Request<Bytes>) -> Self::Future {
            std::future::ready(Ok(tonic::Response::new(Bytes::from_static(self.0))))
        }
    }
    impl tonic::server::NamedService for Garbage {
        const NAME: &'static str = "pluto.app.Ledger";
    }
    impl tonic::codegen::Service<tonic::codegen::http::Request<tonic::body::Body>> for Garbage {
        type Response = tonic::codegen::http::Response<tonic::body::Body>;
        type Error = std::convert::Infallible;
        type Future = tonic::codegen::BoxFuture<Self::Response, Self::Error>;
        fn poll_ready(&mut self, _: &mut std::task::Context<'_>) -> std::task::Poll<Result<(), Self::Error>> {
            std::task::Poll::Ready(Ok(()))
        }
        fn call(&mut self, request: tonic::codegen::http::Request<tonic::body::Body>) -> Self::Future {
            let answer = self.0;
            Box::pin(async move { Ok(tonic::server::Grpc::new(RawCodec).unary(Answer(answer), request).await) })
        }
    }
    let work = pluto_support::workdir("codec-garbage");
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test-data/faults");
    let build = system::compile_stages(&source, "app.pluto", &work.join("build"), &[]);
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    // A truncated varint in `ok`; a length past the end; an outcome no version has.
    for (answer, why) in [
        (&[0x08u8, 0xff][..], "truncated"),
        (&[0x0a, 0x40, 0x01][..], "past the end"),
        (&[0xb8, 0x01, 0x01][..], "unknown outcome"),
    ] {
        let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
        let port = listener.local_addr().unwrap().port();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = runtime.spawn(
            tonic::transport::Server::builder().add_service(Garbage(answer)).serve_with_incoming_shutdown(
                tokio_stream::wrappers::TcpListenerStream::new(listener),
                async {
                    let _ = stopped.await;
                },
            ),
        );
        let env = [("PLUTO_STAGE_LEDGER_ENDPOINT".to_string(), format!("http://127.0.0.1:{port}"))];
        let out = system::run_unit(&build, "report", &env, std::time::Duration::from_secs(60));
        let printed = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(out.status.success(), "{why}: {printed}{}", String::from_utf8_lossy(&out.stderr));
        assert!(
            printed.starts_with("DeserializationError: cannot decode the answer of ledger.balance"),
            "{why}: {printed}"
        );
        let _ = stop.send(());
        let _ = runtime.block_on(server);
    }
    let _ = std::fs::remove_dir_all(&work);
}
