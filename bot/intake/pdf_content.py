"""Parsing an uploaded PDF and looking for active content, within a fixed budget of work.

A PDF that only shows pages is accepted. One that can act when opened by the back office is
refused: JavaScript (`/JavaScript`, `/JS`, also from `/OpenAction` and `/AA` triggers),
launch actions (`/Launch`), embedded files (`/EmbeddedFile(s)`, `/EF`, `/FileAttachment`
annotations), form submission or import (`/SubmitForm`, `/ImportData`), jumps into other
files (`/GoToR`, `/GoToE`), rich media (`/RichMedia…`) and XFA forms (`/XFA`). An
`/OpenAction` or `/AA` that only goes to a page or a link stays allowed: the action it points
to is what is looked at.

The file is parsed with pypdf, not grepped: every object the cross-reference sections list
is read, those inside compressed object streams (`/ObjStm`) included, and every dictionary
key and name value in it is compared. pypdf decodes `#xx` escapes in names, so
`/J#61vaScript` is `/JavaScript` here as it is for a PDF reader. References to objects that
the cross-reference lacks are followed too (pypdf finds them by scanning, as lenient readers
do). Page content streams are not decoded: they draw and cannot hold actions.

Hostile files are bounded: the cross-reference entries and `obj` keywords are counted before
parsing (MAX_PDF_OBJECTS), pypdf's own decompression and collection limits are lowered, every
read pypdf makes checks a deadline of PDF_CHECK_SECONDS of this thread's CPU time (parse and
walk together), and the walk stops after MAX_PDF_OBJECTS objects or MAX_PDF_ITEMS values.
Each outcome is an exception: PdfUnreadable, PdfActiveContent, PdfTooComplex.

Not covered: bytes outside every object the parser can reach (an orphan object that no
cross-reference lists) are not looked at; a reader opens them no more than pypdf does.
"""

from __future__ import annotations

import io
import logging
import re
import time
from collections.abc import Iterable

from pypdf import PasswordType, PdfReader, apply_configuration
from pypdf.errors import LimitReachedError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

__all__ = [
    "ACTIVE_NAMES",
    "MAX_PDF_ITEMS",
    "MAX_PDF_OBJECTS",
    "PDF_CHECK_SECONDS",
    "PdfActiveContent",
    "PdfTooComplex",
    "PdfUnreadable",
    "check_pdf_content",
]

# Names (as keys or values, after `#xx` decoding) that make a PDF do something on its own.
ACTIVE_NAMES = frozenset(
    {
        "/JavaScript",  # action type, and the document's name tree of scripts
        "/JS",  # the script of an action
        "/Launch",  # run a program or open another file
        "/EmbeddedFile",  # a file carried inside
        "/EmbeddedFiles",  # the document's name tree of carried files
        "/EF",  # a file specification's embedded file streams
        "/FileAttachment",  # an annotation holding a file
        "/SubmitForm",  # send form data somewhere
        "/ImportData",  # load form data from a file
        "/GoToR",  # open another PDF
        "/GoToE",  # open an embedded PDF
        "/RichMedia",  # Flash/video annotations with their own scripts
        "/RichMediaExecute",
        "/XFA",  # XML forms with their own scripting
    }
)

# A 10 MB screenshot-to-PDF or scanned letter has at most a few thousand objects.
MAX_PDF_OBJECTS = 50_000
# Keys, values and array items looked at, all objects together.
MAX_PDF_ITEMS = 1_000_000
# CPU seconds of the checking thread for parsing and walking, all together.
PDF_CHECK_SECONDS = 1.0
# pypdf's limits, lowered: no decompressed stream (object and xref streams are the only ones
# decoded here) above 20 MB, no array or dictionary above 100 000 items.
PYPDF_LIMITS = {
    "zlib_maximum_output_length": 20_000_000,
    "lzw_maximum_output_length": 20_000_000,
    "run_length_maximum_output_length": 20_000_000,
    "array_based_stream_maximum_output_length": 20_000_000,
    "brotli_maximum_output_length": 20_000_000,
    "stream_decoding_work_maximum_length": 40_000_000,
    "array_maximum_element_count": 100_000,
    "dictionary_maximum_element_count": 100_000,
    "page_tree_maximum_entries": 10_000,
}

# A classic cross-reference entry (fixed width: no backtracking on long runs of digits).
_XREF_ENTRY = re.compile(rb"\d{10} \d{5} [nf]")

# A hostile file makes pypdf warn once per broken object: keep that out of the logs.
logging.getLogger("pypdf").setLevel(logging.ERROR)


class PdfUnreadable(ValueError):
    """pypdf could not parse the file (or it is encrypted with a password we do not have)."""


class PdfActiveContent(ValueError):
    """The PDF carries scripts, actions, embedded files or forms; `names` says which."""

    def __init__(self, names: Iterable[str]) -> None:
        self.names = tuple(sorted(set(names)))
        super().__init__(f"active content: {' '.join(self.names)}")


class PdfTooComplex(ValueError):
    """Checking the PDF would take more than the budget (objects, items or time)."""


class _OutOfTime(BaseException):
    """Raised from inside pypdf's reads; a BaseException so that pypdf's own `except
    Exception` fallbacks (which try other ways to read a broken file) let it through."""


class _BudgetedStream(io.BytesIO):
    """The file as pypdf reads it, raising _OutOfTime once the thread's CPU time passes
    `deadline`: pypdf reads through `read` for every token, so parsing stops within a token
    or two of the limit, wherever it is (cross-reference rebuild, object streams, the walk)."""

    def __init__(self, data: bytes, deadline: float) -> None:
        super().__init__(data)
        self.deadline = deadline
        self.reads = 0

    def read(self, size: int | None = -1, /) -> bytes:
        self.reads += 1
        if self.reads % 256 == 0 and time.thread_time() > self.deadline:
            raise _OutOfTime
        return super().read(size)


def check_pdf_content(data: bytes) -> None:
    """Return quietly for a PDF that only shows pages; raise one of the three errors else."""
    deadline = time.thread_time() + PDF_CHECK_SECONDS
    _precount(data)
    try:
        with apply_configuration(**PYPDF_LIMITS):
            reader = PdfReader(
                _BudgetedStream(data, deadline),
                strict=False,
                root_object_recovery_limit=MAX_PDF_OBJECTS,
                xref_stream_maximum_entries=MAX_PDF_OBJECTS,
            )
            if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
                raise PdfUnreadable("encrypted with a password")
            found = _active_names(reader, deadline)
            if not found and not isinstance(reader.root_object, DictionaryObject):
                raise PdfUnreadable("no document catalogue")
    except (PdfActiveContent, PdfTooComplex, PdfUnreadable):
        raise
    except _OutOfTime as exc:
        raise PdfTooComplex(f"more than {PDF_CHECK_SECONDS} s of parsing") from exc
    except LimitReachedError as exc:
        raise PdfTooComplex(str(exc)) from exc
    except RecursionError as exc:  # nesting deeper than Python's stack: pypdf parses recursively
        raise PdfTooComplex("nested too deeply") from exc
    except MemoryError:
        raise
    except Exception as exc:  # pypdf raises its own errors, ValueError, KeyError, zlib.error…
        raise PdfUnreadable(f"{type(exc).__name__}: {exc}") from exc
    if found:
        raise PdfActiveContent(found)


def _precount(data: bytes) -> None:
    """Refuse before parsing when the file announces more objects than the walk would take:
    classic cross-reference entries, and `obj` keywords (each object has two, `obj` and
    `endobj`), which also bounds pypdf's rebuilding of a broken cross-reference."""
    if data.count(b"obj") > 2 * MAX_PDF_OBJECTS:
        raise PdfTooComplex(f"more than {MAX_PDF_OBJECTS} objects")
    for count, _ in enumerate(_XREF_ENTRY.finditer(data), start=1):
        if count > MAX_PDF_OBJECTS:
            raise PdfTooComplex(f"more than {MAX_PDF_OBJECTS} cross-reference entries")


def _active_names(reader: PdfReader, deadline: float) -> set[str]:
    """Every active name in the trailer and in each object pypdf can reach."""
    stack: list[object] = [reader.trailer]
    for generation, entries in reader.xref.items():
        stack.extend(IndirectObject(idnum, generation, reader) for idnum in entries)
    stack.extend(IndirectObject(idnum, 0, reader) for idnum in reader.xref_objStm)
    seen: set[tuple[int, int]] = set()
    found: set[str] = set()
    items = 0
    while stack:
        value = stack.pop()
        items += 1
        if items > MAX_PDF_ITEMS:
            raise PdfTooComplex(f"more than {MAX_PDF_ITEMS} values")
        if isinstance(value, IndirectObject):
            key = (value.idnum, value.generation)
            if key in seen:
                continue
            seen.add(key)
            if len(seen) > MAX_PDF_OBJECTS:
                raise PdfTooComplex(f"more than {MAX_PDF_OBJECTS} objects")
            if time.thread_time() > deadline:
                raise PdfTooComplex(f"more than {PDF_CHECK_SECONDS} s of parsing")
            value = reader.get_object(value)
        if isinstance(value, NameObject):
            if value in ACTIVE_NAMES:
                found.add(str(value))
        elif isinstance(value, DictionaryObject):  # stream dictionaries too
            for name, item in dict.items(value):
                if name in ACTIVE_NAMES:
                    found.add(str(name))
                stack.append(item)
        elif isinstance(value, ArrayObject):
            stack.extend(list.__iter__(value))
    return found
