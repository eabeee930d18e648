from unibench.cli import main

raise SystemExit(main())
