"""The offline bundle (`make bundle`): built here, installed and started with no network at all.

The installation runs inside a fresh network namespace (`unshare -n`: only a loopback, no route
out), so a download anywhere in install.sh, pip or the app's first page fails the test. Then
Chromium, in the same namespace, opens the app and must get the sign-in form.

Needs root (for unshare), the package registries (to build the bundle) and Chromium; takes a few
minutes, so outside CI it runs only with BIMEYAR_TEST_BUNDLE=1 and otherwise skips, saying why.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
CHROMIUM = os.environ.get("BIMEYAR_CHROMIUM", "/usr/bin/chromium")
PYTHON_VERSION = f"{sys.version_info.major}.{sys.version_info.minor}"


def _unavailable() -> str | None:
    if os.geteuid() != 0:
        return "the offline install test needs root for `unshare -n`"
    if not shutil.which("unshare") or not shutil.which("ip"):
        return "unshare or ip (iproute2) not found"
    if not Path(CHROMIUM).exists():
        return f"Chromium not found at {CHROMIUM}"
    if not (ROOT / "static/fonts/Vazirmatn-Regular.woff2").exists():
        return "the font is not installed (make font)"
    return None


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    reason = _unavailable()
    if reason:
        if IN_CI:
            pytest.fail(f"CI=true requires the offline install test: {reason}")
        pytest.skip(reason)
    if not IN_CI and os.environ.get("BIMEYAR_TEST_BUNDLE") != "1":
        pytest.skip("slow (builds a 130 MB bundle and installs it): set BIMEYAR_TEST_BUNDLE=1 (always runs in CI)")
    out = tmp_path_factory.mktemp("dist")
    env = dict(os.environ, BUNDLE_PYTHONS=PYTHON_VERSION, BUNDLE_OUT=str(out))
    subprocess.run(["bash", "scripts/build_bundle.sh"], cwd=ROOT, env=env, check=True, timeout=900)
    (archive,) = out.glob("bimeyar-*.tar.gz")
    return archive


def test_the_bundle_holds_the_app_the_wheels_the_font_and_the_installer(bundle: Path) -> None:
    with tarfile.open(bundle) as tar:
        names = tar.getnames()
    top = names[0].split("/")[0]
    assert f"{top}/install.sh" in names
    assert f"{top}/INSTALL.txt" in names
    assert f"{top}/app/app.py" in names
    assert f"{top}/app/static/fonts/Vazirmatn-Regular.woff2" in names
    wheels = [n for n in names if n.startswith(f"{top}/wheels/") and n.endswith(".whl")]
    assert any("/streamlit-" in w for w in wheels)
    assert any("/psycopg_binary-" in w for w in wheels)
    assert any("/setuptools-" in w for w in wheels), "the app is built offline: setuptools must be bundled"
    assert not any(n.endswith((".tar.gz", ".zip")) for n in names if "/wheels/" in n), "sdists need a compiler"


PROBE = r"""
import sys
from playwright.sync_api import sync_playwright
with sync_playwright() as p:
    browser = p.chromium.launch(executable_path=sys.argv[1], args=["--no-sandbox", "--disable-gpu",
        "--no-first-run", "--disable-background-networking", "--disable-component-update"])
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    page.goto(sys.argv[2], timeout=60000)
    page.get_by_role("button", name="ورود").wait_for(timeout=90000)
    page.get_by_text("نام کاربری").wait_for(timeout=30000)
    page.get_by_text("گذرواژه").wait_for(timeout=30000)
    page.screenshot(path=sys.argv[3])
    print("SIGN-IN PAGE SHOWN")
"""


def test_installs_and_serves_the_sign_in_page_with_no_network(bundle: Path, tmp_path: Path, artifacts_dir: Path) -> None:
    with tarfile.open(bundle) as tar:
        tar.extractall(tmp_path, filter="data")
    (home,) = tmp_path.glob("bimeyar-*")
    probe = tmp_path / "probe.py"
    probe.write_text(PROBE)
    shot = artifacts_dir / "offline-install-sign-in.png"
    script = f"""
set -e
ip link set lo up
if python3 -c 'import urllib.request; urllib.request.urlopen("https://pypi.org", timeout=5)' 2>/dev/null; then
  echo "NETWORK REACHABLE"; exit 3
fi
cd {home}
./install.sh --port 8599 > {tmp_path}/app.log 2>&1 &
app=$!
trap 'kill $app 2>/dev/null || true; wait $app 2>/dev/null || true' EXIT
for i in $(seq 1 600); do
  if python3 -c 'import urllib.request; urllib.request.urlopen("http://127.0.0.1:8599/_stcore/health", timeout=2)' 2>/dev/null; then
    break
  fi
  kill -0 $app 2>/dev/null || {{ echo "install.sh ended early"; cat {tmp_path}/app.log; exit 4; }}
  sleep 1
done
{sys.executable} {probe} {CHROMIUM} http://127.0.0.1:8599/ {shot}
"""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "BIMEYAR_"))}
    result = subprocess.run(["unshare", "-n", "bash", "-c", script], env=env, capture_output=True, text=True,
                            timeout=1200)
    log = (tmp_path / "app.log").read_text() if (tmp_path / "app.log").exists() else ""
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}\n{log}"
    assert "SIGN-IN PAGE SHOWN" in result.stdout
    assert "no network is used" in log
    assert (home / "app/data/bimeyar.db").exists()
