"""The append-only, hash-chained audit log.

``chain``, ``verification`` and ``verify_export`` are pure (no Django), so an export verifies
offline; ``services`` appends, ``selectors`` reads and verifies, ``checkpoints`` signs the head,
``api`` serves auditors."""
