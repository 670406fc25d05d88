"""Every report opens for the roles that may see it, and for no one else."""

from __future__ import annotations

import pytest

ROLES_AND_REPORTS = {
    "central": {"licences", "delays", "manuals"},
    "spoint": {"licences", "delays", "manuals"},
    "opdc": {"licences", "delays", "manuals"},
    "admin": {"licences", "delays", "manuals", "operations"},
    "hd_super": {"desk"},
    "chat_super": {"desk"},
    "author": {"manuals"},
}
EVERY = {"licences", "delays", "manuals", "desk", "operations"}


@pytest.mark.parametrize("username", sorted(ROLES_AND_REPORTS))
def test_each_role_opens_its_reports_and_no_other(client, login, demo, username):
    login(username)
    listing = client.get("/reports/")
    assert listing.status_code == 200
    for key in EVERY:
        response = client.get(f"/reports/{key}")
        expected = 200 if key in ROLES_AND_REPORTS[username] else 403
        assert response.status_code == expected, (key, response.get_data(as_text=True)[:2000])
        assert (f'id="report-{key}"' in listing.get_data(as_text=True)) == (expected == 200)
