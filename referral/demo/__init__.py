"""Demo data: never loaded in production."""
