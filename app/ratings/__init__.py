"""Satisfaction ratings: question sets, the public rating page and kiosk, QR posters, and the satisfaction report."""
