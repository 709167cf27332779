build2/san/cpython/evproof.o: user/cpython/evproof.c \
 user/cpython/evproof.h user/cpython/evidence.h user/cpython/pylayout.h \
 user/cpython/elfinfo.h user/cpython/linetable.h include/sampler.h \
 user/lib/htab.h user/cpython/pyobj.h user/cpython/walkhost.h \
 user/lib/alloc.h user/lib/mem.h
user/cpython/evproof.h:
user/cpython/evidence.h:
user/cpython/pylayout.h:
user/cpython/elfinfo.h:
user/cpython/linetable.h:
include/sampler.h:
user/lib/htab.h:
user/cpython/pyobj.h:
user/cpython/walkhost.h:
user/lib/alloc.h:
user/lib/mem.h:
