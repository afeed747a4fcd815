"""Compile flightdeck's own .proto files against the installed flyteidl.

The flyteidl wheel ships generated Python only, so the .proto sources it was built from are
rebuilt here as a FileDescriptorSet taken from the modules' embedded descriptors and handed to
protoc with --descriptor_set_in. Run through `make proto`; `--check` fails when the committed
generated code differs from what this generator produces (used by `make lint` and CI).
"""

from __future__ import annotations

import argparse
import filecmp
import importlib
import pkgutil
import shutil
import sys
import tempfile
from pathlib import Path

import flyteidl
from google.protobuf import descriptor_pb2
from google.protobuf.descriptor import FileDescriptor
from grpc_tools import protoc

LIB_ROOT = Path(__file__).resolve().parents[1]
PROTO_ROOT = LIB_ROOT / "proto"
OUTPUT_ROOT = LIB_ROOT / "src"
GENERATED_PACKAGE = OUTPUT_ROOT / "flightdeck_proto" / "gen"


def flyteidl_file_descriptors() -> list[FileDescriptor]:
    roots: list[FileDescriptor] = []
    for module in pkgutil.walk_packages(flyteidl.__path__, prefix="flyteidl."):
        if module.name.endswith("_pb2"):
            roots.append(importlib.import_module(module.name).DESCRIPTOR)
    roots.append(importlib.import_module("google.api.annotations_pb2").DESCRIPTOR)
    return roots


def descriptor_set(roots: list[FileDescriptor]) -> descriptor_pb2.FileDescriptorSet:
    """Dependencies come before dependants, as protoc expects."""
    ordered: dict[str, FileDescriptor] = {}

    def visit(file: FileDescriptor) -> None:
        if file.name in ordered:
            return
        for dependency in file.dependencies:
            visit(dependency)
        ordered[file.name] = file

    for root in roots:
        visit(root)
    result = descriptor_pb2.FileDescriptorSet()
    for file in ordered.values():
        file.CopyToProto(result.file.add())
    return result


def own_proto_files() -> list[str]:
    return sorted(str(p.relative_to(PROTO_ROOT)) for p in PROTO_ROOT.rglob("*.proto"))


def compile_into(output: Path) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        descriptor_file = Path(scratch) / "flyteidl.pb"
        descriptor_file.write_bytes(descriptor_set(flyteidl_file_descriptors()).SerializeToString())
        args = [
            "grpc_tools.protoc",
            f"--descriptor_set_in={descriptor_file}",
            f"-I{PROTO_ROOT}",
            f"--python_out={output}",
            f"--pyi_out={output}",
            f"--grpc_python_out={output}",
            *own_proto_files(),
        ]
        if protoc.main(args) != 0:
            raise SystemExit("protoc failed")
    for directory in (output / "flightdeck_proto" / "gen").rglob("*"):
        if directory.is_dir():
            (directory / "__init__.py").touch()
    (output / "flightdeck_proto" / "gen" / "__init__.py").touch()


def differences(left: Path, right: Path) -> list[str]:
    found: list[str] = []
    comparison = filecmp.dircmp(left, right, ignore=["__pycache__"])
    found += [f"only in committed: {n}" for n in comparison.left_only]
    found += [f"only in fresh: {n}" for n in comparison.right_only]
    found += [f"differs: {n}" for n in comparison.diff_files]
    for name in comparison.common_dirs:
        found += differences(left / name, right / name)
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if generated code is stale")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as fresh:
        compile_into(Path(fresh))
        fresh_package = Path(fresh) / "flightdeck_proto" / "gen"
        if args.check:
            stale = differences(GENERATED_PACKAGE, fresh_package)
            for line in stale:
                print(f"generated code out of date: {line}", file=sys.stderr)
            return 1 if stale else 0
        shutil.rmtree(GENERATED_PACKAGE, ignore_errors=True)
        shutil.copytree(fresh_package, GENERATED_PACKAGE)
    print(f"generated {len(own_proto_files())} proto files into {GENERATED_PACKAGE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
