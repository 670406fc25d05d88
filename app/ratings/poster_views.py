"""Download QR Code/Link Poster: the points in the viewer's scope, each point's poster, QR code, link and kiosk
token, and a department's posters in one PDF."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app.core import paging
from app.core.extensions import db
from app.org.models import Agency
from app.ratings.services import access, points, posters
from app.ratings.services.errors import NotAllowed
from app.ratings.views import bp, locale, viewer_paths
from forms import cleaning
from forms.ratings import ActionForm

PER_PAGE = 50
# One PDF holds at most this many posters (a page each); a larger department downloads them unit by unit.
MAX_POSTERS = 1000


def _point_agency(agency_id: int) -> Agency:
    agency = db.session.get(Agency, agency_id)
    if agency is None or not access.is_rateable(agency) or not access.covers(viewer_paths(), agency.path):
        abort(404)
    return agency


def _poster_point(agency: Agency, point, parents: dict[int, Agency]) -> posters.PosterPoint:
    parent = parents.get(agency.parent_id) if agency.parent_id else None
    return posters.PosterPoint(name_th=agency.name_th, name_en=agency.name_en,
                               parent_name=parent.name_th if parent else None, code=point.code,
                               url=points.rating_url(point))


def _parents(agencies: list[Agency]) -> dict[int, Agency]:
    ids = {a.parent_id for a in agencies if a.parent_id}
    return {a.id: a for a in db.session.scalars(select(Agency).where(Agency.id.in_(ids)))} if ids else {}


@bp.get("/posters")
@login_required
def posters_index():
    paths = viewer_paths()
    under = None
    if request.args.get("agency"):
        agency_id = cleaning.whole_number(request.args.get("agency"), minimum=1)
        under = db.session.get(Agency, agency_id) if agency_id else None
        if under is None or not access.covers(paths, under.path):
            abort(404)
    page_number = paging.page_number(request.args.get("page"))
    shown, total = points.poster_points_page(paths, under, page_number, PER_PAGE)
    codes = {p.agency_id: p.code for p in points.existing_points([a.id for a in shown])}
    return render_template("ratings/posters.html", page=paging.Page(rows=shown, total=total, page=page_number,
                                                                    per_page=PER_PAGE),
                           codes=codes, under=under, tops=access.top_agencies(paths), locale=locale(),
                           max_posters=MAX_POSTERS, can_manage_questions=access.can_manage_questions(current_user))


@bp.get("/posters/all.pdf")
@login_required
def posters_pdf():
    """Every shown point's poster in the viewer's scope (below ``agency`` when given), a page each."""
    paths = viewer_paths()
    under = None
    if request.args.get("agency"):
        agency_id = cleaning.whole_number(request.args.get("agency"), minimum=1)
        under = db.session.get(Agency, agency_id) if agency_id else None
        if under is None or not access.covers(paths, under.path):
            abort(404)
    agencies = [a for a in points.poster_points(paths, under) if a.publicly_visible]
    if len(agencies) > MAX_POSTERS:
        flash(_("There are %(count)s service points here: download the posters of one unit at a time.",
                count=len(agencies)), "warning")
        return redirect(url_for("ratings.posters_index", agency=under.id if under else None))
    made = points.ensure_points(agencies)
    db.session.commit()
    parents = _parents(agencies)
    body = posters.poster_pdf([_poster_point(a, made[a.id], parents) for a in agencies],
                              title=f"โปสเตอร์ประเมินความพึงพอใจ – {under.name_th if under else 'ทุกจุดบริการ'}")
    name = f"posters-{under.id if under else 'all'}.pdf"
    return Response(body, mimetype="application/pdf", headers={"Content-Disposition": f"attachment; filename={name}"})


@bp.get("/points/<int:agency_id>")
@login_required
def point(agency_id: int):
    agency = _point_agency(agency_id)
    links = points.links(agency)
    db.session.commit()  # the point's code, made the first time it is asked for
    return render_template("ratings/point.html", agency=agency, links=links, locale=locale(),
                           can_kiosk=access.can_manage_kiosk(current_user, agency.path), kiosk_url=None,
                           action_form=ActionForm(formdata=None),
                           can_manage_questions=access.can_manage_questions(current_user))


@bp.get("/points/<int:agency_id>/poster.pdf")
@login_required
def point_poster(agency_id: int):
    agency = _point_agency(agency_id)
    point = points.point_for(agency)
    db.session.commit()
    body = posters.poster_pdf([_poster_point(agency, point, _parents([agency]))])
    return Response(body, mimetype="application/pdf",
                    headers={"Content-Disposition": f"attachment; filename=poster-{point.code}.pdf"})


@bp.get("/points/<int:agency_id>/qr.png")
@login_required
def point_qr_png(agency_id: int):
    return _qr(agency_id, "png")


@bp.get("/points/<int:agency_id>/qr.svg")
@login_required
def point_qr_svg(agency_id: int):
    return _qr(agency_id, "svg")


def _qr(agency_id: int, kind: str):
    agency = _point_agency(agency_id)
    point = points.point_for(agency)
    db.session.commit()
    url = points.rating_url(point)
    if kind == "png":
        body, mimetype = posters.qr_png(url), "image/png"
    else:
        body, mimetype = posters.qr_svg(url, title=agency.name_th), "image/svg+xml"
    download = {"Content-Disposition": f"attachment; filename=qr-{point.code}.{kind}"} if request.args.get(
        "download") else {}
    return Response(body, mimetype=mimetype, headers=download)


@bp.post("/points/<int:agency_id>/kiosk")
@login_required
def issue_kiosk(agency_id: int):
    agency = _point_agency(agency_id)
    if not ActionForm().validate():
        abort(400)
    try:
        point, token = points.issue_kiosk_token(current_user, agency)
        db.session.commit()
    except NotAllowed:
        db.session.rollback()
        abort(403)
    flash(_("The kiosk link is shown once: open it on the counter tablet now, or copy it there."), "success")
    return render_template("ratings/point.html", agency=agency, links=points.links(agency), locale=locale(),
                           can_kiosk=True, kiosk_url=points.kiosk_url(point, token),
                           action_form=ActionForm(formdata=None),
                           can_manage_questions=access.can_manage_questions(current_user))


@bp.post("/points/<int:agency_id>/kiosk/revoke")
@login_required
def revoke_kiosk(agency_id: int):
    agency = _point_agency(agency_id)
    if not ActionForm().validate():
        abort(400)
    try:
        points.revoke_kiosk_token(current_user, agency)
        db.session.commit()
    except NotAllowed:
        db.session.rollback()
        abort(403)
    flash(_("The kiosk link no longer works."), "success")
    return redirect(url_for("ratings.point", agency_id=agency.id), 303)

