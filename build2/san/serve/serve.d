build2/san/serve/serve.o: user/serve/serve.c user/serve/serve.h \
 user/collect/agent.h user/profile/profile.h include/sampler.h \
 user/lib/htab.h user/profile/counters.h user/deadcode/deadcode.h \
 user/output/metrics.h user/lib/alloc.h user/lib/clock.h user/lib/msg.h \
 user/output/pprof.h
user/serve/serve.h:
user/collect/agent.h:
user/profile/profile.h:
include/sampler.h:
user/lib/htab.h:
user/profile/counters.h:
user/deadcode/deadcode.h:
user/output/metrics.h:
user/lib/alloc.h:
user/lib/clock.h:
user/lib/msg.h:
user/output/pprof.h:
