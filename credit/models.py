"""Models of the credit app (filled in by its capability issue)."""
