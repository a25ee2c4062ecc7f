"""Refining a prompt at the keyboard: completions while typing, the phrase picker, styles.

- `vocabulary`: the phrases completions come from (the composer's data, the phrase book, the
  person's library), looked up by how they start;
- `completions`: what may finish the text before the cursor (phrases, `__wildcards__`,
  Midjourney's `--parameters`);
- `phrases`: the phrase book, by category, shipped and the person's own;
- `styles`: named templates wrapping a prompt, stacked in order, and their import from
  AUTOMATIC1111 and SDXL prompt-styler files;
- `placing`: putting a phrase or a term to avoid into a prompt in its target's shape.

Nothing here imports Textual; the app and the command line both use it.
"""
