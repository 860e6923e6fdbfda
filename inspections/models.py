"""Models of the inspections app (filled in by its capability issue)."""
