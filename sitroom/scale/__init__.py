"""Scaling out: the shard function and the backfill executors (local, Ray)."""
