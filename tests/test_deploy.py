"""deploy/: the install script, run in a temporary root, gives a bot user that can read it all."""

from __future__ import annotations

import os
import pwd
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import ROOT

INSTALL = ROOT / "deploy" / "install.sh"
NO_SYSTEM = ["--zonder-useradd", "--zonder-pip", "--zonder-systemctl"]

pytestmark = pytest.mark.skipif(
    sys.platform == "win32" or shutil.which("bash") is None, reason="needs bash"
)


@pytest.fixture
def root() -> Iterator[Path]:
    """A temporary root that other users can enter (pytest's own tmp_path is private)."""
    folder = Path(tempfile.mkdtemp(prefix="opvoedassistent-root-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def install(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(INSTALL), *args], capture_output=True, text=True, check=False, timeout=300
    )


def can_read(user: pwd.struct_passwd, path: Path) -> bool:
    """Whether ``user`` may read ``path`` (and enter every folder above it), by mode bits."""
    groups = {user.pw_gid} | {
        g.gr_gid for g in __import__("grp").getgrall() if user.pw_name in g.gr_mem
    }

    def allowed(p: Path, want: int) -> bool:
        info = p.stat()
        if user.pw_uid == 0:
            return True
        if info.st_uid == user.pw_uid:
            return bool(info.st_mode & (want << 6))
        if info.st_gid in groups:
            return bool(info.st_mode & (want << 3))
        return bool(info.st_mode & want)

    folders = [p for p in path.parents if p != Path("/")]
    return all(allowed(p, 1) for p in folders) and allowed(path, 4)


def fake_venv(root: Path) -> Path:
    """A venv with only an ``assistent`` program: enough for the file layout, not to run."""
    venv = root / "opt" / "venv"
    (venv / "bin").mkdir(parents=True)
    program = venv / "bin" / "assistent"
    program.write_text('#!/bin/sh\necho fake assistent "$@"\n', encoding="utf-8")
    program.chmod(0o755)
    return venv


def service_user() -> pwd.struct_passwd:
    """`nobody` when we are root (a real other user), else ourselves."""
    if os.geteuid() == 0:
        try:
            return pwd.getpwnam("nobody")
        except KeyError:
            pass
    return pwd.getpwuid(os.geteuid())


def test_install_in_a_temporary_root_is_readable_for_the_service_user(root: Path) -> None:
    user = service_user()
    venv = fake_venv(root)
    result = install(
        "--instantie", "voorbeeldstad", "--gemeente", "Voorbeeldstad", "--root", str(root),
        "--gebruiker", user.pw_name, "--venv", str(venv), "--zonder-controle", *NO_SYSTEM,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr

    kennisbank = root / "srv" / "opvoedassistent" / "kennisbank-voorbeeldstad"
    instance = root / "var" / "lib" / "opvoedassistent" / "voorbeeldstad"
    assert sorted(p.name for p in (kennisbank / "landelijk").glob("*.md")) == sorted(
        p.name for p in (ROOT / "kennisbank" / "landelijk").glob("*.md")
    )
    assert (kennisbank / "voorbeeldstad").is_dir()  # the step the docs were missing
    for folder in (instance, instance / "index", instance / "data"):
        assert folder.stat().st_uid == user.pw_uid
    must_read = [p for p in kennisbank.rglob("*") if p.is_file()]
    must_read += [root / "etc" / "systemd" / "system" / "opvoedassistent@.service"]
    must_read += [root / "usr" / "local" / "bin" / "opvoedassistent"]
    assert must_read and [p for p in must_read if not can_read(user, p)] == []
    assert os.access(instance / "data", os.W_OK) or os.geteuid() != user.pw_uid

    settings = root / "etc" / "opvoedassistent" / "voorbeeldstad.env"
    assert stat.S_IMODE(settings.stat().st_mode) == 0o600  # the token: root only
    text = settings.read_text(encoding="utf-8")
    assert f"ASSISTENT_KENNISBANK={kennisbank}\n" in text
    assert f"ASSISTENT_DATA_DIR={instance / 'data'}\n" in text
    assert "ASSISTENT_GEMEENTE=Voorbeeldstad\n" in text

    unit = (root / "etc" / "systemd" / "system" / "opvoedassistent@.service").read_text()
    assert "@" not in unit.replace("opvoedassistent@", "").replace("%i", "")
    assert f"ExecStart={venv}/bin/assistent bot" in unit
    assert f"User={user.pw_name}" in unit
    assert f"EnvironmentFile={root}/etc/opvoedassistent/%i.env" in unit


def test_install_twice_keeps_settings_and_kennisbank(root: Path) -> None:
    user = service_user()
    venv = fake_venv(root)
    args = ["--instantie", "rivierdal", "--root", str(root), "--gebruiker", user.pw_name]
    args += ["--venv", str(venv), "--zonder-controle", *NO_SYSTEM]
    assert install(*args).returncode == 0
    settings = root / "etc" / "opvoedassistent" / "rivierdal.env"
    settings.write_text("ASSISTENT_TELEGRAM_TOKEN=1:geheim\n", encoding="utf-8")
    own = root / "srv" / "opvoedassistent" / "kennisbank-rivierdal" / "rivierdal" / "eigen.md"
    own.write_text("---\nid: eigen\n---\n", encoding="utf-8")
    result = install(*args)  # the upgrade path
    assert result.returncode == 0, result.stderr
    assert settings.read_text(encoding="utf-8") == "ASSISTENT_TELEGRAM_TOKEN=1:geheim\n"
    assert own.exists()


def test_install_checks_the_instance_kennisbank_not_the_demo(root: Path) -> None:
    # the documented upgrade step used to check the *demo* kennisbank and say "in orde"
    me = pwd.getpwuid(os.geteuid())
    venv = Path(sys.executable).parent.parent
    result = install(
        "--instantie", "rivierdal", "--gemeente", "Rivierdal", "--root", str(root),
        "--gebruiker", me.pw_name, "--venv", str(venv), "--zonder-index", *NO_SYSTEM,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    kennisbank = root / "srv" / "opvoedassistent" / "kennisbank-rivierdal"
    assert f"in orde: 4 voorzieningen in {kennisbank}" in result.stdout


def test_settings_file_is_read_like_systemd_does(root: Path) -> None:
    me = pwd.getpwuid(os.geteuid())
    venv = fake_venv(root)
    args = ["--instantie", "x", "--root", str(root), "--gebruiker", me.pw_name]
    assert install(*args, "--venv", str(venv), "--zonder-controle", *NO_SYSTEM).returncode == 0
    program = venv / "bin" / "assistent"
    program.write_text('#!/bin/sh\necho "$ASSISTENT_GEMEENTE|$ASSISTENT_X|$(pwd)|$*"\n')
    settings = root / "etc" / "opvoedassistent" / "x.env"
    settings.write_text(
        '# opmerking\nASSISTENT_GEMEENTE="Den Haag"\r\nASSISTENT_X=a=b\n'
        f"ASSISTENT_DATA_DIR={root}/var/lib/opvoedassistent/x/data\n"
    )
    result = subprocess.run(
        [str(root / "usr" / "local" / "bin" / "opvoedassistent"), str(settings), "check", "-v"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert result.stdout.strip() == f"Den Haag|a=b|{root}/var/lib/opvoedassistent/x|check -v"


def test_unit_passes_systemd_analyze_verify(root: Path, tmp_path: Path) -> None:
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed")
    me = pwd.getpwuid(os.geteuid())
    venv = fake_venv(root)
    args = ["--instantie", "voorbeeldstad", "--root", str(root), "--gebruiker", me.pw_name]
    assert install(*args, "--venv", str(venv), "--zonder-controle", *NO_SYSTEM).returncode == 0
    template = root / "etc" / "systemd" / "system" / "opvoedassistent@.service"
    unit = tmp_path / "opvoedassistent@voorbeeldstad.service"
    unit.write_text(template.read_text())
    result = subprocess.run(
        ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "opvoedassistent@" not in result.stderr, result.stderr


def test_bad_instance_name_is_refused(root: Path) -> None:
    result = install("--instantie", "Den Haag", "--root", str(root), *NO_SYSTEM)
    assert result.returncode == 2 and "kleine letters" in result.stderr
