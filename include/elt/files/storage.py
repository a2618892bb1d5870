"""Where run folders, reports and Data Docs live: one base location, local or in an object store.

``ELT_DATA_URL`` names it, e.g. ``s3://bucket/prefix`` for several hosts; unset, it is the local
folder ``ELT_DATA_DIR`` (default ``./data``), as it always was. A local base is a
:class:`pathlib.Path`; an object store's is a ``UPath`` (universal_pathlib over fsspec, what
Airflow's ``ObjectStoragePath`` builds on). Both join with ``/`` and open, read, write, list and
``stat`` alike, so the stages rarely ask which one they hold. Where an object store differs:

- it has no rename: a run folder is complete once its ``manifest.json`` is there, and that is
  written last (:mod:`include.elt.stages.generate`); :func:`replacing` makes each file appear
  whole;
- it cannot append: logs stay local (:func:`log_dir`);
- Great Expectations needs a folder on disk: :mod:`include.elt.stages.validate.data_docs` works
  in a local copy, brought up to date by :func:`pull` and sent back by :func:`push`.

A run's folder is ``runs/<domain>/<run>``, its name made safe from any run id (:func:`run_folder`).

Reading an object streams it in ranged requests (:func:`open_read`), never as a whole download.
S3 (s3fs) takes its credentials and endpoint from the standard AWS variables, as botocore reads
them: ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_DEFAULT_REGION``, and
``AWS_ENDPOINT_URL_S3`` for an S3-compatible store (MinIO, a test server).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Union

from include.elt.core.errors import PlanError
from include.elt.core.paths import REPO_ROOT

if TYPE_CHECKING:
    from upath import UPath

# A local folder or file, or an object store's (upath is imported only when one is used).
Location = Union[Path, "UPath"]

DATA_URL_ENV = "ELT_DATA_URL"
DATA_DIR_ENV = "ELT_DATA_DIR"
LOG_DIR_ENV = "ELT_LOG_DIR"
READ_BLOCK_BYTES = 8 << 20  # an object is read in ranged requests of this size
_UNSAFE = re.compile(r"[^A-Za-z0-9_.:+-]")


def local_data_dir() -> Path:
    return Path(os.environ.get(DATA_DIR_ENV) or REPO_ROOT / "data")


def data_root() -> Location:
    """The base location: ``ELT_DATA_URL``, or the local data folder."""
    url = os.environ.get(DATA_URL_ENV)
    return location(url) if url else local_data_dir()


def location(where: str | Location) -> Location:
    """A path or URL as a location: a :class:`Path` if it is local, else a ``UPath``."""
    if not isinstance(where, str):
        return where
    if where.startswith("file://"):
        return Path(where.removeprefix("file://"))
    if "://" not in where:
        return Path(where)
    from upath import UPath

    # Other hosts and processes write the same base: never answer from a remembered listing.
    return UPath(where, use_listings_cache=False)


def is_local(where: Location) -> bool:
    return isinstance(where, Path)


def safe_name(run_id: str) -> str:
    """A file name for a run id: the id itself when it is a plain name, else the id with
    other characters replaced and a short hash of it appended (so two ids never share one,
    and no id is ``.``, ``..``, hidden or a path)."""
    if not run_id:
        raise PlanError("a run needs a run id")
    name = _UNSAFE.sub("_", run_id)[:100]
    if name != run_id or name.startswith("."):
        name = f"{name}-{hashlib.sha256(run_id.encode()).hexdigest()[:8]}"
    return name


def run_folder(base: Location, domain: str, run_id: str) -> Location:
    """Where a run's generated files go: ``runs/<domain>/<safe name of the run>`` under
    ``base``."""
    runs = (base / "runs" / domain).resolve()
    folder = (runs / safe_name(run_id)).resolve()
    if folder.parent != runs:  # cannot happen with a safe name: a last guard all the same
        raise PlanError(f"run id {run_id!r} would write outside {runs}")
    return folder


def log_dir(base: Location) -> Path:
    """Where logs are appended, always on local disk: ``ELT_LOG_DIR``, else ``logs/`` in a local
    base, else (an object store cannot append) the repository's ``logs/elt/``, which in the
    image is the Airflow logs volume."""
    configured = os.environ.get(LOG_DIR_ENV)
    if configured:
        return Path(configured)
    return base / "logs" if is_local(base) else REPO_ROOT / "logs" / "elt"


def open_read(path: Location) -> BinaryIO:
    """The file or object as a seekable binary stream; an object is fetched in ranges of
    ``READ_BLOCK_BYTES`` as the reader goes."""
    if is_local(path):
        return path.open("rb")
    return path.fs.open(path.path, "rb", block_size=READ_BLOCK_BYTES, cache_type="readahead")


@contextmanager
def replacing(path: Location) -> Iterator[BinaryIO]:
    """A binary stream whose content replaces ``path`` whole when the block ends without error;
    on error ``path`` is left as it was.

    A local file is written beside it and renamed. An object appears when its upload completes
    (one PUT, or a multipart upload's completion), so on error the upload is abandoned instead.
    """
    if is_local(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        try:
            with partial.open("wb") as f:
                yield f
            partial.replace(path)
        finally:
            partial.unlink(missing_ok=True)
        return
    f = path.fs.open(path.path, "wb")
    try:
        yield f
    except BaseException:
        f.discard()  # aborts a multipart upload already begun
        f.closed = True  # closing would upload what was written so far
        raise
    f.close()


def remove_tree(path: Location) -> None:
    """Delete a folder (or every object under a prefix) and what it holds, if it exists."""
    if is_local(path):
        shutil.rmtree(path, ignore_errors=True)
    elif path.exists():
        path.fs.rm(path.path, recursive=True)


def written_under(folder: Location) -> tuple[float | None, int]:
    """When anything under a folder (or prefix) was last written, as a POSIX time (None: a
    prefix that holds nothing), and how many bytes it holds."""
    if is_local(folder):
        stats = [p.stat() for p in folder.rglob("*") if p.is_file()]
        sizes, times = [s.st_size for s in stats], [s.st_mtime for s in stats]
        # an empty folder is a run about to write into it, or one long gone: its own time says
        times = times or [folder.stat().st_mtime]
    else:
        infos = list(_objects(folder).values())
        sizes = [int(i.get("size") or 0) for i in infos]
        times = [t for t in (_modified(i) for i in infos) if t is not None]
    return (max(times) if times else None), sum(sizes)


# --- a local copy of part of an object store ---------------------------------------------------


def files_under(folder: Path) -> dict[str, tuple[int, int]]:
    """Each file under a local folder by its path relative to it: (size, mtime in ns)."""
    if not folder.is_dir():
        return {}
    found = {}
    for path in folder.rglob("*"):
        if path.is_file():
            stat = path.stat()
            found[path.relative_to(folder).as_posix()] = (stat.st_size, stat.st_mtime_ns)
    return found


def pull(remote: UPath, local: Path) -> int:
    """Make ``local`` hold what is under ``remote``: download each object it lacks, holds at
    another size, or holds from before the object was last written (the file then takes the
    object's time); delete the files no object matches. Returns the objects downloaded."""
    objects = _objects(remote)
    held = _drop_unmatched(local, objects)
    wanted = [name for name, info in objects.items() if _outdated(held.get(name), info)]
    if wanted:
        prefix = _prefix(remote)
        for name in wanted:
            (local / name).parent.mkdir(parents=True, exist_ok=True)
        remote.fs.get([prefix + n for n in wanted], [str(local / n) for n in wanted])
        for name in wanted:
            written = _modified(objects[name])
            if written is not None:
                os.utime(local / name, (written, written))
    return len(wanted)


def pull_names(remote: UPath, local: Path, *, skip: tuple[str, ...] = ()) -> None:
    """Make ``local`` hold a file for each object under ``remote``, an empty one where it has
    none, and no other; paths starting with one of ``skip`` are left alone."""
    objects = _objects(remote, skip)
    held = _drop_unmatched(local, objects, skip)
    for name in objects.keys() - held.keys():
        (local / name).parent.mkdir(parents=True, exist_ok=True)
        (local / name).touch()


def push(
    local: Path, remote: UPath, before: dict[str, tuple[int, int]], *, skip: tuple[str, ...] = ()
) -> int:
    """Upload the files under ``local`` that are new or changed since ``before`` (a
    :func:`files_under` of it) and delete the objects of files gone since; paths starting with
    one of ``skip`` are left alone. Returns the files uploaded."""
    prefix = _prefix(remote)
    after = files_under(local)
    changed = [n for n, stamp in after.items() if before.get(n) != stamp and not n.startswith(skip)]
    gone = [prefix + n for n in before.keys() - after.keys() if not n.startswith(skip)]
    if changed:
        remote.fs.put([str(local / n) for n in changed], [prefix + n for n in changed])
        for name in changed:  # as new as its object now: the next pull leaves it
            os.utime(local / name)
    if gone:
        remote.fs.rm(gone)
    return len(changed)


def _prefix(remote: UPath) -> str:
    """The key prefix of everything under ``remote`` (its path and a slash)."""
    return remote.path.rstrip("/") + "/"


def _objects(remote: UPath, skip: tuple[str, ...] = ()) -> dict[str, dict]:
    """The objects under ``remote`` by their path below it, with what the store says of them."""
    prefix = _prefix(remote)
    return {
        key[len(prefix) :]: info
        for key, info in remote.fs.find(remote.path, detail=True).items()
        if info["type"] == "file"
        and key.startswith(prefix)
        and not key[len(prefix) :].startswith(skip)
    }


def _drop_unmatched(local: Path, objects: dict, skip: tuple[str, ...] = ()) -> dict:
    """Delete the files under ``local`` that no object matches; :func:`files_under` the rest."""
    held = {n: stamp for n, stamp in files_under(local).items() if not n.startswith(skip)}
    for name in held.keys() - objects.keys():
        (local / name).unlink()
        del held[name]
    return held


def _outdated(held: tuple[int, int] | None, info: dict) -> bool:
    written = _modified(info)
    return (
        held is None or held[0] != info["size"] or (written is not None and written > held[1] / 1e9)
    )


def _modified(info: dict) -> float | None:
    """When an object was last written, if its store says (s3fs: ``LastModified``)."""
    value = info.get("LastModified") or info.get("mtime")
    if isinstance(value, datetime):
        return value.timestamp()
    return float(value) if isinstance(value, int | float) else None
