build2/user/cpython/linetable.o: user/cpython/linetable.c \
 user/cpython/linetable.h
user/cpython/linetable.h:
