"""Allow `python -m artisan`."""

from artisan.cli import main

raise SystemExit(main())
