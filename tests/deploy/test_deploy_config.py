"""The example production configuration under deploy/ parses, and names only commands that exist.

nginx's own `nginx -t` checks the site file (inside a minimal main configuration, with a throw-away
certificate), and `systemd-analyze verify` checks every unit (with the paths moved from /opt/bimeyar
to this checkout so that the executables exist). Outside CI a missing nginx or systemd-analyze
skips, saying why; `.ci/run` installs nginx.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from cli import build_parser

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _need(tool: str) -> str:
    path = shutil.which(tool) or (f"/usr/sbin/{tool}" if Path(f"/usr/sbin/{tool}").exists() else None)
    if path is None:
        if IN_CI:
            pytest.fail(f"CI=true requires {tool} (apt-get install nginx / systemd)")
        pytest.skip(f"{tool} not installed")
    return path


def test_nginx_accepts_the_site_configuration(tmp_path: Path) -> None:
    nginx = _need("nginx")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=bimeyar.intranet",
                    "-keyout", str(tmp_path / "bimeyar.key"), "-out", str(tmp_path / "bimeyar.crt")],
                   check=True, capture_output=True)
    site = (DEPLOY / "nginx/bimeyar.conf").read_text().replace("/etc/bimeyar/tls/", f"{tmp_path}/")
    (tmp_path / "bimeyar.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n  access_log off;\n  include {tmp_path}/bimeyar.conf;\n}}\n"
    )
    result = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr


def test_the_affinity_cookie_and_websockets_are_configured() -> None:
    site = (DEPLOY / "nginx/bimeyar.conf").read_text()
    assert "hash $bimeyar_affinity consistent;" in site
    assert "Set-Cookie \"bimeyar_node=$bimeyar_affinity" in site
    assert "proxy_set_header Upgrade $http_upgrade;" in site
    assert "location = /_stcore/health" in site


def _units(tmp_path: Path) -> list[Path]:
    copies = []
    for unit in sorted((DEPLOY / "systemd").iterdir()):
        text = unit.read_text().replace("/opt/bimeyar/app/.venv/bin/", f"{ROOT}/.venv/bin/").replace("/opt/bimeyar/app", str(ROOT))
        copy = tmp_path / unit.name
        copy.write_text(text)
        copies.append(copy)
    return copies


def test_systemd_accepts_every_unit(tmp_path: Path) -> None:
    analyze = _need("systemd-analyze")
    names = [u.name.replace("@.", "@8501.") for u in _units(tmp_path)]
    result = subprocess.run([analyze, "verify", *names], cwd=tmp_path, capture_output=True, text=True)
    # verify exits 0 on unknown keys and only warns: any message is a failure here.
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr


def test_every_bimeyar_command_the_units_run_exists() -> None:
    commands = set(build_parser()._subparsers._group_actions[0].choices)  # noqa: SLF001 - argparse has no public way
    used = set()
    for unit in (DEPLOY / "systemd").iterdir():
        used |= set(re.findall(r"/bin/bimeyar ([a-z-]+)", unit.read_text()))
    assert used, "the units run bimeyar commands"
    assert used <= commands, f"units run commands the CLI does not have: {sorted(used - commands)}"
