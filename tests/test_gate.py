"""The gate's import contracts catch what they promise (docs/architecture.md): a violation planted in
a copy of the code makes `lint-imports` fail, naming the contract; the clean copy passes. An import
inside a function counts like one at the top."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).with_name("lint-imports")

PLANTED = {
    # the module planted, the import it makes, the contract it must break
    "core knows no domain": ("cunzhi/core/planted.py", "cunzhi.concerns.models", "layers"),
    "the region tree knows no people": ("cunzhi/regions/planted.py", "cunzhi.people.models", "layers"),
    "notify knows no feature domain": ("cunzhi/notify/planted.py", "cunzhi.meetings.models", "layers"),
    "voice knows no feature domain": ("cunzhi/voice/planted.py", "cunzhi.disclosure.models", "layers"),
    "notify knows nothing of voice": ("cunzhi/notify/planted.py", "cunzhi.voice.models", "layers"),
    "no domain imports insights": ("cunzhi/concerns/planted.py", "cunzhi.insights", "layers"),
    "no domain imports web": ("cunzhi/applications/planted.py", "cunzhi.web", "layers"),
    "no domain imports the API assembly": ("cunzhi/people/planted.py", "cunzhi.api.routes", "layers"),
    "the ledger stands alone": ("cunzhi/ledger/planted.py", "cunzhi.disclosure.models", "features"),
    "feature domains stand apart": ("cunzhi/meetings/planted.py", "cunzhi.concerns.models", "features"),
}


@pytest.fixture(scope="module")
def copy(tmp_path_factory) -> Path:
    """The package's Python files and the contracts, in a directory of their own."""
    dest = tmp_path_factory.mktemp("gate")
    shutil.copytree(
        ROOT / "cunzhi",
        dest / "cunzhi",
        ignore=shutil.ignore_patterns("templates", "static", "locale", "__pycache__", "*.mo", "*.po"),
    )
    shutil.copy(ROOT / "pyproject.toml", dest)
    return dest


def lint(where: Path, *contracts: str) -> subprocess.CompletedProcess:
    only = [arg for c in contracts for arg in ("--contract", c)]
    return subprocess.run(
        [str(LINT), "--no-cache", "--no-logo", *only],
        cwd=where,
        env={"PYTHONPATH": str(where), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_clean_code_keeps_every_contract(copy):
    run = lint(copy)
    assert run.returncode == 0, run.stdout + run.stderr


@pytest.mark.parametrize("rule", PLANTED)
@pytest.mark.parametrize("inside_a_function", [False, True], ids=["top", "in-function"])
def test_a_planted_violation_fails_the_gate(copy, rule, inside_a_function):
    path, target, contract = PLANTED[rule]
    planted = copy / path
    code = f"import {target}\n" if not inside_a_function else f"def later():\n    import {target}  # noqa\n"
    planted.write_text(code)
    try:
        run = lint(copy, contract)  # that contract alone: it is the one that must break
    finally:
        planted.unlink()
    assert run.returncode == 1, run.stdout
    assert "1 broken" in run.stdout
    planted_module = path.removesuffix(".py").replace("/", ".")
    assert f"{planted_module} -> {target}" in run.stdout
