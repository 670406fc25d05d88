"""The QR poster: an A4 PDF with the point's name in shaped Thai and a QR code that opens its rating page; the link to
copy and the QR code as PNG and SVG; a department's posters in one PDF."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from app.core.extensions import db
from app.org.services import org
from app.ratings.models import RatingPoint
from tests.helpers import nfkc, read_pdf


def test_a_service_point_officer_downloads_the_poster_and_its_qr_code_opens_the_rating_page(app, client, login, demo,
                                                                                            monkeypatch):
    monkeypatch.setitem(app.config, "BASE_URL", "https://info.example.go.th")
    muang = demo.agency("sp_muang")
    login("spoint")
    profile = client.get(f"/agencies/{muang.id}").get_data(as_text=True)  # the point's page links to its poster
    assert f'id="rating-poster-link" href="/ratings/points/{muang.id}"' in profile
    page = client.get(f"/ratings/points/{muang.id}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    code = db.session.get(RatingPoint, muang.id).code  # made the first time the poster is asked for
    link = re.search(r'id="rating-link">([^<]+)<', body).group(1)
    assert link == f"https://info.example.go.th/rate/{code}"  # from BASE_URL, not from the request's host
    assert "data-copy-target=\"#rating-link\"" in body
    poster = client.get(f"/ratings/points/{muang.id}/poster.pdf")
    assert poster.status_code == 200 and poster.mimetype == "application/pdf"
    printed = read_pdf(poster.data, png_name="rating-poster", scan_qr=True)
    assert printed.pages == 1
    assert nfkc("ที่ว่าการอำเภอเมืองนนทบุรี") in printed.text and nfkc("กรมการปกครอง") in printed.text
    assert nfkc("ประเมินความพึงพอใจการรับบริการ") in printed.text and link in printed.text and code in printed.text
    assert all(font["emb"] == "yes" for font in printed.fonts)
    assert printed.qr_codes == [link]
    # The phone opens what it read.
    opened = client.get(printed.qr_codes[0].removeprefix("https://info.example.go.th"))
    assert opened.status_code == 200 and "ที่ว่าการอำเภอเมืองนนทบุรี" in opened.get_data(as_text=True)
    png = client.get(f"/ratings/points/{muang.id}/qr.png?download=1")
    assert png.data.startswith(b"\x89PNG") and "attachment" in png.headers["Content-Disposition"]
    svg = client.get(f"/ratings/points/{muang.id}/qr.svg")
    assert svg.mimetype == "image/svg+xml" and ET.fromstring(svg.data).tag.endswith("svg")
    # Another point of the department is not this officer's.
    assert client.get(f"/ratings/points/{demo.agency('sp_pakkret').id}/poster.pdf").status_code == 404
    assert client.get(f"/ratings/points/{demo.agency('dopa').id}").status_code == 404  # a department takes none


def test_a_central_officer_downloads_all_the_departments_posters_in_one_pdf(client, login, demo):
    org.set_visibility(demo.user("central"), demo.agency("sp_pakkret").id, False)
    from app.org.services import agencies

    for name in ("จุดบริการศูนย์ราชการ", "จุดบริการห้างสรรพสินค้า"):
        agencies.create(kind="service_point", name_th=name, parent=demo.agency("bora"))
    db.session.commit()
    login("central")
    listing = client.get("/ratings/posters").get_data(as_text=True)
    assert listing.count("/poster.pdf") == 4 and "เทศบาลนครนนทบุรี" not in listing
    target = re.search(r'id="all-posters" href="([^"]+)"', listing).group(1).replace("&amp;", "&")
    everything = client.get(target)
    assert everything.status_code == 200
    printed = read_pdf(everything.data)
    assert printed.pages == 3  # the hidden point takes no ratings: no poster
    for name in ("ที่ว่าการอำเภอเมืองนนทบุรี", "จุดบริการศูนย์ราชการ", "จุดบริการห้างสรรพสินค้า"):
        assert nfkc(name) in printed.text
    assert nfkc("ที่ว่าการอำเภอปากเกร็ด") not in printed.text
    codes = {p.code for p in db.session.query(RatingPoint)}
    assert len(codes) == 3 and all(re.fullmatch(r"[23456789A-HJKMNP-Z]{6}", c) for c in codes)
    # Outside the department: nothing.
    assert client.get(f"/ratings/posters/all.pdf?agency={demo.agency('nakhon_nont').id}").status_code == 404
    login("spoint")
    assert client.get(f"/ratings/posters/all.pdf?agency={demo.agency('dopa').id}").status_code == 404
