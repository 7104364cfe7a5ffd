"""`python -m bot catalogue import|list|versions|export`: the back office's platform catalogue.

An import is checked as the shipped file is (bot.intake.catalogue.parse_catalogue: ids, both
languages, channels, no alias shared by two platforms) and, only when all of it is valid,
stored as a new version (bot.store.catalogue); the assistant's processes use the newest within
bot.intake.catalogue.REFRESH_S seconds, with no restart and no retraining.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from datetime import UTC
from pathlib import Path
from typing import Any

from bot.intake.catalogue import (
    REFRESH_S,
    Catalogue,
    CatalogueError,
    catalogue_content,
    counts,
    load_catalogue,
    parse_catalogue,
)
from bot.intake.catalogue_files import (
    CSV_COLUMNS,
    catalogue_csv,
    catalogue_json,
    read_catalogue_file,
)
from bot.runtime import settings
from bot.store import catalogue as versions
from bot.store.migrate import upgrade

__all__ = ["add_commands"]


def _error(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 1


def _store() -> str:
    url = settings.database_url()
    upgrade(url)
    return url


def _who() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _summary(stored: versions.StoredCatalogue | None) -> dict[str, Any]:
    if stored is None:
        return {"version": None, "source": "shipped", "imported_at": None, "imported_by": None}
    return {"version": stored.version, "source": stored.source,
            "imported_at": stored.imported_at.astimezone(UTC).isoformat(),
            "imported_by": stored.imported_by, "digest": stored.digest,
            "platforms": stored.platforms, "services": stored.services,
            "entities": stored.entities}


def _in_store(url: str, number: int | None) -> tuple[versions.StoredCatalogue | None, Catalogue]:
    """(the stored version, None for the shipped file; its catalogue): the newest, or
    version `number`."""
    stored = versions.latest(url) if number is None else versions.version(url, number)
    if number is not None and stored is None:
        raise CatalogueError(f"there is no catalogue version {number} (see `catalogue versions`)")
    if stored is None or stored.content is None:
        return None, load_catalogue()
    return stored, parse_catalogue(stored.content)


def _import(args: argparse.Namespace, _rest: list[str]) -> int:
    path = Path(args.file)
    try:
        catalogue = parse_catalogue(read_catalogue_file(path))
    except CatalogueError as error:
        return _error(f"{path.name}: {error}. Nothing was imported; mend the file and try again.")
    platforms, services, entities = counts(catalogue)
    size = f"{platforms} platforms, {services} services, {entities} entities"
    if args.dry_run:
        print(f"{path.name} is a valid catalogue ({size}); nothing imported (--dry-run).")
        return 0
    stored, created = versions.add_version(
        _store(), catalogue_content(catalogue), source=path.name, imported_by=_who(),
        counts=(platforms, services, entities))
    if args.json:
        print(json.dumps({**_summary(stored), "created": created}, ensure_ascii=False, indent=2))
    elif created:
        print(f"Imported {path.name} as catalogue version {stored.version} ({size}). The "
              f"assistant uses it within {REFRESH_S:g} s, with no restart or retraining.")
    else:
        print(f"Nothing changed: version {stored.version} already holds this catalogue.")
    return 0


def _list(args: argparse.Namespace, _rest: list[str]) -> int:
    try:
        stored, catalogue = _in_store(_store(), args.version)
    except CatalogueError as error:
        return _error(str(error))
    if args.json:
        print(json.dumps({**_summary(stored), **catalogue_content(catalogue)},
                         ensure_ascii=False, indent=2))
        return 0
    platforms, services, entities = counts(catalogue)
    if stored is None:
        print(f"The shipped catalogue (nothing imported): {platforms} platforms, {services} "
              f"services, {entities} entities.")
    else:
        print(f"Catalogue version {stored.version}, imported "
              f"{stored.imported_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC by {stored.imported_by} "
              f"from {stored.source}: {platforms} platforms, {services} services, "
              f"{entities} entities.")
    for platform in catalogue.platforms:
        print(f"\n{platform.id}  {platform.name_en} | {platform.name_ar}  "
              f"[{', '.join(platform.channels)}]  {platform.entity_en} | {platform.entity_ar}")
        for service in platform.services:
            print(f"  - {service.id}  {service.name_en} | {service.name_ar}")
    return 0


def _versions(args: argparse.Namespace, _rest: list[str]) -> int:
    found = versions.versions(_store())
    if args.json:
        print(json.dumps([_summary(stored) for stored in found], ensure_ascii=False, indent=2))
        return 0
    if not found:
        print("No catalogue was imported: the assistant uses the shipped one.")
        return 0
    print("version  imported (UTC)    by            platforms services entities  source")
    for stored in found:
        print(f"{stored.version:>7}  {stored.imported_at.astimezone(UTC):%Y-%m-%d %H:%M}  "
              f"{stored.imported_by[:12]:<12}  {stored.platforms:>9} {stored.services:>8} "
              f"{stored.entities:>8}  {stored.source}")
    return 0


def _export(args: argparse.Namespace, _rest: list[str]) -> int:
    path = Path(args.file)
    if path.suffix.lower() not in (".csv", ".json"):
        return _error(f"{path.name}: export to a .csv or .json file")
    try:
        stored, catalogue = _in_store(_store(), args.version)
    except CatalogueError as error:
        return _error(str(error))
    text = catalogue_csv(catalogue) if path.suffix.lower() == ".csv" else catalogue_json(catalogue)
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        return _error(f"{path}: {error.strerror or error}")
    which = "the shipped catalogue" if stored is None else f"catalogue version {stored.version}"
    print(f"Wrote {which} to {path} ({counts(catalogue)[1]} services). Edit it and "
          f"`catalogue import` it back.")
    return 0


def add_commands(commands: Any) -> None:
    """The `catalogue` command and its subcommands, on the CLI's subparsers."""
    catalogue = commands.add_parser(
        "catalogue", help="the platforms and services the assistant recognises",
        description="The catalogue of government platforms and services the assistant "
        "matches users' words against: import a new version (no redeploy, no retraining), "
        "list it, see its versions, export it to edit.")
    subcommands = catalogue.add_subparsers(dest="catalogue_command", metavar="SUBCOMMAND",
                                           required=True)
    importing = subcommands.add_parser(
        "import", help="check FILE.csv|json and store it as the newest version",
        description="Check a catalogue file and, when all of it is valid, store it as the "
        "newest version; the assistant uses it within a few seconds. CSV columns: "
        + ", ".join(CSV_COLUMNS) + " (lists separated by |, one row a service).")
    importing.add_argument("file", metavar="FILE", help="a .csv or .json file (or .yml)")
    importing.add_argument("--dry-run", action="store_true", help="check only, store nothing")
    importing.add_argument("--json", action="store_true", help="print the version as JSON")
    importing.set_defaults(handler=_import)
    listing = subcommands.add_parser(
        "list", help="the catalogue in use (or --version N)",
        description="The catalogue in use: the newest imported version, or the shipped one.")
    listing.add_argument("--version", type=int, metavar="N", help="an older version")
    listing.add_argument("--json", action="store_true", help="as JSON (the import's shape)")
    listing.set_defaults(handler=_list)
    history = subcommands.add_parser("versions", help="every imported version, newest first")
    history.add_argument("--json", action="store_true")
    history.set_defaults(handler=_versions)
    export = subcommands.add_parser(
        "export", help="write the catalogue in use to FILE.csv|json, to edit and import",
        description="Write the catalogue in use (or --version N) to a .csv or .json file.")
    export.add_argument("file", metavar="FILE")
    export.add_argument("--version", type=int, metavar="N")
    export.set_defaults(handler=_export)
