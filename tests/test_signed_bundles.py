"""Signed bundles (issue 14, item 3): `export --sign` writes a detached CMS signature beside
the bundle; `import` names the signer and whether trusted; the settings can require bundles
signed by a trusted signer; a changed bundle or a signature that does not fit is refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from inspect_tool.cli import cli
from inspect_tool.demo import build_demo_store
from inspect_tool.signing import make_test_cert
from inspect_tool.store import open_store

PW = "mat-khau"


@pytest.fixture(scope="module")
def keys(core, tmp_path_factory):
    folder = tmp_path_factory.mktemp("bundle-keys")
    make_test_cert(folder / "ward.p12", "UBND phường Hòa Bình", "UBND", password=PW.encode())
    make_test_cert(folder / "other.p12", "Người lạ", "Không rõ", password=PW.encode())
    with open_store(folder / "ward", user="phường") as store:
        build_demo_store(core, store)
    return folder


def run(tmp_path: Path, keys: Path, *args: str, db: str = "dept"):
    return CliRunner().invoke(
        cli,
        [
            "--lang",
            "en",
            "--plugins-dir",
            str(tmp_path / "none"),
            "--db",
            str(tmp_path / db),
            *args,
        ],
        env={"INSPECT_TOOL_SETTINGS": str(tmp_path / "settings.yaml"), "PW": PW},
    )


def export(tmp_path: Path, keys: Path, signer: str | None = "ward") -> Path:
    out = tmp_path / "b.json"
    args = ["--db", str(keys / "ward"), "export", "--unit", "HB-X01", "--out", str(out), "--force"]
    if signer:
        args += ["--sign", "--p12", str(keys / f"{signer}.p12"), "--password-env", "PW"]
    result = CliRunner().invoke(
        cli, ["--lang", "en", "--plugins-dir", str(tmp_path / "none"), *args], env={"PW": PW}
    )
    assert result.exit_code == 0, result.output
    return out


def require(tmp_path: Path) -> None:
    (tmp_path / "settings.yaml").write_text("bundles:\n  require_signature: true\n", "utf-8")


def test_a_signed_bundle_from_a_trusted_signer(keys, tmp_path):
    out = export(tmp_path, keys)
    assert out.with_name("b.json.p7s").is_file()
    require(tmp_path)
    result = run(tmp_path, keys, "import", str(out), "--trust", str(keys / "ward.pem"))
    assert result.exit_code == 0, result.output
    assert "UBND phường Hòa Bình" in result.output and "intact, valid and trusted" in result.output
    assert "imported" in result.output


def test_an_untrusted_signer_is_named_and_refused_when_required(keys, tmp_path):
    out = export(tmp_path, keys, "other")
    result = run(tmp_path, keys, "import", str(out), "--trust", str(keys / "ward.pem"))
    assert result.exit_code == 0 and "not trusted" in result.output  # said, not required
    require(tmp_path)
    result = run(tmp_path, keys, "import", str(out), "--trust", str(keys / "ward.pem"), db="d2")
    assert result.exit_code == 1 and "require" in result.output
    assert not (tmp_path / "d2" / "assessments").exists() or not list(
        (tmp_path / "d2" / "assessments").iterdir()
    )


def test_unsigned_bundles_refused_when_required(keys, tmp_path):
    out = export(tmp_path, keys, None)
    assert run(tmp_path, keys, "import", str(out)).exit_code == 0
    require(tmp_path)
    result = run(tmp_path, keys, "import", str(out), db="d2")
    assert result.exit_code == 1 and "not signed" in result.output


def test_a_changed_bundle_does_not_fit_its_signature(keys, tmp_path):
    out = export(tmp_path, keys)
    out.write_bytes(out.read_bytes().replace(b'"by": "', b'"by": "X', 1))
    result = run(tmp_path, keys, "import", str(out), "--trust", str(keys / "ward.pem"))
    assert result.exit_code == 1 and "signature is not valid" in result.output
    out = export(tmp_path, keys)
    out.with_name("b.json.p7s").write_bytes(b"not a signature")
    result = run(tmp_path, keys, "import", str(out))
    assert result.exit_code == 1 and "b.json.p7s" in result.output
