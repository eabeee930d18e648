"""Pure metric functions (no file I/O): classification scores, the MER2024 synonym-group metric, preferences."""
