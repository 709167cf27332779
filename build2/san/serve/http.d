build2/san/serve/http.o: user/serve/http.c user/serve/http.h \
 user/serve/serve.h user/collect/agent.h user/profile/profile.h \
 include/sampler.h user/lib/htab.h user/profile/counters.h \
 user/deadcode/deadcode.h user/output/metrics.h user/lib/alloc.h \
 user/lib/file.h user/lib/msg.h
user/serve/http.h:
user/serve/serve.h:
user/collect/agent.h:
user/profile/profile.h:
include/sampler.h:
user/lib/htab.h:
user/profile/counters.h:
user/deadcode/deadcode.h:
user/output/metrics.h:
user/lib/alloc.h:
user/lib/file.h:
user/lib/msg.h:
