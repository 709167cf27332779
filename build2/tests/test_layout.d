build2/tests/test_layout.o: tests/unit/test_layout.c \
 user/cpython/pylayout.h user/cpython/elfinfo.h user/cpython/linetable.h \
 include/sampler.h
user/cpython/pylayout.h:
user/cpython/elfinfo.h:
user/cpython/linetable.h:
include/sampler.h:
