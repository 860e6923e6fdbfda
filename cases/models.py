"""Models of the cases app (filled in by its capability issue)."""
