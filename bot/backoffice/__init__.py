"""The back office's tools: the platform catalogue's import, listing and export
(`python -m bot catalogue …`)."""
