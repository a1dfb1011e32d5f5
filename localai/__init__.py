"""LocalAI: private chat and image generation on your own computer."""

__version__ = "0.1.0"
