"""Models of the volunteers app (filled in by its capability issue)."""
