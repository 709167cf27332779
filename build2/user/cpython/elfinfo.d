build2/user/cpython/elfinfo.o: user/cpython/elfinfo.c \
 user/cpython/elfinfo.h
user/cpython/elfinfo.h:
