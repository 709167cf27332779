build2/tests/test_qualname.o: tests/unit/test_qualname.c \
 user/cpython/qualname.h user/lib/file.h
user/cpython/qualname.h:
user/lib/file.h:
