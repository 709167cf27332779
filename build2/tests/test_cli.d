build2/tests/test_cli.o: tests/unit/test_cli.c
