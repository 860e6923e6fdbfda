"""Seed step: inspections and their answers (filled in when the inspections models land)."""
