build2/tests/test_htab.o: tests/unit/test_htab.c user/lib/htab.h
user/lib/htab.h:
