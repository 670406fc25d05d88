"""Forms of "agencies and structure": a profile, a new service point, a move, links."""

from __future__ import annotations

import base64
import csv
import io
import math
import re
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import FloatField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from forms import cleaning
from forms.base import BaseForm

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Thai letters and digits (no marks on their own), Latin letters and digits, spaces, dots, hyphens; no "/", which
# separates the prefix from the number.
LETTER_PREFIX = re.compile(r"^[\u0E01-\u0E5BA-Za-z0-9][\u0E01-\u0E5BA-Za-z0-9 .\-]*$")
WEBSITE = re.compile(r"^https?://[^\s/$.?#][^\s]*\.[^\s]+$", re.IGNORECASE)


def _postcode_field() -> StringField:
    return StringField(_l("Postcode"), validators=[Optional(), Regexp(r"^\d{5}$", message=_l(
        "A postcode has five digits, such as 11000."))])


def _letter_prefix_field(**options) -> StringField:
    return StringField(_l("Letter prefix"), validators=[Optional(), Length(max=40), Regexp(
        LETTER_PREFIX, message=_l("Use Thai or Latin letters, digits, spaces and dots only, such as นบ 0017.1."))],
        **options)


def _name_fields() -> tuple[StringField, StringField]:
    return (StringField(_l("Name (Thai)"), validators=[DataRequired(message=_l("Enter the Thai name.")),
                                                       Length(max=255)]),
            StringField(_l("Name (English)"), validators=[Optional(), Length(max=255)]))


class CoordinateField(FloatField):
    """A decimal degree; refuses text, NaN and infinity with a message people understand."""

    def process_formdata(self, valuelist):
        text = (valuelist[0] if valuelist else "").strip()
        if not text:
            self.data = None
            return
        try:
            number = float(text)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            self.data = None
            raise ValueError(str(_l("Enter a number in decimal degrees, such as 13.7563.")))
        self.data = number


class ProfileForm(BaseForm):
    row_version = HiddenField()
    address = TextAreaField(_l("Address"), validators=[Optional(), Length(max=2000)])
    province = StringField(_l("Province"), validators=[Optional(), Length(max=100)])
    district = StringField(_l("District"), validators=[Optional(), Length(max=100)])
    postcode = _postcode_field()
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=100), Regexp(
        r"^[0-9+()\-,#\s]+(ต่อ|ext\.?)?[0-9\s]*$", message=_l("Use digits, spaces and - + ( ) only, such as 02-123-4567."))])
    email = StringField(_l("E-mail"), validators=[Optional(), Length(max=255), Regexp(
        EMAIL, message=_l("Enter an e-mail address such as saraban@example.go.th."))])
    website = StringField(_l("Website"), validators=[Optional(), Length(max=500), Regexp(WEBSITE, message=_l(
        "Enter the full address, starting with https://"))])
    opening_hours = TextAreaField(_l("Opening hours"), validators=[Optional(), Length(max=2000)],
                                  description=_l("For example: Monday–Friday 08:30–16:30, closed on public holidays."))
    letter_prefix = _letter_prefix_field(
        description=_l("The prefix of the numbers of this agency's official letters (เลขที่หนังสือ). Leave it empty "
                       "to number them in the register of the agency above."))
    latitude = CoordinateField(_l("Latitude"), validators=[Optional(), NumberRange(min=-90, max=90, message=_l(
        "Latitude is between -90 and 90 (Thailand is about 5.6 to 20.5)."))])
    longitude = CoordinateField(_l("Longitude"), validators=[Optional(), NumberRange(min=-180, max=180, message=_l(
        "Longitude is between -180 and 180 (Thailand is about 97.3 to 105.7)."))])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if valid and (self.latitude.data is None) != (self.longitude.data is None):
            missing = self.longitude if self.longitude.data is None else self.latitude
            missing.errors = [*missing.errors, _l("Give both latitude and longitude, or neither.")]
            return False
        return valid

    def profile(self) -> dict:
        """The values for the service; the letter prefix only when the form shows it (to those who may set it)."""
        names = ["address", "province", "district", "postcode", "phone", "email", "website", "opening_hours",
                 "latitude", "longitude"]
        if "letter_prefix" in self:
            names.append("letter_prefix")
        return {name: getattr(self, name).data for name in names}


class ServicePointForm(BaseForm):
    name_th, name_en = _name_fields()


class MoveForm(BaseForm):
    row_version = HiddenField()
    parent_id = SelectField(_l("New parent"), coerce=int, validate_choice=False,  # the service checks the scope
                            validators=[DataRequired(message=_l("Choose where it moves to."))])


class LinkForm(BaseForm):
    kind = SelectField(_l("Kind"), choices=[SelectChoice("process", _l("Process")), SelectChoice("manual", _l("Manual")),
                                            SelectChoice("other_service", _l("Other service"))])
    target_id = IntegerField(_l("Service"), validators=[DataRequired(message=_l("Choose a service."))])


# --- the administrators' agency tree -------------------------------------------------------------------------

TOP = "top"  # the parent choice "at the top of the tree"

KIND_ALIASES = {  # what an upload may write in its kind column, besides the kind's own code
    "กระทรวง": "ministry", "กรม": "department", "กอง": "division", "สำนักงานจังหวัด": "provincial_office",
    "จุดบริการ": "service_point", "จุดให้บริการ": "service_point", "สำนัก/กอง": "division",
    "สำนัก": "division", "อบจ.": "provincial_admin", "อบจ": "provincial_admin", "เทศบาล": "municipality",
    "อบต.": "subdistrict_admin", "อบต": "subdistrict_admin", "สำนักงาน": "office",
}


class AgencyForm(BaseForm):
    """A new agency. Choices come from the view; the service checks the kind under its parent again."""

    kind = SelectField(_l("Kind"), validate_choice=False, validators=[DataRequired(message=_l("Choose the kind."))])
    parent_id = SelectField(_l("Under"), validate_choice=False,
                            validators=[DataRequired(message=_l("Choose where it sits in the tree."))])
    code = StringField(_l("Code"), validators=[Optional(), Length(max=32), Regexp(
        r"^[A-Za-z0-9_.\-]+$", message=_l("Use Latin letters, digits, dots, hyphens and underscores only."))],
        description=_l("A short code that names it in uploads and in the legacy data, such as dopa."))
    name_th, name_en = _name_fields()
    province = StringField(_l("Province"), validators=[Optional(), Length(max=100)])
    district = StringField(_l("District"), validators=[Optional(), Length(max=100)])
    postcode = _postcode_field()
    letter_prefix = _letter_prefix_field()

    def parent(self) -> int | None:
        """The chosen parent's id, None for the top of the tree; a value that is neither raises ValueError."""
        if self.parent_id.data == TOP:
            return None
        number = cleaning.whole_number(self.parent_id.data, minimum=1)
        if number is None:
            raise ValueError(self.parent_id.data)
        return number

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if valid:
            try:
                self.parent()
            except ValueError:
                self.parent_id.errors = [_l("Choose from the list.")]
                return False
        return valid

    def values(self) -> dict:
        return {name: getattr(self, name).data for name in ("kind", "code", "name_th", "name_en", "province",
                                                            "district", "postcode", "letter_prefix")}


class MergeForm(BaseForm):
    row_version = HiddenField()
    survivor_id = SelectField(_l("Merge into"), coerce=int, validate_choice=False,  # the service checks it again
                              validators=[DataRequired(message=_l("Choose the agency that continues."))])


class CloseForm(BaseForm):
    row_version = HiddenField()


# An upload: at most this large and this long (a ministry's whole tree fits several times over).
UPLOAD_MAX_BYTES = 512 * 1024
UPLOAD_MAX_ROWS = 1000
UPLOAD_COLUMNS = {  # column -> (its limit in characters, required)
    "code": (32, False), "kind": (32, True), "parent_code": (32, False), "name_th": (255, True),
    "name_en": (255, False), "province": (100, False), "district": (100, False), "postcode": (5, False),
    "letter_prefix": (40, False),
}
COLUMN_ALIASES = {"รหัส": "code", "ประเภท": "kind", "รหัสหน่วยงานแม่": "parent_code", "ชื่อภาษาไทย": "name_th",
                  "ชื่อภาษาอังกฤษ": "name_en", "จังหวัด": "province", "อำเภอ": "district",
                  "รหัสไปรษณีย์": "postcode", "เลขที่หนังสือ": "letter_prefix"}
COLUMN_TITLES = {name: f"{thai} ({name})" for thai, name in COLUMN_ALIASES.items()}
FORMULA_STARTS = ("=", "+", "-", "@")


class AgencyUploadForm(BaseForm):
    """The file on the first post; on the confirming post the checked file's text comes back (base64)."""

    file = FileField(_l("CSV file"))
    content = HiddenField(validators=[Optional(), Length(max=UPLOAD_MAX_BYTES * 4 // 3 + 8)])


@dataclass
class UploadedRow:
    line: int  # in the file, counting the header as line 1
    values: dict
    problems: list = field(default_factory=list)


@dataclass
class ReadUpload:
    text: str = ""
    rows: list[UploadedRow] = field(default_factory=list)
    error: object = None  # the whole file is refused: why

    @property
    def encoded(self) -> str:
        return base64.b64encode(self.text.encode("utf-8")).decode("ascii")


def read_agency_upload(data: bytes) -> ReadUpload:
    """Decode and read an agencies CSV: UTF-8 with or without a byte-order mark; each cell checked on its own."""
    if len(data) > UPLOAD_MAX_BYTES:
        return ReadUpload(error=_l("The file is larger than %(size)s KB. Split it into smaller files.",
                                   size=UPLOAD_MAX_BYTES // 1024))
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return ReadUpload(error=_l("The file is saved as UTF-16 (Unicode text). Save it again as “CSV UTF-8”."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            data.decode("cp874")
        except UnicodeDecodeError:
            return ReadUpload(error=_l("The file is not UTF-8 text. Save it again as “CSV UTF-8”."))
        return ReadUpload(error=_l("The file is in a Thai encoding (TIS-620 or Windows-874). Save it again as "
                                   "“CSV UTF-8”."))
    return _read_rows(text)


def read_confirmed_upload(encoded: str) -> ReadUpload:
    try:
        data = base64.b64decode(encoded.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError):
        return ReadUpload(error=_l("The checked file could not be read again. Upload it once more."))
    return read_agency_upload(data)


def _read_rows(text: str) -> ReadUpload:
    if "\x00" in text:
        return ReadUpload(error=_l("The file contains NUL characters: it is not a CSV file."))
    try:
        lines = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error:
        return ReadUpload(error=_l("The file is not a readable CSV file."))
    if not lines:
        return ReadUpload(error=_l("The file is empty."))
    header = [COLUMN_ALIASES.get(name.strip(), name.strip().lower()) for name in lines[0]]
    unknown = [name for name in header if name not in UPLOAD_COLUMNS]
    if unknown:
        return ReadUpload(error=_l("Unknown columns: %(names)s. Use the columns listed on this page.",
                                   names=", ".join(unknown)[:200]))
    missing = [name for name, (_limit, required) in UPLOAD_COLUMNS.items() if required and name not in header]
    if missing or len(set(header)) != len(header):
        return ReadUpload(error=_l("The first line must name each column once, with at least: %(names)s.",
                                   names=", ".join(name for name, (_l_, req) in UPLOAD_COLUMNS.items() if req)))
    body = [(number, cells) for number, cells in enumerate(lines[1:], start=2) if any(c.strip() for c in cells)]
    if not body:
        return ReadUpload(error=_l("The file has no agencies below its first line."))
    if len(body) > UPLOAD_MAX_ROWS:
        return ReadUpload(error=_l("The file has %(count)s agencies; at most %(max)s at once.", count=len(body),
                                   max=UPLOAD_MAX_ROWS))
    return ReadUpload(text=text, rows=[_read_row(number, header, cells) for number, cells in body])


def _read_row(number: int, header: list[str], cells: list[str]) -> UploadedRow:
    row = UploadedRow(number, dict.fromkeys(UPLOAD_COLUMNS))
    refused = set()
    if len(cells) > len(header):
        row.problems.append(_l("This line has more cells than the first line has columns."))
    for name, cell in zip(header, cells, strict=False):  # a short line leaves the last columns empty
        limit = UPLOAD_COLUMNS[name][0]
        value = cell.strip()
        if value and (cleaning.has_control_characters(value, multi_line=False) or value.startswith(FORMULA_STARTS)
                      or len(value) > limit):
            refused.add(name)
        if cleaning.has_control_characters(value, multi_line=False):
            row.problems.append(_l("%(column)s: remove the line breaks and control characters (such as NUL).",
                                   column=COLUMN_TITLES[name]))
        elif value.startswith(FORMULA_STARTS):
            row.problems.append(_l("%(column)s: a cell may not start with = + - or @ (a spreadsheet formula).",
                                   column=COLUMN_TITLES[name]))
        elif len(value) > limit:
            row.problems.append(_l("%(column)s: at most %(max)d characters.", column=COLUMN_TITLES[name], max=limit))
        else:
            row.values[name] = value or None
    for name, (_limit, required) in UPLOAD_COLUMNS.items():
        if required and not row.values[name] and name not in refused:
            row.problems.append(_l("%(column)s: fill this in.", column=COLUMN_TITLES[name]))
    if row.values["kind"]:
        row.values["kind"] = KIND_ALIASES.get(row.values["kind"], row.values["kind"].lower())
    if row.values["postcode"] and not re.fullmatch(r"\d{5}", row.values["postcode"]):
        row.problems.append(_l("%(column)s: five digits, such as 11000.", column=COLUMN_TITLES["postcode"]))
    if row.values["letter_prefix"] and not LETTER_PREFIX.match(row.values["letter_prefix"]):
        row.problems.append(_l("%(column)s: Thai or Latin letters, digits, spaces and dots only.",
                               column=COLUMN_TITLES["letter_prefix"]))
    return row
