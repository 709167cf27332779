build2/san/collect/evround.o: user/collect/evround.c \
 user/collect/evround.h user/cpython/evidence.h user/cpython/pylayout.h \
 user/cpython/elfinfo.h user/cpython/linetable.h include/sampler.h \
 user/lib/htab.h user/collect/exitread.h user/collect/targets.h \
 user/collect/agent.h user/profile/profile.h user/profile/counters.h \
 user/cpython/classify.h user/lib/alloc.h user/lib/clock.h user/lib/msg.h \
 user/lib/procfs.h
user/collect/evround.h:
user/cpython/evidence.h:
user/cpython/pylayout.h:
user/cpython/elfinfo.h:
user/cpython/linetable.h:
include/sampler.h:
user/lib/htab.h:
user/collect/exitread.h:
user/collect/targets.h:
user/collect/agent.h:
user/profile/profile.h:
user/profile/counters.h:
user/cpython/classify.h:
user/lib/alloc.h:
user/lib/clock.h:
user/lib/msg.h:
user/lib/procfs.h:
