build2/san/cpython/qualname.o: user/cpython/qualname.c \
 user/cpython/qualname.h
user/cpython/qualname.h:
