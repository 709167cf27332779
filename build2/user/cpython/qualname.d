build2/user/cpython/qualname.o: user/cpython/qualname.c \
 user/cpython/qualname.h
user/cpython/qualname.h:
