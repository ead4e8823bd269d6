from juni_tui.cli import main

raise SystemExit(main())
