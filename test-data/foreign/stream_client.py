"""A stock Python gRPC client reading a Pluto unit's server-streaming `pub fn`s, built
only from the unit's emitted `.proto`.

Usage: stream_client.py PROTO_DIR ADDRESS. Calls the `sensors` unit of
test-data/stages/streaming: reads a whole stream, gets the typed error raised before
the first item, reads an endless stream's first items and cancels it (the unit keeps
serving), and reads an empty stream.
"""

import sys

import grpc

from stubs import generate

proto_dir, address = sys.argv[1], sys.argv[2]
pb, rpc = generate(proto_dir, "sensors")

stub = rpc.SensorsStub(grpc.insecure_channel(address))

for message in stub.Readings(pb.SensorsReadingsRequest(count=4), timeout=10):
    print("reading:", message.WhichOneof("outcome"), message.ok.sensor, message.ok.value)

refused = list(stub.Readings(pb.SensorsReadingsRequest(count=5000), timeout=10))
print("too many:", len(refused), refused[0].WhichOneof("outcome"), refused[0].too_many.limit)

endless = stub.Forever(pb.SensorsForeverRequest(), timeout=10)
first = [next(endless).ok for _ in range(5)]
endless.cancel()
print("forever:", first)

print("nothing:", len(list(stub.Nothing(pb.SensorsNothingRequest(), timeout=10))))
again = [m.ok.value for m in stub.Readings(pb.SensorsReadingsRequest(count=3), timeout=10)]
print("still serving:", again)
