build2/san/deadcode/deadcode.o: user/deadcode/deadcode.c \
 user/deadcode/deadcode.h user/lib/htab.h user/cpython/classify.h \
 user/cpython/pylayout.h user/cpython/elfinfo.h user/cpython/linetable.h \
 include/sampler.h user/deadcode/ignorefile.h user/lib/alloc.h \
 user/lib/msg.h user/lib/str.h
user/deadcode/deadcode.h:
user/lib/htab.h:
user/cpython/classify.h:
user/cpython/pylayout.h:
user/cpython/elfinfo.h:
user/cpython/linetable.h:
include/sampler.h:
user/deadcode/ignorefile.h:
user/lib/alloc.h:
user/lib/msg.h:
user/lib/str.h:
