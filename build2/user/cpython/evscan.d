build2/user/cpython/evscan.o: user/cpython/evscan.c \
 user/cpython/evidence.h user/cpython/pylayout.h user/cpython/elfinfo.h \
 user/cpython/linetable.h include/sampler.h user/lib/htab.h \
 user/cpython/pyobj.h user/cpython/qualname.h user/cpython/evproof.h \
 user/lib/alloc.h user/lib/file.h user/lib/mem.h user/lib/srccache.h
user/cpython/evidence.h:
user/cpython/pylayout.h:
user/cpython/elfinfo.h:
user/cpython/linetable.h:
include/sampler.h:
user/lib/htab.h:
user/cpython/pyobj.h:
user/cpython/qualname.h:
user/cpython/evproof.h:
user/lib/alloc.h:
user/lib/file.h:
user/lib/mem.h:
user/lib/srccache.h:
