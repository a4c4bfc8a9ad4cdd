"""Open311 GeoReport v2: discovery, services, definitions, requests (list, filters, one, create), tokens,
JSON and XML, errors — and an existing Open311 client library (georeport, from PyPI) against a live server."""

import datetime as dt
import xml.etree.ElementTree as ET

from django.core.management import call_command
from django.utils import timezone

from cunzhi.concerns import services
from cunzhi.concerns.models import Channel, Concern, Kind, Open311Key, Rating
from cunzhi.concerns.tests.conftest import photo
from cunzhi.people.tests.factories import full_width

BASE = "/open311/v2"


def make(cw, **kw):
    kw.setdefault("actor", cw.villager_a)
    kw.setdefault("category", cw.roads)
    kw.setdefault("kind", Kind.REPORT)
    kw.setdefault("text", "村口路灯坏了三盏，晚上很黑")
    return services.concern_submit(**kw)


def test_discovery_and_services_json_and_xml(client, cw):
    d = client.get(f"{BASE}/discovery.json").json()
    assert d["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert d["endpoints"][0]["url"].endswith("/open311/v2/")
    services_ = client.get(f"{BASE}/services.json").json()
    assert [s["service_code"] for s in services_] == ["roads", "subsidy"] and services_[0]["metadata"] is True
    root = ET.fromstring(client.get(f"{BASE}/services.xml").content)
    assert root.tag == "services" and [e.findtext("service_code") for e in root.findall("service")] == [
        "roads",
        "subsidy",
    ]
    definition = client.get(f"{BASE}/services/roads.json").json()
    village = definition["attributes"][0]
    assert village["code"] == "village" and village["required"] is True
    assert {"key": cw.village_a.code, "name": "鹤鹿溪村"} in village["values"]
    root = ET.fromstring(client.get(f"{BASE}/services/roads.xml").content)
    assert root.tag == "service_definition" and root.find("attributes/attribute/values/value/key") is not None


def test_errors_are_open311_shaped(client, cw):
    r = client.get(f"{BASE}/services/nope.json")
    assert r.status_code == 404 and r.json()[0]["code"] == 404
    r = client.get(f"{BASE}/services/nope.xml")
    assert r.status_code == 404 and ET.fromstring(r.content).findtext("error/code") == "404"
    assert client.get(f"{BASE}/services.yaml").status_code == 404
    assert client.get(f"{BASE}/requests.json", {"status": "maybe"}).status_code == 400
    assert client.get(f"{BASE}/requests.json", {"start_date": "yesterday"}).status_code == 400
    assert client.delete(f"{BASE}/requests.json").status_code == 405


def test_requests_list_filters_and_privacy(client, cw, settings):
    settings.SITE_URL = "http://testserver"  # links that leave the site are built from SITE_URL (core/links.py)
    lamp = make(cw, photos=[photo()], place="村口")
    private = make(cw, is_public=False, text="私事")
    subsidy = make(cw, category=cw.subsidy, kind=Kind.HELP, text="低保怎么办")
    services.concern_answer(actor=cw.township_staff, concern=subsidy, text="带户口本来")
    services.concern_confirm(actor=cw.villager_a, concern=subsidy, rating=Rating.SATISFIED)
    rows = client.get(f"{BASE}/requests.json").json()
    ids = {r["service_request_id"] for r in rows}
    assert ids == {lamp.public_id, subsidy.public_id} and private.public_id not in ids
    row = next(r for r in rows if r["service_request_id"] == lamp.public_id)
    assert row["status"] == "open" and row["agency_responsible"] == "鹤鹿溪村 village committee"
    assert row["expected_datetime"] == lamp.answer_due_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert row["media_url"].startswith("http://testserver/concerns/photo/") and "张三" not in str(row)
    closed = next(r for r in rows if r["service_request_id"] == subsidy.public_id)
    assert closed["status"] == "closed" and closed["status_notes"] == "带户口本来"
    assert closed["agency_responsible"] == "递铺街道民政办" and closed["expected_datetime"] is None
    assert [r["service_request_id"] for r in client.get(f"{BASE}/requests.json", {"status": "closed"}).json()] == [
        subsidy.public_id
    ]
    assert [r["service_request_id"] for r in client.get(f"{BASE}/requests.json", {"service_code": "roads"}).json()] == [
        lamp.public_id
    ]
    tomorrow = (timezone.now() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert client.get(f"{BASE}/requests.json", {"start_date": tomorrow}).json() == []
    assert (
        len(client.get(f"{BASE}/requests.json", {"service_request_id": f"{lamp.public_id},{private.public_id}"}).json())
        == 1
    )
    root = ET.fromstring(client.get(f"{BASE}/requests.xml").content)
    assert root.tag == "service_requests" and len(root.findall("request")) == 2
    one = client.get(f"{BASE}/requests/{lamp.public_id}.json").json()
    assert len(one) == 1 and one[0]["description"] == lamp.text
    assert client.get(f"{BASE}/requests/{private.public_id}.json").status_code == 404


def test_xml_stays_readable_whatever_control_characters_were_stored(client, cw):
    # The edge refuses NUL in new input (cunzhi/web/tests/test_edge.py); text stored before, and
    # control characters that are fine in a database but not in XML 1.0, must not break the feed.
    from django.db import connection

    text = "路灯\x01坏了\x0b三盏\x1f" + ("\x00" if connection.vendor == "sqlite" else "")  # PostgreSQL refuses NUL
    c = make(cw, text="村口路灯坏了")
    Concern.objects.filter(pk=c.pk).update(text=text, place="东\x08桥")
    root = ET.fromstring(client.get(f"{BASE}/requests.xml").content)
    assert root.findtext("request/description") == "路灯坏了三盏"
    assert root.findtext("request/address") == "鹤鹿溪村 东桥"
    assert (
        ET.fromstring(client.get(f"{BASE}/requests/{c.public_id}.xml").content).findtext("request/description")
        == "路灯坏了三盏"
    )
    assert client.get(f"{BASE}/requests.json").json()[0]["description"] == text  # JSON carries them escaped


def test_create_needs_a_key_and_files_a_routed_concern(client, cw, capsys):
    call_command("open311_key", "--name", "县12345热线")
    key = capsys.readouterr().out.split()[-1]
    assert Open311Key.objects.get().key_prefix == key[:8]
    form = {
        "service_code": "roads",
        "attribute[village]": cw.village_a.code,
        "description": "桥头护栏断了",
        "first_name": "大妈",
        "last_name": "王",
        "phone": "13900000001",
        "address_string": "东桥",
    }
    assert client.post(f"{BASE}/requests.json", form).status_code == 403
    assert client.post(f"{BASE}/requests.json", {**form, "api_key": "wrong"}).status_code == 403
    for bad in ({"service_code": "nope"}, {"attribute[village]": "123"}, {"description": ""}, {"lat": "north"}):
        r = client.post(f"{BASE}/requests.json", {**form, "api_key": key, **bad})
        assert r.status_code == 400 and r.json()[0]["description"]
    assert not Concern.objects.exists()
    r = client.post(f"{BASE}/requests.json", {**form, "api_key": key})
    assert r.status_code == 201
    sid = r.json()[0]["service_request_id"]
    c = Concern.objects.get(public_id=sid)
    assert c.channel == Channel.OPEN311 and c.owner == cw.cadre_a and c.place == "东桥"
    assert c.villager == cw.villager_a.villager  # the phone matched a villager of that village
    assert client.get(f"{BASE}/tokens/{r.json()[0]['token']}.json").json()[0]["service_request_id"] == sid
    # XML too; a revoked key no longer works.
    r = client.post(f"{BASE}/requests.xml", {**form, "api_key": key, "phone": ""})
    assert r.status_code == 201 and ET.fromstring(r.content).findtext("request/service_request_id")
    services.open311_key_revoke(actor=None, key=Open311Key.objects.get())
    assert client.post(f"{BASE}/requests.json", {**form, "api_key": key}).status_code == 403


def test_a_full_width_phone_finds_the_villager(client, cw, capsys):
    call_command("open311_key", "--name", "县12345热线")
    key = capsys.readouterr().out.split()[-1]
    r = client.post(
        f"{BASE}/requests.json",
        {
            "service_code": "roads",
            "attribute[village]": cw.village_a.code,
            "description": "桥头护栏断了",
            "phone": full_width("139 0000 0001"),
            "api_key": key,
        },
    )
    assert r.status_code == 201
    c = Concern.objects.get()
    assert c.villager == cw.villager_a.villager


def test_georeport_client_library_reads_the_endpoint(transactional_db, live_server, cw):
    """The `georeport` package (PyPI) speaks to our server as it would to any city's Open311 endpoint."""
    import georeport  # a dev dependency (pyproject.toml): this test must run, never be skipped

    lamp = make(cw)
    answered = make(cw, category=cw.subsidy, kind=Kind.HELP, text="低保")
    services.concern_answer(actor=cw.township_staff, concern=answered, text="可以申请")
    for fmt in ("json", "xml"):
        client = georeport.GeoReport(live_server.url + "/open311/v2/", output_format=fmt)
        codes = [s["service_code"] for s in client.get_service_list()]
        assert codes == ["roads", "subsidy"]
        definition = client.get_service_definition("roads")
        assert definition["service_code"] == "roads"
        reqs = client.get_service_requests()
        got = {r["service_request_id"]: r for r in reqs}
        assert set(got) == {lamp.public_id, answered.public_id}
        assert got[answered.public_id]["status_notes"] == "可以申请"
        one = client.get_service_request(lamp.public_id)
        assert one["service_request_id"] == lamp.public_id and one["status"] == "open"
        if fmt == "json":  # the library cannot parse an empty XML list (<service_requests/>): its limit, not ours
            assert client.get_service_requests(status="closed") == []
