"""Pseudonymous case ids: keyed, stable, normalised, and the key never from YAML."""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

import pytest

from engine.mapping import Pseudonymiser, PseudonymKeyError, load_key
from tests.mapping.kit import KEY, KEY_TEXT


def test_the_id_is_prefix_and_hmac_sha256_of_the_normalised_reference() -> None:
    expected = hmac.new(KEY_TEXT.encode(), b"case\x1f46/1001/26", hashlib.sha256).hexdigest()
    assert KEY.case_id("46/1001/26", "RS-") == "RS-" + expected[:20]
    assert KEY.case_id(" 46/1001/26\t", "RS-") == KEY.case_id("46/1001/26", "RS-")
    assert KEY.case_id("ab 12  cd", "") == KEY.case_id("AB 12 CD", "")
    assert KEY.case_id("46/1001/26", "RS-") != KEY.case_id("46/1001/27", "RS-")


def test_another_key_gives_other_ids_and_the_key_is_never_shown() -> None:
    other = Pseudonymiser(b"another-deployment-key-0123456789abcdef")
    assert other.case_id("46/1001/26", "RS-") != KEY.case_id("46/1001/26", "RS-")
    assert KEY_TEXT not in repr(KEY) and repr(KEY) == "Pseudonymiser(<key withheld>)"


def test_key_from_the_environment_or_a_key_file(tmp_path: Path) -> None:
    assert load_key({"LIAISON_PSEUDONYM_KEY": KEY_TEXT}).key == KEY_TEXT.encode()
    key_file = tmp_path / "pseudonym.key"
    key_file.write_text(KEY_TEXT + "\n")
    os.chmod(key_file, 0o600)
    assert load_key({"LIAISON_PSEUDONYM_KEY": f"file:{key_file}"}).key == KEY_TEXT.encode()


@pytest.mark.parametrize(("env", "message"), [
    ({}, "LIAISON_PSEUDONYM_KEY is not set: pseudonymised case ids need the deployment's key "
         "(the key itself, at least 32 characters, or file:PATH naming a key file)"),
    ({"LIAISON_PSEUDONYM_KEY": "short"},
     "LIAISON_PSEUDONYM_KEY: the key is shorter than 32 bytes; make one with "
     "`python -c 'import secrets; print(secrets.token_hex(32))'`"),
    ({"LIAISON_PSEUDONYM_KEY": "file:/no/such/key"},
     "LIAISON_PSEUDONYM_KEY: the key file cannot be read: No such file or directory"),
])
def test_missing_or_weak_keys_are_refused(env: dict[str, str], message: str) -> None:
    with pytest.raises(PseudonymKeyError) as exc:
        load_key(env)
    assert str(exc.value) == message


def test_a_key_file_others_can_read_is_refused(tmp_path: Path) -> None:
    key_file = tmp_path / "pseudonym.key"
    key_file.write_text(KEY_TEXT)
    os.chmod(key_file, 0o644)
    with pytest.raises(PseudonymKeyError) as exc:
        load_key({"LIAISON_PSEUDONYM_KEY": f"file:{key_file}"})
    assert str(exc.value) == ("LIAISON_PSEUDONYM_KEY: the key file can be read by others than "
                              "its owner; run chmod 600 on it")
