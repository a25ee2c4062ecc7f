"""Dialogs and full screens pushed over the main screen."""
