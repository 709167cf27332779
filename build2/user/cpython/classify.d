build2/user/cpython/classify.o: user/cpython/classify.c \
 user/cpython/classify.h user/cpython/pylayout.h user/cpython/elfinfo.h \
 user/cpython/linetable.h include/sampler.h user/lib/alloc.h \
 user/lib/htab.h user/lib/file.h user/lib/procfs.h
user/cpython/classify.h:
user/cpython/pylayout.h:
user/cpython/elfinfo.h:
user/cpython/linetable.h:
include/sampler.h:
user/lib/alloc.h:
user/lib/htab.h:
user/lib/file.h:
user/lib/procfs.h:
