"""The catalogue as files the back office edits: CSV (one row a service) and JSON (the shape of
bot/intake/data/catalogue.yml), read into that shape and written from a `Catalogue`.

CSV columns (`CSV_COLUMNS`, a header row first, UTF-8 with or without a BOM, as spreadsheets
save it): a platform's own columns repeat on each of its services' rows and must agree; a row
with no `service_id` lists a platform without that row's service; lists (aliases, channels,
common words) are separated by `|`. Errors name the row and the column.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import yaml

from bot.intake.catalogue import Catalogue, CatalogueError, catalogue_content

__all__ = ["CSV_COLUMNS", "FORMATS", "catalogue_csv", "catalogue_json", "read_catalogue_file",
           "read_csv"]

PLATFORM_COLUMNS = ("platform_id", "platform_name_ar", "platform_name_en", "platform_aliases",
                    "entity_ar", "entity_en", "channels", "common_words")
SERVICE_COLUMNS = ("service_id", "service_name_ar", "service_name_en", "service_aliases")
CSV_COLUMNS = PLATFORM_COLUMNS + SERVICE_COLUMNS
FORMATS = (".csv", ".json", ".yml", ".yaml")
LIST_SEPARATOR = "|"

# CSV column -> the key of the YAML shape
_PLATFORM_KEYS = {"platform_id": "id", "platform_name_ar": "name_ar",
                  "platform_name_en": "name_en", "platform_aliases": "aliases",
                  "entity_ar": "entity_ar", "entity_en": "entity_en", "channels": "channels",
                  "common_words": "common_words"}
_SERVICE_KEYS = {"service_id": "id", "service_name_ar": "name_ar",
                 "service_name_en": "name_en", "service_aliases": "aliases"}
_LIST_COLUMNS = {"platform_aliases", "channels", "common_words", "service_aliases"}


def _cell(row: dict[str, str | None], column: str) -> Any:
    value = (row.get(column) or "").strip()
    if column in _LIST_COLUMNS:
        return [part.strip() for part in value.split(LIST_SEPARATOR) if part.strip()]
    return value


def read_csv(text: str) -> dict[str, Any]:
    """The catalogue's data from CSV text (see the module's docstring); not yet checked."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [column for column in CSV_COLUMNS if column not in header]
    if missing:
        raise CatalogueError(
            f"the header row lacks the column(s) {', '.join(missing)} (expected: "
            f"{', '.join(CSV_COLUMNS)})")
    reader.fieldnames = header
    platforms: dict[str, dict[str, Any]] = {}
    first_row: dict[str, int] = {}
    for number, row in enumerate(reader, start=2):
        if None in row:
            raise CatalogueError(f"row {number}: more cells than columns")
        if not any((value or "").strip() for value in row.values()):
            continue  # a blank line
        platform_id = _cell(row, "platform_id")
        if not platform_id:
            raise CatalogueError(f"row {number}: `platform_id` is empty")
        own = {_PLATFORM_KEYS[column]: _cell(row, column) for column in PLATFORM_COLUMNS}
        platform = platforms.get(platform_id)
        if platform is None:
            platform = platforms[platform_id] = {**own, "services": []}
            first_row[platform_id] = number
        else:
            for column in PLATFORM_COLUMNS:
                if platform[_PLATFORM_KEYS[column]] != own[_PLATFORM_KEYS[column]]:
                    raise CatalogueError(
                        f"row {number}: `{column}` of platform {platform_id} differs from "
                        f"row {first_row[platform_id]}")
        if _cell(row, "service_id"):
            platform["services"].append(
                {_SERVICE_KEYS[column]: _cell(row, column) for column in SERVICE_COLUMNS})
        elif any(_cell(row, column) for column in SERVICE_COLUMNS):
            raise CatalogueError(f"row {number}: a service with no `service_id`")
    return {"version": 1, "platforms": list(platforms.values())}


def read_catalogue_file(path: Path) -> dict[str, Any]:
    """The catalogue's data from a .csv, .json or .yml file; not yet checked (parse it with
    bot.intake.catalogue.parse_catalogue). Unreadable files raise CatalogueError."""
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise CatalogueError(f"{path.name}: use a .csv or .json file (or .yml)")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise CatalogueError(f"{path.name} is not UTF-8 text ({error.reason})") from error
    except OSError as error:
        raise CatalogueError(f"{path}: {error.strerror or error}") from error
    if suffix == ".csv":
        return read_csv(text)
    try:
        return json.loads(text.lstrip("\ufeff")) if suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as error:
        raise CatalogueError(f"{path.name} is not valid {suffix[1:].upper()}: {error}") from error


def catalogue_json(catalogue: Catalogue) -> str:
    return json.dumps(catalogue_content(catalogue), ensure_ascii=False, indent=2) + "\n"


def catalogue_csv(catalogue: Catalogue) -> str:
    """The catalogue as CSV (`read_csv` of it gives the same data back)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for platform in catalogue.platforms:
        own = [platform.id, platform.name_ar, platform.name_en,
               LIST_SEPARATOR.join(platform.aliases), platform.entity_ar, platform.entity_en,
               LIST_SEPARATOR.join(platform.channels), LIST_SEPARATOR.join(platform.common_words)]
        if not platform.services:
            writer.writerow([*own, "", "", "", ""])
        for service in platform.services:
            writer.writerow([*own, service.id, service.name_ar, service.name_en,
                             LIST_SEPARATOR.join(service.aliases)])
    return out.getvalue()
