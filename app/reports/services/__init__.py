"""The reports' figures: plain values in, tables out; the page, the CSV and the XLSX show the same tables."""
