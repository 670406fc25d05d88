"""Rating points and the report's files over the API, as their screens give them: the service points of my scope
with their rating codes, one point's link, poster (PDF) and QR code (PNG or SVG), the counter tablet's kiosk link
(shown once; issuing a new one stops the old) and its revocation, and the report as CSV or XLSX and every rating
as CSV (streamed), exactly as the report page exports them. Out of my scope is 404, as on the pages."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from flask import Response, stream_with_context
from flask_babel import force_locale
from pydantic import BaseModel, Field

from app.core import api
from app.core.api import ApiError
from app.core.extensions import db
from app.org.models import Agency
from app.ratings.services import access, exports, points, posters
from app.ratings.services.errors import NotAllowed
from app.ratings.staff_api_views import READ, TAG, WRITE, Period, ReportQuery, period_of, report_of, scope_paths
from forms.api import PageNumber, QueryId, Request

bp = api.blueprint("ratings_points", __name__)
PER_PAGE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class PointsQuery(Request):
    agency: QueryId = Field(None, description="only the points under this agency of my scope")
    page: PageNumber = 1


class ExportQuery(ReportQuery):
    lang: Literal["th", "en"] = Field("th", description="the language of the headers and labels")


class PointItem(BaseModel):
    agency_id: int
    name_th: str
    name_en: str | None
    code: str | None = Field(description="the rating code on its poster; none until its poster or link is first made")
    publicly_visible: bool


class PointPage(BaseModel):
    items: list[PointItem]
    total: int
    page: int
    pages: int


class Point(BaseModel):
    agency_id: int
    name_th: str
    code: str
    rating_url: str = Field(description="the address the QR code opens")
    kiosk_active: bool = Field(description="a counter tablet's link works")
    kiosk_issued_at: datetime | None
    can_manage_kiosk: bool


class KioskLink(BaseModel):
    kiosk_url: str = Field(description="shown this once: open it on the counter tablet")
    point: Point


def _agency(agency_id: int) -> Agency:
    agency = db.session.get(Agency, agency_id)
    if agency is None or not access.is_rateable(agency) or not access.covers(scope_paths(), agency.path):
        raise ApiError(404)
    return agency


def _point(agency: Agency) -> Point:
    links = points.links(agency)
    point = links.point
    return Point(agency_id=agency.id, name_th=agency.name_th, code=point.code, rating_url=links.rating_url,
                 kiosk_active=point.kiosk_token_hash is not None, kiosk_issued_at=point.kiosk_issued_at,
                 can_manage_kiosk=access.can_manage_kiosk(api.current_user_of_token(), agency.path))


def _made_point(agency_id: int):
    """(agency, its rating point): the point's code is made, and kept, the first time it is asked for."""
    agency = _agency(agency_id)
    point = points.point_for(agency)
    db.session.commit()
    return agency, point


def _file(body, mimetype: str, name: str) -> Response:
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f"attachment; filename={name}",
                                                       "Cache-Control": "private, no-store"})


@bp.get("/satisfaction/points")
@api.operation(READ, tag=TAG, resp={"HTTP_200": PointPage})
def list_points(query: PointsQuery):
    """The service points of my scope (below an agency), in the tree's order, 50 a page"""
    paths = scope_paths()
    under = None
    if query.agency is not None:
        under = db.session.get(Agency, query.agency)
        if under is None or not access.covers(paths, under.path):
            raise ApiError(404)
    shown, total = points.poster_points_page(paths, under, query.page, PER_PAGE)
    codes = {p.agency_id: p.code for p in points.existing_points([a.id for a in shown])}
    return PointPage(items=[PointItem(agency_id=a.id, name_th=a.name_th, name_en=a.name_en, code=codes.get(a.id),
                                      publicly_visible=a.publicly_visible) for a in shown],
                     total=total, page=query.page, pages=max(1, -(-total // PER_PAGE)))


@bp.get("/satisfaction/points/<int:agency_id>")
@api.operation(READ, tag=TAG, resp={"HTTP_200": Point})
def get_point(agency_id: int):
    """A service point's rating code and link, and whether a counter tablet's link works"""
    point = _point(_agency(agency_id))
    db.session.commit()  # the point's code, made the first time it is asked for
    return point


@bp.get("/satisfaction/points/<int:agency_id>/poster.pdf")
@api.operation(READ, tag=TAG, resp={"HTTP_200": api.FILE})
def point_poster(agency_id: int):
    """The point's A4 poster with its QR code (PDF)"""
    agency, point = _made_point(agency_id)
    parent = db.session.get(Agency, agency.parent_id) if agency.parent_id else None
    body = posters.poster_pdf([posters.PosterPoint(name_th=agency.name_th, name_en=agency.name_en,
                                                   parent_name=parent.name_th if parent else None, code=point.code,
                                                   url=points.rating_url(point))])
    return _file(body, "application/pdf", f"poster-{point.code}.pdf")


@bp.get("/satisfaction/points/<int:agency_id>/qr.png")
@api.operation(READ, tag=TAG, resp={"HTTP_200": api.FILE})
def point_qr_png(agency_id: int):
    """The point's QR code (PNG)"""
    _agency_of_point, point = _made_point(agency_id)
    return _file(posters.qr_png(points.rating_url(point)), "image/png", f"qr-{point.code}.png")


@bp.get("/satisfaction/points/<int:agency_id>/qr.svg")
@api.operation(READ, tag=TAG, resp={"HTTP_200": api.FILE})
def point_qr_svg(agency_id: int):
    """The point's QR code (SVG, for print shops)"""
    agency, point = _made_point(agency_id)
    return _file(posters.qr_svg(points.rating_url(point), title=agency.name_th), "image/svg+xml",
                 f"qr-{point.code}.svg")


@bp.post("/satisfaction/points/<int:agency_id>/kiosk")
@api.operation(WRITE, tag=TAG, resp={"HTTP_201": KioskLink})
def issue_kiosk(agency_id: int):
    """A new link for the counter tablet (the previous one stops working; audited)"""
    agency = _agency(agency_id)
    try:
        point, token = points.issue_kiosk_token(api.current_user_of_token(), agency)
        db.session.commit()
    except NotAllowed:
        raise ApiError(403) from None
    return KioskLink(kiosk_url=points.kiosk_url(point, token), point=_point(agency)), 201


@bp.post("/satisfaction/points/<int:agency_id>/kiosk/revoke")
@api.operation(WRITE, tag=TAG, resp={"HTTP_200": Point})
def revoke_kiosk(agency_id: int):
    """Stop the counter tablet's link (audited)"""
    agency = _agency(agency_id)
    try:
        points.revoke_kiosk_token(api.current_user_of_token(), agency)
        db.session.commit()
    except NotAllowed:
        raise ApiError(403) from None
    return _point(agency)


@bp.get("/satisfaction/report.csv")
@api.operation(READ, tag=TAG, resp={"HTTP_200": api.FILE})
def report_csv(query: ExportQuery):
    """The report as CSV (UTF-8 with BOM, Thai headers), as its page exports it"""
    result = report_of(query)
    name = exports.report_file_name(result, "csv")
    with force_locale(query.lang):
        body = exports.report_csv(result, query.lang).encode()
    return _file(body, "text/csv; charset=utf-8", name)


@bp.get("/satisfaction/report.xlsx")
@api.operation(READ, tag=TAG, resp={"HTTP_200": api.FILE})
def report_xlsx(query: ExportQuery):
    """The report as an Excel workbook, as its page exports it"""
    result = report_of(query)
    name = exports.report_file_name(result, "xlsx")
    with force_locale(query.lang):
        body = exports.report_xlsx(result, query.lang)
    return _file(body, XLSX, name)


@bp.get("/satisfaction/ratings.csv")
@api.operation(READ, tag=TAG, resp={"HTTP_200": api.FILE})
def ratings_csv(query: Period):
    """Every rating of my scope (below an agency) and the period, as CSV, streamed"""
    paths = scope_paths()
    first, last = period_of(query)
    if query.agency is not None:
        report_of(ReportQuery(first=first, last=last, agency=query.agency))  # out of my scope: 404
    lines = exports.ratings_csv(paths, first, last, query.agency)
    return _file(stream_with_context(lines), "text/csv; charset=utf-8", f"ratings-{first}-{last}.csv")
