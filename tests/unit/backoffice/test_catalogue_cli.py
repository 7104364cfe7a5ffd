"""`python -m bot catalogue import|list|versions|export` (bot.backoffice.catalogue), run
in-process on a store in tmp_path: a valid file becomes the newest version, a retried import
adds none, a bad one is refused whole with what to mend, and the export reads back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main
from bot.intake.catalogue import catalogue_content, load_catalogue
from bot.intake.catalogue_files import catalogue_csv
from bot.store import catalogue as versions
from bot.store.migrate import upgrade


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'reports.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    upgrade(url)
    return url


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["catalogue", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_import_list_versions_export(
    store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "list")
    assert code == 0 and out.startswith("The shipped catalogue (nothing imported)")
    assert "absher  Absher | أبشر" in out
    content = catalogue_content(load_catalogue())
    content["platforms"][0]["services"].append(
        {"id": "new_service", "name_ar": "خدمة جديدة", "name_en": "A new service",
         "aliases": []})
    new = tmp_path / "new.json"
    new.write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")

    code, out, _ = run(capsys, "import", str(new), "--dry-run")
    assert code == 0 and "is a valid catalogue" in out and versions.latest(store) is None
    code, out, _ = run(capsys, "import", str(new))
    assert code == 0 and out.startswith("Imported new.json as catalogue version 1 (")
    code, out, _ = run(capsys, "import", str(new))  # retried: nothing new
    assert code == 0 and "Nothing changed: version 1" in out
    assert [v.version for v in versions.versions(store)] == [1]

    code, out, _ = run(capsys, "list", "--json")
    listed = json.loads(out)
    assert listed["version"] == 1 and listed["source"] == "new.json"
    assert listed["platforms"][0]["services"][-1]["id"] == "new_service"
    code, out, _ = run(capsys, "list")
    assert out.startswith("Catalogue version 1, imported ") and "new_service" in out

    exported = tmp_path / "out.csv"
    code, out, _ = run(capsys, "export", str(exported))
    assert code == 0 and "Wrote catalogue version 1" in out
    code, out, _ = run(capsys, "import", str(exported))  # the same catalogue, as CSV
    assert "Nothing changed: version 1" in out
    old = tmp_path / "old.csv"
    old.write_text(catalogue_csv(load_catalogue()), encoding="utf-8")
    code, out, _ = run(capsys, "import", str(old), "--json")
    assert json.loads(out)["version"] == 2 and json.loads(out)["created"] is True
    code, out, _ = run(capsys, "versions", "--json")
    assert [(v["version"], v["source"]) for v in json.loads(out)] == [
        (2, "old.csv"), (1, "new.json")]
    code, out, _ = run(capsys, "list", "--version", "1", "--json")
    assert json.loads(out)["platforms"][0]["services"][-1]["id"] == "new_service"
    code, _, err = run(capsys, "list", "--version", "7")
    assert code == 1 and "there is no catalogue version 7" in err


def test_a_bad_file_is_refused_whole(
    store: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = catalogue_csv(load_catalogue()).splitlines()
    rows[5] = rows[5].replace(",web|app,", ",web|fax,", 1)
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(rows) + "\n", encoding="utf-8")
    code, out, err = run(capsys, "import", str(bad))
    assert code == 1 and out == ""
    assert "bad.csv:" in err and "channels" in err
    assert "Nothing was imported; mend the file and try again." in err
    assert versions.latest(store) is None
    code, _, err = run(capsys, "export", str(tmp_path / "x.xlsx"))
    assert code == 1 and "export to a .csv or .json file" in err
    code, out, _ = run(capsys, "versions")
    assert "No catalogue was imported" in out
