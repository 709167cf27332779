build2/user/collect/targets.o: user/collect/targets.c \
 user/collect/targets.h user/collect/agent.h user/profile/profile.h \
 include/sampler.h user/lib/htab.h user/profile/counters.h \
 user/cpython/classify.h user/cpython/pylayout.h user/cpython/elfinfo.h \
 user/cpython/linetable.h user/collect/filter.h user/cpython/symtab.h \
 user/cpython/pyobj.h user/lib/alloc.h user/lib/clock.h user/lib/msg.h \
 user/lib/procfs.h user/lib/str.h
user/collect/targets.h:
user/collect/agent.h:
user/profile/profile.h:
include/sampler.h:
user/lib/htab.h:
user/profile/counters.h:
user/cpython/classify.h:
user/cpython/pylayout.h:
user/cpython/elfinfo.h:
user/cpython/linetable.h:
user/collect/filter.h:
user/cpython/symtab.h:
user/cpython/pyobj.h:
user/lib/alloc.h:
user/lib/clock.h:
user/lib/msg.h:
user/lib/procfs.h:
user/lib/str.h:
