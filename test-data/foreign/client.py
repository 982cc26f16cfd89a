"""A stock Python gRPC client of a Pluto unit, built only from the unit's emitted `.proto`.

Usage: client.py PROTO_DIR ADDRESS. Generates the Python stubs with grpcio-tools, then
calls the `store` unit of test-data/stages/wire_types: a result, a typed error, health,
reflection, and malformed requests (after which the unit must still answer).
"""

import sys

import grpc

from stubs import generate

proto_dir, address = sys.argv[1], sys.argv[2]
pb, rpc = generate(proto_dir, "store")

channel = grpc.insecure_channel(address)
stub = rpc.StoreStub(channel)

ok = stub.Reserve(pb.StoreReserveRequest(item="ink", wanted=2), timeout=10)
print("reserve ink:", ok.WhichOneof("outcome"), ok.ok)

failed = stub.Reserve(pb.StoreReserveRequest(item="pen", wanted=9), timeout=10)
which = failed.WhichOneof("outcome")
error = getattr(failed, which)
print("reserve pen:", which, error.item, error.wanted)

shape = pb.Shape(rect=pb.ShapeRect(w=2, h=5))
described = stub.Describe(pb.StoreDescribeRequest(s=shape, ids=[4, 5], by_id={1: "a"}, maybe=7), timeout=10)
print("describe:", described.ok)

order = pb.Order(id="o-9", items=[pb.Item(name="cup", qty=3, tags=["x"])], notes="n", shape=pb.Shape(dot=pb.ShapeDot()))
echoed = stub.Echo(pb.StoreEchoRequest(o=order), timeout=10)
print("echo:", echoed.ok.id, echoed.ok.items[0].name, echoed.ok.items[0].qty, echoed.ok.notes, echoed.ok.shape.WhichOneof("variant"))

raw = lambda b: b

# The bytes Pluto writes for a message equal protobuf's own encoding of it (here Python's
# upb, which writes what prost writes): the echoed order comes back byte for byte.
typical = pb.Order(
    id="o-1",
    items=[pb.Item(name="pen", qty=2, tags=["blue", "fine"]), pb.Item(name="ink", qty=1)],
    notes="fragile",
    counts={"a": 1},
    shape=pb.Shape(rect=pb.ShapeRect(w=3, h=-4)),
    flags=[True, False],
    scores=[0.5, -1.25],
    done=True,
    code=200,
)
echo_raw = channel.unary_unary("/pluto.app.Store/Echo", request_serializer=raw, response_deserializer=raw)
answer = echo_raw(pb.StoreEchoRequest(o=typical).SerializeToString(), timeout=10)
expected = typical.SerializeToString()
print("payload equal:", answer == b"\x0a" + bytes([len(expected)]) + expected, f"({len(expected)} bytes)")
health = channel.unary_unary("/grpc.health.v1.Health/Check", request_serializer=raw, response_deserializer=raw)
service = b"pluto.app.Store"
print("health:", health(b"\x0a" + bytes([len(service)]) + service, timeout=10) == b"\x08\x01")

reflection = channel.stream_stream(
    "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo", request_serializer=raw, response_deserializer=raw
)
listing = b"".join(reflection(iter([b"\x3a\x00"]), timeout=10))
print("reflection lists the service:", service in listing)

reserve = channel.unary_unary("/pluto.app.Store/Reserve", request_serializer=raw, response_deserializer=raw)
for garbage in [b"\xff\xff\xff", b"\x0a\x64abc", b"\x10"]:
    try:
        reserve(garbage, timeout=10)
        print("garbage accepted")
    except grpc.RpcError as e:
        print("garbage:", e.code().name)

unknown = channel.unary_unary("/pluto.app.Store/NoSuchMethod", request_serializer=raw, response_deserializer=raw)
try:
    unknown(b"", timeout=10)
except grpc.RpcError as e:
    print("unknown method:", e.code().name)

again = stub.Reserve(pb.StoreReserveRequest(item="ink", wanted=1), timeout=10)
print("still serving:", again.ok)
