"""Model backends: transformers (text) and diffusers (image). Heavy imports inside ``load``."""
