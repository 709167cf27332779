build2/san/cpython/linetable.o: user/cpython/linetable.c \
 user/cpython/linetable.h
user/cpython/linetable.h:
