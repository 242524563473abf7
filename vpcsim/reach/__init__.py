"""Reach: the one walk (walk.py) and what is derived from it."""
