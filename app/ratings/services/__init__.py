"""The ratings capability's services: plain values in, flush and never commit, nothing from the request.

- ``access``: who sees and does what (role × agency scope, from ``app.accounts.services.policy``)
- ``points``: rating points, their public codes and kiosk tokens
- ``questions``: question sets, their drafts and versions
- ``submissions``: a citizen's rating, its duplicate check and its tallies
- ``tallies``: the daily counts the report reads
- ``report``: the satisfaction report (plain filters in, figures out), the comments
- ``moderation``: excluding a rating (OPDC) and putting it back
- ``posters`` and ``exports``: the printed poster and QR codes; CSV and XLSX
"""
