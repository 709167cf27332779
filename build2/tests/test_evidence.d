build2/tests/test_evidence.o: tests/unit/test_evidence.c \
 user/cpython/evidence.h user/cpython/pylayout.h user/cpython/elfinfo.h \
 user/cpython/linetable.h include/sampler.h user/lib/htab.h \
 user/deadcode/ignorefile.h
user/cpython/evidence.h:
user/cpython/pylayout.h:
user/cpython/elfinfo.h:
user/cpython/linetable.h:
include/sampler.h:
user/lib/htab.h:
user/deadcode/ignorefile.h:
