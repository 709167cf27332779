build2/user/cpython/pyobj.o: user/cpython/pyobj.c user/cpython/pyobj.h \
 user/cpython/pylayout.h user/cpython/elfinfo.h user/cpython/linetable.h \
 include/sampler.h user/lib/mem.h
user/cpython/pyobj.h:
user/cpython/pylayout.h:
user/cpython/elfinfo.h:
user/cpython/linetable.h:
include/sampler.h:
user/lib/mem.h:
