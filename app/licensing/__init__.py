"""Licensing Facilitation Act: monthly licence reports, unlock requests and delay notices."""
