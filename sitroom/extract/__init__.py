"""Extraction stages: events, quotes, figures and time expressions found in an article's text."""
