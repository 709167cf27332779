build2/san/collect/drain.o: user/collect/drain.c user/collect/drain.h \
 user/lib/htab.h include/sampler.h user/collect/targets.h \
 user/collect/agent.h user/profile/profile.h user/profile/counters.h \
 user/cpython/classify.h user/cpython/pylayout.h user/cpython/elfinfo.h \
 user/cpython/linetable.h user/cpython/symtab.h user/cpython/pyobj.h \
 user/lib/alloc.h user/lib/clock.h user/lib/srccache.h
user/collect/drain.h:
user/lib/htab.h:
include/sampler.h:
user/collect/targets.h:
user/collect/agent.h:
user/profile/profile.h:
user/profile/counters.h:
user/cpython/classify.h:
user/cpython/pylayout.h:
user/cpython/elfinfo.h:
user/cpython/linetable.h:
user/cpython/symtab.h:
user/cpython/pyobj.h:
user/lib/alloc.h:
user/lib/clock.h:
user/lib/srccache.h:
