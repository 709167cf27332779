build2/user/collect/exitset.o: user/collect/exitset.c \
 user/collect/exitset.h user/cpython/evidence.h user/cpython/pylayout.h \
 user/cpython/elfinfo.h user/cpython/linetable.h include/sampler.h \
 user/lib/htab.h include/exitprobe.h user/lib/alloc.h \
 user/profile/profile.h user/profile/counters.h
user/collect/exitset.h:
user/cpython/evidence.h:
user/cpython/pylayout.h:
user/cpython/elfinfo.h:
user/cpython/linetable.h:
include/sampler.h:
user/lib/htab.h:
include/exitprobe.h:
user/lib/alloc.h:
user/profile/profile.h:
user/profile/counters.h:
