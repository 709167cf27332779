build2/tests/test_linetable.o: tests/unit/test_linetable.c \
 user/cpython/linetable.h
user/cpython/linetable.h:
