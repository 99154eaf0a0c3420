"""Routing: every owner to a recipient, the fallback chain, escalation contacts, and the
`config validate` checks (issue 13, Deliver 1)."""

from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from engine.cli.app import app
from engine.contacts import EmailChannel, Spoc, WebhookChannel, WebhookTarget
from engine.notify.routing import escalation_route, route, unroutable
from engine.spec import Overlay
from tests.config.configkit import ROOT

NATIONAL = Spoc(team="National lead", mailbox="national@justice.example")


def overlay(**extra: object) -> Overlay:
    spocs: dict[str, object] = {
        "police": {"team": "Police desk", "mailbox": "police@force.example"},
        "cps": {"team": "CPS unit", "mailbox": "cps@cps.example"},
        "isva": {"team": "ISVA", "mailbox": "isva@support.example"},
    }
    spocs.update(extra.pop("spocs", {}))  # type: ignore[arg-type]
    return Overlay.model_validate({
        "area": "essex", "name": "Essex", "cps_area": "east-of-england",
        "framework_version": "2026.1", "effective_from": "2026-04-01", "spocs": spocs,
        "scrutiny_group": extra.pop("scrutiny_group", {"name": "Panel"}), **extra})


def test_each_owner_reaches_its_own_spoc_by_email_to_its_mailbox() -> None:
    o = overlay(spocs={"wcu": {"team": "WCU", "mailbox": "wcu@force.example"},
                       "probation": {"team": "VCS", "mailbox": "vcs@probation.example"}},
                scrutiny_group={"name": "Panel", "contact": {"team": "Secretariat",
                                                             "mailbox": "panel@lcjb.example"}})
    got = {owner: route(owner, "essex", o, None) for owner in
           ("police", "cps", "isva", "wcu", "probation", "area", "court")}
    assert {k: (r.key, r.team, r.channels) for k, r in got.items() if r} == {
        "police": ("essex/police", "Police desk", (EmailChannel(email="police@force.example"),)),
        "cps": ("essex/cps", "CPS unit", (EmailChannel(email="cps@cps.example"),)),
        "isva": ("essex/isva", "ISVA", (EmailChannel(email="isva@support.example"),)),
        "wcu": ("essex/wcu", "WCU", (EmailChannel(email="wcu@force.example"),)),
        "probation": ("essex/probation", "VCS", (EmailChannel(email="vcs@probation.example"),)),
        "area": ("essex/scrutiny", "Secretariat", (EmailChannel(email="panel@lcjb.example"),)),
        "court": ("essex/wcu", "WCU", (EmailChannel(email="wcu@force.example"),)),
    }


def test_owners_without_a_spoc_fall_back_in_the_documented_order() -> None:
    o = overlay()
    assert route("wcu", "essex", o, None).key == "essex/police"  # type: ignore[union-attr]
    assert route("probation", "essex", o, None).key == "essex/police"  # type: ignore[union-attr]
    assert route("court", "essex", o, None).key == "essex/police"  # type: ignore[union-attr]
    assert route("area", "essex", o, None) is None
    assert route("area", "essex", o, NATIONAL).key == "national"  # type: ignore[union-attr]
    # an area without an overlay has no SPOCs: only area notices reach the national contact
    assert route("police", "essex", None, NATIONAL) is None
    assert unroutable(["police", "area", "cps"], "essex", None, NATIONAL) == ["cps", "police"]


def test_explicit_channels_replace_the_mailbox_default() -> None:
    o = overlay(spocs={"police": {"team": "Desk", "mailbox": "desk@force.example", "channels": [
        {"email": "duty@force.example"},
        {"webhook": {"secret": "ESSEX_TEAMS", "format": "teams"}}]}})
    r = route("police", "essex", o, None)
    assert r is not None and r.channels == (
        EmailChannel(email="duty@force.example"),
        WebhookChannel(webhook=WebhookTarget(secret="ESSEX_TEAMS", format="teams")))


def test_escalation_goes_to_the_scrutiny_contact_then_the_national_contact() -> None:
    with_panel = overlay(scrutiny_group={"name": "Panel", "contact": {
        "team": "Secretariat", "mailbox": "panel@lcjb.example"}})
    keys = [getattr(escalation_route(n, "essex", with_panel, NATIONAL), "key", None)
            for n in (1, 2, 3)]
    assert keys == ["essex/scrutiny", "national", None]
    keys = [getattr(escalation_route(n, "essex", overlay(), NATIONAL), "key", None)
            for n in (1, 2)]
    assert keys == ["national", None]


def copy_configs(tmp_path: Path) -> Path:
    root = tmp_path / "area_configs"
    shutil.copytree(ROOT / "area_configs", root)
    return root


def test_validate_warns_per_area_about_unroutable_owners(tmp_path: Path) -> None:
    root = copy_configs(tmp_path)
    (root / "national" / "notify.yaml").write_text('digest_at: "08:00"\n', encoding="utf-8")
    kent = root / "areas" / "kent.yaml"
    text = kent.read_text(encoding="utf-8")
    kent.write_text(text.replace(
        ", contact: {team: Panel secretariat, mailbox: scrutiny@kent.lcjb.example}}", "}"),
        encoding="utf-8")
    result = CliRunner().invoke(app, ["config", "validate", str(root), "--today", "2026-11-28"])
    assert result.exit_code == 0
    lines = [ln for ln in result.output.splitlines() if "reach nobody" in ln]
    assert lines == [
        f"{root}/areas/kent.yaml:9:1: warning: spocs: notices for owner area reach nobody: no "
        "SPOC along the fallback chain (docs/config.md, Notifications) (allowed: add the SPOC, "
        "a scrutiny_group.contact, or a national_contact in national/notify.yaml)"]


def test_an_area_may_not_escalate_later_than_the_national_setting(tmp_path: Path) -> None:
    root = copy_configs(tmp_path)
    sw = root / "areas" / "south-wales.yaml"
    sw.write_text(sw.read_text(encoding="utf-8").replace(
        "escalate_after_working_days: 2", "escalate_after_working_days: 5"), encoding="utf-8")
    result = CliRunner().invoke(app, ["config", "validate", str(root), "--today", "2026-11-28"])
    assert result.exit_code == 2
    lines = [ln for ln in result.output.splitlines() if ": error: " in ln]
    assert lines == [
        f"{root}/areas/south-wales.yaml:22:59: error: notify.escalate_after_working_days: 5 "
        "working days is later than the national 3; an area may only escalate sooner "
        "(allowed: 1..3)"]


def test_a_webhook_url_in_the_overlay_is_refused(tmp_path: Path) -> None:
    root = copy_configs(tmp_path)
    sw = root / "areas" / "south-wales.yaml"
    sw.write_text(sw.read_text(encoding="utf-8").replace(
        "{secret: SOUTH_WALES_POLICE_TEAMS_WEBHOOK, format: teams}",
        "{url: 'https://example.webhook.office.com/x?key=k', format: teams}"), encoding="utf-8")
    result = CliRunner().invoke(app, ["config", "validate", str(root), "--today", "2026-11-28"])
    assert result.exit_code == 2
    errors = [ln.removeprefix(f"{root}/") for ln in result.output.splitlines()
              if ": error: " in ln]
    assert errors == [
        "areas/south-wales.yaml:15:9: error: spocs.police.channels[1].webhook.secret: required "
        'field "secret" is missing',
        "areas/south-wales.yaml:15:19: error: spocs.police.channels[1].webhook.url: unknown "
        'field "url" (allowed: secret, format)']
