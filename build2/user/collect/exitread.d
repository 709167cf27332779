build2/user/collect/exitread.o: user/collect/exitread.c \
 user/collect/exitread.h user/cpython/evidence.h user/cpython/pylayout.h \
 user/cpython/elfinfo.h user/cpython/linetable.h include/sampler.h \
 user/lib/htab.h user/collect/attach.h user/collect/exitset.h \
 include/exitprobe.h user/collect/targets.h user/collect/agent.h \
 user/profile/profile.h user/profile/counters.h user/cpython/classify.h \
 user/lib/alloc.h user/lib/clock.h user/lib/msg.h \
 build2/gen/exitread.skel.h
user/collect/exitread.h:
user/cpython/evidence.h:
user/cpython/pylayout.h:
user/cpython/elfinfo.h:
user/cpython/linetable.h:
include/sampler.h:
user/lib/htab.h:
user/collect/attach.h:
user/collect/exitset.h:
include/exitprobe.h:
user/collect/targets.h:
user/collect/agent.h:
user/profile/profile.h:
user/profile/counters.h:
user/cpython/classify.h:
user/lib/alloc.h:
user/lib/clock.h:
user/lib/msg.h:
build2/gen/exitread.skel.h:
