"""Description scoring (EMER style): label extraction from free text, the EMER GPT judge, embedding similarity."""
