build2/san/collect/bpfobj.o: user/collect/bpfobj.c user/collect/bpfobj.h \
 user/profile/counters.h include/sampler.h user/lib/alloc.h \
 user/lib/msg.h build2/gen/sampler.skel.h
user/collect/bpfobj.h:
user/profile/counters.h:
include/sampler.h:
user/lib/alloc.h:
user/lib/msg.h:
build2/gen/sampler.skel.h:
