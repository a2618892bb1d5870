"""The manifest of a run folder: what one generate run wrote, and the input of its load.

A run folder is complete when its ``manifest.json`` is there: ``generate`` writes it last. It
names each file beside it (never a path elsewhere), the rows each holds and the days they
cover, and the plan the run was generated under, so a load without a recorded plan (after an
offline ``generate``) records that one.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

from include.elt.core.days import Days
from include.elt.core.errors import FinalError
from include.elt.core.runs import RunPlan, World
from include.elt.files import storage

MANIFEST = "manifest.json"


class ManifestError(FinalError, ValueError):
    """A run folder's manifest is missing or wrong; the message names it."""


@dataclass(frozen=True)
class FileEntry:
    dataset: str
    file: str
    rows: int
    first_day: str | None
    last_day: str | None
    # Days from here on are loaded as one partition each; earlier days (the history before the
    # window, written when a run opens the history) as one partition.
    daily_from: str | None = None
    # The domain's designed row count for the file's days (None: it declares none).
    expected_rows: float | None = None

    @property
    def days(self) -> Days | None:
        """The days the file holds (``None``: a whole reference table)."""
        if self.first_day is None:
            return None
        return Days(date.fromisoformat(self.first_day), date.fromisoformat(self.last_day))


@dataclass(frozen=True)
class Manifest:
    """What one generate run wrote: the input of the load stage."""

    domain: str
    window: str
    scale: str
    seed: int
    files: tuple[FileEntry, ...]
    folder: str
    volumes: dict[str, int] | None = None
    run_type: str = "manual"
    opens_history: bool = True
    replace_history: bool = False
    full_refresh: bool = False

    @property
    def world(self) -> World:
        """What makes two runs' rows compatible: scale (with any explicit volumes) and seed."""
        return World.of(self.scale, self.seed, self.volumes)

    @property
    def plan(self) -> RunPlan:
        start, end = (date.fromisoformat(d) for d in self.window.split(".."))
        return RunPlan(
            self.run_type,
            Days(start, end),
            self.world,
            self.opens_history,
            self.replace_history,
            self.full_refresh,
        )

    @classmethod
    def read(cls, folder: storage.Location) -> Manifest:
        path = storage.location(folder) / MANIFEST
        if not path.is_file():
            raise ManifestError(
                f"no {MANIFEST} in {folder}: run the generate stage for this run first"
            )
        raw = json.loads(path.read_text())
        files = tuple(FileEntry(**f) for f in raw.pop("files"))
        for entry in files:  # the manifest names files beside it, never a path elsewhere
            if Path(entry.file).name != entry.file or entry.file.startswith("."):
                raise ManifestError(f"{path}: {entry.dataset} names the file {entry.file!r}")
        return cls(files=files, folder=str(folder), **raw)

    def path_of(self, entry: FileEntry) -> storage.Location:
        return storage.location(self.folder) / entry.file

    def write(self, folder: storage.Location) -> None:
        """Write it into ``folder`` (it names the files beside it; the folder is not kept)."""
        payload = asdict(self)
        payload.pop("folder")
        (storage.location(folder) / MANIFEST).write_text(json.dumps(payload, indent=2) + "\n")
