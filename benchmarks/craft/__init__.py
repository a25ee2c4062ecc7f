"""The craft benchmark: how well the offline composer's prompts fit their ideas."""
