"""The append-only, hash-chained audit log. ``chain`` is pure (no Django) so exports verify offline."""
