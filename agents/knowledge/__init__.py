"""Long-term memory's storage: knowledge items created, retired and read (the ORM shell around them).

Retrieval by similarity to the current evidence is pure code over the items these selectors return."""
