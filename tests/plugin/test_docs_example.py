"""The example of docs/pytest-plugin.md runs as a service provider's own test suite would.

It runs in a separate pytest process, in a directory of its own (no project configuration):
the plugin is found through its ``pytest11`` entry point, as after ``pip install leerid-sim``.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import CHROMIUM, require_certutil, require_chromium

pytestmark = pytest.mark.slow

DOC = Path(__file__).resolve().parents[2] / "docs" / "pytest-plugin.md"

# A small world of one's own, for ``@pytest.mark.leerid_fixture``.
WORLD = """\
format: leerid-world/1
passwords:
  pupils: Eigen123!
  staff: Eigen123!
schools:
  - instellingsnummer: "777777"
    name: Eigen School
    admin_package: broekx
    classes:
      - name: 1A
pupils:
  - naam: Eigen
    voornaam: Els
    insz: "11031401738"
    leer_id_uuid: 6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d
    accounts:
      - {username: els.eigen, account_uuid: 0f3c2a8e-4b7d-4e61-9a5b-2c8d7e6f1a30}
    enrolments:
      - {school: "777777", class: 1A, start: 2025-09-01}
organisations:
  - name: Eigen Uitgeverij
    applications:
      - key: eigenapp
        name: EigenApp
        protocol:
          reference: EIGEN-1
          attributes: [account_uuid, instellingsnummer]
          purpose: Aanmelden
          disclosure_legal_basis: AVG art. 6.1.c
          processing_legal_basis: AVG art. 6.1.f
          retention_days: 30
        clients:
          - client_id: eigenapp
            name: EigenApp
            secret: eigenapp-secret
            token_endpoint_auth_method: client_secret_basic
            grant_types: [authorization_code]
            redirect_uris: [http://127.0.0.1:9000/callback]
"""

MARKED = """\
import pytest


@pytest.mark.leerid_fixture("world.yaml")
def test_on_our_own_world(leerid_login):
    tokens = leerid_login("eigenapp", "els.eigen", "Eigen123!", scope="openid inschrijving",
                          client_secret="eigenapp-secret")
    assert tokens.claims["instellingsnummer"] == "777777"


def test_back_on_the_demo_world(leerid_admin):
    assert leerid_admin.account("jan.peeters")["username"] == "jan.peeters"
"""


def example_suite() -> str:
    """The first Python block of the doc, without the import of the reader's own app."""
    block = re.search(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert block is not None
    return "\n".join(
        line for line in block.group(1).splitlines() if not line.startswith("from myapp")
    )


def https_example() -> str:
    """The doc's example for ``--leerid-tls``, launching Debian's Chromium (as root: no sandbox)."""
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    (block,) = [b for b in blocks if "leerid_browser_home" in b]
    return block.replace(
        "playwright.chromium.launch(",
        f"playwright.chromium.launch(executable_path={CHROMIUM!r}, args=['--no-sandbox'], ",
    )


def run_pytest(directory: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_documented_example_passes(tmp_path: Path) -> None:
    (tmp_path / "test_leerid_login.py").write_text(example_suite(), encoding="utf-8")
    (tmp_path / "world.yaml").write_text(WORLD, encoding="utf-8")
    (tmp_path / "test_marked.py").write_text(MARKED, encoding="utf-8")
    result = run_pytest(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "7 passed" in result.stdout


@pytest.mark.browser
def test_the_documented_https_example_passes_with_certificates_verified(tmp_path: Path) -> None:
    require_chromium()
    require_certutil()
    (tmp_path / "test_https.py").write_text(https_example(), encoding="utf-8")
    result = run_pytest(tmp_path, "-W", "error", "--leerid-tls")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout


def test_the_plugin_starts_nothing_for_tests_without_its_fixtures(tmp_path: Path) -> None:
    (tmp_path / "test_plain.py").write_text("def test_plain():\n    assert True\n")
    result = run_pytest(tmp_path, "--help")
    assert "--leerid-fixture" in result.stdout
    plain = run_pytest(tmp_path, "-W", "error", "--setup-plan")
    assert plain.returncode == 0, plain.stdout + plain.stderr
    assert "leerid" not in plain.stdout
