"""Python stubs of a Pluto unit, generated with grpcio-tools from only its emitted `.proto`
(what the foreign-client scripts beside this file share)."""

import importlib
import sys
import tempfile

from grpc_tools import protoc


def generate(proto_dir, unit):
    """Compiles `<proto_dir>/<unit>.proto`; returns its message and service modules."""
    out = tempfile.mkdtemp()
    status = protoc.main(["protoc", f"-I{proto_dir}", f"--python_out={out}", f"--grpc_python_out={out}", f"{unit}.proto"])
    assert status == 0, f"protoc failed with {status}"
    sys.path.insert(0, out)
    return importlib.import_module(f"{unit}_pb2"), importlib.import_module(f"{unit}_pb2_grpc")
