build2/user/collect/agent.o: user/collect/agent.c user/collect/agent.h \
 user/profile/profile.h include/sampler.h user/lib/htab.h \
 user/profile/counters.h user/collect/attach.h user/collect/bpfobj.h \
 user/collect/child.h user/collect/drain.h user/collect/evround.h \
 user/cpython/evidence.h user/cpython/pylayout.h user/cpython/elfinfo.h \
 user/cpython/linetable.h user/collect/exitread.h user/collect/targets.h \
 user/cpython/classify.h user/cpython/symtab.h user/cpython/pyobj.h \
 user/lib/alloc.h user/lib/clock.h user/lib/msg.h user/lib/tfile.h \
 build2/gen/sampler.skel.h
user/collect/agent.h:
user/profile/profile.h:
include/sampler.h:
user/lib/htab.h:
user/profile/counters.h:
user/collect/attach.h:
user/collect/bpfobj.h:
user/collect/child.h:
user/collect/drain.h:
user/collect/evround.h:
user/cpython/evidence.h:
user/cpython/pylayout.h:
user/cpython/elfinfo.h:
user/cpython/linetable.h:
user/collect/exitread.h:
user/collect/targets.h:
user/cpython/classify.h:
user/cpython/symtab.h:
user/cpython/pyobj.h:
user/lib/alloc.h:
user/lib/clock.h:
user/lib/msg.h:
user/lib/tfile.h:
build2/gen/sampler.skel.h:
