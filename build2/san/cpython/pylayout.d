build2/san/cpython/pylayout.o: user/cpython/pylayout.c \
 user/cpython/pylayout.h user/cpython/elfinfo.h user/cpython/linetable.h \
 include/sampler.h user/cpython/pylayout_table.h
user/cpython/pylayout.h:
user/cpython/elfinfo.h:
user/cpython/linetable.h:
include/sampler.h:
user/cpython/pylayout_table.h:
