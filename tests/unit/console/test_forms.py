"""Forms from the API's request schemas, and submitted forms back into the JSON bodies they describe."""

from __future__ import annotations

from xborder.console.forms import FormCatalog, FormField, local_to_rfc3339, parse_urlencoded, to_body


def _widgets(fields: tuple[FormField, ...]) -> dict[str, str]:
    found = {}
    for f in fields:
        found[f.path] = f.widget
        for child in f.children:
            found[f"{f.path}.{child.path}" if f.widget == "rows" else child.path] = child.widget
    return found


def test_a_commands_form_has_exactly_its_bodys_fields(catalog: FormCatalog) -> None:
    refusal = catalog.command("transfer", "refuse_transfer")
    assert refusal is not None
    assert refusal.path == "/v1/transfers/{case_id}/refusal"
    assert _widgets(refusal.fields) == {"reasons": "choices", "detail": "textarea"}
    assert refusal.fields[0].required and "stolen" in refusal.fields[0].options
    release = catalog.command("transfer", "release_archive")
    assert release is not None and [f.path for f in release.fields] == ["archive_ref"]
    review = catalog.command("objection", "start_review")
    assert review is not None and review.fields == ()


def test_widgets_follow_the_schema(catalog: FormCatalog) -> None:
    transfer = catalog.opening("transfer")
    assert transfer is not None and transfer.opening
    widgets = _widgets(transfer.fields)
    assert widgets["plate"] == "text"
    assert widgets["vehicle_type"] == "choice"  # free text to the API, the domain's types here
    assert widgets["destination_province"] == "province"
    assert widgets["owner"] == "group" and widgets["owner.id_number"] == "text"
    assert widgets["mortgaged"] == "checkbox"
    rescue = catalog.opening("rescue")
    assert rescue is not None
    widgets = _widgets(rescue.fields)
    assert widgets["occurred_at"] == "datetime"
    assert widgets["driver_fled"] == "yesno"
    assert widgets["casualties"] == "rows" and widgets["casualties.severity"] == "choice"
    assert widgets["place.km"] == "number"
    assistance = catalog.command("hit_and_run", "request_assistance")
    assert assistance is not None
    assert _widgets(assistance.fields) == {"targets": "provinces", "ack_within_hours": "integer"}
    evidence = catalog.command("objection", "supply_evidence")
    assert evidence is not None and _widgets(evidence.fields)["evidence"] == "lines"


def test_a_submitted_form_becomes_the_commands_body(catalog: FormCatalog) -> None:
    transfer = catalog.opening("transfer")
    assert transfer is not None
    data = parse_urlencoded(
        b"plate=%E5%B7%9DA12345&vin=1M8GDM9AXKP042788&vehicle_type=small_passenger&use=non_commercial"
        b"&owner.name=%E5%BC%A0%E4%B8%89&owner.id_number=11010519491231002X&owner.phone=13812345678"
        b"&destination_province=500000&destination_city=X&residence_proof=RP-1"
        b"&mortgagee.name=&mortgagee.consent_ref=&csrf=abc&idempotency_key=k"
    )
    body = to_body(transfer.fields, data)
    assert body.json == {
        "plate": "川A12345",
        "vin": "1M8GDM9AXKP042788",
        "vehicle_type": "small_passenger",
        "use": "non_commercial",
        "owner": {"name": "张三", "id_number": "11010519491231002X", "phone": "13812345678"},
        "destination_province": "500000",
        "destination_city": "X",
        "residence_proof": "RP-1",
    }


def test_values_are_typed_and_bad_ones_passed_on_for_the_api_to_name(catalog: FormCatalog) -> None:
    rescue = catalog.opening("rescue")
    assert rescue is not None
    data = {
        "occurred_at": ["2026-11-20T14:52"],
        "place.road": ["G75"],
        "place.km": ["2101.3"],
        "place.lat": ["north"],
        "driver_fled": ["false"],
        "casualties.0.ref": ["P1"],
        "casualties.0.severity": ["serious"],
        "casualties.2.ref": ["P2"],
        "casualties.2.severity": ["minor"],
    }
    body = to_body(rescue.fields, data)
    assert body.json["occurred_at"] == "2026-11-20T14:52:00+08:00"
    assert body.json["place"] == {"road": "G75", "km": 2101.3, "lat": "north"}
    assert body.json["driver_fled"] is False
    assert body.json["casualties"] == [
        {"ref": "P1", "severity": "serious"},
        {"ref": "P2", "severity": "minor"},
    ]
    assert "vehicles" not in body.json  # empty rows are left out
    # The API numbers the rows it got; the page shows the error at the row the user filled.
    assert body.form_path("casualties.1.severity") == "casualties.2.severity"
    assert body.form_path("casualties.0.ref") == "casualties.0.ref"
    assert body.form_path("place.lat") == "place.lat"


def test_lists_and_choices(catalog: FormCatalog) -> None:
    refusal = catalog.command("transfer", "refuse_transfer")
    evidence = catalog.command("objection", "supply_evidence")
    assert refusal is not None and evidence is not None
    assert to_body(refusal.fields, {"reasons": ["stolen", "near_scrapping"]}).json == {
        "reasons": ["stolen", "near_scrapping"]
    }
    assert to_body(refusal.fields, {}).json == {"reasons": []}  # required: the API says it is missing
    assert to_body(evidence.fields, {"evidence": ["CCTV-1\r\n\r\n CCTV-2 \n"]}).json == {
        "evidence": ["CCTV-1", "CCTV-2"]
    }


def test_local_times_are_beijing_time() -> None:
    assert local_to_rfc3339("2026-11-20T14:52") == "2026-11-20T14:52:00+08:00"
    assert local_to_rfc3339("2026-11-20T14:52:30") == "2026-11-20T14:52:30+08:00"
    assert local_to_rfc3339("2026-11-20T14:52:00Z") == "2026-11-20T14:52:00Z"
    assert local_to_rfc3339("yesterday") == "yesterday"
