"""Docker for the compose test: an engine, Compose v2, and the images the compose files name.

- **Engine**: the machine's, if one answers; else, as root with Debian's ``docker.io``
  installed, a ``dockerd`` the test session starts and stops by its pid. Nothing is skipped:
  without an engine the test fails and says what to install.
- **Images**: each image the project's Dockerfile and compose files name (today
  ``apache/airflow:3.3.2-python3.11``, ``postgres:15.8``, ``redis:7.0.15``) is pulled where a
  registry answers. Where none does, a local stand-in is built under the same tag from
  ``tests/compose/images/<name>/``, on a Debian base made by ``debootstrap`` from the machine's
  Debian mirror; the project's Dockerfile and compose files are used unchanged either way.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
STANDINS = Path(__file__).parent / "images"
COMPOSE_FILES = (REPO / "docker-compose.yml", REPO / "docker-compose.celery.yml")
BASE_IMAGE = "elt-standin/debian:bookworm"
# Marks a stand-in image with the digest of what it was built from, so an unchanged one is reused.
STANDIN_LABEL = "org.elt-platform.standin"
# Only this machine kind's HTTPS interception needs it: pip inside the Airflow stand-in's build.
HOST_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")


class DockerUnavailable(RuntimeError):
    """No engine, or no Compose v2: the message says what to install."""


def run(*args: str, timeout: float = 900, check: bool = True, **kwargs) -> str:
    result = subprocess.run(
        args, capture_output=True, text=True, timeout=timeout, check=False, **kwargs
    )
    if check and result.returncode:
        raise RuntimeError(
            f"{' '.join(args)} exited with {result.returncode}:\n{result.stdout}\n{result.stderr}"
        )
    return result.stdout


def _answers() -> bool:
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@contextmanager
def engine() -> Iterator[str]:
    """A Docker engine for the session; what it is, in words."""
    if not shutil.which("docker"):
        raise DockerUnavailable("no docker client: install Docker Engine (Debian: docker.io)")
    if _answers():
        yield "the machine's running engine"
        return
    dockerd = shutil.which("dockerd")
    if dockerd is None or os.geteuid() != 0:
        raise DockerUnavailable(
            "no Docker engine answers `docker info`: start one, or run the tests as root with"
            " Debian's docker.io installed (they then start dockerd themselves)"
        )
    log = Path(tempfile.mkdtemp(prefix="elt-dockerd-")) / "dockerd.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [dockerd], stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + 90
        while not _answers():
            if process.poll() is not None or time.monotonic() > deadline:
                raise DockerUnavailable(f"dockerd did not start:\n{log.read_text()[-3000:]}")
            time.sleep(1)
        yield f"dockerd started by the tests (pid {process.pid}, log {log})"
    finally:
        # By its pid: a process started in the background ignores SIGINT, so SIGTERM it is.
        if process.poll() is None:
            os.kill(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.kill(process.pid, signal.SIGKILL)
                process.wait()


def compose_version() -> str:
    """Compose v2's version; v1 (Debian bookworm's docker-compose 1.29) cannot read
    docker-compose.celery.yml (``extends`` of a service with ``depends_on``)."""
    try:
        version = run("docker", "compose", "version", "--short", timeout=30).strip()
    except (RuntimeError, OSError):
        version = ""
    if not re.match(r"v?2\.", version):
        raise DockerUnavailable(
            f"Docker Compose v2 is needed (found {version or 'none'}): the docker-compose-plugin"
            " package, or on Debian bookworm the docker-compose binary of Debian trixie's package"
            " as ~/.docker/cli-plugins/docker-compose (.ci/run installs it)"
        )
    return version


def named_images() -> list[str]:
    """The images the project takes from a registry: its Dockerfile's base and the compose
    services that build nothing."""
    images = re.findall(r"^FROM\s+(\S+)", (REPO / "Dockerfile").read_text(), re.MULTILINE)
    for path in COMPOSE_FILES:
        for service in yaml.safe_load(path.read_text())["services"].values():
            if service.get("image") and "build" not in service:
                images.append(service["image"])
    return sorted(set(images))


@dataclass
class Images:
    """Provides each named image, pulled or stood in; ``used`` says which, for the report."""

    pull_timeout: float = 300
    used: dict[str, str] = field(default_factory=dict)

    def provide_all(self) -> dict[str, str]:
        for image in named_images():
            started = time.perf_counter()
            how = self.provide(image)
            self.used[image] = f"{how} ({time.perf_counter() - started:.0f}s)"
        return self.used

    def provide(self, image: str) -> str:
        if self._pull(image):
            return "official image, pulled"
        folder = STANDINS / standin_name(image)
        if not folder.is_dir():
            raise RuntimeError(f"{image} cannot be pulled and has no stand-in under {STANDINS}")
        digest = self._digest(folder)
        if image_exists(image) and standin_digest(image) == digest:
            return f"local stand-in from {folder.relative_to(REPO)}, built earlier"
        self._build(image, folder, digest)
        return f"local stand-in built from {folder.relative_to(REPO)}"

    def _pull(self, image: str) -> bool:
        try:
            return (
                subprocess.run(
                    ["docker", "pull", "--quiet", image],
                    capture_output=True,
                    timeout=self.pull_timeout,
                ).returncode
                == 0
            )
        except subprocess.TimeoutExpired:
            return False

    def _digest(self, folder: Path) -> str:
        inputs = sorted(p for p in folder.rglob("*") if p.is_file())
        if folder.name == "airflow":
            inputs.append(REPO / "requirements.txt")  # its constraints
        digest = hashlib.sha256()
        for path in inputs:
            digest.update(path.name.encode() + path.read_bytes())
        return digest.hexdigest()[:16]

    def _build(self, image: str, folder: Path, digest: str) -> None:
        ensure_base()
        with tempfile.TemporaryDirectory(prefix="elt-standin-") as context:
            shutil.copytree(folder, context, dirs_exist_ok=True)
            args = ["--label", f"{STANDIN_LABEL}={digest}", "--build-arg", f"BASE={BASE_IMAGE}"]
            if folder.name == "airflow":
                shutil.copy(HOST_CA_BUNDLE, Path(context) / "ca-certificates.crt")
                shutil.copy(REPO / "requirements.txt", Path(context) / "constraints.txt")
                version = image.split(":")[1].split("-")[0]
                args += ["--build-arg", f"AIRFLOW_VERSION={version}"]
            run("docker", "build", "--tag", image, *args, context, timeout=1800)


def standin_name(image: str) -> str:
    """``apache/airflow:3.3.2-python3.11`` -> ``airflow``; ``postgres:15.8`` -> ``postgres``."""
    return image.split(":")[0].rsplit("/", 1)[-1]


def debian_mirror() -> str:
    """The Debian mirror this machine's apt uses (debian-mirror.sh, shared with .ci/run)."""
    return run(str(Path(__file__).parent / "debian-mirror.sh")).strip()


def image_exists(image: str) -> bool:
    return (
        subprocess.run(["docker", "image", "inspect", image], capture_output=True).returncode == 0
    )


def standin_digest(image: str) -> str | None:
    """The digest a stand-in image was built from (None for any other image)."""
    labels = run("docker", "image", "inspect", "--format", "{{json .Config.Labels}}", image)
    return (json.loads(labels) or {}).get(STANDIN_LABEL)


def ensure_base() -> None:
    """The stand-ins' Debian bookworm base, made once: debootstrap, then ``docker import``."""
    if image_exists(BASE_IMAGE):
        return
    if not shutil.which("debootstrap") or os.geteuid() != 0:
        raise DockerUnavailable(
            "building the stand-in images needs debootstrap, as root (Debian: apt-get install"
            " debootstrap)"
        )
    with tempfile.TemporaryDirectory(prefix="elt-debian-") as root:
        run("debootstrap", "--variant=minbase", "bookworm", root, debian_mirror(), timeout=900)
        tar = subprocess.Popen(["tar", "-C", root, "-c", "."], stdout=subprocess.PIPE)
        subprocess.run(
            ["docker", "import", "-", BASE_IMAGE], stdin=tar.stdout, check=True, capture_output=True
        )
        tar.wait()


@dataclass
class Compose:
    """``docker compose`` on one project: its files, its name and its settings (.env's role)."""

    project: str
    settings: dict[str, str]
    files: tuple[Path, ...] = (REPO / "docker-compose.yml",)

    def __call__(self, *args: str, timeout: float = 900, check: bool = True) -> str:
        files = [arg for path in self.files for arg in ("-f", str(path))]
        return run(
            "docker",
            "compose",
            "--project-name",
            self.project,
            *files,
            *args,
            timeout=timeout,
            check=check,
            cwd=REPO,
            env=self.environment,
        )

    @property
    def environment(self) -> dict[str, str]:
        return {**os.environ, **self.settings}

    def with_files(self, *files: Path) -> Compose:
        return Compose(self.project, self.settings, files)

    def services(self) -> list[dict]:
        """``docker compose ps -a`` as records (one JSON object a line, or one list)."""
        out = self("ps", "--all", "--format", "json").strip()
        if out.startswith("["):
            return json.loads(out)
        return [json.loads(line) for line in out.splitlines() if line.strip()]

    def leftovers(self) -> dict[str, list[str]]:
        """Containers, volumes and networks of the project that still exist."""
        label = f"label=com.docker.compose.project={self.project}"
        return {
            kind: run(
                *command,
                "--filter",
                label,
                "--format",
                "{{.Names}}" if kind == "containers" else "{{.Name}}",
            ).split()
            for kind, command in (
                ("containers", ("docker", "ps", "--all")),
                ("volumes", ("docker", "volume", "ls")),
                ("networks", ("docker", "network", "ls")),
            )
        }
