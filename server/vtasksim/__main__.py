from vtasksim.app.cli import main

raise SystemExit(main())
