"""Hosting the roles: the AOI runtime loop, the baseline, and in-process runs on simulated problems."""
