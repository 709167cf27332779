build2/san/deadcode/match.o: user/deadcode/match.c \
 user/deadcode/deadcode.h user/lib/htab.h user/cpython/classify.h \
 user/cpython/pylayout.h user/cpython/elfinfo.h user/cpython/linetable.h \
 include/sampler.h user/cpython/evidence.h user/deadcode/ignorefile.h \
 user/deadcode/keys.h user/lib/alloc.h user/lib/clock.h user/lib/msg.h \
 user/lib/procfs.h user/profile/aggregate.h user/profile/profile.h \
 user/profile/counters.h user/profile/load.h
user/deadcode/deadcode.h:
user/lib/htab.h:
user/cpython/classify.h:
user/cpython/pylayout.h:
user/cpython/elfinfo.h:
user/cpython/linetable.h:
include/sampler.h:
user/cpython/evidence.h:
user/deadcode/ignorefile.h:
user/deadcode/keys.h:
user/lib/alloc.h:
user/lib/clock.h:
user/lib/msg.h:
user/lib/procfs.h:
user/profile/aggregate.h:
user/profile/profile.h:
user/profile/counters.h:
user/profile/load.h:
