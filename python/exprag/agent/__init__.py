"""Helpers for coding agents that read exprag runs."""
