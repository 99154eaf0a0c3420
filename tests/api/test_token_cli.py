"""`liaison token create` prints the new token alone on its last line; bad scopes exit 2."""

from __future__ import annotations

from typer.testing import CliRunner

from engine.api.tokens import authenticate
from engine.cli.app import app


def test_token_create_prints_a_working_token_alone_on_the_last_line(store):
    result = CliRunner().invoke(app, ["token", "create", "--role", "cps_unit", "--cps-area",
                                      "south-west", "--db", store.url, "--as", "ops"])
    assert result.exit_code == 0, result.output
    last = result.stdout.rstrip("\n").split("\n")[-1]
    assert last.startswith("lia_") and " " not in last
    who = authenticate(store.engine, last)
    assert who is not None and (who.role, who.cps_area, who.area) == ("cps_unit", "south-west",
                                                                      None)


def test_token_create_refuses_a_scope_that_does_not_fit_the_role(store):
    runner = CliRunner()
    cases = [
        (["--role", "cps_unit", "--area", "kent"], "role cps_unit needs --cps-area"),
        (["--role", "force_data_team", "--area", "atlantis"], "unknown area 'atlantis'"),
        (["--role", "national_lead", "--area", "kent"], "covers all areas"),
        (["--role", "chief"], "unknown role 'chief'"),
        (["--role", "cps_unit", "--cps-area", "mars"], "unknown CPS Area 'mars'"),
    ]
    for args, message in cases:
        result = runner.invoke(app, ["token", "create", *args, "--db", store.url])
        assert result.exit_code == 2, args
        assert message in " ".join(result.stderr.split()), (args, result.stderr)
        assert result.stdout == ""


def test_a_revoked_token_no_longer_authenticates(store):
    runner = CliRunner()
    created = runner.invoke(app, ["token", "create", "--role", "auditor", "--db", store.url])
    token = created.stdout.rstrip("\n").split("\n")[-1]
    token_id = token.split("_")[1]
    assert runner.invoke(app, ["token", "revoke", token_id, "--db", store.url]).exit_code == 0
    assert authenticate(store.engine, token) is None
    again = runner.invoke(app, ["token", "revoke", token_id, "--db", store.url])
    assert again.exit_code == 2
