"""bot.intake.catalogue_files: the catalogue as CSV and JSON, read back to the same catalogue;
bad files refused with the row and the column; the catalogue in use follows the store."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from bot.intake import catalogue as cat
from bot.intake.catalogue import (
    CatalogueError,
    catalogue_content,
    counts,
    load_catalogue,
    match_platform,
    parse_catalogue,
    use_store,
)
from bot.intake.catalogue_files import (
    CSV_COLUMNS,
    catalogue_csv,
    catalogue_json,
    read_catalogue_file,
    read_csv,
)
from bot.store import catalogue as versions
from bot.store.migrate import upgrade


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


@pytest.mark.parametrize("suffix", [".csv", ".json"])
def test_an_export_reads_back_as_the_same_catalogue(tmp_path: Path, suffix: str) -> None:
    shipped = load_catalogue()
    path = tmp_path / f"catalogue{suffix}"
    path.write_text(catalogue_csv(shipped) if suffix == ".csv" else catalogue_json(shipped),
                    encoding="utf-8")
    again = parse_catalogue(read_catalogue_file(path))
    assert catalogue_content(again) == catalogue_content(shipped)
    assert counts(again) == counts(shipped)


def test_csv_from_a_spreadsheet_with_a_bom_and_blank_lines(tmp_path: Path) -> None:
    text = catalogue_csv(load_catalogue())
    lines = text.splitlines()
    path = tmp_path / "excel.csv"
    path.write_text("\ufeff" + "\n".join([lines[0], lines[1], ",,,,,,,,,,,", *lines[2:]]),
                    encoding="utf-8")
    assert counts(parse_catalogue(read_catalogue_file(path))) == counts(load_catalogue())


def test_a_platform_without_services_and_a_new_one(tmp_path: Path) -> None:
    rows = _rows(catalogue_csv(load_catalogue()))
    rows.append({
        "platform_id": "wathq", "platform_name_ar": "واثق", "platform_name_en": "Wathq",
        "platform_aliases": "wathiq|واثق التجاري", "entity_ar": "وزارة التجارة",
        "entity_en": "Ministry of Commerce", "channels": "web", "common_words": "",
        "service_id": "", "service_name_ar": "", "service_name_en": "", "service_aliases": "",
    })
    catalogue = parse_catalogue(read_catalogue_file(_write_csv(tmp_path / "c.csv", rows)))
    wathq = catalogue.get("wathq")
    assert wathq is not None and wathq.services == () and wathq.aliases[1] == "واثق التجاري"


def aliases_of(rows: list[dict[str, str]], platform_id: str) -> str:
    return next(row["platform_aliases"] for row in rows if row["platform_id"] == platform_id)


def each(rows: list[dict[str, str]], platform_id: str, **changes: str) -> None:
    """The same change on every row of one platform (its columns repeat on each)."""
    for row in rows:
        if row["platform_id"] == platform_id:
            row.update(changes)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda rows: rows[1].update(entity_en="Ministry of Health"),
         "row 3: `entity_en` of platform absher differs from row 2"),
        (lambda rows: each(rows, "absher", platform_name_en=""), "`name_en` is missing or empty"),
        (lambda rows: each(rows, "absher", channels="web|fax"), "channels must be a non-empty"),
        (lambda rows: rows[0].update(platform_id=""), "row 2: `platform_id` is empty"),
        (lambda rows: rows[0].update(service_id=""), "row 2: a service with no `service_id`"),
        (lambda rows: rows[0].update(service_name_ar="Renewal"),
         "service national_id_renewal: the Arabic name 'Renewal' has no Arabic letter"),
        (lambda rows: each(rows, "ksa_visa", platform_aliases=aliases_of(rows, "ksa_visa")
                           + "|ابشر"),
         "'ابشر' names both 'absher'"),
        (lambda rows: rows.append(dict(rows[0])), "service id 'national_id_renewal' appears"),
    ],
)
def test_a_bad_csv_is_refused_with_where(tmp_path: Path, change, message: str) -> None:
    rows = _rows(catalogue_csv(load_catalogue()))
    change(rows)
    path = _write_csv(tmp_path / "bad.csv", rows)
    with pytest.raises(CatalogueError) as refused:
        parse_catalogue(read_catalogue_file(path))
    assert message in str(refused.value)


def test_files_that_are_not_a_catalogue(tmp_path: Path) -> None:
    cases = {
        "a.txt": ("x", "use a .csv or .json file"),
        "b.json": ("{not json", "b.json is not valid JSON"),
        "c.json": ('{"platforms": []}', "lists no platform"),
        "d.csv": ("id,name\nabsher,x\n", "the header row lacks the column(s) platform_id"),
    }
    for name, (text, message) in cases.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        with pytest.raises(CatalogueError, match=re.escape(message)):
            parse_catalogue(read_catalogue_file(path))
    latin1 = tmp_path / "e.csv"
    latin1.write_bytes("platform_id\ncaf\xe9\n".encode("latin-1"))
    with pytest.raises(CatalogueError, match="is not UTF-8"):
        read_catalogue_file(latin1)
    with pytest.raises(CatalogueError, match=r"missing\.csv"):
        read_catalogue_file(tmp_path / "missing.csv")
    with pytest.raises(CatalogueError, match="more cells than columns"):
        read_csv(",".join(CSV_COLUMNS) + "\n" + ",".join(["x"] * (len(CSV_COLUMNS) + 1)))


def test_the_catalogue_in_use_follows_the_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new version is matched against within REFRESH_S, with no restart; the shipped file
    until one is imported, and while the store cannot be read."""
    url = f"sqlite:///{tmp_path / 'reports.db'}"
    upgrade(url)
    clock = [1000.0]
    monkeypatch.setattr(cat.time, "monotonic", lambda: clock[0])
    use_store(url)
    try:
        assert cat.catalogue_in_use() == (None, load_catalogue())
        assert not match_platform("واثق") or not match_platform("واثق")[0].confident
        content = catalogue_content(load_catalogue())
        content["platforms"].append({
            "id": "wathq", "name_ar": "واثق", "name_en": "Wathq", "aliases": ["wathiq"],
            "entity_ar": "وزارة التجارة", "entity_en": "Ministry of Commerce",
            "channels": ["web"], "services": [],
        })
        versions.add_version(url, content, source="t.json", imported_by="test", counts=(0, 0, 0))
        clock[0] += cat.REFRESH_S - 1  # not looked for yet
        assert cat.catalogue_in_use()[0] is None
        clock[0] += 1
        version, in_use = cat.catalogue_in_use()
        assert version == 1 and in_use.get("wathq") is not None
        found = match_platform("منصة واثق")
        assert found and found[0].platform.id == "wathq" and found[0].confident
        # the store unreadable: the version in use is kept
        monkeypatch.setattr(versions, "latest_version", unreadable)
        clock[0] += cat.REFRESH_S
        assert cat.catalogue_in_use()[0] == 1
    finally:
        use_store(None)
    assert cat.catalogue_in_use() == (None, load_catalogue())
    assert json.loads(catalogue_json(load_catalogue()))["platforms"][0]["id"] == "absher"


def unreadable(_url: str) -> int:
    from sqlalchemy.exc import OperationalError

    raise OperationalError("SELECT", {}, Exception("database is locked"))


def test_how_often_the_store_is_looked_at(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.runtime import serve, settings

    monkeypatch.delenv("BALAGH_CATALOGUE_REFRESH_S", raising=False)
    assert settings.catalogue_refresh_s() == cat.REFRESH_S == 15.0
    monkeypatch.setenv("BALAGH_CATALOGUE_REFRESH_S", "0.5")
    assert settings.catalogue_refresh_s() == 0.5
    for wrong in ("0", "-3", "soon"):
        monkeypatch.setenv("BALAGH_CATALOGUE_REFRESH_S", wrong)
        with pytest.raises(ValueError, match="a number of seconds above 0"):
            settings.catalogue_refresh_s()
        with pytest.raises(serve.StartError, match="BALAGH_CATALOGUE_REFRESH_S"):
            serve.preflight(serve.parse_args(["--rasa-port", "1", "--actions-port", "2"]))
