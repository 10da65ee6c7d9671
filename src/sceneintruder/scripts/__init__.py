"""The writing assistant: novels and scripts drafted chapter by chapter (`/api/scripts`)."""
