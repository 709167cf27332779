build2/san/cpython/elfinfo.o: user/cpython/elfinfo.c \
 user/cpython/elfinfo.h
user/cpython/elfinfo.h:
