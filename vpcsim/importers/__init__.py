"""Importers: real infrastructure (AWS snapshots; Terraform later) -> the located tree that `loader.build` reads."""
