"""Writes for incidents, teams, alerts and the write gate. Every change is audited in its transaction."""
