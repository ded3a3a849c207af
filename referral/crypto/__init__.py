"""Keys and field-level encryption. Nothing outside this package touches key bytes."""
