from sceneintruder.cli import main

raise SystemExit(main())
