"""Read a register import file (CSV or Excel .xlsx) into rows of text keyed by column.

The parser only reads: it finds the columns, decodes the text and hands every cell over as
a stripped string. It knows nothing of the register; `services.plan_import` checks the
values. The column format is documented in docs/import-format.md and is defined once,
here, in `PUPIL_COLUMNS` and `GUARDIAN_COLUMNS`, which the upload page also lists.

Row numbers are those a spreadsheet shows: the header is row 1, the first pupil row 2.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from skolsam.exports.cells import unguard_cell

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
# Rows read at most, empty ones included: a sheet formatted down to row 1,048,576 must not
# keep the server busy.
MAX_SCANNED_ROWS = 50_000
# Columns read at most: the format has 54, and a sheet with cells out to column XFD must not
# be read cell by cell.
MAX_COLUMNS = 200
# Bytes an .xlsx may unpack to: a few megabytes of zip can hold gigabytes of XML.
MAX_XLSX_UNPACKED = 100 * 1024 * 1024
MAX_GUARDIANS = 4
GUARDIAN_PREFIX = "vh"


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # the Swedish header we document and write
    aliases: tuple[str, ...] = ()
    required: bool = False
    help: str = ""


PUPIL_COLUMNS: tuple[Column, ...] = (
    Column(
        "civic_no",
        "personnummer",
        ("pnr", "personnr", "civic_no", "civicno", "personal_number", "personal_identity_number"),
        required=True,
        help="Elevens personnummer, samordningsnummer eller tillfälliga nummer, "
        "10 eller 12 siffror, med eller utan bindestreck.",
    ),
    Column(
        "given_name",
        "förnamn",
        ("given_name", "first_name", "firstname"),
        required=True,
        help="Elevens förnamn.",
    ),
    Column("middle_name", "mellannamn", ("middle_name",), help="Mellannamn, om eleven har ett."),
    Column(
        "family_name",
        "efternamn",
        ("family_name", "last_name", "lastname", "surname"),
        required=True,
        help="Elevens efternamn.",
    ),
    Column(
        "school_type",
        "skolform",
        ("school_type", "schooltype"),
        required=True,
        help="Skolformens kod eller namn, t.ex. GR eller Grundskola. Skolenheten måste "
        "erbjuda skolformen.",
    ),
    Column(
        "school_year",
        "årskurs",
        ("school_year", "grade", "year"),
        help="Heltal 0–10, t.ex. 5. Tomt går bra för skolformer utan årskurser.",
    ),
    Column(
        "class_name",
        "klass",
        ("class", "class_name", "klassnamn"),
        help="Klassens namn vid skolenheten, t.ex. 5A. Tomt om eleven inte ska placeras i klass.",
    ),
    Column(
        "start_date",
        "startdatum",
        ("start_date", "startdate", "start"),
        required=True,
        help="Första dagen i skolan och i klassen, ÅÅÅÅ-MM-DD.",
    ),
    Column("phone", "telefon", ("phone", "telephone", "mobil", "mobile"), help="Elevens telefon."),
    Column("email", "epost", ("e_post", "email", "e_mail", "mejl"), help="Elevens e-post."),
    Column(
        "street",
        "gatuadress",
        ("adress", "street_address", "address", "street"),
        help="Folkbokföringsadress: gatuadress, postnummer och postort hör ihop.",
    ),
    Column("postal_code", "postnummer", ("postal_code", "zip", "postcode"), help="Fem siffror."),
    Column("locality", "postort", ("ort", "locality", "city"), help="Postort."),
    Column(
        "municipality_code",
        "kommunkod",
        ("municipality_code",),
        help="Folkbokföringskommunens kod, fyra siffror, t.ex. 1983.",
    ),
)

GUARDIAN_COLUMNS: tuple[Column, ...] = (
    Column(
        "civic_no",
        "personnummer",
        PUPIL_COLUMNS[0].aliases,
        help="Krävs om någon annan vh-kolumn är ifylld.",
    ),
    Column("given_name", "förnamn", PUPIL_COLUMNS[1].aliases, help="Krävs med personnumret."),
    Column("family_name", "efternamn", PUPIL_COLUMNS[3].aliases, help="Krävs med personnumret."),
    Column(
        "relation",
        "relation",
        ("relationstyp", "relation_type"),
        help="Vårdnadshavare (standard), Annan ansvarig, God man eller Utsedd behörig.",
    ),
    Column("phone", "telefon", PUPIL_COLUMNS[8].aliases, help="Telefon, t.ex. 070-123 45 67."),
    Column("email", "epost", PUPIL_COLUMNS[9].aliases, help="E-postadress."),
    Column("street", "gatuadress", PUPIL_COLUMNS[10].aliases, help="Gatuadress."),
    Column("postal_code", "postnummer", PUPIL_COLUMNS[11].aliases, help="Postnummer."),
    Column("locality", "postort", PUPIL_COLUMNS[12].aliases, help="Postort."),
    Column("municipality_code", "kommunkod", PUPIL_COLUMNS[13].aliases, help="Kommunkod."),
)


def guardian_key(slot: int, key: str) -> str:
    """Return the row key of a guardian column: `vh1_civic_no`."""
    return f"{GUARDIAN_PREFIX}{slot}_{key}"


def guardian_header(slot: int, column: Column) -> str:
    """Return the documented header of a guardian column: `vh1_personnummer`."""
    return f"{GUARDIAN_PREFIX}{slot}_{column.header}"


def column_header(key: str) -> str:
    """Return the documented Swedish header for a row key, for messages."""
    match = re.fullmatch(rf"{GUARDIAN_PREFIX}(\d)_(.+)", key)
    if match:
        column = _GUARDIAN_BY_KEY[match.group(2)]
        return guardian_header(int(match.group(1)), column)
    return _PUPIL_BY_KEY[key].header


_PUPIL_BY_KEY = {c.key: c for c in PUPIL_COLUMNS}
_GUARDIAN_BY_KEY = {c.key: c for c in GUARDIAN_COLUMNS}


def fold(text: str) -> str:
    """Lower-case, drop accents (å→a, ö→o) and join words with `_`."""
    text = unicodedata.normalize("NFKD", text.replace("\ufeff", "").strip().lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[\s\-.:/]+", "_", text).strip("_")


def _alias_map(columns: Iterable[Column]) -> dict[str, str]:
    found: dict[str, str] = {}
    for column in columns:
        for name in (column.header, column.key, *column.aliases):
            found[fold(name)] = column.key
    return found


_PUPIL_ALIASES = _alias_map(PUPIL_COLUMNS)
_GUARDIAN_ALIASES = _alias_map(GUARDIAN_COLUMNS)
_GUARDIAN_HEADER = re.compile(r"^(?:vh|vardnadshavare|guardian)_?(\d+)_(.+)$")


def match_header(header: str) -> str | None:
    """Return the row key a header names (`"VH1 Förnamn"` → `vh1_given_name`), or None."""
    folded = fold(header)
    if folded in _PUPIL_ALIASES:
        return _PUPIL_ALIASES[folded]
    guardian = _GUARDIAN_HEADER.match(folded)
    if guardian:
        slot = int(guardian.group(1))
        key = _GUARDIAN_ALIASES.get(guardian.group(2))
        if key and 1 <= slot <= MAX_GUARDIANS:
            return guardian_key(slot, key)
    return None


@dataclass(frozen=True)
class Issue:
    """One finding of the parser or the checks: row, column, what is wrong, in Swedish."""

    row: int | None  # None: the file as a whole
    column: str  # the header as the file wrote it, or the documented one
    message: str
    level: str = "error"  # "error" stops the import; "warning" informs

    @property
    def is_error(self) -> bool:
        return self.level == "error"


@dataclass(frozen=True)
class Row:
    number: int
    values: dict[str, str]

    def get(self, key: str) -> str:
        return self.values.get(key, "")


@dataclass
class ParsedFile:
    file_name: str
    kind: str = ""  # "csv" or "xlsx"
    encoding: str = ""
    delimiter: str = ""
    columns: dict[str, str] = field(default_factory=dict)  # key -> header as in the file
    rows: list[Row] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.is_error]

    @property
    def delimiter_label(self) -> str:
        return "tabb" if self.delimiter == "\t" else self.delimiter

    def header_for(self, key: str) -> str:
        """Return the header the file used for `key`, or the documented one."""
        return self.columns.get(key) or column_header(key)

    def to_stored(self) -> dict[str, Any]:
        """Return the parsed rows as JSON, to keep server-side between upload and confirm."""
        return {
            "file_name": self.file_name,
            "kind": self.kind,
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "columns": self.columns,
            "rows": [[row.number, row.values] for row in self.rows],
        }

    @classmethod
    def from_stored(cls, data: dict[str, Any]) -> ParsedFile:
        return cls(
            file_name=data["file_name"],
            kind=data.get("kind", ""),
            encoding=data.get("encoding", ""),
            delimiter=data.get("delimiter", ""),
            columns=dict(data["columns"]),
            rows=[Row(int(n), dict(values)) for n, values in data["rows"]],
        )


def shown(text: str, limit: int = 40) -> str:
    """Return a value from the file as it can be quoted in a message: short, no controls."""
    text = _UNSHOWABLE.sub("\ufffd", text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


_UNSHOWABLE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
UNREADABLE = (
    "Filen går inte att läsa som CSV eller Excel (.xlsx). Spara den i Excel som "
    "”CSV UTF-8 (kommaavgränsad)” eller ”Excel-arbetsbok” och försök igen."
)


def parse_file(data: bytes, file_name: str) -> ParsedFile:
    """Read an uploaded file's bytes; problems come back as issues, never as exceptions."""
    # The name is shown, stored and logged: it must be text every database and page takes.
    parsed = ParsedFile(file_name=shown(file_name, 255) or "fil")
    _parse(data, file_name, parsed)
    return parsed


def _parse(data: bytes, file_name: str, parsed: ParsedFile) -> None:
    if len(data) > MAX_BYTES:
        parsed.issues.append(
            Issue(None, "", f"Filen är för stor (högst {MAX_BYTES // (1024 * 1024)} MB).")
        )
        return
    if not data.strip():
        parsed.issues.append(Issue(None, "", "Filen är tom."))
        return
    lower = file_name.lower()
    if data.startswith(b"\xd0\xcf\x11\xe0") or lower.endswith(".xls"):
        parsed.issues.append(
            Issue(
                None,
                "",
                "Det gamla Excel-formatet .xls går inte att läsa. Spara filen som "
                "Excel-arbetsbok (.xlsx) eller som CSV.",
            )
        )
        return
    if data.startswith(b"PK\x03\x04"):
        parsed.kind = "xlsx"
        table = _xlsx_table(data, parsed)
    elif lower.endswith((".xlsx", ".xlsm")):
        parsed.issues.append(Issue(None, "", "Filen är ingen giltig Excel-arbetsbok (.xlsx)."))
        return
    elif _looks_binary(data):
        parsed.issues.append(Issue(None, "", UNREADABLE))
        return
    else:
        parsed.kind = "csv"
        table = _csv_table(data, parsed)
    if table is not None:
        _read_table(table, parsed)


# --- CSV -------------------------------------------------------------------------------


def _decode(data: bytes, parsed: ParsedFile) -> str | None:
    """Decode UTF-8 (with or without BOM) or UTF-16 with BOM; fall back to Windows-1252.

    Excel in Sweden saves "CSV (semikolonavgränsad)" in Windows-1252 and "CSV UTF-8" with a
    BOM. Bytes that are not UTF-8 are almost always Windows-1252 then; the report says
    which encoding was used so a wrong guess shows as odd letters in the names.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            parsed.encoding = "utf-16"
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    try:
        parsed.encoding = "utf-8"
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        parsed.issues.append(
            Issue(
                None,
                "",
                "Filens teckenkodning går inte att läsa. Spara den i Excel som "
                "”CSV UTF-8 (kommaavgränsad)” och försök igen.",
            )
        )
        return None
    parsed.encoding = "cp1252"
    parsed.issues.append(
        Issue(
            None,
            "",
            "Filen var inte UTF-8 och lästes som Windows-1252 (Excels vanliga CSV). "
            "Kontrollera att å, ä och ö ser rätt ut nedan; spara annars som ”CSV UTF-8”.",
            level="warning",
        )
    )
    return text


_BINARY_STARTS = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\x1f\x8b", b"7z\xbc\xaf")
_CONTROL_BYTES = frozenset(range(0x00, 0x09)) | frozenset(range(0x0E, 0x20))


def _looks_binary(data: bytes) -> bool:
    """Tell a binary file (a picture, a PDF, a Word file) from text that may hold a stray NUL.

    A stray control character in a text file is the row's problem and is reported with its
    row and column; a file that is mostly control bytes is no text at all.
    """
    if data.startswith(_BINARY_STARTS):
        return True
    head = data[:4096]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False  # UTF-16: every other byte of Latin text is NUL
    return sum(b in _CONTROL_BYTES for b in head) * 20 > len(head)


def _sniff_delimiter(text: str) -> str:
    """Pick `;`, `,` or tab by counting them on the header line (headers hold no commas)."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: first.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ";"


def _csv_table(data: bytes, parsed: ParsedFile) -> Iterator[list[Any]] | None:
    text = _decode(data, parsed)
    if text is None:
        return None
    parsed.delimiter = _sniff_delimiter(text)
    return csv.reader(io.StringIO(text, newline=""), delimiter=parsed.delimiter)


# --- Excel ------------------------------------------------------------------------------


def _xlsx_table(data: bytes, parsed: ParsedFile) -> Iterator[list[Any]] | None:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        parsed.issues.append(
            Issue(
                None,
                "",
                "Filen kunde inte läsas som Excel-arbetsbok (.xlsx): den är skadad eller "
                "ingen Excel-fil. Öppna den i Excel och spara den igen som Excel-arbetsbok.",
            )
        )
        return None
    if unpacked > MAX_XLSX_UNPACKED:
        parsed.issues.append(
            Issue(
                None,
                "",
                "Arbetsboken är för stor uppackad (mer än "
                f"{MAX_XLSX_UNPACKED // (1024 * 1024)} MB). Spara bara elevraderna i en ny fil.",
            )
        )
        return None
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        parsed.issues.append(
            Issue(
                None,
                "",
                f"Filen kunde inte läsas som Excel-arbetsbok (.xlsx): {shown(str(exc), 120)}.",
            )
        )
        return None
    except Exception:  # openpyxl raises many kinds (including defusedxml's) on a bad file
        parsed.issues.append(Issue(None, "", "Filen kunde inte läsas som Excel-arbetsbok (.xlsx)."))
        return None
    if not workbook.worksheets:
        workbook.close()
        parsed.issues.append(Issue(None, "", "Arbetsboken har inget kalkylblad."))
        return None
    sheet = workbook.worksheets[0]
    # Some programs write a wrong dimension; without this read-only mode would cut rows.
    sheet.reset_dimensions()

    def rows() -> Iterator[list[Any]]:
        # Read-only mode parses the sheet while we iterate, so a broken sheet fails here.
        try:
            for values in sheet.iter_rows(min_row=1, max_col=MAX_COLUMNS, values_only=True):
                yield list(values)
        except Exception:  # openpyxl and its XML parser raise many kinds on a broken sheet
            parsed.issues.append(
                Issue(None, "", "Kalkylbladet är skadat och kunde inte läsas till slut.")
            )
        finally:
            workbook.close()

    return rows()


def _cell_text(value: Any) -> str:
    """Return a cell as the text a person would have typed."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "Ja" if value else "Nej"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return unguard_cell(str(value).strip())


# --- both -------------------------------------------------------------------------------


def _read_table(table: Iterator[list[Any]], parsed: ParsedFile) -> None:
    try:
        _read_rows(table, parsed)
    except csv.Error as exc:
        # Python's reader refuses a field over 128 kB, e.g. after a quote that never closes.
        parsed.issues.append(
            Issue(
                None,
                "",
                f"Filen går inte att läsa som CSV ({shown(str(exc), 80)}). Kontrollera att "
                'varje citattecken (") i filen har ett avslutande citattecken.',
            )
        )


def _read_rows(table: Iterator[list[Any]], parsed: ParsedFile) -> None:
    header: list[str] | None = None
    header_row = 0
    keys: list[str | None] = []
    number = 0
    for number, cells in enumerate(table, start=1):
        if number > MAX_SCANNED_ROWS:
            parsed.issues.append(
                Issue(number, "", f"Filen har fler än {MAX_SCANNED_ROWS} rader. Dela upp den.")
            )
            break
        texts = [_cell_text(c) for c in cells]
        if not any(texts):
            continue
        if header is None:
            header, header_row = texts, number
            keys = _match_headers(header, parsed, number)
            continue
        if len(parsed.rows) >= MAX_ROWS:
            parsed.issues.append(
                Issue(number, "", f"Filen har fler än {MAX_ROWS} elevrader. Dela upp den.")
            )
            break
        values: dict[str, str] = {}
        for index, text in enumerate(texts):
            if index >= len(keys):
                if text:
                    parsed.issues.append(
                        Issue(
                            number,
                            "",
                            f"Raden har fler värden ({len(texts)}) än filen har kolumner "
                            f"({len(keys)}). Står det {parsed.delimiter or 'avgränsaren'} i "
                            "ett värde utan citattecken?",
                        )
                    )
                    break
                continue
            key = keys[index]
            if key is not None:
                values[key] = text
        parsed.rows.append(Row(number, values))
    if header is None:
        parsed.issues.append(Issue(None, "", "Filen har ingen rubrikrad."))
    elif not parsed.rows:
        parsed.issues.append(Issue(header_row, "", "Filen har rubriker men inga elevrader."))


def _match_headers(header: list[str], parsed: ParsedFile, row: int) -> list[str | None]:
    keys: list[str | None] = []
    if not any(match_header(text) for text in header if text):
        # Not one known column: a file without its header row, or not a register file at
        # all. One message says so instead of one "unknown column" per cell.
        parsed.issues.append(
            Issue(
                row,
                "",
                "Första raden är ingen rubrikrad: ingen kolumn känns igen. Första raden ska ha "
                "kolumnernas namn, t.ex. personnummer;förnamn;efternamn;skolform;årskurs;"
                "klass;startdatum (se docs/import-format.md).",
            )
        )
        return [None] * len(header)
    for text in header:
        if not text:
            keys.append(None)
            continue
        key = match_header(text)
        if key is None:
            parsed.issues.append(
                Issue(
                    row,
                    shown(text),
                    f"Okänd kolumn ”{shown(text)}”. Se docs/import-format.md för kolumnerna "
                    "(t.ex. personnummer, förnamn, efternamn, skolform, årskurs, klass, "
                    "startdatum, vh1_personnummer).",
                )
            )
        elif key in parsed.columns:
            parsed.issues.append(
                Issue(
                    row,
                    text,
                    f"Kolumnen ”{text}” finns två gånger (som ”{parsed.columns[key]}” också).",
                )
            )
            key = None
        else:
            parsed.columns[key] = text
        keys.append(key)
    for column in PUPIL_COLUMNS:
        if column.required and column.key not in parsed.columns:
            parsed.issues.append(Issue(row, column.header, f"Kolumnen ”{column.header}” saknas."))
    for slot in _guardian_slots(parsed.columns):
        for column in GUARDIAN_COLUMNS[:3]:
            key = guardian_key(slot, column.key)
            if key not in parsed.columns:
                header_text = guardian_header(slot, column)
                parsed.issues.append(
                    Issue(
                        row,
                        header_text,
                        f"Kolumnen ”{header_text}” saknas; den behövs när filen har "
                        f"andra {GUARDIAN_PREFIX}{slot}-kolumner.",
                    )
                )
    return keys


def _guardian_slots(columns: dict[str, str]) -> list[int]:
    slots = {int(m.group(1)) for k in columns if (m := re.match(r"vh(\d)_", k))}
    return sorted(slots)


def guardian_slots(parsed: ParsedFile) -> list[int]:
    """Return the guardian numbers (1, 2, ...) the file has columns for."""
    return _guardian_slots(parsed.columns)
