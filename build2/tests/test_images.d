build2/tests/test_images.o: tests/unit/test_images.c user/lib/mem.h \
 user/profile/profile.h include/sampler.h user/lib/htab.h \
 user/profile/counters.h user/cpython/pylayout.h user/cpython/elfinfo.h \
 user/cpython/linetable.h user/cpython/symtab.h user/cpython/pyobj.h \
 user/cpython/walkhost.h
user/lib/mem.h:
user/profile/profile.h:
include/sampler.h:
user/lib/htab.h:
user/profile/counters.h:
user/cpython/pylayout.h:
user/cpython/elfinfo.h:
user/cpython/linetable.h:
user/cpython/symtab.h:
user/cpython/pyobj.h:
user/cpython/walkhost.h:
