"""A stock Python gRPC client reading a Pluto unit's server-streaming `pub fn`s, built
only from the unit's emitted `.proto`.

Usage: stream_client.py PROTO_DIR ADDRESS. Calls the `sensors` unit of
test-data/stages/streaming: reads a whole stream, gets the typed error raised before
the first item, reads an endless stream's first items and cancels it (the unit keeps
serving), and reads an empty stream.
"""

import importlib
import sys
import tempfile

import grpc
from grpc_tools import protoc

proto_dir, address = sys.argv[1], sys.argv[2]
out = tempfile.mkdtemp()
status = protoc.main(["protoc", f"-I{proto_dir}", f"--python_out={out}", f"--grpc_python_out={out}", "sensors.proto"])
assert status == 0, f"protoc failed with {status}"
sys.path.insert(0, out)
pb = importlib.import_module("sensors_pb2")
rpc = importlib.import_module("sensors_pb2_grpc")

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
