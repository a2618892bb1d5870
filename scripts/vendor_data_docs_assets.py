#!/usr/bin/env python
"""Fetch the files Data Docs load from the npm registry, at the pinned versions.

    python scripts/vendor_data_docs_assets.py           # write the vendored copies
    python scripts/vendor_data_docs_assets.py --check   # compare the committed copies

The copies go to ``include/elt/stages/validate/data_docs_vendor/``. Each tarball must match the
integrity pinned in ``include/elt/stages/validate/data_docs_assets.py`` (PACKAGES); only the
files listed there are kept. Standard library only; needs the registry, nothing else.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import sys
import tarfile
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from include.elt.stages.validate.data_docs_assets import PACKAGES, VENDOR, Package


def fetch(package: Package) -> dict[str, bytes]:
    with urllib.request.urlopen(package.tarball, timeout=60) as response:
        tarball = response.read()
    algorithm, expected = package.integrity.split("-", 1)
    digest = base64.b64encode(hashlib.new(algorithm, tarball).digest()).decode()
    if digest != expected:
        raise SystemExit(f"{package.tarball}: {algorithm} {digest}, pinned {expected}")
    files = {}
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
        for name in package.files:
            member = archive.extractfile(f"package/{name}")
            if member is None:
                raise SystemExit(f"{package.tarball} has no file {name}")
            files[f"{package.folder}/{name}"] = member.read()
    return files


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="compare, write nothing")
    args = parser.parse_args()
    wanted = {path: content for p in PACKAGES for path, content in fetch(p).items()}
    kept = {p.relative_to(VENDOR).as_posix() for p in VENDOR.rglob("*") if p.is_file()}
    differ = sorted(
        path
        for path, content in wanted.items()
        if not (VENDOR / path).is_file() or (VENDOR / path).read_bytes() != content
    )
    extra = sorted(kept - set(wanted))
    if args.check:
        for path in differ:
            print(f"differs from the registry: {path}")
        for path in extra:
            print(f"not pinned: {path}")
        return 1 if differ or extra else 0
    for path in extra:
        (VENDOR / path).unlink()
    for path in differ:
        (VENDOR / path).parent.mkdir(parents=True, exist_ok=True)
        (VENDOR / path).write_bytes(wanted[path])
    size = sum(len(c) for c in wanted.values())
    print(f"{len(wanted)} files of {len(PACKAGES)} packages, {size / 1e6:.2f} MB in {VENDOR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
