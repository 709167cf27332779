build2/san/profile/pprofev.o: user/profile/pprofev.c \
 user/profile/pprofev.h user/lib/htab.h user/profile/pprofschema.h \
 user/profile/profile.h include/sampler.h user/profile/counters.h \
 user/cpython/evidence.h user/cpython/pylayout.h user/cpython/elfinfo.h \
 user/cpython/linetable.h user/lib/alloc.h user/profile/pprofread.h
user/profile/pprofev.h:
user/lib/htab.h:
user/profile/pprofschema.h:
user/profile/profile.h:
include/sampler.h:
user/profile/counters.h:
user/cpython/evidence.h:
user/cpython/pylayout.h:
user/cpython/elfinfo.h:
user/cpython/linetable.h:
user/lib/alloc.h:
user/profile/pprofread.h:
