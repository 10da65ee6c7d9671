"""Video generation vendors: submit a clip, poll its task, download the result (one module per vendor)."""
