build2/tests/test_tfile.o: tests/unit/test_tfile.c user/lib/tfile.h
user/lib/tfile.h:
