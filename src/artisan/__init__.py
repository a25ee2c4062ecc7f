"""artisan: write image-generation prompts from the keyboard."""

__version__ = "0.1.0"
