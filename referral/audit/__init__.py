"""Append-only, hash-chained audit trail. `service.record()` joins the caller's transaction."""
