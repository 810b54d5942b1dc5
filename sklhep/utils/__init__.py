"""Utilities for developers and tests of sklhep."""
