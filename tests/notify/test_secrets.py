"""Secrets and the SMTP URL: the environment first, then a private secrets file; a file
others can read is refused; a bad line is named without echoing what it holds."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.notify.channels import SmtpServer, parse_smtp_url
from engine.notify.secrets import SecretError, lookup, read_secrets_file


def write(path: Path, text: str, mode: int) -> Path:
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path


def test_the_environment_wins_then_the_private_file(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    f = write(tmp_path / "s", "# hooks\n\nKENT_TEAMS = https://hook.example/a?key=k1\n", 0o600)
    monkeypatch.delenv("KENT_TEAMS", raising=False)
    assert lookup("KENT_TEAMS", str(f)) == "https://hook.example/a?key=k1"
    assert lookup("OTHER_NAME", str(f)) is None
    monkeypatch.setenv("KENT_TEAMS", "https://hook.example/b")
    assert lookup("KENT_TEAMS", str(f)) == "https://hook.example/b"


def test_a_readable_or_malformed_secrets_file_is_refused(tmp_path: Path) -> None:
    f = write(tmp_path / "s", "A_KEY=secret-value\n", 0o644)
    with pytest.raises(SecretError) as err:
        read_secrets_file(f)
    assert str(err.value) == (f"{f}: the secrets file is readable by others (mode 644); "
                              f"run chmod 600 {f}")
    g = write(tmp_path / "t", "A_KEY=ok\nsecret-value-without-a-name\n", 0o600)
    with pytest.raises(SecretError) as err:
        read_secrets_file(g)
    assert str(err.value) == f"{g}:2: expected NAME=value"
    with pytest.raises(SecretError, match="cannot read the secrets file"):
        read_secrets_file(tmp_path / "missing")


def test_smtp_urls() -> None:
    assert parse_smtp_url("smtp://127.0.0.1:1025") == SmtpServer("127.0.0.1", 1025)
    assert parse_smtp_url("smtp://mail.example?starttls=1") == SmtpServer(
        "mail.example", 25, starttls=True)
    assert parse_smtp_url("smtps://desk%40force:p%3Ass@mail.example:465") == SmtpServer(
        "mail.example", 465, tls=True, user="desk@force", password="p:ss")
    for bad in ("http://mail.example", "smtp://", "smtp://mail.example:99999"):
        with pytest.raises(ValueError):
            parse_smtp_url(bad)
