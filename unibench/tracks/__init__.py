"""Challenge-track helpers: submission parsing and validation."""
