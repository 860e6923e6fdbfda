"""Models of the forms_fill app (filled in by its capability issue)."""
