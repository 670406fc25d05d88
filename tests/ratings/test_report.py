"""The satisfaction report on known ratings: per question averages and distributions, counts, the trend by month,
the drill-down, filters, scope by role, comments, exports; and it reads no more queries as the data grows."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import openpyxl
import pytest
from sqlalchemy import select

from app.core.extensions import db
from app.core.thai_dates import buddhist_year
from app.manuals.models import Manual
from app.manuals.services import links
from app.org.models import Agency
from app.org.services import agencies
from app.ratings.services import report, report_choices
from tests.clock import TODAY
from tests.ratings.conftest import days_ago, give

FIRST, LAST = TODAY - timedelta(days=60), TODAY


@pytest.fixture
def known(rated):
    """Five ratings: three at Mueang Nonthaburi, one at Pak Kret (both under the Department of Provincial
    Administration, in Nonthaburi), one at Nonthaburi City Municipality."""
    muang, pakkret, nont = (rated.code(a) for a in (rated.muang, rated.pakkret, rated.nont))
    give(muang, days_ago(10), comment="ที่จอดรถไม่เพียงพอ")  # 5 4 3 5, yes, choice 0
    give(muang, days_ago(10, hour=14), q1="3", q2="2", q3="1", q4="4", q5="0", q6="2")
    give(muang, days_ago(40), q1="4", q2="4", q3="4", q4="4", q5=None, q6=None)
    give(pakkret, days_ago(5), q1="1", q2="1", q3="1", q4="1", q5="0", q6="4", comment="รอนานมาก")
    give(nont, days_ago(3), q1="5", q2="5", q3="5", q4="5")
    return rated


def _figures(paths, **filters) -> report.Report:
    return report.satisfaction(report.ReportFilters(first=FIRST, last=LAST, **filters), paths)


def _question(result: report.Report, position: int) -> report.QuestionFigures:
    [version] = result.versions
    return next(f for f in version.questions if f.question.position == position)


def test_the_figures_of_known_ratings(known):
    result = _figures(["/"])
    assert (result.ratings, result.comments, result.duplicates, result.excluded) == (5, 2, 0, 0)
    overall = _question(result, 1)
    assert overall.answered == 5 and overall.average == pytest.approx(3.6)
    assert [(s.label_th, s.count) for s in overall.distribution] == [
        ("น้อยที่สุด", 1), ("น้อย", 0), ("ปานกลาง", 1), ("มาก", 1), ("มากที่สุด", 2)]
    assert [round(s.share) for s in overall.distribution] == [20, 0, 20, 20, 40]
    met = _question(result, 5)  # yes/no, optional: four answered, two yes
    assert (met.answered, met.average) == (4, 0.5) and [s.count for s in met.distribution] == [2, 2]
    heard = _question(result, 6)
    assert heard.answered == 4 and [s.count for s in heard.distribution] == [2, 0, 1, 0, 1]
    assert _question(result, 7).answered == 2  # comments
    scale_answers = [5, 4, 3, 5, 3, 2, 1, 4, 4, 4, 4, 4, 1, 1, 1, 1, 5, 5, 5, 5]
    assert result.score == pytest.approx(sum(scale_answers) / len(scale_answers))
    months = {(m.year, m.month): m.ratings for m in result.months}
    expected: dict = {}
    for days in (10, 10, 40, 5, 3):
        day = TODAY - timedelta(days=days)
        expected[(day.year, day.month)] = expected.get((day.year, day.month), 0) + 1
    assert months == expected


def test_each_role_sees_its_own_scope(client, login, known):
    def shown(response) -> int:
        assert response.status_code == 200, response.status_code
        return int(re.search(r'id="figure-ratings">([\d,]+)<', response.get_data(as_text=True)).group(1))

    period = f"first={FIRST.isoformat()}&last={LAST.isoformat()}"
    dopa, nont = known.muang.parent_id, known.nont.id
    login("spoint")  # Mueang Nonthaburi's officer
    assert shown(client.get(f"/ratings/?{period}")) == 3
    assert client.get(f"/ratings/?{period}&agency={dopa}").status_code == 404
    assert client.get(f"/ratings/?{period}&agency={known.pakkret.id}").status_code == 404
    login("central")  # the department: both its points
    page = client.get(f"/ratings/?{period}")
    assert shown(page) == 4
    body = page.get_data(as_text=True)
    assert "ที่ว่าการอำเภอปากเกร็ด" in body and "เทศบาลนครนนทบุรี" not in body
    assert client.get(f"/ratings/?{period}&agency={nont}").status_code == 404
    # Drill down from the department to a point.
    drill = re.search(rf'href="([^"]*agency={known.pakkret.id}[^"]*)"', body).group(1).replace("&amp;", "&")
    assert shown(client.get(drill)) == 1
    for person in ("opdc", "admin"):
        login(person)
        assert shown(client.get(f"/ratings/?{period}")) == 5
        assert shown(client.get(f"/ratings/?{period}&agency={nont}")) == 1
    for person in ("author", "reviewer", "hd_agent"):
        login(person)
        assert client.get("/ratings/").status_code == 403


def test_filters_province_service_and_breakdowns(known, demo):
    assert _figures(["/"], province="นนทบุรี").ratings == 4  # the municipality has no province in the demo
    dopa_path = known.muang.parent.path
    assert _figures([dopa_path], province="นนทบุรี").ratings == 4  # inside a subtree: the points' own figures
    assert _figures([dopa_path], province="เชียงใหม่").ratings == 0
    by_province = _figures(["/"], breakdown="province").breakdown
    assert [(row.label_th, row.ratings) for row in by_province if row.ratings] == [("นนทบุรี", 4)]
    units = _figures([dopa_path]).breakdown
    assert {row.label_th: row.ratings for row in units} == {
        "สำนักบริหารการทะเบียน": 0, "ที่ว่าการอำเภอเมืองนนทบุรี": 3, "ที่ว่าการอำเภอปากเกร็ด": 1}
    roots = {row.label_th: row.ratings for row in _figures(["/"]).breakdown}
    assert roots["กระทรวงมหาดไทย"] == 4 and roots["เทศบาลนครนนทบุรี"] == 1
    manual = db.session.scalar(select(Manual).where(Manual.published_revision_id.is_not(None)))
    links.link(demo.user("central"), known.muang.id, "manual", manual.id)
    db.session.commit()
    give(known.code(known.muang), days_ago(1), service=f"m{manual.id}", q1="2")
    served = _figures([dopa_path], service=f"m{manual.id}")
    assert served.ratings == 1 and _question(served, 1).average == 2.0
    by_service = _figures([dopa_path], agency_id=known.muang.id, breakdown="service").breakdown
    assert [(row.label_th, row.ratings) for row in by_service] == [(manual.title, 1)]


def test_dates_typed_in_the_buddhist_era_are_read_as_such(client, login, known):
    login("opdc")
    gregorian = client.get(f"/ratings/?first={FIRST.isoformat()}&last={LAST.isoformat()}").get_data(as_text=True)
    be = f"first={buddhist_year(FIRST.year)}-{FIRST:%m-%d}&last={buddhist_year(LAST.year)}-{LAST:%m-%d}"
    buddhist = client.get(f"/ratings/?{be}")
    assert buddhist.status_code == 200
    number = re.compile(r'id="figure-ratings">(\d+)<')
    assert number.search(buddhist.get_data(as_text=True)).group(1) == number.search(gregorian).group(1) == "5"


def test_comments_are_searched_within_the_viewers_scope(client, login, known):
    period = f"first={FIRST.isoformat()}&last={LAST.isoformat()}"
    login("opdc")
    everything = client.get(f"/ratings/list?{period}").get_data(as_text=True)
    assert "ที่จอดรถไม่เพียงพอ" in everything and "รอนานมาก" in everything
    found = client.get(f"/ratings/list?{period}&q=จอดรถ").get_data(as_text=True)
    assert "ที่จอดรถไม่เพียงพอ" in found and "รอนานมาก" not in found
    assert "รอนานมาก" not in client.get(f"/ratings/list?{period}&q=%25").get_data(as_text=True)  # % is a letter
    login("spoint")
    mine = client.get(f"/ratings/list?{period}&show=all").get_data(as_text=True)
    assert mine.count('data-rating="') == 3 and "รอนานมาก" not in mine
    assert client.get(f"/ratings/list?{period}&agency={known.pakkret.id}").status_code == 404


def test_exports_give_what_the_screen_shows(client, login, known):
    period = f"first={FIRST.isoformat()}&last={LAST.isoformat()}"
    login("central")
    exported = client.get(f"/ratings/export.csv?{period}")
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    question = next(row for row in rows if len(row) > 2 and row[2].startswith("ท่านพึงพอใจ"))
    assert question[4:6] == ["4", "3.25"]  # four answers, (5 + 3 + 4 + 1) / 4
    assert ["จำนวนผู้ประเมิน", "4"] in rows  # Thai labels, as on the screen
    workbook = client.get(f"/ratings/export.xlsx?{period}")
    assert workbook.mimetype.endswith("spreadsheetml.sheet")
    book = openpyxl.load_workbook(io.BytesIO(workbook.data), read_only=True)
    assert "คำถาม" in book.sheetnames
    cells = [value for row in book["คำถาม"].iter_rows(values_only=True) for value in row]
    assert "ท่านพึงพอใจต่อการรับบริการในครั้งนี้โดยรวมเพียงใด" in cells and 3.25 in cells
    every = client.get(f"/ratings/export/ratings.csv?{period}")
    lines = list(csv.reader(io.StringIO(every.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(lines) == 5 and lines[0][:2] == ["เลขที่การประเมิน", "วันที่"]
    assert all(re.fullmatch(r"\d{1,2} \S+ 25\d\d", line[1]) for line in lines[1:])  # Buddhist-era days
    assert {line[3] for line in lines[1:]} == {"ที่ว่าการอำเภอเมืองนนทบุรี", "ที่ว่าการอำเภอปากเกร็ด"}
    assert any(line[9] == "รอนานมาก" for line in lines)


def test_a_comment_that_looks_like_a_formula_stays_text_in_the_export(client, login, rated):
    give(rated.code(rated.muang), days_ago(1), comment="=HYPERLINK(\"http://evil.example\")")
    login("opdc")
    body = client.get(f"/ratings/export/ratings.csv?first={FIRST.isoformat()}").get_data(as_text=True)
    assert "'=HYPERLINK" in body


def test_report_and_lists_read_no_more_queries_as_the_data_grows(client, login, known, count_queries):
    period = f"first={FIRST.isoformat()}&last={LAST.isoformat()}"
    login("central")
    pages = [f"/ratings/?{period}", f"/ratings/list?{period}&show=all", "/ratings/posters",
             f"/ratings/?{period}&by=service&agency={known.muang.id}"]
    for url in pages:
        client.get(url)
    counts = []
    for url in pages:
        with count_queries() as few:
            assert client.get(url).status_code == 200
        counts.append(len(few))
    bora = known.muang.parent
    for number in range(12):
        point = agencies.create(kind="service_point", name_th=f"จุดบริการทดสอบ {number}", parent=bora)
        point.province = "นนทบุรี"
    db.session.commit()
    from app.ratings.services import points

    made = points.ensure_points(list(db.session.scalars(select(type(known.muang)).where(
        type(known.muang).name_th.like("จุดบริการทดสอบ%")))))
    db.session.commit()
    for number, point in enumerate(made.values()):
        give(point.code, days_ago(number % 20 + 1), comment=f"ความเห็นที่ {number}")
        give(known.code(known.muang), days_ago(number % 30 + 1), q1=str(number % 5 + 1))
    for url, before in zip(pages, counts, strict=True):
        with count_queries() as many:
            assert client.get(url).status_code == 200
        assert len(many) == before, (url, before, len(many))


def test_province_choices_are_each_province_once_in_order(demo):
    """The report's province filter lists every province of the agencies once, in the database's order, without
    blanks: read by a probe per province, it must give what reading every agency would."""
    agencies_with = list(db.session.scalars(select(Agency).order_by(Agency.id)))
    for agency, province in zip(agencies_with, ["เชียงใหม่", "กระบี่", "เชียงใหม่", "  ", "ชลบุรี", "กระบี่"],
                                strict=False):
        agency.province = province
    db.session.commit()
    every_agency = [p for p in db.session.scalars(select(Agency.province).where(Agency.province.is_not(None))
                                                  .distinct().order_by(Agency.province)) if p.strip()]
    choices = report_choices.provinces()
    assert choices == every_agency
    assert {"เชียงใหม่", "กระบี่", "ชลบุรี"} <= set(choices) and len(choices) == len(set(choices))
    assert [row.label_th for row in _figures(["/"], breakdown="province").breakdown] == choices
