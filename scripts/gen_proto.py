"""Generate the Python gRPC code for every contract under proto/ (make proto). Never edit the output by hand."""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path

from grpc_tools import protoc

ROOT = Path(__file__).resolve().parent.parent / "proto"


def main() -> int:
    protos = sorted(str(p.relative_to(ROOT)) for p in ROOT.rglob("*.proto"))
    include = str(resources.files("grpc_tools") / "_proto")
    for generated in ROOT.rglob("*_pb2*.py*"):
        generated.unlink()
    code = protoc.main(
        [
            "grpc_tools.protoc",
            f"-I{ROOT}",
            f"-I{include}",
            f"--python_out={ROOT}",
            f"--pyi_out={ROOT}",
            f"--grpc_python_out={ROOT}",
            *protos,
        ]
    )
    for folder in {(ROOT / p).parent for p in protos}:
        for part in (folder, *folder.parents):
            if part == ROOT:
                break
            (part / "__init__.py").touch()
    return code


if __name__ == "__main__":
    sys.exit(main())
