"""The architecture, checked: pure logic stays free of Airflow, no import goes round in a
circle, one function per action of the stage table. (The layering of include/elt is checked
by `make lint`: import-linter's contracts in pyproject.toml.)"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

from include.elt.core.stages import STAGES
from include.elt.pipeline import ACTIONS
from tests.conftest import REPO


def _imports(path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def _module(path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_no_import_circle_inside_include():
    """Every module of include/ imports only modules that do not import it back, however far
    round (an import inside a function counts too)."""
    modules = {_module(p): p for p in (REPO / "include").rglob("*.py")}
    graph = {}
    for name, path in modules.items():
        imported = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                targets = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                continue
            imported |= {t for t in targets if t in modules and t != name}
        graph[name] = imported
    try:
        tuple(TopologicalSorter(graph).static_order())
    except CycleError as circle:
        raise AssertionError(f"an import circle: {' -> '.join(circle.args[1])}") from None


# Platform modules with no behaviour of their own, so no test module of their own.
WITHOUT_BEHAVIOUR = {
    "core/errors.py": "the exception classes stages derive theirs from",
    "core/paths.py": "the repository's paths",
    "contract/datasets.py": "the dataset declarations (the load's and the checks' tests read them)",
}


def test_every_platform_module_has_its_test_module_at_the_same_place():
    """include/elt/<path>/<module>.py is tested by tests/elt/<path>/test_<module>.py."""
    platform = REPO / "include/elt"
    for path in sorted(platform.rglob("*.py")):
        relative = path.relative_to(platform)
        if path.name == "__init__.py" or relative.as_posix() in WITHOUT_BEHAVIOUR:
            continue
        test = REPO / "tests/elt" / relative.parent / f"test_{path.name}"
        assert test.is_file(), f"include/elt/{relative} has no {test.relative_to(REPO)}"


def test_only_the_test_helpers_make_a_run_context():
    """One way the tests ask for a run (tests/helpers.run_context)."""
    made = re.compile(r"\bRunContext\(")
    for path in (REPO / "tests").rglob("*.py"):
        if path not in (REPO / "tests/helpers.py", Path(__file__)):
            assert not made.search(path.read_text()), path


def test_platform_and_domains_never_import_airflow():
    for folder in ("include/elt", "include/domains"):
        for path in (REPO / folder).rglob("*.py"):
            assert not any(n.split(".")[0] == "airflow" for n in _imports(path)), path


def test_platform_code_never_names_a_domain():
    for path in (REPO / "include/elt").rglob("*.py"):
        text = path.read_text()
        assert "streaming" not in text and "ecommerce" not in text, path


def test_every_action_of_the_stage_table_has_one_function():
    assert {s.action for s in STAGES} == set(ACTIONS)


def test_parsing_the_dag_imports_no_heavy_library():
    code = (
        "import runpy, sys; runpy.run_path('dags/streaming.py');"
        "heavy = ('great_expectations', 'pandas', 'faker', 'pyarrow', 'matplotlib');"
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout
    assert out.strip().splitlines()[-1] == "[]"


def test_the_image_installs_runtime_pins_only_and_checks_them():
    """requirements.txt is what the platform runs on; the test and lint tools are dev pins."""
    runtime = (REPO / "requirements.txt").read_text().lower()
    dev = (REPO / "requirements-dev.txt").read_text().lower()
    for tool in ("pytest==", "playwright==", "ruff==", "sqlfluff==", "pre_commit=="):
        assert f"\n{tool}" not in runtime, tool
        assert f"\n{tool}" in dev, tool
    assert "\n-r requirements.txt\n" in dev
    dockerfile = (REPO / "Dockerfile").read_text()
    assert "-r /opt/airflow/requirements.txt && pip check" in dockerfile
    instructions = [line for line in dockerfile.splitlines() if not line.startswith("#")]
    assert not any("requirements-dev" in line for line in instructions)


def test_every_picture_the_readme_shows_is_in_the_repository():
    readme = (REPO / "README.md").read_text()
    pictures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", readme)
    assert pictures, "the README shows no screenshot"
    for picture in pictures:
        assert (REPO / picture).is_file(), f"README shows {picture}, which is not committed"
